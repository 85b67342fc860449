//! `varna import` as a municipality's systemförvaltare runs it on the
//! shipped sample (docs/import/sample.csv: every kind of case over three
//! years, and three bad rows): the bad rows refuse the whole file with
//! their row numbers and change nothing; with --skip-bad-rows the rest
//! come in, one `imported` event each naming the file and the row; the
//! quality report of each year counts exactly what the file says; the
//! same file again changes nothing; the chain and the projections verify.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{ok, text, varna};
use varna_report::Scope;
use varna_store::queries::CaseFilter;
use varna_store::{Store, StoreConfig};

/// The sample's bad rows: an unknown unit, an outcome lex Sarah does not
/// have, and a month that does not exist.
const BAD: [(u64, &str); 3] = [(22, "unit"), (23, "outcome"), (24, "reported_on")];

fn sample() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/import/sample.csv")
        .display()
        .to_string()
}

/// What the file says, counted here from its text: per (year, kind,
/// lagrum) the cases; per (year, kind, outcome) the rulings (`ongoing`
/// when open without one, `closed_without_ruling` when closed without);
/// per (year, kind) those sent to IVO; per (year, feedback kind) the
/// complaints.
#[derive(Default)]
struct Expected {
    cases: BTreeMap<(i32, String, String), i64>,
    outcomes: BTreeMap<(i32, String, String), i64>,
    ivo: BTreeMap<(i32, String), i64>,
    feedback: BTreeMap<(i32, String), i64>,
}

fn expected() -> Expected {
    let mut reader = csv::Reader::from_path(sample()).expect("the sample");
    let mut e = Expected::default();
    let ruled = ["lex-sarah", "lex-maria", "kommunal-anmalan"];
    for (n, record) in reader.deserialize::<BTreeMap<String, String>>().enumerate() {
        let row = record.expect("a row");
        if BAD.iter().any(|(bad, _)| *bad == n as u64 + 1) {
            continue;
        }
        let year: i32 = row["reported_on"][..4].parse().expect("a year");
        let kind = row["kind"].clone();
        *e.cases
            .entry((year, kind.clone(), row["lagrum"].clone()))
            .or_default() += 1;
        if ruled.contains(&kind.as_str()) {
            let outcome = match (row["outcome"].as_str(), row["closed_on"].is_empty()) {
                ("", true) => "ongoing".to_owned(),
                ("", false) => "closed_without_ruling".to_owned(),
                (o, _) => o.to_owned(),
            };
            *e.outcomes.entry((year, kind.clone(), outcome)).or_default() += 1;
        }
        if !row["anmalan_sent_on"].is_empty() {
            *e.ivo.entry((year, kind.clone())).or_default() += 1;
        }
        if kind == "klagomal" {
            *e.feedback
                .entry((year, row["feedback_kind"].clone()))
                .or_default() += 1;
        }
    }
    e
}

async fn store(url: &str) -> Store {
    Store::open(&StoreConfig::new(url), &varna_testkit::shipped_catalog())
        .await
        .expect("opens")
}

/// Registers the sample's units in the database at `url`.
fn add_units(url: &str) {
    for (id, name, area) in [
        ("linden", "Lindens vård- och omsorgsboende", "aldreomsorg"),
        ("hemtjanst-norr", "Hemtjänst Norr", "hemtjanst"),
        ("lss-solrosen", "Gruppbostaden Solrosen", "lss"),
        ("hsl-hemsjukvard", "Kommunal hemsjukvård", "hsl"),
    ] {
        ok(&[
            "units",
            "add",
            id,
            "--name",
            name,
            "--area",
            area,
            "--area-name",
            area,
            "--database-url",
            url,
        ]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn earlier_years_come_in_row_by_row_and_the_report_counts_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/v.db?mode=rwc", dir.path().display());
    add_units(&url);
    let sample = sample();

    // Bad rows: listed by row and column, and nothing imported.
    let refused = varna(&["import", &sample, "--database-url", &url]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    for (row, column) in BAD {
        assert!(
            text(&refused).contains(&format!("row {row}, column {column}:")),
            "row {row}: {}",
            text(&refused)
        );
    }
    assert!(
        text(&refused).contains("3 of 24 rows are bad: nothing was imported"),
        "{}",
        text(&refused)
    );
    let s = store(&url).await;
    let all = CaseFilter::default();
    assert_eq!(s.count_cases(&all).await.expect("count"), 0);
    s.close().await.expect("closes");

    // The rest, with the bad ones skipped.
    let imported = ok(&["import", &sample, "--skip-bad-rows", "--database-url", &url]);
    assert!(
        imported.contains("imported 21 cases") && imported.contains("3 bad rows skipped"),
        "{imported}"
    );

    let s = store(&url).await;
    let catalog = varna_testkit::shipped_catalog();
    let e = expected();
    for year in 2023..=2025 {
        let data = s
            .report_data(year, &Scope::Organisation, chrono::Utc::now())
            .await
            .expect("report data");
        let report = varna_report::build(&data, &catalog);
        let cases: BTreeMap<(i32, String, String), i64> = report
            .per_lagrum
            .iter()
            .filter(|r| r.count > 0)
            .map(|r| ((year, r.kind.clone(), r.lagrum.clone()), r.count))
            .collect();
        let want = |m: &BTreeMap<(i32, String, String), i64>| -> BTreeMap<_, _> {
            m.iter()
                .filter(|((y, _, _), _)| *y == year)
                .map(|(k, v)| (k.clone(), *v))
                .collect()
        };
        assert_eq!(cases, want(&e.cases), "{year}: cases per kind and lagrum");
        let outcomes: BTreeMap<(i32, String, String), i64> = report
            .outcomes
            .iter()
            .filter(|r| r.count > 0)
            .map(|r| ((year, r.kind.clone(), r.outcome.clone()), r.count))
            .collect();
        assert_eq!(outcomes, want(&e.outcomes), "{year}: outcomes");
        for row in &report.ivo {
            let sent = e.ivo.get(&(year, row.kind.clone())).copied().unwrap_or(0);
            assert_eq!(row.reported, sent, "{year}: {} sent to IVO", row.kind);
        }
        let mut feedback: BTreeMap<(i32, String), i64> = BTreeMap::new();
        for row in &report.complaints {
            *feedback
                .entry((year, row.feedback_kind.clone()))
                .or_default() += row.count;
        }
        feedback.retain(|_, n| *n > 0);
        let wanted: BTreeMap<(i32, String), i64> = e
            .feedback
            .iter()
            .filter(|((y, _), _)| *y == year)
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        assert_eq!(feedback, wanted, "{year}: complaints by kind");
    }
    // Each case says where it came from.
    let page = s.cases(&all, 100, None).await.expect("cases");
    assert_eq!(page.items.len(), 21);
    let digest = varna_chain::content_digest(&std::fs::read(&sample).expect("reads"));
    let mut rows = Vec::new();
    for case in &page.items {
        let history = s.history(&case.id).await.expect("history");
        assert_eq!(history.len(), 1, "one event each");
        let varna_workflow::EventKind::Imported { source, .. } = &history[0].event.kind else {
            panic!("not imported: {:?}", history[0].event.kind);
        };
        assert_eq!(source.file, digest);
        rows.push(source.row);
    }
    rows.sort_unstable();
    assert_eq!(rows, (1..=21).collect::<Vec<u64>>(), "every good row, once");
    let events = s.count_cases(&all).await.expect("count");
    s.close().await.expect("closes");

    // The same file again changes nothing.
    let again = ok(&["import", &sample, "--skip-bad-rows", "--database-url", &url]);
    assert!(again.contains("was imported already"), "{again}");
    let s = store(&url).await;
    assert_eq!(s.count_cases(&all).await.expect("count"), events);
    s.close().await.expect("closes");

    // An import cut off before it finished (its file not yet recorded as
    // imported) resumes: each row names the same case, so none comes in twice.
    let db = dir.path().join("v.db").display().to_string();
    let forget = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DELETE FROM import_file'); c.commit()",
            &db,
        ])
        .output()
        .expect("python3 runs");
    assert!(forget.status.success(), "{}", text(&forget));
    let resumed = ok(&["import", &sample, "--skip-bad-rows", "--database-url", &url]);
    assert!(
        resumed.contains("imported 0 cases") && resumed.contains("21 were already in"),
        "{resumed}"
    );
    let s = store(&url).await;
    assert_eq!(s.count_cases(&all).await.expect("count"), events);
    s.close().await.expect("closes");

    assert!(ok(&["audit", "verify", "--database-url", &url]).contains("intact"));
    ok(&["projections", "check", "--database-url", &url]);
}

/// Each imported case of the database at `url` by the row it came from:
/// what its `imported` event says (lifecycle, lagrum, unit, state, fields
/// and dates).
async fn by_row(url: &str) -> BTreeMap<u64, String> {
    let s = store(url).await;
    let page = s
        .cases(&CaseFilter::default(), 100, None)
        .await
        .expect("cases");
    let mut rows = BTreeMap::new();
    for case in &page.items {
        let history = s.history(&case.id).await.expect("history");
        // The event as it reads, but for the file's digest, which differs
        // between the files compared.
        let mut kind = history[0].event.kind.clone();
        let varna_workflow::EventKind::Imported { source, .. } = &mut kind else {
            panic!("not imported: {kind:?}");
        };
        let row = source.row;
        source.file.clear();
        rows.insert(row, format!("{kind:?}"));
    }
    s.close().await.expect("closes");
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_cases_come_in_from_csv_with_commas_or_semicolons_and_from_json_lines() {
    // The sample, with a first row whose text has a comma, quotes, a
    // semicolon and a line break: a cell a CSV writer must quote.
    let mut reader = csv::Reader::from_path(sample()).expect("the sample");
    let headers: Vec<String> = reader
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a row").iter().map(str::to_owned).collect())
        .collect();
    let text = headers
        .iter()
        .position(|h| h == "what_happened")
        .expect("the column");
    let tricky = "Föll, sa \"aj\"; reste sig\nmed hjälp";
    rows[0][text] = tricky.to_owned();

    let dir = tempfile::tempdir().expect("temp dir");
    let write_csv = |name: &str, delimiter: u8| {
        let path = dir.path().join(name);
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_path(&path)
            .expect("writes");
        w.write_record(&headers).expect("writes");
        for row in &rows {
            w.write_record(row).expect("writes");
        }
        w.flush().expect("writes");
        path
    };
    let comma = write_csv("comma.csv", b',');
    let semicolon = write_csv("semicolon.csv", b';');
    let lines = dir.path().join("lines.jsonl");
    let mut jsonl = String::new();
    for row in &rows {
        let object: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .zip(row)
            .filter(|(_, v)| !v.is_empty())
            .map(|(h, v)| (h.clone(), serde_json::Value::String(v.clone())))
            .collect();
        jsonl.push_str(&serde_json::Value::Object(object).to_string());
        jsonl.push('\n');
    }
    // A blank line at the end is no row.
    jsonl.push('\n');
    std::fs::write(&lines, jsonl).expect("writes");

    let mut seen = Vec::new();
    for (n, file) in [comma, semicolon, lines].iter().enumerate() {
        let url = format!("sqlite://{}/v{n}.db?mode=rwc", dir.path().display());
        add_units(&url);
        let out = ok(&[
            "import",
            &file.display().to_string(),
            "--skip-bad-rows",
            "--database-url",
            &url,
        ]);
        assert!(
            out.contains("imported 21 cases"),
            "{}: {out}",
            file.display()
        );
        let cases = by_row(&url).await;
        assert_eq!(cases.len(), 21, "{}", file.display());
        assert!(
            cases[&1].contains(&format!("{tricky:?}")),
            "{}: {}",
            file.display(),
            cases[&1]
        );
        seen.push(cases);
    }
    assert_eq!(seen[0], seen[1], "commas and semicolons");
    assert_eq!(seen[0], seen[2], "CSV and JSON Lines");
}

/// After an import into PostgreSQL the planner knows how the tables are
/// filled: a server started next plans its case pages with statistics,
/// not as if the tables were empty (which read a unit's whole list to
/// show twenty; BENCHMARKS.md). A projections rebuild leaves them too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_into_postgres_leaves_the_planner_statistics() {
    let Some(pg) = varna_testkit::PgCluster::start_or_skip(
        "an_import_into_postgres_leaves_the_planner_statistics",
    ) else {
        return;
    };
    let url = pg.url();
    add_units(&url);
    let psql = |sql: &str| {
        let out = std::process::Command::new(pg.bin_dir().join("psql"))
            .args(["-qAt", "-v", "ON_ERROR_STOP=1", &url, "-c", sql])
            .output()
            .expect("psql runs");
        assert!(out.status.success(), "{sql}: {}", text(&out));
    };
    // How many columns of `cases` the planner has statistics for.
    let known = || {
        let out = std::process::Command::new(pg.bin_dir().join("psql"))
            .args(["-qAt", "-v", "ON_ERROR_STOP=1", &url, "-c"])
            .arg("SELECT count(*) FROM pg_stats WHERE tablename = 'cases'")
            .output()
            .expect("psql runs");
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<u32>()
            .expect("a count")
    };
    assert_eq!(known(), 0, "no statistics before the import");
    // Autovacuum is not to analyze the table meanwhile.
    psql("ALTER TABLE cases SET (autovacuum_enabled = off)");
    let out = varna(&[
        "import",
        &sample(),
        "--skip-bad-rows",
        "--database-url",
        &url,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(known() > 0, "the import left the planner's statistics");
    psql("DELETE FROM pg_statistic WHERE starelid = 'cases'::regclass");
    assert_eq!(known(), 0);
    ok(&["projections", "rebuild", "--database-url", &url]);
    assert!(known() > 0, "the rebuild left the planner's statistics");
}
