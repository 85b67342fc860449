//! Utlämnande: a case is allmän handling, and when someone asks for it it
//! is disclosed after a sekretessprövning. The lifecycle marks the fields
//! that are secret (and those that are personal); the prövning may release
//! some of them or mask more. The engine checks who may disclose and what
//! the request names; the event records to whom, on which decision, what
//! was masked and released, and the digest of the document handed out.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::case::{Case, Event, EventKind};
use crate::command::Actor;
use crate::definition::WorkflowDefinition;
use crate::rejection::{InputProblem, Rejection};

/// The type name of the event a disclosure appends.
pub const DISCLOSED: &str = "disclosed";

/// The longest recipient or decision text accepted.
pub const MAX_DISCLOSURE_TEXT: usize = 200;

/// A disclosure as the person making it asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureRequest {
    /// To whom the case is disclosed (a name, an organisation).
    pub recipient: String,
    /// The decision it rests on (the sekretessprövning's diarienummer or
    /// reference).
    pub decision: String,
    /// The fields to mask; `None`: those the lifecycle marks secret.
    pub mask: Option<BTreeSet<String>>,
}

/// A disclosure the engine accepted: what the document masks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosurePlan {
    /// To whom.
    pub recipient: String,
    /// On which decision.
    pub decision: String,
    /// The fields masked (of those the case holds a value or journal
    /// entries of).
    pub masked: BTreeSet<String>,
    /// Fields the lifecycle marks secret, held by the case, that the
    /// prövning released.
    pub released: BTreeSet<String>,
}

impl DisclosurePlan {
    /// The event that records the disclosure of the document with
    /// `document` as its digest.
    pub fn event(&self, actor: &Actor, at: DateTime<Utc>, document: String) -> Event {
        Event {
            actor: actor.as_event_actor(),
            occurred_at: at,
            kind: EventKind::Disclosed {
                recipient: self.recipient.clone(),
                decision: self.decision.clone(),
                masked: self.masked.iter().cloned().collect(),
                released: self.released.iter().cloned().collect(),
                document,
            },
        }
    }
}

/// Decides a disclosure of `case` by `actor`: the lifecycle offers
/// disclosure to the actor's role, the case is in the actor's reach, the
/// recipient and the decision are given, and every field named to mask is
/// one of the lifecycle's.
pub fn decide_disclosure(
    def: &WorkflowDefinition,
    case: &Case,
    actor: &Actor,
    request: &DisclosureRequest,
) -> Result<DisclosurePlan, Rejection> {
    let Some(rule) = &def.disclosure else {
        return Err(Rejection::Forbidden {
            role: actor.role,
            action: format!("disclose a case of {}", def.reference.name),
        });
    };
    if !rule.roles.contains(&actor.role) {
        return Err(Rejection::Forbidden {
            role: actor.role,
            action: "disclose a case".into(),
        });
    }
    if !actor.reaches(&case.unit) {
        return Err(Rejection::OutsideUnits { role: actor.role });
    }
    let recipient = text("recipient", &request.recipient)?;
    let decision = text("decision", &request.decision)?;
    // What the case holds: a value, or journal entries on the topic.
    let held =
        |f: &String| case.fields.contains_key(f) || case.journal.iter().any(|e| &e.topic == f);
    let secret: BTreeSet<String> = def.secret_fields().into_iter().filter(held).collect();
    let masked: BTreeSet<String> = match &request.mask {
        None => secret.clone(),
        Some(mask) => {
            if let Some(unknown) = mask.iter().find(|f| def.field(f).is_none()) {
                return Err(Rejection::InvalidInput {
                    field: unknown.clone(),
                    problem: InputProblem::UnknownField,
                });
            }
            mask.iter().filter(|f| held(f)).cloned().collect()
        }
    };
    let released = secret.difference(&masked).cloned().collect();
    Ok(DisclosurePlan {
        recipient,
        decision,
        masked,
        released,
    })
}

fn text(field: &str, value: &str) -> Result<String, Rejection> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Rejection::InvalidInput {
            field: field.into(),
            problem: InputProblem::Empty,
        });
    }
    if value.chars().count() > MAX_DISCLOSURE_TEXT {
        return Err(Rejection::InvalidInput {
            field: field.into(),
            problem: InputProblem::TooLong {
                max: MAX_DISCLOSURE_TEXT,
            },
        });
    }
    Ok(value.to_owned())
}
