//! A case as the engine sees it, the events that change it, and `evolve`,
//! which folds one event into a case and never fails.
//!
//! Events carry everything evolve needs (target state, whether it closes the
//! case, the due times of the clocks it starts), so replaying a case needs no
//! definition, and a later change to a definition cannot change history.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::definition::{LinkKind, WorkflowRef};
pub use crate::value::Value;
use crate::vocab::{ActorId, Lagrum, Role, StateId, UnitId};

/// Field values by field name.
pub type Fields = BTreeMap<String, Value>;

/// Who did something, as recorded in the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventActor {
    /// The user id (never a name).
    pub id: ActorId,
    /// The role they acted in.
    pub role: Role,
}

/// Something that happened to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Who.
    pub actor: EventActor,
    /// When (the command's time, from `Facts::now`).
    pub occurred_at: DateTime<Utc>,
    /// What.
    pub kind: EventKind,
}

/// A clock started by an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineStarted {
    /// The deadline's id in the definition.
    pub id: String,
    /// When it falls due.
    pub due_at: DateTime<Utc>,
}

/// The kinds of event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The case was filed.
    Filed {
        /// The definition it started under.
        workflow: WorkflowRef,
        /// The law it is handled under.
        lagrum: Lagrum,
        /// The unit it concerns.
        unit: UnitId,
        /// The initial state.
        state: StateId,
        /// The filed fields.
        fields: Fields,
        /// Clocks started by filing.
        deadlines_started: Vec<DeadlineStarted>,
        /// A salted commitment (`sha256:` and hex) to the affected person's
        /// personnummer, which the store keeps apart from the log: a
        /// personnummer changed there no longer matches what the filing
        /// committed to. Set by the store, `None` when no person was given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        person: Option<String>,
    },
    /// The case was brought in from an earlier system (`varna import`):
    /// its first event, in the state its dates imply, with the fields the
    /// source gave, dated as the source dated it. No clocks run: what was
    /// due was due in the earlier system.
    Imported {
        /// The definition it is kept under.
        workflow: WorkflowRef,
        /// The law it was handled under.
        lagrum: Lagrum,
        /// The unit it concerns.
        unit: UnitId,
        /// The state it is in: the lifecycle's first terminal state when
        /// the source gives a closing date, else its initial state.
        state: StateId,
        /// The fields the source gave.
        fields: Fields,
        /// When it was reported (the case's opening, as the report counts it).
        reported_at: DateTime<Utc>,
        /// When it was ruled on (the outcome decided), if the source says.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ruled_at: Option<DateTime<Utc>>,
        /// When it was closed, if it was.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        closed_at: Option<DateTime<Utc>>,
        /// Where it came from: the file's digest (`sha256:` and hex) and
        /// the row (1 the first row after the header).
        source: ImportSource,
    },
    /// A named transition was taken.
    Transitioned {
        /// The transition's name.
        transition: String,
        /// State before.
        from: StateId,
        /// State after.
        to: StateId,
        /// Whether `to` is terminal.
        closes: bool,
        /// Fields set by the command.
        fields: Fields,
        /// Clocks started.
        deadlines_started: Vec<DeadlineStarted>,
        /// Clocks this transition met.
        deadlines_met: Vec<String>,
        /// Clocks met on a day the command stated (the anmälan's send
        /// date) rather than at the event's time: that moment by id.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        deadlines_met_on: BTreeMap<String, DateTime<Utc>>,
        /// Clocks ended unmet because the case closed.
        deadlines_cancelled: Vec<String>,
        /// The documents this step froze, by id: `sha256:` and the hex
        /// SHA-256 of the bytes the store keeps. Set by the store, which
        /// renders them from the case as this step leaves it.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        documents: BTreeMap<String, String>,
    },
    /// An attributed entry was added to the utredning journal.
    JournalEntryAdded {
        /// The entry.
        entry: JournalEntry,
    },
    /// A running clock passed its due time unmet; recorded by the scheduler
    /// so the escalation is part of the audited history.
    DeadlinePassed {
        /// The deadline's id in the definition.
        deadline: String,
        /// When it was due.
        due_at: DateTime<Utc>,
    },
    /// A file was added to the case.
    AttachmentAdded {
        /// The file, named by its SHA-256.
        attachment: crate::attachment::Attachment,
    },
    /// A handläggare was named (replacing any named before).
    Assigned {
        /// Who, and the role they work the case in.
        handlaggare: EventActor,
    },
    /// The case was linked to another (an escalation or a spawned case).
    Linked {
        /// The other case's id, as the store names it.
        other_case: String,
        /// The kind of link, read from the newer case's side.
        link: LinkKind,
        /// Whether this case is the newer (`To`) or the older (`From`) end.
        end: LinkEnd,
    },
    /// Personal content was disposed of (gallring) under the
    /// organisation's gallringsbeslut: the named fields' values, the
    /// utredning journal's texts, the files' names and the personnummer
    /// were removed from the case and from the events that held them, and
    /// the files and frozen documents with their bytes.
    /// What the quality report counts, the dates, the outcome and every
    /// event's envelope remain. The events whose payloads changed are
    /// listed with what the chain verifies them by from now on.
    ContentDisposed {
        /// The rule applied (its id in the gallringsbeslut).
        rule: String,
        /// The rule's legal reference, as the gallringsbeslut gives it.
        reference: String,
        /// The run this was part of (a UUID): the gallringsprotokoll lists
        /// the cases of one run.
        run: String,
        /// The fields whose values were removed.
        fields: Vec<String>,
        /// The events whose payloads were changed, in sequence order.
        events: Vec<crate::dispose::DisposedEvent>,
    },
    /// The case was disclosed (utlämnande) after a sekretessprövning: to
    /// whom, on which decision, what the document masked and which secret
    /// fields the prövning released, and the document's digest.
    Disclosed {
        /// To whom (a name or an organisation).
        recipient: String,
        /// The decision it rests on.
        decision: String,
        /// The fields masked.
        masked: Vec<String>,
        /// Secret fields released by the prövning.
        released: Vec<String>,
        /// The SHA-256 of the document handed out (`sha256:` and hex).
        document: String,
    },
}

/// Which end of a link a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkEnd {
    /// This case is the one escalated or spawned from (of a duplicate
    /// pair: the original, which is kept).
    Origin,
    /// This case was opened from the other one (of a duplicate pair: the
    /// duplicate).
    Opened,
}

/// A link recorded on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseLink {
    /// The other case's id.
    pub other_case: String,
    /// The kind of link.
    pub link: LinkKind,
    /// Which end this case is.
    pub end: LinkEnd,
}

/// The row of a file an imported case came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSource {
    /// `sha256:` and the hex SHA-256 of the file's bytes.
    pub file: String,
    /// The row: 1 for the first case in the file.
    pub row: u64,
}

impl EventKind {
    /// A stable name for the event type (stored beside the payload).
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::Filed { .. } => "filed",
            EventKind::Imported { .. } => "imported",
            EventKind::Transitioned { .. } => "transitioned",
            EventKind::JournalEntryAdded { .. } => "journal_entry_added",
            EventKind::AttachmentAdded { .. } => "attachment_added",
            EventKind::Assigned { .. } => "assigned",
            EventKind::Linked { .. } => "linked",
            EventKind::DeadlinePassed { .. } => "deadline_passed",
            EventKind::ContentDisposed { .. } => crate::dispose::CONTENT_DISPOSED,
            EventKind::Disclosed { .. } => crate::disclose::DISCLOSED,
        }
    }
}

/// Whether a documented item is a fact or an assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A fact.
    Fact,
    /// An assessment (bedömning).
    Assessment,
}

/// Who documented an item, by name and title, as the utredning must show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// Name.
    pub name: String,
    /// Title, e.g. "Socialt ansvarig samordnare".
    pub title: String,
}

/// One documented item of an utredning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The text field it documents (e.g. `causes`).
    pub topic: String,
    /// What is documented.
    pub text: String,
    /// Where it came from (interview, record, observation, …).
    pub source: String,
    /// Fact or assessment.
    pub kind: EntryKind,
    /// The date it was documented.
    pub documented_on: NaiveDate,
    /// Who documented it.
    pub author: Author,
    /// For an entry on a structured topic: the number (1-based, in
    /// journal order) of the entry it addresses, e.g. an action's cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<u32>,
    /// Who owns it (an action's responsible person or function).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// By when (an action's date in the tidsplan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    /// The number of the entry it follows up (an action's result and effect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows_up: Option<u32>,
}

impl JournalEntry {
    /// A plain entry: text with its date, source, kind and author.
    pub fn new(
        topic: impl Into<String>,
        text: impl Into<String>,
        source: impl Into<String>,
        kind: EntryKind,
        documented_on: NaiveDate,
        author: Author,
    ) -> Self {
        JournalEntry {
            topic: topic.into(),
            text: text.into(),
            source: source.into(),
            kind,
            documented_on,
            author,
            addresses: None,
            owner: None,
            due_on: None,
            follows_up: None,
        }
    }
}

/// Where a case stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Being worked.
    Open {
        /// Current state.
        state: StateId,
    },
    /// In a terminal state.
    Closed {
        /// The terminal state.
        state: StateId,
        /// When it closed.
        closed_at: DateTime<Utc>,
    },
}

impl Status {
    /// The current state, open or closed.
    pub fn state(&self) -> &StateId {
        match self {
            Status::Open { state } | Status::Closed { state, .. } => state,
        }
    }
}

/// A clock on a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Running.
    Open {
        /// When it falls due.
        due_at: DateTime<Utc>,
    },
    /// Still running, but past its due time: the scheduler recorded that it
    /// passed and told those responsible.
    Passed {
        /// When it was due.
        due_at: DateTime<Utc>,
        /// When the scheduler recorded it.
        passed_at: DateTime<Utc>,
    },
    /// Met by a transition (possibly late).
    Met {
        /// When it was due.
        due_at: DateTime<Utc>,
        /// When it was met.
        met_at: DateTime<Utc>,
    },
    /// Ended unmet because the case closed.
    Cancelled {
        /// When it was due.
        due_at: DateTime<Utc>,
        /// When it ended.
        at: DateTime<Utc>,
    },
}

impl DeadlineStatus {
    /// When it is or was due.
    pub fn due_at(&self) -> DateTime<Utc> {
        match self {
            DeadlineStatus::Open { due_at }
            | DeadlineStatus::Passed { due_at, .. }
            | DeadlineStatus::Met { due_at, .. }
            | DeadlineStatus::Cancelled { due_at, .. } => *due_at,
        }
    }

    /// Whether the clock still runs (open, or passed but not yet met).
    pub fn is_running(&self) -> bool {
        matches!(
            self,
            DeadlineStatus::Open { .. } | DeadlineStatus::Passed { .. }
        )
    }

    /// The projection's word for the status: `open`, `passed`, `met`, `cancelled`.
    pub fn label(&self) -> &'static str {
        match self {
            DeadlineStatus::Open { .. } => "open",
            DeadlineStatus::Passed { .. } => "passed",
            DeadlineStatus::Met { .. } => "met",
            DeadlineStatus::Cancelled { .. } => "cancelled",
        }
    }

    /// When it was met or ended, if it has.
    pub fn ended_at(&self) -> Option<DateTime<Utc>> {
        match self {
            DeadlineStatus::Open { .. } | DeadlineStatus::Passed { .. } => None,
            DeadlineStatus::Met { met_at, .. } => Some(*met_at),
            DeadlineStatus::Cancelled { at, .. } => Some(*at),
        }
    }
}

/// The current state of one case, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The definition it started under.
    pub workflow: WorkflowRef,
    /// The law it is handled under.
    pub lagrum: Lagrum,
    /// The unit it concerns.
    pub unit: UnitId,
    /// Who filed it.
    pub filed_by: EventActor,
    /// When it was filed.
    pub opened_at: DateTime<Utc>,
    /// Open in a state, or closed.
    pub status: Status,
    /// Latest value of every field set so far.
    pub fields: Fields,
    /// The utredning journal, in order.
    pub journal: Vec<JournalEntry>,
    /// Clocks by deadline id.
    pub deadlines: BTreeMap<String, DeadlineStatus>,
    /// Cases this one was opened from or opened.
    pub links: Vec<CaseLink>,
    /// Number of events applied; the optimistic-concurrency version.
    pub version: u64,
    /// The documents frozen so far, by document id (the latest freezing).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub documents: BTreeMap<String, FrozenDocument>,
    /// The files added to the case, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::attachment::CaseAttachment>,
    /// The handläggare named last, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handlaggare: Option<EventActor>,
}

/// A document frozen by a step: rendered once, kept as bytes, and named in
/// the step's event by its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrozenDocument {
    /// `sha256:` and the hex SHA-256 of its bytes.
    pub digest: String,
    /// The event that froze it (the case's version after that step).
    pub sequence: u64,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why a list of events does not make a case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// There were no events.
    #[error("a case needs at least its filing event")]
    Empty,
    /// The first event was not the filing.
    #[error("the first event of a case must be its filing, found {found}")]
    NotFiledFirst {
        /// Type of the first event.
        found: &'static str,
    },
    /// A filing event appeared after the first.
    #[error("event {sequence} files the case a second time")]
    FiledTwice {
        /// 1-based position of the offending event.
        sequence: u64,
    },
}

impl Case {
    /// Starts a case from its filing event.
    pub fn open(event: &Event) -> Result<Case, ReplayError> {
        if let EventKind::Imported {
            workflow,
            lagrum,
            unit,
            state,
            fields,
            reported_at,
            closed_at,
            ..
        } = &event.kind
        {
            let state = state.clone();
            return Ok(Case {
                workflow: workflow.clone(),
                lagrum: *lagrum,
                unit: unit.clone(),
                filed_by: event.actor.clone(),
                opened_at: *reported_at,
                status: match closed_at {
                    Some(at) => Status::Closed {
                        state,
                        closed_at: *at,
                    },
                    None => Status::Open { state },
                },
                fields: fields.clone(),
                journal: Vec::new(),
                deadlines: BTreeMap::new(),
                links: Vec::new(),
                version: 1,
                documents: BTreeMap::new(),
                attachments: Vec::new(),
                handlaggare: None,
            });
        }
        let EventKind::Filed {
            workflow,
            lagrum,
            unit,
            state,
            fields,
            deadlines_started,
            person: _,
        } = &event.kind
        else {
            return Err(ReplayError::NotFiledFirst {
                found: event.kind.type_name(),
            });
        };
        Ok(Case {
            workflow: workflow.clone(),
            lagrum: *lagrum,
            unit: unit.clone(),
            filed_by: event.actor.clone(),
            opened_at: event.occurred_at,
            status: Status::Open {
                state: state.clone(),
            },
            fields: fields.clone(),
            journal: Vec::new(),
            deadlines: deadlines_started
                .iter()
                .map(|d| (d.id.clone(), DeadlineStatus::Open { due_at: d.due_at }))
                .collect(),
            links: Vec::new(),
            version: 1,
            documents: BTreeMap::new(),
            attachments: Vec::new(),
            handlaggare: None,
        })
    }

    /// The current state.
    pub fn state(&self) -> &StateId {
        self.status.state()
    }

    /// Whether the case is in a terminal state.
    pub fn is_closed(&self) -> bool {
        matches!(self.status, Status::Closed { .. })
    }

    /// Whether a field has a value or, for journal topics, an entry.
    pub fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field) || self.journal.iter().any(|e| e.topic == field)
    }

    /// The journal entry numbered `number` (1-based), if there is one.
    pub fn entry(&self, number: u32) -> Option<&JournalEntry> {
        let index = usize::try_from(number).ok()?.checked_sub(1)?;
        self.journal.get(index)
    }

    /// The case this one is marked as a duplicate of, if it is.
    pub fn duplicate_of(&self) -> Option<&str> {
        self.links
            .iter()
            .find(|l| l.link == LinkKind::DuplicateOf && l.end == LinkEnd::Opened)
            .map(|l| l.other_case.as_str())
    }

    /// The numbers of the entries on `topic` that no later entry follows up.
    pub fn not_followed_up(&self, topic: &str) -> Vec<u32> {
        (1u32..)
            .zip(&self.journal)
            .filter(|(_, e)| e.topic == topic)
            .map(|(n, _)| n)
            .filter(|n| !self.journal.iter().any(|e| e.follows_up == Some(*n)))
            .collect()
    }
}

/// Folds one event into a case. Never fails: the store only hands it events
/// that `decide` produced for this case, in order. A second filing event is
/// ignored (replay reports it).
pub fn evolve(mut case: Case, event: &Event) -> Case {
    case.version += 1;
    match &event.kind {
        EventKind::Filed { .. } | EventKind::Imported { .. } => {}
        EventKind::Transitioned {
            to,
            closes,
            fields,
            deadlines_started,
            deadlines_met,
            deadlines_met_on,
            deadlines_cancelled,
            documents,
            ..
        } => {
            case.fields
                .extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
            for (id, digest) in documents {
                case.documents.insert(
                    id.clone(),
                    FrozenDocument {
                        digest: digest.clone(),
                        sequence: case.version,
                        at: event.occurred_at,
                    },
                );
            }
            // Started first: a step that starts a clock may also meet it
            // (a lex Maria anmälan sent before anyone marked the case serious
            // is measured from the event all the same).
            for d in deadlines_started {
                case.deadlines
                    .insert(d.id.clone(), DeadlineStatus::Open { due_at: d.due_at });
            }
            for id in deadlines_met {
                if let Some(status) = case.deadlines.get(id)
                    && status.is_running()
                {
                    let due_at = status.due_at();
                    case.deadlines.insert(
                        id.clone(),
                        DeadlineStatus::Met {
                            due_at,
                            met_at: deadlines_met_on
                                .get(id)
                                .copied()
                                .unwrap_or(event.occurred_at),
                        },
                    );
                }
            }
            for id in deadlines_cancelled {
                if let Some(status) = case.deadlines.get(id)
                    && status.is_running()
                {
                    let due_at = status.due_at();
                    case.deadlines.insert(
                        id.clone(),
                        DeadlineStatus::Cancelled {
                            due_at,
                            at: event.occurred_at,
                        },
                    );
                }
            }
            case.status = if *closes {
                Status::Closed {
                    state: to.clone(),
                    closed_at: event.occurred_at,
                }
            } else {
                Status::Open { state: to.clone() }
            };
        }
        EventKind::JournalEntryAdded { entry } => case.journal.push(entry.clone()),
        EventKind::AttachmentAdded { attachment } => {
            case.attachments.push(crate::attachment::CaseAttachment {
                attachment: attachment.clone(),
                added_by: event.actor.clone(),
                added_at: event.occurred_at,
            });
        }
        EventKind::Assigned { handlaggare } => case.handlaggare = Some(handlaggare.clone()),
        // A record of what was handed out; the case itself is unchanged.
        EventKind::Disclosed { .. } => {}
        EventKind::ContentDisposed { fields, .. } => {
            let fields: BTreeSet<String> = fields.iter().cloned().collect();
            case.fields.retain(|k, _| !fields.contains(k));
            for entry in &mut case.journal {
                entry.dispose();
            }
            // Their bytes are removed with the content; the events keep
            // their digests.
            case.attachments.clear();
            case.documents.clear();
        }
        EventKind::DeadlinePassed { deadline, due_at } => {
            if let Some(DeadlineStatus::Open { .. }) = case.deadlines.get(deadline) {
                case.deadlines.insert(
                    deadline.clone(),
                    DeadlineStatus::Passed {
                        due_at: *due_at,
                        passed_at: event.occurred_at,
                    },
                );
            }
        }
        EventKind::Linked {
            other_case,
            link,
            end,
        } => {
            case.links.push(CaseLink {
                other_case: other_case.clone(),
                link: *link,
                end: *end,
            });
            // A duplicate is set aside where it stands: its clocks stop and
            // it is closed in its state (no step is open to it any more).
            if *link == LinkKind::DuplicateOf && *end == LinkEnd::Opened {
                for status in case.deadlines.values_mut() {
                    if status.is_running() {
                        *status = DeadlineStatus::Cancelled {
                            due_at: status.due_at(),
                            at: event.occurred_at,
                        };
                    }
                }
                if let Status::Open { state } = &case.status {
                    case.status = Status::Closed {
                        state: state.clone(),
                        closed_at: event.occurred_at,
                    };
                }
            }
        }
    }
    case
}

/// Rebuilds a case from all its events, in order.
pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Case, ReplayError> {
    let mut events = events.into_iter();
    let first = events.next().ok_or(ReplayError::Empty)?;
    let mut case = Case::open(first)?;
    for event in events {
        if matches!(
            event.kind,
            EventKind::Filed { .. } | EventKind::Imported { .. }
        ) {
            return Err(ReplayError::FiledTwice {
                sequence: case.version + 1,
            });
        }
        case = evolve(case, event);
    }
    Ok(case)
}
