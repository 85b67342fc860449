//! Getting notifications out: the outbox rows that commands write become
//! one `delivery` row per channel (webhook, e-mail), which delivery workers
//! claim, attempt and settle.
//!
//! - **Never lost**: an outbox row is written in the transaction of the
//!   event that causes it; it is queued for the configured channels later,
//!   so a notification written while no channel was configured is delivered
//!   once one is.
//! - **At most one worker at a time**: a claim takes a lease; on PostgreSQL
//!   the claim's `SELECT … FOR UPDATE SKIP LOCKED` lets several servers claim
//!   side by side without waiting for or taking each other's rows. A worker
//!   that dies mid-delivery loses its lease, and the row is claimed again
//!   when the lease runs out.
//! - **Exactly once per idempotency id at the receiver**: a delivery that
//!   was sent but not settled (the worker died) is sent again with the same
//!   notification id, which receivers use to drop the repeat.
//! - **Retries and dead letters**: a failed attempt is retried with
//!   exponential backoff; after `max_attempts` the row is `dead` and stays
//!   for an operator (`varna outbox list --status dead`, `varna outbox retry`).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use varna_workflow::{Lagrum, Notice};

use crate::Store;
use crate::entities::{cases, delivery, outbox};
use crate::error::{Error, Result};

/// A notification as a channel sends it: ids and names only, no case content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The idempotency id: the same on every attempt and every channel.
    pub id: String,
    /// The case it is about.
    pub case_id: String,
    /// The case's version when the notification was written.
    pub sequence: i64,
    /// The role to tell (`sas`, `committee`, …).
    pub role: String,
    /// The one person to tell (a user id), when the notification is for
    /// them alone (the handläggare named) rather than for the whole role.
    pub recipient: Option<String>,
    /// Why.
    pub notice: Notice,
    /// The lifecycle of the case.
    pub kind: String,
    /// The case's lagrum.
    pub lagrum: Option<Lagrum>,
    /// The case's unit.
    pub unit: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// A delivery a worker has claimed and must settle with [`Store::settle_delivery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// What to send.
    pub notification: Notification,
    /// Through which channel.
    pub channel: String,
    /// This attempt's number (1 for the first).
    pub attempt: u32,
}

/// How failed deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a delivery is dead.
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub first_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
    /// How long a claim lasts before another worker may take the row.
    pub lease: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            first_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
            lease: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.first_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// One delivery, for operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    /// The notification's id.
    pub notification_id: String,
    /// The case.
    pub case_id: String,
    /// The role told.
    pub role: String,
    /// The channel.
    pub channel: String,
    /// `pending`, `delivering`, `delivered` or `dead`.
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (pending rows).
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure, described without content (`HTTP 503`, `connection refused`…).
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// How many deliveries are in one status on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryCount {
    /// The channel.
    pub channel: String,
    /// The status.
    pub status: String,
    /// How many.
    pub count: u64,
}

fn chrono_duration(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// A short write transaction outside the event log: SQLite takes the write
/// lock at once (no lock upgrade to fail halfway), PostgreSQL relies on row locks.
async fn begin_queue(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?)
}

/// The outbox rows the deliveries belong to, by notification id.
async fn outbox_by_id(
    db: &impl ConnectionTrait,
    deliveries: &[delivery::Model],
) -> Result<HashMap<String, outbox::Model>> {
    let ids: Vec<String> = deliveries
        .iter()
        .map(|d| d.notification_id.clone())
        .collect();
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect())
}

impl Store {
    fn skip_locked<Q: QuerySelect>(&self, query: Q) -> Q {
        if self.db.get_database_backend() == DatabaseBackend::Postgres {
            query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        } else {
            query
        }
    }

    /// Queues up to `limit` new outbox rows for delivery, each on the
    /// channels `route` names for its role and, for a notification to one
    /// person, its recipient. Returns how many rows were queued.
    pub async fn queue_notifications(
        &self,
        route: impl Fn(&str, Option<&str>) -> Vec<String>,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<usize> {
        let txn = begin_queue(&self.db).await?;
        let rows = self
            .skip_locked(
                outbox::Entity::find()
                    .filter(outbox::Column::Status.eq("pending"))
                    .order_by_asc(outbox::Column::CreatedAt)
                    .order_by_asc(outbox::Column::Id)
                    .limit(limit),
            )
            .all(&txn)
            .await?;
        if rows.is_empty() {
            txn.rollback().await?;
            return Ok(0);
        }
        let mut deliveries = Vec::new();
        for row in &rows {
            for channel in route(&row.role, row.recipient.as_deref()) {
                deliveries.push(delivery::ActiveModel {
                    notification_id: Set(row.id.clone()),
                    channel: Set(channel),
                    status: Set("pending".to_owned()),
                    attempts: Set(0),
                    next_attempt_at: Set(now),
                    lease_until: Set(None),
                    last_error: Set(None),
                    delivered_at: Set(None),
                    created_at: Set(now),
                });
            }
        }
        if !deliveries.is_empty() {
            delivery::Entity::insert_many(deliveries)
                .on_conflict_do_nothing()
                .exec(&txn)
                .await?;
        }
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value("queued"))
            .filter(outbox::Column::Id.is_in(ids))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(rows.len())
    }

    /// Claims up to `limit` deliveries on `channels` that are due (or whose
    /// earlier claim ran out), earliest first, leasing them for `lease`.
    pub async fn claim_deliveries(
        &self,
        channels: &[String],
        now: DateTime<Utc>,
        lease: Duration,
        limit: u64,
    ) -> Result<Vec<ClaimedDelivery>> {
        let txn = begin_queue(&self.db).await?;
        let due = Condition::any()
            .add(
                Condition::all()
                    .add(delivery::Column::Status.eq("pending"))
                    .add(delivery::Column::NextAttemptAt.lte(now)),
            )
            .add(
                Condition::all()
                    .add(delivery::Column::Status.eq("delivering"))
                    .add(delivery::Column::LeaseUntil.lte(now)),
            );
        let rows = self
            .skip_locked(
                delivery::Entity::find()
                    .filter(delivery::Column::Channel.is_in(channels.to_vec()))
                    .filter(due)
                    .order_by_asc(delivery::Column::NextAttemptAt)
                    .limit(limit),
            )
            .all(&txn)
            .await?;
        if rows.is_empty() {
            txn.rollback().await?;
            return Ok(Vec::new());
        }
        let claimed = rows.iter().fold(Condition::any(), |c, row| {
            c.add(
                Condition::all()
                    .add(delivery::Column::NotificationId.eq(row.notification_id.clone()))
                    .add(delivery::Column::Channel.eq(row.channel.clone())),
            )
        });
        delivery::Entity::update_many()
            .col_expr(delivery::Column::Status, Expr::value("delivering"))
            .col_expr(
                delivery::Column::Attempts,
                Expr::col(delivery::Column::Attempts).add(1),
            )
            .col_expr(
                delivery::Column::LeaseUntil,
                Expr::value(now + chrono_duration(lease)),
            )
            .filter(claimed)
            .exec(&txn)
            .await?;
        let notes = outbox_by_id(&txn, &rows).await?;
        let case_ids: Vec<String> = notes.values().map(|o| o.case_id.clone()).collect();
        let case_rows: HashMap<String, cases::Model> = cases::Entity::find()
            .filter(cases::Column::Id.is_in(case_ids))
            .all(&txn)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        txn.commit().await?;
        rows.into_iter()
            .map(|row| {
                let note = notes.get(&row.notification_id).ok_or_else(|| {
                    Error::Corrupt("a delivery names a missing notification".into())
                })?;
                let case = case_rows.get(&note.case_id);
                Ok(ClaimedDelivery {
                    notification: notification(note, case)?,
                    channel: row.channel,
                    attempt: u32::try_from(row.attempts + 1).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    /// Records how a claimed attempt went: delivered, or failed (`error`
    /// describes it without content) and retried after the backoff, or dead
    /// after the last attempt. Returns the new status, or `None` when the
    /// claim had run out and another worker took the row over.
    pub async fn settle_delivery(
        &self,
        claimed: &ClaimedDelivery,
        outcome: std::result::Result<(), String>,
        now: DateTime<Utc>,
        policy: &RetryPolicy,
    ) -> Result<Option<&'static str>> {
        let mut update = delivery::Entity::update_many();
        let status = match &outcome {
            Ok(()) => {
                update = update
                    .col_expr(delivery::Column::DeliveredAt, Expr::value(Some(now)))
                    .col_expr(delivery::Column::LastError, Expr::value(None::<String>));
                "delivered"
            }
            Err(error) => {
                let error: String = error.chars().take(300).collect();
                update = update.col_expr(delivery::Column::LastError, Expr::value(Some(error)));
                if claimed.attempt >= policy.max_attempts {
                    "dead"
                } else {
                    update = update.col_expr(
                        delivery::Column::NextAttemptAt,
                        Expr::value(now + chrono_duration(policy.backoff(claimed.attempt))),
                    );
                    "pending"
                }
            }
        };
        let result = update
            .col_expr(delivery::Column::Status, Expr::value(status))
            .col_expr(
                delivery::Column::LeaseUntil,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(delivery::Column::NotificationId.eq(claimed.notification.id.clone()))
            .filter(delivery::Column::Channel.eq(claimed.channel.clone()))
            .filter(delivery::Column::Status.eq("delivering"))
            .filter(
                delivery::Column::Attempts.eq(i32::try_from(claimed.attempt).unwrap_or(i32::MAX)),
            )
            .exec(&self.db)
            .await?;
        Ok((result.rows_affected == 1).then_some(status))
    }

    /// Deliveries, newest first, optionally only those in `status`.
    pub async fn deliveries(&self, status: Option<&str>, limit: u64) -> Result<Vec<DeliveryRow>> {
        let mut query = delivery::Entity::find()
            .order_by_desc(delivery::Column::CreatedAt)
            .order_by_desc(delivery::Column::NotificationId)
            .limit(limit);
        if let Some(status) = status {
            query = query.filter(delivery::Column::Status.eq(status));
        }
        let rows = query.all(&self.db).await?;
        let notes = outbox_by_id(&self.db, &rows).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let note = notes.get(&r.notification_id);
                DeliveryRow {
                    case_id: note.map(|n| n.case_id.clone()).unwrap_or_default(),
                    role: note.map(|n| n.role.clone()).unwrap_or_default(),
                    notification_id: r.notification_id,
                    channel: r.channel,
                    status: r.status,
                    attempts: u32::try_from(r.attempts).unwrap_or_default(),
                    next_attempt_at: r.next_attempt_at,
                    last_error: r.last_error,
                    delivered_at: r.delivered_at,
                }
            })
            .collect())
    }

    /// Counts of deliveries per channel and status, plus outbox rows not yet
    /// queued (channel `-`, status `unqueued`).
    pub async fn delivery_counts(&self) -> Result<Vec<DeliveryCount>> {
        let rows: Vec<(String, String, i64)> = delivery::Entity::find()
            .select_only()
            .column(delivery::Column::Channel)
            .column(delivery::Column::Status)
            .column_as(Expr::col(delivery::Column::NotificationId).count(), "n")
            .group_by(delivery::Column::Channel)
            .group_by(delivery::Column::Status)
            .order_by_asc(delivery::Column::Channel)
            .order_by_asc(delivery::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await?;
        let unqueued = {
            use sea_orm::PaginatorTrait;
            outbox::Entity::find()
                .filter(outbox::Column::Status.eq("pending"))
                .count(&self.db)
                .await?
        };
        let mut counts: Vec<DeliveryCount> = rows
            .into_iter()
            .map(|(channel, status, n)| DeliveryCount {
                channel,
                status,
                count: u64::try_from(n).unwrap_or_default(),
            })
            .collect();
        counts.push(DeliveryCount {
            channel: "-".into(),
            status: "unqueued".into(),
            count: unqueued,
        });
        Ok(counts)
    }

    /// Puts dead deliveries (all, or one notification's) back in the queue
    /// with a fresh set of attempts. Returns how many.
    pub async fn retry_dead_deliveries(
        &self,
        notification_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut update = delivery::Entity::update_many()
            .col_expr(delivery::Column::Status, Expr::value("pending"))
            .col_expr(delivery::Column::Attempts, Expr::value(0))
            .col_expr(delivery::Column::NextAttemptAt, Expr::value(now))
            .filter(delivery::Column::Status.eq("dead"));
        if let Some(id) = notification_id {
            update = update.filter(delivery::Column::NotificationId.eq(id));
        }
        Ok(update.exec(&self.db).await?.rows_affected)
    }
}

impl Store {
    /// The notifications written for `person` acting as `role` about the
    /// cases `filter` covers, newest first, `limit` at most: what the
    /// in-app list shows. Those to everyone in the role, and those to
    /// `person` alone; never those to another person of the role. They
    /// carry no case content, only what happened and to which case.
    pub async fn notifications_for(
        &self,
        person: &str,
        role: &str,
        filter: &crate::queries::CaseFilter,
        limit: u64,
    ) -> Result<Vec<Notification>> {
        use sea_orm::QueryTrait as _;
        let notes = outbox::Entity::find()
            .filter(outbox::Column::Role.eq(role.to_owned()))
            .filter(
                Condition::any()
                    .add(outbox::Column::Recipient.is_null())
                    .add(outbox::Column::Recipient.eq(person.to_owned())),
            )
            .filter(
                outbox::Column::CaseId.in_subquery(
                    cases::Entity::find()
                        .select_only()
                        .column(cases::Column::Id)
                        .filter(filter.condition())
                        .into_query(),
                ),
            )
            .order_by_desc(outbox::Column::CreatedAt)
            .order_by_desc(outbox::Column::Id)
            .limit(limit.clamp(1, crate::queries::MAX_PAGE))
            .all(&self.db)
            .await?;
        let ids: Vec<String> = notes.iter().map(|n| n.case_id.clone()).collect();
        let case_rows: HashMap<String, cases::Model> = cases::Entity::find()
            .filter(cases::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        notes
            .iter()
            .map(|note| notification(note, case_rows.get(&note.case_id)))
            .collect()
    }
}

/// A notification as its outbox row and its case's row give it.
fn notification(note: &outbox::Model, case: Option<&cases::Model>) -> Result<Notification> {
    Ok(Notification {
        id: note.id.clone(),
        case_id: note.case_id.clone(),
        sequence: note.sequence,
        role: note.role.clone(),
        recipient: note.recipient.clone(),
        notice: serde_json::from_str(&note.notice)
            .map_err(|e| Error::Corrupt(format!("notice of notification {}: {e}", note.id)))?,
        kind: case.map(|c| c.kind.clone()).unwrap_or_default(),
        lagrum: case.and_then(|c| c.lagrum.parse().ok()),
        unit: case.map(|c| c.unit_id.clone()).unwrap_or_default(),
        created_at: note.created_at,
    })
}
