//! What an operator watches, read at one moment for `/metrics`: the
//! notification backlog and its oldest entry, overdue deadlines, rows
//! waiting for the access-log writer, the connection pool, and commands
//! waiting for the writer and committed (group commit). Counts and
//! ages only: nothing here names a case or a person.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::Store;
use crate::entities::{case_deadline, delivery, outbox};
use crate::error::Result;

/// The store's state for monitoring.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Gauges {
    /// Notifications not yet delivered on every channel (not counting those
    /// given up on).
    pub undelivered: u64,
    /// Seconds since the oldest of them was made; 0 when there is none.
    pub oldest_undelivered_seconds: f64,
    /// Deliveries given up on after their last attempt (`varna outbox retry`).
    pub dead_deliveries: u64,
    /// Deadlines past their due time and not met.
    pub overdue_deadlines: u64,
    /// Reads queued for the access-log writer and not yet committed.
    pub access_log_queued: u64,
    /// Open connections in the pool.
    pub pool_connections: u32,
    /// Of those, idle.
    pub pool_idle: u32,
    /// Commands waiting for the writer now.
    pub commands_waiting: u64,
    /// Write transactions commands have committed since the server started.
    pub command_transactions: u64,
    /// Commands those transactions held (more than the transactions when
    /// commands waiting together were committed together).
    pub commands_committed: u64,
}

impl Store {
    /// Reads the gauges as of `now`.
    pub async fn gauges(&self, now: DateTime<Utc>) -> Result<Gauges> {
        let waiting = Condition::any()
            .add(outbox::Column::Status.eq("pending"))
            .add(
                outbox::Column::Id.in_subquery(
                    Query::select()
                        .column(delivery::Column::NotificationId)
                        .from(delivery::Entity)
                        .and_where(
                            Expr::col(delivery::Column::Status).is_in(["pending", "delivering"]),
                        )
                        .to_owned(),
                ),
            );
        let undelivered = outbox::Entity::find()
            .filter(waiting.clone())
            .count(&self.db)
            .await?;
        let oldest = outbox::Entity::find()
            .filter(waiting)
            .order_by_asc(outbox::Column::CreatedAt)
            .one(&self.db)
            .await?;
        let dead_deliveries = delivery::Entity::find()
            .filter(delivery::Column::Status.eq("dead"))
            .count(&self.db)
            .await?;
        let overdue_deadlines = case_deadline::Entity::find()
            .filter(
                Condition::any()
                    .add(case_deadline::Column::Status.eq("passed"))
                    .add(
                        Condition::all()
                            .add(case_deadline::Column::Status.eq("open"))
                            .add(case_deadline::Column::DueAt.lte(now)),
                    ),
            )
            .count(&self.db)
            .await?;
        let (pool_connections, pool_idle) = self.pool_use();
        let (command_transactions, commands_committed) = self.command_commits();
        Ok(Gauges {
            commands_waiting: self.commands_waiting() as u64,
            command_transactions,
            commands_committed,
            undelivered,
            oldest_undelivered_seconds: oldest.map_or(0.0, |o| {
                std::cmp::Ord::max((now - o.created_at).num_milliseconds(), 0) as f64 / 1000.0
            }),
            dead_deliveries,
            overdue_deadlines,
            access_log_queued: self.access.queued(),
            pool_connections,
            pool_idle,
        })
    }

    /// Open and idle connections of the pool.
    fn pool_use(&self) -> (u32, u32) {
        match self.backend() {
            crate::Backend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (
                    pool.size(),
                    u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                )
            }
            crate::Backend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (
                    pool.size(),
                    u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                )
            }
        }
    }
}
