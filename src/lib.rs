//! The `varna` package as a library: the server, the operator's commands
//! and the demo organisation, for the two binaries that run them — `varna`
//! (src/main.rs) and the benchmark harness `varna-bench`, which starts its
//! servers through the same [`cli::Cli`] and generates cases with [`demo`].
//! Only this package and `varna-bench` read files and the environment.
#![forbid(unsafe_code)]

mod archive;
mod backup;
mod checkpoint;
pub mod cli;
pub mod demo;
mod import;
mod listen;
mod maintenance;
mod metrics;
pub mod progress;
pub mod report;
mod retention;
mod serve;
pub mod telemetry;
pub mod workflows;

use std::process::ExitCode;

/// Runs a parsed command line as the `varna` binary does: logging set up
/// first, an error printed on standard error with its causes.
pub fn run(cli: cli::Cli) -> ExitCode {
    telemetry::init(cli.log_format, cli.default_log_level());
    telemetry::log_panics();
    match cli.run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
