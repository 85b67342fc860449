//! The error type of the test kit: what failed while finding, starting or
//! using a throwaway cluster, with the output the tools printed.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a throwaway PostgreSQL cluster could not be started or used.
#[derive(Debug)]
#[non_exhaustive]
pub enum PgError {
    /// No PostgreSQL server binaries (`initdb`, `pg_ctl`, `postgres`) were found.
    NotInstalled {
        /// Where they were looked for.
        searched: String,
    },
    /// `VARNA_TEST_PG_BIN` is set but the directory lacks the server binaries.
    BadOverride {
        /// The directory named by `VARNA_TEST_PG_BIN`.
        dir: PathBuf,
    },
    /// A database name that is not `[a-z0-9_]+` (at most 63 bytes).
    InvalidName {
        /// The rejected name.
        name: String,
    },
    /// An I/O operation failed (temporary directory, port, spawning a tool).
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A tool (`initdb`, `createdb`, `pg_ctl stop`, `chown`, ...) exited unsuccessfully.
    Command {
        /// The command line that failed.
        what: String,
        /// How it exited.
        status: String,
        /// Its captured stdout and stderr.
        output: String,
    },
    /// `pg_ctl start` failed, on every attempt.
    Start {
        /// How many ports were tried.
        attempts: u32,
        /// What `pg_ctl` printed on the last attempt.
        output: String,
        /// The end of the server log.
        log_tail: String,
    },
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotInstalled { searched } => {
                write!(
                    f,
                    "PostgreSQL server binaries not found (looked in {searched})"
                )
            }
            Self::BadOverride { dir } => write!(
                f,
                "VARNA_TEST_PG_BIN={} does not contain initdb, pg_ctl and postgres",
                dir.display()
            ),
            Self::InvalidName { name } => write!(
                f,
                "invalid database name {name:?}: use 1 to 63 characters of [a-z0-9_]"
            ),
            Self::Io { what, source } => write!(f, "{what}: {source}"),
            Self::Command {
                what,
                status,
                output,
            } => write!(f, "`{what}` failed ({status}):\n{output}"),
            Self::Start {
                attempts,
                output,
                log_tail,
            } => write!(
                f,
                "PostgreSQL did not start ({attempts} attempt(s)); pg_ctl said:\n{output}\n\
                 --- end of server log ---\n{log_tail}"
            ),
        }
    }
}

impl std::error::Error for PgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
