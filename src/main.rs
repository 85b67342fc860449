//! The `varna` binary: parses the command line, sets up logging and runs
//! the chosen command. Only this package reads files and the environment.
#![forbid(unsafe_code)]

mod bench;
mod cli;
mod demo;
mod listen;
mod maintenance;
mod report;
mod serve;
mod telemetry;
mod workflows;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
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
