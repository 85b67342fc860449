#!/usr/bin/env bash
# Coverage-guided fuzzing with cargo fuzz (libFuzzer) of the targets in
# fuzz/: the workflow TOML loader, the canonical event encoding and hash
# links, and personnummer parsing. Each target runs for a bounded time;
# any panic or failed property stops the run with exit code 1 and leaves
# the input that caused it in fuzz/artifacts/<target>/.
#
#   tools/fuzz.sh            # 180 s per target
#   tools/fuzz.sh --quick    # 20 s per target (CI)
#   SECONDS_PER_TARGET=600 tools/fuzz.sh
#
# cargo fuzz needs nightly compiler flags; RUSTC_BOOTSTRAP=1 lets the
# machine's stable toolchain accept them. Without AddressSanitizer
# (--sanitizer none): the code under test is safe Rust, so the checks
# that matter are panics and the targets' own assertions.
set -euo pipefail
cd "$(dirname "$0")/.."

PER_TARGET=${SECONDS_PER_TARGET:-180}
if [ "${1:-}" = "--quick" ]; then
  PER_TARGET=20
fi
CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION from crates.io"
  cargo install --quiet --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION"
fi
export RUSTC_BOOTSTRAP=1
TARGET_DIR=$(realpath -m "${CARGO_TARGET_DIR:-target}")/fuzz
CORPUS=target/bench/fuzz-corpus
mkdir -p "$CORPUS" target/bench

fuzz() {
  cargo fuzz "$1" --sanitizer none --target-dir "$TARGET_DIR" "${@:2}"
}

echo "building the fuzz targets (instrumented release build)"
(cd fuzz && fuzz build)

for target in workflow_definition canonical_event personnummer; do
  dir="$CORPUS/$target"
  mkdir -p "$dir"
  max_len=4096
  if [ "$target" = workflow_definition ]; then
    cp workflows/*.toml "$dir/"   # start from the real definitions
    max_len=32768
  fi
  log="target/bench/fuzz-$target.log"
  printf '%-20s %4ss ... ' "$target" "$PER_TARGET"
  if (cd fuzz && fuzz run "$target" "../$dir" -- -max_total_time="$PER_TARGET" \
        -max_len="$max_len" -print_final_stats=1) >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
    inputs=$(find "$dir" -type f | wc -l)
    echo "ok: $runs runs, $cov, corpus $inputs inputs"
  else
    echo "FAILED"
    grep -E -A12 "panicked|ERROR|deadly signal" "$log" | head -40
    echo "(full output in $log; the failing input is in fuzz/artifacts/$target/)"
    exit 1
  fi
done
