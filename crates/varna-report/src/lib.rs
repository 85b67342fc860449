//! The yearly quality report: `build` turns the store's pre-aggregated
//! counts into the tables of a kvalitetsberättelse, and `render` writes
//! them as CSV, JSON or one self-contained HTML file. Pure: no I/O, no
//! clock, no database.
#![forbid(unsafe_code)]

mod build;
mod html;
pub mod input;
mod labels;
pub mod model;
mod render;

pub use build::{MEASURE_ASSESSED, build, months_covered, nearest_rank};
pub use input::{ReportData, Scope};
pub use labels::value_label;
pub use model::QualityReport;
pub use render::{CSV_HEADER, Format, UnknownFormat, render};
