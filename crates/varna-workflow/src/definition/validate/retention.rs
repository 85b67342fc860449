//! The `[[retention]]` tables, the gallringsbeslut: each names end states
//! (each covered once), what the time counts from, and either how long the
//! content is kept or that the case is kept for good (archive), with the
//! fields kept besides what the quality report counts and its legal
//! references.

use std::collections::BTreeSet;
use std::str::FromStr;

use super::{Declared, Validator};
use crate::definition::raw::RawRetention;
use crate::definition::{RetentionRule, RetentionStart, StateKind};
use crate::duration::DeadlineDuration;

impl Validator<'_> {
    pub(super) fn retention(
        &mut self,
        raw: Vec<RawRetention>,
        known: &Declared,
    ) -> Vec<RetentionRule> {
        let mut rules = Vec::new();
        let mut ids = BTreeSet::new();
        let mut covered = BTreeSet::new();
        for r in raw {
            let first = self.unique(&mut ids, &r.id, "retention rule");
            let mut states = Vec::new();
            for name in &r.states {
                let Some(state) = self.state_ref(known, name) else {
                    continue;
                };
                if known.states.get(name.get_ref()) != Some(&StateKind::Terminal) {
                    self.error(
                        &name.span(),
                        format!(
                            "retention rule \"{}\" names \"{}\", which is not an end state",
                            r.id.get_ref(),
                            name.get_ref()
                        ),
                        Some(
                            "a case is disposed of only when it is closed: name terminal states"
                                .into(),
                        ),
                    );
                } else if !covered.insert(name.get_ref().clone()) {
                    self.error(
                        &name.span(),
                        format!(
                            "the end state \"{}\" is covered by two retention rules",
                            name.get_ref()
                        ),
                        None,
                    );
                } else {
                    states.push(state);
                }
            }
            let counted_from = match r.counted_from.get_ref().as_str() {
                "closed" => Some(RetentionStart::Closed),
                "last_entry" => Some(RetentionStart::LastEntry),
                other => {
                    self.error(
                        &r.counted_from.span(),
                        format!("unknown counted_from \"{other}\""),
                        Some("write \"closed\" (from the closing) or \"last_entry\" (from the newest entry in the case)".into()),
                    );
                    None
                }
            };
            let keep_for = match (&r.keep_for, r.archive) {
                (Some(k), false) => match DeadlineDuration::from_str(k.get_ref()) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        self.error(&k.span(), e.to_string(), None);
                        None
                    }
                },
                (None, false) => {
                    self.error(
                        &r.id.span(),
                        format!("retention rule \"{}\" says neither how long the content is kept nor that it goes to the archive", r.id.get_ref()),
                        Some("give keep_for (e.g. \"24mo\") or archive = true".into()),
                    );
                    None
                }
                (Some(k), true) => {
                    self.error(
                        &k.span(),
                        format!("retention rule \"{}\" keeps the case for good (archive) and also for a time", r.id.get_ref()),
                        Some("remove keep_for or archive".into()),
                    );
                    None
                }
                (None, true) => None,
            };
            let keep = self.field_refs(known, &r.keep);
            if r.legal_refs.is_empty() {
                self.error(
                    &r.id.span(),
                    format!(
                        "retention rule \"{}\" gives no legal reference",
                        r.id.get_ref()
                    ),
                    Some("name the gallringsbeslut or the law it follows in legal_refs".into()),
                );
            }
            let legal_refs = self.legal_refs(known, &r.legal_refs);
            if let (true, Some(counted_from)) = (first, counted_from)
                && (keep_for.is_some() || r.archive)
            {
                rules.push(RetentionRule {
                    id: r.id.into_inner(),
                    label: r.label,
                    states,
                    counted_from,
                    keep_for,
                    archive: r.archive,
                    keep,
                    legal_refs,
                });
            }
        }
        rules
    }
}
