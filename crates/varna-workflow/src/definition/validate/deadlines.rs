//! The `[[deadline]]` tables: what starts each clock (filing or a
//! transition, from a date field or not), how long it runs, what meets it.

use std::collections::{BTreeMap, BTreeSet};

use super::{Declared, FILING, Validator};
use crate::definition::raw::{Name, RawDeadline, RawOneOrMany, RawTerm, RawWithin};
use crate::definition::{ClockStart, Deadline, FieldKind};
use toml::Spanned;

use crate::duration::{DeadlineDuration, Schedule};
use crate::vocab::{Lagrum, join};

impl Validator<'_> {
    pub(super) fn deadlines(
        &mut self,
        raw: Vec<RawDeadline>,
        known: &Declared,
        terms: &BTreeMap<String, Schedule>,
        raw_terms: &BTreeMap<String, Spanned<RawTerm>>,
    ) -> Vec<Deadline> {
        let mut deadlines = Vec::new();
        let mut deadline_ids = BTreeSet::new();
        for d in raw {
            let first = self.unique(&mut deadline_ids, &d.id, "deadline");
            let mut starts_on = Vec::new();
            let mut starts_known = true;
            for name in RawOneOrMany::names(&d.starts_on) {
                if name.get_ref() == FILING {
                    starts_on.push(ClockStart::Filing);
                } else if known.transitions.contains(name.get_ref()) {
                    starts_on.push(ClockStart::Transition(name.get_ref().clone()));
                } else {
                    self.unknown(&name, "transition", &known.transitions, Some(FILING));
                    starts_known = false;
                }
            }
            if starts_on.is_empty() && starts_known {
                self.error(
                    &d.starts_on.span(),
                    format!("deadline \"{}\" is started by nothing", d.id.get_ref()),
                    Some("name \"file\" or the transitions that start it in starts_on".into()),
                );
            }
            let start_fields = d
                .start_field
                .as_ref()
                .map(|raw| {
                    RawOneOrMany::names(raw)
                        .iter()
                        .filter_map(|f| self.date_field(known, f, "start_field"))
                        .collect()
                })
                .unwrap_or_default();
            let met_field = d
                .met_field
                .as_ref()
                .and_then(|f| self.date_field(known, f, "met_field"));
            let due_field = d
                .due_field
                .as_ref()
                .and_then(|f| self.date_field(known, f, "due_field"));
            let (within, term, by_lagrum) = match d.within.get_ref() {
                RawWithin::One(w) => {
                    let (within, term) =
                        self.within(&Name::new(d.within.span(), w.clone()), terms, raw_terms);
                    (within, term, BTreeMap::new())
                }
                RawWithin::ByLagrum(by) => self.within_by_lagrum(&d, by, known, terms, raw_terms),
            };
            let when = self.condition(known, true, &d.when);
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
            if let (true, false, Some(within)) = (first, starts_on.is_empty(), within) {
                deadlines.push(Deadline {
                    id: d.id.into_inner(),
                    label: d.label,
                    starts_on,
                    start_fields,
                    within,
                    term,
                    by_lagrum,
                    satisfied_by,
                    met_field,
                    due_field,
                    when,
                    notify,
                    legal_refs,
                });
            }
        }
        deadlines
    }

    /// `within = { SoL = "genast", LSS = "utan_drojsmal" }`: one duration
    /// per lagrum the workflow accepts, each named; the first is the default.
    #[allow(clippy::type_complexity)]
    fn within_by_lagrum(
        &mut self,
        d: &RawDeadline,
        by: &BTreeMap<String, String>,
        known: &Declared,
        terms: &BTreeMap<String, Schedule>,
        raw_terms: &BTreeMap<String, Spanned<RawTerm>>,
    ) -> (
        Option<Schedule>,
        Option<String>,
        BTreeMap<Lagrum, (Schedule, Option<String>)>,
    ) {
        let span = d.within.span();
        let mut out = BTreeMap::new();
        for (lagrum, w) in by {
            let Some(l) = self.word::<Lagrum>(&Name::new(span.clone(), lagrum.clone())) else {
                continue;
            };
            let (within, term) = self.within(&Name::new(span.clone(), w.clone()), terms, raw_terms);
            if let Some(within) = within {
                out.insert(l, (within, term));
            }
        }
        let missing: Vec<&str> = known
            .lagrum
            .iter()
            .filter(|l| !out.contains_key(l))
            .map(|l| l.as_str())
            .collect();
        if !missing.is_empty() {
            self.error(
                &span,
                format!(
                    "deadline \"{}\" gives no duration for {}",
                    d.id.get_ref(),
                    join(missing.iter().copied())
                ),
                Some("name a duration for every lagrum the workflow accepts".into()),
            );
            return (None, None, out);
        }
        let first = known.lagrum.first().and_then(|l| out.get(l)).cloned();
        match first {
            Some((within, term)) => (Some(within), term, out),
            None => (None, None, out),
        }
    }

    /// A date field a clock reads (its start, its met day, its due day).
    fn date_field(&mut self, known: &Declared, f: &Name, key: &str) -> Option<String> {
        match known.fields.get(f.get_ref()) {
            Some(FieldKind::Date) => Some(f.get_ref().clone()),
            Some(other) => {
                self.error(
                    &f.span(),
                    format!(
                        "{key} \"{}\" is a {} field, not a date field",
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
        terms: &BTreeMap<String, Schedule>,
        raw_terms: &BTreeMap<String, Spanned<RawTerm>>,
    ) -> (Option<Schedule>, Option<String>) {
        match terms.get(within.get_ref()) {
            Some(schedule) => (Some(schedule.clone()), Some(within.get_ref().clone())),
            None if raw_terms.contains_key(within.get_ref()) => (None, None),
            None => match within.get_ref().parse::<DeadlineDuration>() {
                Ok(duration) => (Some(Schedule::fixed(duration)), None),
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
