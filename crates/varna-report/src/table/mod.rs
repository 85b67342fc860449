//! The report's tables as data, once: each table's caption, columns and
//! rows of typed cells. `html.rs` shows them on the page and `render.rs`
//! writes them as tidy CSV rows; how a value is written (a share as
//! `33,3 %` or `0.3333`) is each renderer's business, not the table's.
//! Here what a table is; `report.rs` the report's tables.

mod report;

pub(crate) use report::{MONTHS, months_shown, outcome_kinds, report_tables};

/// One table of the report.
pub(crate) struct Table {
    /// The CSV `section` its rows belong to.
    pub(crate) section: &'static str,
    /// The caption on the page.
    pub(crate) caption: String,
    /// The columns, in order: some only on the page, some only in the CSV.
    pub(crate) columns: Vec<Column>,
    /// The rows, each with a cell per column.
    pub(crate) rows: Vec<Row>,
    /// For a long table, what its rows are ("enheter"): the page shows the
    /// first ones and points to the exports for the rest.
    pub(crate) long: Option<&'static str>,
}

/// A column: its heading on the page and its measure in the CSV, either
/// of which may be absent.
pub(crate) struct Column {
    /// The heading on the page; `None` keeps the column off the page.
    pub(crate) heading: Option<String>,
    /// The CSV `measure`; `None` keeps the column out of the CSV (a label
    /// the row's identity already holds, or a value derived for reading).
    pub(crate) measure: Option<String>,
}

/// A row: its identity in the CSV (`kind`, `group`, `key`, `label`) and
/// its cells.
pub(crate) struct Row {
    pub(crate) kind: String,
    pub(crate) group: String,
    pub(crate) key: String,
    pub(crate) label: String,
    pub(crate) cells: Vec<Cell>,
}

/// A value, typed so that each renderer writes it its own way.
pub(crate) enum Cell {
    /// Text written as it is: a label, an id, a time.
    Text(String),
    /// A whole number.
    Count(i64),
    /// A signed change from the previous year.
    Change(i64),
    /// A share of one.
    Share(f64),
    /// A duration in hours, when any was measured.
    Hours(Option<f64>),
    /// A decimal number (cases per month).
    Decimal(f64),
    /// A rise in cases per month (always positive).
    Rise(f64),
    /// Yes or no.
    YesNo(bool),
    /// A category, if any: (id, label). The page shows the label, the CSV the id.
    Category(Option<(String, String)>),
    /// Why a case counts as a repeat, as reason ids.
    Reasons(Vec<String>),
    /// Case ids, the latest first.
    CaseIds(Vec<String>),
}

impl Column {
    /// A column on the page only (a label, or a value derived for reading).
    pub(super) fn shown(heading: impl Into<String>) -> Column {
        Column {
            heading: Some(heading.into()),
            measure: None,
        }
    }

    /// A column on the page and in the CSV.
    pub(super) fn both(heading: impl Into<String>, measure: impl Into<String>) -> Column {
        Column {
            heading: Some(heading.into()),
            measure: Some(measure.into()),
        }
    }

    /// A column in the CSV only.
    pub(super) fn exported(measure: impl Into<String>) -> Column {
        Column {
            heading: None,
            measure: Some(measure.into()),
        }
    }
}

impl Row {
    pub(super) fn new(kind: &str, group: &str, key: &str, label: &str, cells: Vec<Cell>) -> Row {
        Row {
            kind: kind.to_owned(),
            group: group.to_owned(),
            key: key.to_owned(),
            label: label.to_owned(),
            cells,
        }
    }
}

/// A text cell.
fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}
