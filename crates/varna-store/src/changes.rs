//! Change notices: every event a command appends is announced, after the
//! command commits, to whoever subscribed ([`Store::subscribe_changes`]).
//!
//! On SQLite the store announces in-process once the transaction has
//! committed (one process owns the file). On PostgreSQL the notice is sent
//! with `pg_notify` inside the command's transaction, so the database delivers
//! it on commit (and never for a rolled-back command) to every `varna serve`
//! on the database; each store runs one `LISTEN` connection that feeds its
//! local subscribers. A notice carries ids and names from the definition,
//! never case content.
//!
//! Notices are a live feed: a subscriber that falls behind or a listener that
//! reconnects may miss some (subscribers are told when they lag). What must
//! not be missed goes through the outbox.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseBackend, Statement};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use varna_workflow::{Lagrum, Role};

/// The PostgreSQL channel the notices travel on.
pub(crate) const CHANNEL: &str = "varna_case_events";

/// How many notices a slow subscriber may fall behind before it is told it lagged.
const BUFFER: usize = 4096;

/// One event appended to one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseChange {
    /// The case.
    pub case_id: String,
    /// The event's place in the case (its version after the event).
    pub sequence: i64,
    /// `filed`, `transitioned`, `deadline_passed`, …
    pub event_type: String,
    /// The lifecycle (`lex-sarah`, …).
    pub kind: String,
    /// The case's lagrum.
    pub lagrum: Lagrum,
    /// The case's unit.
    pub unit: String,
    /// Who filed the case (a user id): reporters see their own cases.
    pub filed_by: String,
    /// When the event happened.
    pub occurred_at: DateTime<Utc>,
    /// The case's state after the event.
    pub state: String,
    /// For `deadline_passed`: the deadline's id.
    pub deadline: Option<String>,
    /// For `deadline_passed`: the roles the definition holds responsible.
    pub responsible: Vec<Role>,
}

/// The local fan-out of notices, shared by every subscriber of one store.
#[derive(Debug)]
pub(crate) struct Changes {
    sender: broadcast::Sender<CaseChange>,
    listener: Option<tokio::task::AbortHandle>,
    /// True while notices flow (always on SQLite; on PostgreSQL once `LISTEN` is in place).
    listening: tokio::sync::watch::Sender<bool>,
}

impl Changes {
    pub(crate) fn new() -> Self {
        Changes {
            sender: broadcast::channel(BUFFER).0,
            listener: None,
            listening: tokio::sync::watch::Sender::new(true),
        }
    }

    /// Starts the `LISTEN` task that feeds local subscribers from PostgreSQL.
    pub(crate) fn listen_to(&mut self, url: &str) {
        let sender = self.sender.clone();
        let url = url.to_owned();
        self.listening.send_replace(false);
        let listening = self.listening.clone();
        let task = tokio::spawn(async move { listen(url, sender, listening).await });
        self.listener = Some(task.abort_handle());
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<CaseChange> {
        self.sender.subscribe()
    }

    /// Waits until notices flow, at most `timeout`; false if they do not.
    pub(crate) async fn ready(&self, timeout: Duration) -> bool {
        let mut rx = self.listening.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|l| *l))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Before commit: on PostgreSQL, the statement that hands the notices
    /// to the transaction — one `SELECT` of a `pg_notify` each, which
    /// [`crate::writes::Writes`] sends with the command's writes; `None`
    /// on SQLite or when there are none.
    pub(crate) fn notices(backend: DatabaseBackend, changes: &[CaseChange]) -> Option<Statement> {
        if backend != DatabaseBackend::Postgres || changes.is_empty() {
            return None;
        }
        let mut sql = String::from("SELECT ");
        let mut values: Vec<sea_orm::Value> = vec![CHANNEL.into()];
        for (n, change) in changes.iter().enumerate() {
            if n > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("pg_notify($1, ${})", n + 2));
            values.push(
                serde_json::to_string(change)
                    .expect("notices serialise")
                    .into(),
            );
        }
        Some(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            sql,
            values,
        ))
    }

    /// After commit: on SQLite, announces in-process (PostgreSQL's `LISTEN`
    /// task does it there, for this server and every other).
    pub(crate) fn announce(&self, backend: DatabaseBackend, changes: Vec<CaseChange>) {
        if backend == DatabaseBackend::Postgres {
            return;
        }
        for change in changes {
            // No subscribers is not an error.
            let _ = self.sender.send(change);
        }
    }
}

impl Drop for Changes {
    fn drop(&mut self) {
        if let Some(task) = &self.listener {
            task.abort();
        }
    }
}

async fn listen(
    url: String,
    sender: broadcast::Sender<CaseChange>,
    listening: tokio::sync::watch::Sender<bool>,
) {
    use sea_orm::sqlx::postgres::PgListener;
    let mut backoff = Duration::from_millis(200);
    loop {
        let mut listener = match PgListener::connect(&url).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "cannot connect the change listener");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "cannot LISTEN for case changes");
            tokio::time::sleep(backoff).await;
            continue;
        }
        tracing::debug!("listening for case changes");
        listening.send_replace(true);
        backoff = Duration::from_millis(200);
        loop {
            match listener.recv().await {
                Ok(n) => match serde_json::from_str::<CaseChange>(n.payload()) {
                    Ok(change) => {
                        let _ = sender.send(change);
                    }
                    Err(e) => tracing::warn!(error = %e, "ignoring a malformed case change notice"),
                },
                Err(e) => {
                    listening.send_replace(false);
                    tracing::warn!(error = %e, "change listener lost its connection; reconnecting");
                    break;
                }
            }
        }
    }
}
