//! The gallringsbeslut applied: which closed cases each lifecycle's
//! retention rules (its current version's `[[retention]]`) make due for
//! disposal and when, disposing of the due ones, and the gallringsprotokoll
//! read back from the `content_disposed` events that record each disposal
//! on the chain.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Statement};
use varna_workflow::definition::{RetentionRule, RetentionStart};
use varna_workflow::{Actor, EventKind, StateId, WorkflowDefinition};

use crate::backend::Params;
use crate::commands::{Disposal, Disposed};
use crate::error::{Error, Result};
use crate::{CaseId, Store};

/// A closed case not yet disposed of, with the rule that covers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The case.
    pub case_id: CaseId,
    /// Its lifecycle.
    pub kind: String,
    /// The end state it closed in.
    pub state: String,
    /// When it closed.
    pub closed_at: DateTime<Utc>,
    /// Its newest entry.
    pub last_entry: DateTime<Utc>,
    /// The rule covering its end state (`None`: no rule, kept).
    pub rule: Option<Arc<PlannedRule>>,
    /// When its personal content is due for disposal (`None` when kept).
    pub due_at: Option<DateTime<Utc>>,
}

/// The rule of the gallringsbeslut that covers a planned case, as its
/// disposal applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedRule {
    /// The rule's id.
    pub id: String,
    /// Its legal references as one text.
    pub reference: String,
    /// Kept for good and sent to the archive instead of disposed of.
    pub archive: bool,
    /// Fields it keeps besides what the quality report counts.
    pub keep: BTreeSet<String>,
}

impl Planned {
    /// Whether it is due for disposal at `now`.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.due_at.is_some_and(|d| d <= now)
    }

    /// Whether it is kept for good (for the archive).
    pub fn archived(&self) -> bool {
        self.rule.as_ref().is_some_and(|r| r.archive)
    }
}

/// One disposal as the chain records it: a line of the gallringsprotokoll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisposalRecord {
    /// The case.
    pub case_id: String,
    /// Its lifecycle.
    pub kind: String,
    /// Its unit.
    pub unit_id: String,
    /// The rule applied and its legal reference.
    pub rule: String,
    /// The rule's legal reference.
    pub reference: String,
    /// The run it was part of.
    pub run: String,
    /// The fields whose values were removed.
    pub fields: Vec<String>,
    /// How many events' payloads changed.
    pub events: usize,
    /// When.
    pub at: DateTime<Utc>,
    /// By whom (user id) and in which role.
    pub by: (String, String),
    /// Its place in the global chain.
    pub global_seq: i64,
}

/// The legal references of `rule` as one text.
fn reference(def: &WorkflowDefinition, rule: &RetentionRule) -> String {
    rule.legal_refs
        .iter()
        .map(|id| {
            def.legal_references
                .iter()
                .find(|r| &r.id == id)
                .map_or_else(|| id.clone(), |r| r.text.clone())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// How many cases each page of the plan reads.
const PAGE: u64 = 5_000;

impl Store {
    /// Every closed case not yet disposed of, in id order, with the rule
    /// of its lifecycle's current definition that covers its end state and
    /// when its content is due for disposal.
    pub async fn retention_plan(&self) -> Result<Vec<Planned>> {
        let backend = self.db.get_database_backend();
        let mut out = Vec::new();
        let mut after = String::new();
        // Each (lifecycle, rule) once, shared by every case it covers.
        let mut rules: HashMap<(String, String), Arc<PlannedRule>> = HashMap::new();
        loop {
            let mut params = Params::new(backend);
            let from = params.push(after.clone());
            let sql = format!(
                "SELECT c.id, c.kind, c.state, c.closed_at, c.updated_at FROM cases c \
                 WHERE c.is_closed = {yes} AND c.id > {from} \
                   AND NOT EXISTS (SELECT 1 FROM event e WHERE e.case_id = c.id \
                                   AND e.event_type = 'content_disposed') \
                 ORDER BY c.id LIMIT {PAGE}",
                yes = if backend == sea_orm::DatabaseBackend::Postgres {
                    "TRUE"
                } else {
                    "1"
                },
            );
            let rows = self
                .db
                .query_all_raw(Statement::from_sql_and_values(backend, sql, params.values))
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("", "id")?;
            for row in &rows {
                let id: String = row.try_get("", "id")?;
                let case_id = CaseId::parse(&id)
                    .ok_or_else(|| Error::Corrupt(format!("a case is named {id:?}")))?;
                let kind: String = row.try_get("", "kind")?;
                let state: String = row.try_get("", "state")?;
                let last_entry: DateTime<Utc> = row.try_get("", "updated_at")?;
                let closed_at: Option<DateTime<Utc>> = row.try_get("", "closed_at")?;
                let closed_at = closed_at.unwrap_or(last_entry);
                let def = self.definitions.current(&kind).ok();
                let covering = def.as_deref().and_then(|d| {
                    d.retention_for(&StateId::new(state.clone()))
                        .map(|r| (d, r))
                });
                let due_at = covering.and_then(|(_, r)| {
                    let from = match r.counted_from {
                        RetentionStart::Closed => closed_at,
                        RetentionStart::LastEntry => last_entry,
                    };
                    r.keep_for.map(|k| k.after(from))
                });
                let rule = covering.map(|(d, r)| {
                    let key = (kind.clone(), r.id.clone());
                    Arc::clone(rules.entry(key).or_insert_with(|| {
                        Arc::new(PlannedRule {
                            id: r.id.clone(),
                            reference: reference(d, r),
                            archive: r.archive,
                            keep: r.keep.iter().cloned().collect(),
                        })
                    }))
                });
                out.push(Planned {
                    case_id,
                    kind,
                    state,
                    closed_at,
                    last_entry,
                    rule,
                    due_at,
                });
            }
            if (rows.len() as u64) < PAGE {
                break;
            }
        }
        Ok(out)
    }

    /// Disposes of the personal content of every case due at `now`, as
    /// `actor`, under run `run`; `progress` hears (done, due) after each.
    /// A case whose chain does not verify stops the run: what was disposed
    /// of before stays disposed of, and is in the protocol. A case another
    /// run disposed of meanwhile is passed over.
    pub async fn dispose_due(
        &self,
        now: DateTime<Utc>,
        actor: &Actor,
        run: &str,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<Vec<Disposed>> {
        let due: Vec<Planned> = self
            .retention_plan()
            .await?
            .into_iter()
            .filter(|p| p.is_due(now))
            .collect();
        let mut done = Vec::with_capacity(due.len());
        for planned in &due {
            let Some(rule) = &planned.rule else { continue };
            let disposal = Disposal {
                rule: rule.id.clone(),
                reference: rule.reference.clone(),
                run: run.to_owned(),
                keep: rule.keep.clone(),
            };
            match self
                .dispose(&planned.case_id, &disposal, actor, Some(now))
                .await
            {
                Ok(disposed) => done.push(disposed),
                // Another run (another server) got there first.
                Err(Error::NotDisposable(_)) => {}
                Err(e) => return Err(e),
            }
            progress(done.len(), due.len());
        }
        Ok(done)
    }

    /// After a disposal run: makes what was removed unreadable in the
    /// database's files as far as the database can. SQLite zeroes removed
    /// content in place (`secure_delete`); this moves the write-ahead log
    /// into the file and empties it, so no earlier page stays behind.
    /// PostgreSQL keeps old row versions until vacuumed; this vacuums the
    /// tables a disposal changes (old versions stay in backups and WAL
    /// archives until they age out: docs/operations.md). Whether it
    /// completed (SQLite: no reader held the log).
    pub async fn scrub(&self) -> Result<bool> {
        let backend = self.db.get_database_backend();
        if backend == sea_orm::DatabaseBackend::Postgres {
            self.db
                .execute_unprepared(
                    "VACUUM event, cases, journal_entry, document, attachment, case_person",
                )
                .await?;
            return Ok(true);
        }
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                backend,
                "PRAGMA wal_checkpoint(TRUNCATE)",
            ))
            .await?;
        let busy: i64 = match row {
            Some(row) => row.try_get_by_index(0)?,
            None => 0,
        };
        Ok(busy == 0)
    }

    /// The gallringsprotokoll: every disposal recorded on the chain (of one
    /// run, when given), in the order they were made.
    pub async fn disposals(&self, run: Option<&str>) -> Result<Vec<DisposalRecord>> {
        let backend = self.db.get_database_backend();
        let sql = "SELECT e.case_id, e.global_seq, e.payload, e.occurred_at, e.actor_id, e.actor_role, \
                          c.kind, c.unit_id \
                   FROM event e JOIN cases c ON c.id = e.case_id \
                   WHERE e.event_type = 'content_disposed' ORDER BY e.global_seq";
        let rows = self
            .db
            .query_all_raw(Statement::from_string(backend, sql))
            .await?;
        let mut out = Vec::new();
        for row in rows {
            let case_id: String = row.try_get("", "case_id")?;
            let payload: String = row.try_get("", "payload")?;
            let Ok(EventKind::ContentDisposed {
                rule,
                reference,
                run: of_run,
                fields,
                events,
            }) = serde_json::from_str::<EventKind>(&payload)
            else {
                return Err(Error::Corrupt(format!(
                    "the disposal of case {case_id} does not read"
                )));
            };
            if run.is_some_and(|r| r != of_run) {
                continue;
            }
            out.push(DisposalRecord {
                case_id,
                kind: row.try_get("", "kind")?,
                unit_id: row.try_get("", "unit_id")?,
                rule,
                reference,
                run: of_run,
                fields,
                events: events.len(),
                at: row.try_get("", "occurred_at")?,
                by: (row.try_get("", "actor_id")?, row.try_get("", "actor_role")?),
                global_seq: row.try_get("", "global_seq")?,
            });
        }
        Ok(out)
    }
}
