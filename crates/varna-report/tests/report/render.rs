//! The exports: reviewed snapshots of the CSV and HTML, and the properties
//! every export must keep whatever the data (complete, parseable, escaped,
//! self-contained).

use std::path::PathBuf;

use varna_report::{CSV_HEADER, Format, QualityReport, build, render};

use crate::{catalog, data};

fn report() -> QualityReport {
    build(&data(), &catalog())
}

/// Compares with `tests/snapshots/<name>`, or rewrites it when
/// `UPDATE_EXPECT=1`.
fn snapshot(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).expect("snapshot written");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_EXPECT=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from the snapshot at line {}:\n  expected: {:?}\n  actual:   {:?}\n\
             review the change and run with UPDATE_EXPECT=1 to accept it",
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn csv_matches_the_snapshot() {
    snapshot("report.csv", &render(&report(), Format::Csv));
}

#[test]
fn html_matches_the_snapshot() {
    snapshot("report.html", &render(&report(), Format::Html));
}

#[test]
fn csv_is_one_tidy_table_that_holds_every_count() {
    let r = report();
    let text = render(&r, Format::Csv);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        CSV_HEADER
    );
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|r| r.expect("a valid record"))
        .collect();
    assert!(rows.iter().all(|row| row.len() == CSV_HEADER.len()));
    let value = |section: &str, kind: &str, key: &str, measure: &str| -> Vec<String> {
        rows.iter()
            .filter(|row| {
                row[0] == *section && row[1] == *kind && row[3] == *key && row[5] == *measure
            })
            .map(|row| row[6].to_owned())
            .collect()
    };
    let per_lagrum: i64 = rows
        .iter()
        .filter(|row| &row[0] == "per_lagrum" && &row[5] == "count")
        .map(|row| row[6].parse::<i64>().expect("a count"))
        .sum();
    assert_eq!(
        per_lagrum,
        r.per_lagrum.iter().map(|l| l.count).sum::<i64>()
    );
    assert_eq!(value("outcomes", "lex-sarah", "ongoing", "count"), ["2"]);
    assert_eq!(value("ivo", "lex-sarah", "", "share"), ["0.3333"]);
    assert_eq!(value("monthly", "", "norr", "2025-03"), ["4"]);
    assert_eq!(
        value("repeat_cases", "lex-sarah", "c2", "earlier_case_ids"),
        ["c1;a9"]
    );
    assert_eq!(
        value("lead_times", "lex-sarah", "ivo_anmalan", "median_hours"),
        [""]
    );
}

#[test]
fn csv_defuses_cells_a_spreadsheet_would_run() {
    let mut d = data();
    d.units[0].name = "=HYPERLINK(\"http://example.invalid\")".into();
    let text = render(&build(&d, &catalog()), Format::Csv);
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(!text.contains(",=HYPERLINK"), "{text}");
}

#[test]
fn json_has_the_graphql_field_names() {
    let r = report();
    let json: serde_json::Value =
        serde_json::from_str(&render(&r, Format::Json)).expect("JSON parses");
    assert_eq!(json["year"], 2025);
    assert_eq!(json["perLagrum"][0]["previousYear"], 12);
    assert_eq!(json["monthlyByUnit"][0]["counts"][1], 4);
    assert_eq!(json["repeats"]["cases"][1]["earlierCaseIds"][0], "c1");
    assert_eq!(json["leadTimes"][0]["medianHours"], serde_json::Value::Null);
}

#[test]
fn html_is_self_contained_accessible_and_escaped() {
    let html = render(&report(), Format::Html);
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"sv\">"));
    assert!(html.ends_with("</html>\n"));
    for banned in [
        "<script", "http:", "https:", "src=", "href=", "@import", "url(",
    ] {
        assert!(!html.contains(banned), "{banned} in the HTML");
    }
    assert!(
        html.contains("Ekbacken &lt;&quot;&amp;&quot;&gt;"),
        "unit names are escaped"
    );
    assert!(!html.contains("Ekbacken <"), "no raw markup from data");
    assert!(html.contains("@media print"));
    for heading in [
        "Ärenden per lagrum",
        "Bedömningar",
        "Anmälningar till IVO",
        "Handläggningstider",
        "Upprepade händelser",
    ] {
        assert!(html.contains(&format!(">{heading}</h2>")), "{heading}");
    }
    let svgs = html.matches("<svg ").count();
    assert_eq!(
        svgs,
        html.matches("role=\"img\"").count(),
        "every chart is labelled"
    );
    assert!(
        html.matches("<polyline").count() >= 3,
        "line charts of the monthly series"
    );
    assert!(html.matches("<rect").count() >= 7, "bar charts");
    assert_eq!(
        html.matches("<table>").count(),
        html.matches("<caption>").count()
    );
}

#[test]
fn an_empty_year_renders_in_every_format() {
    let mut d = data();
    d.tallies.clear();
    d.investigated.clear();
    d.repeats.clear();
    let r = build(&d, &catalog());
    for format in Format::ALL {
        let out = render(&r, format);
        assert!(!out.is_empty(), "{format}");
    }
    let html = render(&r, Format::Html);
    assert!(!html.contains("<polyline"), "no chart without data");
    assert!(html.contains("inga ärenden"));
}

#[test]
fn long_tables_are_cut_in_html_but_complete_in_csv() {
    let mut d = data();
    let template = d.tallies[0].clone();
    for i in 0..40 {
        let mut t = template.clone();
        t.unit_id = format!("enhet-{i:02}");
        d.tallies.push(t);
    }
    let r = build(&d, &catalog());
    assert_eq!(r.monthly_by_unit.len(), 43);
    let html = render(&r, Format::Html);
    assert!(
        html.contains("Ytterligare 13 enheter finns i CSV- och JSON-exporten."),
        "{html}"
    );
    let csv = render(&r, Format::Csv);
    let units: std::collections::BTreeSet<&str> = csv
        .lines()
        .filter(|l| l.starts_with("monthly,,unit,"))
        .filter_map(|l| l.split(',').nth(3))
        .collect();
    assert_eq!(units.len(), 43);
}
