//! The report as a file: CSV (one tidy table), JSON (the model as is) or
//! HTML (see [`crate::html`]).

use std::fmt;
use std::str::FromStr;

use crate::model::QualityReport;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One long table: `section,kind,group,key,label,measure,value`.
    Csv,
    /// The report's structure, camelCase keys as in GraphQL.
    Json,
    /// One self-contained page with tables and SVG charts.
    Html,
}

/// A format name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report format \"{0}\": use one of csv, json, html")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "html" => Ok(Format::Html),
            _ => Err(UnknownFormat(s.to_owned())),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 3] = [Format::Csv, Format::Json, Format::Html];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Html => "html",
        }
    }

    /// The media type to serve it with.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        self.as_str()
    }
}

/// Renders the report in a format.
pub fn render(report: &QualityReport, format: Format) -> String {
    match format {
        Format::Csv => csv(report),
        Format::Json => {
            let mut text = serde_json::to_string_pretty(report)
                .expect("the report is plain data and always serialises");
            text.push('\n');
            text
        }
        Format::Html => crate::html::html(report),
    }
}

/// The CSV header.
pub const CSV_HEADER: [&str; 7] = [
    "section", "kind", "group", "key", "label", "measure", "value",
];

/// A number as CSV and JSON readers expect it: `.` decimals, no
/// trailing zeros, at most four decimals.
pub(crate) fn number(x: f64) -> String {
    let text = format!("{x:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Spreadsheet programs run cells that start with these as formulas.
fn guard(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// Collects rows that share the first five columns.
struct Rows {
    out: csv::Writer<Vec<u8>>,
}

impl Rows {
    fn write(&mut self, head: [&str; 5], measure: &str, value: &str) {
        let record = head.iter().copied().chain([measure, value]).map(guard);
        self.out
            .write_record(record)
            .expect("writing to memory cannot fail");
    }

    fn counts(&mut self, head: [&str; 5], measures: &[(&str, String)]) {
        for (measure, value) in measures {
            self.write(head, measure, value);
        }
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(number).unwrap_or_default()
}

fn csv(r: &QualityReport) -> String {
    let mut rows = Rows {
        out: csv::Writer::from_writer(Vec::new()),
    };
    rows.out
        .write_record(CSV_HEADER)
        .expect("writing to memory cannot fail");
    let report = ["report", "", "", "", ""];
    rows.counts(
        report,
        &[
            ("year", r.year.to_string()),
            ("scope_kind", r.scope_kind.clone()),
            ("scope_id", r.scope_id.clone()),
            ("scope_name", r.scope_name.clone()),
            ("generated_at", r.generated_at.to_rfc3339()),
            ("months_covered", r.months_covered.to_string()),
        ],
    );
    for x in &r.per_lagrum {
        rows.counts(
            ["per_lagrum", &x.kind, &x.lagrum, "", &x.kind_label],
            &[
                ("count", x.count.to_string()),
                ("previous_year", x.previous_year.to_string()),
            ],
        );
    }
    for x in &r.by_area_and_gender {
        rows.counts(
            ["by_area_and_gender", &x.kind, &x.area_id, "", &x.area_name],
            &[
                ("kvinna", x.kvinna.to_string()),
                ("man", x.man.to_string()),
                ("ej_angivet", x.ej_angivet.to_string()),
                ("total", x.total.to_string()),
            ],
        );
    }
    for x in &r.outcomes {
        rows.write(
            ["outcomes", &x.kind, "", &x.outcome, &x.label],
            "count",
            &x.count.to_string(),
        );
    }
    for x in &r.ivo {
        rows.counts(
            ["ivo", &x.kind, "", "", &x.kind_label],
            &[
                ("cases", x.cases.to_string()),
                ("reported", x.reported.to_string()),
                ("share", number(x.share)),
            ],
        );
    }
    for x in &r.categories {
        rows.counts(
            ["categories", &x.kind, "", &x.category, &x.label],
            &[("count", x.count.to_string()), ("share", number(x.share))],
        );
    }
    for x in &r.complaints {
        rows.write(
            ["complaints", "", &x.area_id, &x.feedback_kind, &x.label],
            "count",
            &x.count.to_string(),
        );
    }
    for x in &r.lead_times {
        rows.counts(
            ["lead_times", &x.kind, "", &x.measure, &x.label],
            &[
                ("count", x.count.to_string()),
                ("median_hours", opt(x.median_hours)),
                ("p90_hours", opt(x.p90_hours)),
            ],
        );
    }
    for x in &r.deadlines {
        rows.counts(
            ["deadlines", &x.kind, "", &x.deadline, &x.label],
            &[
                ("on_time", x.on_time.to_string()),
                ("late", x.late.to_string()),
                ("overdue", x.overdue.to_string()),
                ("open", x.open.to_string()),
                ("cancelled", x.cancelled.to_string()),
                ("met_on_time_share", number(x.met_on_time_share)),
            ],
        );
    }
    for (section, group, series) in [
        ("monthly", "unit", &r.monthly_by_unit),
        ("monthly", "category", &r.monthly_by_category),
    ] {
        for x in series {
            let mut measures: Vec<(String, String)> = x
                .counts
                .iter()
                .enumerate()
                .map(|(i, n)| (format!("{}-{:02}", r.year, i + 1), n.to_string()))
                .collect();
            measures.push(("total".into(), x.total.to_string()));
            for (measure, value) in &measures {
                rows.write([section, "", group, &x.key, &x.label], measure, value);
            }
        }
    }
    for x in &r.rising_units {
        rows.counts(
            ["rising_units", "", "", &x.unit_id, &x.unit_name],
            &[
                ("previous", x.previous.to_string()),
                ("current", x.current.to_string()),
                ("previous_per_month", number(x.previous_per_month)),
                ("current_per_month", number(x.current_per_month)),
                ("change_per_month", number(x.change_per_month)),
            ],
        );
    }
    let s = &r.repeats;
    rows.counts(
        ["repeats", "", "", "", ""],
        &[
            ("investigated", s.investigated.to_string()),
            ("same_person", s.same_person.to_string()),
            ("same_category", s.same_category.to_string()),
            ("any", s.any.to_string()),
        ],
    );
    for x in &s.cases {
        rows.counts(
            [
                "repeat_cases",
                &x.kind,
                &x.unit_id,
                &x.case_id,
                &x.unit_name,
            ],
            &[
                ("category", x.category.clone().unwrap_or_default()),
                ("reasons", x.reasons.join(";")),
                ("earlier_case_ids", x.earlier_case_ids.join(";")),
                ("days_since_last", x.days_since_last.to_string()),
            ],
        );
    }
    let bytes = rows
        .out
        .into_inner()
        .expect("flushing to memory cannot fail");
    String::from_utf8(bytes).expect("every cell is a Rust string")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_in_any_case_and_name_the_choices_otherwise() {
        assert_eq!("HTML".parse::<Format>(), Ok(Format::Html));
        assert_eq!("csv".parse::<Format>(), Ok(Format::Csv));
        let err = "pdf".parse::<Format>().expect_err("not a format");
        assert!(err.to_string().contains("csv, json, html"), "{err}");
    }

    #[test]
    fn numbers_drop_trailing_zeros() {
        assert_eq!(number(0.75), "0.75");
        assert_eq!(number(2.0), "2");
        assert_eq!(number(5.0 / 18.0), "0.2778");
        assert_eq!(number(-0.00001), "0");
    }

    #[test]
    fn formula_cells_are_defused_but_negative_numbers_are_not() {
        assert_eq!(guard("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard("-1.5"), "-1.5");
        assert_eq!(guard("Linden"), "Linden");
    }
}
