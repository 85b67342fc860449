//! The command line as a user meets it: `workflows check` and `graph`,
//! `schema`, `token`, and `--help`; exit codes and messages.

use std::path::Path;
use std::process::{Command, Output};

fn varna(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_varna"))
        .args(args)
        .env_remove("VARNA_JWT_SECRET")
        .env_remove("VARNA_WORKFLOWS_DIR")
        .output()
        .expect("varna runs")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn workflows() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("workflows")
        .display()
        .to_string()
}

#[test]
fn check_summarises_every_shipped_lifecycle() {
    let o = varna(&["workflows", "check", &workflows()]);
    assert!(o.status.success(), "{}", err(&o));
    for name in ["avvikelse", "klagomal", "lex-maria", "lex-sarah"] {
        assert!(
            out(&o).lines().any(|l| l.starts_with(name)
                && l.contains("states")
                && l.contains("transitions")
                && l.contains("deadlines")),
            "{name}: {}",
            out(&o)
        );
    }
    assert!(out(&o).contains("5 workflow definitions"), "{}", out(&o));
}

#[test]
fn check_reports_every_problem_with_file_and_line_and_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text =
        std::fs::read_to_string(Path::new(&workflows()).join("lex-sarah.toml")).expect("readable");
    let broken = text
        .replacen(r#"to = "bedomning""#, r#"to = "bedomnig""#, 1)
        .replace(r#"snarast = "14d""#, r#"snarast = "14 days""#);
    let path = dir.path().join("lex-sarah.toml");
    std::fs::write(&path, &broken).expect("writable");
    let o = varna(&["workflows", "check", &dir.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    let line = |needle: &str| {
        broken
            .lines()
            .position(|l| l.contains(needle))
            .expect("present")
            + 1
    };
    assert!(
        e.contains(&format!(
            "{}:{}:",
            path.display(),
            line(r#"to = "bedomnig""#)
        )),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "{}:{}:",
            path.display(),
            line(r#"snarast = "14 days""#)
        )),
        "{e}"
    );
    assert!(e.contains("help: declared states:"), "{e}");
    assert!(e.contains("2 problems in 1 file"), "{e}");
}

#[test]
fn check_explains_an_empty_or_missing_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = varna(&["workflows", "check", &dir.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("no workflow definitions (*.toml)"),
        "{}",
        err(&o)
    );
    let o = varna(&["workflows", "check", "/nonexistent/varna-workflows"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("cannot read the workflow folder"),
        "{}",
        err(&o)
    );
}

#[test]
fn graph_draws_mermaid_and_dot() {
    let o = varna(&["workflows", "graph", "lex-sarah", "--dir", &workflows()]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(out(&o).starts_with("stateDiagram-v2"));
    assert!(out(&o).contains("[*] --> received"));
    assert!(out(&o).contains("bedomning --> ivo_decision"));
    let o = varna(&[
        "workflows",
        "graph",
        "avvikelse",
        "--dir",
        &workflows(),
        "--format",
        "dot",
    ]);
    assert!(
        o.status.success() && out(&o).starts_with("digraph \"avvikelse\""),
        "{}",
        out(&o)
    );
    let o = varna(&["workflows", "graph", "lex-sara", "--dir", &workflows()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("no workflow named \"lex-sara\"") && err(&o).contains("lex-sarah"),
        "{}",
        err(&o)
    );
}

#[test]
fn schema_prints_the_checked_in_sdl() {
    let o = varna(&["schema"]);
    assert!(o.status.success());
    let stored = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/schema.graphql"),
    )
    .expect("checked in");
    assert_eq!(out(&o), stored);
}

#[test]
fn token_mints_a_verifiable_token_and_refuses_a_short_secret() {
    let secret = "cli-secret-cli-secret-cli-secret";
    let o = Command::new(env!("CARGO_BIN_EXE_varna"))
        .args([
            "token",
            "--user",
            "um-linden",
            "--role",
            "unit_manager",
            "--unit",
            "linden",
            "--unit",
            "ekbacken",
            "--ttl",
            "2h",
        ])
        .env("VARNA_JWT_SECRET", secret)
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", err(&o));
    let token = out(&o).trim().to_owned();
    let auth = varna_api::AuthConfig::new(
        "varna",
        "varna",
        varna_api::Keys::Hs256(secret.as_bytes().to_vec()),
    );
    let p = auth.verify(&token).expect("verifies");
    assert_eq!(p.user_id, "um-linden");
    assert_eq!(p.units.len(), 2);
    let o = Command::new(env!("CARGO_BIN_EXE_varna"))
        .args(["token", "--user", "x", "--role", "sas"])
        .env("VARNA_JWT_SECRET", "short")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("at least 32 bytes"), "{}", err(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_varna"))
        .args(["token", "--user", "x", "--role", "boss"])
        .env("VARNA_JWT_SECRET", secret)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2), "clap refuses an unknown role");
    assert!(err(&o).contains("unit_manager"), "{}", err(&o));
}

#[test]
fn serve_without_any_token_configuration_says_what_to_set() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/v.db?mode=rwc", dir.path().display());
    let o = varna(&[
        "serve",
        "--database-url",
        &url,
        "--workflows",
        &workflows(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("VARNA_JWT_SECRET") && err(&o).contains("--demo"),
        "{}",
        err(&o)
    );
}

#[test]
fn units_are_registered_listed_and_validated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/v.db?mode=rwc", dir.path().display());
    let o = varna(&[
        "units",
        "add",
        "hemtjanst-norr",
        "--name",
        "Hemtjänst Norr",
        "--area",
        "hemtjanst",
        "--area-name",
        "Ordinärt boende",
        "--database-url",
        &url,
    ]);
    assert!(o.status.success(), "{}", err(&o));
    let o = varna(&["units", "list", "--database-url", &url]);
    assert!(
        out(&o).lines().any(|l| l.starts_with("hemtjanst-norr")
            && l.contains("hemtjanst")
            && l.contains("Hemtjänst Norr")),
        "{}",
        out(&o)
    );
    let o = varna(&[
        "units",
        "add",
        "Hemtjänst Norr",
        "--name",
        "x",
        "--area",
        "a",
        "--area-name",
        "A",
        "--database-url",
        &url,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("lower-case letters"), "{}", err(&o));
}

#[test]
fn help_explains_every_command() {
    let o = varna(&["--help"]);
    assert!(o.status.success());
    for command in [
        "serve",
        "token",
        "schema",
        "workflows",
        "audit",
        "projections",
        "outbox",
        "sessions",
    ] {
        assert!(out(&o).contains(command), "{command}: {}", out(&o));
    }
    // The benchmark harness is its own binary, varna-bench.
    assert!(!out(&o).contains("bench"), "{}", out(&o));
    for args in [
        &["serve", "--help"][..],
        &["workflows", "check", "--help"],
        &["audit", "verify", "--help"],
        &["token", "--help"],
        &["sessions", "end", "--help"],
    ] {
        let o = varna(args);
        assert!(
            o.status.success() && out(&o).contains("Usage: varna"),
            "{args:?}"
        );
    }
}

#[test]
fn serve_refuses_bad_web_settings_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/v.db?mode=rwc", dir.path().display());
    // Nothing listens on this port: discovery fails before the server starts.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let issuer = format!("http://127.0.0.1:{port}");
    let folder = workflows();
    let serve = |extra: &[&str]| {
        let mut args = vec![
            "serve",
            "--demo",
            "--database-url",
            &url,
            "--workflows",
            &folder,
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        varna(&args)
    };
    let o = serve(&["--session-key", "too-short"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("at least 32 bytes"), "{}", err(&o));
    let o = serve(&["--oidc-issuer", &issuer]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("--oidc-client-id"), "{}", err(&o));
    let o = serve(&["--oidc-issuer", &issuer, "--oidc-client-id", "varna"]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("OpenID Connect") && err(&o).contains(".well-known/openid-configuration"),
        "{}",
        err(&o)
    );
}

#[test]
fn serve_refuses_incomplete_notification_settings_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/v.db?mode=rwc", dir.path().display());
    let serve = |extra: &[&str]| {
        let mut args = vec![
            "serve",
            "--database-url",
            &url,
            "--workflows",
            "/nonexistent",
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        varna(&args)
    };
    for (extra, says) in [
        (
            &["--webhook-url", "http://127.0.0.1:9/hook"][..],
            "needs VARNA_WEBHOOK_SECRET",
        ),
        (
            &[
                "--webhook-url",
                "ftp://x",
                "--webhook-secret",
                "0123456789abcdef",
            ],
            "http:// or https://",
        ),
        (
            &[
                "--webhook-url",
                "http://127.0.0.1:9/",
                "--webhook-secret",
                "short",
            ],
            "at least 16 bytes",
        ),
        (&["--smtp-url", "smtp://127.0.0.1:25"], "needs --smtp-from"),
        (
            &["--smtp-url", "smtp://127.0.0.1:25", "--smtp-from", "v@k.se"],
            "at least one --notify-email",
        ),
        (&["--notify-email", "sas=sas@k.se"], "needs --smtp-url"),
    ] {
        let o = serve(extra);
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {}", err(&o));
        assert!(err(&o).contains(says), "{extra:?}: {}", err(&o));
    }
    for (extra, says) in [
        (&["--notify-email", "boss=b@k.se"][..], "unknown role"),
        (&["--notify-email", "sas"], "ROLE=ADDRESS"),
        (&["--sweep-interval", "10"], "needs a unit"),
        (&["--sweep-interval", "0s"], "above zero"),
    ] {
        let o = serve(extra);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", err(&o));
        assert!(err(&o).contains(says), "{extra:?}: {}", err(&o));
    }
}
