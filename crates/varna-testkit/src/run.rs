//! Running the PostgreSQL tools: directly, or as the `postgres` user via
//! `runuser` when this process is root (the server refuses to run as root).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::PgError;

/// libpq/server environment variables that could redirect or alter the tools.
const PG_ENV: [&str; 14] = [
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGOPTIONS",
    "PGDATA",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSSLMODE",
    "PGCLUSTER",
    "PGCONNECT_TIMEOUT",
];

/// Whether this process runs as root, asked once via `id -u`.
pub(crate) fn is_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    *ROOT.get_or_init(|| {
        Command::new("id")
            .arg("-u")
            .stderr(Stdio::null())
            .output()
            .is_ok_and(|out| out.status.success() && out.stdout.trim_ascii() == b"0")
    })
}

/// Builds commands for the tools of one bin directory, run in one directory.
#[derive(Debug)]
pub(crate) struct Runner {
    bin_dir: PathBuf,
    as_postgres: bool,
    cwd: PathBuf,
}

impl Runner {
    pub(crate) fn new(bin_dir: PathBuf, as_postgres: bool, cwd: PathBuf) -> Self {
        Self {
            bin_dir,
            as_postgres,
            cwd,
        }
    }

    pub(crate) fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// A command for `tool` from the bin directory, as `postgres` when root,
    /// with a clean PG environment, no stdin, and the cluster dir as cwd.
    pub(crate) fn command(&self, tool: &str) -> Command {
        let program = self.bin_dir.join(tool);
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        };
        cmd.current_dir(&self.cwd).stdin(Stdio::null());
        for var in PG_ENV {
            cmd.env_remove(var);
        }
        cmd
    }
}

/// Runs `cmd` to completion, capturing stdout and stderr; returns them
/// (combined) on success, or a [`PgError::Command`] with them on failure.
pub(crate) fn run(mut cmd: Command) -> Result<String, PgError> {
    let what = describe(&cmd);
    let out = cmd.output().map_err(|source| PgError::Io {
        what: format!("could not run `{what}`"),
        source,
    })?;
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    if out.status.success() {
        Ok(output)
    } else {
        Err(PgError::Command {
            what,
            status: out.status.to_string(),
            output,
        })
    }
}

/// The command line of `cmd`, for messages.
pub(crate) fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}
