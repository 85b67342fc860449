//! What comes into the engine and what it answers: the actor and the
//! facts of the moment, the commands, and the decision (events to append,
//! effects the store carries out in the same transaction).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{Event, EventActor, Fields, JournalEntry, LinkEnd};
use crate::definition::LinkKind;
use crate::vocab::{ActorId, Lagrum, Role, UnitId};

/// The longest text a field or journal entry may hold, in characters.
pub const MAX_TEXT_CHARS: usize = 100_000;

/// The person acting, as their token describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// User id.
    pub id: ActorId,
    /// The role they act in.
    pub role: Role,
    /// The units they belong to (what unit-scoped roles may reach).
    pub units: BTreeSet<UnitId>,
}

impl Actor {
    /// Whether this actor's reach includes `unit`.
    pub fn reaches(&self, unit: &UnitId) -> bool {
        !self.role.is_unit_scoped() || self.units.contains(unit)
    }

    pub(crate) fn as_event_actor(&self) -> EventActor {
        EventActor {
            id: self.id.clone(),
            role: self.role,
        }
    }
}

/// What the engine is told about the world: who acts, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The actor.
    pub actor: Actor,
    /// The time of the command.
    pub now: DateTime<Utc>,
}

/// A command to open a new case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCase {
    /// The law it is handled under.
    pub lagrum: Lagrum,
    /// The unit it concerns.
    pub unit: UnitId,
    /// The filed fields.
    pub fields: Fields,
}

/// A command on an existing case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Take a named transition, with the fields it sets.
    Transition {
        /// The transition's name.
        name: String,
        /// Fields to set.
        fields: Fields,
    },
    /// Add an entry to the utredning journal.
    AddJournalEntry(JournalEntry),
    /// Add a file to the case (its bytes go to the store beside the log).
    AddAttachment(crate::attachment::Attachment),
    /// Name the handläggare: `person`, who will work the case as `role`
    /// (a role the caller has checked they hold for the case's unit).
    Assign {
        /// The person named.
        person: ActorId,
        /// The role they work it in.
        role: Role,
    },
    /// Record a link to another case (`end`: which end this case is).
    Link {
        /// The other case's id, as the store names it.
        other_case: String,
        /// The kind of link.
        link: LinkKind,
        /// Which end of the link this case is.
        end: LinkEnd,
    },
    /// Record that a running clock has passed its due time (the scheduler's
    /// command; only [`Role::System`] may give it).
    PassDeadline {
        /// The deadline's id.
        deadline: String,
    },
}

/// Something the store carries out in the same transaction as the events:
/// an outbox row to notify (delivered after commit by the outbox worker),
/// or a linked case to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Tell everyone in a role (within the case's reach) about the case.
    Notify {
        /// Whom.
        role: Role,
        /// Why.
        reason: Notice,
    },
    /// Tell one person about the case (the handläggare named): delivered
    /// to them alone, never to everyone in their role.
    NotifyPerson {
        /// Whom (a user id).
        person: ActorId,
        /// The role they were told in.
        role: Role,
        /// Why.
        reason: Notice,
    },
    /// Open a linked case in another lifecycle.
    SpawnCase {
        /// The new case's lifecycle.
        workflow: String,
        /// How it is linked to this one.
        link: LinkKind,
    },
}

/// Why someone is notified. Carries no case content, only names from the definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// A new case was filed.
    Filed,
    /// A transition was taken.
    Transitioned {
        /// Its name.
        transition: String,
    },
    /// The person told was named the case's handläggare.
    Assigned,
    /// A deadline passed unmet; the notified roles are responsible for it.
    DeadlinePassed {
        /// The deadline's id.
        deadline: String,
    },
}

/// What a command decided: events to append (in order) and effects for after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Events to append.
    pub events: Vec<Event>,
    /// Effects to carry out in the command's own transaction.
    pub effects: Vec<Effect>,
}
