//! Group commit: commands queue for the single writer. The command that
//! gets the writer slot takes every command waiting (at most
//! [`MAX_GROUP`]), runs each against the state the earlier ones left, in
//! one transaction, each after a savepoint of its own, and answers each
//! after the one shared commit. A refused or conflicting command is rolled
//! back to its savepoint and answered alone; it never fails the others.
//! Idempotency and expected versions mean what they meant: a replay finds
//! the key an earlier command of the same group wrote, a stale version
//! sees the versions the earlier commands left.
//!
//! On PostgreSQL the chain head stays locked for one transaction of many
//! commands, not one each, so servers sharing a database still extend one
//! chain; on SQLite the group is one `BEGIN IMMEDIATE` and one fsync.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr};
use tokio::sync::oneshot;

use crate::backend::{Head, begin_write};
use crate::changes::CaseChange;
use crate::error::{Error, Result};
use crate::{Applied, Store};

/// The most commands one transaction takes.
pub(crate) const MAX_GROUP: usize = 64;

/// Marks the state before a command of a group, so that a refused command
/// is undone alone (a savepoint, one round trip).
const MARK: &str = "SAVEPOINT varna_command";

/// Keeps what the command before did and marks the state before the next,
/// in the same round trip (on both backends a query without parameters
/// may hold several statements).
const REMARK: &str = "RELEASE SAVEPOINT varna_command; SAVEPOINT varna_command";

/// Undoes what a refused command wrote; the savepoint stays and marks the
/// same state for the command after it.
const UNDO: &str = "ROLLBACK TO SAVEPOINT varna_command";

/// What one command staged in the group's transaction.
pub(super) struct Staged {
    /// Its answer, given once the group commits.
    pub(super) applied: Applied,
    /// What to announce once committed.
    pub(super) changes: Vec<CaseChange>,
    /// The chain head after it (the next command's start).
    pub(super) head: Head,
    /// Each case's last event after it: (case, sequence, hash).
    hashes: Vec<(String, i64, String)>,
}

/// What a command's batch wrote: the notices to announce, the chain head
/// after it (recorded in `audit_head` with its writes) and each touched
/// case's last event (case, sequence, hash).
pub(super) struct Written {
    pub(super) changes: Vec<CaseChange>,
    pub(super) head: Head,
    pub(super) hashes: Vec<(String, i64, String)>,
}

impl Staged {
    /// A command that wrote what `written` says.
    pub(super) fn written(applied: Applied, written: Written) -> Staged {
        Staged {
            applied,
            changes: written.changes,
            head: written.head,
            hashes: written.hashes,
        }
    }

    /// The stored answer of an earlier identical command: nothing written.
    pub(super) fn replay(applied: Applied, head: Head) -> Staged {
        Staged {
            applied,
            changes: Vec::new(),
            head,
            hashes: Vec::new(),
        }
    }
}

/// One command's work inside a group's transaction, from the chain head
/// the commands before it left.
pub(super) type Work = Box<
    dyn for<'a> FnOnce(
            &'a Store,
            &'a DatabaseTransaction,
            Head,
        ) -> Pin<Box<dyn Future<Output = Result<Staged>> + Send + 'a>>
        + Send,
>;

/// [`Work`] that also hands back something beside its answer (a rendered
/// document, what was removed), taken out once the group commits.
pub(super) type WorkWith<T> = Box<
    dyn for<'a> FnOnce(
            &'a Store,
            &'a DatabaseTransaction,
            Head,
        ) -> Pin<Box<dyn Future<Output = Result<(Staged, T)>> + Send + 'a>>
        + Send,
>;

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<Applied>>,
}

/// The queue, the writer slot and what they have done.
#[derive(Default)]
pub(crate) struct Group {
    queue: Mutex<VecDeque<Job>>,
    slot: tokio::sync::Mutex<()>,
    commits: AtomicU64,
    committed: AtomicU64,
    /// The last event's hash of cases written lately, as committed:
    /// case → (sequence, hash). A committed event never changes, so an
    /// entry is right for as long as its sequence is the case's last; a
    /// command on a case whose version is past it reads the database.
    last_hashes: Mutex<HashMap<String, (i64, String)>>,
}

/// The most cases whose last hash is kept (when full, it starts over).
const KEPT_HASHES: usize = 10_000;

impl Group {
    /// The hash of event `sequence` of `case_id`, when it is the last one
    /// committed here.
    pub(super) fn last_hash(&self, case_id: &str, sequence: i64) -> Option<String> {
        let kept = self.last_hashes.lock().expect("never poisoned");
        kept.get(case_id)
            .filter(|(s, _)| *s == sequence)
            .map(|(_, h)| h.clone())
    }

    /// Keeps the last hashes of a committed group's cases.
    fn keep(&self, hashes: Vec<(String, i64, String)>) {
        let mut kept = self.last_hashes.lock().expect("never poisoned");
        for (case_id, sequence, hash) in hashes {
            if kept.len() >= KEPT_HASHES && !kept.contains_key(&case_id) {
                kept.clear();
            }
            kept.insert(case_id, (sequence, hash));
        }
    }
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("commits", &self.commits)
            .field("committed", &self.committed)
            .finish_non_exhaustive()
    }
}

/// The answer of a command whose group ended without one (its writer was
/// cancelled): whether it committed is not known, so the caller retries
/// with its idempotency key.
fn interrupted() -> Error {
    Error::Database(DbErr::Custom(
        "the write was interrupted before it was answered; retry it with the same idempotency key"
            .into(),
    ))
}

/// The same failure for every command of a group (errors are not `Clone`).
fn shared(e: &Error) -> Error {
    Error::Database(DbErr::Custom(format!(
        "the group's transaction failed: {e}"
    )))
}

impl Store {
    /// Runs `work` in the next group and answers when that group commits.
    pub(super) async fn in_turn(&self, work: Work) -> Result<Applied> {
        let (reply, mut answer) = oneshot::channel();
        self.group
            .queue
            .lock()
            .expect("never poisoned")
            .push_back(Job { work, reply });
        let _slot = self.group.slot.lock().await;
        loop {
            match answer.try_recv() {
                Ok(result) => return result,
                Err(oneshot::error::TryRecvError::Closed) => return Err(interrupted()),
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            let jobs: Vec<Job> = {
                let mut queue = self.group.queue.lock().expect("never poisoned");
                let n = queue.len().min(MAX_GROUP);
                queue.drain(..n).collect()
            };
            if jobs.is_empty() {
                return Err(interrupted());
            }
            self.run_group(jobs).await;
        }
    }

    /// [`Store::in_turn`] for work that hands back `T` beside its answer;
    /// `T` is given only when the group committed.
    pub(super) async fn in_turn_with<T: Send + 'static>(
        &self,
        work: WorkWith<T>,
    ) -> Result<(Applied, T)> {
        let kept = std::sync::Arc::new(Mutex::new(None));
        let out = std::sync::Arc::clone(&kept);
        let applied = self
            .in_turn(Box::new(move |store, txn, head| {
                Box::pin(async move {
                    let (staged, value) = work(store, txn, head).await?;
                    *out.lock().expect("never poisoned") = Some(value);
                    Ok(staged)
                })
            }))
            .await?;
        let value = kept.lock().expect("never poisoned").take().ok_or_else(|| {
            Error::Corrupt("a committed command left nothing to hand back".into())
        })?;
        Ok((applied, value))
    }

    /// One transaction for `jobs`, each answered.
    async fn run_group(&self, mut jobs: Vec<Job>) {
        let (txn, mut head) = match begin_write(&self.writer).await {
            Ok(begun) => begun,
            Err(e) => {
                for job in jobs {
                    let _ = job.reply.send(Err(shared(&e)));
                }
                return;
            }
        };
        let count = jobs.len();
        if count == 1 {
            // Alone: no savepoint, a refusal rolls the transaction back.
            let job = jobs.pop().expect("one job");
            match (job.work)(self, &txn, head).await {
                Ok(staged) => self.commit(txn, vec![(job.reply, staged)]).await,
                Err(e) => {
                    let _ = txn.rollback().await;
                    let _ = job.reply.send(Err(e));
                }
            }
            return;
        }
        let mut done = Vec::with_capacity(count);
        // Whether the savepoint marks the state the next command starts
        // from (it does after a refused command rolled back to it).
        let mut marked = false;
        let mut jobs = jobs.into_iter();
        while let Some(job) = jobs.next() {
            if !marked {
                // One round trip: the savepoint before the previous
                // command released, one before this command set.
                let mark = if done.is_empty() { MARK } else { REMARK };
                if let Err(e) = txn.execute_unprepared(mark).await {
                    let _ = job.reply.send(Err(e.into()));
                    continue;
                }
                marked = true;
            }
            match (job.work)(self, &txn, head.clone()).await {
                Ok(staged) => {
                    head = staged.head.clone();
                    done.push((job.reply, staged));
                    marked = false;
                }
                Err(e) => {
                    if let Err(undo) = txn.execute_unprepared(UNDO).await {
                        // What the refused command wrote cannot be taken
                        // back: the transaction is in doubt and nothing of
                        // it commits.
                        let undo: Error = undo.into();
                        let _ = txn.rollback().await;
                        for reply in done
                            .into_iter()
                            .map(|(reply, _)| reply)
                            .chain(jobs.map(|job| job.reply))
                        {
                            let _ = reply.send(Err(shared(&undo)));
                        }
                        let _ = job.reply.send(Err(e));
                        return;
                    }
                    let _ = job.reply.send(Err(e));
                }
            }
        }
        if done.is_empty() {
            let _ = txn.rollback().await;
        } else {
            self.commit(txn, done).await;
        }
        tracing::debug!(commands = count, "group of commands written");
    }

    /// Commits the group's transaction (each command's writes recorded the
    /// end of the global chain it left), then announces and answers each
    /// command in it (or gives each the failure).
    async fn commit(
        &self,
        txn: DatabaseTransaction,
        done: Vec<(oneshot::Sender<Result<Applied>>, Staged)>,
    ) {
        match txn.commit().await.map_err(Error::from) {
            Ok(()) => {
                self.checkpoints.committed();
                self.group.commits.fetch_add(1, Ordering::Relaxed);
                self.group
                    .committed
                    .fetch_add(done.len() as u64, Ordering::Relaxed);
                for (reply, staged) in done {
                    self.group.keep(staged.hashes);
                    self.announce(staged.changes);
                    tracing::info!(case = %staged.applied.case_id, version = staged.applied.version, replayed = staged.applied.replayed, "command committed");
                    let _ = reply.send(Ok(staged.applied));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, commands = done.len(), "a group's commit failed: none of its commands was applied");
                for (reply, _) in done {
                    let _ = reply.send(Err(shared(&e)));
                }
            }
        }
    }

    /// How many write transactions commands have committed, and how many
    /// commands they held (their ratio: commands per commit).
    pub fn command_commits(&self) -> (u64, u64) {
        (
            self.group.commits.load(Ordering::Relaxed),
            self.group.committed.load(Ordering::Relaxed),
        )
    }

    /// Holds the writer slot until the guard drops: commands queue
    /// meanwhile and the next group takes them all (tests use it to put
    /// chosen commands in one group).
    #[doc(hidden)]
    pub async fn hold_writer(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.group.slot.lock().await
    }

    /// How many commands wait for the writer now.
    pub fn commands_waiting(&self) -> usize {
        self.group.queue.lock().expect("never poisoned").len()
    }
}
