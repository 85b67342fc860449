//! [`PgCluster`]: one throwaway PostgreSQL cluster in a temporary directory,
//! started by `initdb` + `pg_ctl start` and stopped and deleted on drop.

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

use crate::PgError;
use crate::locate::{self, BIN_ENV, DEBIAN_ROOT, Located};
use crate::run::{self, Runner};

/// The superuser created by `initdb`; connections from 127.0.0.1 are trusted.
const SUPERUSER: &str = "varna";
/// How many ports `start` tries when the chosen one was taken meanwhile.
const START_ATTEMPTS: u32 = 5;
/// How many lines of the server log go into a start error.
const LOG_TAIL_LINES: usize = 40;

/// Settings for starting a [`PgCluster`]; from [`PgCluster::builder`].
#[derive(Debug, Clone, Default)]
pub struct PgClusterBuilder {
    durable: bool,
}

impl PgClusterBuilder {
    /// Keep `fsync`, `synchronous_commit` and `full_page_writes` on (for crash
    /// tests). The default, `false`, turns them off, which is much faster.
    #[must_use]
    pub fn durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }

    /// Starts a cluster with these settings.
    ///
    /// # Errors
    ///
    /// [`PgError::NotInstalled`] or [`PgError::BadOverride`] when the server
    /// binaries are missing, otherwise the first step that failed, with the
    /// tools' output.
    pub fn start(self) -> Result<PgCluster, PgError> {
        match locate::locate() {
            Located::Found(bin_dir) => PgCluster::start_in(bin_dir, self.durable),
            Located::BadOverride(dir) => Err(PgError::BadOverride { dir }),
            Located::Missing => Err(PgError::NotInstalled {
                searched: format!("{DEBIAN_ROOT}/*/bin; {BIN_ENV} is unset"),
            }),
        }
    }

    /// Like [`PgCluster::start_or_skip`], with these settings.
    ///
    /// # Panics
    ///
    /// As [`PgCluster::start_or_skip`].
    pub fn start_or_skip(self, test_name: &str) -> Option<PgCluster> {
        let bin_dir = match locate::locate() {
            Located::Found(bin_dir) => bin_dir,
            Located::BadOverride(dir) => panic!("{test_name}: {}", PgError::BadOverride { dir }),
            Located::Missing if pg_required() => panic!(
                "{test_name}: PostgreSQL is required here (CI=true or VARNA_REQUIRE_PG=1) but \
                 not installed (no {DEBIAN_ROOT}/*/bin/initdb and {BIN_ENV} is unset); \
                 install the 'postgresql' package."
            ),
            Located::Missing => {
                loud(&format!(
                    "!!! SKIPPED {test_name}: PostgreSQL is not installed (no {DEBIAN_ROOT}/*/bin/initdb); \
                     install the 'postgresql' package to run it. !!!"
                ));
                return None;
            }
        };
        match PgCluster::start_in(bin_dir, self.durable) {
            Ok(cluster) => Some(cluster),
            Err(err) => {
                panic!("{test_name}: could not start a throwaway PostgreSQL cluster: {err}")
            }
        }
    }
}

/// A running throwaway PostgreSQL cluster, owned by one test.
///
/// It listens on `127.0.0.1:<port>` and on a unix socket in its temporary
/// directory, with the trusted superuser `varna`. Dropping it stops the server
/// (`pg_ctl -m immediate stop`) and deletes the directory.
#[derive(Debug)]
pub struct PgCluster {
    port: u16,
    data_dir: PathBuf,
    runner: Runner,
    // Deleted when the cluster is dropped, after `Drop::drop` stopped the server.
    dir: TempDir,
}

impl PgCluster {
    /// Settings for a cluster other than the defaults.
    #[must_use]
    pub fn builder() -> PgClusterBuilder {
        PgClusterBuilder::default()
    }

    /// Starts a fast (non-durable) cluster.
    ///
    /// # Errors
    ///
    /// As [`PgClusterBuilder::start`].
    pub fn start() -> Result<Self, PgError> {
        Self::builder().start()
    }

    /// The bin directory of the server binaries: `VARNA_TEST_PG_BIN` if it
    /// holds `initdb`, `pg_ctl` and `postgres`, else the newest
    /// `/usr/lib/postgresql/<version>/bin` that does; `None` if neither.
    #[must_use]
    pub fn available() -> Option<PathBuf> {
        match locate::locate() {
            Located::Found(bin_dir) => Some(bin_dir),
            Located::BadOverride(_) | Located::Missing => None,
        }
    }

    /// Starts a fast cluster for the test `test_name`, or returns `None` (and
    /// prints a loud `!!! SKIPPED ... !!!` line to stderr) when PostgreSQL is
    /// not installed, so the test can return early.
    ///
    /// # Panics
    ///
    /// - When PostgreSQL is not installed but `CI=true` or
    ///   `VARNA_REQUIRE_PG=1` is set: CI must never skip silently.
    /// - When `VARNA_TEST_PG_BIN` names a directory without the binaries.
    /// - When PostgreSQL is installed but the cluster fails to start; the
    ///   message holds the tools' output and the end of the server log.
    pub fn start_or_skip(test_name: &str) -> Option<Self> {
        Self::builder().start_or_skip(test_name)
    }

    /// The URL of the `postgres` database:
    /// `postgres://varna@127.0.0.1:<port>/postgres`.
    #[must_use]
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// The TCP port the server listens on (on 127.0.0.1 only).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's data directory (inside its temporary directory).
    #[must_use]
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The bin directory of the server, which also holds `psql` and `createdb`.
    #[must_use]
    pub fn bin_dir(&self) -> &Path {
        self.runner.bin_dir()
    }

    /// Creates the database `name` (owned by `varna`) with `createdb` and
    /// returns its URL.
    ///
    /// # Errors
    ///
    /// [`PgError::InvalidName`] unless `name` is 1 to 63 characters of
    /// `[a-z0-9_]`; [`PgError::Command`] when `createdb` fails (for example
    /// because the database exists).
    pub fn create_database(&self, name: &str) -> Result<String, PgError> {
        let valid = !name.is_empty()
            && name.len() <= 63
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(PgError::InvalidName {
                name: name.to_owned(),
            });
        }
        let mut cmd = self.runner.command("createdb");
        cmd.args(["-h", "127.0.0.1", "-p"])
            .arg(self.port.to_string())
            .args(["-U", SUPERUSER, name]);
        run::run(cmd)?;
        Ok(self.database_url(name))
    }

    fn database_url(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{database}", self.port)
    }

    fn start_in(bin_dir: PathBuf, durable: bool) -> Result<Self, PgError> {
        let dir = tempfile::Builder::new()
            .prefix("varna-pg-")
            .tempdir_in("/tmp")
            .map_err(|source| PgError::Io {
                what: "could not create a temporary directory in /tmp".into(),
                source,
            })?;
        // pg_ctl passes `-o` and `-l` through /bin/sh, so the path must need no quoting.
        let dir_str = dir.path().to_str().filter(|s| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b))
        });
        let Some(dir_str) = dir_str.map(str::to_owned) else {
            return Err(PgError::Io {
                what: format!("unusable temporary directory {}", dir.path().display()),
                source: std::io::Error::other("path needs shell quoting"),
            });
        };
        let as_postgres = run::is_root();
        if as_postgres {
            let mut chown = std::process::Command::new("chown");
            chown.args(["-R", "postgres"]).arg(dir.path());
            run::run(chown)?;
        }
        let cluster = Self {
            port: 0,
            data_dir: dir.path().join("data"),
            runner: Runner::new(bin_dir, as_postgres, dir.path().to_owned()),
            dir,
        };

        let mut initdb = cluster.runner.command("initdb");
        initdb
            .arg("-D")
            .arg(&cluster.data_dir)
            .args(["-A", "trust", "-U", SUPERUSER, "--no-sync", "-E", "UTF8"])
            .args(["--locale=C", "--no-instructions"]);
        run::run(initdb)?;

        cluster.start_server(&dir_str, durable)
    }

    /// Runs `pg_ctl start` on fresh free ports until one works.
    fn start_server(mut self, dir: &str, durable: bool) -> Result<Self, PgError> {
        let log = self.dir.path().join("log");
        for attempt in 1..=START_ATTEMPTS {
            self.port = free_port()?;
            let log_start = fs::metadata(&log).map_or(0, |m| m.len());
            let mut options = format!("-k {dir} -p {} -h 127.0.0.1", self.port);
            if !durable {
                options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
            }
            let mut pg_ctl = self.runner.command("pg_ctl");
            pg_ctl
                .arg("-D")
                .arg(&self.data_dir)
                .arg("-o")
                .arg(options)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "30", "start"]);
            let output = match run::run(pg_ctl) {
                Ok(_) => return Ok(self),
                Err(PgError::Command { output, .. }) => output,
                Err(err) => return Err(err),
            };
            // A server that failed to come up in time may still be running.
            self.stop_quietly();
            let log_text =
                String::from_utf8_lossy(&fs::read(&log).unwrap_or_default()).into_owned();
            let this_attempt = log_text.get(log_start as usize..).unwrap_or(&log_text);
            let port_taken = this_attempt.contains("Address already in use");
            if !port_taken || attempt == START_ATTEMPTS {
                return Err(PgError::Start {
                    attempts: attempt,
                    output,
                    log_tail: tail(&log_text, LOG_TAIL_LINES),
                });
            }
        }
        unreachable!("the last attempt returns")
    }

    /// `pg_ctl -m immediate stop` if a server is running (its pid file exists).
    fn stop(&self) -> Result<(), PgError> {
        if !self.data_dir.join("postmaster.pid").exists() {
            return Ok(());
        }
        let mut pg_ctl = self.runner.command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "immediate", "-w", "-t", "30", "stop"]);
        run::run(pg_ctl).map(drop)
    }

    fn stop_quietly(&self) {
        let _ = self.stop();
    }

    /// Last resort when `pg_ctl stop` failed: SIGKILL the postmaster named in
    /// the pid file (its backends exit when they notice it is gone).
    fn kill_postmaster(&self) {
        let pid_file = self.data_dir.join("postmaster.pid");
        let Some(pid) = fs::read_to_string(pid_file)
            .ok()
            .and_then(|s| s.lines().next()?.trim().parse::<u32>().ok())
        else {
            return;
        };
        let mut kill = std::process::Command::new("kill");
        kill.args(["-KILL", &pid.to_string()]);
        if let Err(err) = run::run(kill) {
            loud(&format!(
                "varna-testkit: could not kill postmaster {pid}: {err}"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if let Err(err) = self.stop() {
            loud(&format!(
                "varna-testkit: stopping the PostgreSQL cluster on port {} failed: {err}",
                self.port
            ));
            self.kill_postmaster();
        }
        // `self.dir` (the TempDir) deletes the directory after this.
    }
}

/// Whether this environment forbids skipping: `CI=true` or `VARNA_REQUIRE_PG=1`.
fn pg_required() -> bool {
    required_by(
        std::env::var("CI").ok().as_deref(),
        std::env::var("VARNA_REQUIRE_PG").ok().as_deref(),
    )
}

fn required_by(ci: Option<&str>, require_pg: Option<&str>) -> bool {
    let truthy =
        |v: Option<&str>| v.is_some_and(|v| v.eq_ignore_ascii_case("true") || v.trim() == "1");
    truthy(ci) || truthy(require_pg)
}

/// Writes straight to the process's stderr, bypassing libtest's output
/// capture (which swallows `eprintln!` of passing tests).
fn loud(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}

/// A port that was free on 127.0.0.1 a moment ago.
fn free_port() -> Result<u16, PgError> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|source| PgError::Io {
            what: "could not pick a free port on 127.0.0.1".into(),
            source,
        })
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_or_require_pg_forbids_skipping() {
        assert!(!required_by(None, None));
        assert!(!required_by(Some("false"), Some("0")));
        assert!(!required_by(Some(""), None));
        assert!(required_by(Some("true"), None));
        assert!(required_by(Some("TRUE"), None));
        assert!(required_by(None, Some("1")));
    }

    #[test]
    fn tail_keeps_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
        assert_eq!(tail("", 5), "");
    }
}
