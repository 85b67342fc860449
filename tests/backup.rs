//! The backup drill: a backup taken while commands are being written holds
//! every command acknowledged before it began; restored, its chain verifies
//! and its read tables agree. Restore refuses a bad file and never replaces
//! a database without --force, and keeps the file it replaces.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Server, add_linden, ok, text, token, varna};
use serde_json::json;
use varna_workflow::Role;

const FILE: &str = r#"mutation($input: FileCaseInput!) { fileCase(input: $input) { caseId } }"#;

/// The writer files faster than a person may: no limit (0).
const UNLIMITED: &[&str] = &["--filings-per-minute", "0"];

/// A unit manager filing avvikelser without pause, noting each acknowledged id.
struct Writer {
    acknowledged: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl Writer {
    fn start(server: &Arc<Server>) -> Writer {
        let acknowledged: Arc<Mutex<Vec<String>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (server, list, halt) = (server.clone(), acknowledged.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let manager = token(Role::UnitManager, &["linden"]);
            let mut n = 0;
            while !halt.load(Ordering::SeqCst) {
                n += 1;
                let answer = server.graphql(
                    &manager,
                    FILE,
                    &json!({ "input": {
                        "workflow": "avvikelse", "lagrum": "SOL", "unit": "linden",
                        "fields": { "what_happened": format!("Fall nr {n}"), "occurred_on": "2026-03-01", "category": "fall" }
                    } }),
                );
                let id = answer["data"]["fileCase"]["caseId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("filed: {answer}"))
                    .to_owned();
                list.lock().expect("the list").push(id);
            }
        });
        Writer {
            acknowledged,
            stop,
            thread,
        }
    }

    fn count(&self) -> usize {
        self.acknowledged.lock().expect("the list").len()
    }

    /// Waits until `n` cases are acknowledged; returns those acknowledged so far.
    fn acknowledged_after(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.count() < n {
            assert!(Instant::now() < deadline, "the writer files cases");
            std::thread::sleep(Duration::from_millis(20));
        }
        self.acknowledged.lock().expect("the list").clone()
    }

    /// Lets it write a little longer, stops it; returns how many were acknowledged.
    fn finish(self) -> usize {
        std::thread::sleep(Duration::from_millis(300));
        self.stop.store(true, Ordering::SeqCst);
        let acknowledged = self.acknowledged.clone();
        self.thread.join().expect("the writer");
        acknowledged.lock().expect("the list").len()
    }
}

/// The database at `url` holds every case in `before`, and no more cases
/// than were ever acknowledged.
fn assert_holds(url: &str, before: &[String], acknowledged: usize) {
    let ids: Vec<varna_store::CaseId> = before
        .iter()
        .map(|id| varna_store::CaseId::parse(id).expect("a case id"))
        .collect();
    let (found, total) = tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(async {
            let store = varna_store::Store::connect(&varna_store::StoreConfig::new(url.to_owned()))
                .await
                .expect("opens");
            let found = store.cases_by_id(&ids).await.expect("reads");
            let total = store
                .count_cases(&varna_store::queries::CaseFilter::default())
                .await
                .expect("counts");
            store.close().await.expect("closes");
            (found.len(), total)
        });
    assert_eq!(
        found,
        before.len(),
        "every case acknowledged before the backup is in it"
    );
    assert!(
        usize::try_from(total).expect("fits") <= acknowledged,
        "nothing that was never acknowledged"
    );
}

#[test]
fn a_backup_under_write_load_restores_with_everything_acknowledged_before_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().to_path_buf();
    let url = format!("sqlite://{}/varna.db?mode=rwc", folder.display());
    add_linden(&url);
    let server = Arc::new(Server::start(&url, UNLIMITED, &[], dir));

    let writer = Writer::start(&server);
    let before = writer.acknowledged_after(30);
    let backup = folder.join("backup.db");
    let made = ok(&["backup", &backup.to_string_lossy(), "--database-url", &url]);
    assert!(made.contains("its audit chain is intact"), "{made}");
    let during = writer.count();
    let after = writer.finish();
    assert!(
        after > during && during > before.len(),
        "writes went on during and after the backup: {} / {during} / {after}",
        before.len()
    );

    // A backup never overwrites.
    let again = varna(&["backup", &backup.to_string_lossy(), "--database-url", &url]);
    assert!(!again.status.success());
    assert!(
        text(&again).contains("never overwrites"),
        "{}",
        text(&again)
    );

    // Restored as a new database: the chain verifies, the tables agree, and
    // every case acknowledged before the backup began is there.
    let restored = folder.join("restored.db");
    let restored_url = format!("sqlite://{}", restored.display());
    let put_back = ok(&[
        "restore",
        &backup.to_string_lossy(),
        "--database-url",
        &restored_url,
    ]);
    assert!(put_back.contains("its audit chain is intact"), "{put_back}");
    let verified = ok(&["audit", "verify", "--database-url", &restored_url]);
    assert!(verified.contains("audit chain intact"), "{verified}");
    let checked = ok(&["projections", "check", "--database-url", &restored_url]);
    assert!(
        checked.contains("projections match the event log"),
        "{checked}"
    );
    assert_holds(&restored_url, &before, after);

    // Restore never replaces a database unless told to, and keeps what it replaces.
    let refused = varna(&[
        "restore",
        &backup.to_string_lossy(),
        "--database-url",
        &restored_url,
    ]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("--force"), "{}", text(&refused));
    let forced = ok(&[
        "restore",
        &backup.to_string_lossy(),
        "--database-url",
        &restored_url,
        "--force",
    ]);
    assert!(forced.contains("is kept as"), "{forced}");
    let kept = std::fs::read_dir(&folder)
        .expect("the folder")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("restored.db.replaced-")
        })
        .count();
    assert_eq!(kept, 1, "the replaced database is kept");

    // A file that is not a sound backup changes nothing.
    let junk = folder.join("junk.db");
    std::fs::write(&junk, b"not a database").expect("writes");
    let before_bytes = std::fs::read(&restored).expect("reads");
    let bad = varna(&[
        "restore",
        &junk.to_string_lossy(),
        "--database-url",
        &restored_url,
        "--force",
    ]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("nothing was changed"), "{}", text(&bad));
    assert_eq!(std::fs::read(&restored).expect("reads"), before_bytes);

    Arc::try_unwrap(server).ok().expect("one owner").stop();
}

/// PostgreSQL is backed up with its own pg_dump (one snapshot) and put back
/// with pg_restore, as docs/operations.md says; `varna backup` points there.
#[test]
fn a_pg_dump_under_write_load_restores_with_everything_acknowledged_before_it() {
    let Some(pg) = varna_testkit::PgCluster::start_or_skip(
        "a_pg_dump_under_write_load_restores_with_everything_acknowledged_before_it",
    ) else {
        return;
    };
    let url = pg.create_database("live").expect("a database");
    add_linden(&url);
    let dir = tempfile::tempdir().expect("temp dir");
    let dump = dir.path().join("varna.dump");
    let server = Arc::new(Server::start(
        &url,
        UNLIMITED,
        &[],
        tempfile::tempdir().expect("temp dir"),
    ));
    let writer = Writer::start(&server);
    let before = writer.acknowledged_after(30);

    let refused = varna(&[
        "backup",
        &dir.path().join("x.db").to_string_lossy(),
        "--database-url",
        &url,
    ]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("pg_dump"), "{}", text(&refused));

    let dumped = std::process::Command::new(pg.bin_dir().join("pg_dump"))
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .args(["--dbname", &url])
        .output()
        .expect("pg_dump runs");
    assert!(dumped.status.success(), "{}", text(&dumped));
    let during = writer.count();
    let after = writer.finish();
    assert!(after > during && during >= before.len());
    Arc::try_unwrap(server).ok().expect("one owner").stop();

    let restored = pg.create_database("restored").expect("a database");
    let put_back = std::process::Command::new(pg.bin_dir().join("pg_restore"))
        .args(["--no-owner", "--exit-on-error", "--dbname", &restored])
        .arg(&dump)
        .output()
        .expect("pg_restore runs");
    assert!(put_back.status.success(), "{}", text(&put_back));
    let verified = ok(&["audit", "verify", "--database-url", &restored]);
    assert!(verified.contains("audit chain intact"), "{verified}");
    assert_holds(&restored, &before, after);
}
