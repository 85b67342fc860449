//! The yearly quality report: `build` turns the store's pre-aggregated
//! counts into the tables of a kvalitetsberättelse, and `render` writes
//! them as CSV, JSON or one self-contained HTML file (the CSV and HTML from
//! one table model, `table.rs`). Pure: no I/O, no clock, no database.
#![forbid(unsafe_code)]

mod build;
mod chart;
mod html;
pub mod input;
mod labels;
pub mod model;
mod render;
mod table;

pub use build::{MEASURE_ASSESSED, build, months_covered, nearest_rank};
pub use input::{ReportData, Scope};
pub use labels::humanised;
pub use model::QualityReport;
pub use render::{CSV_HEADER, Format, UnknownFormat, render};
