//! `varna archive export` on a real database file: closed cases become
//! E-ARK submission information packages that `tools/sip_verify.py`
//! accepts on their own — every file listed with its true size and
//! SHA-256, the events recomputing their chain, the global links ending at
//! the signed checkpoint — and any change to a package is caught. Open and
//! disposed-of cases are refused and nothing is written for them.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use common::{load_events_format_1, ok, sqlite_query, text, varna};
use sha2::{Digest as _, Sha256};
use varna_store::{Store, StoreConfig};

struct Demo {
    _dir: tempfile::TempDir,
    db: PathBuf,
    url: String,
    checkpoints: PathBuf,
    public_key: String,
    out: PathBuf,
}

/// The demo organisation on a database file, with a signed checkpoint.
async fn demo() -> Demo {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("varna.db");
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let store = Store::open(
        &StoreConfig::new(url.clone()),
        &varna_testkit::shipped_catalog(),
    )
    .await
    .expect("opens");
    varna::demo::load(&store, Utc::now())
        .await
        .expect("demo loads");
    store.close().await.expect("closes");
    let key = dir.path().join("checkpoint.key").display().to_string();
    let checkpoints = dir.path().join("checkpoints");
    ok(&[
        "audit",
        "checkpoint",
        "--key",
        &key,
        "--dir",
        &checkpoints.display().to_string(),
        "--database-url",
        &url,
    ]);
    let public_key = ok(&["audit", "key", "--key", &key]).trim().to_owned();
    let out = dir.path().join("leverans");
    Demo {
        db,
        url,
        checkpoints,
        public_key,
        out,
        _dir: dir,
    }
}

/// The year in Sweden of each stored timestamp (Python's own time zone
/// database, not Varna's).
fn swedish_years(stamps: &[String]) -> Vec<String> {
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, datetime, zoneinfo\n\
             tz = zoneinfo.ZoneInfo('Europe/Stockholm')\n\
             for s in sys.argv[1:]:\n    \
             t = datetime.datetime.fromisoformat(s.replace(' ', 'T'))\n    \
             t = t if t.tzinfo else t.replace(tzinfo=datetime.timezone.utc)\n    \
             print(t.astimezone(tz).year)\n",
        )
        .args(stamps)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn sip_verify(packages: &Path, key: Option<&str>) -> std::process::Output {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/sip_verify.py");
    let mut command = Command::new("python3");
    command.arg(tool).arg(packages);
    if let Some(key) = key {
        command.args(["--public-key", key]);
    }
    command.output().expect("python3 runs")
}

/// The package folders under `out`.
fn packages(out: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(out)
        .expect("the output folder")
        .map(|e| e.expect("entry").path())
        .collect();
    found.sort();
    found
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("named"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// Rewrites the manifest's entry for `file` to its new size and SHA-256,
/// as someone covering their tracks would.
fn relist(package: &Path, file: &str) {
    let bytes = std::fs::read(package.join(file)).expect("file");
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mets_path = package.join("METS.xml");
    let mets = std::fs::read_to_string(&mets_path).expect("METS");
    let at = mets
        .find(&format!("xlink:href=\"{file}\""))
        .expect("listed");
    // The element that carries SIZE and CHECKSUM: the file (its FLocat
    // holds the path) or the mdRef itself.
    let start = ["<mets:file ", "<mets:mdRef "]
        .iter()
        .filter_map(|tag| mets[..at].rfind(tag))
        .max()
        .expect("its element");
    let element = &mets[start..];
    let element = &element[..element.find('>').expect("closed")];
    let mut fixed = element.to_owned();
    for (attr, value) in [("SIZE", bytes.len().to_string()), ("CHECKSUM", digest)] {
        let from = fixed.find(&format!(" {attr}=\"")).expect("attribute") + attr.len() + 3;
        let to = from + fixed[from..].find('"').expect("quoted");
        fixed.replace_range(from..to, &value);
    }
    std::fs::write(&mets_path, mets.replacen(element, &fixed, 1)).expect("write");
}

#[tokio::test]
async fn closed_cases_become_packages_that_verify_on_their_own_and_any_change_is_caught() {
    let d = demo().await;
    // A closed lex Sarah case whose anmälan to IVO was frozen, and the
    // year it closed in.
    let rows = sqlite_query(
        &d.db,
        "SELECT c.id, c.closed_at FROM cases c JOIN document d ON d.case_id = c.id \
         WHERE c.is_closed = 1 AND c.kind = 'lex-sarah' LIMIT 1",
    );
    let (case, closed_at) = rows
        .first()
        .and_then(|r| r.split_once('\t'))
        .expect("the demo closes a lex Sarah case with its anmälan frozen");
    let year = &swedish_years(&[closed_at.to_owned()])[0];
    let exported = ok(&[
        "archive",
        "export",
        "--case",
        case,
        "--checkpoints",
        &d.checkpoints.display().to_string(),
        "--output",
        &d.out.display().to_string(),
        "--by",
        "arkivarie-anna",
        "--database-url",
        &d.url,
    ]);
    assert!(exported.contains("1 packages written"), "{exported}");
    // The export read the case: logged as the archivist's.
    assert_eq!(
        sqlite_query(
            &d.db,
            &format!(
                "SELECT actor_id, purpose FROM access_log WHERE case_id = '{case}' \
                 AND purpose = 'archive_export'"
            )
        ),
        ["arkivarie-anna\tarchive_export"]
    );
    let package = packages(&d.out).pop().expect("a package");
    for part in [
        "METS.xml",
        "metadata/descriptive/erms.xml",
        "metadata/preservation/global-chain.jsonl",
        "representations/rep1/data/events.jsonl",
        "representations/rep1/data/documents/anmalan.pdf",
    ] {
        assert!(package.join(part).is_file(), "{part} is missing");
    }
    // The frozen anmälan byte for byte as the store keeps it.
    let kept = sqlite_query(
        &d.db,
        &format!(
            "SELECT hex(content) FROM document WHERE case_id = '{case}' \
             AND document_id = 'anmalan' ORDER BY sequence DESC LIMIT 1"
        ),
    );
    let bytes = std::fs::read(package.join("representations/rep1/data/documents/anmalan.pdf"))
        .expect("the anmälan");
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(kept, [hex]);
    let erms =
        std::fs::read_to_string(package.join("metadata/descriptive/erms.xml")).expect("ERMS");
    assert!(
        erms.contains(&format!("systemIdentifier=\"{case}\"")),
        "{erms}"
    );
    assert!(erms.contains("aggregationType=\"caseFile\""));

    let checked = sip_verify(&package, Some(&d.public_key));
    assert!(checked.status.success(), "{}", text(&checked));
    assert!(
        text(&checked).contains("package intact") && text(&checked).contains("signature checked"),
        "{}",
        text(&checked)
    );

    // Each change to a copy is caught.
    let tamper = |name: &str, change: &dyn Fn(&Path)| {
        let copy = d
            .out
            .join("tampered")
            .join(package.file_name().expect("named"));
        let _ = std::fs::remove_dir_all(d.out.join("tampered"));
        copy_dir(&package, &copy);
        change(&copy);
        let out = sip_verify(&copy, Some(&d.public_key));
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out));
        text(&out)
    };
    let said = tamper("a changed document", &|p| {
        let path = p.join("representations/rep1/data/documents/anmalan.pdf");
        let mut b = std::fs::read(&path).expect("read");
        b[100] ^= 1;
        std::fs::write(&path, b).expect("write");
    });
    assert!(said.contains("SHA-256 does not match"), "{said}");
    let said = tamper("a file removed", &|p| {
        std::fs::remove_file(p.join("representations/rep1/data/documents/anmalan.pdf"))
            .expect("rm");
    });
    assert!(said.contains("listed but missing"), "{said}");
    let said = tamper("a file slipped in", &|p| {
        std::fs::write(p.join("representations/rep1/data/extra.txt"), "x").expect("write");
    });
    assert!(said.contains("not in the manifest"), "{said}");
    let said = tamper("an event edited and relisted", &|p| {
        let file = "representations/rep1/data/events.jsonl";
        let events = std::fs::read_to_string(p.join(file)).expect("events");
        let edited = events.replacen("\"actor_role\":\"sas\"", "\"actor_role\":\"mas\"", 1);
        assert_ne!(edited, events, "the case has a step by the SAS");
        std::fs::write(p.join(file), edited).expect("write");
        relist(p, file);
    });
    assert!(said.contains("does not match its hash"), "{said}");
    let said = tamper("the checkpoint of another log", &|p| {
        let dir = p.join("metadata/preservation");
        let note = std::fs::read_dir(&dir)
            .expect("read")
            .map(|e| e.expect("entry").path())
            .find(|n| {
                n.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("checkpoint-"))
            })
            .expect("a checkpoint");
        let t = std::fs::read_to_string(&note).expect("note");
        std::fs::write(&note, t.replacen('\n', "x\n", 1)).expect("write");
        let name = note
            .strip_prefix(p)
            .expect("inside")
            .to_string_lossy()
            .into_owned();
        relist(p, &name);
    });
    assert!(said.contains("signature"), "{said}");

    // A whole year: one package per case closed in it, every one intact.
    let year_out = d.out.join(format!("year-{year}"));
    let exported = ok(&[
        "archive",
        "export",
        "--year",
        year,
        "--output",
        &year_out.display().to_string(),
        "--checkpoints",
        &d.checkpoints.display().to_string(),
        "--by",
        "arkivarie-anna",
        "--database-url",
        &d.url,
    ]);
    let closed = sqlite_query(&d.db, "SELECT closed_at FROM cases WHERE is_closed = 1");
    let n = swedish_years(&closed).iter().filter(|y| *y == year).count();
    assert!(n >= 1);
    assert_eq!(packages(&year_out).len(), n, "{exported}");
    let checked = sip_verify(&year_out, Some(&d.public_key));
    assert!(checked.status.success(), "{}", text(&checked));
    assert_eq!(
        text(&checked).matches("package intact").count(),
        n,
        "{}",
        text(&checked)
    );
}

#[tokio::test]
async fn open_cases_and_bad_requests_are_refused_and_nothing_is_written() {
    let d = demo().await;
    let open = sqlite_query(&d.db, "SELECT id FROM cases WHERE is_closed = 0 LIMIT 1");
    let out_s = d.out.display().to_string();
    let refused = varna(&[
        "archive",
        "export",
        "--case",
        &open[0],
        "--output",
        &out_s,
        "--by",
        "arkivarie-anna",
        "--database-url",
        &d.url,
    ]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("it is open"), "{}", text(&refused));
    assert!(
        packages(&d.out).is_empty(),
        "nothing written for an open case"
    );
    let bad = varna(&[
        "archive",
        "export",
        "--case",
        "not-an-id",
        "--output",
        &out_s,
        "--by",
        "arkivarie-anna",
        "--database-url",
        &d.url,
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad).contains("is not a case id"), "{}", text(&bad));
    let neither = varna(&[
        "archive",
        "export",
        "--output",
        &out_s,
        "--by",
        "arkivarie-anna",
        "--database-url",
        &d.url,
    ]);
    assert_eq!(neither.status.code(), Some(2), "{}", text(&neither));
}

#[test]
fn cases_written_before_payload_digests_export_and_verify_too() {
    // A database made by the code before event format 2 (tests/gallring.rs).
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("varna.db");
    load_events_format_1(&db);
    let url = format!("sqlite://{}", db.display());
    let out = dir.path().join("out");
    ok(&[
        "archive",
        "export",
        "--year",
        "2025",
        "--output",
        &out.display().to_string(),
        "--by",
        "arkivarie-anna",
        "--database-url",
        &url,
    ]);
    let closed = sqlite_query(&db, "SELECT closed_at FROM cases WHERE is_closed = 1");
    let n = swedish_years(&closed)
        .iter()
        .filter(|y| *y == "2025")
        .count();
    assert!(n >= 2, "{closed:?}");
    assert_eq!(packages(&out).len(), n);
    let checked = sip_verify(&out, None);
    assert!(checked.status.success(), "{}", text(&checked));
    assert_eq!(text(&checked).matches("package intact").count(), n);
    // Version 1 events hash their payload itself: an edit is caught even
    // with the manifest rewritten to match.
    let package = packages(&out).remove(0);
    let file = "representations/rep1/data/events.jsonl";
    let t = std::fs::read_to_string(package.join(file)).expect("events");
    let edited = t.replacen("kvinna", "man", 1);
    assert_ne!(edited, t, "the case records the person's gender");
    std::fs::write(package.join(file), edited).expect("write");
    relist(&package, file);
    let said = sip_verify(&package, None);
    assert_eq!(said.status.code(), Some(1), "{}", text(&said));
    assert!(
        text(&said).contains("does not match its hash"),
        "{}",
        text(&said)
    );
}
