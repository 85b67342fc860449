//! GraphQL enums and inputs, each documented for clients that learn the
//! API from introspection alone.

use async_graphql::{Enum, ID, InputObject, Json};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

/// The four lifecycles Varna first shipped, as an enum. Kept for the clients
/// written against it; a lifecycle is named by its file (`workflow { name }`,
/// the `workflow` inputs), which also covers the kommunal anmälan and any
/// lifecycle an installation adds — those have no `CaseKind`.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CaseKind {
    /// Avvikelse: an event that caused or could have caused harm, or a risk of one.
    Avvikelse,
    /// Lex Sarah: a report of a missförhållande or påtaglig risk for one in SoL/LSS care.
    LexSarah,
    /// Lex Maria: an event in health care that caused or could have caused an allvarlig vårdskada.
    LexMaria,
    /// Klagomål och synpunkter: complaints and feedback, including praise.
    Klagomal,
}

impl CaseKind {
    /// The workflow (definition file) name.
    pub fn workflow(self) -> &'static str {
        match self {
            CaseKind::Avvikelse => "avvikelse",
            CaseKind::LexSarah => "lex-sarah",
            CaseKind::LexMaria => "lex-maria",
            CaseKind::Klagomal => "klagomal",
        }
    }

    /// The kind of a workflow name.
    pub fn from_workflow(name: &str) -> Option<CaseKind> {
        [
            CaseKind::Avvikelse,
            CaseKind::LexSarah,
            CaseKind::LexMaria,
            CaseKind::Klagomal,
        ]
        .into_iter()
        .find(|k| k.workflow() == name)
    }
}

/// The law a case is handled under.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Lagrum {
    /// Socialtjänstlagen.
    Sol,
    /// Lagen om stöd och service till vissa funktionshindrade.
    Lss,
    /// Hälso- och sjukvårdslagen.
    Hsl,
}

impl From<Lagrum> for varna_workflow::Lagrum {
    fn from(l: Lagrum) -> Self {
        match l {
            Lagrum::Sol => varna_workflow::Lagrum::Sol,
            Lagrum::Lss => varna_workflow::Lagrum::Lss,
            Lagrum::Hsl => varna_workflow::Lagrum::Hsl,
        }
    }
}

impl Lagrum {
    /// From the stored text.
    pub fn from_text(s: &str) -> Lagrum {
        match s {
            "LSS" => Lagrum::Lss,
            "HSL" => Lagrum::Hsl,
            _ => Lagrum::Sol,
        }
    }
}

/// Whether a journal entry states a fact or an assessment.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A fact.
    Fact,
    /// An assessment (bedömning).
    Assessment,
}

/// Where a lex Sarah or lex Maria escalation goes.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum EscalationTarget {
    /// A lex Sarah investigation (SoL/LSS avvikelser).
    LexSarah,
    /// A lex Maria investigation (HSL avvikelser).
    LexMaria,
}

/// The affected person's gender, as counted in quality reports.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Gender {
    /// Kvinna.
    Kvinna,
    /// Man.
    Man,
    /// Ej angivet.
    EjAngivet,
}

impl Gender {
    /// The field value.
    pub fn value(self) -> &'static str {
        match self {
            Gender::Kvinna => "kvinna",
            Gender::Man => "man",
            Gender::EjAngivet => "ej_angivet",
        }
    }
}

/// Field values by field name, as a JSON object: text, `YYYY-MM-DD` dates and ids as strings, numbers, booleans. The `workflows` query lists each lifecycle's fields.
pub type FieldsInput = Json<BTreeMap<String, serde_json::Value>>;

/// File a new case.
#[derive(InputObject, Debug)]
pub struct FileCaseInput {
    /// What kind of case, one of the four first lifecycles. Give this or `workflow`.
    #[graphql(deprecation = "name the lifecycle with `workflow`; it covers every lifecycle")]
    pub kind: Option<CaseKind>,
    /// The lifecycle by name (`workflows { name }`): any lifecycle this installation loads, including its own. Give this or `kind`.
    pub workflow: Option<String>,
    /// The law it falls under; must be one the lifecycle accepts.
    pub lagrum: Lagrum,
    /// The unit (enhet) it concerns, by code; unit-scoped roles may file only for their units.
    pub unit: String,
    /// The filing's fields (see `workflows { filing { requires accepts } }`).
    pub fields: FieldsInput,
    /// The affected person's personnummer or samordningsnummer (YYYYMMDD-NNNN), stored apart from case text.
    pub personnummer: Option<String>,
    /// A key unique to this request: a retry with the same key returns the first result and files nothing.
    pub idempotency_key: Option<String>,
}

/// Take a named transition.
#[derive(InputObject, Debug)]
pub struct TransitionInput {
    /// The case.
    pub case_id: ID,
    /// The transition's name (see `Case.availableTransitions`).
    pub transition: String,
    /// Fields the transition sets (its required and accepted fields).
    #[graphql(default)]
    pub fields: FieldsInput,
    /// Refuse with CONFLICT unless the case is at this version.
    pub expected_version: Option<i64>,
    /// A key unique to this request; a retry returns the first result.
    pub idempotency_key: Option<String>,
}

/// Add an attributed entry to the utredning journal.
#[derive(InputObject, Debug)]
pub struct UtredningEntryInput {
    /// The case.
    pub case_id: ID,
    /// The item documented, e.g. `causes`, `consequences`, `affected_person_view` (see `workflows { journal { topics } }`).
    pub topic: String,
    /// What is documented.
    pub text: String,
    /// Where it came from (interview, record, observation…).
    pub source: String,
    /// Fact or assessment.
    pub kind: EntryKind,
    /// The date it was documented (today or earlier).
    pub documented_on: NaiveDate,
    /// The author's name, as the utredning must show it.
    pub author_name: String,
    /// The author's title.
    pub author_title: String,
    /// For an action: the number of the `causes` entry it addresses (see `utredningJournal { number }`).
    pub addresses: Option<i32>,
    /// For an action: who owns it.
    pub owner: Option<String>,
    /// For an action: by when (the tidsplan).
    pub due_on: Option<NaiveDate>,
    /// For a follow-up: the number of the action entry it follows up.
    pub follows_up: Option<i32>,
    /// Refuse with CONFLICT unless the case is at this version.
    pub expected_version: Option<i64>,
    /// A key unique to this request; a retry returns the first result.
    pub idempotency_key: Option<String>,
}

/// Escalate an avvikelse to a lex Sarah or lex Maria investigation (opens a linked case).
#[derive(InputObject, Debug)]
pub struct EscalateInput {
    /// The avvikelse.
    pub case_id: ID,
    /// Lex Sarah (SoL/LSS) or lex Maria (HSL). Give this or `workflow`.
    #[graphql(deprecation = "name the investigation's lifecycle with `workflow`")]
    pub to: Option<EscalationTarget>,
    /// The lifecycle of the investigation to open, by name (e.g. `lex-sarah`): the case's lifecycle must have a step that escalates to it. Give this or `to`.
    pub workflow: Option<String>,
    /// Why an investigation is needed.
    pub reason: String,
    /// The affected person's gender (counted in quality reports).
    pub affected_gender: Gender,
    /// Refuse with CONFLICT unless the case is at this version.
    pub expected_version: Option<i64>,
    /// A key unique to this request; a retry returns the first result.
    pub idempotency_key: Option<String>,
}

/// Which cases to list. Every condition narrows; omitted ones do not.
#[derive(InputObject, Debug, Default)]
pub struct CaseFilterInput {
    /// Only these kinds.
    #[graphql(
        deprecation = "filter by lifecycle name with `workflows`; it covers every lifecycle"
    )]
    pub kinds: Option<Vec<CaseKind>>,
    /// Only these lifecycles, by name (with `kinds`: either).
    pub workflows: Option<Vec<String>>,
    /// Only these states (ids from the lifecycle).
    pub states: Option<Vec<String>>,
    /// Only these units.
    pub units: Option<Vec<String>>,
    /// Only these lagrum.
    pub lagrum: Option<Vec<Lagrum>>,
    /// Only these severity outcomes.
    pub outcomes: Option<Vec<String>>,
    /// Filed at or after.
    pub opened_from: Option<DateTime<Utc>>,
    /// Filed before.
    pub opened_before: Option<DateTime<Utc>>,
    /// Only closed (true) or only open (false) cases.
    pub closed: Option<bool>,
    /// Only open cases with a deadline that has passed.
    pub overdue: Option<bool>,
    /// Only open cases whose next deadline falls before this time.
    pub due_before: Option<DateTime<Utc>>,
    /// Only cases whose text contains every word given, in any case (the
    /// lifecycle's text fields that do not identify a person; at most 200
    /// characters, the first eight words).
    pub text: Option<String>,
}

/// The most entries a list in a filter may have.
pub const MAX_FILTER_LIST: usize = 100;

/// `INVALID_INPUT` (problem `TOO_MANY`) when `list` is longer than [`MAX_FILTER_LIST`].
pub(crate) fn bounded<T>(field: &'static str, list: Option<&Vec<T>>) -> async_graphql::Result<()> {
    use async_graphql::ErrorExtensions;
    if list.is_some_and(|l| l.len() > MAX_FILTER_LIST) {
        return Err(crate::error::error(
            crate::error::Code::InvalidInput,
            format!("{field} may list at most {MAX_FILTER_LIST} entries"),
        )
        .extend_with(move |_, x| {
            x.set("field", field);
            x.set("problem", "TOO_MANY");
        }));
    }
    Ok(())
}

impl CaseFilterInput {
    /// Every list within [`MAX_FILTER_LIST`].
    pub(crate) fn check_bounds(&self) -> async_graphql::Result<()> {
        bounded("kinds", self.kinds.as_ref())?;
        bounded("workflows", self.workflows.as_ref())?;
        bounded("states", self.states.as_ref())?;
        bounded("units", self.units.as_ref())?;
        bounded("lagrum", self.lagrum.as_ref())?;
        bounded("outcomes", self.outcomes.as_ref())?;
        if self.text.as_ref().is_some_and(|t| t.chars().count() > 200) {
            use async_graphql::ErrorExtensions;
            return Err(crate::error::error(
                crate::error::Code::InvalidInput,
                "text may be at most 200 characters",
            )
            .extend_with(|_, x| {
                x.set("field", "text");
                x.set("problem", "TOO_LONG");
            }));
        }
        Ok(())
    }
}

/// Link two existing cases that concern the same matter (e.g. a complaint and the avvikelse it led to).
#[derive(InputObject, Debug)]
pub struct LinkCasesInput {
    /// One case.
    pub case_id: ID,
    /// The other case.
    pub other_case_id: ID,
    /// Refuse with CONFLICT unless the first case is at this version.
    pub expected_version: Option<i64>,
    /// A key unique to this request; a retry returns the first result.
    pub idempotency_key: Option<String>,
}

/// Input to `assignHandlaggare`.
#[derive(Debug, InputObject)]
pub struct AssignHandlaggareInput {
    /// The case.
    pub case_id: ID,
    /// The person to name (their user id): someone who holds a role that works this kind of case at its unit.
    pub person_id: String,
    /// Refuse with CONFLICT unless the case is at this version.
    pub expected_version: Option<i64>,
    /// A key unique to this request; a retry returns the first result.
    pub idempotency_key: Option<String>,
}

/// The handläggare of a case: the person named to work it.
#[derive(Debug, async_graphql::SimpleObject)]
pub struct Handlaggare {
    /// User id.
    pub id: String,
    /// Name (the user id when the person is not registered).
    pub name: String,
    /// Title.
    pub title: String,
    /// The role they work the case in.
    pub role: String,
}

/// Input to `markDuplicate`.
#[derive(Debug, InputObject)]
pub struct MarkDuplicateInput {
    /// The later report: closed where it stands and counted only as a duplicate.
    pub case_id: ID,
    /// The earlier case of the same kind that reports the same matter (not itself a duplicate).
    pub original_case_id: ID,
    /// Refuse with CONFLICT unless the duplicate is at this version.
    pub expected_version: Option<i64>,
    /// A key unique to this request; a retry returns the first result.
    pub idempotency_key: Option<String>,
}

impl FileCaseInput {
    /// The lifecycle's name, from `kind` or `workflow` (exactly one).
    pub(crate) fn workflow_name(&self) -> async_graphql::Result<String> {
        match (&self.kind, &self.workflow) {
            (Some(kind), None) => Ok(kind.workflow().to_owned()),
            (None, Some(name)) => Ok(name.clone()),
            _ => Err(crate::error::error(
                crate::error::Code::InvalidInput,
                "give the case's kind or its workflow, one of them",
            )),
        }
    }
}
