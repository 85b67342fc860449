//! The rebuild of a SQLite file, in place. One connection holds the write
//! transaction, reads the log in case order (only the columns a replay
//! needs) and inserts the rebuilt rows, each through a prepared statement;
//! a second thread replays the cases of each page of events meanwhile and
//! makes their rows ready to bind. Through the pool the same work copied
//! every value of every row across sqlx's worker thread both ways, and the
//! statements were built as text a thousand rows at a time.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc;

use rusqlite::Connection;
use sea_orm::{DatabaseBackend, EntityName};
use varna_workflow::WorkflowDefinition;

use super::{PERSONS_FOLLOW, RebuildReport, Replayed, clearing, replay_page};
use crate::Store;
use crate::entities::{case_deadline, case_link, cases, journal_entry};
use crate::error::{Error, Result};
use crate::in_place::{self, File, Rows, failed, text, time};
use crate::queries::LogEvent;
use crate::tally::{self, TallyDelta};
use crate::writes::Writes;

/// Events handed to the replay at a time.
const PAGE: usize = 10_000;

/// Pages read ahead of the replay.
const PAGES_AHEAD: usize = 2;

pub(super) type Definitions = HashMap<String, Arc<WorkflowDefinition>>;

impl Store {
    /// Rebuilds the projections of the SQLite file `file` in place.
    pub(super) async fn rebuild_file(
        &self,
        file: &File,
        progress: impl FnMut(RebuildReport),
    ) -> Result<RebuildReport> {
        let opening = file.clone();
        let conn = blocking(move || in_place::open_write(&opening)).await?;
        // Read while the write transaction is held: no definition can be
        // added before the rebuild has read the log.
        let defs = Arc::new(self.definitions.all_stored(&self.db).await?);
        let ((), report) = reporting(
            move |report| {
                rebuild(&conn, &defs, report)?;
                conn.execute_batch("COMMIT").map_err(failed)
            },
            progress,
        )
        .await?;
        Ok(report)
    }
}

/// Runs `work` on a blocking thread, passing the counts it reports on to
/// `progress` as they come: its answer and the last counts.
pub(super) async fn reporting<T: Send + 'static>(
    work: impl FnOnce(&dyn Fn(RebuildReport)) -> Result<T> + Send + 'static,
    mut progress: impl FnMut(RebuildReport),
) -> Result<(T, RebuildReport)> {
    let (reports, mut reported) = tokio::sync::mpsc::unbounded_channel();
    let working = blocking(move || {
        work(&|report| {
            let _ = reports.send(report);
        })
    });
    tokio::pin!(working);
    let mut last = RebuildReport {
        cases: 0,
        events: 0,
    };
    let answer = loop {
        tokio::select! {
            done = &mut working => break done?,
            Some(report) = reported.recv() => {
                last = report;
                progress(report);
            }
        }
    };
    while let Ok(report) = reported.try_recv() {
        last = report;
        progress(report);
    }
    Ok((answer, last))
}

/// Runs `f` on a blocking thread.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Corrupt(format!("the rebuild stopped: {e}")))?
}

/// Empties the tables and writes them again from the log, in the write
/// transaction `conn` has open (left open: the caller commits).
fn rebuild(
    conn: &Connection,
    defs: &Arc<Definitions>,
    report: &dyn Fn(RebuildReport),
) -> Result<()> {
    let indexes = secondary_indexes(conn)?;
    for (name, _) in &indexes {
        conn.execute_batch(&format!("DROP INDEX \"{name}\""))
            .map_err(failed)?;
    }
    for statement in clearing(DatabaseBackend::Sqlite) {
        in_place::execute(conn, &statement)?;
    }
    let tallies = replay_log(conn, defs, |(tables, done)| {
        for rows in &tables {
            in_place::insert(conn, rows)?;
        }
        report(done);
        Ok(())
    })?;
    let mut writes = Writes::new(DatabaseBackend::Sqlite);
    tally::stage(&mut writes, tallies);
    for statement in writes.into_statements() {
        in_place::execute(conn, &statement)?;
    }
    for (_, sql) in &indexes {
        conn.execute_batch(sql).map_err(failed)?;
    }
    conn.execute_batch(PERSONS_FOLLOW).map_err(failed)?;
    Ok(())
}

/// Reads the log of `conn` in case order and replays it on a thread of
/// its own, a page at a time: `sink` takes the rows of the cases each
/// page completes (and the counts so far), in case order, while the
/// next pages are read and replayed; the last call has the last case's.
/// Returns the tallies of every case.
pub(super) fn replay_log(
    conn: &Connection,
    defs: &Arc<Definitions>,
    mut sink: impl FnMut(([Rows; 4], RebuildReport)) -> Result<()>,
) -> Result<TallyDelta> {
    let (pages, to_replay) = mpsc::sync_channel::<Vec<LogEvent>>(PAGES_AHEAD);
    let (replayed, to_write) = mpsc::channel::<([Rows; 4], RebuildReport)>();
    let replayer = {
        let defs = Arc::clone(defs);
        std::thread::Builder::new()
            .name("varna-replay".into())
            .spawn(move || replay_all(&to_replay, &replayed, &defs))
            .map_err(|e| Error::Corrupt(format!("the replay could not start: {e}")))?
    };
    {
        let mut statement = conn
            .prepare(
                "SELECT case_id, sequence, actor_id, actor_role, occurred_at, payload \
                 FROM event ORDER BY case_id, sequence",
            )
            .map_err(failed)?;
        let mut rows = statement.raw_query();
        let mut page = Vec::with_capacity(PAGE);
        'reading: while let Some(r) = rows.next().map_err(failed)? {
            page.push(event_row(r)?);
            if page.len() < PAGE {
                continue;
            }
            // Hand the page over; while the replay is still busy with the
            // pages before, sink the rows it has finished.
            let mut next = std::mem::take(&mut page);
            loop {
                match pages.try_send(next) {
                    Ok(()) => break,
                    Err(mpsc::TrySendError::Full(back)) => next = back,
                    // The replay stopped; its error is below.
                    Err(mpsc::TrySendError::Disconnected(_)) => break 'reading,
                }
                match to_write.recv() {
                    Ok(done) => sink(done)?,
                    Err(_) => break 'reading,
                }
            }
            page.reserve(PAGE);
            while let Ok(done) = to_write.try_recv() {
                sink(done)?;
            }
        }
        if !page.is_empty() {
            let _ = pages.send(page);
        }
    }
    drop(pages);
    for done in to_write.iter() {
        sink(done)?;
    }
    let (rows, tallies, done) = replayer
        .join()
        .map_err(|_| Error::Corrupt("the replay stopped".into()))??;
    sink((rows, done))?;
    Ok(tallies)
}

/// The indexes of the tables whose rows are written a case at a time,
/// other than their keys: name and the statement that made each. They
/// are dropped before the rows go in and made again after, each built
/// from one sort instead of a search for every row (the rows go in by
/// case id, so the keys grow at their end). In the same transaction, so a
/// rebuild that fails leaves them as they were.
fn secondary_indexes(conn: &Connection) -> Result<Vec<(String, String)>> {
    let tables = [
        cases::Entity.table_name(),
        case_deadline::Entity.table_name(),
        journal_entry::Entity.table_name(),
        case_link::Entity.table_name(),
    ];
    let mut statement = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN (?1, ?2, ?3, ?4) ORDER BY name",
        )
        .map_err(failed)?;
    let rows = statement
        .query_map(tables, |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(failed)?;
    rows.collect::<rusqlite::Result<_>>().map_err(failed)
}

/// The replay's thread: every page of events to rows, each page's rows
/// sent back to be written; at the end the last case's rows and the
/// counts.
fn replay_all(
    pages: &mpsc::Receiver<Vec<LogEvent>>,
    replayed: &mpsc::Sender<([Rows; 4], RebuildReport)>,
    defs: &Definitions,
) -> Result<([Rows; 4], TallyDelta, RebuildReport)> {
    let mut so_far = Replayed::default();
    for page in pages {
        so_far = replay_page(page, so_far, defs)?;
        let done = RebuildReport {
            cases: so_far.cases,
            events: so_far.events,
        };
        let rows = std::mem::take(&mut so_far.rows).in_place()?;
        if replayed.send((rows, done)).is_err() {
            // The writer stopped; its error is the one reported.
            break;
        }
    }
    let (rows, tallies, report) = so_far.finish(defs)?;
    Ok((rows.in_place()?, tallies, report))
}

/// One row of the log, the columns a replay reads.
fn event_row(r: &rusqlite::Row<'_>) -> Result<LogEvent> {
    Ok(LogEvent {
        case_id: text(r, 0)?.to_owned(),
        sequence: r.get(1).map_err(failed)?,
        actor_id: text(r, 2)?.to_owned(),
        actor_role: text(r, 3)?.to_owned(),
        occurred_at: time(r, 4)?,
        payload: text(r, 5)?.to_owned(),
    })
}
