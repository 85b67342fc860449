//! From TOML text to a validated `WorkflowDefinition`, collecting every
//! problem in the file (with its line) instead of stopping at the first.
//!
//! Here the entry point and the order of the checks; one module per part
//! of the file (`header`, `fields`, `states`, `transitions`, `deadlines`,

//! `journal`), and `references` for names checked against what it declares.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use sha2::{Digest, Sha256};

use super::error::{DefinitionError, DefinitionErrors, LineIndex};
use super::raw::RawFile;
use super::{FieldKind, StateKind, WorkflowDefinition, WorkflowRef};
use crate::vocab::Lagrum;

mod deadlines;
mod disclosure;
mod fields;
mod header;
mod journal;
mod public;
mod references;
mod retention;
mod states;
mod transitions;

/// The reserved name that stands for filing in `starts_on`.
pub(crate) const FILING: &str = "file";

/// Parses and validates one definition.
///
/// `source_name` is used in error messages; when it ends in `.toml`, the
/// file stem must equal the workflow's declared name (so `lex-sarah.toml`
/// declares `name = "lex-sarah"`).
pub fn parse(source_name: &str, text: &str) -> Result<WorkflowDefinition, DefinitionErrors> {
    parse_with(source_name, text, false)
}

/// Parses a definition that cases are already pinned to, as stored by an
/// earlier version of Varna: the checks added since that protect new files
/// from a mistake (a journal topic a transition accepts as a field) are
/// left out, so running cases keep working; the engine still refuses such
/// a command at run time.
pub fn parse_pinned(source_name: &str, text: &str) -> Result<WorkflowDefinition, DefinitionErrors> {
    parse_with(source_name, text, true)
}

fn parse_with(
    source_name: &str,
    text: &str,
    pinned: bool,
) -> Result<WorkflowDefinition, DefinitionErrors> {
    let mut v = Validator {
        file: source_name,
        text,
        lines: LineIndex::new(text),
        errors: Vec::new(),
        pinned,
    };
    let raw: RawFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            v.error(&span, e.message().trim_end().to_owned(), None);
            return Err(DefinitionErrors(v.errors));
        }
    };
    let definition = v.definition(raw);
    if v.errors.is_empty() {
        Ok(definition)
    } else {
        v.errors.sort_by_key(|e| (e.line, e.column));
        Err(DefinitionErrors(v.errors))
    }
}

struct Validator<'a> {
    file: &'a str,
    text: &'a str,
    lines: LineIndex,
    errors: Vec<DefinitionError>,
    /// Parsing a stored definition cases are pinned to (see `parse_pinned`).
    pinned: bool,
}

/// The names declared in a file, for checking references against.
#[derive(Default)]
struct Declared {
    lagrum: Vec<Lagrum>,
    legal_refs: BTreeSet<String>,
    outcomes: BTreeSet<String>,
    fields: BTreeMap<String, FieldKind>,
    states: BTreeMap<String, StateKind>,
    transitions: BTreeSet<String>,
    /// The journal's topics: written only as attributed entries.
    journal_topics: BTreeSet<String>,
    /// Journal topics whose entries another topic follows up.
    followed_topics: BTreeSet<String>,
    /// Whether the file declares a risk matrix.
    has_risk: bool,
    /// The file's settings.
    settings: BTreeSet<String>,
}

impl<'a> Validator<'a> {
    fn error(&mut self, span: &Range<usize>, message: String, help: Option<String>) {
        let (line, column) = self.lines.position(self.text, span.start);
        self.errors.push(DefinitionError {
            file: self.file.to_owned(),
            line,
            column,
            message,
            help,
        });
    }

    /// Checks every part of the file in order: each later part may refer
    /// to what the earlier ones declared (kept in `known`).
    fn definition(&mut self, raw: RawFile) -> WorkflowDefinition {
        let mut known = Declared::default();
        let header_span = raw.workflow.span();
        let header = raw.workflow.into_inner();
        let (name, version) = self.header(&header, &header_span, &mut known);
        let terms = self.terms(&raw.terms);
        let legal_references = self.legal_references(raw.legal_references, &mut known);
        let outcomes = self.outcomes(raw.outcomes, &mut known);
        let (fields, outcome_field) = self.fields(raw.fields, &outcomes, &mut known);
        let (states, state_spans) = self.states(&raw.states, &header_span, &mut known);
        self.transition_names(&raw.transitions, &mut known);
        let risk = raw.risk.map(|r| self.risk(r, &known));
        known.has_risk = risk.is_some();
        let settings = self.settings(raw.settings, &mut known);
        if let Some(j) = &raw.journal {
            known.journal_topics = j
                .get_ref()
                .topics
                .iter()
                .map(|t| t.get_ref().clone())
                .collect();
            known.followed_topics = j
                .get_ref()
                .structured
                .iter()
                .filter_map(|s| s.follows_up.as_ref().map(|f| f.get_ref().clone()))
                .collect();
        }
        let filing = self.filing(raw.filing, &known);
        let (transitions, graph_complete) =
            self.transitions(raw.transitions, &known, outcome_field.is_some());
        let deadlines = self.deadlines(raw.deadlines, &known, &terms, &raw.terms);
        let journal = raw.journal.map(|j| self.journal(j, &known));
        let documents = self.documents(raw.documents, &known, journal.is_some());
        let public = raw
            .public
            .and_then(|p| self.public(p, &known, &filing, &transitions));

        let retention = self.retention(raw.retention, &known);
        let disclosure = raw.disclosure.map(|d| self.disclosure(d, &known));

        if graph_complete {
            self.check_graph(&states, &state_spans, &transitions);
        }

        WorkflowDefinition {
            reference: WorkflowRef {
                name,
                version,
                hash: content_hash(self.text),
            },
            label: header.label,
            lagrum: known.lagrum,
            terms,
            legal_references,
            outcomes,
            fields,
            filing,
            states,
            transitions,
            deadlines,
            journal,
            risk: risk.flatten(),
            settings,
            documents,
            public,
            retention,
            disclosure: disclosure.flatten(),
            source: self.text.to_owned(),
        }
    }
}

fn is_identifier(s: &str, separator: char) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == separator)
}

/// Hex SHA-256 of a definition's source text.
pub(crate) fn content_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
