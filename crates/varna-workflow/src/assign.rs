//! The handläggare: the one person who works a case. Those who work a
//! lifecycle (take its steps or write its utredning journal) and reach the
//! case's unit may name one, among the people who may work it; the event
//! records who, and the person named is told, on their own, in the
//! command's transaction.

use crate::attachment::may_attach;
use crate::case::{Case, Event, EventActor, EventKind};
use crate::command::{Decision, Effect, Facts, Notice};
use crate::definition::WorkflowDefinition;
use crate::rejection::{InputProblem, Rejection};
use crate::vocab::{ActorId, Role};

/// Whether someone acting as `role` works cases of `def` (takes its steps
/// or writes its utredning journal), and so may name a handläggare or be one.
pub fn may_work(def: &WorkflowDefinition, role: Role) -> bool {
    may_attach(def, role)
}

/// Decides naming `person`, acting as `role`, handläggare of `case`: an open
/// case in the actor's reach, both actor and person in roles that work the
/// lifecycle, and someone other than the handläggare already named. The
/// caller has checked that the person holds `role` for the case's unit.
pub(crate) fn decide_assign(
    def: &WorkflowDefinition,
    case: &Case,
    person: ActorId,
    role: Role,
    facts: &Facts,
) -> Result<Decision, Rejection> {
    let actor = &facts.actor;
    if !may_work(def, actor.role) {
        return Err(Rejection::Forbidden {
            role: actor.role,
            action: "name a handläggare".into(),
        });
    }
    if !actor.reaches(&case.unit) {
        return Err(Rejection::OutsideUnits { role: actor.role });
    }
    if case.is_closed() {
        return Err(Rejection::InvalidTransition {
            from: case.state().clone(),
            transition: "assign".into(),
        });
    }
    if person.as_str().trim().is_empty() {
        return Err(Rejection::InvalidInput {
            field: "person".into(),
            problem: InputProblem::Empty,
        });
    }
    if !may_work(def, role) {
        return Err(Rejection::InvalidInput {
            field: "person".into(),
            problem: InputProblem::WrongType {
                expected: "someone whose role works this kind of case",
            },
        });
    }
    if case.handlaggare.as_ref().is_some_and(|h| h.id == person) {
        return Err(Rejection::InvalidInput {
            field: "person".into(),
            problem: InputProblem::WrongType {
                expected: "someone other than the handläggare already named",
            },
        });
    }
    Ok(Decision {
        events: vec![Event {
            actor: actor.as_event_actor(),
            occurred_at: facts.now,
            kind: EventKind::Assigned {
                handlaggare: EventActor {
                    id: person.clone(),
                    role,
                },
            },
        }],
        effects: vec![Effect::NotifyPerson {
            person,
            role,
            reason: Notice::Assigned,
        }],
    })
}
