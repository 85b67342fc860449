//! Signed checkpoints on a real SQLite file, run as an operator and an
//! auditor run them: `varna audit checkpoint` signs the log's size and head
//! into a folder outside the database; someone with write access then
//! deletes the newest events or edits one, recomputes every hash
//! (tests/fixtures/forge_chain.py) and rebuilds the read tables — which the
//! chains alone cannot show —
//! and `varna audit verify --checkpoints` and tools/audit_verify.py both
//! catch it, saying where the first change lies.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{file_avvikelser, text, varna};
use varna_store::{Store, StoreConfig};
use varna_testkit::shipped_catalog as catalog;
use varna_workflow::Role;

fn python(args: &[&str]) -> Output {
    Command::new("python3")
        .args(args)
        .output()
        .expect("python3 runs (it is part of the machine image)")
}

/// The one file in `dir` whose name starts with `prefix`.
fn only(dir: &Path, prefix: &str) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .collect();
    assert_eq!(found.len(), 1, "{prefix} in {}: {found:?}", dir.display());
    found[0].clone()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A store with two checkpoints (after 3 and after 5 events), its key and
/// the public key an auditor holds.
struct Signed {
    _dir: tempfile::TempDir,
    db: PathBuf,
    url: String,
    checkpoints: PathBuf,
    public_key: String,
    ids: Vec<String>,
}

async fn signed() -> Signed {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("varna.db");
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let key = dir.path().join("keys/checkpoint.key");
    let checkpoints = dir.path().join("revision");
    let (key_s, checkpoints_s) = (key.display().to_string(), checkpoints.display().to_string());
    let sign = || {
        varna(&[
            "audit",
            "checkpoint",
            "--key",
            &key_s,
            "--dir",
            &checkpoints_s,
            "--origin",
            "varna.exempelkommun.se/audit",
            "--database-url",
            &url,
        ])
    };
    let mut ids = file_avvikelser(&url, 3).await;
    let first = sign();
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("made a new signing key")
            && text(&first).contains("checkpoint at 3 events written"),
        "{}",
        text(&first)
    );
    let again = sign();
    assert!(
        text(&again).contains("no new events since the checkpoint at 3 events"),
        "{}",
        text(&again)
    );
    ids.extend(file_avvikelser(&url, 2).await);
    let second = sign();
    assert!(
        text(&second).contains("checkpoint at 5 events written"),
        "{}",
        text(&second)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key)
            .expect("the key")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the key is its owner's alone: {mode:o}");
    }
    let public = varna(&["audit", "key", "--key", &key_s]);
    assert!(public.status.success(), "{}", text(&public));
    let public_key = String::from_utf8_lossy(&public.stdout).trim().to_owned();
    assert!(
        public_key.starts_with("varna.exempelkommun.se/audit+"),
        "{public_key}"
    );
    Signed {
        _dir: dir,
        db,
        url,
        checkpoints,
        public_key,
        ids,
    }
}

impl Signed {
    fn verify(&self) -> Output {
        varna(&["audit", "verify", "--database-url", &self.url])
    }

    fn verify_with_checkpoints(&self) -> Output {
        varna(&[
            "audit",
            "verify",
            "--database-url",
            &self.url,
            "--checkpoints",
            &self.checkpoints.display().to_string(),
            "--public-key",
            &self.public_key,
        ])
    }

    fn python_verify(&self) -> Output {
        python(&[
            &root().join("tools/audit_verify.py").display().to_string(),
            &self.db.display().to_string(),
            "--public-key",
            &self.public_key,
            "--checkpoints",
            &self.checkpoints.display().to_string(),
        ])
    }

    fn forge(&self, args: &[&str]) {
        let script = root().join("tests/fixtures/forge_chain.py");
        let mut all = vec![script.display().to_string(), self.db.display().to_string()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let out = python(&refs);
        assert!(out.status.success(), "{}", text(&out));
        // A careful forger also makes the read tables agree, with Varna's
        // own tool: then only the checkpoints can tell.
        let out = varna(&["projections", "rebuild", "--database-url", &self.url]);
        assert!(out.status.success(), "{}", text(&out));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intact_log_extends_its_checkpoints_in_both_verifiers() {
    let s = signed().await;
    let out = s.verify_with_checkpoints();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("the log extends all 2 signed checkpoints (the newest at 5 events)"),
        "{}",
        text(&out)
    );
    let out = s.python_verify();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("the log extends all 2 signed checkpoints"),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_newest_events_with_the_head_moved_back_are_caught() {
    let s = signed().await;
    s.forge(&["drop-newest", "2"]);
    // The chains alone cannot tell: every hash still links.
    let plain = s.verify();
    assert!(plain.status.success(), "{}", text(&plain));
    let out = s.verify_with_checkpoints();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("does not extend a signed checkpoint")
            && text(&out).contains("global sequences 4 to 5 were deleted"),
        "{}",
        text(&out)
    );
    let out = s.python_verify();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("global sequences 4 to 5 were deleted"),
        "{}",
        text(&out)
    );
    // And the server's writer refuses to sign over it.
    let key = s
        ._dir
        .path()
        .join("keys/checkpoint.key")
        .display()
        .to_string();
    let refused = varna(&[
        "audit",
        "checkpoint",
        "--key",
        &key,
        "--dir",
        &s.checkpoints.display().to_string(),
        "--database-url",
        &s.url,
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("no longer extends the newest checkpoint"),
        "{}",
        text(&refused)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_event_with_every_hash_recomputed_is_caught_and_placed() {
    let s = signed().await;
    // The fourth event (the first after the first checkpoint).
    s.forge(&["edit", &s.ids[3], "1"]);
    let plain = s.verify();
    assert!(plain.status.success(), "{}", text(&plain));
    let out = s.verify_with_checkpoints();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("the first changed event is among global sequences 4 to 5"),
        "{}",
        text(&out)
    );
    let out = s.python_verify();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("the first changed event is among global sequences 4 to 5"),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_edited_to_match_a_forgery_is_not_genuine() {
    let s = signed().await;
    let newest = only(&s.checkpoints, "checkpoint-000000000005-");
    let note = std::fs::read_to_string(&newest).expect("written");
    std::fs::write(&newest, note.replacen("\n5\n", "\n3\n", 1)).expect("edited");
    let out = s.verify_with_checkpoints();
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("is not genuine") && text(&out).contains("does not verify"),
        "{}",
        text(&out)
    );
    let out = s.python_verify();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("NOT GENUINE"), "{}", text(&out));
    // A key of another log is no key for these.
    let other = varna_chain::checkpoint::CheckpointSigner::new("elsewhere/audit", [9; 32])
        .expect("a name")
        .verifier()
        .to_string();
    let out = varna(&[
        "audit",
        "verify",
        "--database-url",
        &s.url,
        "--checkpoints",
        &s.checkpoints.display().to_string(),
        "--public-key",
        &other,
    ]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
}

/// `varna serve --checkpoint-dir` makes its key at first start, prints the
/// public key, and signs the log as it grows; what it signs verifies.
#[test]
fn the_server_signs_checkpoints_as_the_log_grows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/varna.db?mode=rwc", dir.path().display());
    common::add_linden(&url);
    let revision = dir.path().join("revision");
    let key = dir.path().join("secret/checkpoint.key");
    let (revision_s, key_s) = (revision.display().to_string(), key.display().to_string());
    // The key never lies among the checkpoints it signs.
    let refused = varna(&[
        "serve",
        "--database-url",
        &url,
        "--checkpoint-dir",
        &revision_s,
        "--checkpoint-key",
        &revision.join("k.key").display().to_string(),
    ]);
    assert!(
        text(&refused).contains("must not lie in --checkpoint-dir"),
        "{}",
        text(&refused)
    );
    let server = common::Server::start(
        &url,
        &[
            "--checkpoint-dir",
            &revision_s,
            "--checkpoint-key",
            &key_s,
            "--checkpoint-interval",
            "1s",
        ],
        &[],
        tempfile::tempdir().expect("temp dir"),
    );
    let manager = common::token(Role::UnitManager, &["linden"]);
    let filed = server.graphql(
        &manager,
        r#"mutation { fileCase(input: { workflow: "avvikelse", lagrum: SOL, unit: "linden", fields: { what_happened: "Fall", occurred_on: "2026-03-01", category: "fall" } }) { caseId } }"#,
        &serde_json::json!({}),
    );
    assert!(filed["errors"].is_null(), "{filed}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let signed = || {
        std::fs::read_dir(&revision).is_ok_and(|d| {
            d.flatten().any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("checkpoint-000000000001-")
            })
        })
    };
    while !signed() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(signed(), "a checkpoint after the filing");
    drop(server);
    let public = varna(&["audit", "key", "--key", &key_s]);
    let public_key = String::from_utf8_lossy(&public.stdout).trim().to_owned();
    let out = varna(&[
        "audit",
        "verify",
        "--database-url",
        &url,
        "--checkpoints",
        &revision_s,
        "--public-key",
        &public_key,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("the log extends all"), "{}", text(&out));
}

/// Rotation: a new key signs from its first checkpoint on; the old key's
/// checkpoints stay, and the log is checked against both keys' checkpoints
/// with both public keys (the old one alone does not vouch for the new).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_key_rotation_both_keys_checkpoints_are_checked() {
    let s = signed().await;
    let new_key = s._dir.path().join("keys/checkpoint-2027.key");
    let new_key_s = new_key.display().to_string();
    let checkpoints_s = s.checkpoints.display().to_string();
    file_avvikelser(&s.url, 1).await;
    let rotated = varna(&[
        "audit",
        "checkpoint",
        "--key",
        &new_key_s,
        "--dir",
        &checkpoints_s,
        "--origin",
        "varna.exempelkommun.se/audit",
        "--database-url",
        &s.url,
    ]);
    assert!(
        text(&rotated).contains("checkpoint at 6 events written"),
        "{}",
        text(&rotated)
    );
    let public = varna(&["audit", "key", "--key", &new_key_s]);
    let new_public = String::from_utf8_lossy(&public.stdout).trim().to_owned();
    assert_ne!(new_public, s.public_key);
    let verify = |keys: &[&str]| {
        let mut args = vec![
            "audit",
            "verify",
            "--database-url",
            &s.url,
            "--checkpoints",
            &checkpoints_s,
        ];
        for k in keys {
            args.extend(["--public-key", k]);
        }
        varna(&args)
    };
    let old_only = verify(&[&s.public_key]);
    assert_ne!(old_only.status.code(), Some(0), "{}", text(&old_only));
    let both = verify(&[&s.public_key, &new_public]);
    assert!(both.status.success(), "{}", text(&both));
    assert!(
        text(&both).contains("the log extends all 3 signed checkpoints"),
        "{}",
        text(&both)
    );
    let script = root().join("tools/audit_verify.py").display().to_string();
    let db = s.db.display().to_string();
    let out = python(&[
        &script,
        &db,
        "--public-key",
        &s.public_key,
        "--public-key",
        &new_public,
        "--checkpoints",
        &checkpoints_s,
    ]);
    assert!(
        out.status.success() && text(&out).contains("the log extends all 3 signed checkpoints"),
        "{}",
        text(&out)
    );
}

/// Records a read of each case (as the server does before answering).
async fn read(url: &str, ids: &[String]) {
    let store = Store::open(&StoreConfig::new(url), &catalog())
        .await
        .expect("opens");
    for id in ids {
        store
            .record_access(varna_store::NewAccess {
                actor_id: "sas-1".into(),
                role: Role::Sas,
                case_id: varna_store::CaseId::parse(id).expect("an id"),
                purpose: "case_view".into(),
                at: chrono::Utc::now(),
            })
            .await
            .expect("logged");
    }
    store.close().await.expect("closes");
}

fn sql(db: &Path, statement: &str) {
    let out = python(&[
        "-c",
        "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); n=c.execute(sys.argv[2]).rowcount; c.commit(); assert n > 0, n",
        &db.display().to_string(),
        statement,
    ]);
    assert!(out.status.success(), "{statement}: {}", text(&out));
}

/// The access log has a chain of its own: a read deleted from the middle
/// shows to both verifiers on their own; the newest reads deleted with the
/// chain's end moved back show against a signed checkpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_read_in_the_access_log_is_caught() {
    let s = signed().await;
    read(&s.url, &s.ids).await;
    let key = s
        ._dir
        .path()
        .join("keys/checkpoint.key")
        .display()
        .to_string();
    let checkpoints = s.checkpoints.display().to_string();
    let signed_reads = varna(&[
        "audit",
        "checkpoint",
        "--key",
        &key,
        "--dir",
        &checkpoints,
        "--database-url",
        &s.url,
    ]);
    assert!(
        text(&signed_reads).contains("checkpoint at 5 events written"),
        "{}",
        text(&signed_reads)
    );
    assert!(s.verify_with_checkpoints().status.success());
    assert!(
        s.python_verify().status.success(),
        "{}",
        text(&s.python_verify())
    );

    // The newest two reads deleted and the chain's end moved back to the
    // third: the chain alone still ends where its head says.
    sql(
        &s.db,
        "DELETE FROM access_log WHERE chain_seq > (SELECT MAX(chain_seq) - 2 FROM access_log)",
    );
    sql(
        &s.db,
        "UPDATE access_head SET seq = (SELECT MAX(chain_seq) FROM access_log), hash = (SELECT hash FROM access_log WHERE chain_seq = (SELECT MAX(chain_seq) FROM access_log)) WHERE id = 1",
    );
    let plain = s.verify();
    assert!(plain.status.success(), "{}", text(&plain));
    let out = s.verify_with_checkpoints();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("the access log's chain is broken")
            && text(&out).contains("were deleted"),
        "{}",
        text(&out)
    );
    let out = s.python_verify();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("were deleted (signed checkpoint)"),
        "{}",
        text(&out)
    );

    // A read deleted from the middle shows without any checkpoint.
    sql(&s.db, "DELETE FROM access_log WHERE chain_seq = 1");
    let plain = s.verify();
    assert_eq!(plain.status.code(), Some(1), "{}", text(&plain));
    assert!(
        text(&plain).contains("the access log's chain is broken"),
        "{}",
        text(&plain)
    );
    let out = python(&[
        &root().join("tools/audit_verify.py").display().to_string(),
        &s.db.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("reads 1 to 1 are missing"),
        "{}",
        text(&out)
    );
}

/// The organisation's record of changes has a chain of its own: `varna
/// units add` records each change (a unit added, renamed, moved), both
/// verifiers agree on it, and a change edited or deleted afterwards shows
/// to both.
#[test]
fn an_edited_change_to_the_organisation_is_caught_by_both_verifiers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("org.db");
    let url = format!("sqlite://{}?mode=rwc", db.display());
    common::add_linden(&url);
    let add = |name: &str, area: &str| {
        varna(&[
            "units",
            "add",
            "linden",
            "--name",
            name,
            "--area",
            area,
            "--area-name",
            "Vård och omsorg",
            "--database-url",
            &url,
        ])
    };
    let moved = add("Lindens vårdboende", "vard");
    assert!(moved.status.success(), "{}", text(&moved));
    for line in [
        "area_added vard",
        "unit_renamed linden",
        "unit_moved linden",
    ] {
        assert!(text(&moved).contains(line), "{line}: {}", text(&moved));
    }
    let again = add("Lindens vårdboende", "vard");
    assert!(
        text(&again).contains("nothing to change"),
        "{}",
        text(&again)
    );
    let script = root().join("tools/audit_verify.py").display().to_string();
    let path = db.display().to_string();
    let both = |expect_ok: bool, words: &str| {
        let rust = varna(&["audit", "verify", "--database-url", &url]);
        let py = python(&[&script, &path]);
        for out in [&rust, &py] {
            assert_eq!(out.status.success(), expect_ok, "{}", text(out));
            assert!(text(out).contains(words), "{words}: {}", text(out));
        }
    };
    both(true, "intact");
    sql(
        &db,
        "UPDATE org_change SET from_area_id = 'lss' WHERE change = 'unit_moved'",
    );
    both(false, "organisation's chain is broken");
    sql(
        &db,
        "UPDATE org_change SET from_area_id = 'aldreomsorg' WHERE change = 'unit_moved'",
    );
    both(true, "intact");
    sql(
        &db,
        "DELETE FROM org_change WHERE seq = (SELECT MAX(seq) FROM org_change)",
    );
    both(false, "organisation's chain");
}
