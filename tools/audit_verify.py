#!/usr/bin/env python3
"""An independent re-implementation of `varna audit verify` for a SQLite
store, written from docs/storage.md ("The hash chains") alone, with the
Python standard library only. Auditors can run it without trusting Varna.

usage: audit_verify.py path/to/varna.db
exit 0 when both chains are intact, 1 with the first break otherwise.
"""
import datetime
import hashlib
import json
import sqlite3
import sys

GENESIS = "0" * 64


def timestamp(text):
    """Any stored timestamp form -> YYYY-MM-DDTHH:MM:SS.ffffffZ (UTC)."""
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(row):
    envelope = {
        "actor_id": row["actor_id"],
        "actor_role": row["actor_role"],
        "case_id": row["case_id"],
        "event_type": row["event_type"],
        "event_version": row["event_version"],
        "occurred_at": timestamp(row["occurred_at"]),
        "payload": json.loads(row["payload"]),
        "recorded_at": timestamp(row["recorded_at"]),
        "sequence": row["sequence"],
    }
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.hexdigest()


def main(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    last = None
    events = 0
    for row in db.execute("SELECT * FROM event ORDER BY case_id, sequence"):
        case, seq = row["case_id"], row["sequence"]
        expected_seq, expected_prev = (last[1] + 1, last[2]) if last and last[0] == case else (1, GENESIS)
        if seq != expected_seq:
            return f"case {case}: event {expected_seq} is missing (found {seq})"
        if row["prev_hash"] != expected_prev:
            return f"case {case}, event {seq}: does not link to the previous event"
        if sha(bytes.fromhex(row["prev_hash"]), canonical(row)) != row["hash"]:
            return f"case {case}, event {seq}: content does not match its hash"
        last = (case, seq, row["hash"])
        events += 1
    expected, global_hash = 1, GENESIS
    for row in db.execute("SELECT global_seq, hash, global_hash FROM event ORDER BY global_seq"):
        if row["global_seq"] != expected:
            return f"global sequence {expected} is missing"
        global_hash = sha(bytes.fromhex(global_hash), bytes.fromhex(row["hash"]))
        if global_hash != row["global_hash"]:
            return f"global sequence {expected}: link does not recompute"
        expected += 1
    head = db.execute("SELECT global_seq, global_hash FROM audit_head WHERE id = 1").fetchone()
    if (head["global_seq"], head["global_hash"]) != (expected - 1, global_hash):
        return "the global chain does not end at the recorded head"
    print(f"audit chain intact: {events} events")
    return None


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    problem = main(sys.argv[1])
    if problem:
        print(f"AUDIT CHAIN BROKEN: {problem}")
        sys.exit(1)
