//! The command line: every subcommand, its flags and its `--help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::telemetry::LogFormat;
use crate::workflows;

/// Varna: avvikelser, lex Sarah, lex Maria and klagomål in municipal care.
#[derive(Debug, Parser)]
#[command(name = "varna", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    /// Log format on standard error (the level is set with VARNA_LOG, e.g. VARNA_LOG=debug).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        env = "VARNA_LOG_FORMAT"
    )]
    pub(crate) log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check and draw the lifecycle definitions in workflows/.
    #[command(subcommand)]
    Workflows(WorkflowsCommand),
}

#[derive(Debug, Subcommand)]
enum WorkflowsCommand {
    /// Validate every *.toml definition in DIR and summarise each lifecycle.
    ///
    /// Reports every problem in every file at once, each with file and line,
    /// and exits with status 1 if there is any.
    Check {
        /// Folder with the definition files.
        #[arg(default_value = "workflows", env = "VARNA_WORKFLOWS_DIR")]
        dir: PathBuf,
    },
    /// Print a lifecycle as a diagram (Mermaid by default, or Graphviz DOT).
    ///
    /// Example: varna workflows graph lex-sarah > lex-sarah.mmd
    Graph {
        /// The lifecycle's name, e.g. lex-sarah.
        name: String,
        /// Folder with the definition files.
        #[arg(long, default_value = "workflows", env = "VARNA_WORKFLOWS_DIR")]
        dir: PathBuf,
        /// Diagram language.
        #[arg(long, value_enum, default_value_t = workflows::Format::Mermaid)]
        format: workflows::Format,
    },
}

impl Cli {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        match self.command {
            Command::Workflows(WorkflowsCommand::Check { dir }) => Ok(workflows::check(&dir)),
            Command::Workflows(WorkflowsCommand::Graph { name, dir, format }) => {
                workflows::graph(&dir, &name, format)
            }
        }
    }
}
