//! The walks of a PostgreSQL database (both chains of the event log and
//! the access log's chain), each one `COPY (SELECT …) TO
//! STDOUT` in a read-only repeatable-read transaction of its own. Through
//! pages of ORM rows every value of every row was decoded into a model of
//! owned strings; here PostgreSQL sends each row as one line of text, read
//! on a blocking thread where it lies (only a field with a backslash
//! escape is copied). One statement per walk: it sees one state of the
//! database however long it takes, and the writers go on meanwhile.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::DbErr;
use sea_orm::sqlx::postgres::{PgConnection, PgPool};
use tokio::sync::{mpsc, oneshot};

use super::access_walk::{AccessRow, AccessWalk};
use super::global::{GlobalWalk, Link};
use super::walk::{EventRow, Walk};
use super::{Break, CasesWalked, GlobalEnd, Shared};
use crate::chain::checkpoint::Checkpoint;
use crate::error::{Error, Result};

/// Rows handed to the checking thread at a time.
const BATCH: usize = 4096;

/// Batches read ahead of the check.
const AHEAD: usize = 4;

/// Pass 1: every case's chain, in `(case_id, sequence)` order.
pub(super) async fn case_chains(pool: &PgPool, shared: &Arc<Shared>) -> Result<CasesWalked> {
    let mut conn = snapshot(pool).await?;
    let (rows, batches) = mpsc::channel(AHEAD);
    let checking = {
        let shared = Arc::clone(shared);
        tokio::task::spawn_blocking(move || check_cases(batches, &shared))
    };
    let copy = format!(
        "COPY (SELECT case_id, sequence, global_seq, event_type, event_version, payload, \
         payload_digest, payload_salt, actor_id, actor_role, {}, {}, prev_hash, hash \
         FROM event ORDER BY case_id, sequence) TO STDOUT",
        epoch_micros("occurred_at"),
        epoch_micros("recorded_at"),
    );
    let read = send_rows(&mut conn, &copy, rows).await;
    let walked = checking
        .await
        .map_err(|e| Error::Corrupt(format!("verifying stopped: {e}")))?;
    match (walked, read) {
        // A break found before the last row cut the copy short; the
        // connection is closed rather than given back to the pool.
        (Ok(walked), _) if walked.problem.is_some() => Ok(walked),
        // A failed read ends the checking thread too: its error comes first.
        (_, Err(e)) | (Err(e), _) => Err(e),
        (Ok(walked), Ok(finished)) => {
            if finished {
                end(&mut conn).await?;
            }
            Ok(walked)
        }
    }
}

/// Pass 2: the global chain in `global_seq` order, against
/// `checkpoints`, and the head it should end at, read in the same
/// snapshot.
pub(super) async fn global_chain(
    pool: &PgPool,
    checkpoints: &[Checkpoint],
    shared: &Arc<Shared>,
) -> Result<GlobalEnd> {
    let mut conn = snapshot(pool).await?;
    let (rows, batches) = mpsc::channel(AHEAD);
    let (head_sender, head) = oneshot::channel();
    let checking = {
        let shared = Arc::clone(shared);
        let checkpoints = checkpoints.to_vec();
        tokio::task::spawn_blocking(move || check_links(batches, head, &checkpoints, &shared))
    };
    let copy = "COPY (SELECT global_seq, hash, global_hash, case_id, sequence FROM event \
                ORDER BY global_seq) TO STDOUT";
    let head_query = "SELECT global_seq, global_hash FROM audit_head WHERE id = 1";
    let read = send_rows_then_head(&mut conn, copy, rows, head_query, head_sender).await;
    let ended = checking
        .await
        .map_err(|e| Error::Corrupt(format!("verifying stopped: {e}")))?;
    match (ended, read) {
        (Ok(ended @ (GlobalEnd::Broken(_) | GlobalEnd::Stopped)), _) => Ok(ended),
        // A failed read ends the checking thread too: its error comes first.
        (_, Err(e)) | (Err(e), _) => Err(e),
        (Ok(ended), Ok(finished)) => {
            if finished {
                end(&mut conn).await?;
            }
            Ok(ended)
        }
    }
}

/// The access log's chain in `chain_seq` order, and the head it should
/// end at, read in the same snapshot.
pub(super) async fn access_chain(pool: &PgPool, walk: AccessWalk) -> Result<Option<Break>> {
    let mut conn = snapshot(pool).await?;
    let (rows, batches) = mpsc::channel(AHEAD);
    let (head_sender, head) = oneshot::channel();
    let checking = tokio::task::spawn_blocking(move || check_reads(batches, head, walk));
    let copy = format!(
        "COPY (SELECT chain_seq, actor_id, actor_role, case_id, purpose, {}, prev_hash, hash \
         FROM access_log WHERE chain_seq > 0 ORDER BY chain_seq) TO STDOUT",
        epoch_micros("\"at\""),
    );
    let head_query = "SELECT seq, hash FROM access_head WHERE id = 1";
    let read = send_rows_then_head(&mut conn, &copy, rows, head_query, head_sender).await;
    let ended = checking
        .await
        .map_err(|e| Error::Corrupt(format!("verifying stopped: {e}")))?;
    match (ended, read) {
        (Ok(Some(problem)), _) => Ok(Some(problem)),
        // A failed read ends the checking thread too: its error comes first.
        (_, Err(e)) | (Err(e), _) => Err(e),
        (Ok(None), Ok(finished)) => {
            if finished {
                end(&mut conn).await?;
            }
            Ok(None)
        }
    }
}

/// `column`, a time, as whole microseconds since 1970 in UTC, exactly on
/// any PostgreSQL (before 14 `extract` answers in floating point, which
/// holds the seconds and the microseconds exactly only apart).
fn epoch_micros(column: &str) -> String {
    let utc = format!("({column} AT TIME ZONE 'UTC')");
    format!(
        "(extract(epoch FROM date_trunc('second', {utc}))::bigint * 1000000 \
         + extract(microseconds FROM {utc})::bigint % 1000000)"
    )
}

/// A connection of the pool in a read-only repeatable-read transaction,
/// closed when dropped (a copy left unfinished leaves it unusable). A
/// walk's plan is one scan whose cost is mostly rows, which JIT compiling
/// does not shorten: compiling it took 0.14 s of a 1.8 s copy of 986,994
/// events, so the transaction goes without.
pub(super) async fn snapshot(
    pool: &PgPool,
) -> Result<sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Postgres>> {
    let mut conn = pool.acquire().await.map_err(database)?;
    conn.close_on_drop();
    sea_orm::sqlx::raw_sql("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL jit = off")
        .execute(&mut *conn)
        .await
        .map_err(database)?;
    Ok(conn)
}

/// Ends the transaction of a walk that read every row.
pub(super) async fn end(conn: &mut PgConnection) -> Result<()> {
    sea_orm::sqlx::raw_sql("COMMIT")
        .execute(conn)
        .await
        .map_err(database)?;
    Ok(())
}

/// Streams the rows of `copy` to `rows` in batches, until the last row
/// (`true`: the copy finished and the connection can go on) or until the
/// checking thread stops taking them (`false`: the copy is left
/// unfinished, the connection unusable).
async fn send_rows(
    conn: &mut PgConnection,
    copy: &str,
    rows: mpsc::Sender<Vec<Bytes>>,
) -> Result<bool> {
    let mut stream = conn.copy_out_raw(copy).await.map_err(database)?;
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(row) = stream.next().await {
        batch.push(row.map_err(database)?);
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if rows.send(full).await.is_err() {
                return Ok(false);
            }
        }
    }
    // The checking thread may have stopped on the last batch; the copy
    // is finished either way.
    let _ = rows.send(batch).await;
    Ok(true)
}

/// [`send_rows`], then (when every row went) the head the chain should
/// end at, `(seq, hash)` by `head_query`, to `head_sender` in the same
/// snapshot. Whether the copy finished, as `send_rows` says; without a
/// head sent, the checking thread ends on the sender's being dropped.
async fn send_rows_then_head(
    conn: &mut PgConnection,
    copy: &str,
    rows: mpsc::Sender<Vec<Bytes>>,
    head_query: &'static str,
    head_sender: oneshot::Sender<Option<(i64, String)>>,
) -> Result<bool> {
    if !send_rows(conn, copy, rows).await? {
        return Ok(false);
    }
    let head: Option<(i64, String)> = sea_orm::sqlx::query_as(head_query)
        .fetch_optional(&mut *conn)
        .await
        .map_err(database)?;
    // The checking thread may have stopped already (a break).
    let _ = head_sender.send(head);
    Ok(true)
}

/// Checks pass 1's rows as they come.
fn check_cases(mut batches: mpsc::Receiver<Vec<Bytes>>, shared: &Shared) -> Result<CasesWalked> {
    let mut walk = Walk::default();
    while let Some(batch) = batches.blocking_recv() {
        for line in &batch {
            let f = fields::<14>(line)?;
            let row = EventRow {
                case_id: text(&f[0])?,
                sequence: int(&f[1])?,
                global_seq: int(&f[2])?,
                event_type: text(&f[3])?,
                event_version: int(&f[4])?,
                payload: text(&f[5])?,
                payload_digest: f[6].as_deref(),
                payload_salt: f[7].as_deref(),
                actor_id: text(&f[8])?,
                actor_role: text(&f[9])?,
                occurred_at: micros(&f[10])?,
                recorded_at: micros(&f[11])?,
                prev_hash: text(&f[12])?,
                hash: text(&f[13])?,
            };
            if let Some(problem) = walk.check(&row) {
                return Ok(walk.ended(Some(problem)));
            }
        }
        shared
            .cases_walked
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
    }
    let end = walk.finish();
    Ok(walk.ended(end))
}

/// Checks pass 2's rows as they come, then where the chain ends.
fn check_links(
    mut batches: mpsc::Receiver<Vec<Bytes>>,
    head: oneshot::Receiver<Option<(i64, String)>>,
    checkpoints: &[Checkpoint],
    shared: &Shared,
) -> Result<GlobalEnd> {
    let mut walk = GlobalWalk::new(checkpoints);
    while let Some(batch) = batches.blocking_recv() {
        for line in &batch {
            let f = fields::<5>(line)?;
            let link = Link {
                global_seq: int(&f[0])?,
                hash: text(&f[1])?,
                global_hash: text(&f[2])?,
                case_id: text(&f[3])?,
                sequence: int(&f[4])?,
            };
            if let Some(problem) = walk.check(&link) {
                return Ok(GlobalEnd::Broken(problem));
            }
        }
        shared.global_walked.store(walk.done(), Ordering::Relaxed);
        if shared.stop.load(Ordering::Relaxed) {
            return Ok(GlobalEnd::Stopped);
        }
    }
    let (seq, hash) = head
        .blocking_recv()
        .map_err(|_| Error::Corrupt("reading the audit chain head stopped".into()))?
        .ok_or_else(|| Error::Corrupt("the audit chain head row is missing".into()))?;
    Ok(walk
        .finish((seq, &hash))
        .map_or(GlobalEnd::Whole, GlobalEnd::Broken))
}

/// Checks the access log's rows as they come, then where its chain ends.
fn check_reads(
    mut batches: mpsc::Receiver<Vec<Bytes>>,
    head: oneshot::Receiver<Option<(i64, String)>>,
    mut walk: AccessWalk,
) -> Result<Option<Break>> {
    while let Some(batch) = batches.blocking_recv() {
        for line in &batch {
            let f = fields::<8>(line)?;
            let row = AccessRow {
                chain_seq: int(&f[0])?,
                actor_id: text(&f[1])?,
                actor_role: text(&f[2])?,
                case_id: text(&f[3])?,
                purpose: text(&f[4])?,
                at: micros(&f[5])?,
                prev_hash: f[6].as_deref(),
                hash: f[7].as_deref(),
            };
            if let Some(problem) = walk.check(&row) {
                return Ok(Some(problem));
            }
        }
    }
    let (seq, hash) = head
        .blocking_recv()
        .map_err(|_| Error::Corrupt("reading the access chain's head stopped".into()))?
        .ok_or_else(|| Error::Corrupt("the access chain's head row is missing".into()))?;
    Ok(walk.finish((seq, &hash)))
}

/// The `N` fields of one line of `COPY … TO STDOUT` text: `None` for
/// SQL NULL, each value with its backslash escapes undone.
fn fields<const N: usize>(line: &[u8]) -> Result<[Option<Cow<'_, str>>; N]> {
    let line = std::str::from_utf8(line)
        .map_err(|_| Error::Corrupt("a row of the log is not UTF-8".into()))?;
    let line = line.strip_suffix('\n').unwrap_or(line);
    let mut out = [const { None }; N];
    let mut parts = line.split('\t');
    for field in &mut out {
        let part = parts.next().ok_or_else(|| {
            Error::Corrupt(format!("a row of the log has fewer than {N} columns"))
        })?;
        *field = (part != "\\N").then(|| unescape(part));
    }
    if parts.next().is_some() {
        return Err(Error::Corrupt(format!(
            "a row of the log has more than {N} columns"
        )));
    }
    Ok(out)
}

/// A text field as `COPY` wrote it, its escapes undone (it writes `\\`
/// for a backslash and `\b \f \n \r \t \v` for those characters, nothing
/// else).
fn unescape(field: &str) -> Cow<'_, str> {
    if !field.contains('\\') {
        return Cow::Borrowed(field);
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('v') => out.push('\u{b}'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    Cow::Owned(out)
}

/// A column that may not be NULL.
fn text<'a>(field: &'a Option<Cow<'_, str>>) -> Result<&'a str> {
    field
        .as_deref()
        .ok_or_else(|| Error::Corrupt("a column of the log that may not be empty is".into()))
}

fn int<T: std::str::FromStr>(field: &Option<Cow<'_, str>>) -> Result<T> {
    text(field)?
        .parse()
        .map_err(|_| Error::Corrupt("a number in the log does not read as one".into()))
}

/// A time sent as microseconds since 1970.
fn micros(field: &Option<Cow<'_, str>>) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(int(field)?)
        .ok_or_else(|| Error::Corrupt("a time in the log is out of range".into()))
}

pub(super) fn database(e: sea_orm::sqlx::Error) -> Error {
    Error::Database(DbErr::Custom(format!("reading the log: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_line_splits_into_its_fields_with_escapes_undone() {
        let line = b"a\\tb\t\\N\t{\"x\":\"\\\\\\\"\"}\tline\\nbreak\n";
        let f = fields::<4>(line).expect("four fields");
        assert_eq!(f[0].as_deref(), Some("a\tb"));
        assert_eq!(f[1], None);
        assert_eq!(f[2].as_deref(), Some("{\"x\":\"\\\"\"}"));
        assert_eq!(f[3].as_deref(), Some("line\nbreak"));
        assert!(matches!(&f[3], Some(Cow::Owned(_))));
        assert!(fields::<3>(line).is_err(), "a column too many");
        assert!(fields::<5>(line).is_err(), "a column too few");
    }
}
