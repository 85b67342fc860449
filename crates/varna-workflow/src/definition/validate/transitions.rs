//! Filing and the `[[transition]]` tables: their names, roles, required
//! and accepted fields, guards (`when`) and the cases they spawn.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use super::{Declared, FILING, Validator, is_identifier};
use crate::case::Value;
use crate::definition::raw::Name;
use crate::definition::raw::{RawCondition, RawFiling, RawSpawn, RawTransition};
use crate::definition::{
    Condition, FieldKind, Filing, LinkKind, RiskLevel, Spawn, StateKind, Transition,
};
use crate::vocab::{Lagrum, join};

impl Validator<'_> {
    /// Transition names first, so that deadlines can refer to any of them.
    pub(super) fn transition_names(&mut self, raw: &[RawTransition], known: &mut Declared) {
        for t in raw {
            if t.name.get_ref() == FILING {
                self.error(
                    &t.name.span(),
                    format!("\"{FILING}\" is reserved for filing and cannot name a transition"),
                    Some("configure filing in the [filing] table".into()),
                );
            } else if !is_identifier(t.name.get_ref(), '_') {
                self.error(
                    &t.name.span(),
                    format!(
                        "transition name \"{}\" is not a valid name",
                        t.name.get_ref()
                    ),
                    Some("use lower-case letters, digits and '_'".into()),
                );
            }
            self.unique(&mut known.transitions, &t.name, "transition");
        }
    }

    pub(super) fn filing(&mut self, raw: Spanned<RawFiling>, known: &Declared) -> Filing {
        let filing_span = raw.span();
        let filing_raw = raw.into_inner();
        Filing {
            roles: self.acting_roles(&filing_raw.roles, &filing_span, "filing"),
            requires: self.requirements(known, &filing_raw.requires),
            accepts: self.field_refs(known, &filing_raw.accepts),
            notify: self.roles(&filing_raw.notify),
            legal_refs: self.legal_refs(known, &filing_raw.legal_refs),
            title: filing_raw.title,
            intro: filing_raw.intro,
            receipt: filing_raw.receipt,
            nav: filing_raw.nav,
        }
    }

    /// The transitions, and whether every one of them could be kept (see
    /// `check_graph`).
    pub(super) fn transitions(
        &mut self,
        raw: Vec<RawTransition>,
        known: &Declared,
        has_outcome_field: bool,
    ) -> (Vec<Transition>, bool) {
        let mut transitions = Vec::new();
        let mut seen_transitions = BTreeSet::new();
        // A transition with an unknown state is dropped; the graph checks would
        // then report its consequences (unreachable states) instead of its cause.
        let mut graph_complete = true;
        for t in raw {
            let first = seen_transitions.insert(t.name.get_ref().clone());
            let from = self.state_refs(known, &t.from);
            let from_closed = t
                .from
                .iter()
                .any(|f| known.states.get(f.get_ref()) == Some(&StateKind::Terminal));
            if t.reopens {
                self.reopening(&t, from_closed);
            }
            for f in &t.from {
                if !t.reopens && known.states.get(f.get_ref()) == Some(&StateKind::Terminal) {
                    self.error(
                        &f.span(),
                        format!(
                            "terminal state \"{}\" has an outgoing transition \"{}\"",
                            f.get_ref(),
                            t.name.get_ref()
                        ),
                        Some("a closed case moves on only by reopening: set reopens = true and require the reason, or make the state \"active\"".into()),
                    );
                }
            }
            if t.from.is_empty() {
                self.error(
                    &t.name.span(),
                    format!("transition \"{}\" has an empty `from`", t.name.get_ref()),
                    Some("list the states it may be taken from".into()),
                );
            }
            let to = t.to.as_ref().map(|to| self.state_ref(known, to));
            let roles = self.acting_roles(&t.roles, &t.name.span(), "transition");
            let requires = self.requirements(known, &t.requires);
            let accepts = self.field_refs(known, &t.accepts);
            for a in &t.accepts {
                if !self.pinned && known.journal_topics.contains(a.get_ref()) {
                    self.error(
                        &a.span(),
                        format!(
                            "transition \"{}\" accepts \"{}\", a journal topic",
                            t.name.get_ref(),
                            a.get_ref()
                        ),
                        Some("journal topics are written only as attributed journal entries; `requires` may name the topic, which an entry meets".into()),
                    );
                }
            }
            let when = self.condition(known, has_outcome_field, &t.when);
            let notify = self.roles(&t.notify);
            let legal_refs = self.legal_refs(known, &t.legal_refs);
            let spawns = t.spawns.as_ref().and_then(|s| self.spawn(s));
            if matches!(to, Some(None)) || from.len() != t.from.len() {
                graph_complete = false;
            }
            if let (true, Some(to)) = (first, to.map_or(Some(None), |to| to.map(Some))) {
                transitions.push(Transition {
                    name: t.name.into_inner(),
                    label: t.label,
                    explain: t.explain,
                    from,
                    to,
                    reopens: t.reopens,
                    roles,
                    requires,
                    accepts,
                    when,
                    notify,
                    spawns,
                    legal_refs,
                });
            }
        }
        (transitions, graph_complete)
    }

    /// A reopening is taken from a closed state into a named state, and
    /// records why.
    fn reopening(&mut self, t: &RawTransition, from_closed: bool) {
        let name = t.name.get_ref();
        if !from_closed {
            self.error(
                &t.name.span(),
                format!("transition \"{name}\" reopens, but none of its `from` states is terminal"),
                Some("a reopening is taken from a closed (terminal) state".into()),
            );
        }
        if t.to.is_none() {
            self.error(
                &t.name.span(),
                format!("transition \"{name}\" reopens but names no `to` state"),
                Some("name the state the reopened case goes back to".into()),
            );
        }
        if t.requires.is_empty() {
            self.error(
                &t.name.span(),
                format!("transition \"{name}\" reopens without a reason"),
                Some("require the field that records why the case is reopened".into()),
            );
        }
    }

    fn spawn(&mut self, s: &RawSpawn) -> Option<Spawn> {
        let link = match s.link.get_ref().as_str() {
            "escalated_from" => Some(LinkKind::EscalatedFrom),
            "spawned_by" => Some(LinkKind::SpawnedBy),
            "related_to" => Some(LinkKind::RelatedTo),
            other => {
                self.error(
                    &s.link.span(),
                    format!("unknown link kind \"{other}\""),
                    Some("use \"escalated_from\", \"spawned_by\" or \"related_to\"".into()),
                );
                None
            }
        };
        Some(Spawn {
            workflow: s.workflow.get_ref().clone(),
            link: link?,
        })
    }

    /// A transition's guard: the lagrum and outcomes it is taken under.
    pub(super) fn condition(
        &mut self,
        known: &Declared,
        has_outcome_field: bool,
        raw: &RawCondition,
    ) -> Condition {
        let lagrum = raw.lagrum.as_ref().map(|names| {
            let mut out = Vec::new();
            for n in names {
                if let Some(l) = self.word::<Lagrum>(n) {
                    if known.lagrum.contains(&l) {
                        out.push(l);
                    } else {
                        self.error(
                            &n.span(),
                            format!(
                                "condition on lagrum \"{l}\", which this workflow does not accept"
                            ),
                            Some(format!(
                                "the workflow's lagrum are: {}",
                                join(known.lagrum.iter().map(|l| l.as_str()))
                            )),
                        );
                    }
                }
            }
            out
        });
        let outcome = raw.outcome.as_ref().map(|names| {
            if !has_outcome_field && let Some(first) = names.first() {
                self.error(
                    &first.span(),
                    "condition on the outcome, but the workflow has no outcome field".into(),
                    Some("declare a [[field]] with type = \"outcome\"".into()),
                );
            }
            let mut out = Vec::new();
            for n in names {
                if known.outcomes.contains(n.get_ref()) {
                    out.push(n.get_ref().clone());
                } else {
                    self.unknown(n, "outcome", &known.outcomes, None);
                }
            }
            out
        });
        let set = self.field_refs(known, &raw.set);
        let unset = self.field_refs(known, &raw.unset);
        let mut values = BTreeMap::new();
        for (field, listed) in &raw.values {
            let name = Name::new(listed.span(), field.clone());
            let Some(kind) = self
                .field_ref(known, &name)
                .and_then(|f| known.fields.get(&f))
            else {
                continue;
            };
            let mut allowed = Vec::new();
            for v in listed.get_ref() {
                match condition_value(kind, v) {
                    Some(value) => allowed.push(value),
                    None => self.error(
                        &listed.span(),
                        format!(
                            "{} is not a value of the {} field \"{field}\"",
                            shown(v),
                            kind.as_str()
                        ),
                        Some("list values the field can hold".into()),
                    ),
                }
            }
            values.insert(field.clone(), allowed);
        }
        let risk = raw.risk.as_ref().and_then(|r| {
            if !known.has_risk {
                self.error(
                    &r.span(),
                    "condition on the risk score, but the workflow has no [risk] matrix".into(),
                    Some("declare [risk] with probability, consequence and escalate_from".into()),
                );
            }
            match r.get_ref().as_str() {
                "high" => Some(RiskLevel::High),
                "not_high" => Some(RiskLevel::NotHigh),
                other => {
                    self.error(
                        &r.span(),
                        format!("unknown risk level \"{other}\""),
                        Some("use \"high\" (at or above escalate_from) or \"not_high\"".into()),
                    );
                    None
                }
            }
        });
        let mut settings = BTreeMap::new();
        for (name, on) in &raw.settings {
            if known.settings.contains(name) {
                settings.insert(name.clone(), *on.get_ref());
            } else {
                let name = Name::new(on.span(), name.clone());
                self.unknown(
                    &name,
                    "setting",
                    &known.settings,
                    Some("declare it with [[setting]] (name, enabled, label)"),
                );
            }
        }
        Condition {
            lagrum,
            outcome,
            set,
            unset,
            values,
            risk,
            settings,
        }
    }
}

/// A value a condition lists, as the field's own type holds it.
fn condition_value(kind: &FieldKind, v: &toml::Value) -> Option<Value> {
    match (kind, v) {
        (FieldKind::Boolean, toml::Value::Boolean(b)) => Some(Value::Bool(*b)),
        (FieldKind::Integer { min, max }, toml::Value::Integer(n)) => {
            (min..=max).contains(&n).then_some(Value::Integer(*n))
        }
        (FieldKind::Choice { values }, toml::Value::String(s)) => {
            values.contains(s).then(|| Value::Text(s.clone()))
        }
        (FieldKind::Text, toml::Value::String(s)) => Some(Value::Text(s.clone())),
        _ => None,
    }
}

/// A listed value as the file wrote it, for an error message.
fn shown(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("\"{s}\""),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => other.type_str().to_owned(),
    }
}
