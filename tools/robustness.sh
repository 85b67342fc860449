#!/usr/bin/env bash
# The robustness harness (`just robustness`): the crash test on SQLite and
# on a throwaway PostgreSQL cluster — SIGKILL the server at random moments
# under a write load, restart it, check that nothing acknowledged was
# lost, that the projections equal a rebuild and that the audit chain
# verifies — then schemathesis (from PyPI) fuzzing the GraphQL endpoint of
# a demo server: no 5xx, and the store still verifies afterwards; then
# cargo fuzz on the workflow loader, the canonical event encoding and
# personnummer parsing (tools/fuzz.sh). Exits non-zero on any failure;
# keeps a copy in target/bench/.
#
#   tools/robustness.sh          # 20 kills per backend, 100 fuzz examples per operation, 180 s per fuzz target
#   tools/robustness.sh --quick  # 3 kills per backend, 10 examples, 20 s per fuzz target (CI)
set -euo pipefail
cd "$(dirname "$0")/.."

KILLS=${KILLS:-20}
CLIENTS=${CLIENTS:-4}
EXAMPLES=${EXAMPLES:-100}
QUICK=
if [ "${1:-}" = "--quick" ]; then
  KILLS=3 EXAMPLES=10 QUICK=--quick
fi

cargo build --release --locked --quiet -p varna -p varna-bench
VARNA=$(realpath "${CARGO_TARGET_DIR:-target}")/release/varna
BENCH=$(realpath "${CARGO_TARGET_DIR:-target}")/release/varna-bench
# The harness's server children are the release `varna` binary itself.
export VARNA_BIN="$VARNA"
mkdir -p target/bench
LOG=target/bench/robustness-$(date -u +%Y%m%dT%H%M%SZ).txt
WORK=$(mktemp -d /tmp/varna-robust.XXXXXX)
. tools/pg-throwaway.sh
trap 'pg_throwaway_stop; rm -rf "$WORK"' EXIT
export VARNA_LOG=${VARNA_LOG:-warn}
SEED=${SEED:-$(date +%s)}

echo "# varna robustness, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git describe --always --dirty 2>/dev/null || echo unknown), seed $SEED" | tee "$LOG"
printf '\n## sqlite: crash test (%s kills)\n' "$KILLS" | tee -a "$LOG"
"$BENCH" crash --kills "$KILLS" --clients "$CLIENTS" --seed "$SEED" \
  --database-url "sqlite://$WORK/crash.db?mode=rwc" | tee -a "$LOG"
if pg_throwaway_start; then
  printf '\n## postgresql: crash test (%s kills)\n' "$KILLS" | tee -a "$LOG"
  "$BENCH" crash --kills "$KILLS" --clients "$CLIENTS" --seed "$SEED" \
    --database-url "$PG_URL" | tee -a "$LOG"
elif [ -n "${CI:-}" ]; then
  echo "CI is set and PostgreSQL is missing" >&2
  exit 1
fi

# Fuzzing: schemathesis in its GraphQL mode against `varna serve --demo`.
printf '\n## schemathesis: GraphQL fuzzing (%s examples per operation, seed %s)\n' "$EXAMPLES" "$SEED" | tee -a "$LOG"
VENV=target/bench/schemathesis-venv
if [ ! -x "$VENV/bin/schemathesis" ]; then
  echo "installing schemathesis 4.32.5 from PyPI into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check schemathesis==4.32.5
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The demo signs its tokens with a key of its own (never VARNA_JWT_SECRET).
export VARNA_DEMO_JWT_SECRET="fuzz-$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
FUZZ_DB="sqlite://$WORK/fuzz.db?mode=rwc"
"$VARNA" serve --demo --listen "127.0.0.1:$PORT" --database-url "$FUZZ_DB" >"$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; pg_throwaway_stop; rm -rf "$WORK"' EXIT
TOKEN=$(VARNA_JWT_SECRET="$VARNA_DEMO_JWT_SECRET" "$VARNA" token --user sas-fuzz --role sas)
SCHEMATHESIS_HOOKS=tools.fuzz_hooks PYTHONPATH=. \
"$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/graphql" --wait-for-schema 120 \
  -H "Authorization: Bearer $TOKEN" --max-examples "$EXAMPLES" --seed "$SEED" \
  --checks varna_refuses_cleanly --phases fuzzing --workers 2 \
  --report junit --report-dir target/bench/schemathesis 2>&1 | tee -a "$LOG"
kill -TERM "$SERVER"
wait "$SERVER"
echo "server exited cleanly after fuzzing" | tee -a "$LOG"
"$VARNA" audit verify --database-url "${FUZZ_DB%%\?*}" 2>/dev/null | tee -a "$LOG"
"$VARNA" projections check --database-url "${FUZZ_DB%%\?*}" 2>/dev/null | tee -a "$LOG"


printf '\n## cargo fuzz: workflow loader, canonical encoding, personnummer\n' | tee -a "$LOG"
bash tools/fuzz.sh $QUICK 2>&1 | grep -v '^ *Compiling ' | tee -a "$LOG"

echo
echo "results kept in $LOG"
