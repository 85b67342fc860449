//! The `[[deadline]]` tables: what starts each clock (filing or a
//! transition, from a date field or not), how long it runs, what meets it.

use std::collections::{BTreeMap, BTreeSet};

use super::{Declared, FILING, Validator};
use crate::definition::raw::{Name, RawDeadline};
use crate::definition::{ClockStart, Deadline, FieldKind};
use crate::duration::DeadlineDuration;
use crate::vocab::join;

impl Validator<'_> {
    pub(super) fn deadlines(
        &mut self,
        raw: Vec<RawDeadline>,
        known: &Declared,
        terms: &BTreeMap<String, DeadlineDuration>,
        raw_terms: &BTreeMap<String, Name>,
    ) -> Vec<Deadline> {
        let mut deadlines = Vec::new();
        let mut deadline_ids = BTreeSet::new();
        for d in raw {
            let first = self.unique(&mut deadline_ids, &d.id, "deadline");
            let starts_on = if d.starts_on.get_ref() == FILING {
                Some(ClockStart::Filing)
            } else if known.transitions.contains(d.starts_on.get_ref()) {
                Some(ClockStart::Transition(d.starts_on.get_ref().clone()))
            } else {
                self.unknown(&d.starts_on, "transition", &known.transitions, Some(FILING));
                None
            };
            let start_field = d
                .start_field
                .as_ref()
                .and_then(|f| self.start_field(known, f));
            let (within, term) = self.within(&d.within, terms, raw_terms);
            if d.satisfied_by.is_empty() {
                self.error(
                    &d.id.span(),
                    format!("deadline \"{}\" is satisfied by nothing", d.id.get_ref()),
                    Some("list the transitions that meet it in satisfied_by".into()),
                );
            }
            let mut satisfied_by = Vec::new();
            for s in &d.satisfied_by {
                if known.transitions.contains(s.get_ref()) {
                    satisfied_by.push(s.get_ref().clone());
                } else {
                    self.unknown(s, "transition", &known.transitions, None);
                }
            }
            let notify = self.roles(&d.notify);
            let legal_refs = self.legal_refs(known, &d.legal_refs);
            if let (true, Some(starts_on), Some(within)) = (first, starts_on, within) {
                deadlines.push(Deadline {
                    id: d.id.into_inner(),
                    label: d.label,
                    starts_on,
                    start_field,
                    within,
                    term,
                    satisfied_by,
                    notify,
                    legal_refs,
                });
            }
        }
        deadlines
    }

    /// The date field a clock starts from instead of the event's time.
    fn start_field(&mut self, known: &Declared, f: &Name) -> Option<String> {
        match known.fields.get(f.get_ref()) {
            Some(FieldKind::Date) => Some(f.get_ref().clone()),
            Some(other) => {
                self.error(
                    &f.span(),
                    format!(
                        "start_field \"{}\" is a {} field, not a date field",
                        f.get_ref(),
                        other.as_str()
                    ),
                    None,
                );
                None
            }
            None => {
                let names = known.fields.keys().cloned().collect();
                self.unknown(f, "field", &names, None);
                None
            }
        }
    }

    /// How long a clock runs, and the term it was written as (if any).
    fn within(
        &mut self,
        within: &Name,
        terms: &BTreeMap<String, DeadlineDuration>,
        raw_terms: &BTreeMap<String, Name>,
    ) -> (Option<DeadlineDuration>, Option<String>) {
        match terms.get(within.get_ref()) {
            Some(duration) => (Some(*duration), Some(within.get_ref().clone())),
            None if raw_terms.contains_key(within.get_ref()) => (None, None),
            None => match within.get_ref().parse::<DeadlineDuration>() {
                Ok(duration) => (Some(duration), None),
                Err(e) => {
                    let terms_list = join(raw_terms.keys().map(String::as_str));
                    self.error(
                        &within.span(),
                        format!("{e}, or name a term from [terms]"),
                        (!terms_list.is_empty()).then(|| format!("declared terms: {terms_list}")),
                    );
                    (None, None)
                }
            },
        }
    }
}
