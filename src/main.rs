//! The `varna` binary: parses the command line and runs the chosen command
//! (the commands themselves live in the library, src/lib.rs).
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    varna::run(varna::cli::Cli::parse())
}
