//! What the end-to-end tests share: a real `varna serve` child process on a
//! free loopback port, a minimal HTTP client for it, and tokens.
#![allow(unreachable_pub, dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use varna_api::{Principal, mint_hs256};
use varna_workflow::{Role, UnitId};

/// Runs the `varna` binary with the repository's workflows and no
/// database URL from the environment.
pub fn varna(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_varna"))
        .args(args)
        .env_remove("VARNA_DATABASE_URL")
        .env_remove("VARNA_CHECKPOINT_KEY")
        .env_remove("VARNA_CHECKPOINT_DIR")
        .env(
            "VARNA_WORKFLOWS_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows"),
        )
        .output()
        .expect("varna runs")
}

/// Standard output and standard error, together.
pub fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `varna` and asserts success; returns what it printed.
pub fn ok(args: &[&str]) -> String {
    let out = varna(args);
    assert!(out.status.success(), "varna {args:?}: {}", text(&out));
    text(&out)
}

/// Registers the unit `linden` in the database at `url` (creating it).
pub fn add_linden(url: &str) {
    ok(&[
        "units",
        "add",
        "linden",
        "--name",
        "Linden",
        "--area",
        "aldreomsorg",
        "--area-name",
        "Äldreomsorg",
        "--database-url",
        url,
    ]);
}

pub const SECRET: &str = "e2e-secret-e2e-secret-e2e-secret";

pub struct Server {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    /// `varna serve --demo` on a fresh SQLite file (or the given database).
    pub fn demo(database_url: Option<String>) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = database_url
            .unwrap_or_else(|| format!("sqlite://{}/varna.db?mode=rwc", dir.path().display()));
        Server::start(&url, &["--demo"], &[], dir)
    }

    /// `varna serve` on `url` with extra flags and environment, on a free
    /// loopback port; returns once `/ready` answers. `dir` lives as long as
    /// the server (it may hold the SQLite file).
    pub fn start(url: &str, args: &[&str], env: &[(&str, &str)], dir: tempfile::TempDir) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("address")
            .port();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let child = Command::new(env!("CARGO_BIN_EXE_varna"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                url,
            ])
            .args(args)
            .args(
                (!args.contains(&"--workflows"))
                    .then(|| {
                        [
                            "--workflows".into(),
                            root.join("workflows").into_os_string(),
                        ]
                    })
                    .into_iter()
                    .flatten(),
            )
            // A demo signs tokens with its own key, never the production secret.
            .env(
                if args.contains(&"--demo") {
                    "VARNA_DEMO_JWT_SECRET"
                } else {
                    "VARNA_JWT_SECRET"
                },
                SECRET,
            )
            .env("VARNA_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .expect("varna serve starts");
        Server::wait_ready(child, port, dir)
    }

    /// A free loopback port for a server to listen on.
    pub fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("address")
            .port()
    }

    /// Waits until the server the test spawned on `port` answers `/ready`
    /// (two minutes at most); `dir` lives as long as the server.
    pub fn wait_ready(child: Child, port: u16, dir: tempfile::TempDir) -> Server {
        let server = Server {
            child,
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok((200, _)) = server.request("GET", "/ready", None, "") {
                return server;
            }
            assert!(Instant::now() < deadline, "the server did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A minimal HTTP/1.1 exchange (the test needs no HTTP client crate).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> std::io::Result<(u16, String)> {
        self.request_bytes(method, path, token, body.as_bytes())
    }

    /// The same with any bytes as the body. A server that answers before
    /// reading the whole body (413) may close the connection mid-write;
    /// its answer is read all the same.
    pub fn request_bytes(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &[u8],
    ) -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        let _ = stream.write_all(body);
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let response = String::from_utf8_lossy(&raw);
        let status = response
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        Ok((status, body))
    }

    pub fn graphql(&self, token: &str, query: &str, variables: &Value) -> Value {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let (status, text) = self
            .request("POST", "/graphql", Some(token), &body)
            .expect("request");
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).expect("a JSON response")
    }

    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("waits") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Server {
    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn token(role: Role, units: &[&str]) -> String {
    let principal = Principal {
        user_id: format!("e2e-{role}"),
        role,
        units: units.iter().map(|u| UnitId::new(*u)).collect(),
    };
    mint_hs256(
        SECRET.as_bytes(),
        "varna",
        "varna",
        &principal,
        chrono::Duration::hours(1),
        chrono::Utc::now(),
    )
}

/// Linden, the unit the end-to-end tests file for.
pub fn linden() -> varna_store::NewUnit {
    varna_store::NewUnit {
        id: "linden".into(),
        name: "Lindens vård- och omsorgsboende".into(),
        verksamhetsomrade_id: "aldreomsorg".into(),
        verksamhetsomrade_name: "Äldreomsorg".into(),
        organisation_id: "kommunen".into(),
        organisation_name: "Kommunen".into(),
    }
}

/// Files `n` avvikelser at Linden (a minute apart from 2 March 2026,
/// 09:00 UTC) and returns their ids.
pub async fn file_avvikelser(url: &str, n: usize) -> Vec<String> {
    file_avvikelser_about(url, &vec![None; n]).await
}

/// As `file_avvikelser`, one a person: each about the personnummer given
/// (or about no one).
pub async fn file_avvikelser_about(url: &str, persons: &[Option<&str>]) -> Vec<String> {
    use chrono::TimeZone as _;
    let store = varna_store::Store::open(
        &varna_store::StoreConfig::new(url),
        &varna_testkit::shipped_catalog(),
    )
    .await
    .expect("opens");
    store.upsert_unit(linden()).await.expect("unit");
    let actor = varna_workflow::Actor {
        id: varna_workflow::ActorId::new("um-1"),
        role: Role::UnitManager,
        units: std::collections::BTreeSet::from([UnitId::new("linden")]),
    };
    let mut ids = Vec::new();
    for (i, person) in persons.iter().enumerate() {
        let person = person.map(|p| {
            varna_workflow::Personnummer::parse(p, chrono::Utc::now().date_naive())
                .expect("a valid personnummer")
        });
        let fields = [
            (
                "what_happened".to_owned(),
                varna_workflow::Value::Text("Fall".into()),
            ),
            (
                "occurred_on".to_owned(),
                varna_workflow::Value::Text("2026-03-01".into()),
            ),
            (
                "category".to_owned(),
                varna_workflow::Value::Text("fall".into()),
            ),
        ]
        .into();
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .expect("valid")
            + chrono::Duration::minutes(i as i64);
        let outcome = store
            .file_case(
                "avvikelse",
                varna_workflow::FileCase {
                    lagrum: varna_workflow::Lagrum::Sol,
                    unit: UnitId::new("linden"),
                    fields,
                },
                person.as_ref(),
                &actor,
                varna_store::CommandOptions {
                    now: Some(now),
                    ..varna_store::CommandOptions::default()
                },
            )
            .await
            .expect("files");
        ids.push(outcome.case_id.to_string());
    }
    store.close().await.expect("closes");
    ids
}

/// Runs `script` (Python, with `db` the open sqlite3 connection of `path`)
/// and returns what it printed.
pub fn sqlite_py(path: &Path, script: &str) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\n{script}\ndb.commit()\n"
        ))
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{script}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The rows `sql` selects from the SQLite file at `path`, tab-separated.
pub fn sqlite_query(path: &Path, sql: &str) -> Vec<String> {
    let script =
        format!("for row in db.execute({sql:?}):\n    print('\\t'.join(str(v) for v in row))");
    let out = sqlite_py(path, &script);
    out.lines().map(str::to_owned).collect()
}

/// Writes `db` from the fixture: a database made by the code before
/// payload digests (a `varna-bench seed` at c4af0cb, dumped as SQL).
pub fn load_events_format_1(db: &Path) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events-format-1.sql");
    sqlite_py(
        db,
        &format!(
            "db.executescript(open({:?}).read())",
            fixture.display().to_string()
        ),
    );
}
