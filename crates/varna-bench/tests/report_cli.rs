//! `varna-bench seed`, `varna report` and `varna-bench report` as an
//! operator runs them (`varna` through `varna-bench varna`, the same
//! library code), on SQLite and PostgreSQL: a generated organisation
//! whose audit chain verifies, whose report survives a projection rebuild
//! unchanged, and whose exports are complete files; plus the errors.

mod common;

use std::path::Path;

use common::{bench, ok, text, varna, varna_ok};
use serde_json::Value;
use varna_testkit::PgCluster;

fn json_report(url: &str) -> Value {
    let out = varna_ok(&[
        "report",
        "--year",
        "2025",
        "--format",
        "json",
        "--database-url",
        url,
    ]);
    serde_json::from_str(&out).expect("the JSON export parses")
}

/// Whether the text holds anything shaped like a personnummer (YYYYMMDD-NNNN).
fn has_personnummer(text: &str) -> bool {
    text.as_bytes().windows(13).any(|w| {
        w[..8].iter().all(u8::is_ascii_digit)
            && w[8] == b'-'
            && w[9..].iter().all(u8::is_ascii_digit)
    })
}

fn sum(report: &Value, table: &str, field: &str) -> i64 {
    report[table]
        .as_array()
        .expect(table)
        .iter()
        .filter_map(|r| r[field].as_i64())
        .sum()
}

/// Seeds, verifies, reports in every format, rebuilds and reports again.
fn seeded_organisation_reports_consistently(url: &str, dir: &Path) {
    let seeded = ok(&[
        "seed",
        "--cases",
        "3000",
        "--from-year",
        "2024",
        "--years",
        "2",
        "--database-url",
        url,
    ]);
    assert!(seeded.contains("seeded 3000 cases"), "{seeded}");
    let again = bench(&["seed", "--cases", "10", "--database-url", url]);
    assert!(!again.status.success());
    assert!(
        text(&again).contains("already has 3000 cases"),
        "{}",
        text(&again)
    );

    let verified = varna_ok(&["audit", "verify", "--database-url", url]);
    assert!(verified.contains("audit chain intact"), "{verified}");

    let before = json_report(url);
    assert_eq!(before["year"], 2025);
    // The same cases counted two ways: per lagrum and month by month per unit.
    let per_lagrum = sum(&before, "perLagrum", "count");
    assert_eq!(per_lagrum, sum(&before, "monthlyByUnit", "total"));
    assert!(
        per_lagrum > 1_000,
        "about half the 3,000 cases fall in 2025: {per_lagrum}"
    );
    let previous = sum(&before, "perLagrum", "previousYear");
    assert_eq!(per_lagrum + previous, 3000, "every case is in 2024 or 2025");
    let sarah: i64 = before["ivo"]
        .as_array()
        .expect("ivo")
        .iter()
        .filter_map(|r| r["cases"].as_i64())
        .sum();
    assert_eq!(before["repeats"]["investigated"].as_i64(), Some(sarah));

    varna_ok(&["projections", "rebuild", "--database-url", url]);
    let mut after = json_report(url);
    after["generatedAt"] = before["generatedAt"].clone();
    assert_eq!(before, after, "the report is the same after a rebuild");

    for (format, marker) in [
        ("csv", "section,kind,group,key,label,measure,value"),
        ("html", "</html>"),
        ("json", "\"perLagrum\""),
    ] {
        let path = dir.join(format!("report.{format}"));
        let said = varna_ok(&[
            "report",
            "--year",
            "2025",
            "--scope",
            "area:aldreomsorg",
            "--format",
            format,
            "--output",
            path.to_str().expect("utf-8 path"),
            "--database-url",
            url,
        ]);
        assert!(said.contains("written to"), "{said}");
        let file = std::fs::read_to_string(&path).expect("report file");
        assert!(
            file.contains(marker),
            "{format}: {}",
            &file[..file.len().min(300)]
        );
        assert!(
            !has_personnummer(&file),
            "{format}: a personnummer in the export"
        );
    }

    let timed = ok(&[
        "report",
        "--year",
        "2025",
        "--runs",
        "2",
        "--database-url",
        url,
    ]);
    assert!(timed.contains("median"), "{timed}");
}

#[test]
fn seed_report_and_rebuild_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    seeded_organisation_reports_consistently(&url, dir.path());
}

#[test]
fn seed_report_and_rebuild_on_postgres() {
    let Some(cluster) = PgCluster::start_or_skip("report_cli::seed_report_and_rebuild_on_postgres")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    seeded_organisation_reports_consistently(&cluster.url(), dir.path());
}

#[test]
fn report_arguments_are_checked_with_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/r.db?mode=rwc", dir.path().display());
    common::add_linden(&url);
    for (args, expected) in [
        (vec!["--scope", "team:x"], "area:ID"),
        (vec!["--format", "pdf"], "csv"),
        (vec!["--scope", "unit:nowhere"], "unit nowhere"),
        (vec!["--scope", "area:nowhere"], "verksamhetsområde nowhere"),
    ] {
        let mut all = vec!["report", "--year", "2025", "--database-url", &url];
        all.extend(args.iter().copied());
        let out = varna(&all);
        assert!(!out.status.success(), "{all:?}");
        assert!(text(&out).contains(expected), "{all:?}: {}", text(&out));
    }
    let missing = format!("sqlite://{}/missing.db", dir.path().display());
    let out = varna(&["report", "--year", "2025", "--database-url", &missing]);
    assert!(text(&out).contains("no database file"), "{}", text(&out));
    let empty = varna_ok(&[
        "report",
        "--year",
        "2025",
        "--format",
        "csv",
        "--database-url",
        &url,
    ]);
    assert!(
        empty.starts_with("section,kind,group,key,label,measure,value"),
        "{empty}"
    );
}
