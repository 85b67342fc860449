//! The checks `decide` makes before it writes anything: what a guard
//! requires and whether its conditions hold, field values against their
//! types, the structure of an utredning entry, and when a clock falls due.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::case::{Case, Fields, JournalEntry, Value};
use crate::command::MAX_TEXT_CHARS;
use crate::definition::{
    Condition, Deadline, FieldKind, JournalSpec, Requirement, Transition, WorkflowDefinition,
};
use crate::rejection::{FailedCondition, InputProblem, Rejection};
use crate::vocab::Lagrum;

/// An entry on a structured topic carries what its topic asks (an action:
/// the cause it addresses, an owner, a date; a follow-up: the action), and
/// names entries of the right topic; a plain entry carries none of it.
pub(crate) fn check_structure(
    journal: &JournalSpec,
    case: &Case,
    entry: &JournalEntry,
) -> Result<(), Rejection> {
    let invalid = |field: &str, problem| {
        Err(Rejection::InvalidInput {
            field: field.into(),
            problem,
        })
    };
    let structure = journal.structure(&entry.topic);
    let refers = |number: Option<u32>, topic: Option<&String>, field: &str| match (number, topic) {
        (None, None) => Ok(()),
        (Some(_), None) => invalid(
            field,
            InputProblem::NotAccepted {
                by: entry.topic.clone(),
            },
        ),
        (None, Some(_)) => invalid(field, InputProblem::Empty),
        (Some(n), Some(topic)) => match case.entry(n) {
            Some(e) if &e.topic == topic => Ok(()),
            _ => invalid(
                field,
                InputProblem::NoSuchEntry {
                    topic: topic.clone(),
                },
            ),
        },
    };
    refers(
        entry.addresses,
        structure.and_then(|s| s.addresses.as_ref()),
        "addresses",
    )?;
    refers(
        entry.follows_up,
        structure.and_then(|s| s.follows_up.as_ref()),
        "follows_up",
    )?;
    let wants_owner = structure.is_some_and(|s| s.owner);
    match (&entry.owner, wants_owner) {
        (Some(owner), true) => check_text(owner).or_else(|p| invalid("owner", p))?,
        (None, true) => invalid("owner", InputProblem::Empty)?,
        (Some(_), false) => invalid(
            "owner",
            InputProblem::NotAccepted {
                by: entry.topic.clone(),
            },
        )?,
        (None, false) => {}
    }
    match (entry.due_on, structure.is_some_and(|s| s.due)) {
        (None, true) => invalid("due_on", InputProblem::Empty)?,
        (Some(_), false) => invalid(
            "due_on",
            InputProblem::NotAccepted {
                by: entry.topic.clone(),
            },
        )?,
        _ => {}
    }
    Ok(())
}

pub(crate) fn merged_fields(case: &Case, fields: &Fields) -> Fields {
    let mut merged = case.fields.clone();
    merged.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
    merged
}

pub(crate) fn unmet_guards(
    def: &WorkflowDefinition,
    transition: &Transition,
    case: &Case,
    fields: &Fields,
    merged: &Fields,
) -> (Vec<Requirement>, Vec<FailedCondition>) {
    let missing = transition
        .requires
        .iter()
        .filter(|r| !requirement_met(r, case, fields))
        .cloned()
        .collect();
    // Lagrum and outcome as they will be after the command; what must (or
    // must not) be recorded already, as the case stands before it.
    let failed = condition_unmet(def, &transition.when, case.lagrum, merged, |f| case.has(f));
    (missing, failed)
}

/// Whether a requirement is met by the case with the command's fields.
pub(crate) fn requirement_met(requirement: &Requirement, case: &Case, fields: &Fields) -> bool {
    match requirement {
        Requirement::FollowedUp(topic) => case.not_followed_up(topic).is_empty(),
        _ => requirement
            .fields()
            .iter()
            .any(|f| fields.contains_key(f) || case.has(f)),
    }
}

/// The conditions of a transition or a clock that do not hold, given the
/// case's lagrum, its fields after the command, and what it has recorded.
pub(crate) fn condition_unmet(
    def: &WorkflowDefinition,
    when: &Condition,
    lagrum: Lagrum,
    fields: &Fields,
    has: impl Fn(&str) -> bool,
) -> Vec<FailedCondition> {
    let mut failed = Vec::new();
    if let Some(allowed) = &when.lagrum
        && !allowed.contains(&lagrum)
    {
        failed.push(FailedCondition::Lagrum {
            allowed: allowed.clone(),
            actual: lagrum,
        });
    }
    if let Some(allowed) = &when.outcome {
        let actual = def.outcome_field().and_then(|f| {
            fields
                .get(&f.name)
                .and_then(Value::as_text)
                .map(str::to_owned)
        });
        if actual.as_ref().is_none_or(|a| !allowed.contains(a)) {
            failed.push(FailedCondition::Outcome {
                allowed: allowed.clone(),
                actual,
            });
        }
    }
    failed.extend(
        when.set
            .iter()
            .filter(|f| !has(f))
            .map(|f| FailedCondition::Set { field: f.clone() }),
    );
    failed.extend(
        when.unset
            .iter()
            .filter(|f| has(f))
            .map(|f| FailedCondition::Unset { field: f.clone() }),
    );
    if let (Some(required), Some(matrix)) = (when.risk, &def.risk)
        && matrix.level(fields) != required
    {
        failed.push(FailedCondition::Risk { required });
    }
    failed.extend(
        when.settings
            .iter()
            .filter(|(name, on)| {
                def.settings
                    .iter()
                    .find(|s| &s.name == *name)
                    .is_none_or(|s| s.enabled != **on)
            })
            .map(|(name, on)| FailedCondition::Setting {
                name: name.clone(),
                enabled: *on,
            }),
    );
    failed.extend(
        when.values
            .iter()
            .filter(|(f, allowed)| fields.get(*f).is_none_or(|v| !allowed.contains(v)))
            .map(|(f, _)| FailedCondition::Value { field: f.clone() }),
    );
    failed
}

/// Checks that every field is declared, accepted by this command, and of the right type.
pub(crate) fn check_fields<'a>(
    def: &WorkflowDefinition,
    fields: &Fields,
    allowed: impl Iterator<Item = &'a str>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), Rejection> {
    let allowed: BTreeSet<&str> = allowed.collect();
    for (name, value) in fields {
        let invalid = |problem| Rejection::InvalidInput {
            field: name.clone(),
            problem,
        };
        let spec = def
            .field(name)
            .ok_or_else(|| invalid(InputProblem::UnknownField))?;
        if !allowed.contains(name.as_str()) {
            return Err(invalid(InputProblem::NotAccepted { by: by.to_owned() }));
        }
        check_value(def, &spec.kind, value, now).map_err(invalid)?;
    }
    Ok(())
}

pub(crate) fn check_value(
    def: &WorkflowDefinition,
    kind: &FieldKind,
    value: &Value,
    now: DateTime<Utc>,
) -> Result<(), InputProblem> {
    let text = || {
        value
            .as_text()
            .ok_or(InputProblem::WrongType { expected: "text" })
    };
    match kind {
        FieldKind::Text => check_text(text()?),
        FieldKind::Date => {
            let date = value.as_date().ok_or(InputProblem::WrongType {
                expected: "a date written YYYY-MM-DD",
            })?;
            if date > crate::local::date(now) {
                return Err(InputProblem::InFuture);
            }
            Ok(())
        }
        FieldKind::Boolean => match value {
            Value::Bool(_) => Ok(()),
            _ => Err(InputProblem::WrongType {
                expected: "true or false",
            }),
        },
        FieldKind::Integer { min, max } => match value {
            Value::Integer(n) if (min..=max).contains(&n) => Ok(()),
            Value::Integer(_) => Err(InputProblem::OutOfRange {
                min: *min,
                max: *max,
            }),
            _ => Err(InputProblem::WrongType {
                expected: "a whole number",
            }),
        },
        FieldKind::Choice { values } => {
            let given = text()?;
            if values.iter().any(|v| v == given) {
                Ok(())
            } else {
                Err(InputProblem::NotAllowed {
                    allowed: values.clone(),
                })
            }
        }
        FieldKind::Outcome => {
            let given = text()?;
            if def.outcome(given).is_some() {
                Ok(())
            } else {
                Err(InputProblem::NotAllowed {
                    allowed: def.outcomes.iter().map(|o| o.id.clone()).collect(),
                })
            }
        }
    }
}

pub(crate) fn check_text(text: &str) -> Result<(), InputProblem> {
    if text.trim().is_empty() {
        Err(InputProblem::Empty)
    } else if text.chars().count() > MAX_TEXT_CHARS {
        Err(InputProblem::TooLong {
            max: MAX_TEXT_CHARS,
        })
    } else {
        Ok(())
    }
}

/// When a clock falls due: the end of the local day its due field states,
/// or its duration for the case's lagrum after its start — the local start
/// of the day of its first start field that is set, else the command's time.
pub(crate) fn due_at(
    d: &Deadline,
    lagrum: Lagrum,
    fields: &Fields,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let date = |f: &String| fields.get(f).and_then(Value::as_date);
    if let Some(day) = d.due_field.as_ref().and_then(date)
        && let Some(next) = day.succ_opt()
    {
        return crate::local::day_start(next);
    }
    let start = d
        .start_fields
        .iter()
        .find_map(date)
        .map_or(now, crate::local::day_start);
    // The duration in force on the (Swedish) day the clock starts.
    d.within_for(lagrum)
        .0
        .on(crate::local::date(start))
        .after(start)
}
