//! The access log: who read which case, when, and for what purpose
//! (the law asks for access to be logged and the logs to be checked
//! systematically).
//! Append-only; queried by case and by user.
//!
//! Writes go through one [`AccessWriter`] task per store, which commits
//! the rows of every read waiting at that moment in one statement (group
//! commit): a read is still served only after its row is committed, but
//! fifty concurrent readers share one commit instead of queueing for fifty.
//! The rows and the chain's new end go in one round trip; on SQLite the
//! writer starts from the end it last committed, checked as it moves it.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};
use varna_workflow::Role;

use crate::entities::{access_head, access_log};
use crate::error::{Error, Result};
use crate::writes::Writes;
use crate::{CaseId, Store};

/// A read to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccess {
    /// Who read (user id).
    pub actor_id: String,
    /// In which role.
    pub role: Role,
    /// Which case.
    pub case_id: CaseId,
    /// Why (e.g. `case_view`, `history`, `audit`).
    pub purpose: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A recorded read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    /// Position in the log.
    pub id: i64,
    /// Who read.
    pub actor_id: String,
    /// In which role.
    pub role: String,
    /// Which case.
    pub case_id: String,
    /// Why.
    pub purpose: String,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<access_log::Model> for AccessRecord {
    fn from(m: access_log::Model) -> Self {
        AccessRecord {
            id: m.id,
            actor_id: m.actor_id,
            role: m.actor_role,
            case_id: m.case_id,
            purpose: m.purpose,
            at: m.at,
        }
    }
}

/// Which reads to find across cases; every condition narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessFilter {
    /// By this user.
    pub actor_id: Option<String>,
    /// Of this case.
    pub case_id: Option<CaseId>,
    /// Of cases at these units.
    pub units: Option<Vec<String>>,
    /// Of cases about this person (twelve digits).
    pub personnummer: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
}

/// The most rows one access-log query returns.
pub(crate) const MAX_ACCESS_ROWS: u64 = 10_000;

/// Rows waiting for the writer, and where to say how it went.
type Pending = (Vec<Row>, oneshot::Sender<Result<(), DbErr>>);

/// A read to write, its time normalised as it is hashed.
#[derive(Debug)]
struct Row {
    actor_id: String,
    actor_role: String,
    case_id: String,
    purpose: String,
    at: DateTime<Utc>,
}

/// The most rows one group commit writes (5 parameters each, well inside
/// SQLite's and PostgreSQL's limits).
const MAX_GROUP_ROWS: usize = 1_000;

/// The store's access-log writer: a task that takes every batch of rows
/// queued while it was busy and inserts them in one statement.
#[derive(Debug)]
pub(crate) struct AccessWriter {
    queue: mpsc::UnboundedSender<Pending>,
    /// Rows queued and not yet committed (for monitoring).
    queued: Arc<AtomicU64>,
}

impl AccessWriter {
    /// Starts the writer task on the current runtime.
    pub(crate) fn spawn(
        db: DatabaseConnection,
        checkpoints: crate::wal::Checkpoints,
    ) -> AccessWriter {
        let (queue, mut waiting) = mpsc::unbounded_channel::<Pending>();
        let queued = Arc::new(AtomicU64::new(0));
        let in_queue = Arc::clone(&queued);
        tokio::spawn(async move {
            // The chain's end as this writer last committed it (SQLite).
            let mut known = None;
            while let Some(first) = waiting.recv().await {
                let mut rows = first.0;
                let mut done = vec![first.1];
                while rows.len() < MAX_GROUP_ROWS {
                    let Ok((more, tell)) = waiting.try_recv() else {
                        break;
                    };
                    rows.extend(more);
                    done.push(tell);
                }
                let readers = done.len();
                let count = rows.len() as u64;
                let result = append_chained(&db, &rows, &mut known).await;
                in_queue.fetch_sub(count, Ordering::Relaxed);
                match &result {
                    Ok(()) => checkpoints.committed(),
                    Err(e) => {
                        tracing::error!(error = %e, readers, "could not write to the access log");
                    }
                }
                for tell in done {
                    let _ = tell.send(
                        result
                            .as_ref()
                            .map(|_| ())
                            .map_err(|e| DbErr::Custom(e.to_string())),
                    );
                }
            }
        });
        AccessWriter { queue, queued }
    }

    /// Rows queued and not yet committed.
    pub(crate) fn queued(&self) -> u64 {
        self.queued.load(Ordering::Relaxed)
    }

    /// Queues rows and waits until they are committed.
    async fn write(&self, rows: Vec<Row>) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let stopped = || Error::Database(DbErr::Custom("the access-log writer has stopped".into()));
        let (tell, told) = oneshot::channel();
        let count = rows.len() as u64;
        self.queued.fetch_add(count, Ordering::Relaxed);
        if self.queue.send((rows, tell)).is_err() {
            self.queued.fetch_sub(count, Ordering::Relaxed);
            return Err(stopped());
        }
        told.await.map_err(|_| stopped())?.map_err(Error::Database)
    }
}

fn row(access: NewAccess) -> Row {
    Row {
        actor_id: access.actor_id,
        actor_role: access.role.as_str().to_owned(),
        case_id: access.case_id.to_string(),
        purpose: access.purpose,
        at: crate::chain::normalise(access.at),
    }
}

/// The end of the access chain: its last sequence number and hash.
type End = (i64, String);

/// Appends `rows` to the access log, each linked into the access chain
/// after the chain's end, and moves the end — in one transaction that
/// holds the database's write lock (SQLite `BEGIN IMMEDIATE`; PostgreSQL a
/// row lock on the end), so servers sharing a database extend one chain.
///
/// On SQLite the end this writer last committed (`known`) is taken as the
/// start without reading it, and the end moves only if it is still there:
/// when another process moved it meanwhile (the end moved, or the
/// sequence numbers are taken), that attempt is rolled back and the rows
/// are chained after the end read from the database.
async fn append_chained(
    db: &DatabaseConnection,
    rows: &[Row],
    known: &mut Option<End>,
) -> Result<(), DbErr> {
    if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite
        && let Some(start) = known.take()
    {
        let txn = crate::backend::begin_raw_write(db)
            .await
            .map_err(as_db_err)?;
        match append_after(&txn, rows, start, true).await {
            Ok(Some(end)) => {
                txn.commit().await?;
                *known = Some(end);
                return Ok(());
            }
            // Moved on: the end is not where this writer left it, or rows
            // another writer appended hold the sequence numbers taken.
            moved => {
                txn.rollback().await?;
                tracing::debug!(
                    refused = moved.is_err(),
                    "the access chain moved on elsewhere: its end is read again"
                );
            }
        }
    }
    let txn = crate::backend::begin_raw_write(db)
        .await
        .map_err(as_db_err)?;
    let mut select = access_head::Entity::find_by_id(1);
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        select = select.lock_exclusive();
    }
    let head = select.one(&txn).await?.ok_or_else(missing_head)?;
    let end = append_after(&txn, rows, (head.seq, head.hash), false)
        .await?
        .ok_or_else(missing_head)?;
    txn.commit().await?;
    *known = Some(end);
    Ok(())
}

/// The store's error as the writer task reports it.
fn as_db_err(e: Error) -> DbErr {
    DbErr::Custom(e.to_string())
}

fn missing_head() -> DbErr {
    DbErr::Custom("the access chain's head row is missing".into())
}

/// Inserts `rows` chained after `start` and moves the chain's end past
/// them, in one round trip ([`Writes`]). When `checked`, the end moves
/// only if it is still `start`; `None` when it was not (or the end's row
/// is missing), and the transaction must then be rolled back.
async fn append_after(
    txn: &sea_orm::DatabaseTransaction,
    rows: &[Row],
    start: End,
    checked: bool,
) -> Result<Option<End>, DbErr> {
    let (first_seq, first_hash) = start;
    let (mut seq, mut prev) = (first_seq, first_hash.clone());
    let mut models = Vec::with_capacity(rows.len());
    for r in rows {
        seq += 1;
        let hash = crate::chain::access_hash(
            &prev,
            &crate::chain::AccessContent {
                chain_seq: seq,
                actor_id: &r.actor_id,
                actor_role: &r.actor_role,
                case_id: &r.case_id,
                purpose: &r.purpose,
                at: r.at,
            },
        );
        models.push(access_log::ActiveModel {
            id: NotSet,
            actor_id: Set(r.actor_id.clone()),
            actor_role: Set(r.actor_role.clone()),
            case_id: Set(r.case_id.clone()),
            purpose: Set(r.purpose.clone()),
            at: Set(r.at),
            chain_seq: Set(Some(seq)),
            prev_hash: Set(Some(prev)),
            hash: Set(Some(hash.clone())),
        });
        prev = hash;
    }
    let mut writes = Writes::new(txn.get_database_backend());
    writes.push(&access_log::Entity::insert_many(models));
    let mut moved = access_head::Entity::update_many()
        .col_expr(access_head::Column::Seq, Expr::value(seq))
        .col_expr(access_head::Column::Hash, Expr::value(prev.clone()))
        .filter(access_head::Column::Id.eq(1));
    if checked {
        moved = moved
            .filter(access_head::Column::Seq.eq(first_seq))
            .filter(access_head::Column::Hash.eq(first_hash));
    }
    QueryTrait::query(&mut moved).returning_col(access_head::Column::Id);
    writes.push(&moved);
    let returned = writes.send(txn).await.map_err(as_db_err)?;
    Ok((!returned.is_empty()).then_some((seq, prev)))
}

impl Store {
    /// Appends one read to the access log; returns once it is committed.
    pub async fn record_access(&self, access: NewAccess) -> Result<()> {
        self.access.write(vec![row(access)]).await
    }

    /// Appends several reads to the access log (a page of a case list), in
    /// one statement: all of them or, on an error, none.
    pub async fn record_accesses(&self, accesses: Vec<NewAccess>) -> Result<()> {
        self.access
            .write(accesses.into_iter().map(row).collect())
            .await
    }

    /// Every read of one case, oldest first.
    pub async fn access_log_for_case(&self, case_id: &CaseId) -> Result<Vec<AccessRecord>> {
        self.access_log(access_log::Column::CaseId.eq(case_id.to_string()))
            .await
    }

    /// Every read by one user, oldest first.
    pub async fn access_log_for_user(&self, actor_id: &str) -> Result<Vec<AccessRecord>> {
        self.access_log(access_log::Column::ActorId.eq(actor_id))
            .await
    }

    /// Reads across cases, newest first, `first` at most, after the row
    /// `before` (the last id of the previous page): by whom, of which case,
    /// of cases at which units or about which person, in which time range.
    /// With the number of rows that match in all.
    pub async fn access_log_search(
        &self,
        filter: &AccessFilter,
        first: u64,
        before: Option<i64>,
    ) -> Result<(Vec<AccessRecord>, u64)> {
        let mut condition = sea_orm::Condition::all();
        if let Some(user) = &filter.actor_id {
            condition = condition.add(access_log::Column::ActorId.eq(user.clone()));
        }
        if let Some(case) = &filter.case_id {
            condition = condition.add(access_log::Column::CaseId.eq(case.to_string()));
        }
        if let Some(units) = &filter.units {
            condition = condition.add(
                access_log::Column::CaseId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(crate::entities::cases::Column::Id)
                        .from(crate::entities::cases::Entity)
                        .and_where(crate::entities::cases::Column::UnitId.is_in(units.clone()))
                        .to_owned(),
                ),
            );
        }
        if let Some(digits) = &filter.personnummer {
            condition = condition.add(
                access_log::Column::CaseId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(crate::entities::case_person::Column::CaseId)
                        .from(crate::entities::case_person::Entity)
                        .and_where(
                            crate::entities::case_person::Column::Personnummer.eq(digits.clone()),
                        )
                        .to_owned(),
                ),
            );
        }
        if let Some(from) = filter.from {
            condition = condition.add(access_log::Column::At.gte(from));
        }
        if let Some(to) = filter.to {
            condition = condition.add(access_log::Column::At.lt(to));
        }
        let total = access_log::Entity::find()
            .filter(condition.clone())
            .count(&self.db)
            .await?;
        let mut page = access_log::Entity::find().filter(condition);
        if let Some(before) = before {
            page = page.filter(access_log::Column::Id.lt(before));
        }
        let rows = page
            .order_by_desc(access_log::Column::Id)
            .limit(first.min(MAX_ACCESS_ROWS))
            .all(&self.db)
            .await?
            .into_iter()
            .map(AccessRecord::from)
            .collect();
        Ok((rows, total))
    }

    async fn access_log(
        &self,
        condition: sea_orm::sea_query::SimpleExpr,
    ) -> Result<Vec<AccessRecord>> {
        Ok(access_log::Entity::find()
            .filter(condition)
            .order_by_asc(access_log::Column::At)
            .order_by_asc(access_log::Column::Id)
            .limit(MAX_ACCESS_ROWS)
            .all(&self.db)
            .await?
            .into_iter()
            .map(AccessRecord::from)
            .collect())
    }
}
