//! The TOML shape of a definition file, as serde reads it: names stay text
//! with their source spans so that validation can name the line of every
//! problem and report them all at once.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::Label;

pub(super) type Name = Spanned<String>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) workflow: Spanned<RawHeader>,
    #[serde(default)]
    pub(super) terms: BTreeMap<String, Spanned<RawTerm>>,
    #[serde(default, rename = "legal_reference")]
    pub(super) legal_references: Vec<RawLegalReference>,
    #[serde(default, rename = "outcome")]
    pub(super) outcomes: Vec<RawOutcome>,
    #[serde(default, rename = "field")]
    pub(super) fields: Vec<RawField>,
    pub(super) filing: Spanned<RawFiling>,
    #[serde(rename = "state")]
    pub(super) states: Vec<RawState>,
    #[serde(default, rename = "transition")]
    pub(super) transitions: Vec<RawTransition>,
    #[serde(default, rename = "deadline")]
    pub(super) deadlines: Vec<RawDeadline>,
    pub(super) journal: Option<Spanned<RawJournal>>,
    pub(super) risk: Option<Spanned<RawRisk>>,
    #[serde(default, rename = "setting")]
    pub(super) settings: Vec<RawSetting>,
    #[serde(default, rename = "document")]
    pub(super) documents: Vec<RawDocument>,
    pub(super) public: Option<Spanned<RawPublic>>,
    #[serde(default, rename = "retention")]
    pub(super) retention: Vec<RawRetention>,
    pub(super) disclosure: Option<Spanned<RawDisclosure>>,
}

/// Who may disclose a case and on which grounds it is secret: see
/// `DisclosureRule`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDisclosure {
    pub(super) roles: Vec<Name>,
    pub(super) legal_refs: Vec<Name>,
}

/// A rule of the gallringsbeslut: see `RetentionRule`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRetention {
    pub(super) id: Name,
    pub(super) label: Label,
    pub(super) states: Vec<Name>,
    pub(super) counted_from: Name,
    pub(super) keep_for: Option<Name>,
    #[serde(default)]
    pub(super) archive: bool,
    #[serde(default)]
    pub(super) keep: Vec<Name>,
    pub(super) legal_refs: Vec<Name>,
}

/// The public form: see `PublicIntake`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPublic {
    pub(super) title: Label,
    pub(super) intro: Label,
    pub(super) receipt: Label,
    pub(super) asks: Vec<Name>,
    #[serde(default)]
    pub(super) labels: BTreeMap<String, Label>,
    #[serde(default)]
    pub(super) sets: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub(super) dated: Vec<Name>,
    #[serde(default)]
    pub(super) lagrum: BTreeMap<String, Label>,
    pub(super) shows: Vec<Name>,
    pub(super) reply: Name,
}

/// A document the case renders (the anmälan to IVO, the utredning): which
/// fields, in order, whether the journal is part of it, and the steps that
/// freeze it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDocument {
    pub(super) id: Name,
    pub(super) title: Label,
    #[serde(default)]
    pub(super) legal_refs: Vec<Name>,
    #[serde(default)]
    pub(super) frozen_by: Vec<Name>,
    pub(super) fields: Vec<Name>,
    #[serde(default)]
    pub(super) journal: bool,
}

/// A switch the municipality sets in its copy of the file (e.g. whether a
/// verksamhetschef co-signs every closure); conditions name it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSetting {
    pub(super) name: Name,
    pub(super) enabled: bool,
    pub(super) label: Label,
}

/// The risk matrix: two 1–4 fields whose product is the score, and the
/// score from which escalation is the default.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRisk {
    pub(super) probability: Name,
    pub(super) consequence: Name,
    pub(super) escalate_from: Spanned<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHeader {
    pub(super) name: Name,
    pub(super) version: Spanned<i64>,
    pub(super) label: Label,
    pub(super) lagrum: Vec<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLegalReference {
    pub(super) id: Name,
    pub(super) text: String,
    pub(super) effective_from: Option<Name>,
    pub(super) effective_until: Option<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutcome {
    pub(super) id: Name,
    pub(super) label: Label,
    pub(super) reportable: bool,
    pub(super) explain: Option<Label>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawField {
    pub(super) name: Name,
    #[serde(rename = "type")]
    pub(super) kind: Name,
    pub(super) label: Label,
    #[serde(default)]
    pub(super) personal: bool,
    #[serde(default)]
    pub(super) secret: bool,
    #[serde(default)]
    pub(super) for_reporter: bool,
    #[serde(default)]
    pub(super) values: Vec<Name>,
    #[serde(default)]
    pub(super) value_labels: BTreeMap<String, Label>,
    pub(super) min: Option<i64>,
    pub(super) max: Option<i64>,
    #[serde(default)]
    pub(super) legal_refs: Vec<Name>,
}

/// A required field, or `{ any = [...] }` for "at least one of". Serde's
/// untagged enums lose spans inside them, so the span is kept around it.
pub(super) type RawRequirement = Spanned<RawRequirementKind>;

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawRequirementKind {
    Field(String),
    Any { any: Vec<String> },
    FollowedUp { followed_up: String },
}

/// A term's duration, or its durations from given days on
/// (`genast = [{ within = "3d" }, { within = "24h", from = "2027-01-01" }]`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawTerm {
    One(String),
    Dated(Vec<RawDatedTerm>),
}

/// One step of a dated term.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDatedTerm {
    pub(super) within: String,
    pub(super) from: Option<String>,
}

/// One name or a list of names, e.g. `starts_on = "file"` or
/// `starts_on = ["mark_serious", "propose_anmalan"]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawOneOrMany {
    One(String),
    Many(Vec<String>),
}

impl RawOneOrMany {
    /// The names, each with the span of the whole value.
    pub(super) fn names(raw: &Spanned<RawOneOrMany>) -> Vec<Name> {
        let one = |n: &String| Name::new(raw.span(), n.clone());
        match raw.get_ref() {
            RawOneOrMany::One(n) => vec![one(n)],
            RawOneOrMany::Many(ns) => ns.iter().map(one).collect(),
        }
    }
}

/// How long a clock runs: one duration or term, or one per lagrum
/// (`within = { SoL = "genast", LSS = "utan_drojsmal" }`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawWithin {
    One(String),
    ByLagrum(BTreeMap<String, String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFiling {
    pub(super) roles: Vec<Name>,
    #[serde(default)]
    pub(super) requires: Vec<RawRequirement>,
    #[serde(default)]
    pub(super) accepts: Vec<Name>,
    #[serde(default)]
    pub(super) notify: Vec<Name>,
    #[serde(default)]
    pub(super) legal_refs: Vec<Name>,
    pub(super) title: Option<Label>,
    pub(super) intro: Option<Label>,
    pub(super) receipt: Option<Label>,
    pub(super) nav: Option<Label>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawState {
    pub(super) id: Name,
    pub(super) kind: Name,
    pub(super) label: Label,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTransition {
    pub(super) name: Name,
    pub(super) label: Label,
    pub(super) explain: Option<Label>,
    pub(super) from: Vec<Name>,
    pub(super) to: Option<Name>,
    #[serde(default)]
    pub(super) reopens: bool,
    pub(super) roles: Vec<Name>,
    #[serde(default)]
    pub(super) requires: Vec<RawRequirement>,
    #[serde(default)]
    pub(super) accepts: Vec<Name>,
    #[serde(default)]
    pub(super) when: RawCondition,
    #[serde(default)]
    pub(super) notify: Vec<Name>,
    pub(super) spawns: Option<RawSpawn>,
    #[serde(default)]
    pub(super) legal_refs: Vec<Name>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCondition {
    pub(super) lagrum: Option<Vec<Name>>,
    pub(super) outcome: Option<Vec<Name>>,
    #[serde(default)]
    pub(super) set: Vec<Name>,
    #[serde(default)]
    pub(super) unset: Vec<Name>,
    #[serde(default)]
    pub(super) values: BTreeMap<String, Spanned<Vec<toml::Value>>>,
    pub(super) risk: Option<Name>,
    #[serde(default)]
    pub(super) settings: BTreeMap<String, Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSpawn {
    pub(super) workflow: Name,
    pub(super) link: Name,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDeadline {
    pub(super) id: Name,
    pub(super) label: Label,
    pub(super) starts_on: Spanned<RawOneOrMany>,
    pub(super) start_field: Option<Spanned<RawOneOrMany>>,
    pub(super) within: Spanned<RawWithin>,
    pub(super) satisfied_by: Vec<Name>,
    pub(super) met_field: Option<Name>,
    pub(super) due_field: Option<Name>,
    #[serde(default)]
    pub(super) when: RawCondition,
    #[serde(default)]
    pub(super) notify: Vec<Name>,
    #[serde(default)]
    pub(super) legal_refs: Vec<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawJournal {
    pub(super) roles: Vec<Name>,
    pub(super) states: Vec<Name>,
    pub(super) topics: Vec<Name>,
    #[serde(default)]
    pub(super) structured: Vec<RawStructured>,
}

/// A journal topic whose entries carry more than text: the entry of another
/// topic each addresses (an action names its cause), an owner and a due date,
/// or the entry it follows up.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStructured {
    pub(super) topic: Name,
    pub(super) addresses: Option<Name>,
    #[serde(default)]
    pub(super) owner: bool,
    #[serde(default)]
    pub(super) due: bool,
    pub(super) follows_up: Option<Name>,
}
