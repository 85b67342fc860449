//! Attachments: files that belong to a case (a photo of the room, a
//! scanned letter). The engine decides who may add one and records it as
//! an event naming the file by its SHA-256, so the chain commits to the
//! exact bytes; the store keeps the bytes beside the log.

use serde::{Deserialize, Serialize};

use crate::case::{Case, Event, EventKind};
use crate::command::{Decision, Facts};
use crate::definition::WorkflowDefinition;
use crate::rejection::{InputProblem, Rejection};
use crate::vocab::Role;

/// The longest file name kept.
pub const MAX_NAME_CHARS: usize = 120;

/// A file added to a case, as its event records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Its id on the case (a UUID, as the store names it).
    pub id: String,
    /// The file's name as the person's computer had it.
    pub name: String,
    /// Its media type, as the content showed it (not as the sender said).
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// `sha256:` and hex of its bytes.
    pub digest: String,
}

/// An attachment as the case holds it: with who added it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseAttachment {
    /// The file.
    pub attachment: Attachment,
    /// Who added it.
    pub added_by: crate::case::EventActor,
    /// When.
    pub added_at: chrono::DateTime<chrono::Utc>,
}

/// Whether `role` may add files to cases of `def`: those who take its
/// steps or write its utredning journal.
pub fn may_attach(def: &WorkflowDefinition, role: Role) -> bool {
    def.transitions.iter().any(|t| t.roles.contains(&role))
        || def
            .journal
            .as_ref()
            .is_some_and(|j| j.roles.contains(&role))
}

/// Decides adding `attachment` to `case`: an open case, in the actor's
/// units, by a role that may attach, with a plain file name.
pub(crate) fn decide_attachment(
    def: &WorkflowDefinition,
    case: &Case,
    attachment: Attachment,
    facts: &Facts,
) -> Result<Decision, Rejection> {
    let actor = &facts.actor;
    if !may_attach(def, actor.role) {
        return Err(Rejection::Forbidden {
            role: actor.role,
            action: "add files to the case".into(),
        });
    }
    if !actor.reaches(&case.unit) {
        return Err(Rejection::OutsideUnits { role: actor.role });
    }
    if case.is_closed() {
        return Err(Rejection::InvalidTransition {
            from: case.state().clone(),
            transition: "add_attachment".into(),
        });
    }
    let name = attachment.name.trim();
    if name.is_empty() {
        return Err(Rejection::InvalidInput {
            field: "name".into(),
            problem: InputProblem::Empty,
        });
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Rejection::InvalidInput {
            field: "name".into(),
            problem: InputProblem::TooLong {
                max: MAX_NAME_CHARS,
            },
        });
    }
    if name
        .chars()
        .any(|c| c.is_control() || c == '/' || c == '\\')
    {
        return Err(Rejection::InvalidInput {
            field: "name".into(),
            problem: InputProblem::WrongType {
                expected: "a file name without folders",
            },
        });
    }
    if !attachment.digest.starts_with("sha256:") || attachment.size == 0 {
        return Err(Rejection::InvalidInput {
            field: "file".into(),
            problem: InputProblem::Empty,
        });
    }
    Ok(Decision {
        events: vec![Event {
            actor: actor.as_event_actor(),
            occurred_at: facts.now,
            kind: EventKind::AttachmentAdded { attachment },
        }],
        effects: Vec::new(),
    })
}
