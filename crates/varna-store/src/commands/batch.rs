//! What one command writes: the cases it touched, their sealed event rows
//! (both hash chains), projections, tallies and outbox, in one batch.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, Iterable,
    QueryFilter, QuerySelect, QueryTrait,
};
use varna_workflow::{
    Case, DeadlineStatus, Effect, Event, Facts, WorkflowDefinition, decide_spawn, evolve,
};

use super::group::Written;
use crate::backend::{ChainHead, Head};
use crate::chain::{self, EventContent, GENESIS};
use crate::changes::{CaseChange, Changes};
use crate::entities::{cases, event, outbox};
use crate::error::{Error, Result};
use crate::projections::{case_row, stage_event_rows};
use crate::tally;
use crate::writes::Writes;
use crate::{CaseId, Store};

/// A case touched by the command: its state after the new events.
pub(super) struct Touched {
    pub(super) id: CaseId,
    pub(super) case: Case,
    pub(super) def: Arc<WorkflowDefinition>,
    pub(super) is_new: bool,
    pub(super) old_version: u64,
    pub(super) first_sequence: i64,
    pub(super) events: Vec<Event>,
    /// The report facts the case was counted under before this command.
    pub(super) old_facts: Vec<tally::TallyKey>,
    /// The case's clocks before this command (its `case_deadline` rows are
    /// rewritten only when they changed).
    pub(super) old_deadlines: BTreeMap<String, DeadlineStatus>,
    /// The case's row before this command (a stored case's update sets
    /// only the columns that changed, so indexes over the others are left
    /// alone); `None` for a new case.
    pub(super) old_row: Option<cases::ActiveModel>,
}

/// `new` with every column that holds what `old` holds left unset, so an
/// update writes only what changed (and SQLite rewrites only the indexes
/// over those columns).
fn only_changed(old: &cases::ActiveModel, mut new: cases::ActiveModel) -> cases::ActiveModel {
    for column in cases::Column::iter() {
        // `old` was built without the time of its last event: that one is
        // always written.
        if !matches!(column, cases::Column::UpdatedAt) && old.get(column) == new.get(column) {
            new.not_set(column);
        }
    }
    new
}

/// The event row for `e`, its hashes still empty (see [`seal`]).
pub(crate) fn event_row(
    case_id: &str,
    sequence: i64,
    global_seq: i64,
    e: &Event,
    recorded_at: DateTime<Utc>,
) -> event::ActiveModel {
    let payload = chain::canonical_json(&serde_json::to_value(&e.kind).expect("events serialise"));
    let salt = crate::person::new_salt();
    event::ActiveModel {
        case_id: Set(case_id.to_owned()),
        sequence: Set(sequence),
        global_seq: Set(global_seq),
        event_type: Set(e.kind.type_name().to_owned()),
        event_version: Set(chain::EVENT_VERSION),
        payload: Set(payload.clone()),
        payload_digest: Set(Some(chain::payload_digest(&salt, &payload))),
        payload_salt: Set(Some(salt)),
        actor_id: Set(e.actor.id.as_str().to_owned()),
        actor_role: Set(e.actor.role.as_str().to_owned()),
        occurred_at: Set(e.occurred_at),
        recorded_at: Set(recorded_at),
        prev_hash: Set(String::new()),
        hash: Set(String::new()),
        global_hash: Set(String::new()),
    }
}

/// Fills in a staged row's hashes after `prev` (the case's previous event
/// hash) and advances the global chain; returns the row's hash.
pub(crate) fn seal(
    row: &mut event::ActiveModel,
    prev: String,
    global: &mut String,
) -> Result<String> {
    let digest = row.payload_digest.as_ref().clone().ok_or_else(|| {
        Error::Corrupt("an event row was staged without its payload digest".into())
    })?;
    let unread = serde_json::Value::Null;
    let content = EventContent {
        case_id: row.case_id.as_ref(),
        sequence: *row.sequence.as_ref(),
        event_type: row.event_type.as_ref(),
        event_version: *row.event_version.as_ref(),
        payload: &unread,
        actor_id: row.actor_id.as_ref(),
        actor_role: row.actor_role.as_ref(),
        occurred_at: *row.occurred_at.as_ref(),
        recorded_at: *row.recorded_at.as_ref(),
    };
    let hash = chain::event_hash(&prev, &chain::canonical_sealed(&content, &digest));
    *global = chain::global_hash(global, &hash);
    row.prev_hash = Set(prev);
    row.hash = Set(hash.clone());
    row.global_hash = Set(global.clone());
    Ok(hash)
}

/// Everything one command writes, built in memory and written at the end.
pub(super) struct Batch {
    /// The end of the global chain it extends (read when it writes, if
    /// no query read it before).
    pub(super) head: Head,
    pub(super) now: DateTime<Utc>,
    pub(super) cases: Vec<Touched>,
    pub(super) rows: Vec<event::ActiveModel>,
    pub(super) outbox: Vec<outbox::ActiveModel>,
}

impl Batch {
    pub(super) fn new(head: Head, now: DateTime<Utc>) -> Self {
        Batch {
            head,
            now,
            cases: Vec::new(),
            rows: Vec::new(),
            outbox: Vec::new(),
        }
    }

    /// Adds a new case whose first event is its filing.
    pub(super) fn open_case(
        &mut self,
        id: &CaseId,
        def: &Arc<WorkflowDefinition>,
        events: Vec<Event>,
    ) -> Result<Case> {
        let (first, rest) = events
            .split_first()
            .ok_or_else(|| Error::Corrupt("a filing produced no event".into()))?;
        let case = Case::open(first).map_err(|e| Error::Corrupt(e.to_string()))?;
        self.cases.push(Touched {
            id: id.clone(),
            case,
            def: Arc::clone(def),
            is_new: true,
            old_version: 0,
            first_sequence: 1,
            events: vec![first.clone()],
            old_facts: Vec::new(),
            old_deadlines: BTreeMap::new(),
            old_row: None,
        });
        self.stage(id, std::slice::from_ref(first));
        self.add_events(id, rest.to_vec())
    }

    /// Adds events to a stored case (`case` as loaded), entering it in the batch.
    pub(super) fn append_to(
        &mut self,
        id: &CaseId,
        def: &Arc<WorkflowDefinition>,
        case: Case,
        events: Vec<Event>,
    ) -> Result<Case> {
        let old_version = case.version;
        let old_facts = tally::case_facts(&case, def);
        let old_deadlines = case.deadlines.clone();
        // Its time of last event is not in the snapshot; `only_changed`
        // writes that column always.
        let old_row = case_row(&id.to_string(), &case, def, self.now);
        self.cases.push(Touched {
            id: id.clone(),
            case,
            def: Arc::clone(def),
            is_new: false,
            old_version,
            first_sequence: i64::try_from(old_version).unwrap_or(i64::MAX) + 1,
            events: Vec::new(),
            old_facts,
            old_deadlines,
            old_row: Some(old_row),
        });
        self.add_events(id, events)
    }

    /// Adds events to a case already in the batch and folds them into it.
    pub(super) fn add_events(&mut self, id: &CaseId, events: Vec<Event>) -> Result<Case> {
        self.stage(id, &events);
        let touched = self
            .cases
            .iter_mut()
            .find(|c| &c.id == id)
            .ok_or_else(|| Error::Corrupt("case missing from batch".into()))?;
        for e in &events {
            touched.case = evolve(touched.case.clone(), e);
        }
        touched.events.extend(events);
        Ok(touched.case.clone())
    }

    /// Stages event rows with their sequences; `write` computes the hashes.
    pub(super) fn stage(&mut self, id: &CaseId, events: &[Event]) {
        let case_id = id.to_string();
        let mut sequence = self
            .rows
            .iter()
            .filter(|r| r.case_id.as_ref() == &case_id)
            .map(|r| *r.sequence.as_ref())
            .max()
            .unwrap_or_else(|| {
                self.cases
                    .iter()
                    .find(|c| &c.id == id)
                    .map_or(0, |c| c.first_sequence - 1)
            });
        for e in events {
            sequence += 1;
            // Its global sequence is given as it is sealed.
            self.rows
                .push(event_row(&case_id, sequence, 0, e, self.now));
        }
    }

    /// An outbox row: to everyone in `role` within the case's reach, or
    /// to `recipient` alone.
    fn notify(
        &mut self,
        case_id: &CaseId,
        sequence: i64,
        role: varna_workflow::Role,
        recipient: Option<&str>,
        reason: &varna_workflow::Notice,
    ) {
        self.outbox.push(outbox::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            case_id: Set(case_id.to_string()),
            sequence: Set(sequence),
            role: Set(role.as_str().to_owned()),
            recipient: Set(recipient.map(str::to_owned)),
            notice: Set(serde_json::to_string(reason).expect("notices serialise")),
            status: Set("pending".to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(self.now),
            created_at: Set(self.now),
        });
    }

    /// Carries out effects inside the transaction: outbox rows for
    /// notifications, linked cases for spawns.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn carry_out(
        &mut self,
        store: &Store,
        txn: &DatabaseTransaction,
        case_id: &CaseId,
        case: &Case,
        effects: &[Effect],
        facts: &Facts,
        opened: &mut Vec<CaseId>,
    ) -> Result<()> {
        let sequence = self
            .rows
            .iter()
            .filter(|r| r.case_id.as_ref() == &case_id.to_string())
            .map(|r| *r.sequence.as_ref())
            .max()
            .unwrap_or(0);
        for effect in effects {
            match effect {
                Effect::Notify { role, reason } => {
                    self.notify(case_id, sequence, *role, None, reason);
                }
                Effect::NotifyPerson {
                    person,
                    role,
                    reason,
                } => self.notify(case_id, sequence, *role, Some(person.as_str()), reason),
                Effect::SpawnCase { workflow, link } => {
                    let child_def = store.definitions.current(workflow)?;
                    let child_id = CaseId::generate();
                    let spawn = decide_spawn(
                        &child_def,
                        case,
                        &case_id.to_string(),
                        &child_id.to_string(),
                        *link,
                        facts,
                    )?;
                    let child = self.open_case(&child_id, &child_def, spawn.opened.events)?;
                    self.add_events(case_id, vec![spawn.origin_link])?;
                    Box::pin(self.carry_out(
                        store,
                        txn,
                        &child_id,
                        &child,
                        &spawn.opened.effects,
                        facts,
                        opened,
                    ))
                    .await?;
                    opened.push(child_id);
                }
            }
        }
        Ok(())
    }

    /// Computes the hashes (each existing case's last hash as the last
    /// commit left it, else read from the database), then
    /// writes events, projections, outbox and the head after them
    /// (`audit_head`); the changes to announce and that head.
    pub(super) async fn write(
        mut self,
        store: &Store,
        txn: &DatabaseTransaction,
    ) -> Result<Written> {
        let changes = self.changes();
        // The head is read (if no query read it before) only to extend it.
        let appends = !self.rows.is_empty();
        let (mut global_seq, mut global) = if appends {
            let start = self.head.clone().read(txn).await?;
            (start.global_seq, start.global_hash)
        } else {
            (0, String::new())
        };
        let mut last_hash: std::collections::HashMap<String, String> =
            std::collections::HashMap::new();
        for row in &mut self.rows {
            let case_id = row.case_id.as_ref().clone();
            let sequence = *row.sequence.as_ref();
            let prev = if sequence == 1 {
                GENESIS.to_owned()
            } else if let Some(h) = last_hash.get(&case_id) {
                h.clone()
            } else if let Some(h) = store.group.last_hash(&case_id, sequence - 1) {
                h
            } else {
                event::Entity::find_by_id((case_id.clone(), sequence - 1))
                    .select_only()
                    .column(event::Column::Hash)
                    .into_tuple::<String>()
                    .one(txn)
                    .await?
                    .ok_or_else(|| {
                        Error::Corrupt(format!("case {case_id} lacks event {}", sequence - 1))
                    })?
            };
            global_seq += 1;
            row.global_seq = Set(global_seq);
            let hash = seal(row, prev, &mut global)?;
            last_hash.insert(case_id, hash);
        }
        // Everything below goes to the database together (on SQLite one
        // round trip); each stored case's update returns its id, so a case
        // another writer moved on is a conflict.
        let backend = txn.get_database_backend();
        let mut writes = Writes::new(backend);
        if appends {
            writes.push(&event::Entity::insert_many(self.rows));
        }
        let mut updated = Vec::new();
        let mut tallies = tally::TallyDelta::default();
        for touched in &self.cases {
            tally::add(&mut tallies, touched.old_facts.clone(), -1);
            tally::count(&mut tallies, &touched.case, &touched.def, 1);
            let id = touched.id.to_string();
            let updated_at = touched.events.last().map_or(self.now, |e| e.occurred_at);
            let row = case_row(&id, &touched.case, &touched.def, updated_at);
            if touched.is_new {
                writes.push(&cases::Entity::insert(row));
            } else {
                let row = match &touched.old_row {
                    Some(old) => only_changed(old, row),
                    None => row,
                };
                let mut update = cases::Entity::update_many()
                    .set(row)
                    .filter(cases::Column::Id.eq(id.clone()))
                    .filter(
                        cases::Column::Version
                            .eq(i64::try_from(touched.old_version).unwrap_or(i64::MAX)),
                    );
                QueryTrait::query(&mut update).returning_col(cases::Column::Id);
                writes.push(&update);
                updated.push((id.clone(), touched.old_version));
            }
            let replace_deadlines =
                touched.is_new || touched.case.deadlines != touched.old_deadlines;
            stage_event_rows(
                &mut writes,
                &id,
                &touched.case,
                touched.first_sequence,
                &touched.events,
                replace_deadlines,
            );
        }
        tally::stage(&mut writes, tallies);
        if !self.outbox.is_empty() {
            writes.push(&outbox::Entity::insert_many(self.outbox));
        }
        // The new end of the global chain goes with the writes (no round
        // trip of its own).
        let head = if appends {
            let head = ChainHead {
                global_seq,
                global_hash: global,
            };
            writes.push(&head.record());
            Head::Read(head)
        } else {
            self.head
        };
        // On PostgreSQL the notices of the events ride with the writes.
        if let Some(notices) = Changes::notices(backend, &changes) {
            writes.push_statement(notices);
        }
        let returned: std::collections::HashSet<String> = writes
            .send(txn)
            .await?
            .iter()
            .filter_map(|row| row.try_get::<String>("", "id").ok())
            .collect();
        if let Some((_, version)) = updated.iter().find(|(id, _)| !returned.contains(id)) {
            return Err(Error::Conflict {
                expected: *version,
                actual: version + 1,
            });
        }
        let hashes = self
            .cases
            .iter()
            .filter_map(|t| {
                let id = t.id.to_string();
                let hash = last_hash.remove(&id)?;
                let sequence = t.first_sequence + t.events.len() as i64 - 1;
                Some((id, sequence, hash))
            })
            .collect();
        Ok(Written {
            changes,
            head,
            hashes,
        })
    }

    /// The notices for every event the batch appends.
    pub(super) fn changes(&self) -> Vec<CaseChange> {
        self.cases
            .iter()
            .flat_map(|t| {
                t.events.iter().enumerate().map(move |(offset, e)| {
                    let deadline = match &e.kind {
                        varna_workflow::EventKind::DeadlinePassed { deadline, .. } => {
                            Some(deadline.clone())
                        }
                        _ => None,
                    };
                    let responsible = deadline
                        .as_deref()
                        .map(|id| t.def.responsible_for(id).to_vec())
                        .unwrap_or_default();
                    CaseChange {
                        case_id: t.id.to_string(),
                        sequence: t.first_sequence + offset as i64,
                        event_type: e.kind.type_name().to_owned(),
                        kind: t.case.workflow.name.clone(),
                        lagrum: t.case.lagrum,
                        unit: t.case.unit.as_str().to_owned(),
                        filed_by: t.case.filed_by.id.as_str().to_owned(),
                        occurred_at: e.occurred_at,
                        state: t.case.state().as_str().to_owned(),
                        deadline,
                        responsible,
                    }
                })
            })
            .collect()
    }
}
