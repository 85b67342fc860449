//! Gallring (issue 26) on real database files: a database written before
//! events committed to their payloads by digest migrates and verifies; the
//! gallringsbeslut in the lifecycle files plans and disposes of the due
//! cases' personal content from the command line; the chain (`varna audit
//! verify` and tools/audit_verify.py), the read tables and the quality
//! reports stay intact; the removed text is gone from the file; a second
//! run changes nothing; tampering with what a disposal kept is caught.
//! On the demo organisation (every lifecycle, documents, journals,
//! personnummer) the same through the store, on SQLite and PostgreSQL.

mod common;

use std::path::Path;
use std::process::Command;

use chrono::{Datelike, Duration, Utc};
use common::{load_events_format_1, ok, sqlite_py, sqlite_query, text, varna};
use varna_store::CommandOptions;
use varna_store::{Store, StoreConfig};
use varna_testkit::PgCluster;
use varna_workflow::{Actor, ActorId, Lagrum, Personnummer, Role};

fn at(when: chrono::DateTime<Utc>) -> CommandOptions {
    CommandOptions {
        now: Some(when),
        ..CommandOptions::default()
    }
}

/// The case ids `retention plan --list` lists as due.
fn listed(plan: &str) -> Vec<String> {
    plan.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.len() == 36 && w.chars().filter(|c| *c == '-').count() == 4)
        .map(str::to_owned)
        .collect()
}

/// The database file and its write-ahead log, as bytes.
fn file_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).expect("reads the database");
    if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A report's CSV without the line saying when it was made.
fn without_timestamp(csv: &str) -> String {
    csv.lines()
        .filter(|l| !l.starts_with("report,,,,,generated_at,"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn reports(url: &str, years: &[i32]) -> Vec<String> {
    years
        .iter()
        .map(|y| {
            without_timestamp(&ok(&[
                "report",
                "--year",
                &y.to_string(),
                "--format",
                "csv",
                "--database-url",
                url,
            ]))
        })
        .collect()
}

#[test]
fn a_database_written_before_payload_digests_is_disposed_of_by_its_gallringsbeslut_and_still_verifies()
 {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("varna.db");
    load_events_format_1(&db);
    let url = format!("sqlite://{}", db.display());
    let hashes_before = sqlite_query(
        &db,
        "SELECT case_id, sequence, hash FROM event ORDER BY 1, 2",
    );
    assert_eq!(hashes_before.len(), 46);

    // Today's code migrates it (a new column, nothing rewritten) and it verifies.
    let verified = ok(&["audit", "verify", "--database-url", &url]);
    assert!(
        verified.contains("audit chain intact: 46 events")
            && verified.contains("verified in one pass"),
        "{verified}"
    );
    assert_eq!(
        sqlite_query(
            &db,
            "SELECT case_id, sequence, hash FROM event ORDER BY 1, 2"
        ),
        hashes_before
    );
    let reports_before = reports(&url, &[2023, 2024, 2025]);

    // The plan: avvikelser are kept two years after closing.
    let plan = ok(&["retention", "plan", "--list", "--database-url", &url]);
    let due = listed(&plan);
    // Closed more than two years (and two days, for time zones and month
    // ends) ago: due; closed less than two years less two days ago, or
    // open: kept.
    let surely_due = sqlite_query(
        &db,
        "SELECT id FROM cases WHERE is_closed AND closed_at < datetime('now', '-24 months', '-2 days') ORDER BY id",
    );
    let surely_kept = sqlite_query(
        &db,
        "SELECT id FROM cases WHERE NOT is_closed OR closed_at > datetime('now', '-24 months', '+2 days') ORDER BY id",
    );
    assert!(!surely_due.is_empty() && !surely_kept.is_empty(), "{plan}");
    for id in &surely_due {
        assert!(due.contains(id), "{id} due: {plan}");
    }
    for id in &surely_kept {
        assert!(!due.contains(id), "{id} is not due: {plan}");
    }
    let kept = surely_kept;
    // Texts in a due case and in a kept one, to look for afterwards.
    let said = |id: &str| {
        sqlite_query(
            &db,
            &format!("SELECT json_extract(payload, '$.fields.what_happened') FROM event WHERE case_id = '{id}' AND sequence = 1"),
        )[0]
        .clone()
    };
    let (gone, stays) = (said(&due[0]), said(&kept[0]));
    assert!(gone.len() > 20 && stays.len() > 20, "{gone} / {stays}");
    assert!(contains(&file_bytes(&db), &gone));

    // A form kept for someone signed out on the due case's page.
    sqlite_py(
        &db,
        &format!(
            "db.execute(\"INSERT INTO draft VALUES ('um-1', '/cases/{}', '/cases/{}/journal', '{{}}', '2026-01-01T00:00:00Z')\")",
            due[0], due[0]
        ),
    );
    // The run, with its protocol.
    let protocol = dir.path().join("gallringsprotokoll.csv");
    let out = ok(&[
        "retention",
        "run",
        "--by",
        "arkivarie-anna",
        "--protocol",
        protocol.to_str().expect("utf-8"),
        "--database-url",
        &url,
    ]);
    assert!(
        out.contains(&format!("{} cases disposed of", due.len())),
        "{out}"
    );
    let lines: Vec<String> = std::fs::read_to_string(&protocol)
        .expect("protocol written")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), due.len() + 1, "{lines:?}");
    assert!(lines[0].starts_with("run,global_seq,at,by,role,case,lifecycle"));
    for id in &due {
        let line = lines
            .iter()
            .find(|l| l.contains(id.as_str()))
            .expect("listed");
        assert!(line.contains(",arkivarie-anna,admin,"), "{line}");
        assert!(
            line.contains(",avvikelse,") && line.contains(",avslutad,"),
            "{line}"
        );
        assert!(
            line.contains("arkivlagen") && line.contains("what_happened"),
            "{line}"
        );
    }
    assert_eq!(
        ok(&["retention", "protocol", "--database-url", &url]).trim(),
        lines.join("\n")
    );

    // Both verifiers pass; the read tables agree; the reports are the same.
    let verified = ok(&["audit", "verify", "--database-url", &url]);
    assert!(verified.contains("the read tables agree"), "{verified}");
    assert!(verified.contains("verified in one pass"), "{verified}");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/audit_verify.py");
    let independent = Command::new("python3")
        .arg(&script)
        .arg(&db)
        .output()
        .expect("python3 runs");
    assert!(independent.status.success(), "{}", text(&independent));
    assert_eq!(reports(&url, &[2023, 2024, 2025]), reports_before);

    // The removed text is nowhere in the file; the kept case's is.
    let bytes = file_bytes(&db);
    assert!(
        !contains(&bytes, &gone),
        "the disposed text is still in the file"
    );
    assert!(contains(&bytes, &stays));
    assert_eq!(
        sqlite_query(
            &db,
            &format!(
                "SELECT event_type FROM event WHERE case_id = '{}' ORDER BY sequence DESC LIMIT 1",
                due[0]
            )
        ),
        ["content_disposed"]
    );

    assert_eq!(sqlite_query(&db, "SELECT count(*) FROM draft"), ["0"]);
    // No salt is left beside a disposed payload: only the disposal's own
    // event (version 2) has one.
    assert_eq!(
        sqlite_query(
            &db,
            &format!(
                "SELECT sequence, event_version FROM event WHERE case_id = '{}' AND payload_salt IS NOT NULL",
                due[0]
            )
        ),
        [format!(
            "{}\t2",
            sqlite_query(
                &db,
                &format!(
                    "SELECT max(sequence) FROM event WHERE case_id = '{}'",
                    due[0]
                )
            )[0]
        )]
    );

    // A second run disposes of nothing and changes nothing.
    let events = sqlite_query(&db, "SELECT count(*), max(global_seq) FROM event");
    let out = ok(&[
        "retention",
        "run",
        "--by",
        "arkivarie-anna",
        "--database-url",
        &url,
    ]);
    assert!(out.contains(": 0 cases disposed of"), "{out}");
    assert_eq!(
        sqlite_query(&db, "SELECT count(*), max(global_seq) FROM event"),
        events
    );

    // A digest put beside an intact version 1 payload is caught.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&db, &copy).expect("copies");
    sqlite_py(
        &copy,
        &format!(
            "db.execute(\"UPDATE event SET payload_digest = 'sha256:00' WHERE case_id = '{}' AND sequence = 1\")",
            kept[0]
        ),
    );
    let copy_url = format!("sqlite://{}", copy.display());
    let out = varna(&["audit", "verify", "--database-url", &copy_url]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let independent = Command::new("python3")
        .arg(&script)
        .arg(&copy)
        .output()
        .expect("runs");
    assert_eq!(independent.status.code(), Some(1), "{}", text(&independent));

    // A disposed event changed after its disposal is caught: here its
    // actor.
    sqlite_py(
        &db,
        &format!(
            "db.execute(\"UPDATE event SET actor_id = 'someone' WHERE case_id = '{}' AND sequence = 1\")",
            due[0]
        ),
    );
    let out = varna(&["audit", "verify", "--database-url", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("as the disposal in event"),
        "{}",
        text(&out)
    );
    let independent = Command::new("python3")
        .arg(&script)
        .arg(&db)
        .output()
        .expect("runs");
    assert_eq!(independent.status.code(), Some(1), "{}", text(&independent));
}

#[test]
fn a_server_with_a_retention_interval_disposes_of_what_is_due_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("varna.db");
    load_events_format_1(&db);
    let url = format!("sqlite://{}", db.display());
    let due = vec![
        listed(&ok(&[
            "retention",
            "plan",
            "--list",
            "--database-url",
            &url,
        ]))
        .len()
        .to_string(),
    ];
    let server_dir = tempfile::tempdir().expect("temp dir");
    let server = common::Server::start(&url, &["--retention-interval", "24h"], &[], server_dir);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let disposed = loop {
        let done = sqlite_query(
            &db,
            "SELECT count(*) FROM event WHERE event_type = 'content_disposed' AND actor_id = 'varna-scheduler'",
        );
        if done == due || std::time::Instant::now() > deadline {
            break done;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(disposed, due);
    assert_ne!(due, ["0"]);
    let status = server.stop();
    assert!(status.success(), "{status:?}");
    let verified = ok(&["audit", "verify", "--database-url", &url]);
    assert!(verified.contains("the read tables agree"), "{verified}");
    assert!(verified.contains("verified in one pass"), "{verified}");
    let protocol = ok(&["retention", "protocol", "--database-url", &url]);
    assert!(protocol.contains(",varna-scheduler,system,"), "{protocol}");
}

/// The quality reports of the last four years, as CSV.
async fn report_csv(store: &Store, today: chrono::DateTime<Utc>) -> Vec<String> {
    let catalog = varna_testkit::shipped_catalog();
    let mut out = Vec::new();
    for year in today.year() - 3..=today.year() {
        let data = store
            .report_data(year, &varna_report::Scope::Organisation, today)
            .await
            .expect("report");
        out.push(without_timestamp(&varna_report::render(
            &varna_report::build(&data, &catalog),
            varna_report::Format::Csv,
        )));
    }
    out
}

/// Disposes of everything due ten years from now in the demo organisation
/// at `url`, checking what stays and what goes.
async fn dispose_of_the_demo(url: &str) {
    let catalog = varna_testkit::shipped_catalog();
    let store = Store::open(&StoreConfig::new(url.to_owned()), &catalog)
        .await
        .expect("opens");
    let today = Utc::now();
    let org = varna::demo::load(&store, today).await.expect("demo loads");
    // The demo files no personnummer: one lex Sarah case with one, closed.
    let unit = org.units[0].as_str();
    let filed_at = today - Duration::days(60);
    let (role, filing) = varna::demo::filing(
        "lex-sarah",
        Lagrum::Sol,
        unit,
        1,
        &mut varna::demo::Dice(7),
        filed_at,
    );
    let person = Personnummer::parse("19121212-1212", today.date_naive()).expect("valid");
    let with_person = store
        .file_case(
            "lex-sarah",
            filing,
            Some(&person),
            &varna::demo::actor(role, unit),
            at(filed_at),
        )
        .await
        .expect("filed")
        .case_id;
    let steps = varna::demo::steps("lex-sarah", Lagrum::Sol, 1, &|n| {
        filed_at + Duration::hours(i64::try_from(n).expect("few"))
    });
    for (n, step) in steps.into_iter().enumerate() {
        let when = filed_at + Duration::hours(i64::try_from(n + 1).expect("few"));
        store
            .execute(
                &with_person,
                step.command,
                &varna::demo::actor(step.role, unit),
                at(when),
            )
            .await
            .expect("step");
    }
    assert!(
        store
            .personnummer(&with_person)
            .await
            .expect("reads")
            .is_some()
    );
    let before = report_csv(&store, today).await;
    let later = today + Duration::days(3653);
    let plan = store.retention_plan().await.expect("plans");
    let due: Vec<_> = plan.iter().filter(|p| p.is_due(later)).collect();
    let archived = plan.iter().filter(|p| p.archived()).count();
    assert!(due.len() > 10, "{plan:?}");
    assert!(archived > 0, "lex Maria is kept for good: {plan:?}");
    assert!(
        plan.iter()
            .filter(|p| p.archived())
            .all(|p| p.kind == "lex-maria" && !p.is_due(later))
    );
    // A case with a frozen document among them, and the one with a personnummer.
    assert!(due.iter().any(|p| p.case_id == with_person), "{due:?}");
    let mut with_document = None;
    for p in &due {
        let case = store
            .case(&p.case_id)
            .await
            .expect("reads")
            .expect("exists");
        if !case.case.documents.is_empty() {
            with_document.get_or_insert((
                p.case_id.clone(),
                case.case.documents.keys().next().cloned().expect("one"),
            ));
        }
    }
    let admin = Actor {
        id: ActorId::new("arkivarie-anna"),
        role: Role::Admin,
        units: Default::default(),
    };
    let closed = plan.iter().map(|p| p.case_id.clone()).collect::<Vec<_>>();
    let disposed = store
        .dispose_due(later, &admin, "run-1", |_, _| {})
        .await
        .expect("disposes");
    assert_eq!(disposed.len(), due.len());

    let audit = store.verify_audit(|_| {}).await.expect("verifies");
    assert_eq!(audit.problem, None);
    // The disposals recorded, the one pass proves the log whole (on
    // PostgreSQL through its binary copy too).
    assert!(audit.one_pass, "{:?}", store.backend());
    let check = store.check_projections(|_| {}).await.expect("checks");
    assert!(check.agrees(), "{check:?}");
    assert_eq!(
        report_csv(&store, today).await,
        before,
        "the quality reports are unchanged"
    );

    for d in &disposed {
        let case = store
            .case(&d.applied.case_id)
            .await
            .expect("reads")
            .expect("exists");
        for field in &d.fields {
            assert!(!case.case.fields.contains_key(field), "{field} removed");
        }
        assert!(
            case.case
                .journal
                .iter()
                .all(|e| e.text.is_empty() && e.author.name.is_empty())
        );
        assert!(case.case.documents.is_empty() && case.case.attachments.is_empty());
    }
    assert_eq!(store.personnummer(&with_person).await.expect("reads"), None);
    let with_document = with_document.expect("the demo freezes documents");
    assert_eq!(
        store
            .frozen_document(&with_document.0, &with_document.1)
            .await
            .expect("reads"),
        None
    );

    // Open cases are refused, and the second run finds nothing.
    let still_open = store
        .cases(
            &varna_store::queries::CaseFilter {
                closed: Some(false),
                ..Default::default()
            },
            1,
            None,
        )
        .await
        .expect("lists")
        .items;
    assert!(!still_open.is_empty());
    assert!(!closed.contains(&still_open[0].id));
    let refused = store
        .dispose(
            &still_open[0].id,
            &varna_store::Disposal {
                rule: "avslutad".into(),
                reference: "test".into(),
                run: "run-2".into(),
                keep: Default::default(),
            },
            &admin,
            Some(later),
        )
        .await
        .expect_err("open");
    assert!(
        matches!(refused, varna_store::Error::NotDisposable(_)),
        "{refused}"
    );
    let again = store
        .dispose_due(later, &admin, "run-2", |_, _| {})
        .await
        .expect("runs");
    assert!(again.is_empty());
    assert_eq!(
        store.disposals(Some("run-1")).await.expect("reads").len(),
        due.len()
    );
    assert!(
        store
            .disposals(Some("run-2"))
            .await
            .expect("reads")
            .is_empty()
    );
    store.close().await.expect("closes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_organisation_is_disposed_of_with_its_chain_and_reports_intact_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());
    dispose_of_the_demo(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_organisation_is_disposed_of_with_its_chain_and_reports_intact_on_postgres() {
    let Some(pg) = PgCluster::start_or_skip("the_demo_organisation_is_disposed_of_on_postgres")
    else {
        return;
    };
    dispose_of_the_demo(&pg.url()).await;
}
