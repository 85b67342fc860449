//! `varna-bench`: Varna's benchmark and crash harness, kept out of the
//! production binary. `seed` fills an empty database with a national-scale
//! organisation; `report` times the yearly quality report on it; `write`
//! measures command throughput against raw inserts into the same database,
//! `read` latency under concurrent load over HTTP, and `crash` kills the
//! server under load and checks that nothing acknowledged was lost (see
//! BENCHMARKS.md and RELIABILITY.md). The servers it measures are real
//! child processes running the `varna` library's `serve`.
#![forbid(unsafe_code)]

mod child;
mod crash;
mod life;
mod load;
mod read;
mod report;
mod seed;
mod write;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use varna::cli::DatabaseArgs;

/// Varna's benchmark and crash harness: generate a large dataset, time the
/// quality report, measure write throughput and read latency, and kill the
/// server under load to check that nothing acknowledged is lost.
#[derive(Debug, Parser)]
#[command(name = "varna-bench", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// The `varna` binary that read, write and crash start as the server
    /// (`varna serve`); by default this binary runs the same server code itself
    /// (`varna-bench varna serve`).
    #[arg(long, global = true, env = "VARNA_BIN")]
    varna: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fill an empty database with a generated organisation: units in seven
    /// verksamhetsområden and the four case kinds in realistic proportions, with
    /// full event histories decided by the engine, imported in bulk.
    ///
    /// Example: varna-bench seed --cases 1000000 --database-url sqlite://bench.db?mode=rwc
    Seed {
        /// How many cases.
        #[arg(long)]
        cases: u64,
        /// The first year cases are reported in.
        #[arg(long, default_value_t = 2023)]
        from_year: i32,
        /// How many years the cases spread over (never past yesterday).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
        years: u32,
        /// Units (default: one per 1,000 cases, at least 20).
        #[arg(long)]
        units: Option<usize>,
        /// Cases per transaction.
        #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..=20_000))]
        batch: u64,
        /// Seed of the generator: the same seed gives the same organisation and mix.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Folder with the lifecycle definitions.
        #[arg(long, env = "VARNA_WORKFLOWS_DIR", default_value = "workflows")]
        workflows: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Time the quality report: one warm-up run, then --runs timed runs (median,
    /// fastest, slowest; reading the data and building plus rendering HTML).
    ///
    /// Example: varna-bench report --year 2025 --database-url sqlite://bench.db
    Report {
        /// The calendar year.
        #[arg(long)]
        year: i32,
        /// `organisation`, `area:ID` or `unit:ID`.
        #[arg(long, default_value = "organisation", value_parser = varna::report::parse_scope)]
        scope: varna_report::Scope,
        /// Timed runs.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
        runs: u64,
        /// Folder with the lifecycle definitions.
        #[arg(long, env = "VARNA_WORKFLOWS_DIR", default_value = "workflows")]
        workflows: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write throughput against the database's own limit: raw single-row insert
    /// transactions on a scratch table (same pool, same pragmas), then Varna
    /// commands (file an avvikelse, take it through its lifecycle) through the
    /// store API and as GraphQL mutations over HTTP, at each client count.
    ///
    /// Adds cases to unit `bench-write`: use a benchmark database, not production.
    ///
    /// Example: varna-bench write --clients 1,8 --seconds 10 --database-url sqlite://bench.db
    Write {
        /// Seconds per measurement.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Concurrent clients, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,8")]
        clients: Vec<usize>,
        /// Skip the GraphQL-over-HTTP measurement.
        #[arg(long)]
        no_http: bool,
        /// The database's own single-row commit rate per client count, measured
        /// outside Varna (tools/bench.sh does), e.g. 1=3300,8=3600: the ratios are
        /// then against it rather than against single-row transactions through
        /// Varna's own driver.
        #[arg(long, value_delimiter = ',', value_parser = parse_raw_rate)]
        raw_rates: Vec<(usize, f64)>,
        /// Folder with the lifecycle definitions.
        #[arg(long, env = "VARNA_WORKFLOWS_DIR", default_value = "workflows")]
        workflows: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Read latency under load over HTTP: starts a `varna serve` child on the database and
    /// runs `case(id) { history }` and a filtered `cases` page (p50, p99, req/s) at
    /// each client count; also cold start and server memory idle and under load.
    ///
    /// Example: varna-bench read --clients 1,10,50 --seconds 10 --database-url sqlite://bench.db
    Read {
        /// Seconds per measurement.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Concurrent clients, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,10,50")]
        clients: Vec<usize>,
        /// Also measure a PostGraphile server over the same PostgreSQL tables, at
        /// this URL (e.g. http://127.0.0.1:5000/graphql), with the equivalent
        /// queries, and print the throughput ratios (tools/bench.sh starts one).
        #[arg(long)]
        compare_url: Option<String>,
        /// Folder with the lifecycle definitions.
        #[arg(long, env = "VARNA_WORKFLOWS_DIR", default_value = "workflows")]
        workflows: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Crash test: under a write load over GraphQL, kill the `varna serve` child with SIGKILL
    /// at random moments, restart it, and check that every acknowledged command is
    /// in the log and the projections, that the projections equal a rebuild and
    /// that the audit chain verifies. Exits with status 1 on any loss.
    ///
    /// Example: varna-bench crash --kills 20 --database-url sqlite://crash.db?mode=rwc
    Crash {
        /// How many times to kill the server.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        kills: u64,
        /// Concurrent writing clients.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=256))]
        clients: u64,
        /// Seed for the moments of the kills.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Folder with the lifecycle definitions.
        #[arg(long, env = "VARNA_WORKFLOWS_DIR", default_value = "workflows")]
        workflows: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Run the `varna` command line in this binary (the same library code as
    /// the `varna` binary): `varna-bench varna serve …` is the server child
    /// that read, write and crash start when --varna is not given, and the
    /// harness's tests run the operator's commands through it.
    #[command(hide = true)]
    Varna {
        /// `varna`'s arguments, e.g. `serve --listen 127.0.0.1:8080`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Varna { args } = cli.command {
        let argv = std::iter::once(OsString::from("varna")).chain(args);
        return varna::run(varna::cli::Cli::parse_from(argv));
    }
    varna::telemetry::init(varna::telemetry::LogFormat::default(), "warn");
    varna::telemetry::log_panics();
    match cli.command.run(cli.varna) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

impl Command {
    fn run(self, varna: Option<PathBuf>) -> anyhow::Result<ExitCode> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        match self {
            Command::Seed {
                cases,
                from_year,
                years,
                units,
                batch,
                seed,
                workflows,
                database,
            } => runtime.block_on(seed::seed(
                &database.store_config(),
                &workflows,
                seed::SeedPlan {
                    cases,
                    from_year,
                    years,
                    units,
                    batch: usize::try_from(batch)?,
                    seed,
                },
            )),
            Command::Report {
                year,
                scope,
                runs,
                workflows,
                database,
            } => runtime.block_on(report::report(
                &database.existing_store_config()?,
                &workflows,
                year,
                scope,
                usize::try_from(runs)?,
            )),
            Command::Write {
                seconds,
                clients,
                no_http,
                raw_rates,
                workflows,
                database,
            } => runtime.block_on(write::write(write::WritePlan {
                store: database.store_config(),
                workflows,
                varna,
                seconds: positive_seconds(seconds)?,
                clients: client_counts(clients)?,
                http: !no_http,
                raw_rates,
            })),
            Command::Read {
                seconds,
                clients,
                compare_url,
                workflows,
                database,
            } => runtime.block_on(read::read(read::ReadPlan {
                store: database.existing_store_config()?,
                workflows,
                varna,
                seconds: positive_seconds(seconds)?,
                clients: client_counts(clients)?,
                compare: compare_url,
            })),
            Command::Crash {
                kills,
                clients,
                seed,
                workflows,
                database,
            } => runtime.block_on(crash::crash(crash::CrashPlan {
                store: database.store_config(),
                workflows,
                varna,
                kills: usize::try_from(kills)?,
                clients: usize::try_from(clients)?,
                seed,
            })),
            Command::Varna { .. } => unreachable!("main runs it before"),
        }
    }
}

/// `--seconds` of a benchmark: a positive, finite number.
fn positive_seconds(seconds: f64) -> anyhow::Result<f64> {
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3_600.0) {
        anyhow::bail!("--seconds must be more than 0 and at most 3600");
    }
    Ok(seconds)
}

/// `--clients` of a benchmark: each count between 1 and 1,000.
fn client_counts(clients: Vec<usize>) -> anyhow::Result<Vec<usize>> {
    if clients.is_empty() || clients.iter().any(|&c| c == 0 || c > 1_000) {
        anyhow::bail!("--clients takes counts from 1 to 1000, e.g. --clients 1,8");
    }
    Ok(clients)
}

/// One `CLIENTS=RATE` pair of `--raw-rates`.
fn parse_raw_rate(text: &str) -> Result<(usize, f64), String> {
    let (clients, rate) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: expected CLIENTS=RATE, e.g. 8=3600"))?;
    let clients = clients
        .trim()
        .parse::<usize>()
        .map_err(|_| format!("{clients:?} is not a client count"))?;
    let rate = rate
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|r| r.is_finite() && *r > 0.0)
        .ok_or_else(|| format!("{rate:?} is not a positive rate"))?;
    Ok((clients, rate))
}
