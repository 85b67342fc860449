//! SQLite's write-ahead log, checkpointed beside the commits rather than
//! inside one.
//!
//! By default the connection whose commit takes the log past 1,000 pages
//! copies the log into the database file and syncs that file before its
//! commit returns: one command in every few dozen waited for a few
//! megabytes written and a second fsync. Here the writer's own checkpoint
//! is only a backstop (at [`BACKSTOP_PAGES`]), and after commits a task
//! runs a passive checkpoint on a pool connection. A passive checkpoint
//! never blocks the writer or a reader; it copies what no reader still
//! needs, and the next commit after a complete one starts the log over.
//! Nothing about durability changes: a commit is in the synced log before
//! it is answered, and a checkpoint cut short by a crash is redone from the
//! log when the database is next opened.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use tokio::sync::mpsc;

/// Pages of log at which the writer's own commit checkpoints after all
/// (`wal_autocheckpoint`): reached only when the task falls behind, e.g.
/// while a long read keeps the log from being copied.
pub(crate) const BACKSTOP_PAGES: u32 = 10_000;

/// How long the task lets commits gather after the first one it is told
/// of, so that a burst is copied in one checkpoint.
const GATHER: Duration = Duration::from_millis(50);

/// Tells the checkpoint task that something was committed. Cloned by every
/// writer of the store; the task ends when the last clone is dropped.
#[derive(Debug, Clone, Default)]
pub(crate) struct Checkpoints {
    wake: Option<mpsc::Sender<()>>,
    /// Set as the store closes: no checkpoint starts after it.
    stopped: Arc<AtomicBool>,
}

impl Checkpoints {
    /// Starts the task on `pool` (a SQLite file's pool, not the writer).
    pub(crate) fn spawn(pool: DatabaseConnection) -> Checkpoints {
        let (wake, mut woken) = mpsc::channel::<()>(1);
        let stopped = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stopped);
        tokio::spawn(async move {
            while woken.recv().await.is_some() {
                tokio::time::sleep(GATHER).await;
                // Commits told of while this one sleeps are in it.
                while woken.try_recv().is_ok() {}
                if stop.load(Ordering::Acquire) {
                    break;
                }
                checkpoint(&pool).await;
            }
        });
        Checkpoints {
            wake: Some(wake),
            stopped,
        }
    }

    /// No checkpoint starts from now on (the store is closing; closing the
    /// last connection checkpoints the whole log).
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
    }

    /// After a commit: a checkpoint follows soon (at once if one is
    /// already due).
    pub(crate) fn committed(&self) {
        if let Some(wake) = &self.wake {
            // Full: a checkpoint is due already and takes this commit too.
            let _ = wake.try_send(());
        }
    }
}

/// One passive checkpoint; a failure is logged and left to the next one
/// (or to the writer's backstop).
async fn checkpoint(pool: &DatabaseConnection) {
    let sql = "PRAGMA wal_checkpoint(PASSIVE)";
    let result = pool
        .query_one_raw(Statement::from_string(DatabaseBackend::Sqlite, sql))
        .await;
    match result {
        Ok(Some(row)) => {
            let log: i64 = row.try_get_by_index(1).unwrap_or(-1);
            let copied: i64 = row.try_get_by_index(2).unwrap_or(-1);
            tracing::debug!(log_pages = log, copied_pages = copied, "WAL checkpoint");
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "a WAL checkpoint failed; the next one retries"),
    }
}
