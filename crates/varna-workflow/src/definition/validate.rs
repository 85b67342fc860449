//! From TOML text to a validated `WorkflowDefinition`, collecting every
//! problem in the file (with its line) instead of stopping at the first.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::Range;
use std::str::FromStr;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::error::{DefinitionError, DefinitionErrors, LineIndex};
use super::raw::{Name, RawFile, RawRequirement, RawRequirementKind};
use super::{
    ClockStart, Condition, Deadline, FieldKind, FieldSpec, Filing, JournalSpec, LegalReference,
    LinkKind, Outcome, Requirement, Spawn, State, StateKind, Transition, WorkflowDefinition,
    WorkflowRef,
};
use crate::duration::DeadlineDuration;
use crate::vocab::{Lagrum, Role, StateId, join};

/// The reserved name that stands for filing in `starts_on`.
pub(crate) const FILING: &str = "file";

/// Parses and validates one definition.
///
/// `source_name` is used in error messages; when it ends in `.toml`, the
/// file stem must equal the workflow's declared name (so `lex-sarah.toml`
/// declares `name = "lex-sarah"`).
pub fn parse(source_name: &str, text: &str) -> Result<WorkflowDefinition, DefinitionErrors> {
    let mut v = Validator {
        file: source_name,
        text,
        lines: LineIndex::new(text),
        errors: Vec::new(),
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

    fn definition(&mut self, raw: RawFile) -> WorkflowDefinition {
        let mut known = Declared::default();
        let header_span = raw.workflow.span();
        let header = raw.workflow.into_inner();

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
                &header_span,
                "the workflow names no lagrum".into(),
                Some("add lagrum = [\"SoL\", \"LSS\"] (or \"HSL\")".into()),
            );
        }

        let mut terms = BTreeMap::new();
        for (term, value) in &raw.terms {
            if let Some(d) = self.duration(value) {
                terms.insert(term.clone(), d);
            }
        }

        let mut legal_references = Vec::new();
        for r in raw.legal_references {
            if self.unique(&mut known.legal_refs, &r.id, "legal reference") {
                let effective_from = r.effective_from.as_ref().and_then(|d| {
                    let parsed = NaiveDate::parse_from_str(d.get_ref(), "%Y-%m-%d").ok();
                    if parsed.is_none() {
                        self.error(
                            &d.span(),
                            format!("effective_from \"{}\" is not a date", d.get_ref()),
                            Some("write dates as YYYY-MM-DD".into()),
                        );
                    }
                    parsed
                });
                legal_references.push(LegalReference {
                    id: r.id.into_inner(),
                    text: r.text,
                    effective_from,
                });
            }
        }

        let mut outcomes = Vec::new();
        for o in raw.outcomes {
            if self.unique(&mut known.outcomes, &o.id, "outcome") {
                outcomes.push(Outcome {
                    id: o.id.into_inner(),
                    label: o.label,
                    reportable: o.reportable,
                });
            }
        }

        let mut fields = Vec::new();
        let mut outcome_field: Option<String> = None;
        for f in raw.fields {
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
            if known.fields.contains_key(&fname) {
                self.error(
                    &f.name.span(),
                    format!("field \"{fname}\" is declared twice"),
                    None,
                );
            } else if let Some(kind) = kind {
                known.fields.insert(fname.clone(), kind.clone());
                fields.push(FieldSpec {
                    name: fname,
                    kind,
                    label: f.label,
                    personal: f.personal,
                });
            }
        }

        let mut states = Vec::new();
        let mut state_spans = Vec::new();
        for s in &raw.states {
            let kind = match s.kind.get_ref().as_str() {
                "initial" => Some(StateKind::Initial),
                "active" => Some(StateKind::Active),
                "terminal" => Some(StateKind::Terminal),
                other => {
                    self.error(
                        &s.kind.span(),
                        format!("unknown state kind \"{other}\""),
                        Some("use one of: initial, active, terminal".into()),
                    );
                    None
                }
            };
            if !is_identifier(s.id.get_ref(), '_') {
                self.error(
                    &s.id.span(),
                    format!("state id \"{}\" is not a valid name", s.id.get_ref()),
                    Some("use lower-case letters, digits and '_'".into()),
                );
            }
            if known.states.contains_key(s.id.get_ref()) {
                self.error(
                    &s.id.span(),
                    format!("state \"{}\" is declared twice", s.id.get_ref()),
                    None,
                );
                continue;
            }
            let Some(kind) = kind else { continue };
            known.states.insert(s.id.get_ref().clone(), kind);
            state_spans.push(s.id.span());
            states.push(State {
                id: StateId::new(s.id.get_ref().clone()),
                kind,
                label: s.label.clone(),
            });
        }
        let initials: Vec<_> = raw
            .states
            .iter()
            .filter(|s| s.kind.get_ref() == "initial")
            .collect();
        match initials.as_slice() {
            [_] => {}
            [] => self.error(
                &header_span,
                "the workflow has no initial state".into(),
                Some("mark the state a new case starts in with kind = \"initial\"".into()),
            ),
            [_, rest @ ..] => {
                for s in rest {
                    self.error(
                        &s.id.span(),
                        format!("state \"{}\" is a second initial state", s.id.get_ref()),
                        Some(
                            "a lifecycle has exactly one initial state; make the others \"active\""
                                .into(),
                        ),
                    );
                }
            }
        }

        // Transition names first, so that deadlines can refer to any of them.
        for t in &raw.transitions {
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

        let filing_span = raw.filing.span();
        let filing_raw = raw.filing.into_inner();
        let filing = Filing {
            roles: self.acting_roles(&filing_raw.roles, &filing_span, "filing"),
            requires: self.requirements(&known, &filing_raw.requires),
            accepts: self.field_refs(&known, &filing_raw.accepts),
            notify: self.roles(&filing_raw.notify),
            legal_refs: self.legal_refs(&known, &filing_raw.legal_refs),
        };

        let mut transitions = Vec::new();
        let mut seen_transitions = BTreeSet::new();
        // A transition with an unknown state is dropped; the graph checks would
        // then report its consequences (unreachable states) instead of its cause.
        let mut graph_complete = true;
        for t in raw.transitions {
            let first = seen_transitions.insert(t.name.get_ref().clone());
            let from = self.state_refs(&known, &t.from);
            for f in &t.from {
                if known.states.get(f.get_ref()) == Some(&StateKind::Terminal) {
                    self.error(
                        &f.span(),
                        format!(
                            "terminal state \"{}\" has an outgoing transition \"{}\"",
                            f.get_ref(),
                            t.name.get_ref()
                        ),
                        Some("a closed case cannot move on: make the state \"active\" or remove it from `from`".into()),
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
            let to = self.state_ref(&known, &t.to);
            let roles = self.acting_roles(&t.roles, &t.name.span(), "transition");
            let requires = self.requirements(&known, &t.requires);
            let accepts = self.field_refs(&known, &t.accepts);
            let when = self.condition(&known, outcome_field.is_some(), &t.when);
            let notify = self.roles(&t.notify);
            let legal_refs = self.legal_refs(&known, &t.legal_refs);
            let spawns = t.spawns.as_ref().and_then(|s| {
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
            });
            if to.is_none() || from.len() != t.from.len() {
                graph_complete = false;
            }
            if let (true, Some(to)) = (first, to) {
                transitions.push(Transition {
                    name: t.name.into_inner(),
                    label: t.label,
                    from,
                    to,
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

        let mut deadlines = Vec::new();
        let mut deadline_ids = BTreeSet::new();
        for d in raw.deadlines {
            let first = self.unique(&mut deadline_ids, &d.id, "deadline");
            let starts_on = if d.starts_on.get_ref() == FILING {
                Some(ClockStart::Filing)
            } else if known.transitions.contains(d.starts_on.get_ref()) {
                Some(ClockStart::Transition(d.starts_on.get_ref().clone()))
            } else {
                self.unknown(&d.starts_on, "transition", &known.transitions, Some(FILING));
                None
            };
            let start_field =
                d.start_field
                    .as_ref()
                    .and_then(|f| match known.fields.get(f.get_ref()) {
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
                    });
            let (within, term) = match terms.get(d.within.get_ref()) {
                Some(duration) => (Some(*duration), Some(d.within.get_ref().clone())),
                None if raw.terms.contains_key(d.within.get_ref()) => (None, None),
                None => match d.within.get_ref().parse::<DeadlineDuration>() {
                    Ok(duration) => (Some(duration), None),
                    Err(e) => {
                        let terms_list = join(raw.terms.keys().map(String::as_str));
                        self.error(
                            &d.within.span(),
                            format!("{e}, or name a term from [terms]"),
                            (!terms_list.is_empty())
                                .then(|| format!("declared terms: {terms_list}")),
                        );
                        (None, None)
                    }
                },
            };
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
            let legal_refs = self.legal_refs(&known, &d.legal_refs);
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

        let journal = raw.journal.map(|j| {
            let span = j.span();
            let j = j.into_inner();
            let roles = self.acting_roles(&j.roles, &span, "journal");
            let states = self.state_refs(&known, &j.states);
            let mut topics = Vec::new();
            for t in &j.topics {
                match known.fields.get(t.get_ref()) {
                    Some(FieldKind::Text) => topics.push(t.get_ref().clone()),
                    Some(other) => self.error(
                        &t.span(),
                        format!(
                            "journal topic \"{}\" is a {} field; topics must be text fields",
                            t.get_ref(),
                            other.as_str()
                        ),
                        None,
                    ),
                    None => {
                        let names = known.fields.keys().cloned().collect();
                        self.unknown(t, "field", &names, None);
                    }
                }
            }
            JournalSpec {
                roles,
                states,
                topics,
            }
        });

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
            source: self.text.to_owned(),
        }
    }

    /// Unreachable states and non-terminal states with no way out.
    fn check_graph(
        &mut self,
        states: &[State],
        spans: &[Range<usize>],
        transitions: &[Transition],
    ) {
        let Some(initial) = states.iter().find(|s| s.kind == StateKind::Initial) else {
            return;
        };
        let mut reached = BTreeSet::from([&initial.id]);
        let mut queue = VecDeque::from([&initial.id]);
        while let Some(state) = queue.pop_front() {
            for t in transitions.iter().filter(|t| t.from.contains(state)) {
                if reached.insert(&t.to) {
                    queue.push_back(&t.to);
                }
            }
        }
        for (state, span) in states.iter().zip(spans) {
            if !reached.contains(&state.id) {
                self.error(
                    span,
                    format!(
                        "state \"{}\" is unreachable from the initial state \"{}\"",
                        state.id, initial.id
                    ),
                    Some("add a transition into it, or remove it".into()),
                );
            }
            let leaves = transitions
                .iter()
                .any(|t| t.from.contains(&state.id) && t.to != state.id);
            if state.kind != StateKind::Terminal && !leaves {
                self.error(
                    span,
                    format!("state \"{}\" is not terminal but has no way out", state.id),
                    Some("add a transition out of it, or make it kind = \"terminal\"".into()),
                );
            }
        }
    }

    fn unique(&mut self, seen: &mut BTreeSet<String>, name: &Name, what: &str) -> bool {
        let fresh = seen.insert(name.get_ref().clone());
        if !fresh {
            self.error(
                &name.span(),
                format!("{what} \"{}\" is declared twice", name.get_ref()),
                Some(format!("every {what} needs its own name")),
            );
        }
        fresh
    }

    fn unknown(&mut self, name: &Name, what: &str, known: &BTreeSet<String>, extra: Option<&str>) {
        let list = join(extra.into_iter().chain(known.iter().map(String::as_str)));
        self.error(
            &name.span(),
            format!("unknown {what} \"{}\"", name.get_ref()),
            Some(if list.is_empty() {
                format!("this file declares no {what}s")
            } else {
                format!("declared {what}s: {list}")
            }),
        );
    }

    fn word<T: FromStr<Err = crate::vocab::UnknownWord>>(&mut self, name: &Name) -> Option<T> {
        match name.get_ref().parse::<T>() {
            Ok(word) => Some(word),
            Err(e) => {
                self.error(
                    &name.span(),
                    format!("unknown {} \"{}\"", e.what, e.given),
                    Some(format!("use one of: {}", e.expected)),
                );
                None
            }
        }
    }

    fn duration(&mut self, text: &Name) -> Option<DeadlineDuration> {
        match text.get_ref().parse() {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(&text.span(), e.to_string(), None);
                None
            }
        }
    }

    fn roles(&mut self, names: &[Name]) -> Vec<Role> {
        names.iter().filter_map(|n| self.word::<Role>(n)).collect()
    }

    /// Roles allowed to change a case: known, not read-only, at least one.
    fn acting_roles(&mut self, names: &[Name], span: &Range<usize>, what: &str) -> Vec<Role> {
        if names.is_empty() {
            self.error(
                span,
                format!("{what} allows no role"),
                Some("list the roles in roles = [...]".into()),
            );
        }
        let mut roles = Vec::new();
        for n in names {
            if let Some(role) = self.word::<Role>(n) {
                if role.is_read_only() {
                    self.error(
                        &n.span(),
                        format!("role \"{role}\" is read-only and cannot act in a {what}"),
                        Some("auditors and admins never change cases".into()),
                    );
                } else {
                    roles.push(role);
                }
            }
        }
        roles
    }

    fn field_ref(&mut self, known: &Declared, name: &Name) -> Option<String> {
        if known.fields.contains_key(name.get_ref()) {
            Some(name.get_ref().clone())
        } else {
            let names = known.fields.keys().cloned().collect();
            self.unknown(name, "field", &names, None);
            None
        }
    }

    fn field_refs(&mut self, known: &Declared, names: &[Name]) -> Vec<String> {
        names
            .iter()
            .filter_map(|n| self.field_ref(known, n))
            .collect()
    }

    fn requirements(&mut self, known: &Declared, raw: &[RawRequirement]) -> Vec<Requirement> {
        let mut out = Vec::new();
        for r in raw {
            let spanned = |name: &String| Name::new(r.span(), name.clone());
            match r.get_ref() {
                RawRequirementKind::Field(name) => {
                    out.extend(
                        self.field_ref(known, &spanned(name))
                            .map(Requirement::Field),
                    );
                }
                RawRequirementKind::Any { any } => {
                    if any.is_empty() {
                        self.error(&r.span(), "`any` lists no fields".into(), None);
                    }
                    let names: Vec<Name> = any.iter().map(spanned).collect();
                    let fields = self.field_refs(known, &names);
                    if fields.len() == any.len() && !fields.is_empty() {
                        out.push(Requirement::AnyOf(fields));
                    }
                }
            }
        }
        out
    }

    fn state_ref(&mut self, known: &Declared, name: &Name) -> Option<StateId> {
        if known.states.contains_key(name.get_ref()) {
            Some(StateId::new(name.get_ref().clone()))
        } else {
            let names = known.states.keys().cloned().collect();
            self.unknown(name, "state", &names, None);
            None
        }
    }

    fn state_refs(&mut self, known: &Declared, names: &[Name]) -> Vec<StateId> {
        names
            .iter()
            .filter_map(|n| self.state_ref(known, n))
            .collect()
    }

    fn legal_refs(&mut self, known: &Declared, names: &[Name]) -> Vec<String> {
        let mut refs = Vec::new();
        for n in names {
            if known.legal_refs.contains(n.get_ref()) {
                refs.push(n.get_ref().clone());
            } else {
                self.unknown(n, "legal reference", &known.legal_refs, None);
            }
        }
        refs
    }

    fn condition(
        &mut self,
        known: &Declared,
        has_outcome_field: bool,
        raw: &super::raw::RawCondition,
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
        Condition { lagrum, outcome }
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
