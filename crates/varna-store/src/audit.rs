//! `verify_audit`: walks every case's hash chain and the global chain, and
//! reports the first broken link. A SQLite file or a PostgreSQL database
//! is first read in one pass (`audit/sweep.rs`, keeping 56 bytes a case)
//! that proves the log whole or hands over to the walks. Three passes, each streaming in pages so
//! memory stays flat on any size of store:
//!
//! 1. events in `(case_id, sequence)` order: sequences run 1, 2, 3, …; each
//!    `prev_hash` is the previous event's `hash`; each `hash` recomputes
//!    from the row's content (a changed payload or actor shows here);
//! 2. events in `global_seq` order: 1, 2, 3, … without gaps (a deleted case
//!    or event shows here) and each `global_hash` recomputes;
//! 3. the global chain ends at the `audit_head` row (deleted newest events
//!    show here), and every case row has events and every case with events
//!    has a case row.
//!
//! The access log's own chain is walked beside passes 1 and 2 and its
//! break reported after theirs; then the organisation's chain.
//!
//! The hashes use no key, so someone with write access can delete the
//! newest events and move the head back, or edit an event and recompute
//! every hash after it; the three passes then agree. Signed checkpoints
//! (`varna_chain::checkpoint`, written outside the database) catch that:
//! with them, pass 2 also checks that the chain recomputes each
//! checkpoint's head at its size, and that the log is at least that long.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::Store;
use crate::chain::GENESIS;
use crate::chain::checkpoint::Checkpoint;
use crate::entities::{access_head, access_log, audit_head, cases, event};
use crate::error::{Error, Result};

mod access_walk;
mod global;
mod passes;
mod postgres;
mod sqlite;
mod sweep;
mod walk;
use access_walk::{AccessRow, AccessWalk};
use global::GlobalWalk;
use walk::Walk;
pub(crate) use walk::events_in_case_order;
pub(crate) use walk::sealed;

/// What passes 1 and 2 share while they run side by side: how far each
/// has come, and whether one found a break (the other may stop then).
#[derive(Debug, Default)]
struct Shared {
    cases_walked: AtomicU64,
    global_walked: AtomicU64,
    stop: AtomicBool,
}

/// What pass 1 (or a part of it) found: the events and cases it checked,
/// and the first break.
#[derive(Debug)]
struct CasesWalked {
    events: u64,
    cases: u64,
    problem: Option<Break>,
}

/// How the walk over the global chain ended.
#[derive(Debug)]
enum GlobalEnd {
    /// Whole, ending at the recorded head.
    Whole,
    /// At this break.
    Broken(Break),
    /// Told to stop: pass 1 found a break.
    Stopped,
}

/// The ends of both chains, as a new checkpoint signs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heads {
    /// Events in the global chain.
    pub size: u64,
    /// The global chain's hash after the last.
    pub head: String,
    /// The access log's chain: reads, and its hash after the last.
    pub access: (u64, String),
}

/// How many rows each page of the walk reads.
const PAGE: u64 = 10_000;

/// What kind of break was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakKind {
    /// The event's content no longer matches its hash (changed payload, actor, time…).
    ContentChanged,
    /// The event's `prev_hash` is not the previous event's hash.
    ChainBroken,
    /// A case's sequence skips a number (an event was deleted).
    EventMissing,
    /// The global sequence skips numbers (events or a whole case were deleted).
    GlobalGap,
    /// A global chain link does not recompute.
    GlobalHashChanged,
    /// The global chain does not end at the recorded head (newest events deleted, or head altered).
    HeadMismatch,
    /// A case row has no events (fabricated, or its events were deleted).
    CaseWithoutEvents,
    /// Events exist for a case that has no case row (projection deleted; `projections rebuild` restores it).
    EventsWithoutCase,
    /// The log no longer extends a signed checkpoint: events at or before
    /// its size were changed or deleted, and the chain recomputed.
    CheckpointNotExtended,
    /// A read in the access log was deleted (its chain skips) or changed.
    AccessLogBroken,
    /// A recorded change to the organisation (a unit added, moved,
    /// closed, …) was deleted or changed.
    OrgChainBroken,
}

impl BreakKind {
    fn describe(self) -> &'static str {
        match self {
            BreakKind::ContentChanged => "the event's content does not match its hash",
            BreakKind::ChainBroken => "the event does not link to the previous event's hash",
            BreakKind::EventMissing => "an event is missing from the case",
            BreakKind::GlobalGap => "events are missing from the global chain",
            BreakKind::GlobalHashChanged => "a global chain link does not recompute",
            BreakKind::HeadMismatch => "the global chain does not end at the recorded head",
            BreakKind::CaseWithoutEvents => "a case has no events",
            BreakKind::EventsWithoutCase => "events exist for a case with no case record",
            BreakKind::AccessLogBroken => {
                "the access log's chain is broken (a read was deleted or changed)"
            }
            BreakKind::OrgChainBroken => {
                "the organisation's chain is broken (a recorded change to a unit or verksamhetsområde was deleted or changed)"
            }
            BreakKind::CheckpointNotExtended => {
                "the log does not extend a signed checkpoint (events were changed or deleted and the chain recomputed)"
            }
        }
    }
}

/// The first broken link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// What is wrong.
    pub kind: BreakKind,
    /// The case, where known.
    pub case_id: Option<String>,
    /// The event's sequence in its case, where known.
    pub sequence: Option<i64>,
    /// The event's global sequence, where known.
    pub global_seq: Option<i64>,
    /// What the chain says should be there.
    pub expected: String,
    /// What is there.
    pub found: String,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if let Some(c) = &self.case_id {
            place.push(format!("case {c}"));
        }
        if let Some(s) = self.sequence {
            place.push(format!("event {s}"));
        }
        if let Some(g) = self.global_seq {
            place.push(format!("global sequence {g}"));
        }
        let place = if place.is_empty() {
            "store".to_owned()
        } else {
            place.join(", ")
        };
        write!(
            f,
            "{place}: {}: expected {}, found {}",
            self.kind.describe(),
            self.expected,
            self.found
        )
    }
}

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Events checked.
    pub events: u64,
    /// Cases checked.
    pub cases: u64,
    /// The first break, if any.
    pub problem: Option<Break>,
    /// Whether one pass over the log in the order it was written proved
    /// both chains whole (a SQLite file); `false` when the walks in case
    /// order and in global order ran (PostgreSQL, a database in memory, or
    /// a log the one pass could not prove whole, whose break they name).
    pub one_pass: bool,
}

/// Progress of a long walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Which pass (1–3).
    pub pass: u8,
    /// Rows done in this pass.
    pub done: u64,
    /// Rows in this pass.
    pub total: u64,
}

/// A checkpoint at `cp.size` whose head the chain no longer recomputes;
/// the chain still matched the checkpoint at `good`.
fn not_extended(cp: &Checkpoint, good: u64, found: &str) -> Break {
    let size = i64::try_from(cp.size).unwrap_or(i64::MAX);
    brk(
        BreakKind::CheckpointNotExtended,
        None,
        None,
        Some(size),
        format!(
            "{} (signed checkpoint at global sequence {})",
            cp.head, cp.size
        ),
        format!(
            "{found}: the first changed event is among global sequences {} to {}",
            good + 1,
            cp.size
        ),
    )
}

fn brk(
    kind: BreakKind,
    case_id: Option<&str>,
    sequence: Option<i64>,
    global_seq: Option<i64>,
    expected: impl Into<String>,
    found: impl Into<String>,
) -> Break {
    Break {
        kind,
        case_id: case_id.map(str::to_owned),
        sequence,
        global_seq,
        expected: expected.into(),
        found: found.into(),
    }
}

impl Store {
    /// Verifies both hash chains and the projections' coverage; reports the first break.
    pub async fn verify_audit(&self, progress: impl FnMut(Progress)) -> Result<AuditReport> {
        self.verify_audit_against(&[], progress).await
    }

    /// The same, and that the log still extends every signed checkpoint
    /// (whose signatures the caller has checked): a deleted tail, a moved
    /// head or a recomputed chain is reported with the range of global
    /// sequences the first difference lies in.
    pub async fn verify_audit_against(
        &self,
        checkpoints: &[Checkpoint],
        mut progress: impl FnMut(Progress),
    ) -> Result<AuditReport> {
        let total = event::Entity::find().count(&self.db).await?;
        let mut report = AuditReport {
            events: 0,
            cases: 0,
            problem: None,
            one_pass: false,
        };

        // Passes 1 and 2 (or the one pass that spares them), and beside
        // them the access log's chain, reported after them.
        let shared = Arc::new(Shared::default());
        let walks = async {
            tokio::join!(
                self.both_chains(checkpoints, &shared),
                self.verify_access_chain(checkpoints)
            )
        };
        tokio::pin!(walks);
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
        let ((cases_walked, global_walked, one_pass), access_walked) = loop {
            tokio::select! {
                done = &mut walks => break done,
                _ = tick.tick() => {
                    let one = shared.cases_walked.load(Ordering::Relaxed);
                    let two = shared.global_walked.load(Ordering::Relaxed);
                    progress(if one < total {
                        Progress { pass: 1, done: one, total }
                    } else {
                        Progress { pass: 2, done: two, total }
                    });
                }
            }
        };
        let walked = cases_walked?;
        report.one_pass = one_pass;
        report.events = walked.events;
        report.cases = walked.cases;
        if walked.problem.is_some() {
            report.problem = walked.problem;
            return Ok(report);
        }
        match global_walked? {
            GlobalEnd::Whole => {}
            GlobalEnd::Broken(problem) => {
                report.problem = Some(problem);
                return Ok(report);
            }
            // Only pass 1's break stops pass 2, and that was answered above.
            GlobalEnd::Stopped => {
                return Err(Error::Corrupt("the global chain's walk stopped".into()));
            }
        }

        // Pass 3: case rows against events (which the one pass has
        // checked), the access log, the organisation.
        if !report.one_pass
            && let Some(problem) = self.case_rows_break().await?
        {
            report.problem = Some(problem);
            return Ok(report);
        }
        if let Some(problem) = access_walked? {
            report.problem = Some(problem);
            return Ok(report);
        }
        if let Some((seq, expected, found)) = self.org_chain_break().await? {
            report.problem = Some(brk(
                BreakKind::OrgChainBroken,
                None,
                None,
                Some(seq),
                expected,
                found,
            ));
            return Ok(report);
        }
        progress(Progress {
            pass: 3,
            done: total,
            total,
        });
        Ok(report)
    }

    /// Pass 3's first checks: a case row without events, or events (their
    /// first) of a case without a case row.
    async fn case_rows_break(&self) -> Result<Option<Break>> {
        let orphan_case: Option<String> = cases::Entity::find()
            .select_only()
            .column(cases::Column::Id)
            .filter(Expr::cust(
                "NOT EXISTS (SELECT 1 FROM event e WHERE e.case_id = cases.id)",
            ))
            .limit(1)
            .into_tuple()
            .one(&self.db)
            .await?;
        if let Some(id) = orphan_case {
            return Ok(Some(brk(
                BreakKind::CaseWithoutEvents,
                Some(&id),
                None,
                None,
                "its filing event",
                "no events",
            )));
        }
        let caseless: Option<String> = event::Entity::find()
            .select_only()
            .column(event::Column::CaseId)
            .filter(event::Column::Sequence.eq(1))
            .filter(Expr::cust(
                "NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = event.case_id)",
            ))
            .limit(1)
            .into_tuple()
            .one(&self.db)
            .await?;
        if let Some(id) = caseless {
            return Ok(Some(brk(
                BreakKind::EventsWithoutCase,
                Some(&id),
                None,
                None,
                "a case record",
                "none",
            )));
        }
        Ok(None)
    }

    /// The access log's own chain (`audit/access_walk.rs`), against the
    /// access heads of the checkpoints that signed any events: a SQLite
    /// file read in place, PostgreSQL through `COPY`, each with its head
    /// in the same snapshot; a SQLite database in memory page by page
    /// through the pool.
    async fn verify_access_chain(&self, checkpoints: &[Checkpoint]) -> Result<Option<Break>> {
        let walk = AccessWalk::new(
            checkpoints
                .iter()
                .filter(|c| c.size > 0)
                .filter_map(|c| c.access.clone())
                .collect(),
        );
        match self.file.as_ref().map(|f| f.path.clone()) {
            Some(path) => passes::blocking(move || sqlite::access_chain(&path, walk)).await,
            None if self.backend() == crate::Backend::Postgres => {
                postgres::access_chain(self.db.get_postgres_connection_pool(), walk).await
            }
            None => self.access_chain_paged(walk).await,
        }
    }

    async fn access_chain_paged(&self, mut walk: AccessWalk) -> Result<Option<Break>> {
        let head = access_head::Entity::find_by_id(1)
            .one(&self.db)
            .await?
            .ok_or_else(|| Error::Corrupt("the access chain's head row is missing".into()))?;
        loop {
            let rows = access_log::Entity::find()
                .filter(access_log::Column::ChainSeq.gt(walk.seq()))
                .order_by_asc(access_log::Column::ChainSeq)
                .limit(PAGE)
                .all(&self.db)
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let row = AccessRow {
                    chain_seq: r.chain_seq.unwrap_or_default(),
                    actor_id: &r.actor_id,
                    actor_role: &r.actor_role,
                    case_id: &r.case_id,
                    purpose: &r.purpose,
                    at: r.at,
                    prev_hash: r.prev_hash.as_deref(),
                    hash: r.hash.as_deref(),
                };
                if let Some(problem) = walk.check(&row) {
                    return Ok(Some(problem));
                }
            }
        }
        Ok(walk.finish((head.seq, &head.hash)))
    }
}

impl Store {
    /// The global chain's size and head as they are now, proven to extend
    /// `since` (the newest checkpoint already signed): the stored link at
    /// its size is its head, and every global link after it recomputes up
    /// to the recorded head. What a new checkpoint may sign; a break is
    /// returned instead when the log no longer extends `since`. (Each
    /// event's own content is the full `verify_audit`'s to check.)
    pub async fn chain_head_since(
        &self,
        since: Option<&Checkpoint>,
    ) -> Result<std::result::Result<Heads, Break>> {
        let head = audit_head::Entity::find_by_id(1)
            .one(&self.db)
            .await?
            .ok_or_else(|| Error::Corrupt("the audit chain head row is missing".into()))?;
        let (seq, global) = match since {
            Some(cp) if cp.size > 0 => {
                (i64::try_from(cp.size).unwrap_or(i64::MAX), cp.head.clone())
            }
            _ => (0, GENESIS.to_owned()),
        };
        if seq > head.global_seq {
            return Ok(Err(brk(
                BreakKind::CheckpointNotExtended,
                None,
                None,
                Some(seq),
                format!("at least {seq} events (signed checkpoint)"),
                format!("{} events", head.global_seq),
            )));
        }
        if seq > 0 {
            let stored: Option<String> = event::Entity::find()
                .select_only()
                .column(event::Column::GlobalHash)
                .filter(event::Column::GlobalSeq.eq(seq))
                .into_tuple()
                .one(&self.db)
                .await?;
            if stored.as_deref() != Some(global.as_str()) {
                let since = since.expect("seq > 0 only with a checkpoint");
                return Ok(Err(not_extended(
                    since,
                    0,
                    stored.as_deref().unwrap_or("no event"),
                )));
            }
        }
        let mut walk = GlobalWalk::resume(seq, global);
        if let Some(GlobalEnd::Broken(problem)) = self
            .global_links_paged(&mut walk, Some(head.global_seq), None)
            .await?
        {
            return Ok(Err(problem));
        }
        let size = walk.done();
        if let Some(problem) = walk.finish((head.global_seq, &head.global_hash)) {
            return Ok(Err(problem));
        }
        // The access log's chain: still holding the read the checkpoint
        // named, with the hash it signed (the links are `verify_audit`'s).
        let access = access_head::Entity::find_by_id(1)
            .one(&self.db)
            .await?
            .ok_or_else(|| Error::Corrupt("the access chain's head row is missing".into()))?;
        if let Some((reads, signed)) = since
            .and_then(|c| c.access.as_ref())
            .filter(|(n, _)| *n > 0)
        {
            let n = i64::try_from(*reads).unwrap_or(i64::MAX);
            let stored: Option<Option<String>> = access_log::Entity::find()
                .select_only()
                .column(access_log::Column::Hash)
                .filter(access_log::Column::ChainSeq.eq(n))
                .into_tuple()
                .one(&self.db)
                .await?;
            if stored.flatten().as_deref() != Some(signed.as_str()) || access.seq < n {
                return Ok(Err(brk(
                    BreakKind::AccessLogBroken,
                    None,
                    None,
                    Some(n),
                    format!("read {n} with {signed} (signed checkpoint)"),
                    "another, or none".to_owned(),
                )));
            }
        }
        Ok(Ok(Heads {
            size,
            head: head.global_hash,
            access: (u64::try_from(access.seq).unwrap_or_default(), access.hash),
        }))
    }

    /// Checks one case's own chain (sequence, links and content of each
    /// event); the global chain needs `verify_audit`. Returns the events
    /// checked and the first break.
    pub async fn verify_case(&self, case_id: &crate::CaseId) -> Result<(u64, Option<Break>)> {
        let rows = event::Entity::find()
            .filter(event::Column::CaseId.eq(case_id.to_string()))
            .order_by_asc(event::Column::Sequence)
            .all(&self.db)
            .await?;
        Ok((rows.len() as u64, walk_case(&rows)))
    }
}

/// Checks one case's events (all of them, in sequence order) as pass 1
/// does; the first break.
pub(crate) fn walk_case(rows: &[event::Model]) -> Option<Break> {
    let mut walk = Walk::default();
    rows.iter()
        .find_map(|row| walk.check(&row.into()))
        .or_else(|| walk.finish())
}
