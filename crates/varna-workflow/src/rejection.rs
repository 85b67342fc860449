//! Why the engine refused a command: typed, with messages that name
//! fields, states and roles and never values, so they are safe to log and
//! to show.

use serde::{Deserialize, Serialize};

use crate::definition::{Requirement, WorkflowRef};
use crate::vocab::{Lagrum, Role, StateId};

/// Why a command was refused. Messages name fields, states and roles only,
/// never values, so they are safe to log and to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The actor's role may not do this.
    #[error("role {role} may not {action}")]
    Forbidden {
        /// The actor's role.
        role: Role,
        /// What was attempted.
        action: String,
    },
    /// The case belongs to a unit outside the actor's reach.
    #[error("the case's unit is outside the units of this {role}")]
    OutsideUnits {
        /// The actor's role.
        role: Role,
    },
    /// The definition has no transition of that name.
    #[error("workflow {workflow} has no transition \"{transition}\"")]
    UnknownTransition {
        /// The workflow.
        workflow: String,
        /// The name given.
        transition: String,
    },
    /// The transition exists but not from the case's current state.
    #[error("transition \"{transition}\" cannot be taken from state \"{from}\"")]
    InvalidTransition {
        /// The case's state.
        from: StateId,
        /// The transition.
        transition: String,
    },
    /// Required data missing, or a condition on lagrum or outcome not met.
    #[error("{}", guard_message(.transition, .missing, .failed))]
    GuardFailed {
        /// The transition (or `file`).
        transition: String,
        /// Requirements not met.
        missing: Vec<Requirement>,
        /// Conditions not met.
        failed: Vec<FailedCondition>,
    },
    /// A field value or name is not acceptable.
    #[error("invalid input for \"{field}\": {problem}")]
    InvalidInput {
        /// The field.
        field: String,
        /// What is wrong.
        problem: InputProblem,
    },
    /// The case was started under another definition than the one given.
    #[error("the case runs under {case_workflow}, not {given}")]
    DefinitionMismatch {
        /// The case's definition.
        case_workflow: WorkflowRef,
        /// The definition passed in.
        given: WorkflowRef,
    },
    /// The journal cannot take entries now.
    #[error("the utredning journal takes no entries in state \"{state}\"")]
    JournalClosed {
        /// The case's state.
        state: StateId,
    },
    /// The deadline is not running past its due time (met, already passed,
    /// not yet due, or unknown).
    #[error("deadline \"{deadline}\" is not running past its due time")]
    DeadlineNotDue {
        /// The deadline's id.
        deadline: String,
    },
}

fn guard_message(transition: &str, missing: &[Requirement], failed: &[FailedCondition]) -> String {
    let mut parts = Vec::new();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(ToString::to_string).collect();
        parts.push(format!("missing {}", list.join(", ")));
    }
    parts.extend(failed.iter().map(ToString::to_string));
    format!("\"{transition}\" is not allowed yet: {}", parts.join("; "))
}

/// A condition on lagrum or outcome that was not met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "condition", rename_all = "snake_case")]
pub enum FailedCondition {
    /// The case's lagrum is not one the transition allows.
    #[error("lagrum must be one of {} (is {actual})", list(.allowed))]
    Lagrum {
        /// Allowed lagrum.
        allowed: Vec<Lagrum>,
        /// The case's lagrum.
        actual: Lagrum,
    },
    /// The outcome is not one the transition allows.
    #[error("outcome must be one of {} (is {})", list(.allowed), .actual.as_deref().unwrap_or("not set"))]
    Outcome {
        /// Allowed outcomes.
        allowed: Vec<String>,
        /// The outcome after the command, if any.
        actual: Option<String>,
    },
    /// A step that must come first has not been recorded.
    #[error("{field} must be recorded first")]
    Set {
        /// The field still without a value.
        field: String,
    },
    /// A step done once has been recorded already.
    #[error("{field} is recorded already")]
    Unset {
        /// The field that has a value.
        field: String,
    },
    /// The risk score is not where the step is for (a plain closing above
    /// the escalation threshold).
    #[error("the risk score is not {}", match .required { crate::definition::RiskLevel::High => "at or above the threshold", crate::definition::RiskLevel::NotHigh => "below the threshold" })]
    Risk {
        /// Where it must stand.
        required: crate::definition::RiskLevel,
    },
    /// A setting of the file is not as the step needs it: the step is not
    /// part of this municipality's lifecycle.
    #[error("the lifecycle's setting {name} is {}", if *.enabled { "off" } else { "on" })]
    Setting {
        /// The setting.
        name: String,
        /// How the step needs it.
        enabled: bool,
    },
    /// A field does not hold one of the values the step is for.
    #[error("{field} is not one of the values this step is for")]
    Value {
        /// The field.
        field: String,
    },
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What is wrong with one input field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputProblem {
    /// The workflow has no such field.
    #[error("the workflow has no such field")]
    UnknownField,
    /// The field exists but this command does not set it.
    #[error("\"{by}\" does not accept this field")]
    NotAccepted {
        /// The transition (or `file`).
        by: String,
    },
    /// Wrong kind of value.
    #[error("expected {expected}")]
    WrongType {
        /// What was expected.
        expected: &'static str,
    },
    /// Blank text.
    #[error("must not be empty")]
    Empty,
    /// Too long.
    #[error("longer than {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Not one of the allowed ids.
    #[error("must be one of {}", .allowed.join(", "))]
    NotAllowed {
        /// The allowed ids.
        allowed: Vec<String>,
    },
    /// Outside the allowed range.
    #[error("must be between {min} and {max}")]
    OutOfRange {
        /// Smallest.
        min: i64,
        /// Largest.
        max: i64,
    },
    /// A date after today.
    #[error("must not be in the future")]
    InFuture,
    /// A closing date before the case was reported.
    #[error("must not be before the case was reported")]
    BeforeReported,
    /// The cases are linked this way already.
    #[error("the cases are already linked")]
    AlreadyLinked,
    /// An utredning item: written only as an attributed journal entry.
    #[error("is written only as an attributed utredning journal entry")]
    JournalOnly,
    /// A duplicate must be of the same lifecycle as its original.
    #[error("must be a case of the same kind ({workflow})")]
    OtherLifecycle {
        /// The lifecycle the case must be of.
        workflow: String,
    },
    /// The case is marked as a duplicate already (of `of`).
    #[error("is marked as a duplicate of {of} already")]
    IsDuplicate {
        /// The case it is a duplicate of.
        of: String,
    },
    /// A structured entry names an entry the case does not have.
    #[error("names no {topic} entry of this case")]
    NoSuchEntry {
        /// The topic the named entry should be on.
        topic: String,
    },
}

impl InputProblem {
    /// A stable code for the problem (`EMPTY`, `TOO_LONG`, …), for clients
    /// that word the message themselves, e.g. in Swedish.
    pub fn code(&self) -> &'static str {
        match self {
            InputProblem::UnknownField => "UNKNOWN_FIELD",
            InputProblem::NotAccepted { .. } => "NOT_ACCEPTED",
            InputProblem::WrongType { .. } => "WRONG_TYPE",
            InputProblem::Empty => "EMPTY",
            InputProblem::TooLong { .. } => "TOO_LONG",
            InputProblem::NotAllowed { .. } => "NOT_ALLOWED",
            InputProblem::OutOfRange { .. } => "OUT_OF_RANGE",
            InputProblem::InFuture => "IN_FUTURE",
            InputProblem::BeforeReported => "BEFORE_REPORTED",
            InputProblem::AlreadyLinked => "ALREADY_LINKED",
            InputProblem::JournalOnly => "JOURNAL_ONLY",
            InputProblem::OtherLifecycle { .. } => "OTHER_LIFECYCLE",
            InputProblem::IsDuplicate { .. } => "IS_DUPLICATE",
            InputProblem::NoSuchEntry { .. } => "NO_SUCH_ENTRY",
        }
    }
}
