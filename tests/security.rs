//! The outside attack test's findings (issue 17; RELIABILITY.md,
//! "Security"), driven against a real `varna serve` the way the attacker
//! did: WebSockets that outlive their token, reads logged once per socket,
//! connection floods, sign-outs that did not end the session, demo mode on
//! a real database. Each failed before its fix.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{SECRET, Server, token};
use serde_json::{Value, json};
use varna_api::{Principal, mint_hs256};
use varna_testkit::{GraphqlWs, PgCluster};
use varna_workflow::{Role, UnitId};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn ws_url(server: &Server) -> String {
    format!("ws://127.0.0.1:{}/graphql/ws", server.port)
}

/// A token for `user` in `role`, valid for `ttl` from now.
fn token_for(user: &str, role: Role, ttl: chrono::Duration) -> String {
    let principal = Principal {
        user_id: user.into(),
        role,
        units: std::iter::empty::<UnitId>().collect(),
    };
    mint_hs256(
        SECRET.as_bytes(),
        "varna",
        "varna",
        &principal,
        ttl,
        chrono::Utc::now(),
    )
}

/// `{ me { userId } }` with `token`: the status and the body.
fn me(server: &Server, token: &str) -> (u16, String) {
    server
        .request(
            "POST",
            "/graphql",
            Some(token),
            r#"{"query":"{ me { userId } }"}"#,
        )
        .expect("request")
}

/// The id of a SoL lex Sarah case of the demo.
fn a_sol_case(server: &Server) -> String {
    let r = server.graphql(
        &token(Role::Auditor, &[]),
        "{ cases(first: 1, filter: { kinds: [LEX_SARAH], lagrum: [SOL] }) { edges { node { id } } } }",
        &json!({}),
    );
    r["data"]["cases"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("the demo has a SoL lex Sarah case")
        .to_owned()
}

/// How many times `user` read `case`, by the access log.
fn reads_by(server: &Server, case: &str, user: &str) -> usize {
    let r = server.graphql(
        &token(Role::Auditor, &[]),
        "query($id: ID!) { case(id: $id) { accessLog { userId } } }",
        &json!({ "id": case }),
    );
    r["data"]["case"]["accessLog"]
        .as_array()
        .expect("an access log")
        .iter()
        .filter(|row| row["userId"] == user)
        .count()
}

#[test]
fn a_websocket_authorises_every_operation_logs_every_read_and_closes_at_expiry() {
    let server = Server::demo(None);
    let case = a_sol_case(&server);
    let rt = runtime();
    rt.block_on(async {
        let t = token_for("ws-sas", Role::Sas, chrono::Duration::seconds(4));
        let mut ws = GraphqlWs::connect(&ws_url(&server), &t)
            .await
            .expect("connects");
        let read = "query($id: ID!) { case(id: $id) { id state { id } } }";
        for n in ["1", "2"] {
            let r = ws.query(n, read, json!({ "id": case })).await;
            let r = r.expect("an answer");
            assert_eq!(r["data"]["case"]["id"], case, "{r}");
        }
        // Two operations on one socket: two reads in the access log.
        assert_eq!(reads_by(&server, &case, "ws-sas"), 2);
        // At expiry the server closes the socket and says why.
        let started = Instant::now();
        let close = ws.closed(Duration::from_secs(8)).await;
        assert_eq!(close.as_ref().map(|c| c.0), Some(4401), "{close:?}");
        assert!(
            close.is_some_and(|c| c.1.contains("expired")),
            "the reason is given"
        );
        assert!(started.elapsed() < Duration::from_secs(6));
        assert_eq!(reads_by(&server, &case, "ws-sas"), 2, "nothing more ran");
    });
}

#[test]
fn an_administrator_ends_a_persons_sign_ins_on_every_server() {
    let Some(pg) = PgCluster::start_or_skip("an_administrator_ends_a_persons_sign_ins") else {
        return;
    };
    let dir = || tempfile::tempdir().expect("temp dir");
    let a = Server::start(&pg.url(), &["--demo"], &[], dir());
    let b = Server::start(&pg.url(), &["--demo"], &[], dir());
    let sas = token_for("revoked-sas", Role::Sas, chrono::Duration::hours(1));
    assert_eq!(me(&b, &sas).0, 200);
    let rt = runtime();
    rt.block_on(async {
        let mut ws = GraphqlWs::connect(&ws_url(&b), &sas)
            .await
            .expect("connects");
        // Only an administrator may end sign-ins.
        let end = r#"mutation { endSessions(userId: "revoked-sas") }"#;
        let r = a.graphql(&token(Role::Auditor, &[]), end, &json!({}));
        assert_eq!(r["errors"][0]["extensions"]["code"], "FORBIDDEN", "{r}");
        let r = a.graphql(&token(Role::Admin, &[]), end, &json!({}));
        assert_eq!(r["data"]["endSessions"], true, "{r}");
        // Server B hears of it within its refresh, and closes the socket.
        let close = ws.closed(Duration::from_secs(5)).await;
        assert_eq!(close.map(|c| c.0), Some(4403));
    });
    let (status, body) = me(&b, &sas);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("ended"), "{body}");
    // A sign-in made afterwards works.
    std::thread::sleep(Duration::from_millis(1100));
    let fresh = token_for("revoked-sas", Role::Sas, chrono::Duration::hours(1));
    let (status, body) = me(&b, &fresh);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("revoked-sas"), "{body}");
}

/// A raw HTTP/1.1 exchange with extra headers: status, headers, body.
fn exchange(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len(),
        port = server.port
    )
    .expect("writes");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

fn set_cookie(head: &str, name: &str) -> Option<String> {
    head.lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

fn hidden_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\"").expect("a CSRF field");
    let value = &html[at..];
    let start = value.find("value=\"").expect("a value") + 7;
    value[start..start + 64].to_owned()
}

/// Signs `user` in on the demo sign-in page; the session cookie.
fn sign_in(server: &Server, user: &str, extra: &[(&str, &str)]) -> (u16, Option<String>) {
    let (_, head, html) = exchange(server, "GET", "/signin", &[], "");
    let csrf = set_cookie(&head, "varna_csrf").expect("a CSRF cookie");
    assert_eq!(hidden_csrf(&html), csrf);
    let origin = format!("http://127.0.0.1:{}", server.port);
    let cookie = format!("varna_csrf={csrf}");
    let mut headers = vec![("Cookie", cookie.as_str()), ("Origin", origin.as_str())];
    headers.extend_from_slice(extra);
    let (status, head, _) = exchange(
        server,
        "POST",
        "/signin",
        &headers,
        &format!("csrf={csrf}&user={user}"),
    );
    (status, set_cookie(&head, "varna_session"))
}

#[test]
fn signing_out_ends_the_session_on_every_server() {
    let Some(pg) = PgCluster::start_or_skip("signing_out_ends_the_session_on_every_server") else {
        return;
    };
    let dir = || tempfile::tempdir().expect("temp dir");
    let key = [("VARNA_SESSION_KEY", "shared-session-key-shared-session-key")];
    let a = Server::start(&pg.url(), &["--demo"], &key, dir());
    let b = Server::start(&pg.url(), &["--demo"], &key, dir());
    let (status, session) = sign_in(&a, "sas-1", &[]);
    assert_eq!(status, 303);
    let session = session.expect("a session cookie");
    let cookie = format!("varna_session={session}");
    for server in [&a, &b] {
        let (status, _, _) = exchange(server, "GET", "/", &[("Cookie", &cookie)], "");
        assert_eq!(status, 200, "signed in on both servers");
    }
    let (_, _, page) = exchange(&a, "GET", "/", &[("Cookie", &cookie)], "");
    let csrf = hidden_csrf(&page);
    let origin = format!("http://127.0.0.1:{}", a.port);
    let (status, _, _) = exchange(
        &a,
        "POST",
        "/signout",
        &[("Cookie", &cookie), ("Origin", &origin)],
        &format!("csrf={csrf}"),
    );
    assert_eq!(status, 303);
    // The replayed cookie: refused at once where it was signed out, and on
    // the other server once it has re-read the list (every second).
    let (status, _, _) = exchange(&a, "GET", "/", &[("Cookie", &cookie)], "");
    assert_eq!(status, 303, "server A");
    std::thread::sleep(Duration::from_millis(1500));
    let (status, head, _) = exchange(&b, "GET", "/", &[("Cookie", &cookie)], "");
    assert_eq!(status, 303, "server B");
    assert!(head.contains("/signin"), "{head}");
}

/// `varna serve --demo` on `url`, with `VARNA_JWT_SECRET` set to `secret`
/// or unset; what it printed when it stopped.
fn serve_demo(url: &str, secret: Option<&str>) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_varna"));
    command
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            url,
        ])
        .arg("--workflows")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows"))
        .env_remove("VARNA_JWT_SECRET");
    if let Some(secret) = secret {
        command.env("VARNA_JWT_SECRET", secret);
    }
    command.output().expect("runs")
}

#[test]
fn demo_sign_in_serves_only_this_machine_and_demo_refuses_real_databases() {
    let server = Server::demo(None);
    // Through a proxy (someone else's request forwarded): no demo people.
    let forwarded = [("X-Forwarded-For", "203.0.113.9")];
    let (_, _, html) = exchange(&server, "GET", "/signin", &forwarded, "");
    assert!(!html.contains("sas-1"), "the demo people are not offered");
    let (status, session) = sign_in(&server, "sas-1", &forwarded);
    assert_eq!(status, 403);
    assert!(session.is_none());
    let (status, session) = sign_in(&server, "sas-1", &[]);
    assert_eq!(
        (status, session.is_some()),
        (303, true),
        "from this machine"
    );
    drop(server);

    // A database with a case the demo did not make.
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/real.db?mode=rwc", dir.path().display());
    common::add_linden(&url);
    let real = Server::start(&url, &[], &[], tempfile::tempdir().expect("temp dir"));
    let filed = real.graphql(
        &token(Role::UnitManager, &["linden"]),
        r#"mutation { fileCase(input: { kind: AVVIKELSE, lagrum: SOL, unit: "linden", fields: { what_happened: "Fall", occurred_on: "2026-01-10", category: "fall" } }) { caseId } }"#,
        &json!({}),
    );
    assert!(filed["data"]["fileCase"]["caseId"].is_string(), "{filed}");
    assert!(real.stop().success());
    let refused = serve_demo(&url, None);
    assert_eq!(refused.status.code(), Some(1));
    let text = common::text(&refused);
    assert!(text.contains("--demo refuses this database"), "{text}");
    // Nor does a demo sign tokens with the production secret.
    let fresh = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/d.db?mode=rwc", fresh.path().display());
    let refused = serve_demo(&url, Some(SECRET));
    assert_eq!(refused.status.code(), Some(1));
    assert!(common::text(&refused).contains("unset VARNA_JWT_SECRET"));
}

#[test]
fn a_flood_of_idle_and_slow_connections_leaves_health_answering() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/flood.db?mode=rwc", dir.path().display());
    let server = Server::start(
        &url,
        &[
            "--max-connections",
            "50",
            "--header-timeout",
            "2s",
            "--ws-init-timeout",
            "2s",
        ],
        &[],
        tempfile::tempdir().expect("temp dir"),
    );
    // 400 connections that never send a byte, and 20 that dribble headers:
    // eight times the cap, bounded and on loopback only.
    let mut idle: Vec<TcpStream> = (0..400)
        .map(|_| TcpStream::connect(("127.0.0.1", server.port)).expect("connects"))
        .collect();
    let mut slow: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", server.port)).expect("connects");
            s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .expect("writes");
            s
        })
        .collect();
    let started = Instant::now();
    let (status, body) = server
        .request("GET", "/health", None, "")
        .expect("health answers");
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // Half-sent headers are cut off after the header timeout.
    let s = slow.last_mut().expect("a slow connection");
    s.set_read_timeout(Some(Duration::from_secs(6)))
        .expect("timeout");
    let mut buf = [0u8; 64];
    let cut = Instant::now();
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "the server closed the half-sent request");
    assert!(cut.elapsed() < Duration::from_secs(5));
    idle.clear();
    slow.clear();
    // A WebSocket that never sends connection_init is closed (4408).
    let rt = runtime();
    rt.block_on(async {
        let mut ws = GraphqlWs::open(&ws_url(&server)).await.expect("opens");
        let close = ws.closed(Duration::from_secs(5)).await;
        assert_eq!(close.map(|c| c.0), Some(4408));
    });
    let (status, _) = server
        .request(
            "POST",
            "/graphql",
            Some(&token(Role::Sas, &[])),
            r#"{"query":"{ me { userId } }"}"#,
        )
        .expect("request");
    assert_eq!(status, 200, "still serving");
}

#[test]
fn tokens_not_yet_valid_or_living_too_long_are_refused() {
    let server = Server::demo(None);
    let now = chrono::Utc::now().timestamp();
    let sign = |claims: Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .expect("signs")
    };
    let base = |iat: i64, exp: i64| json!({ "sub": "x", "role": "sas", "iss": "varna", "aud": "varna", "iat": iat, "exp": exp });
    let mut later = base(now, now + 7200);
    later["nbf"] = json!(now + 3600);
    let mut nobody = base(now, now + 3600);
    nobody["sub"] = json!("");
    for (what, claims, says) in [
        ("nbf in an hour", later, "not valid yet"),
        ("a week long", base(now, now + 7 * 86_400), "lives too long"),
        ("no subject", nobody, "invalid"),
    ] {
        let (status, body) = server
            .request(
                "POST",
                "/graphql",
                Some(&sign(claims)),
                r#"{"query":"{ me { userId } }"}"#,
            )
            .expect("request");
        assert_eq!(status, 401, "{what}: {body}");
        assert!(body.contains(says), "{what}: {body}");
    }
}

#[test]
fn an_operator_ends_a_persons_sign_ins_from_the_command_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/ops.db?mode=rwc", dir.path().display());
    let server = Server::start(&url, &[], &[], tempfile::tempdir().expect("temp dir"));
    let person = token_for("ended-by-cli", Role::Auditor, chrono::Duration::hours(1));
    assert_eq!(me(&server, &person).0, 200);
    let said = common::ok(&[
        "sessions",
        "end",
        "--user",
        "ended-by-cli",
        "--database-url",
        &url,
    ]);
    assert!(said.contains("ended-by-cli"), "{said}");
    std::thread::sleep(Duration::from_millis(1500));
    let (status, body) = me(&server, &person);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("ended"), "{body}");
    let out = common::varna(&["sessions", "end", "--user", " ", "--database-url", &url]);
    assert_eq!(out.status.code(), Some(1), "a blank user is refused");
}
