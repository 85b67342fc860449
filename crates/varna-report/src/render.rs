//! The report as a file: CSV (one tidy table), JSON (the model as is) or
//! HTML (see [`crate::html`]).

use std::fmt;
use std::str::FromStr;

use crate::model::QualityReport;
use crate::table::{Cell, report_tables};

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

/// A cell as the CSV writes it: numbers with `.` decimals, lists with `;`.
fn exported(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Count(x) | Cell::Change(x) => x.to_string(),
        Cell::Share(x) | Cell::Decimal(x) | Cell::Rise(x) => number(*x),
        Cell::Hours(h) => h.map(number).unwrap_or_default(),
        Cell::YesNo(yes) => yes.to_string(),
        Cell::Category(c) => c.as_ref().map(|(id, _)| id.clone()).unwrap_or_default(),
        Cell::Reasons(ids) | Cell::CaseIds(ids) => ids.join(";"),
    }
}

/// The report as one tidy table: a line per row and measure of every
/// table, the row's identity in the first five columns.
fn csv(r: &QualityReport) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(CSV_HEADER)
        .expect("writing to memory cannot fail");
    for table in report_tables(r).in_order() {
        for row in &table.rows {
            for (column, cell) in table.columns.iter().zip(&row.cells) {
                let Some(measure) = &column.measure else {
                    continue;
                };
                let value = exported(cell);
                let record = [
                    table.section,
                    &row.kind,
                    &row.group,
                    &row.key,
                    &row.label,
                    measure,
                    &value,
                ];
                out.write_record(record.map(guard))
                    .expect("writing to memory cannot fail");
            }
        }
    }
    let bytes = out.into_inner().expect("flushing to memory cannot fail");
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
