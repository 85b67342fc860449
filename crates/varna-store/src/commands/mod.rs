//! The one way a case changes: load it, ask the engine, append the events
//! (both hash chains), update the projections, write the outbox and the
//! idempotency key — all in one transaction that holds the writer slot.
//!
//! A refused command, a stale `expected_version` or a repeated idempotency
//! key writes nothing.
//!
//! Here the entry points (`file_case`, `execute`, `link_cases`,
//! `mark_duplicate`) and opening a
//! command's transaction; `idempotency.rs` the keys; `batch.rs` the rows one
//! command writes.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait};
use varna_workflow::{
    Actor, Case, Command, Decision, Facts, FileCase, Personnummer, Rejection, WorkflowDefinition,
    decide, decide_filing, mark_duplicate, relate_cases,
};

use crate::backend::{Head, Params};
use crate::chain::{self};
use crate::changes::CaseChange;
use crate::entities::case_person;
use crate::error::{Error, Result};
use crate::{CaseId, Store};

mod batch;
mod disclose;
mod dispose;
mod group;
mod idempotency;

use batch::Batch;
pub(crate) use batch::{event_row, seal};
pub use disclose::Disclosed;
pub use dispose::{Disposal, Disposed};
pub(crate) use group::Group;
use group::Staged;
use idempotency::{command_fingerprint, remember, replayed, request_hash};

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

impl Applied {
    /// A command's answer as it is first given (not a replay).
    pub(crate) fn new(case_id: CaseId, version: u64, opened: Vec<CaseId>) -> Applied {
        Applied {
            case_id,
            version,
            opened,
            replayed: false,
        }
    }
}

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
        self.file_case_keeping(workflow, command, personnummer, actor, options, None)
            .await
    }

    /// Files a new case from the public form: as [`Store::file_case`], with
    /// the hash of the sender's receipt code kept in the same transaction
    /// (the case and the code exist together or not at all). The actor is
    /// the sender the code stands for.
    pub async fn file_with_receipt(
        &self,
        workflow: &str,
        command: FileCase,
        actor: &Actor,
        options: CommandOptions,
        code_hash: String,
    ) -> Result<Applied> {
        self.file_case_keeping(workflow, command, None, actor, options, Some(code_hash))
            .await
    }

    /// `file_case`, keeping a receipt code's hash with the case.
    async fn file_case_keeping(
        &self,
        workflow: &str,
        command: FileCase,
        personnummer: Option<&Personnummer>,
        actor: &Actor,
        options: CommandOptions,
        receipt: Option<String>,
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
        let personnummer = personnummer.cloned();
        let actor = actor.clone();
        self.in_turn(Box::new(move |store, txn, head| {
            Box::pin(async move {
                let filing = Filing {
                    def,
                    command,
                    personnummer,
                    receipt,
                };
                store
                    .file_in(txn, head, filing, &actor, &options, &request, &facts)
                    .await
            })
        }))
        .await
    }

    /// The filing inside a group's transaction.
    #[allow(clippy::too_many_arguments)]
    async fn file_in(
        &self,
        txn: &DatabaseTransaction,
        mut head: Head,
        filing: Filing,
        actor: &Actor,
        options: &CommandOptions,
        request: &str,
        facts: &Facts,
    ) -> Result<Staged> {
        let Filing {
            def,
            command,
            personnummer,
            receipt,
        } = filing;
        let personnummer = personnummer.as_ref();
        if let Some(earlier) = replayed(txn, actor, options, request).await? {
            return Ok(Staged::replay(earlier, head));
        }
        // The engine decides first: whether this person may file for the
        // unit at all is answered before whether the unit exists.
        let unit = command.unit.as_str().to_owned();
        let mut decision = decide_filing(&def, command, facts)?;
        ensure_unit(txn, &unit, &mut head).await?;
        let salt = match (personnummer, decision.events.first_mut()) {
            (Some(p), Some(first)) => Some(crate::person::commit(first, p)?),
            _ => None,
        };
        let mut batch = Batch::new(head, facts.now);
        let case_id = CaseId::generate();
        let case = batch.open_case(&case_id, &def, decision.events)?;
        if let (Some(p), Some(salt)) = (personnummer, salt) {
            case_person::ActiveModel {
                case_id: Set(case_id.to_string()),
                personnummer: Set(p.digits().to_owned()),
                opened_epoch: Set(case.opened_at.timestamp()),
                salt: Set(Some(salt)),
            }
            .insert(txn)
            .await?;
        }
        let mut opened = Vec::new();
        batch
            .carry_out(
                self,
                txn,
                &case_id,
                &case,
                &decision.effects,
                facts,
                &mut opened,
            )
            .await?;
        let version = batch
            .cases
            .iter()
            .find(|c| c.id == case_id)
            .map_or(1, |c| c.case.version);
        let written = batch.write(self, txn).await?;
        if let Some(code_hash) = receipt {
            crate::entities::receipt::ActiveModel {
                code_hash: Set(code_hash),
                case_id: Set(case_id.to_string()),
                sender_id: Set(actor.id.as_str().to_owned()),
                created_at: Set(facts.now),
            }
            .insert(txn)
            .await?;
        }
        remember(txn, actor, options, request, &case_id, version, facts.now).await?;
        Ok(Staged::written(
            Applied::new(case_id, version, opened),
            written,
        ))
    }

    /// Runs a command on an existing case.
    pub async fn execute(
        &self,
        case_id: &CaseId,
        command: Command,
        actor: &Actor,
        options: CommandOptions,
    ) -> Result<Applied> {
        self.execute_keeping(case_id, command, actor, options, None)
            .await
    }

    /// Adds a file to a case: the engine decides (who may, on an open
    /// case), the event names the file by `attachment.digest`, and the
    /// bytes are kept beside the log in the same transaction. The digest
    /// and size must be those of `content`.
    pub async fn attach(
        &self,
        case_id: &CaseId,
        attachment: varna_workflow::attachment::Attachment,
        content: Vec<u8>,
        actor: &Actor,
        options: CommandOptions,
    ) -> Result<Applied> {
        if crate::chain::content_digest(&content) != attachment.digest
            || content.len() as u64 != attachment.size
        {
            return Err(Error::Rejected(Rejection::InvalidInput {
                field: "file".into(),
                problem: varna_workflow::InputProblem::WrongType {
                    expected: "the file the digest and size describe",
                },
            }));
        }
        let row = crate::entities::attachment::ActiveModel {
            case_id: Set(case_id.to_string()),
            id: Set(attachment.id.clone()),
            media_type: Set(attachment.media_type.clone()),
            digest: Set(attachment.digest.clone()),
            content: Set(content),
        };
        self.execute_keeping(
            case_id,
            Command::AddAttachment(attachment),
            actor,
            options,
            Some(row),
        )
        .await
    }

    /// `execute`, keeping a file's row with the events.
    async fn execute_keeping(
        &self,
        case_id: &CaseId,
        command: Command,
        actor: &Actor,
        options: CommandOptions,
        kept: Option<crate::entities::attachment::ActiveModel>,
    ) -> Result<Applied> {
        let facts = facts(actor, options.now);
        let request = request_hash(&(
            "execute",
            case_id.to_string(),
            command_fingerprint(&command),
        ));
        let case_id = case_id.clone();
        let actor = actor.clone();
        self.in_turn(Box::new(move |store, txn, mut head| {
            Box::pin(async move {
                let begun = store
                    .on_case(txn, &case_id, &actor, &options, &request, &mut head)
                    .await?;
                let (case, def) = match begun {
                    Begun::Replayed(earlier) => return Ok(Staged::replay(earlier, head)),
                    Begun::Ready { case, def } => (case, def),
                };
                let run = Run {
                    txn,
                    head,
                    facts: &facts,
                };
                store
                    .execute_in(
                        run, &case_id, case, def, command, kept, &actor, &options, &request,
                    )
                    .await
            })
        }))
        .await
    }

    /// A command on an existing case inside a group's transaction.
    #[allow(clippy::too_many_arguments)]
    async fn execute_in(
        &self,
        run: Run<'_>,
        case_id: &CaseId,
        case: Case,
        def: Arc<WorkflowDefinition>,
        command: Command,
        kept: Option<crate::entities::attachment::ActiveModel>,
        actor: &Actor,
        options: &CommandOptions,
        request: &str,
    ) -> Result<Staged> {
        let Run { txn, head, facts } = run;
        let mut decision: Decision = decide(&def, &case, command, facts)?;
        let frozen =
            crate::documents::freeze(txn, case_id, &def, &case, &mut decision.events).await?;
        let mut batch = Batch::new(head, facts.now);
        let case = batch.append_to(case_id, &def, case, decision.events)?;
        let mut opened = Vec::new();
        batch
            .carry_out(
                self,
                txn,
                case_id,
                &case,
                &decision.effects,
                facts,
                &mut opened,
            )
            .await?;
        let version = batch
            .cases
            .iter()
            .find(|c| &c.id == case_id)
            .map_or(case.version, |c| c.case.version);
        let written = batch.write(self, txn).await?;
        if !frozen.is_empty() {
            crate::entities::document::Entity::insert_many(frozen)
                .exec_without_returning(txn)
                .await?;
        }
        if let Some(row) = kept {
            crate::entities::attachment::Entity::insert(row)
                .exec_without_returning(txn)
                .await?;
        }
        remember(txn, actor, options, request, case_id, version, facts.now).await?;
        Ok(Staged::written(
            Applied::new(case_id.clone(), version, opened),
            written,
        ))
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
        let (here, there) = (case_id.to_string(), other.to_string());
        self.link_pair("link", case_id, other, actor, options, move |_, _| {
            relate_cases(&here, &there)
        })
        .await
    }

    /// Marks `duplicate` as a duplicate of `original` (an earlier report of
    /// the same matter), on both cases, in one transaction: the duplicate
    /// is closed where it stands and counted only as a duplicate; both keep
    /// their numbers and histories. The engine must allow it on each.
    pub async fn mark_duplicate(
        &self,
        duplicate: &CaseId,
        original: &CaseId,
        actor: &Actor,
        options: CommandOptions,
    ) -> Result<Applied> {
        let (dup, orig) = (duplicate.to_string(), original.to_string());
        self.link_pair(
            "duplicate",
            duplicate,
            original,
            actor,
            options,
            move |d, o| mark_duplicate(&dup, d, &orig, o),
        )
        .await
    }

    /// Records a link on two cases in one transaction; `commands` makes the
    /// two cases' commands from the cases as they stand (first `case_id`'s).
    async fn link_pair(
        &self,
        what: &'static str,
        case_id: &CaseId,
        other: &CaseId,
        actor: &Actor,
        options: CommandOptions,
        commands: impl FnOnce(&Case, &Case) -> std::result::Result<[Command; 2], Rejection>
        + Send
        + 'static,
    ) -> Result<Applied> {
        let facts = facts(actor, options.now);
        let request = request_hash(&(what, case_id.to_string(), other.to_string()));
        let (case_id, other, actor) = (case_id.clone(), other.clone(), actor.clone());
        self.in_turn(Box::new(move |store, txn, mut head| {
            Box::pin(async move {
                let (case, def) = match store
                    .on_case(txn, &case_id, &actor, &options, &request, &mut head)
                    .await?
                {
                    Begun::Replayed(earlier) => return Ok(Staged::replay(earlier, head)),
                    Begun::Ready { case, def } => (case, def),
                };
                let (other_case, other_def) = store.load_for_update(txn, &other, &mut head).await?;
                let [here, there] = commands(&case, &other_case)?;
                let here = decide(&def, &case, here, &facts)?;
                let there = decide(&other_def, &other_case, there, &facts)?;
                let mut batch = Batch::new(head, facts.now);
                let case = batch.append_to(&case_id, &def, case, here.events)?;
                batch.append_to(&other, &other_def, other_case, there.events)?;
                let written = batch.write(store, txn).await?;
                remember(
                    txn,
                    &actor,
                    &options,
                    &request,
                    &case_id,
                    case.version,
                    facts.now,
                )
                .await?;
                tracing::debug!(case = %case_id, other = %other, what, "cases linked");
                Ok(Staged::written(
                    Applied::new(case_id.clone(), case.version, Vec::new()),
                    written,
                ))
            })
        }))
        .await
    }

    fn announce(&self, changes: Vec<CaseChange>) {
        self.changes
            .announce(self.db.get_database_backend(), changes);
    }

    /// Opens a command on an existing case in the group's transaction:
    /// answers a repeated idempotency key with its first result, loads the
    /// case and checks the expected version.
    async fn on_case(
        &self,
        txn: &DatabaseTransaction,
        case_id: &CaseId,
        actor: &Actor,
        options: &CommandOptions,
        request: &str,
        head: &mut Head,
    ) -> Result<Begun> {
        if let Some(earlier) = replayed(txn, actor, options, request).await? {
            return Ok(Begun::Replayed(earlier));
        }
        let (case, def) = self.load_for_update(txn, case_id, head).await?;
        if let Some(expected) = options.expected_version
            && expected != case.version
        {
            return Err(Error::Conflict {
                expected,
                actual: case.version,
            });
        }
        Ok(Begun::Ready { case, def })
    }

    async fn load_for_update(
        &self,
        txn: &DatabaseTransaction,
        case_id: &CaseId,
        head: &mut Head,
    ) -> Result<(Case, Arc<WorkflowDefinition>)> {
        // The snapshot and the lifecycle only: the other columns are
        // derived from them. The chain head comes in the same query when
        // the group has not read it yet.
        let mut params = Params::new(txn.get_database_backend());
        let on = format!("c.id = {}", params.push(case_id.to_string()));
        let row = head
            .read_with(txn, ("c.snapshot, c.workflow_hash", "cases c", &on), params)
            .await?;
        let found: Option<(Option<String>, Option<String>)> = row
            .map(|r| Ok::<_, DbErr>((r.try_get("", "snapshot")?, r.try_get("", "workflow_hash")?)))
            .transpose()?;
        let Some((Some(snapshot), Some(workflow_hash))) = found else {
            return Err(Error::NotFound(case_id.to_string()));
        };
        let case: Case = serde_json::from_str(&snapshot)
            .map_err(|e| Error::Corrupt(format!("snapshot of case {case_id}: {e}")))?;
        let def = self.definitions.by_hash(txn, &workflow_hash).await?;
        Ok((case, def))
    }
}

fn facts(actor: &Actor, now: Option<DateTime<Utc>>) -> Facts {
    Facts {
        actor: actor.clone(),
        now: chain::normalise(now.unwrap_or_else(Utc::now)),
    }
}

/// The unit is registered and open (a closed unit takes no new cases);
/// the chain head comes in the same query when the group has not read it.
async fn ensure_unit(txn: &DatabaseTransaction, unit: &str, head: &mut Head) -> Result<()> {
    let mut params = Params::new(txn.get_database_backend());
    let on = format!("u.id = {}", params.push(unit.to_owned()));
    let columns = "u.id AS unit_id, CASE WHEN u.closed_at IS NULL THEN 0 ELSE 1 END AS closed";
    let row = head
        .read_with(txn, (columns, "unit u", &on), params)
        .await?;
    let found: Option<(Option<String>, Option<i32>)> = row
        .map(|r| Ok::<_, DbErr>((r.try_get("", "unit_id")?, r.try_get("", "closed")?)))
        .transpose()?;
    match found {
        Some((Some(_), Some(0))) => Ok(()),
        Some((Some(_), _)) => Err(Error::UnitClosed(unit.to_owned())),
        _ => Err(Error::UnknownUnit(unit.to_owned())),
    }
}

/// A command opened on a case, or the stored result of its first run.
#[allow(clippy::large_enum_variant)] // returned once per command and destructured at once
enum Begun {
    Replayed(Applied),
    Ready {
        case: Case,
        def: Arc<WorkflowDefinition>,
    },
}

/// A filing as the group's work carries it.
struct Filing {
    def: Arc<WorkflowDefinition>,
    command: FileCase,
    personnummer: Option<Personnummer>,
    receipt: Option<String>,
}

/// Where a command runs: the group's transaction, the chain head the
/// commands before it left, and the facts of the moment.
struct Run<'a> {
    txn: &'a DatabaseTransaction,
    head: Head,
    facts: &'a Facts,
}
