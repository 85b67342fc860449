//! Passes 1 and 2 of `verify_audit`, on whichever backend: a SQLite file is
//! read in place on blocking threads ([`super::sqlite`]), PostgreSQL as
//! the text of one `COPY` per pass ([`super::postgres`]), a SQLite
//! database in memory through the pool, page by page by keyset, the next
//! page read while this one is checked.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};

use super::global::{GlobalWalk, Link};
use super::sweep::Sweep;
use super::walk::{EventRow, Walk, events_in_case_order};
use super::{CasesWalked, GlobalEnd, PAGE, Shared, postgres, sqlite, sweep};
use crate::Store;
use crate::chain::checkpoint::Checkpoint;
use crate::entities::{audit_head, event};
use crate::error::{Error, Result};

impl Store {
    /// Passes 1 and 2 side by side, each on its own connection: the cases'
    /// chains in case order, the global chain in its own order. A SQLite
    /// file or a PostgreSQL database is first read in one pass
    /// ([`super::sweep`]), which spares them when it proves the log whole
    /// (the `bool`).
    pub(super) async fn both_chains(
        &self,
        checkpoints: &[Checkpoint],
        shared: &Arc<Shared>,
    ) -> (Result<CasesWalked>, Result<GlobalEnd>, bool) {
        let source = match &self.file {
            Some(file) => Some(sweep::Source::File(file.path.clone())),
            None if self.backend() == crate::Backend::Postgres => Some(sweep::Source::Postgres(
                self.db.get_postgres_connection_pool().clone(),
                tokio::runtime::Handle::current(),
            )),
            None => None,
        };
        if let Some(source) = source {
            let (checkpoints, progress) = (checkpoints.to_vec(), Arc::clone(shared));
            match blocking(move || sweep::sweep(&source, &checkpoints, &progress)).await {
                Ok(Sweep::Whole { events, cases }) => {
                    let walked = CasesWalked {
                        events,
                        cases,
                        problem: None,
                    };
                    return (Ok(walked), Ok(GlobalEnd::Whole), true);
                }
                Ok(Sweep::Unsure(why)) => {
                    tracing::info!(
                        why,
                        "one pass did not prove the log whole; walking it case by case"
                    );
                }
                Err(e) => return (Err(e), Ok(GlobalEnd::Stopped), false),
            }
            shared.cases_walked.store(0, Ordering::Relaxed);
        }
        let (cases, global) = tokio::join!(
            self.case_chains(shared),
            self.global_chain(checkpoints, shared)
        );
        (cases, global, false)
    }

    /// Pass 1: every case's chain; what it counted and the first break
    /// (in case order). A break tells pass 2 to stop. A SQLite file is
    /// walked in as many ranges of cases as there are cores, side by side.
    async fn case_chains(&self, shared: &Arc<Shared>) -> Result<CasesWalked> {
        let walked = match self.file.as_ref().map(|f| f.path.clone()) {
            Some(path) => self.case_chains_in_parts(path, shared).await,
            None if self.backend() == crate::Backend::Postgres => {
                postgres::case_chains(self.db.get_postgres_connection_pool(), shared).await
            }
            None => self.case_chains_paged(shared).await,
        };
        if let Ok(CasesWalked {
            problem: Some(_), ..
        })
        | Err(_) = &walked
        {
            shared.stop.store(true, Ordering::Relaxed);
        }
        walked
    }

    async fn case_chains_in_parts(
        &self,
        path: std::path::PathBuf,
        shared: &Arc<Shared>,
    ) -> Result<CasesWalked> {
        let parts = std::thread::available_parallelism().map_or(1, usize::from);
        let path = Arc::new(path);
        let points = {
            let path = Arc::clone(&path);
            blocking(move || sqlite::split_points(&path, parts)).await?
        };
        let mut bounds: Vec<Option<String>> = vec![None];
        bounds.extend(points.into_iter().map(Some));
        bounds.push(None);
        let walks: Vec<_> = bounds
            .windows(2)
            .map(|range| {
                let (path, shared) = (Arc::clone(&path), Arc::clone(shared));
                let (from, to) = (range[0].clone(), range[1].clone());
                blocking(move || {
                    sqlite::case_chains(&path, (from.as_deref(), to.as_deref()), &shared)
                })
            })
            .collect();
        let mut all = CasesWalked {
            events: 0,
            cases: 0,
            problem: None,
        };
        // In case order: the first part's break is the first break.
        for walk in walks {
            let part = walk.await?;
            if all.problem.is_none() {
                all.events += part.events;
                all.cases += part.cases;
                all.problem = part.problem;
            }
        }
        Ok(all)
    }

    /// Pass 2: the global chain, against `checkpoints`, and where it ends.
    async fn global_chain(
        &self,
        checkpoints: &[Checkpoint],
        shared: &Arc<Shared>,
    ) -> Result<GlobalEnd> {
        match self.file.as_ref().map(|f| f.path.clone()) {
            Some(path) => {
                let shared = Arc::clone(shared);
                let checkpoints = checkpoints.to_vec();
                blocking(move || sqlite::global_chain(&path, &checkpoints, &shared)).await
            }
            None if self.backend() == crate::Backend::Postgres => {
                postgres::global_chain(self.db.get_postgres_connection_pool(), checkpoints, shared)
                    .await
            }
            None => self.global_chain_paged(checkpoints, shared).await,
        }
    }

    async fn case_chains_paged(&self, shared: &Shared) -> Result<CasesWalked> {
        let fetch = |cursor: Option<(String, i64)>| {
            let db = self.db.clone();
            tokio::spawn(async move { events_in_case_order(&db, cursor.as_ref()).await })
        };
        let mut next = fetch(None);
        let mut walk = Walk::default();
        loop {
            let rows = next
                .await
                .map_err(|e| Error::Corrupt(format!("reading the events stopped: {e}")))??;
            let Some(tail) = rows.last() else {
                return Ok(walk.ended(walk.finish()));
            };
            next = fetch(Some((tail.case_id.clone(), tail.sequence)));
            let (checked, problem) = tokio::task::spawn_blocking(move || {
                let problem = rows.iter().find_map(|row| walk.check(&EventRow::from(row)));
                (walk, problem)
            })
            .await
            .map_err(|e| Error::Corrupt(format!("checking the events stopped: {e}")))?;
            walk = checked;
            if problem.is_some() {
                next.abort();
                return Ok(walk.ended(problem));
            }
            shared.cases_walked.store(walk.events, Ordering::Relaxed);
        }
    }

    async fn global_chain_paged(
        &self,
        checkpoints: &[Checkpoint],
        shared: &Shared,
    ) -> Result<GlobalEnd> {
        let mut walk = GlobalWalk::new(checkpoints);
        if let Some(end) = self
            .global_links_paged(&mut walk, None, Some(shared))
            .await?
        {
            return Ok(end);
        }
        let head = audit_head::Entity::find_by_id(1)
            .one(&self.db)
            .await?
            .ok_or_else(|| Error::Corrupt("the audit chain head row is missing".into()))?;
        Ok(walk
            .finish((head.global_seq, &head.global_hash))
            .map_or(GlobalEnd::Whole, GlobalEnd::Broken))
    }

    /// Checks the global chain's links page by page through the pool, from
    /// where `walk` stands up to global sequence `upto` (or the last
    /// event): `Broken` at the first break, `Stopped` when `shared` says
    /// another pass broke, `None` when the links ran out unbroken.
    pub(super) async fn global_links_paged(
        &self,
        walk: &mut GlobalWalk<'_>,
        upto: Option<i64>,
        shared: Option<&Shared>,
    ) -> Result<Option<GlobalEnd>> {
        loop {
            if shared.is_some_and(|s| s.stop.load(Ordering::Relaxed)) {
                return Ok(Some(GlobalEnd::Stopped));
            }
            let rows: Vec<(i64, String, String, String, i64)> = event::Entity::find()
                .select_only()
                .columns([
                    event::Column::GlobalSeq,
                    event::Column::Hash,
                    event::Column::GlobalHash,
                    event::Column::CaseId,
                    event::Column::Sequence,
                ])
                .filter(event::Column::GlobalSeq.gte(walk.next_seq()))
                .apply_if(upto, |q, upto| q.filter(event::Column::GlobalSeq.lte(upto)))
                .order_by_asc(event::Column::GlobalSeq)
                .limit(PAGE)
                .into_tuple()
                .all(&self.db)
                .await?;
            if rows.is_empty() {
                return Ok(None);
            }
            for (global_seq, hash, global_hash, case_id, sequence) in &rows {
                let link = Link {
                    global_seq: *global_seq,
                    hash,
                    global_hash,
                    case_id,
                    sequence: *sequence,
                };
                if let Some(problem) = walk.check(&link) {
                    return Ok(Some(GlobalEnd::Broken(problem)));
                }
            }
            if let Some(shared) = shared {
                shared.global_walked.store(walk.done(), Ordering::Relaxed);
            }
        }
    }
}

/// `work` on a blocking thread, started now.
pub(super) fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> impl Future<Output = Result<T>> {
    let task = tokio::task::spawn_blocking(work);
    async move {
        task.await
            .map_err(|e| Error::Corrupt(format!("verifying stopped: {e}")))?
    }
}
