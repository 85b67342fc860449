//! The walks of a SQLite file, read in place. Through sqlx every value of
//! every row is copied out of SQLite and the row sent across its worker
//! thread's channel, which was most of what verification cost; here each
//! walk runs on a blocking thread with its own read-only connection, and
//! reads each row where SQLite holds it. Each walk is one statement in one
//! read transaction, so it sees one state of the file however long it
//! takes, and the writers go on meanwhile (WAL).

use std::path::Path;
use std::sync::atomic::Ordering;

use rusqlite::OptionalExtension;

use super::Break;
use super::access_walk::{AccessRow, AccessWalk};
use super::global::{GlobalWalk, Link};
use super::walk::{EventRow, Walk};
use super::{CasesWalked, GlobalEnd, Shared};
use crate::chain::checkpoint::Checkpoint;
use crate::error::{Error, Result};
use crate::in_place::{failed, open_read as open, optional_text, text, time};

/// How often (in rows) a walk reports its progress and looks whether the
/// other walk found a break.
const EVERY: u64 = 4096;

/// Where pass 1 splits the cases into `parts` ranges of about as many
/// events each, one walk each: the first case of every range but the
/// first (so a case is never split).
pub(super) fn split_points(path: &Path, parts: usize) -> Result<Vec<String>> {
    let conn = open(path)?;
    let events: i64 = conn
        .query_row("SELECT count(*) FROM event", [], |r| r.get(0))
        .map_err(failed)?;
    let mut statement = conn
        .prepare("SELECT case_id FROM event ORDER BY case_id, sequence LIMIT 1 OFFSET ?1")
        .map_err(failed)?;
    let parts = i64::try_from(parts.max(1)).unwrap_or(1);
    let mut points: Vec<String> = Vec::new();
    for k in 1..parts {
        let at: Option<String> = statement
            .query_row([events * k / parts], |r| r.get(0))
            .optional()
            .map_err(failed)?;
        if let Some(at) = at.filter(|at| points.last() != Some(at)) {
            points.push(at);
        }
    }
    Ok(points)
}

/// Pass 1 over the file at `path`, for the cases from `from` (inclusive)
/// to `to` (exclusive), either end open: their chains.
pub(super) fn case_chains(
    path: &Path,
    (from, to): (Option<&str>, Option<&str>),
    shared: &Shared,
) -> Result<CasesWalked> {
    let conn = open(path)?;
    let range = match (from, to) {
        (None, None) => "",
        (Some(_), None) => "WHERE case_id >= ?1",
        (None, Some(_)) => "WHERE case_id < ?2",
        (Some(_), Some(_)) => "WHERE case_id >= ?1 AND case_id < ?2",
    };
    let mut statement = conn
        .prepare(&format!(
            "SELECT case_id, sequence, global_seq, event_type, event_version, payload, \
             payload_digest, payload_salt, actor_id, actor_role, occurred_at, recorded_at, \
             prev_hash, hash FROM event {range} ORDER BY case_id, sequence"
        ))
        .map_err(failed)?;
    for (i, bound) in [(1, from), (2, to)] {
        if let Some(bound) = bound {
            statement.raw_bind_parameter(i, bound).map_err(failed)?;
        }
    }
    let mut rows = statement.raw_query();
    let mut walk = Walk::default();
    while let Some(r) = rows.next().map_err(failed)? {
        let row = EventRow {
            case_id: text(r, 0)?,
            sequence: r.get(1).map_err(failed)?,
            global_seq: r.get(2).map_err(failed)?,
            event_type: text(r, 3)?,
            event_version: r.get(4).map_err(failed)?,
            payload: text(r, 5)?,
            payload_digest: optional_text(r, 6)?,
            payload_salt: optional_text(r, 7)?,
            actor_id: text(r, 8)?,
            actor_role: text(r, 9)?,
            occurred_at: time(r, 10)?,
            recorded_at: time(r, 11)?,
            prev_hash: text(r, 12)?,
            hash: text(r, 13)?,
        };
        if let Some(problem) = walk.check(&row) {
            return Ok(walk.ended(Some(problem)));
        }
        if walk.events.is_multiple_of(EVERY) {
            shared.cases_walked.fetch_add(EVERY, Ordering::Relaxed);
        }
    }
    shared
        .cases_walked
        .fetch_add(walk.events % EVERY, Ordering::Relaxed);
    let end = walk.finish();
    Ok(walk.ended(end))
}

/// Pass 2 over the file at `path`: the global chain and where it ends,
/// against `checkpoints`.
pub(super) fn global_chain(
    path: &Path,
    checkpoints: &[Checkpoint],
    shared: &Shared,
) -> Result<GlobalEnd> {
    let conn = open(path)?;
    let mut walk = GlobalWalk::new(checkpoints);
    {
        let mut statement = conn
            .prepare(
                "SELECT global_seq, hash, global_hash, case_id, sequence FROM event \
                 ORDER BY global_seq",
            )
            .map_err(failed)?;
        let mut rows = statement.query([]).map_err(failed)?;
        while let Some(r) = rows.next().map_err(failed)? {
            let link = Link {
                global_seq: r.get(0).map_err(failed)?,
                hash: text(r, 1)?,
                global_hash: text(r, 2)?,
                case_id: text(r, 3)?,
                sequence: r.get(4).map_err(failed)?,
            };
            if let Some(problem) = walk.check(&link) {
                return Ok(GlobalEnd::Broken(problem));
            }
            if walk.done().is_multiple_of(EVERY) {
                shared.global_walked.store(walk.done(), Ordering::Relaxed);
                if shared.stop.load(Ordering::Relaxed) {
                    return Ok(GlobalEnd::Stopped);
                }
            }
        }
    }
    // The head in the same transaction as the chain it should end.
    let head: (i64, String) = conn
        .query_row(
            "SELECT global_seq, global_hash FROM audit_head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(failed)?
        .ok_or_else(|| Error::Corrupt("the audit chain head row is missing".into()))?;
    Ok(walk
        .finish((head.0, &head.1))
        .map_or(GlobalEnd::Whole, GlobalEnd::Broken))
}

/// The access log's chain in the file at `path`, and the head it should
/// end at, in one read transaction.
pub(super) fn access_chain(path: &Path, mut walk: AccessWalk) -> Result<Option<Break>> {
    let conn = open(path)?;
    {
        let mut statement = conn
            .prepare(
                "SELECT chain_seq, actor_id, actor_role, case_id, purpose, at, prev_hash, hash \
                 FROM access_log WHERE chain_seq > 0 ORDER BY chain_seq",
            )
            .map_err(failed)?;
        let mut rows = statement.query([]).map_err(failed)?;
        while let Some(r) = rows.next().map_err(failed)? {
            let row = AccessRow {
                chain_seq: r.get(0).map_err(failed)?,
                actor_id: text(r, 1)?,
                actor_role: text(r, 2)?,
                case_id: text(r, 3)?,
                purpose: text(r, 4)?,
                at: time(r, 5)?,
                prev_hash: optional_text(r, 6)?,
                hash: optional_text(r, 7)?,
            };
            if let Some(problem) = walk.check(&row) {
                return Ok(Some(problem));
            }
        }
    }
    let head: (i64, String) = conn
        .query_row("SELECT seq, hash FROM access_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .map_err(failed)?
        .ok_or_else(|| Error::Corrupt("the access chain's head row is missing".into()))?;
    Ok(walk.finish((head.0, &head.1)))
}
