//! `decide_import`: a case brought in from an earlier system, as one
//! `imported` event. The lifecycle decides what it takes, as for a
//! filing: its lagrum, and fields it defines with values it accepts. The
//! state follows from the dates alone — the lifecycle's first terminal
//! state when the source gives a closing date, its initial state when it
//! does not — so no lifecycle needs anything of its own to be imported.
//! No clock starts: what was due was due in the earlier system.

use chrono::{DateTime, Utc};

use crate::case::{Event, EventKind, Fields, ImportSource};
use crate::command::Facts;
use crate::definition::{StateKind, WorkflowDefinition};
use crate::guards::check_fields;
use crate::rejection::{InputProblem, Rejection};
use crate::vocab::{Lagrum, UnitId};

/// One case to import, as read from a row of the source file.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportCase {
    /// The law it was handled under.
    pub lagrum: Lagrum,
    /// The unit it concerns (registered: the store checks).
    pub unit: UnitId,
    /// Fields of the lifecycle, by name.
    pub fields: Fields,
    /// When it was reported.
    pub reported_at: DateTime<Utc>,
    /// When it was ruled on, if the source says.
    pub ruled_at: Option<DateTime<Utc>>,
    /// When it was closed, if it was.
    pub closed_at: Option<DateTime<Utc>>,
    /// The file and row it came from.
    pub source: ImportSource,
}

/// The `imported` event that brings `case` in, or the first thing wrong
/// with it (field names as in the source: `lagrum`, `reported_on`,
/// `ruled_on`, `closed_on`, or the lifecycle's field).
pub fn decide_import(
    def: &WorkflowDefinition,
    case: ImportCase,
    facts: &Facts,
) -> Result<Event, Rejection> {
    let invalid = |field: &str, problem| Rejection::InvalidInput {
        field: field.to_owned(),
        problem,
    };
    if !def.lagrum.contains(&case.lagrum) {
        return Err(invalid(
            "lagrum",
            InputProblem::NotAllowed {
                allowed: def.lagrum.iter().map(|l| l.to_string()).collect(),
            },
        ));
    }
    if case.reported_at > facts.now {
        return Err(invalid("reported_on", InputProblem::InFuture));
    }
    for (field, at) in [("ruled_on", case.ruled_at), ("closed_on", case.closed_at)] {
        match at {
            Some(t) if t > facts.now => return Err(invalid(field, InputProblem::InFuture)),
            Some(t) if t < case.reported_at => {
                return Err(invalid(field, InputProblem::BeforeReported));
            }
            _ => {}
        }
    }
    let every_field = def.fields.iter().map(|f| f.name.as_str());
    check_fields(def, &case.fields, every_field, "import", facts.now)?;
    let state = match case.closed_at {
        Some(_) => def
            .states
            .iter()
            .find(|s| s.kind == StateKind::Terminal)
            .unwrap_or_else(|| def.initial_state()),
        None => def.initial_state(),
    };
    Ok(Event {
        actor: facts.actor.as_event_actor(),
        occurred_at: facts.now,
        kind: EventKind::Imported {
            workflow: def.reference.clone(),
            lagrum: case.lagrum,
            unit: case.unit,
            state: state.id.clone(),
            fields: case.fields,
            reported_at: case.reported_at,
            ruled_at: case.ruled_at,
            closed_at: case.closed_at,
            source: case.source,
        },
    })
}
