//! Varna's documents as PDF. A lifecycle file's `[[document]]` says what a
//! document shows (the anmälan to IVO: the grounds, what happened, the
//! actions, the person's view; the utredning: its fields and journal);
//! [`compose`] takes those parts from a case as it stands, and [`pdf`]
//! lays them out on A4 pages in Helvetica (a base-14 font every reader
//! has, so nothing is embedded).
//!
//! The output is a pure function of its input — no clock, no random ids —
//! so a document rendered again from the same case is byte for byte the
//! same. That is how the store tells whether a case has changed since a
//! document was frozen: it renders the case as it stands now with the
//! frozen document's date and compares.
#![forbid(unsafe_code)]

mod compose;
mod disclosure;
mod metrics;
mod pdf;

pub use compose::{Context, compose};
pub use disclosure::{Disclosure, MASKED, disclosure};
pub use pdf::pdf;

/// A document's text, ready to lay out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The title on the first page (and in the PDF's metadata).
    pub title: String,
    /// Label–value lines under the title: the case number, unit, lagrum, …
    pub header: Vec<(String, String)>,
    /// The sections in order.
    pub sections: Vec<Section>,
    /// The line at the foot of every page (with "page n of m" after it).
    pub footer: String,
}

/// One heading and its paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading.
    pub heading: String,
    /// Its paragraphs (line breaks inside are kept).
    pub paragraphs: Vec<String>,
}

/// Renders a lifecycle document of `case` straight to PDF.
pub fn render(
    def: &varna_workflow::WorkflowDefinition,
    spec: &varna_workflow::definition::DocumentSpec,
    case: &varna_workflow::Case,
    context: &Context,
) -> Vec<u8> {
    pdf(&compose(def, spec, case, context))
}
