//! `varna audit verify` and `varna projections rebuild` on real databases,
//! run as an operator runs them: exit codes, messages, progress.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use chrono::Utc;
use varna_store::{Store, StoreConfig};
use varna_testkit::PgCluster;
use varna_testkit::shipped_catalog as catalog;

fn varna(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_varna"))
        .args(args)
        .env_remove("VARNA_DATABASE_URL")
        .output()
        .expect("varna runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// tools/audit_verify.py on the SQLite file at `path`.
fn python_verify(path: &Path) -> Output {
    Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/audit_verify.py"))
        .arg(path)
        .output()
        .expect("python3 runs (it is part of the machine image)")
}

/// Runs `statement` on the SQLite file at `path` behind Varna's back; it
/// must change at least one row.
fn tamper(path: &Path, statement: &str) {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); n=c.execute(sys.argv[2]).rowcount; c.commit(); assert n > 0, n",
        ])
        .arg(path)
        .arg(statement)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{statement}: {}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_and_rebuild_a_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/varna.db?mode=rwc", dir.path().display());
    common::file_avvikelser(&url, 5).await;
    let out = varna(&["audit", "verify", "--database-url", &url]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("audit chain intact: 5 events in 5 cases"),
        "{}",
        text(&out)
    );
    let out = varna(&["projections", "rebuild", "--database-url", &url]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("projections rebuilt: 5 cases from 5 events"),
        "{}",
        text(&out)
    );
    // Through the environment, as a service would be configured.
    let out = Command::new(env!("CARGO_BIN_EXE_varna"))
        .args(["audit", "verify"])
        .env("VARNA_DATABASE_URL", &url)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_missing_database_file_is_an_error_not_an_empty_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("typo.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    for command in [["audit", "verify"], ["projections", "rebuild"]] {
        let out = varna(&[command[0], command[1], "--database-url", &url]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(text(&out).contains("no database file at"), "{}", text(&out));
    }
    assert!(!path.exists(), "nothing was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_the_tampered_case_on_postgres() {
    let Some(pg) = PgCluster::start_or_skip("verify_names_the_tampered_case_on_postgres") else {
        return;
    };
    let url = pg.url();
    let ids = common::file_avvikelser(&url, 4).await;
    let out = varna(&["audit", "verify", "--database-url", &url]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("verified in one pass"),
        "{}",
        text(&out)
    );

    let psql = |sql: &str| {
        let out = Command::new(pg.bin_dir().join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &pg.port().to_string(),
                "-U",
                "varna",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
            .output()
            .expect("psql runs");
        assert!(out.status.success(), "{sql}: {}", text(&out));
    };
    psql(&format!(
        "UPDATE event SET payload = replace(payload, 'Fall', 'Halka') WHERE case_id = '{}'",
        ids[2]
    ));
    let out = varna(&["audit", "verify", "--database-url", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(shown.contains("AUDIT CHAIN BROKEN"), "{shown}");
    assert!(
        shown.contains(&format!("case {}, event 1", ids[2])),
        "{shown}"
    );
    assert!(shown.contains("content does not match its hash"), "{shown}");
}

/// docs/storage.md's description of the chains is enough to re-implement
/// verify: an independent Python verifier (tools/audit_verify.py, standard
/// library only) agrees with Varna on an intact and on a tampered file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_independent_verifier_agrees() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("varna.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let ids = common::file_avvikelser(&url, 3).await;
    let python = python_verify;
    let out = python(&path);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("audit chain intact: 3 events"),
        "{}",
        text(&out)
    );

    // Tamper through Python's sqlite3 (the same tool an auditor would use).
    let tamper = Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE event SET actor_id='someone-else' WHERE case_id=?\", (sys.argv[2],)); c.commit()"])
        .arg(&path)
        .arg(&ids[1])
        .output()
        .expect("python3 runs");
    assert!(tamper.status.success(), "{}", text(&tamper));
    let out = python(&path);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "case {}, event 1: content does not match its hash",
            ids[1]
        )),
        "{}",
        text(&out)
    );
    let out = varna(&["audit", "verify", "--database-url", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("case {}, event 1", ids[1])),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_commands_show_and_requeue_dead_deliveries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/varna.db?mode=rwc", dir.path().display());
    let ids = common::file_avvikelser(&url, 2).await;
    // Make one delivery dead: one attempt allowed, and it fails.
    let store = Store::connect(&StoreConfig::new(url.as_str()))
        .await
        .expect("connects");
    let now = Utc::now();
    let queued = store
        .queue_notifications(|_, _| vec!["webhook".to_owned()], now, 10)
        .await
        .expect("queues");
    assert_eq!(queued, 2, "filing an avvikelse tells the unit manager");
    let claimed = store
        .claim_deliveries(
            &["webhook".to_owned()],
            now,
            std::time::Duration::from_secs(60),
            1,
        )
        .await
        .expect("claims");
    let policy = varna_store::RetryPolicy {
        max_attempts: 1,
        ..varna_store::RetryPolicy::default()
    };
    store
        .settle_delivery(&claimed[0], Err("HTTP 500".into()), now, &policy)
        .await
        .expect("settles");
    store.close().await.expect("closes");
    let dead_id = claimed[0].notification.id.clone();
    assert!(ids.contains(&claimed[0].notification.case_id));

    let out = varna(&["outbox", "status", "--database-url", &url]);
    assert!(out.status.success(), "{}", text(&out));
    let status = text(&out);
    assert!(
        status
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["webhook", "dead", "1"]),
        "{status}"
    );
    assert!(
        status
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["webhook", "pending", "1"]),
        "{status}"
    );

    let out = varna(&["outbox", "list", "--status", "dead", "--database-url", &url]);
    let list = text(&out);
    assert!(
        list.contains(&dead_id) && list.contains("last error: HTTP 500"),
        "{list}"
    );
    assert_eq!(list.lines().count(), 1, "{list}");

    let out = varna(&["outbox", "retry", "--database-url", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("--notification ID, or --all"),
        "{}",
        text(&out)
    );

    let out = varna(&[
        "outbox",
        "retry",
        "--notification",
        &dead_id,
        "--database-url",
        &url,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("1 dead deliveries queued again"),
        "{}",
        text(&out)
    );
    let out = varna(&["outbox", "list", "--status", "dead", "--database-url", &url]);
    assert!(
        text(&out).contains("no deliveries with status dead"),
        "{}",
        text(&out)
    );
}

/// What auditors read is checked against the events by both verifiers, on
/// the demo's year of cases of every lifecycle: a stored case's text or a
/// journal row edited in the file (the chains untouched) is reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_case_record_or_journal_row_is_caught_by_both_verifiers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("varna.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = Store::open(&StoreConfig::new(&url), &catalog())
        .await
        .expect("opens");
    varna::demo::load(&store, Utc::now())
        .await
        .expect("the demo loads");
    store.close().await.expect("closes");
    let python = || python_verify(&path);
    let out = python();
    assert!(out.status.success(), "{}", text(&out));
    let out = varna(&["audit", "verify", "--database-url", &url]);
    assert!(
        out.status.success() && text(&out).contains("the read tables agree with the events"),
        "{}",
        text(&out)
    );
    let sql = |statement: &str| tamper(&path, statement);
    sql(
        "UPDATE journal_entry SET text = 'Inget att anmärka' WHERE rowid = (SELECT MIN(rowid) FROM journal_entry)",
    );
    let out = python();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("read tables differ from the events"),
        "{}",
        text(&out)
    );
    let out = varna(&["audit", "verify", "--database-url", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("READ TABLES DIFFER FROM THE EVENTS: journal_entry"),
        "{}",
        text(&out)
    );
    let out = varna(&["projections", "rebuild", "--database-url", &url]);
    assert!(out.status.success(), "{}", text(&out));
    sql(
        "UPDATE cases SET snapshot = REPLACE(snapshot, '\"what_happened\":\"', '\"what_happened\":\"Inget: ') WHERE rowid = (SELECT MIN(rowid) FROM cases)",
    );
    let out = python();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("in the stored case, fields differs"),
        "{}",
        text(&out)
    );
    let out = varna(&["audit", "verify", "--database-url", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("READ TABLES DIFFER FROM THE EVENTS: cases"),
        "{}",
        text(&out)
    );
}

/// The personnummer is kept beside the log, and the filing event commits to
/// it (salted): swapping two cases' personnummer, or deleting one, is
/// caught by `varna audit verify`, `varna projections check` and
/// tools/audit_verify.py, though every chain still verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_swapped_or_removed_personnummer_is_caught() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("varna.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    common::file_avvikelser_about(&url, &[Some("19121212-1212"), Some("19391030-3183"), None])
        .await;
    let python = || python_verify(&path);
    let verify = || varna(&["audit", "verify", "--database-url", &url]);
    let out = verify();
    assert!(
        out.status.success() && !text(&out).contains("cannot be proven"),
        "{}",
        text(&out)
    );
    assert!(python().status.success(), "{}", text(&python()));
    let sql = |statement: &str| tamper(&path, statement);
    // Swap the two personnummer (and their salts: it makes no difference).
    sql("UPDATE case_person SET personnummer = CASE personnummer \
         WHEN '191212121212' THEN '193910303183' ELSE '191212121212' END, \
         salt = (SELECT p2.salt FROM case_person p2 WHERE p2.case_id <> case_person.case_id)");
    let out = verify();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("audit chain intact")
            && text(&out).contains("PERSONNUMMER CHANGED: 2 case(s)"),
        "{}",
        text(&out)
    );
    let out = varna(&["projections", "check", "--database-url", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("PERSONNUMMER CHANGED"),
        "{}",
        text(&out)
    );
    let out = python();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("the personnummer does not match what its filing recorded"),
        "{}",
        text(&out)
    );
    // A rebuild does not launder it: the personnummer rows are not rebuilt.
    let out = varna(&["projections", "rebuild", "--database-url", &url]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(verify().status.code(), Some(1));
    // Deleted: the filing still records that there was a person.
    sql("DELETE FROM case_person");
    let out = verify();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("PERSONNUMMER REMOVED: 2 case(s)"),
        "{}",
        text(&out)
    );
    let out = python();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("recorded a person but has no personnummer"),
        "{}",
        text(&out)
    );
}

/// An attachment's bytes are named by SHA-256 in its event: a file changed
/// beside the log is caught by `varna audit verify` and by
/// tools/audit_verify.py, though both chains still verify.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_attachment_is_caught() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("varna.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let ids = common::file_avvikelser(&url, 1).await;
    let store = Store::open(&StoreConfig::new(&url), &catalog())
        .await
        .expect("opens");
    let pdf = b"%PDF-1.4 en inskannad skrivelse".to_vec();
    let id = varna_store::CaseId::parse(&ids[0]).expect("an id");
    store
        .attach(
            &id,
            varna_workflow::attachment::Attachment {
                id: "0193a000-0000-7000-8000-000000000001".into(),
                name: "skrivelse.pdf".into(),
                media_type: "application/pdf".into(),
                size: pdf.len() as u64,
                digest: varna_store::chain::content_digest(&pdf),
            },
            pdf,
            &varna_workflow::Actor {
                id: varna_workflow::ActorId::new("um-1"),
                role: varna_workflow::Role::UnitManager,
                units: std::collections::BTreeSet::from([varna_workflow::UnitId::new("linden")]),
            },
            varna_store::CommandOptions::default(),
        )
        .await
        .expect("attaches");
    store.close().await.expect("closes");
    let python = || python_verify(&path);
    let verify = || varna(&["audit", "verify", "--database-url", &url]);
    assert!(verify().status.success(), "{}", text(&verify()));
    assert!(python().status.success(), "{}", text(&python()));
    tamper(
        &path,
        "UPDATE attachment SET content = CAST('%PDF-1.4 en annan skrivelse' AS BLOB)",
    );
    let out = verify();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("audit chain intact") && text(&out).contains("KEPT FILES CHANGED: 1"),
        "{}",
        text(&out)
    );
    let out = python();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("does not match its event"),
        "{}",
        text(&out)
    );
}

/// `varna serve` on PostgreSQL logs at its default level (info) what an
/// operator needs, as plain text when written to a file, and not
/// PostgreSQL's notices: the migrations' check of their own table
/// answered seven `relation … already exists, skipping` at every start.
#[test]
fn a_server_on_postgres_starts_without_the_database_s_notices_in_its_log() {
    let Some(pg) = PgCluster::start_or_skip("a_server_on_postgres_starts_without_notices") else {
        return;
    };
    let url = pg.url();
    for start in ["first", "second"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("serve.log");
        let port = common::Server::free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_varna"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database-url", &url, "--workflows"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows"))
            .env("VARNA_JWT_SECRET", common::SECRET)
            .env_remove("VARNA_LOG")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).expect("a log file"))
            .spawn()
            .expect("varna serve starts");
        drop(common::Server::wait_ready(
            child,
            port,
            tempfile::tempdir().expect("dir"),
        ));
        let logged = std::fs::read_to_string(&log).expect("the log");
        assert!(logged.contains("Varna is ready"), "{start} start: {logged}");
        assert!(
            !logged.contains("already exists"),
            "{start} start: {logged}"
        );
        // Written to a file, not a terminal: no colour codes.
        assert!(!logged.contains('\u{1b}'), "{start} start: {logged}");
    }
}
