//! The header of a definition file: the workflow's name, version and
//! lagrum, its `[terms]`, legal references, outcomes, settings and
//! documents.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use chrono::NaiveDate;

use super::{Declared, Validator, is_identifier};
use toml::Spanned;

use crate::definition::raw::{
    Name, RawDocument, RawHeader, RawLegalReference, RawOutcome, RawSetting, RawTerm,
};
use crate::definition::{DocumentSpec, LegalReference, Outcome, Setting};
use crate::duration::Schedule;
use crate::vocab::Lagrum;

impl Validator<'_> {
    /// The workflow's name and version; its lagrum go into `known`.
    pub(super) fn header(
        &mut self,
        header: &RawHeader,
        header_span: &Range<usize>,
        known: &mut Declared,
    ) -> (String, u32) {
        let name = header.name.get_ref().clone();
        if !is_identifier(&name, '-') {
            self.error(
                &header.name.span(),
                format!("workflow name \"{name}\" is not a valid name"),
                Some("use lower-case letters, digits and '-', e.g. \"lex-sarah\"".into()),
            );
        }
        let stem = self
            .file
            .strip_suffix(".toml")
            .map(|p| p.rsplit(['/', '\\']).next().unwrap_or(p).to_owned());
        if let Some(stem) = stem.filter(|s| *s != name) {
            self.error(
                &header.name.span(),
                format!("workflow name \"{name}\" does not match the file name \"{stem}.toml\""),
                Some(format!(
                    "rename the file to {name}.toml or set name = \"{stem}\""
                )),
            );
        }
        let version = match u32::try_from(*header.version.get_ref()) {
            Ok(v) if v >= 1 => v,
            _ => {
                self.error(
                    &header.version.span(),
                    format!(
                        "version {} is not a positive whole number",
                        header.version.get_ref()
                    ),
                    Some("count versions from 1 and raise it with every change".into()),
                );
                1
            }
        };
        for l in &header.lagrum {
            if let Some(lagrum) = self.word::<Lagrum>(l) {
                known.lagrum.push(lagrum);
            }
        }
        if header.lagrum.is_empty() {
            self.error(
                header_span,
                "the workflow names no lagrum".into(),
                Some("add lagrum = [\"SoL\", \"LSS\"] (or \"HSL\")".into()),
            );
        }
        (name, version)
    }

    /// The legal time words and the durations they stand for, each from
    /// its day on where the file dates them.
    pub(super) fn terms(
        &mut self,
        raw: &BTreeMap<String, Spanned<RawTerm>>,
    ) -> BTreeMap<String, Schedule> {
        let mut terms = BTreeMap::new();
        for (term, value) in raw {
            let span = value.span();
            let schedule = match value.get_ref() {
                RawTerm::One(d) => self
                    .duration(&Name::new(span.clone(), d.clone()))
                    .map(Schedule::fixed),
                RawTerm::Dated(steps) => {
                    let mut parsed = Vec::new();
                    let mut valid = true;
                    for step in steps {
                        let from = step
                            .from
                            .as_ref()
                            .map(|d| self.date(&Name::new(span.clone(), d.clone()), "from"));
                        let within = self.duration(&Name::new(span.clone(), step.within.clone()));
                        match (from, within) {
                            (Some(None), _) | (_, None) => valid = false,
                            (from, Some(within)) => parsed.push((from.flatten(), within)),
                        }
                    }
                    let schedule = valid.then(|| Schedule::dated(parsed)).flatten();
                    if valid && schedule.is_none() {
                        self.error(
                            &span,
                            format!("term \"{term}\" lists its durations out of order"),
                            Some("list them by their `from` day, earliest first; only the first may leave `from` out".into()),
                        );
                    }
                    schedule
                }
            };
            if let Some(schedule) = schedule {
                terms.insert(term.clone(), schedule);
            }
        }
        terms
    }

    pub(super) fn legal_references(
        &mut self,
        raw: Vec<RawLegalReference>,
        known: &mut Declared,
    ) -> Vec<LegalReference> {
        let mut legal_references = Vec::new();
        for r in raw {
            if self.unique(&mut known.legal_refs, &r.id, "legal reference") {
                let effective_from = r
                    .effective_from
                    .as_ref()
                    .and_then(|d| self.date(d, "effective_from"));
                let effective_until = r
                    .effective_until
                    .as_ref()
                    .and_then(|d| self.date(d, "effective_until"));
                if let (Some(from), Some(until), Some(span)) =
                    (effective_from, effective_until, r.effective_until.as_ref())
                    && until < from
                {
                    self.error(
                        &span.span(),
                        format!(
                            "legal reference \"{}\" ends before it begins",
                            r.id.get_ref()
                        ),
                        Some("effective_until is the last day the rule applies".into()),
                    );
                }
                legal_references.push(LegalReference {
                    id: r.id.into_inner(),
                    text: r.text,
                    effective_from,
                    effective_until,
                });
            }
        }
        legal_references
    }

    fn date(&mut self, d: &Name, key: &str) -> Option<NaiveDate> {
        let parsed = NaiveDate::parse_from_str(d.get_ref(), "%Y-%m-%d").ok();
        if parsed.is_none() {
            self.error(
                &d.span(),
                format!("{key} \"{}\" is not a date", d.get_ref()),
                Some("write dates as YYYY-MM-DD".into()),
            );
        }
        parsed
    }

    /// The file's settings: each named once.
    pub(super) fn settings(&mut self, raw: Vec<RawSetting>, known: &mut Declared) -> Vec<Setting> {
        let mut settings = Vec::new();
        for s in raw {
            if self.unique(&mut known.settings, &s.name, "setting") {
                settings.push(Setting {
                    name: s.name.into_inner(),
                    enabled: s.enabled,
                    label: s.label,
                });
            }
        }
        settings
    }

    /// The documents: each named once, of declared fields and legal
    /// references, frozen only by declared transitions, with the journal
    /// only where the file keeps one.
    pub(super) fn documents(
        &mut self,
        raw: Vec<RawDocument>,
        known: &Declared,
        has_journal: bool,
    ) -> Vec<DocumentSpec> {
        let mut seen = BTreeSet::new();
        let mut documents = Vec::new();
        for d in raw {
            if !self.unique(&mut seen, &d.id, "document") {
                continue;
            }
            if d.journal && !has_journal {
                self.error(
                    &d.id.span(),
                    format!(
                        "document \"{}\" shows the journal, but this file keeps none",
                        d.id.get_ref()
                    ),
                    Some("declare [journal], or set journal = false".into()),
                );
            }
            for t in &d.frozen_by {
                if !known.transitions.contains(t.get_ref()) {
                    self.unknown(t, "transition", &known.transitions, None);
                }
            }
            documents.push(DocumentSpec {
                id: d.id.get_ref().clone(),
                title: d.title,
                legal_refs: self.legal_refs(known, &d.legal_refs),
                frozen_by: d.frozen_by.iter().map(|t| t.get_ref().clone()).collect(),
                fields: self.field_refs(known, &d.fields),
                journal: d.journal,
            });
        }
        documents
    }

    pub(super) fn outcomes(&mut self, raw: Vec<RawOutcome>, known: &mut Declared) -> Vec<Outcome> {
        let mut outcomes = Vec::new();
        for o in raw {
            if self.unique(&mut known.outcomes, &o.id, "outcome") {
                outcomes.push(Outcome {
                    id: o.id.into_inner(),
                    label: o.label,
                    reportable: o.reportable,
                    explain: o.explain,
                });
            }
        }
        outcomes
    }
}
