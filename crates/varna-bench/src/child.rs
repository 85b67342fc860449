//! A `varna serve` child process for the harness — a `varna` binary, or by
//! default this binary's hidden `varna serve`, which runs the same server
//! code — on a free loopback port with a fresh HS256 secret, and an
//! HTTP client for its GraphQL endpoint with tokens minted for that secret.
//! The child is a real process: the crash test kills it with SIGKILL.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use varna_api::{Principal, mint_hs256};
use varna_store::StoreConfig;
use varna_workflow::{Role, UnitId};

/// A running server and how long it took to answer `/ready`.
#[derive(Debug)]
pub(crate) struct ChildServer {
    child: Child,
    pub(crate) base: String,
    secret: String,
    /// From spawning the process to the first 200 from `/ready`.
    pub(crate) cold_start: Duration,
}

impl ChildServer {
    /// Starts `serve` of `varna` (default: of this binary) on the store's
    /// database (migrations run at start) and waits until it is ready, at
    /// most two minutes.
    pub(crate) async fn start(
        store: &StoreConfig,
        workflows: &Path,
        varna: Option<&Path>,
    ) -> anyhow::Result<ChildServer> {
        let sqlite_sync = if store.sqlite_synchronous_full {
            "full"
        } else {
            "normal"
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .context("finding a free loopback port")?
            .local_addr()?
            .port();
        let secret = format!("bench-{}-{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        let (exe, serve) = match varna {
            Some(path) => (path.to_owned(), vec!["serve"]),
            None => (
                std::env::current_exe().context("locating the varna-bench binary")?,
                vec!["varna", "serve"],
            ),
        };
        let started = Instant::now();
        let child = Command::new(&exe)
            .args(serve)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", &store.url])
            .args(["--sqlite-sync", sqlite_sync])
            .arg("--workflows")
            .arg(workflows)
            .env("VARNA_JWT_SECRET", &secret)
            // The harness reports; the server only speaks up on errors.
            .env("VARNA_LOG", "error")
            .env("VARNA_NO_SCHEDULER", "true")
            // The harness files as fast as it can: no per-person rate.
            .env("VARNA_FILINGS_PER_MINUTE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {} serve", exe.display()))?;
        let mut server = ChildServer {
            child,
            base: format!("http://127.0.0.1:{port}"),
            secret,
            cold_start: Duration::ZERO,
        };
        let client = reqwest::Client::new();
        let deadline = started + Duration::from_secs(120);
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("varna serve exited during start-up ({status})");
            }
            let ready = client
                .get(format!("{}/ready", server.base))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                server.cold_start = started.elapsed();
                return Ok(server);
            }
            if Instant::now() > deadline {
                bail!("varna serve did not become ready within two minutes");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A bearer token for `role` in `units`, valid for a day.
    pub(crate) fn token(&self, role: Role, units: &[&str]) -> String {
        let principal = Principal {
            user_id: format!("bench-{role}"),
            role,
            units: units.iter().map(|u| UnitId::new(*u)).collect(),
        };
        mint_hs256(
            self.secret.as_bytes(),
            "varna",
            "varna",
            &principal,
            chrono::Duration::hours(varna_api::auth::DEFAULT_MAX_LIFETIME_HOURS),
            chrono::Utc::now(),
        )
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the server process, in MiB (Linux `/proc`).
    pub(crate) fn rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kb / 1024.0)
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub(crate) fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill().context("killing varna serve")?;
        self.child.wait()?;
        Ok(())
    }

    /// SIGTERM, then wait (at most 30 s) for the graceful exit.
    pub(crate) async fn stop(mut self) -> anyhow::Result<()> {
        Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .context("sending SIGTERM")?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                self.child.kill()?;
                bail!("varna serve did not stop within 30 s of SIGTERM");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One GraphQL request: `Ok(data)` on a 200 without errors; otherwise an
/// error that says what came back (the code of the first GraphQL error).
pub(crate) async fn graphql(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let response = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(json!({ "query": query, "variables": variables }).to_string())
        .send()
        .await?;
    let status = response.status();
    let body: Value = serde_json::from_slice(&response.bytes().await?)
        .with_context(|| format!("HTTP {status}: not a JSON response"))?;
    if let Some(error) = body["errors"].get(0) {
        // Varna's error messages carry no personal data (the API's rule).
        bail!(
            "HTTP {status}: GraphQL error {}: {}",
            error["extensions"]["code"].as_str().unwrap_or("(no code)"),
            error["message"].as_str().unwrap_or_default()
        );
    }
    if !status.is_success() {
        bail!("HTTP {status}");
    }
    Ok(body["data"].clone())
}
