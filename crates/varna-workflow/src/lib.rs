//! The workflow engine of Varna: lifecycles as data, and the pure state
//! machine that decides what a command does to a case.
//!
//! Architecture invariant: this crate does no I/O, reads no clock and knows
//! no database or HTTP. Definitions arrive as text, time arrives in `Facts`.
//!
//! - [`definition`]: the TOML format, parsing and validation.
//! - [`Catalog`]: a set of definitions with cross-file checks.
//! - [`decide`], [`decide_filing`]: command → events + effects, or a [`Rejection`].
//! - [`decide_spawn`]: the case a `SpawnCase` effect opens, and its links.
//! - [`evolve`], [`replay`]: events → [`Case`].
//! - [`available_transitions`]: what an actor can do now.
//! - [`graph`]: Mermaid / Graphviz diagrams of a lifecycle.
#![forbid(unsafe_code)]

pub mod assign;
pub mod attachment;
mod case;
mod catalog;
mod command;
mod decide;
pub mod definition;
mod disclose;
mod dispose;
mod duration;
pub mod graph;
mod guards;
mod import;
pub mod local;
mod personnummer;
mod rejection;
mod spawn;
mod value;
mod vocab;
pub mod workdays;

pub use case::{
    Author, Case, CaseLink, DeadlineStarted, DeadlineStatus, EntryKind, Event, EventActor,
    EventKind, Fields, FrozenDocument, ImportSource, JournalEntry, LinkEnd, ReplayError, Status,
    Value, evolve, replay,
};
pub use catalog::Catalog;
pub use command::{Actor, Command, Decision, Effect, Facts, FileCase, MAX_TEXT_CHARS, Notice};
pub use decide::{
    AvailableTransition, available_transitions, can_add_journal_entry, decide, decide_filing,
    filing_problems, mark_duplicate, relate_cases,
};
pub use definition::{WorkflowDefinition, WorkflowRef};
pub use disclose::{
    DISCLOSED, DisclosurePlan, DisclosureRequest, MAX_DISCLOSURE_TEXT, decide_disclosure,
};
pub use dispose::{CONTENT_DISPOSED, DisposedEvent};
pub use duration::{DeadlineDuration, MalformedDuration, Schedule};
pub use import::{ImportCase, decide_import};
pub use personnummer::{Personnummer, PersonnummerError};
pub use rejection::{FailedCondition, InputProblem, Rejection};
pub use spawn::{SpawnDecision, decide_spawn, link_events};
pub use vocab::{ActorId, Lagrum, Role, StateId, UnitId, UnknownWord};
