//! The deadline sweep: every running clock whose due time has come gets an
//! audited `deadline_passed` event, and the roles its definition names are
//! notified through the outbox — in the same transaction, through the same
//! command path as any other change.
//!
//! Exactly once, on one server or several: the engine refuses to pass a
//! deadline that is not `open` and due, and every append holds the single
//! writer slot, so a second attempt (from this server's next sweep or another
//! server's) is refused and writes nothing. On PostgreSQL one sweep runs at a
//! time across all servers: a sweep first takes a transaction-scoped advisory
//! lock with `pg_try_advisory_xact_lock` and skips its turn when another
//! server holds it (released automatically if that server dies).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, TransactionTrait,
};
use varna_workflow::{Actor, ActorId, Command, Rejection, Role};

use crate::commands::CommandOptions;
use crate::entities::case_deadline;
use crate::error::{Error, Result};
use crate::{CaseId, Store};

/// The advisory lock key of the sweep ("varna" + 1).
const SWEEP_LOCK: i64 = 0x7661_726e_6101;

/// The user id the scheduler's events carry.
pub const SCHEDULER_ID: &str = "varna-scheduler";

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Deadlines recorded as passed.
    pub passed: usize,
    /// Due deadlines someone else handled first (met in the meantime, or
    /// passed by another server).
    pub already_handled: usize,
    /// Deadlines that failed (logged; retried next sweep).
    pub failed: usize,
    /// True when another server was sweeping, so this one did nothing.
    pub skipped: bool,
}

impl Store {
    /// Records every running deadline due at `now` (at most `limit` per
    /// sweep, earliest first) as passed.
    pub async fn sweep_deadlines(&self, now: DateTime<Utc>, limit: u64) -> Result<SweepReport> {
        let guard = if self.db.get_database_backend() == DatabaseBackend::Postgres {
            let txn = self.db.begin().await?;
            let row = txn
                .query_one_raw(Statement::from_sql_and_values(
                    DatabaseBackend::Postgres,
                    "SELECT pg_try_advisory_xact_lock($1) AS got",
                    [SWEEP_LOCK.into()],
                ))
                .await?;
            let got: bool = row
                .map(|r| r.try_get("", "got"))
                .transpose()?
                .unwrap_or(false);
            if !got {
                txn.rollback().await?;
                return Ok(SweepReport {
                    skipped: true,
                    ..SweepReport::default()
                });
            }
            Some(txn)
        } else {
            None
        };
        let due = case_deadline::Entity::find()
            .filter(case_deadline::Column::Status.eq("open"))
            .filter(case_deadline::Column::DueAt.lte(now))
            .order_by_asc(case_deadline::Column::DueAt)
            .limit(limit)
            .all(&self.db)
            .await?;
        let system = Actor {
            id: ActorId::new(SCHEDULER_ID),
            role: Role::System,
            units: Default::default(),
        };
        let mut report = SweepReport::default();
        for row in due {
            let Some(case_id) = CaseId::parse(&row.case_id) else {
                report.failed += 1;
                continue;
            };
            let command = Command::PassDeadline {
                deadline: row.deadline_id.clone(),
            };
            let options = CommandOptions {
                now: Some(now),
                ..CommandOptions::default()
            };
            match self.execute(&case_id, command, &system, options).await {
                Ok(_) => {
                    report.passed += 1;
                    tracing::info!(case = %case_id, deadline = %row.deadline_id, "deadline passed");
                }
                Err(Error::Rejected(Rejection::DeadlineNotDue { .. }) | Error::NotFound(_)) => {
                    report.already_handled += 1;
                }
                Err(e) => {
                    report.failed += 1;
                    tracing::error!(case = %case_id, deadline = %row.deadline_id, error = %e,
                        "could not record a passed deadline; retrying next sweep");
                }
            }
        }
        if let Some(txn) = guard {
            txn.commit().await?;
        }
        Ok(report)
    }
}
