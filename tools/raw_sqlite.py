#!/usr/bin/env python3
"""The raw single-row commit rate of SQLite on this machine: CLIENTS threads,
each with its own connection (WAL, the given synchronous mode, busy timeout),
running BEGIN IMMEDIATE / one INSERT of ~1 KB / COMMIT for SECONDS. No ORM,
no async driver: the database's own limit that `varna-bench write` compares
Varna's commands with.

usage: raw_sqlite.py DB_FILE SECONDS CLIENTS [full|normal]
prints: <clients> <transactions> <transactions per second>
"""
import sqlite3
import sys
import threading
import time

path, seconds, clients = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
sync = (sys.argv[4] if len(sys.argv) > 4 else "full").upper()
payload = "Brukaren föll i badrummet nattetid; ingen larmknapp var på. " * 16

setup = sqlite3.connect(path, isolation_level=None)
setup.execute("PRAGMA journal_mode=WAL")
setup.execute(
    "CREATE TABLE IF NOT EXISTS raw_probe (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " client INTEGER NOT NULL, payload TEXT NOT NULL)"
)
setup.execute("DELETE FROM raw_probe")
setup.close()

counts = [0] * clients
deadline = time.monotonic() + seconds


def run(n):
    con = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    con.execute(f"PRAGMA synchronous={sync}")
    con.execute("PRAGMA journal_mode=WAL")
    while time.monotonic() < deadline:
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO raw_probe (client, payload) VALUES (?, ?)", (n, payload))
        con.execute("COMMIT")
        counts[n] += 1
    con.close()


started = time.monotonic()
threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.monotonic() - started
done = sqlite3.connect(path, isolation_level=None)
done.execute("DROP TABLE raw_probe")
done.close()
print(clients, sum(counts), round(sum(counts) / elapsed))
