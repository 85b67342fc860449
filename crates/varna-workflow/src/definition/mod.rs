//! Workflow definitions: the lifecycle of one case kind, as data.
//!
//! A definition is parsed from TOML text (`parse`), validated in full (every
//! problem in a file is reported at once, each with file and line), and
//! identified by name, version and the SHA-256 of its text, which every case
//! records so that a changed file never silently changes running cases.
//! The file format is documented in `workflows/README.md`.

mod error;
mod public;
mod raw;
mod validate;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::case::Value;
use crate::duration::Schedule;
use crate::vocab::{Lagrum, Role, StateId};

pub use error::{DefinitionError, DefinitionErrors};
pub use public::PublicIntake;
pub use validate::{parse, parse_pinned};

/// Which definition a case started under.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WorkflowRef {
    /// The lifecycle's name, e.g. `lex-sarah`.
    pub name: String,
    /// The version number the file declares.
    pub version: u32,
    /// Hex SHA-256 of the definition's source text.
    pub hash: String,
}

impl fmt::Display for WorkflowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} v{} ({})",
            self.name,
            self.version,
            &self.hash[..12.min(self.hash.len())]
        )
    }
}

/// A validated lifecycle.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowDefinition {
    /// Name, version and content hash.
    pub reference: WorkflowRef,
    /// Human names of the lifecycle.
    pub label: Label,
    /// The lagrum a case of this kind may be filed under.
    pub lagrum: Vec<Lagrum>,
    /// Named legal time words (genast, snarast, …) and their local
    /// durations, each as in force from its day.
    pub terms: BTreeMap<String, Schedule>,
    /// Legal references shown to users.
    pub legal_references: Vec<LegalReference>,
    /// The severity outcomes a bedömning may reach, in order of severity.
    pub outcomes: Vec<Outcome>,
    /// The fields a case of this kind can hold, in form order.
    pub fields: Vec<FieldSpec>,
    /// Who may file a case and what the filing must contain.
    pub filing: Filing,
    /// The states, in the order the file declares them.
    pub states: Vec<State>,
    /// The transitions between states.
    pub transitions: Vec<Transition>,
    /// Statutory and local clocks.
    pub deadlines: Vec<Deadline>,
    /// The attributed utredning journal, if this lifecycle keeps one.
    pub journal: Option<JournalSpec>,
    /// The risk matrix, if this lifecycle scores risks.
    pub risk: Option<RiskMatrix>,
    /// The switches the municipality sets in its copy of the file.
    pub settings: Vec<Setting>,
    /// The documents a case renders, and the steps that freeze them.
    pub documents: Vec<DocumentSpec>,
    /// The public form, where the lifecycle offers one.
    pub public: Option<PublicIntake>,
    /// The gallringsbeslut for closed cases: per end state, how long a
    /// case is kept and whether it goes to the archive instead.
    pub retention: Vec<RetentionRule>,
    /// Utlämnande: who may disclose a case after a sekretessprövning and
    /// the grounds its secret fields are masked on (`None`: the lifecycle
    /// offers no disclosure).
    pub disclosure: Option<DisclosureRule>,
    /// The file text it was parsed from (its hash is `reference.hash`), kept
    /// so that a store can save every version a case may be pinned to.
    pub source: String,
}

impl WorkflowDefinition {
    /// The lifecycle's name.
    pub fn name(&self) -> &str {
        &self.reference.name
    }

    /// The state every new case starts in.
    pub fn initial_state(&self) -> &State {
        self.states
            .iter()
            .find(|s| s.kind == StateKind::Initial)
            .expect("validation guarantees exactly one initial state")
    }

    /// A state by id.
    pub fn state(&self, id: &StateId) -> Option<&State> {
        self.states.iter().find(|s| &s.id == id)
    }

    /// A transition by name.
    pub fn transition(&self, name: &str) -> Option<&Transition> {
        self.transitions.iter().find(|t| t.name == name)
    }

    /// The documents the step `transition` freezes.
    pub fn documents_frozen_by(&self, transition: &str) -> impl Iterator<Item = &DocumentSpec> {
        self.documents
            .iter()
            .filter(move |d| d.frozen_by.iter().any(|t| t == transition))
    }

    /// Whether the file's settings allow `when`: a step or clock whose
    /// settings condition the municipality switched off is not part of its
    /// lifecycle.
    pub fn settings_allow(&self, when: &Condition) -> bool {
        when.settings.iter().all(|(name, on)| {
            self.settings
                .iter()
                .any(|s| &s.name == name && s.enabled == *on)
        })
    }

    /// The states a case can reach under the file's settings, in file
    /// order (a state only a switched-off step leads to is left out).
    pub fn states_in_use(&self) -> Vec<&State> {
        let mut reached = BTreeSet::from([&self.initial_state().id]);
        loop {
            let more: Vec<&StateId> = self
                .transitions
                .iter()
                .filter(|t| self.settings_allow(&t.when))
                .filter(|t| t.from.iter().any(|f| reached.contains(f)))
                .filter_map(|t| t.to.as_ref())
                .filter(|to| !reached.contains(to))
                .collect();
            if more.is_empty() {
                break;
            }
            reached.extend(more);
        }
        self.states
            .iter()
            .filter(|s| reached.contains(&s.id))
            .collect()
    }

    /// A field by name.
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The roles responsible for a deadline: told when it passes unmet.
    /// None for a deadline the lifecycle does not declare.
    pub fn responsible_for(&self, deadline: &str) -> &[Role] {
        self.deadlines
            .iter()
            .find(|d| d.id == deadline)
            .map(|d| d.notify.as_slice())
            .unwrap_or_default()
    }

    /// The field that holds the severity outcome, if the lifecycle has one.
    pub fn outcome_field(&self) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.kind == FieldKind::Outcome)
    }

    /// The fields a disposal (gallring) removes the values of: free text
    /// and every field marked personal, except those named in `keep` (what
    /// the rule keeps for good and what the quality report counts). Dates,
    /// choices, numbers and the outcome stay.
    pub fn disposable_fields(
        &self,
        keep: &std::collections::BTreeSet<String>,
    ) -> std::collections::BTreeSet<String> {
        self.fields
            .iter()
            .filter(|f| (f.kind == FieldKind::Text || f.personal) && !keep.contains(&f.name))
            .map(|f| f.name.clone())
            .collect()
    }

    /// The fields a disclosure masks unless the sekretessprövning releases
    /// them: those marked secret or personal.
    pub fn secret_fields(&self) -> std::collections::BTreeSet<String> {
        self.fields
            .iter()
            .filter(|f| f.secret || f.personal)
            .map(|f| f.name.clone())
            .collect()
    }

    /// An outcome by id.
    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.id == id)
    }

    /// The states in which `role` has something to do: a transition it
    /// may take from there, or utredning journal entries it may add.
    pub fn states_acted_in_by(&self, role: Role) -> std::collections::BTreeSet<&StateId> {
        let transitions = self
            .transitions
            .iter()
            .filter(|t| t.roles.contains(&role))
            .flat_map(|t| t.from.iter());
        let journal = self
            .journal
            .iter()
            .filter(|j| j.roles.contains(&role))
            .flat_map(|j| j.states.iter());
        transitions.chain(journal).collect()
    }

    /// The citation texts of `ids` that are in force on `day` (a rule
    /// replaced by a later one is not shown for a step taken after it).
    pub fn references_in_force(&self, ids: &[String], day: NaiveDate) -> Vec<String> {
        ids.iter()
            .filter_map(|id| self.legal_references.iter().find(|r| &r.id == id))
            .filter(|r| r.in_force_on(day))
            .map(|r| r.text.clone())
            .collect()
    }

    /// The workflows that transitions of this one can spawn.
    pub fn spawn_targets(&self) -> impl Iterator<Item = &Spawn> {
        self.transitions.iter().filter_map(|t| t.spawns.as_ref())
    }
}

/// A text in Swedish and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// Svenska.
    pub sv: String,
    /// English.
    pub en: String,
}

/// A legal reference as shown to users, as the lifecycle file writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalReference {
    /// Id used by states, transitions and deadlines to cite it.
    pub id: String,
    /// The citation text.
    pub text: String,
    /// From when the rule applies (legislation changes, and a lifecycle
    /// file carries the old rule and the new one side by side).
    pub effective_from: Option<NaiveDate>,
    /// The last day the rule applies, where it has been replaced.
    pub effective_until: Option<NaiveDate>,
}

impl LegalReference {
    /// Whether the rule is in force on `day`.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.effective_from.is_none_or(|from| from <= day)
            && self.effective_until.is_none_or(|until| day <= until)
    }
}

/// One possible result of a bedömning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Id, e.g. `serious_missforhallande`.
    pub id: String,
    /// Human name.
    pub label: Label,
    /// Whether this outcome obliges an anmälan to IVO.
    pub reportable: bool,
    /// What choosing it means, in plain words, where the file says.
    pub explain: Option<Label>,
}

/// A field a case can hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// Field name, e.g. `what_happened`.
    pub name: String,
    /// What values it takes.
    pub kind: FieldKind,
    /// Human name.
    pub label: Label,
    /// Whether the value may identify a person (masked for roles that do not need it).
    pub personal: bool,
    /// Whether the value is secret when the case is disclosed (an uppgift
    /// om enskilds personliga förhållanden): masked in a disclosure unless
    /// the sekretessprövning releases it. Personal fields are secret too.
    pub secret: bool,
    /// Written for the person who reported the case (feedback when it
    /// closes): shown to the reporter, who reads nothing else of the
    /// investigation.
    pub for_reporter: bool,
    /// A choice field's values as people read them (ids are ASCII:
    /// `lakemedel` reads "Läkemedel"); values not listed read as their id.
    pub value_labels: BTreeMap<String, Label>,
    /// Legal references shown with the field.
    pub legal_refs: Vec<String>,
}

impl FieldSpec {
    /// The words for a choice value, if the file gives them.
    pub fn value_label(&self, value: &str) -> Option<&Label> {
        self.value_labels.get(value)
    }
}

/// Utlämnande (`[disclosure]`): a case is allmän handling, disclosed after
/// a sekretessprövning with its secret fields masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureRule {
    /// The roles that may disclose a case they read.
    pub roles: Vec<crate::Role>,
    /// The grounds of secrecy (legal reference ids), cited where a value
    /// is masked.
    pub legal_refs: Vec<String>,
}

/// A rule of the gallringsbeslut: cases closed in `states` keep their
/// personal content for `keep_for` after `counted_from`, then it is
/// disposed of (`varna retention run`); or, with `archive`, they are kept
/// for good and go to the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRule {
    /// Id, e.g. `avslutad`.
    pub id: String,
    /// What the rule says, in words.
    pub label: Label,
    /// The end states it covers.
    pub states: Vec<StateId>,
    /// What the time is counted from.
    pub counted_from: RetentionStart,
    /// How long the content is kept (`None` with `archive`).
    pub keep_for: Option<crate::duration::DeadlineDuration>,
    /// Kept for good (bevaras): never disposed of.
    pub archive: bool,
    /// Fields kept besides what the quality report counts.
    pub keep: Vec<String>,
    /// The legal references of the rule.
    pub legal_refs: Vec<String>,
}

/// What a retention time is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionStart {
    /// The case's closing.
    Closed,
    /// The last entry in the case (its newest event).
    LastEntry,
}

impl WorkflowDefinition {
    /// The rule for a case closed in `state`, if the lifecycle has one.
    pub fn retention_for(&self, state: &StateId) -> Option<&RetentionRule> {
        self.retention.iter().find(|r| r.states.contains(state))
    }
}

/// The type of a field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    /// Free text.
    Text,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// Yes or no.
    Boolean,
    /// A whole number within bounds.
    Integer {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// One of a fixed list of ids.
    Choice {
        /// The allowed ids.
        values: Vec<String>,
    },
    /// One of the lifecycle's outcomes.
    Outcome,
}

impl FieldKind {
    /// The word used for this kind in workflow files.
    pub fn as_str(&self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Date => "date",
            FieldKind::Boolean => "boolean",
            FieldKind::Integer { .. } => "integer",
            FieldKind::Choice { .. } => "choice",
            FieldKind::Outcome => "outcome",
        }
    }
}

/// A guard's demand for data: one field, or at least one of several.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// This field must be present.
    Field(String),
    /// At least one of these fields must be present.
    AnyOf(Vec<String>),
    /// Every journal entry on this topic has been followed up by an entry
    /// that names it (an action, and what it achieved).
    FollowedUp(String),
}

impl Requirement {
    /// Every field a command could set to meet this requirement (none for
    /// a follow-up, which only journal entries meet).
    pub fn fields(&self) -> &[String] {
        match self {
            Requirement::Field(f) => std::slice::from_ref(f),
            Requirement::AnyOf(fs) => fs,
            Requirement::FollowedUp(_) => &[],
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::Field(name) => f.write_str(name),
            Requirement::AnyOf(names) => write!(f, "one of ({})", names.join(" | ")),
            Requirement::FollowedUp(topic) => write!(f, "every {topic} entry followed up"),
        }
    }
}

/// Conditions a transition (or the start of a clock) puts on the case
/// beyond present fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Condition {
    /// The case's lagrum must be one of these.
    pub lagrum: Option<Vec<Lagrum>>,
    /// The outcome (after the command's own fields are applied) must be one of these.
    pub outcome: Option<Vec<String>>,
    /// These fields must already have a value (or a journal entry).
    pub set: Vec<String>,
    /// These fields must still be without a value (a step done once).
    pub unset: Vec<String>,
    /// These fields must hold one of the listed values (a complaint whose
    /// sender wants an answer; anything but praise).
    pub values: BTreeMap<String, Vec<Value>>,
    /// The risk score must be at or above the matrix's threshold (`High`),
    /// or scored below it or not at all (`NotHigh`).
    pub risk: Option<RiskLevel>,
    /// These settings of the file must be on (`true`) or off (`false`): a
    /// step that exists only where the municipality chose it.
    pub settings: BTreeMap<String, bool>,
}

/// A document a case renders: its title, the fields it shows (in order),
/// whether the utredning journal is part of it, and the steps that freeze
/// it — render it once, store it with its SHA-256 in the step's event, and
/// hand out those bytes ever after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSpec {
    /// The document's id within the file.
    pub id: String,
    /// Its title.
    pub title: Label,
    /// The legal references it is made under.
    pub legal_refs: Vec<String>,
    /// The transitions that freeze it (none: rendered on request only).
    pub frozen_by: Vec<String>,
    /// The fields it shows, in order.
    pub fields: Vec<String>,
    /// Whether the utredning journal is part of it.
    pub journal: bool,
}

/// A switch the municipality sets in its copy of the lifecycle file, e.g.
/// whether a verksamhetschef co-signs every closure. Conditions name it;
/// changing it is a new version of the file, like any other change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Name, e.g. `cosign_closure`.
    pub name: String,
    /// Whether it is on.
    pub enabled: bool,
    /// What it means, in words.
    pub label: Label,
}

/// Where a case's risk score stands against the lifecycle's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// At or above the threshold: escalation is the default.
    High,
    /// Below it, or not scored.
    NotHigh,
}

/// A risk matrix (sannolikhet × konsekvens): the score is the product of
/// two integer fields, and from `escalate_from` on escalation to lex Sarah
/// or lex Maria is the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskMatrix {
    /// The probability field (1–4).
    pub probability: String,
    /// The consequence field (1–4).
    pub consequence: String,
    /// The score from which escalation is the default.
    pub escalate_from: i64,
}

impl RiskMatrix {
    /// The score of `fields`, once both are scored.
    pub fn score(&self, fields: &crate::case::Fields) -> Option<i64> {
        let n = |f: &str| match fields.get(f) {
            Some(Value::Integer(n)) => Some(*n),
            _ => None,
        };
        Some(n(&self.probability)? * n(&self.consequence)?)
    }

    /// Where `fields` stand against the threshold.
    pub fn level(&self, fields: &crate::case::Fields) -> RiskLevel {
        match self.score(fields) {
            Some(score) if score >= self.escalate_from => RiskLevel::High,
            _ => RiskLevel::NotHigh,
        }
    }
}

/// Who may file and what a filing must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    /// Roles that may file.
    pub roles: Vec<Role>,
    /// Fields the filing must contain.
    pub requires: Vec<Requirement>,
    /// Further fields the filing may contain.
    pub accepts: Vec<String>,
    /// Roles told at once of a new case.
    pub notify: Vec<Role>,
    /// Legal references for filing.
    pub legal_refs: Vec<String>,
    /// The filing form's heading, where the file gives one.
    pub title: Option<Label>,
    /// What the filing form says first: who must report what, and where it goes.
    pub intro: Option<Label>,
    /// What the receipt says once the case is filed.
    pub receipt: Option<Label>,
    /// The menu entry that leads to the filing form, where the file gives one.
    pub nav: Option<Label>,
}

/// A state of the lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// Id, e.g. `utredning`.
    pub id: StateId,
    /// Initial, active or terminal.
    pub kind: StateKind,
    /// Human name.
    pub label: Label,
}

/// Where a state stands in the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateKind {
    /// Where every case starts; exactly one per lifecycle.
    Initial,
    /// A working state with at least one way out.
    Active,
    /// A closed case; no way out.
    Terminal,
}

/// A named move from one or more states to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// Unique name, e.g. `rule_serious`.
    pub name: String,
    /// Human name.
    pub label: Label,
    /// What taking it means, in plain words, where the file says.
    pub explain: Option<Label>,
    /// States it may be taken from.
    pub from: Vec<StateId>,
    /// State it leads to; `None` when the case stays where it is (a
    /// recorded step such as IVO's diarienummer arriving).
    pub to: Option<StateId>,
    /// Whether it takes a closed case back into work (with its reason).
    pub reopens: bool,
    /// Roles allowed to take it.
    pub roles: Vec<Role>,
    /// Fields that must be present on the case or in the command.
    pub requires: Vec<Requirement>,
    /// Further fields the command may set.
    pub accepts: Vec<String>,
    /// Conditions on lagrum and outcome.
    pub when: Condition,
    /// Roles told when it is taken.
    pub notify: Vec<Role>,
    /// A linked case it opens, e.g. an avvikelse escalated to lex Sarah.
    pub spawns: Option<Spawn>,
    /// Legal references shown with it.
    pub legal_refs: Vec<String>,
}

impl Transition {
    /// The state the case is in after this transition, taken from `from`.
    pub fn target<'a>(&'a self, from: &'a StateId) -> &'a StateId {
        self.to.as_ref().unwrap_or(from)
    }

    /// Every field the command of this transition may carry.
    pub fn allowed_fields(&self) -> impl Iterator<Item = &str> {
        self.requires
            .iter()
            .flat_map(|r| r.fields().iter())
            .chain(self.accepts.iter())
            .map(String::as_str)
    }
}

/// A case opened by a transition, linked to the case it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spawn {
    /// The lifecycle of the new case.
    pub workflow: String,
    /// How the two cases are linked.
    pub link: LinkKind,
}

/// How two cases are linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// The new case is an escalation of this one (avvikelse → lex Sarah).
    EscalatedFrom,
    /// The new case came out of this one (klagomål → avvikelse).
    SpawnedBy,
    /// Two existing cases concern the same matter (linked by hand).
    RelatedTo,
    /// One case reports the same matter as an earlier one of the same
    /// lifecycle (marked by hand): the duplicate is closed where it stands,
    /// keeps its number and history, and is left out of the counts.
    DuplicateOf,
}

/// What starts a deadline's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockStart {
    /// Filing the case.
    Filing,
    /// Taking the named transition.
    Transition(String),
}

/// A clock: when it starts, how long it runs, what stops it, whom it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// Id, e.g. `ivo_anmalan`.
    pub id: String,
    /// What is due, in words.
    pub label: Label,
    /// The events that start the clock (a clock already started, or met,
    /// is not restarted: it keeps its first start).
    pub starts_on: Vec<ClockStart>,
    /// Date fields whose value, the first one set, is the clock start
    /// instead of the event's time (lex Maria runs from the event).
    pub start_fields: Vec<String>,
    /// How long the clock runs, by the day it starts.
    pub within: Schedule,
    /// The legal term the duration stands for, if written as one (e.g. `snarast`).
    pub term: Option<String>,
    /// Where the lagrum use different words for the same duty: the
    /// duration and term for cases under that lagrum.
    pub by_lagrum: BTreeMap<Lagrum, (Schedule, Option<String>)>,
    /// Transitions that meet the deadline.
    pub satisfied_by: Vec<String>,
    /// A date field the meeting transition states: the clock is met on
    /// that day (the anmälan's send date), not when it was typed in.
    pub met_field: Option<String>,
    /// A date field that sets the due day itself (IVO's own date for a
    /// complement), instead of `within`.
    pub due_field: Option<String>,
    /// Conditions on the case for the clock to start at all.
    pub when: Condition,
    /// Roles responsible (notified when it passes).
    pub notify: Vec<Role>,
    /// Legal references shown with it.
    pub legal_refs: Vec<String>,
}

impl Deadline {
    /// How long the clock runs for a case under `lagrum`, and the term it
    /// stands for.
    pub fn within_for(&self, lagrum: Lagrum) -> (&Schedule, Option<&str>) {
        match self.by_lagrum.get(&lagrum) {
            Some((d, term)) => (d, term.as_deref()),
            None => (&self.within, self.term.as_deref()),
        }
    }
}

/// The attributed, append-only utredning journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalSpec {
    /// Roles that may add entries.
    pub roles: Vec<Role>,
    /// States in which entries may be added.
    pub states: Vec<StateId>,
    /// Text fields an entry may document; an entry makes its topic present.
    /// Only entries write them: a command cannot set a topic as a field.
    pub topics: Vec<String>,
    /// Topics whose entries carry more than text.
    pub structured: Vec<StructuredTopic>,
}

impl JournalSpec {
    /// The structure entries on `topic` carry, if any.
    pub fn structure(&self, topic: &str) -> Option<&StructuredTopic> {
        self.structured.iter().find(|s| s.topic == topic)
    }
}

/// What an entry on a structured topic carries besides its text: an
/// action names the cause it addresses, who owns it and by when (its
/// tidsplan); a follow-up names the action it follows up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructuredTopic {
    /// The topic.
    pub topic: String,
    /// Each entry names an entry on this topic (e.g. `causes`).
    pub addresses: Option<String>,
    /// Each entry names who owns it.
    pub owner: bool,
    /// Each entry states by when.
    pub due: bool,
    /// Each entry names an entry on this topic that it follows up.
    pub follows_up: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_names_the_roles_responsible_for_it() {
        let def = parse(
            "avvikelse",
            include_str!("../../../../workflows/avvikelse.toml"),
        )
        .expect("a shipped definition is valid");
        assert_eq!(
            def.responsible_for("actions_documented"),
            [Role::UnitManager, Role::OperationsManager]
        );
        assert!(def.responsible_for("no_such_deadline").is_empty());
    }
}
