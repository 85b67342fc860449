//! The `[[field]]` tables: names, types (choice values, integer bounds,
//! the one outcome field) and duplicates.

use std::collections::BTreeSet;

use super::{Declared, Validator, is_identifier};
use crate::definition::raw::RawField;
use crate::definition::{FieldKind, FieldSpec, Outcome};

impl Validator<'_> {
    /// The fields, and the name of the outcome field if there is one.
    pub(super) fn fields(
        &mut self,
        raw: Vec<RawField>,
        outcomes: &[Outcome],
        known: &mut Declared,
    ) -> (Vec<FieldSpec>, Option<String>) {
        let mut fields = Vec::new();
        let mut outcome_field: Option<String> = None;
        for f in raw {
            let fname = f.name.get_ref().clone();
            if !is_identifier(&fname, '_') {
                self.error(
                    &f.name.span(),
                    format!("field name \"{fname}\" is not a valid name"),
                    Some("use lower-case letters, digits and '_', e.g. \"what_happened\"".into()),
                );
            }
            let kind = match f.kind.get_ref().as_str() {
                "text" => Some(FieldKind::Text),
                "date" => Some(FieldKind::Date),
                "boolean" => Some(FieldKind::Boolean),
                "integer" => {
                    let (min, max) = (f.min.unwrap_or(i64::MIN), f.max.unwrap_or(i64::MAX));
                    if min > max {
                        self.error(
                            &f.name.span(),
                            format!("field \"{fname}\" has min {min} above max {max}"),
                            None,
                        );
                    }
                    Some(FieldKind::Integer { min, max })
                }
                "choice" => {
                    if f.values.is_empty() {
                        self.error(
                            &f.kind.span(),
                            format!("choice field \"{fname}\" lists no values"),
                            Some("add values = [\"…\", \"…\"]".into()),
                        );
                    }
                    let mut seen = BTreeSet::new();
                    for value in &f.values {
                        self.unique(&mut seen, value, "choice value");
                    }
                    Some(FieldKind::Choice {
                        values: f.values.iter().map(|v| v.get_ref().clone()).collect(),
                    })
                }
                "outcome" => {
                    if let Some(first) = &outcome_field {
                        self.error(
                            &f.kind.span(),
                            format!("field \"{fname}\" is a second outcome field (\"{first}\" is the first)"),
                            Some("a lifecycle has one severity outcome; keep one outcome field".into()),
                        );
                    }
                    outcome_field.get_or_insert(fname.clone());
                    if outcomes.is_empty() {
                        self.error(
                            &f.kind.span(),
                            format!(
                                "outcome field \"{fname}\" but the file declares no [[outcome]]"
                            ),
                            Some("declare the possible outcomes as [[outcome]] tables".into()),
                        );
                    }
                    Some(FieldKind::Outcome)
                }
                other => {
                    self.error(
                        &f.kind.span(),
                        format!("unknown field type \"{other}\""),
                        Some("use one of: text, date, boolean, integer, choice, outcome".into()),
                    );
                    None
                }
            };
            let values: BTreeSet<&str> = f.values.iter().map(|v| v.get_ref().as_str()).collect();
            for value in f.value_labels.keys() {
                if !values.contains(value.as_str()) {
                    self.error(
                        &f.name.span(),
                        format!(
                            "field \"{fname}\" labels \"{value}\", which is not one of its values"
                        ),
                        Some("value_labels may name only the field's own values".into()),
                    );
                }
            }
            if known.fields.contains_key(&fname) {
                self.error(
                    &f.name.span(),
                    format!("field \"{fname}\" is declared twice"),
                    None,
                );
            } else if let Some(kind) = kind {
                let legal_refs = self.legal_refs(known, &f.legal_refs);
                known.fields.insert(fname.clone(), kind.clone());
                fields.push(FieldSpec {
                    name: fname,
                    kind,
                    label: f.label,
                    personal: f.personal,
                    secret: f.secret,
                    for_reporter: f.for_reporter,
                    value_labels: f.value_labels,
                    legal_refs,
                });
            }
        }
        (fields, outcome_field)
    }
}
