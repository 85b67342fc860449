//! The rebuild of a SQLite file, in place. One connection holds the write
//! transaction and inserts the rebuilt rows, each through a prepared
//! statement; a read connection of its own reads the log in case order
//! (only the columns a replay needs) on a thread of its own; meanwhile a
//! thread per core replays pages of whole cases and makes their rows
//! ready to bind, put back in the log's order to be written. Through the
//! pool the same work copied every value of every row across sqlx's
//! worker thread both ways, and the statements were built as text a
//! thousand rows at a time.

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension};
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

/// Events handed to a replay at a time (at least; a page ends where a
/// case does).
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
        let path = file.path.clone();
        let ((), report) = reporting(
            move |report| {
                // Opened once the write transaction holds the lock.
                let log = in_place::open_read(&path)?;
                rebuild(&conn, log, &defs, report)?;
                let mut phase = Phases::default();
                conn.execute_batch("COMMIT").map_err(failed)?;
                phase.done("committed");
                Ok(())
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
    log: Connection,
    defs: &Arc<Definitions>,
    report: &dyn Fn(RebuildReport),
) -> Result<()> {
    let mut phase = Phases::default();
    let indexes = secondary_indexes(conn)?;
    for (name, _) in &indexes {
        conn.execute_batch(&format!("DROP INDEX \"{name}\""))
            .map_err(failed)?;
    }
    for statement in clearing(DatabaseBackend::Sqlite) {
        in_place::execute(conn, &statement)?;
    }
    phase.done("the read tables emptied");
    let tallies = replay_log(Log::Own(log), defs, |(tables, done)| {
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
    phase.done("the log replayed and its rows written");
    for (_, sql) in &indexes {
        conn.execute_batch(sql).map_err(failed)?;
    }
    phase.done("the indexes made again");
    check_units(conn)?;
    conn.execute_batch(PERSONS_FOLLOW).map_err(failed)?;
    phase.done("the units and personnummer rows checked");
    Ok(())
}

/// The time of each step of a rebuild, logged as it ends: where a long
/// rebuild spends it.
struct Phases(std::time::Instant);

impl Default for Phases {
    fn default() -> Self {
        Phases(std::time::Instant::now())
    }
}

impl Phases {
    fn done(&mut self, what: &str) {
        let seconds = self.0.elapsed().as_secs_f64();
        self.0 = std::time::Instant::now();
        tracing::info!(seconds = format!("{seconds:.1}"), "rebuild: {what}");
    }
}

/// The one foreign key of the rebuilt tables, a case's unit, checked
/// once for all cases (the rebuild's connection does not check it row by
/// row: that would make emptying the cases table a delete of every row
/// rather than of its pages). Read from an index of the cases by unit.
fn check_units(conn: &Connection) -> Result<()> {
    let missing: Option<String> = conn
        .query_row(
            "SELECT c.unit_id FROM cases c \
             WHERE NOT EXISTS (SELECT 1 FROM unit u WHERE u.id = c.unit_id) LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(failed)?;
    match missing {
        None => Ok(()),
        Some(unit) => Err(Error::Corrupt(format!(
            "the log files a case at unit {unit}, which does not exist"
        ))),
    }
}

/// Where a replay reads the log.
pub(super) enum Log<'c> {
    /// The connection the rows are sunk through, read between the sinks:
    /// one snapshot for the log and the tables (the check).
    Shared(&'c Connection),
    /// A read connection of its own, read on a thread of its own while
    /// the rows are sunk (the rebuild: its write transaction holds the
    /// file's write lock from before this connection's first read to
    /// after its last, so both see the same log). The log's pages then
    /// neither pass through the writer's page cache nor are looked for
    /// among the frames its transaction spilled into the WAL.
    Own(Connection),
}

/// Reads the log in case order and replays it on as many threads as
/// there are cores, a page of whole cases each: `sink` takes the rows of
/// each page (and the counts so far), in case order, while the next pages
/// are read and replayed. Returns the tallies of every case.
pub(super) fn replay_log(
    log: Log<'_>,
    defs: &Arc<Definitions>,
    mut sink: impl FnMut(([Rows; 4], RebuildReport)) -> Result<()>,
) -> Result<TallyDelta> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let (pages, to_replay) = mpsc::sync_channel::<(usize, Vec<LogEvent>)>(PAGES_AHEAD);
    let to_replay = Arc::new(Mutex::new(to_replay));
    // Bounded too: replays that run ahead of the sink wait rather than
    // hold their rows.
    let (replayed, to_sink) = mpsc::sync_channel::<Result<Page>>(workers + PAGES_AHEAD);
    let mut replayers = Vec::with_capacity(workers);
    for n in 0..workers {
        let (to_replay, replayed, defs) =
            (Arc::clone(&to_replay), replayed.clone(), Arc::clone(defs));
        let replayer = std::thread::Builder::new()
            .name(format!("varna-replay-{n}"))
            .spawn(move || replay_pages(&to_replay, &replayed, &defs))
            .map_err(|e| Error::Corrupt(format!("the replay could not start: {e}")))?;
        replayers.push(replayer);
    }
    drop((replayed, to_replay));
    let mut in_order = InOrder::default();
    let mut take = |page: Result<Page>| in_order.take(page?, &mut sink);
    let reader = match log {
        Log::Shared(conn) => {
            read_log(conn, |mut next| {
                // While the replays are still busy with the pages before,
                // sink the rows they have finished.
                loop {
                    match pages.try_send(next) {
                        Ok(()) => break,
                        Err(mpsc::TrySendError::Full(back)) => next = back,
                        // The replay stopped; its error is below.
                        Err(mpsc::TrySendError::Disconnected(_)) => return Ok(false),
                    }
                    match to_sink.recv() {
                        Ok(done) => take(done)?,
                        Err(_) => return Ok(false),
                    }
                }
                while let Ok(done) = to_sink.try_recv() {
                    take(done)?;
                }
                Ok(true)
            })?;
            drop(pages);
            None
        }
        Log::Own(conn) => Some(
            std::thread::Builder::new()
                .name("varna-read-log".into())
                .spawn(move || read_log(&conn, |page| Ok(pages.send(page).is_ok())))
                .map_err(|e| Error::Corrupt(format!("the replay could not start: {e}")))?,
        ),
    };
    let sunk = to_sink.iter().try_for_each(&mut take);
    // A sink that failed stops the replays, and they the reader.
    drop(to_sink);
    if let Some(reader) = reader {
        reader
            .join()
            .map_err(|_| Error::Corrupt("the reading of the log stopped".into()))??;
    }
    sunk?;
    let mut tallies = TallyDelta::default();
    for replayer in replayers {
        let counted = replayer
            .join()
            .map_err(|_| Error::Corrupt("the replay stopped".into()))??;
        for (key, n) in counted {
            tally::add(&mut tallies, [key], n);
        }
    }
    if !in_order.waiting.is_empty() {
        return Err(Error::Corrupt("the replay left a page out".into()));
    }
    Ok(tallies)
}

/// Reads the log of `conn` in case order (only the columns a replay
/// needs) and hands it over a page at a time, each with its place, until
/// `hand_over` answers false.
fn read_log(
    conn: &Connection,
    mut hand_over: impl FnMut((usize, Vec<LogEvent>)) -> Result<bool>,
) -> Result<()> {
    let mut statement = conn
        .prepare(
            "SELECT case_id, sequence, actor_id, actor_role, occurred_at, payload \
             FROM event ORDER BY case_id, sequence",
        )
        .map_err(failed)?;
    let mut rows = statement.raw_query();
    let mut page: Vec<LogEvent> = Vec::with_capacity(PAGE);
    let mut sent = 0;
    while let Some(r) = rows.next().map_err(failed)? {
        let event = event_row(r)?;
        // A page ends where a case does, once it is full.
        if page.len() >= PAGE && page.last().is_some_and(|e| e.case_id != event.case_id) {
            let full = std::mem::replace(&mut page, Vec::with_capacity(PAGE));
            if !hand_over((sent, full))? {
                return Ok(());
            }
            sent += 1;
        }
        page.push(event);
    }
    if !page.is_empty() {
        hand_over((sent, page))?;
    }
    Ok(())
}

/// One page replayed: its place in the log, its rows, its counts.
type Page = (usize, [Rows; 4], RebuildReport);

/// Pages put back in the log's order as they come from the replays.
#[derive(Default)]
struct InOrder {
    next: usize,
    waiting: std::collections::BTreeMap<usize, ([Rows; 4], RebuildReport)>,
    so_far: (u64, u64),
}

impl InOrder {
    /// Takes a replayed page; sinks it, and the pages after it that
    /// waited, once the pages before it are sunk.
    fn take(
        &mut self,
        (n, rows, counts): Page,
        sink: &mut impl FnMut(([Rows; 4], RebuildReport)) -> Result<()>,
    ) -> Result<()> {
        self.waiting.insert(n, (rows, counts));
        while let Some((rows, counts)) = self.waiting.remove(&self.next) {
            self.next += 1;
            self.so_far.0 += counts.cases;
            self.so_far.1 += counts.events;
            let (cases, events) = self.so_far;
            sink((rows, RebuildReport { cases, events }))?;
        }
        Ok(())
    }
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

/// A replay's thread: each page of whole cases it takes to rows, sent
/// back with the page's place and counts; a failure is sent too, so the
/// reader stops. The tallies of the cases it replayed.
fn replay_pages(
    pages: &Mutex<mpsc::Receiver<(usize, Vec<LogEvent>)>>,
    replayed: &mpsc::SyncSender<Result<Page>>,
    defs: &Definitions,
) -> Result<TallyDelta> {
    let mut tallies = TallyDelta::default();
    loop {
        let Ok((n, page)) = pages.lock().expect("never poisoned").recv() else {
            return Ok(tallies);
        };
        let page = replay_page(
            page,
            Replayed {
                tallies: std::mem::take(&mut tallies),
                ..Replayed::default()
            },
            defs,
        )
        .and_then(|so_far| so_far.finish(defs))
        .and_then(|(rows, counted, counts)| {
            tallies = counted;
            Ok((n, rows.in_place()?, counts))
        });
        let failed = page.is_err();
        // The reader stopped (its error is the one reported) or will stop.
        if replayed.send(page).is_err() || failed {
            return Ok(tallies);
        }
    }
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
