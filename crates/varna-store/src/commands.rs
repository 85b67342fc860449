//! The one way a case changes: load it, ask the engine, append the events
//! (both hash chains), update the projections, write the outbox and the
//! idempotency key — all in one transaction that holds the writer slot.
//!
//! A refused command, a stale `expected_version` or a repeated idempotency
//! key writes nothing.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use varna_workflow::{
    Actor, Case, Command, Decision, Effect, Event, Facts, FileCase, Personnummer, Rejection,
    WorkflowDefinition, decide, decide_filing, evolve, link_events,
};

use crate::backend::{ChainHead, begin_write};
use crate::chain::{self, EventContent, GENESIS};
use crate::changes::{CaseChange, Changes};
use crate::entities::{audit_head, case_person, cases, event, idempotency_key, org, outbox};
use crate::error::{Error, Result};
use crate::projections::{case_row, write_event_rows};
use crate::tally;
use crate::{CaseId, Store};

/// Options every command takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandOptions {
    /// Refuse with `Conflict` unless the case is at this version.
    pub expected_version: Option<u64>,
    /// A retried command with the same key (from the same actor) returns the
    /// first result and writes nothing.
    pub idempotency_key: Option<String>,
    /// The command's time; the current time when absent.
    pub now: Option<DateTime<Utc>>,
}

/// What a command did to the store (not the severity ruling, which the
/// engine calls an outcome).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The case the command was about (for a filing, the new case).
    pub case_id: CaseId,
    /// The case's version after the command.
    pub version: u64,
    /// Cases the command opened (escalations, spawned cases).
    pub opened: Vec<CaseId>,
    /// True when this is the stored result of an earlier identical command.
    pub replayed: bool,
}

/// The longest idempotency key accepted.
const MAX_IDEMPOTENCY_KEY: usize = 200;

impl Store {
    /// Files a new case of `workflow`, optionally with the affected person's personnummer.
    pub async fn file_case(
        &self,
        workflow: &str,
        command: FileCase,
        personnummer: Option<&Personnummer>,
        actor: &Actor,
        options: CommandOptions,
    ) -> Result<Applied> {
        let def = self.definitions.current(workflow)?;
        let facts = facts(actor, options.now);
        let request = request_hash(&(
            "file",
            workflow,
            &command.lagrum,
            command.unit.as_str(),
            &command.fields,
            personnummer.map(Personnummer::digits),
        ));
        let (txn, head) = begin_write(&self.db).await?;
        if let Some(earlier) = replayed(&txn, actor, &options, &request).await? {
            txn.rollback().await?;
            return Ok(earlier);
        }
        // The engine decides first: whether this person may file for the
        // unit at all is answered before whether the unit exists.
        let unit = command.unit.as_str().to_owned();
        let decision = decide_filing(&def, command, &facts)?;
        ensure_unit(&txn, &unit).await?;
        let mut batch = Batch::new(head, facts.now);
        let case_id = CaseId::generate();
        let case = batch.open_case(&case_id, &def, decision.events)?;
        if let Some(p) = personnummer {
            case_person::ActiveModel {
                case_id: Set(case_id.to_string()),
                personnummer: Set(p.digits().to_owned()),
                opened_epoch: Set(case.opened_at.timestamp()),
            }
            .insert(&txn)
            .await?;
        }
        let mut opened = Vec::new();
        batch
            .carry_out(
                self,
                &txn,
                &case_id,
                &case,
                &decision.effects,
                &facts,
                &mut opened,
            )
            .await?;
        let version = batch
            .cases
            .iter()
            .find(|c| c.id == case_id)
            .map_or(1, |c| c.case.version);
        let changes = batch.write(&txn).await?;
        remember(
            &txn, actor, &options, &request, &case_id, version, facts.now,
        )
        .await?;
        txn.commit().await?;
        self.announce(changes);
        tracing::info!(case = %case_id, workflow, "case filed");
        Ok(Applied {
            case_id,
            version,
            opened,
            replayed: false,
        })
    }

    /// Runs a command on an existing case.
    pub async fn execute(
        &self,
        case_id: &CaseId,
        command: Command,
        actor: &Actor,
        options: CommandOptions,
    ) -> Result<Applied> {
        let facts = facts(actor, options.now);
        let request = request_hash(&(
            "execute",
            case_id.to_string(),
            command_fingerprint(&command),
        ));
        let (txn, head, case, def) = match self
            .begin_on_case(case_id, actor, &options, &request)
            .await?
        {
            Begun::Replayed(earlier) => return Ok(earlier),
            Begun::Ready {
                txn,
                head,
                case,
                def,
            } => (txn, head, case, def),
        };
        let decision: Decision = decide(&def, &case, command, &facts)?;
        let mut batch = Batch::new(head, facts.now);
        let case = batch.append_to(case_id, &def, case, decision.events)?;
        let mut opened = Vec::new();
        batch
            .carry_out(
                self,
                &txn,
                case_id,
                &case,
                &decision.effects,
                &facts,
                &mut opened,
            )
            .await?;
        let version = batch
            .cases
            .iter()
            .find(|c| &c.id == case_id)
            .map_or(case.version, |c| c.case.version);
        let changes = batch.write(&txn).await?;
        remember(&txn, actor, &options, &request, case_id, version, facts.now).await?;
        txn.commit().await?;
        self.announce(changes);
        tracing::info!(case = %case_id, version, "command applied");
        Ok(Applied {
            case_id: case_id.clone(),
            version,
            opened,
            replayed: false,
        })
    }

    /// Links two existing cases as related, on both cases, in one
    /// transaction: the engine must allow it on each, so the actor must be
    /// able to act on both.
    pub async fn link_cases(
        &self,
        case_id: &CaseId,
        other: &CaseId,
        actor: &Actor,
        options: CommandOptions,
    ) -> Result<Applied> {
        if case_id == other {
            return Err(Rejection::InvalidInput {
                field: "other_case".into(),
                problem: varna_workflow::InputProblem::NotAllowed {
                    allowed: vec!["another case".into()],
                },
            }
            .into());
        }
        let facts = facts(actor, options.now);
        let request = request_hash(&("link", case_id.to_string(), other.to_string()));
        let (txn, head, case, def) = match self
            .begin_on_case(case_id, actor, &options, &request)
            .await?
        {
            Begun::Replayed(earlier) => return Ok(earlier),
            Begun::Ready {
                txn,
                head,
                case,
                def,
            } => (txn, head, case, def),
        };
        let (other_case, other_def) = self.load_for_update(&txn, other).await?;
        let link = varna_workflow::definition::LinkKind::RelatedTo;
        let here = decide(
            &def,
            &case,
            Command::Link {
                other_case: other.to_string(),
                link,
                end: varna_workflow::LinkEnd::Origin,
            },
            &facts,
        )?;
        let there = decide(
            &other_def,
            &other_case,
            Command::Link {
                other_case: case_id.to_string(),
                link,
                end: varna_workflow::LinkEnd::Opened,
            },
            &facts,
        )?;
        let mut batch = Batch::new(head, facts.now);
        let case = batch.append_to(case_id, &def, case, here.events)?;
        batch.append_to(other, &other_def, other_case, there.events)?;
        let changes = batch.write(&txn).await?;
        remember(
            &txn,
            actor,
            &options,
            &request,
            case_id,
            case.version,
            facts.now,
        )
        .await?;
        txn.commit().await?;
        self.announce(changes);
        Ok(Applied {
            case_id: case_id.clone(),
            version: case.version,
            opened: Vec::new(),
            replayed: false,
        })
    }

    fn announce(&self, changes: Vec<CaseChange>) {
        self.changes
            .announce(self.db.get_database_backend(), changes);
    }

    /// Opens a command on an existing case: takes the writer slot, answers
    /// a repeated idempotency key with its first result, loads the case and
    /// checks the expected version.
    async fn begin_on_case(
        &self,
        case_id: &CaseId,
        actor: &Actor,
        options: &CommandOptions,
        request: &str,
    ) -> Result<Begun> {
        let (txn, head) = begin_write(&self.db).await?;
        if let Some(earlier) = replayed(&txn, actor, options, request).await? {
            txn.rollback().await?;
            return Ok(Begun::Replayed(earlier));
        }
        let (case, def) = self.load_for_update(&txn, case_id).await?;
        if let Some(expected) = options.expected_version
            && expected != case.version
        {
            return Err(Error::Conflict {
                expected,
                actual: case.version,
            });
        }
        Ok(Begun::Ready {
            txn,
            head,
            case,
            def,
        })
    }

    async fn load_for_update(
        &self,
        txn: &DatabaseTransaction,
        case_id: &CaseId,
    ) -> Result<(Case, Arc<WorkflowDefinition>)> {
        let row = cases::Entity::find_by_id(case_id.to_string())
            .one(txn)
            .await?
            .ok_or_else(|| Error::NotFound(case_id.to_string()))?;
        let case: Case = serde_json::from_str(&row.snapshot)
            .map_err(|e| Error::Corrupt(format!("snapshot of case {case_id}: {e}")))?;
        let def = self.definitions.by_hash(txn, &row.workflow_hash).await?;
        Ok((case, def))
    }
}

fn facts(actor: &Actor, now: Option<DateTime<Utc>>) -> Facts {
    Facts {
        actor: actor.clone(),
        now: chain::normalise(now.unwrap_or_else(Utc::now)),
    }
}

fn request_hash(request: &impl serde::Serialize) -> String {
    let bytes = serde_json::to_vec(request).expect("commands serialise");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A stable description of a command for idempotency (values included:
/// the same key with other values is a different command).
fn command_fingerprint(command: &Command) -> serde_json::Value {
    match command {
        Command::Transition { name, fields } => {
            serde_json::json!({ "transition": name, "fields": fields })
        }
        Command::AddJournalEntry(e) => serde_json::json!({
            "journal": e.topic, "text": e.text, "source": e.source, "kind": e.kind,
            "documented_on": e.documented_on, "author": e.author,
        }),
        Command::Link {
            other_case,
            link,
            end,
        } => serde_json::json!({ "link": other_case, "kind": link, "end": end }),
        Command::PassDeadline { deadline } => serde_json::json!({ "pass_deadline": deadline }),
    }
}

async fn replayed(
    txn: &DatabaseTransaction,
    actor: &Actor,
    options: &CommandOptions,
    request: &str,
) -> Result<Option<Applied>> {
    let Some(key) = &options.idempotency_key else {
        return Ok(None);
    };
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY {
        return Err(Rejection::InvalidInput {
            field: "idempotency_key".into(),
            problem: varna_workflow::InputProblem::TooLong {
                max: MAX_IDEMPOTENCY_KEY,
            },
        }
        .into());
    }
    let found = idempotency_key::Entity::find_by_id((actor.id.as_str().to_owned(), key.clone()))
        .one(txn)
        .await?;
    match found {
        None => Ok(None),
        Some(row) if row.request_hash == request => Ok(Some(Applied {
            case_id: CaseId::parse(&row.case_id)
                .ok_or_else(|| Error::Corrupt("idempotency row names no case".into()))?,
            version: u64::try_from(row.version).unwrap_or_default(),
            opened: Vec::new(),
            replayed: true,
        })),
        Some(_) => Err(Error::IdempotencyKeyReused),
    }
}

async fn remember(
    txn: &DatabaseTransaction,
    actor: &Actor,
    options: &CommandOptions,
    request: &str,
    case_id: &CaseId,
    version: u64,
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some(key) = &options.idempotency_key {
        idempotency_key::ActiveModel {
            actor_id: Set(actor.id.as_str().to_owned()),
            key: Set(key.clone()),
            request_hash: Set(request.to_owned()),
            case_id: Set(case_id.to_string()),
            version: Set(i64::try_from(version).unwrap_or(i64::MAX)),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

async fn ensure_unit(txn: &DatabaseTransaction, unit: &str) -> Result<()> {
    if org::unit::Entity::find_by_id(unit.to_owned())
        .one(txn)
        .await?
        .is_none()
    {
        return Err(Error::UnknownUnit(unit.to_owned()));
    }
    Ok(())
}

/// A command's transaction, opened on a case, or the stored result of its first run.
#[allow(clippy::large_enum_variant)] // returned once per command and destructured at once
enum Begun {
    Replayed(Applied),
    Ready {
        txn: DatabaseTransaction,
        head: ChainHead,
        case: Case,
        def: Arc<WorkflowDefinition>,
    },
}

/// A case touched by the command: its state after the new events.
struct Touched {
    id: CaseId,
    case: Case,
    def: Arc<WorkflowDefinition>,
    is_new: bool,
    old_version: u64,
    first_sequence: i64,
    events: Vec<Event>,
    /// The report facts the case was counted under before this command.
    old_facts: Vec<tally::TallyKey>,
}

/// The event row for `e`, its hashes still empty (see [`seal`]).
pub(crate) fn event_row(
    case_id: &str,
    sequence: i64,
    global_seq: i64,
    e: &Event,
    recorded_at: DateTime<Utc>,
) -> event::ActiveModel {
    event::ActiveModel {
        case_id: Set(case_id.to_owned()),
        sequence: Set(sequence),
        global_seq: Set(global_seq),
        event_type: Set(e.kind.type_name().to_owned()),
        event_version: Set(chain::EVENT_VERSION),
        payload: Set(chain::canonical_json(
            &serde_json::to_value(&e.kind).expect("events serialise"),
        )),
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
    let payload: serde_json::Value =
        serde_json::from_str(row.payload.as_ref()).map_err(|e| Error::Corrupt(e.to_string()))?;
    let content = EventContent {
        case_id: row.case_id.as_ref(),
        sequence: *row.sequence.as_ref(),
        event_type: row.event_type.as_ref(),
        event_version: *row.event_version.as_ref(),
        payload: &payload,
        actor_id: row.actor_id.as_ref(),
        actor_role: row.actor_role.as_ref(),
        occurred_at: *row.occurred_at.as_ref(),
        recorded_at: *row.recorded_at.as_ref(),
    };
    let hash = chain::event_hash(&prev, &chain::canonical(&content));
    *global = chain::global_hash(global, &hash);
    row.prev_hash = Set(prev);
    row.hash = Set(hash.clone());
    row.global_hash = Set(global.clone());
    Ok(hash)
}

/// Everything one command writes, built in memory and written at the end.
struct Batch {
    head: ChainHead,
    now: DateTime<Utc>,
    cases: Vec<Touched>,
    rows: Vec<event::ActiveModel>,
    outbox: Vec<outbox::ActiveModel>,
}

impl Batch {
    fn new(head: ChainHead, now: DateTime<Utc>) -> Self {
        Batch {
            head,
            now,
            cases: Vec::new(),
            rows: Vec::new(),
            outbox: Vec::new(),
        }
    }

    /// Adds a new case whose first event is its filing.
    fn open_case(
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
        });
        self.stage(id, std::slice::from_ref(first));
        self.add_events(id, rest.to_vec())
    }

    /// Adds events to a stored case (`case` as loaded), entering it in the batch.
    fn append_to(
        &mut self,
        id: &CaseId,
        def: &Arc<WorkflowDefinition>,
        case: Case,
        events: Vec<Event>,
    ) -> Result<Case> {
        let old_version = case.version;
        let old_facts = tally::case_facts(&case, def);
        self.cases.push(Touched {
            id: id.clone(),
            case,
            def: Arc::clone(def),
            is_new: false,
            old_version,
            first_sequence: i64::try_from(old_version).unwrap_or(i64::MAX) + 1,
            events: Vec::new(),
            old_facts,
        });
        self.add_events(id, events)
    }

    /// Adds events to a case already in the batch and folds them into it.
    fn add_events(&mut self, id: &CaseId, events: Vec<Event>) -> Result<Case> {
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
    fn stage(&mut self, id: &CaseId, events: &[Event]) {
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
            self.head.global_seq += 1;
            self.rows.push(event_row(
                &case_id,
                sequence,
                self.head.global_seq,
                e,
                self.now,
            ));
        }
    }

    /// Carries out effects inside the transaction: outbox rows for
    /// notifications, linked cases for spawns.
    #[allow(clippy::too_many_arguments)]
    async fn carry_out(
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
                Effect::Notify { role, reason } => self.outbox.push(outbox::ActiveModel {
                    id: Set(uuid::Uuid::now_v7().to_string()),
                    case_id: Set(case_id.to_string()),
                    sequence: Set(sequence),
                    role: Set(role.as_str().to_owned()),
                    notice: Set(serde_json::to_string(reason).expect("notices serialise")),
                    status: Set("pending".to_owned()),
                    attempts: Set(0),
                    next_attempt_at: Set(self.now),
                    created_at: Set(self.now),
                }),
                Effect::SpawnCase { workflow, link } => {
                    let child_def = store.definitions.current(workflow)?;
                    let filing = spawned_filing(&child_def, case, facts)?;
                    let decision = decide_filing(&child_def, filing, facts)?;
                    let child_id = CaseId::generate();
                    let (origin_link, opened_link) =
                        link_events(facts, &case_id.to_string(), &child_id.to_string(), *link);
                    let mut child_events = decision.events;
                    child_events.push(opened_link);
                    let child = self.open_case(&child_id, &child_def, child_events)?;
                    self.add_events(case_id, vec![origin_link])?;
                    Box::pin(self.carry_out(
                        store,
                        txn,
                        &child_id,
                        &child,
                        &decision.effects,
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

    /// Computes the hashes (fetching each existing case's last hash), then
    /// writes events, projections, outbox and the new chain head.
    async fn write(mut self, txn: &DatabaseTransaction) -> Result<Vec<CaseChange>> {
        let changes = self.changes();
        let mut global = self.head.global_hash.clone();
        let mut last_hash: std::collections::HashMap<String, String> =
            std::collections::HashMap::new();
        for row in &mut self.rows {
            let case_id = row.case_id.as_ref().clone();
            let sequence = *row.sequence.as_ref();
            let prev = if sequence == 1 {
                GENESIS.to_owned()
            } else if let Some(h) = last_hash.get(&case_id) {
                h.clone()
            } else {
                event::Entity::find_by_id((case_id.clone(), sequence - 1))
                    .one(txn)
                    .await?
                    .map(|e| e.hash)
                    .ok_or_else(|| {
                        Error::Corrupt(format!("case {case_id} lacks event {}", sequence - 1))
                    })?
            };
            let hash = seal(row, prev, &mut global)?;
            last_hash.insert(case_id, hash);
        }
        if !self.rows.is_empty() {
            event::Entity::insert_many(self.rows).exec(txn).await?;
        }
        let mut tallies = tally::TallyDelta::new();
        for touched in &self.cases {
            tally::add(&mut tallies, touched.old_facts.clone(), -1);
            tally::add(
                &mut tallies,
                tally::case_facts(&touched.case, &touched.def),
                1,
            );
            let id = touched.id.to_string();
            let updated_at = touched.events.last().map_or(self.now, |e| e.occurred_at);
            let row = case_row(&id, &touched.case, &touched.def, updated_at);
            if touched.is_new {
                cases::Entity::insert(row).exec(txn).await?;
            } else {
                let updated = cases::Entity::update_many()
                    .set(row)
                    .filter(cases::Column::Id.eq(id.clone()))
                    .filter(
                        cases::Column::Version
                            .eq(i64::try_from(touched.old_version).unwrap_or(i64::MAX)),
                    )
                    .exec(txn)
                    .await?;
                if updated.rows_affected != 1 {
                    return Err(Error::Conflict {
                        expected: touched.old_version,
                        actual: touched.old_version + 1,
                    });
                }
            }
            let replace_deadlines = touched.is_new
                || touched.events.iter().any(|e| {
                    matches!(
                        e.kind,
                        varna_workflow::EventKind::Transitioned { .. }
                            | varna_workflow::EventKind::DeadlinePassed { .. }
                    )
                });
            write_event_rows(
                txn,
                &id,
                &touched.case,
                touched.first_sequence,
                &touched.events,
                replace_deadlines,
            )
            .await?;
        }
        tally::apply(txn, tallies).await?;
        if !self.outbox.is_empty() {
            outbox::Entity::insert_many(self.outbox).exec(txn).await?;
        }
        let head = audit_head::ActiveModel {
            id: Set(1),
            global_seq: Set(self.head.global_seq),
            global_hash: Set(global),
        };
        head.update(txn).await?;
        Changes::stage(txn, &changes).await?;
        Ok(changes)
    }

    /// The notices for every event the batch appends.
    fn changes(&self) -> Vec<CaseChange> {
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
                        .as_ref()
                        .and_then(|id| t.def.deadlines.iter().find(|d| &d.id == id))
                        .map(|d| d.notify.clone())
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

/// The filing of a spawned case: the origin's lagrum and unit, and those of
/// its fields that the new lifecycle's filing takes and accepts as valid.
fn spawned_filing(child: &WorkflowDefinition, origin: &Case, facts: &Facts) -> Result<FileCase> {
    let wanted: Vec<&str> = child
        .filing
        .requires
        .iter()
        .flat_map(|r| r.fields().iter())
        .chain(child.filing.accepts.iter())
        .map(String::as_str)
        .collect();
    let mut filing = FileCase {
        lagrum: origin.lagrum,
        unit: origin.unit.clone(),
        fields: origin
            .fields
            .iter()
            .filter(|(k, _)| wanted.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    // Drop fields whose values the new lifecycle does not accept (a choice
    // list may differ); required ones then surface as a guard failure.
    while let Err(Rejection::InvalidInput { field, .. }) =
        decide_filing(child, filing.clone(), facts)
    {
        if filing.fields.remove(&field).is_none() {
            break;
        }
    }
    Ok(filing)
}
