#!/usr/bin/env bash
# The benchmark harness (`just bench`): on SQLite and on a throwaway
# PostgreSQL cluster, seed a generated organisation, then measure the
# quality report, audit verification, projection rebuild, read latency
# under load over HTTP, and write throughput against raw inserts; and on
# SQLite, varna import of a generated file (IMPORT_ROWS, default 1,000,000).
# Prints everything and keeps a copy in target/bench/.
#
#   tools/bench.sh            # the full run (CASES=100000, 10 s per measurement)
#   tools/bench.sh --quick    # the short version CI runs (2,000 cases, 2 s)
#   CASES=1000000 tools/bench.sh   # national scale (seeding alone takes ~10 min per backend)
set -euo pipefail
cd "$(dirname "$0")/.."

CASES=${CASES:-100000}
SECONDS_EACH=${SECONDS_EACH:-10}
READ_CLIENTS=${READ_CLIENTS:-1,10,50}
WRITE_CLIENTS=${WRITE_CLIENTS:-1,8}
REPORT_RUNS=${REPORT_RUNS:-5}
IMPORT_ROWS=${IMPORT_ROWS:-1000000}
if [ "${1:-}" = "--quick" ]; then
  CASES=2000 SECONDS_EACH=2 READ_CLIENTS=1,10 WRITE_CLIENTS=1,4 REPORT_RUNS=2 IMPORT_ROWS=2000
fi

cargo build --release --locked --quiet -p varna -p varna-bench
VARNA=$(realpath "${CARGO_TARGET_DIR:-target}")/release/varna
BENCH=$(realpath "${CARGO_TARGET_DIR:-target}")/release/varna-bench
# The harness's server children are the release `varna` binary itself.
export VARNA_BIN="$VARNA"
mkdir -p target/bench
LOG=target/bench/bench-$(date -u +%Y%m%dT%H%M%SZ).txt
WORK=$(mktemp -d /tmp/varna-bench.XXXXXX)
chmod 755 "$WORK"
. tools/pg-throwaway.sh
trap 'pg_throwaway_stop; rm -rf "$WORK"' EXIT
export VARNA_LOG=${VARNA_LOG:-warn}

{
  echo "# varna benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "# commit: $(git describe --always --dirty 2>/dev/null || echo unknown); cases: $CASES; $SECONDS_EACH s per measurement"
} | tee "$LOG"

run_backend() {
  local name=$1 url=$2
  local step
  step() { printf '\n## %s: %s\n' "$name" "$1" | tee -a "$LOG"; }
  step "seed $CASES cases"
  "$BENCH" seed --cases "$CASES" --database-url "$url" 2>&1 | tail -1 | tee -a "$LOG"
  step "quality report 2025 (whole organisation)"
  "$BENCH" report --year 2025 --runs "$REPORT_RUNS" --database-url "$url" | tee -a "$LOG"
  step "audit verify"
  "$VARNA" audit verify --database-url "$url" 2>/dev/null | tee -a "$LOG"
  step "projection rebuild"
  "$VARNA" projections rebuild --database-url "$url" 2>/dev/null | tee -a "$LOG"
  step "read latency over HTTP"
  local compare=()
  if [ "$name" = postgresql ] && postgraphile_start "$url"; then
    compare=(--compare-url "$PGQL_URL")
  fi
  "$BENCH" read --clients "$READ_CLIENTS" --seconds "$SECONDS_EACH" --database-url "$url" \
    "${compare[@]}" | tee -a "$LOG"
  postgraphile_stop
  step "write throughput (raw: the database's own single-row commit rate, measured first and again after)"
  local rates after
  rates=$(raw_rates "$name" before)
  "$BENCH" write --clients "$WRITE_CLIENTS" --seconds "$SECONDS_EACH" --raw-rates "$rates" \
    --database-url "$url" | tee -a "$LOG"
  # A disk whose sync rate moves while the benchmark runs makes the
  # ratios above uncertain: the raw rate is measured again after it, and a
  # change of more than a fifth is said.
  after=$(raw_rates "$name" after)
  python3 - "$rates" "$after" <<'PY' | tee -a "$LOG"
import sys
before = dict(p.split("=") for p in sys.argv[1].split(","))
after = dict(p.split("=") for p in sys.argv[2].split(","))
for clients, rate in before.items():
    b, a = float(rate), float(after[clients])
    drift = abs(a - b) / max(b, 1.0)
    if drift > 0.2:
        print(f"WARNING: the raw rate at {clients} client(s) moved from {b:.0f} to {a:.0f} tx/s "
              f"({drift:.0%}) during the run: the ratios above are uncertain")
PY
}

# The database's own single-row commit rate per client count in
# WRITE_CLIENTS (printed, and echoed as "1=..,8=.." for --raw-rates).
raw_rates() {
  local name=$1 when=$2 rates="" c line rate
  for c in ${WRITE_CLIENTS//,/ }; do
    if [ "$name" = sqlite ]; then
      line=$(python3 tools/raw_sqlite.py "$WORK/raw.db" "$SECONDS_EACH" "$c" full)
      rate=$(echo "$line" | awk '{print $3}')
      echo "raw sqlite3 loop (python3, WAL, synchronous=FULL), $c client(s), $when: $rate tx/s" | tee -a "$LOG" >&2
    else
      rate=$(pg_raw_rate "$c" "$SECONDS_EACH")
      echo "raw pgbench (one INSERT per transaction), $c client(s), $when: $rate tx/s" | tee -a "$LOG" >&2
    fi
    rates="$rates${rates:+,}$c=$rate"
  done
  echo "$rates"
}

# pgbench with a one-INSERT script on a scratch table; prints transactions/s.
pg_raw_rate() {
  local clients=$1 seconds=$2
  local payload
  payload=$(python3 -c 'print("Brukaren föll i badrummet nattetid; ingen larmknapp var på. " * 16)')
  "$PG_BIN/psql" -q "$PG_URL" -c "CREATE TABLE IF NOT EXISTS raw_probe (id BIGSERIAL PRIMARY KEY, client INTEGER NOT NULL, payload TEXT NOT NULL)"
  printf "INSERT INTO raw_probe (client, payload) VALUES (:client_id, '%s');\n" "$payload" > "$WORK/insert.sql"
  "$PG_BIN/pgbench" -n -c "$clients" -j "$clients" -T "${seconds%.*}" -f "$WORK/insert.sql" "$PG_URL" 2>/dev/null \
    | awk '/^tps = / {printf "%.0f\n", $3}'
  "$PG_BIN/psql" -q "$PG_URL" -c "DROP TABLE raw_probe"
}

# PostGraphile 4.14 (5.x needs Node >= 22) from npm, serving the same
# PostgreSQL tables on a free loopback port; sets PGQL_URL.
postgraphile_start() {
  local url=$1 dir=target/bench/postgraphile port
  if ! command -v npm >/dev/null; then
    echo "SKIPPED: the PostGraphile comparison needs Node.js and npm" | tee -a "$LOG"
    return 1
  fi
  if [ ! -x "$dir/node_modules/.bin/postgraphile" ]; then
    echo "installing PostGraphile 4.14 from npm into $dir"
    mkdir -p "$dir"
    if ! npm install --prefix "$dir" --no-audit --no-fund --loglevel=error postgraphile@4.14 >/dev/null; then
      echo "SKIPPED: npm install postgraphile@4.14 failed" | tee -a "$LOG"
      return 1
    fi
  fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$dir/node_modules/.bin/postgraphile" -c "$url" --host 127.0.0.1 --port "$port" --schema public \
    --disable-query-log --disable-graphiql >"$WORK/postgraphile.log" 2>&1 &
  PGQL_PID=$!
  PGQL_URL="http://127.0.0.1:$port/graphql"
  python3 - "$PGQL_URL" <<'PY'
import json, sys, time, urllib.request
deadline = time.time() + 60
while True:
    try:
        req = urllib.request.Request(sys.argv[1], data=json.dumps({"query": "{ __typename }"}).encode(),
                                     headers={"content-type": "application/json"})
        urllib.request.urlopen(req, timeout=2).read()
        break
    except Exception:
        if time.time() > deadline:
            sys.exit("PostGraphile did not answer within 60 s")
        time.sleep(0.2)
PY
  echo "PostGraphile $("$dir/node_modules/.bin/postgraphile" --version 2>/dev/null | tail -1) at $PGQL_URL" | tee -a "$LOG"
}

postgraphile_stop() {
  if [ -n "${PGQL_PID:-}" ]; then
    kill "$PGQL_PID" 2>/dev/null || true
    wait "$PGQL_PID" 2>/dev/null || true
    PGQL_PID=
  fi
}

# varna import of a generated file of IMPORT_ROWS rows in random date order
# (tools/gen_import.py) into an empty SQLite database with the file's four
# units: the whole command, checking included, timed from outside.
run_import() {
  local url="sqlite://$WORK/import.db?mode=rwc" file="$WORK/import.csv" start end
  printf '\n## sqlite: import %s rows (varna import, random date order)\n' "$IMPORT_ROWS" | tee -a "$LOG"
  python3 tools/gen_import.py "$IMPORT_ROWS" "$file"
  "$VARNA" units add linden --name Linden --area aldreomsorg --area-name Äldreomsorg --database-url "$url" >/dev/null
  "$VARNA" units add hemtjanst-norr --name "Hemtjänst Norr" --area aldreomsorg --area-name Äldreomsorg --database-url "$url" >/dev/null
  "$VARNA" units add lss-solrosen --name Solrosen --area lss --area-name LSS --database-url "$url" >/dev/null
  "$VARNA" units add hsl-hemsjukvard --name Hemsjukvård --area hsl --area-name HSL --database-url "$url" >/dev/null
  start=$(date +%s.%N)
  "$VARNA" import "$file" --database-url "$url" 2>/dev/null | tee -a "$LOG"
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v n="$IMPORT_ROWS" \
    'BEGIN { printf "import of %d rows, checking included: %.1f s (%.0f cases/s)\n", n, e - s, n / (e - s) }' | tee -a "$LOG"
  rm -f "$file" "$WORK"/import.db*
}

trap 'postgraphile_stop; pg_throwaway_stop; rm -rf "$WORK"' EXIT
run_import
run_backend sqlite "sqlite://$WORK/bench.db?mode=rwc"
if pg_throwaway_start; then
  run_backend postgresql "$PG_URL"
elif [ -n "${CI:-}" ]; then
  echo "CI is set and PostgreSQL is missing" >&2
  exit 1
fi
echo
echo "results kept in $LOG"
