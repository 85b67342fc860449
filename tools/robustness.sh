#!/usr/bin/env bash
# The robustness harness (`just robustness`): the crash test on SQLite and
# on a throwaway PostgreSQL cluster — SIGKILL the server at random moments
# under a write load, restart it, check that nothing acknowledged was
# lost, that the projections equal a rebuild and that the audit chain
# verifies. Exits non-zero on any failure; keeps a copy in target/bench/.
#
#   tools/robustness.sh          # 20 kills per backend
#   tools/robustness.sh --quick  # 3 kills per backend (CI)
set -euo pipefail
cd "$(dirname "$0")/.."

KILLS=${KILLS:-20}
CLIENTS=${CLIENTS:-4}
if [ "${1:-}" = "--quick" ]; then
  KILLS=3
fi

cargo build --release --locked --quiet
VARNA=$(realpath "${CARGO_TARGET_DIR:-target}")/release/varna
mkdir -p target/bench
LOG=target/bench/robustness-$(date -u +%Y%m%dT%H%M%SZ).txt
WORK=$(mktemp -d /tmp/varna-robust.XXXXXX)
. tools/pg-throwaway.sh
trap 'pg_throwaway_stop; rm -rf "$WORK"' EXIT
export VARNA_LOG=${VARNA_LOG:-warn}
SEED=${SEED:-$(date +%s)}

echo "# varna robustness, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git describe --always --dirty 2>/dev/null || echo unknown), seed $SEED" | tee "$LOG"
printf '\n## sqlite: crash test (%s kills)\n' "$KILLS" | tee -a "$LOG"
"$VARNA" bench crash --kills "$KILLS" --clients "$CLIENTS" --seed "$SEED" \
  --database-url "sqlite://$WORK/crash.db?mode=rwc" | tee -a "$LOG"
if pg_throwaway_start; then
  printf '\n## postgresql: crash test (%s kills)\n' "$KILLS" | tee -a "$LOG"
  "$VARNA" bench crash --kills "$KILLS" --clients "$CLIENTS" --seed "$SEED" \
    --database-url "$PG_URL" | tee -a "$LOG"
elif [ -n "${CI:-}" ]; then
  echo "CI is set and PostgreSQL is missing" >&2
  exit 1
fi
echo
echo "results kept in $LOG"
