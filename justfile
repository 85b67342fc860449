# Recipes for everything run more than once. `just --list` shows them.
# (Install just with `pip install rust-just` or `cargo install just`; the
# README's two commands do not need it.)

# Run Varna on the demo organisation (SQLite file varna.db), GraphiQL at http://127.0.0.1:8080/graphql
run:
    cargo run --release -- serve --demo

# The whole test suite (SQLite and PostgreSQL), as CI runs it.
test:
    cargo test --workspace

# Formatting, lints and tests, exactly as CI runs them.
ci:
    bash .ci/run

# Format the code.
fmt:
    cargo fmt --all

# Clippy over every crate and target, warnings as errors.
lint:
    cargo clippy --workspace --all-targets -- -D warnings

# Validate the lifecycle definitions in workflows/.
check-workflows dir="workflows":
    cargo run --quiet -- workflows check {{dir}}

# Print one lifecycle as a diagram: just graph lex-sarah [dot]
graph name format="mermaid":
    cargo run --quiet -- workflows graph {{name}} --format {{format}}

# Regenerate the diagrams in workflows/README.md from the definitions.
diagrams:
    UPDATE_EXPECT=1 cargo test --quiet --test workflow_docs

# Regenerate schema/schema.graphql from the code (review the diff).
schema:
    UPDATE_EXPECT=1 cargo test --quiet -p varna-api --test schema_sdl

# The quality report of the demo database: just report 2025 html > kvalitetsberattelse.html
report year format="html":
    cargo run --quiet --release -- report --year {{year}} --format {{format}}

# The benchmark harness on SQLite and a throwaway PostgreSQL: seed, report, audit
# verify, rebuild, read latency, write throughput (see BENCHMARKS.md). Under 30 min.
bench cases="100000":
    CASES={{cases}} bash tools/bench.sh

# The crash test on SQLite and a throwaway PostgreSQL (SIGKILL under load, then
# check nothing acknowledged was lost), schemathesis and cargo fuzz (RELIABILITY.md).
robustness kills="20":
    KILLS={{kills}} bash tools/robustness.sh

# cargo fuzz (libFuzzer) on the workflow loader, the canonical event encoding and personnummer parsing
fuzz seconds="180":
    SECONDS_PER_TARGET={{seconds}} bash tools/fuzz.sh

# Fill a fresh SQLite file with a generated organisation: just bench-seed 1000000
bench-seed cases="1000000" db="sqlite://bench.db?mode=rwc":
    cargo run --release -p varna-bench -- seed --cases {{cases}} --database-url '{{db}}'

# Time the yearly quality report over that database (see BENCHMARKS.md).
bench-report year="2025" db="sqlite://bench.db":
    cargo run --release -p varna-bench -- report --year {{year}} --runs 5 --database-url '{{db}}'

# The browser test: headless Chromium through chromedriver, axe-core in every
# page, screenshots in target/browser-artifacts/ (installs what it needs).
browser:
    command -v chromedriver >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)
    test -f target/axe/node_modules/axe-core/axe.min.js || npm install --prefix target/axe --no-audit --no-fund axe-core@4
    cargo test --test browser -- --nocapture
