//! One pass over the event log that proves it whole, or says it cannot.
//! The events are read once, in global order: a SQLite file in the order
//! they were written (the table's own order: each page once, first to
//! last, in one read transaction; [`file`]), PostgreSQL as one binary
//! `COPY` in global order in one snapshot ([`copy`]). On the way every
//! event's hash is recomputed from its content on as many threads as there
//! are cores, every case's chain and the global chain are followed link by
//! link, and at the end the signed checkpoints and the head are checked.
//! The walks in case order and in global order (passes 1 and 2) each read
//! the whole log; this reads it once.
//!
//! It never names a break. Anything it cannot prove — a broken link, a
//! changed payload, events stored out of the global chain's order, a case
//! id that is not a UUID — ends it with [`Sweep::Unsure`], and the walks
//! then run as they always did to find the first break and name it. What
//! it keeps while it runs: each case's last sequence and hash (56 bytes a
//! case), and the disposed payloads waiting for the disposal that records
//! them.

mod copy;
mod file;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Mutex, OnceLock, PoisonError};

use chrono::{DateTime, Utc};
use sea_orm::sqlx::postgres::PgPool;
use varna_workflow::CONTENT_DISPOSED as DISPOSED;

use super::Shared;
use super::walk::{Changed, EventRow, check_disposal, content};
use crate::chain::checkpoint::Checkpoint;
use crate::chain::{self, GENESIS};
use crate::error::{Error, Result};
use crate::in_place::parse_time;

/// The log the pass reads.
#[derive(Debug, Clone)]
pub(super) enum Source {
    /// A SQLite file, read in place.
    File(PathBuf),
    /// A PostgreSQL database, read on the runtime its pool belongs to.
    Postgres(PgPool, tokio::runtime::Handle),
}

/// What the one pass found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sweep {
    /// Both chains whole, every event's content intact or its disposal
    /// recorded, the head and the checkpoints where they should be, and
    /// one case row for each case in the log and no other (pass 3's
    /// first two checks).
    Whole {
        /// Events checked.
        events: u64,
        /// Cases checked.
        cases: u64,
    },
    /// Not proven, and why (no case content: for the log).
    Unsure(&'static str),
}

/// Why the pass cannot prove the log whole (`Err`), or what it proved.
type Proof<T> = std::result::Result<T, &'static str>;

/// Rows in a batch handed to a hashing thread.
const BATCH: usize = 1024;

/// Batches queued for each hashing thread.
const QUEUE: usize = 8;

/// The columns of a row, read in this order.
const COLUMNS: &str = "case_id, sequence, global_seq, event_type, event_version, payload, \
     payload_digest, payload_salt, actor_id, actor_role, occurred_at, recorded_at, prev_hash, \
     hash, global_hash";

/// Where the number columns and the time columns of [`COLUMNS`] are.
const NUMBERS: [usize; 3] = [1, 2, 4];
const TIMES: [usize; 2] = [10, 11];

/// One value of a row as a reader found it.
#[derive(Debug, Clone, Copy)]
enum Cell<'r> {
    Null,
    Text(&'r [u8]),
    Int(i64),
    /// A time as microseconds since 1970 (UTC).
    Micros(i64),
    /// A value of a type no column of the log holds.
    Other,
}

/// Where a text lies in its batch's bytes.
#[derive(Debug, Clone, Copy)]
struct Span(u32, u32);

impl Span {
    fn range(self) -> std::ops::Range<usize> {
        self.0 as usize..self.1 as usize
    }
}

/// A time as a reader found it: a text to parse, or microseconds since
/// 1970 (UTC).
#[derive(Debug, Clone, Copy)]
enum When {
    Text(Span),
    Micros(i64),
}

/// One row of a batch: its numbers, and where its texts lie.
#[derive(Debug, Clone, Copy)]
struct Fields {
    case_id: Span,
    sequence: i64,
    global_seq: i64,
    event_type: Span,
    event_version: i32,
    payload: Span,
    payload_digest: Option<Span>,
    payload_salt: Option<Span>,
    actor_id: Span,
    actor_role: Span,
    occurred_at: When,
    recorded_at: When,
    prev_hash: Span,
    hash: Span,
    global_hash: Span,
}

/// Rows as read, their texts one after the other in `bytes`; `prev` is
/// the global hash stored in the row before the first.
#[derive(Debug, Default)]
struct Batch {
    bytes: Vec<u8>,
    rows: Vec<Fields>,
    prev: String,
}

impl Batch {
    /// The global hash stored in its last row (`prev` while it has none).
    fn last_global_hash(&self) -> &[u8] {
        self.rows.last().map_or(self.prev.as_bytes(), |row| {
            &self.bytes[row.global_hash.range()]
        })
    }
}

/// A batch whose bytes were found to be UTF-8, so its texts can be read.
#[derive(Debug)]
struct Checked {
    text: String,
    rows: Vec<Fields>,
    /// What the hashing thread found, or why it could not prove the batch.
    hashed: Proof<Hashed>,
}

/// What a hashing thread found in a batch whose every row's own hash and
/// global link recompute.
#[derive(Debug, Default)]
struct Hashed {
    /// Each row's link in its case's chain, in the batch's order.
    links: Vec<Link>,
    /// The rows whose payloads are no longer the ones written (by index).
    changed: Vec<(usize, Changed)>,
}

/// A row's link in its case's chain, in bytes, as the collector follows
/// it: its case (as [`case_key`]'s number), the hash stored before it in
/// its case, and its own. Each stored hash is read from hex once.
#[derive(Debug, Clone, Copy)]
struct Link {
    key: u128,
    prev: [u8; 32],
    hash: [u8; 32],
}

fn field(text: &str, span: Span) -> Proof<&str> {
    text.get(span.range()).ok_or("an event's text is not UTF-8")
}

/// A batch for a hashing thread, and where its answer goes.
struct Job {
    batch: Batch,
    answer: SyncSender<Checked>,
}

/// The one pass over the log at `source`, against `checkpoints`; its
/// progress (events checked) in `shared.cases_walked`.
pub(super) fn sweep(source: &Source, checkpoints: &[Checkpoint], shared: &Shared) -> Result<Sweep> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    // The first reason found; then every thread stops.
    let why = OnceLock::new();
    let stop = AtomicBool::new(false);
    let give_up = &|reason: &'static str| {
        let _ = why.set(reason);
        stop.store(true, Ordering::Relaxed);
    };
    // Room for a few batches (a MiB each) per thread, so that none waits
    // for another's turn on a core.
    let (work, jobs) = sync_channel::<Job>(workers * QUEUE);
    let jobs = Mutex::new(jobs);
    let (order, answers) = sync_channel::<Receiver<Checked>>(workers * QUEUE * 2);
    let (spare, spares) = sync_channel::<Batch>(workers * QUEUE * 2);
    let (stop, why) = (&stop, &why);
    let (read, collected) = std::thread::scope(|s| {
        let hashers = (0..workers)
            .filter(|i| {
                let jobs = &jobs;
                std::thread::Builder::new()
                    .name(format!("varna-hash-{i}"))
                    .spawn_scoped(s, move || hash_batches(jobs, stop))
                    .is_ok()
            })
            .count();
        if hashers == 0 {
            give_up("no hashing thread could be started");
            return (Ok(Err("no hashing thread")), Err("no hashing thread"));
        }
        let reader = std::thread::Builder::new()
            .name("varna-sweep".into())
            .spawn_scoped(s, move || {
                let out = Out::new(checkpoints, (work, order), &spares, stop);
                let read = match source {
                    Source::File(path) => file::read(path, out),
                    Source::Postgres(pool, runtime) => runtime.block_on(copy::read(pool, out)),
                };
                if let Ok(Err(reason)) = read {
                    give_up(reason);
                }
                read
            });
        let collected = collect(&answers, &spare, shared);
        if let Err(reason) = collected {
            give_up(reason);
        }
        // What is still queued is not waited for.
        drop(answers);
        let read = match reader {
            Ok(reader) => reader
                .join()
                .unwrap_or_else(|_| Err(Error::Corrupt("reading the log stopped".into()))),
            Err(e) => Err(Error::Corrupt(format!(
                "reading the log did not start: {e}"
            ))),
        };
        (read, collected)
    });
    Ok(match (read?, collected) {
        (Ok((events, rows)), Ok((checked, cases))) if events == checked => {
            // Every case row names a case in the log, and there are as
            // many of them: each case has its row and nothing more.
            if rows.len() == cases.len() && rows.iter().all(|id| cases.contains_key(id)) {
                let cases = u64::try_from(cases.len()).unwrap_or(u64::MAX);
                Sweep::Whole { events, cases }
            } else {
                Sweep::Unsure("the case rows are not the cases in the log")
            }
        }
        _ => Sweep::Unsure(
            why.get()
                .copied()
                .unwrap_or("fewer events were checked than read"),
        ),
    })
}

/// What a reader read: the events, and the ids of the case rows (as
/// [`case_key`] numbers) in the same snapshot.
type Read = Proof<(u64, Vec<u128>)>;

/// Where a reader puts the rows it reads, in global order: batches sent
/// to a hashing thread, each answer's receiver sent, in order, to the
/// collector. On the way it checks that the global sequences run 1, 2, 3,
/// … and that each checkpoint's head is the global hash stored at its
/// size, and at the end that the head is the last event's.
struct Out<'a> {
    work: SyncSender<Job>,
    order: SyncSender<Receiver<Checked>>,
    spares: &'a Receiver<Batch>,
    stop: &'a AtomicBool,
    batch: Batch,
    read: i64,
    pending: std::iter::Peekable<std::vec::IntoIter<&'a Checkpoint>>,
}

impl<'a> Out<'a> {
    fn new(
        checkpoints: &'a [Checkpoint],
        (work, order): (SyncSender<Job>, SyncSender<Receiver<Checked>>),
        spares: &'a Receiver<Batch>,
        stop: &'a AtomicBool,
    ) -> Self {
        let mut pending: Vec<&Checkpoint> = checkpoints.iter().filter(|c| c.size > 0).collect();
        pending.sort_by_key(|c| c.size);
        Out {
            work,
            order,
            spares,
            stop,
            batch: Batch {
                prev: GENESIS.to_owned(),
                ..Batch::default()
            },
            read: 0,
            pending: pending.into_iter().peekable(),
        }
    }

    /// The next row, its values by their place in [`COLUMNS`].
    fn push<'r>(&mut self, cell: impl Fn(usize) -> Cell<'r>) -> Proof<()> {
        let row = push_row(&mut self.batch.bytes, cell)?;
        self.read += 1;
        if row.global_seq != self.read {
            return Err("the events are not stored in the global chain's order");
        }
        let global_hash = &self.batch.bytes[row.global_hash.range()];
        let read = self.read.unsigned_abs();
        while let Some(cp) = self.pending.next_if(|c| c.size == read) {
            if cp.head.as_bytes() != global_hash {
                return Err("the chain does not reach a signed checkpoint's head");
            }
        }
        self.batch.rows.push(row);
        if self.batch.rows.len() < BATCH {
            return Ok(());
        }
        if self.stop.load(Ordering::Relaxed) {
            return Err("the checking stopped");
        }
        let prev = String::from_utf8_lossy(self.batch.last_global_hash());
        let mut next = self.spares.try_recv().unwrap_or_default();
        next.bytes.clear();
        next.rows.clear();
        next.prev.clear();
        next.prev.push_str(&prev);
        let full = std::mem::replace(&mut self.batch, next);
        self.send(full)
    }

    fn send(&self, batch: Batch) -> Proof<()> {
        let (answer, answered) = sync_channel(1);
        self.work
            .send(Job { batch, answer })
            .map_err(|_| "a hashing thread stopped")?;
        self.order
            .send(answered)
            .map_err(|_| "the checking stopped")
    }

    /// After the last row: sends the rows not yet sent, and checks that
    /// `head`, read in the same snapshot, is the last event's. The events
    /// read.
    fn finish(mut self, head: Option<(i64, String)>) -> Proof<u64> {
        let batch = std::mem::take(&mut self.batch);
        let last = batch.last_global_hash().to_vec();
        if !batch.rows.is_empty() {
            self.send(batch)?;
        }
        if self.pending.next().is_some() {
            return Err("a signed checkpoint lies past the last event");
        }
        match head {
            Some((seq, hash)) if seq == self.read && hash.as_bytes() == last => {
                Ok(self.read.unsigned_abs())
            }
            _ => Err("the chain does not end at the recorded head"),
        }
    }
}

/// Appends one row's texts to `bytes`: where each lies, and its numbers.
fn push_row<'r>(bytes: &mut Vec<u8>, cell: impl Fn(usize) -> Cell<'r>) -> Proof<Fields> {
    let mut text = |value: Cell<'r>| -> Proof<Option<Span>> {
        match value {
            Cell::Text(t) => {
                let from = bytes.len();
                bytes.extend_from_slice(t);
                match (u32::try_from(from), u32::try_from(bytes.len())) {
                    (Ok(from), Ok(to)) => Ok(Some(Span(from, to))),
                    _ => Err("an event too large to check in one pass"),
                }
            }
            Cell::Null => Ok(None),
            _ => Err("an event's text column holds something else"),
        }
    };
    let mut texts = [None; 15];
    for (i, slot) in texts.iter_mut().enumerate() {
        if !NUMBERS.contains(&i) && !TIMES.contains(&i) {
            *slot = text(cell(i))?;
        }
    }
    let mut when = |i: usize| -> Proof<When> {
        match cell(i) {
            Cell::Micros(m) => Ok(When::Micros(m)),
            value => text(value)?.map(When::Text).ok_or("an event lacks a value"),
        }
    };
    let (occurred_at, recorded_at) = (when(TIMES[0])?, when(TIMES[1])?);
    let number = |i: usize| -> Proof<i64> {
        match cell(i) {
            Cell::Int(n) => Ok(n),
            _ => Err("an event's number column holds something else"),
        }
    };
    let [sequence, global_seq, version] = NUMBERS;
    let (sequence, global_seq, version) =
        (number(sequence)?, number(global_seq)?, number(version)?);
    let required = |i: usize| -> Proof<Span> { texts[i].ok_or("an event lacks a value") };
    Ok(Fields {
        case_id: required(0)?,
        sequence,
        global_seq,
        event_type: required(3)?,
        event_version: i32::try_from(version).map_err(|_| "an event version out of range")?,
        payload: required(5)?,
        payload_digest: texts[6],
        payload_salt: texts[7],
        actor_id: required(8)?,
        actor_role: required(9)?,
        occurred_at,
        recorded_at,
        prev_hash: required(12)?,
        hash: required(13)?,
        global_hash: required(14)?,
    })
}

/// A hashing thread: takes batches until the reader is done, answering
/// each (a batch it failed on with `Err`), so nothing waits for it.
fn hash_batches(jobs: &Mutex<Receiver<Job>>, stop: &AtomicBool) {
    // Each event's envelope is written here, one buffer for the thread.
    let mut scratch = Vec::with_capacity(1024);
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(Job { batch, answer }) = job else {
            return;
        };
        if stop.load(Ordering::Relaxed) {
            continue;
        }
        let checked = match String::from_utf8(batch.bytes) {
            Ok(text) => {
                let hashed = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    check_batch(&text, &batch.rows, &batch.prev, &mut scratch)
                }))
                .unwrap_or(Err("a hashing thread failed"));
                Checked {
                    text,
                    rows: batch.rows,
                    hashed,
                }
            }
            Err(_) => Checked {
                text: String::new(),
                rows: batch.rows,
                hashed: Err("an event's text is not UTF-8"),
            },
        };
        // The collector may have stopped; then no one waits for it.
        let _ = answer.send(checked);
    }
}

/// Each row's own hash recomputed from its content, and its global link
/// from the global hash stored before it (`prev` for the first): each
/// row's link in its case's chain, and the rows whose payloads changed,
/// which a disposal must record.
fn check_batch(text: &str, rows: &[Fields], prev: &str, scratch: &mut Vec<u8>) -> Proof<Hashed> {
    let mut prev_global = digest(prev)?;
    let mut hashed = Hashed {
        links: Vec::with_capacity(rows.len()),
        changed: Vec::new(),
    };
    let time = |when: When| -> Proof<DateTime<Utc>> {
        match when {
            When::Text(span) => parse_time(field(text, span)?),
            When::Micros(micros) => DateTime::from_timestamp_micros(micros),
        }
        .ok_or("an event's time is not a time")
    };
    for (i, f) in rows.iter().enumerate() {
        let optional = |span: Option<Span>| span.map(|s| field(text, s)).transpose();
        let row = EventRow {
            case_id: field(text, f.case_id)?,
            sequence: f.sequence,
            global_seq: f.global_seq,
            event_type: field(text, f.event_type)?,
            event_version: f.event_version,
            payload: field(text, f.payload)?,
            payload_digest: optional(f.payload_digest)?,
            payload_salt: optional(f.payload_salt)?,
            actor_id: field(text, f.actor_id)?,
            actor_role: field(text, f.actor_role)?,
            occurred_at: time(f.occurred_at)?,
            recorded_at: time(f.recorded_at)?,
            prev_hash: field(text, f.prev_hash)?,
            hash: field(text, f.hash)?,
        };
        let link = Link {
            key: case_key(row.case_id)?,
            prev: digest(row.prev_hash)?,
            hash: digest(row.hash)?,
        };
        if !sealed_intact(&row, &link, scratch) {
            // Anything but the usual event, checked as the walks check it.
            match content(&row) {
                Err(_) => return Err("an event's hash does not recompute from its content"),
                Ok(Some(c)) => hashed.changed.push((i, c)),
                Ok(None) => {}
            }
        }
        let global_hash = digest(field(text, f.global_hash)?)?;
        if chain::link_digest(&prev_global, &link.hash) != global_hash {
            return Err("a global link does not recompute");
        }
        prev_global = global_hash;
        hashed.links.push(link);
    }
    Ok(hashed)
}

/// Whether `row` is the usual event: a version 2 event whose hash
/// recomputes from its content and whose payload is still the one its
/// digest covers, proven from the hashes' bytes without making any text.
/// Whatever else it is, [`content`] tells.
fn sealed_intact(row: &EventRow<'_>, link: &Link, scratch: &mut Vec<u8>) -> bool {
    let (Some(digest), Some(salt)) = (row.payload_digest, row.payload_salt) else {
        return false;
    };
    if row.event_version != chain::EVENT_VERSION {
        return false;
    }
    let envelope = chain::EventContent {
        case_id: row.case_id,
        sequence: row.sequence,
        event_type: row.event_type,
        event_version: row.event_version,
        payload: &serde_json::Value::Null,
        actor_id: row.actor_id,
        actor_role: row.actor_role,
        occurred_at: row.occurred_at,
        recorded_at: row.recorded_at,
    };
    chain::sealed_event_digest(&link.prev, &envelope, digest, scratch) == link.hash
        && chain::payload_digest_is(digest, salt, row.payload)
}

/// Each case's last event, by its id as a number ([`case_key`]).
type Cases = HashMap<u128, Last, foldhash::fast::RandomState>;

/// A case's last event so far: its sequence and hash.
#[derive(Debug, Clone, Copy)]
struct Last {
    sequence: i64,
    hash: [u8; 32],
}

/// Takes the checked batches in the order they were read and follows each
/// case's chain through them: sequences 1, 2, 3, …, each event linked to
/// the one before, each changed payload recorded by a later disposal in
/// its case. The events checked, and each case's last.
fn collect(
    answers: &Receiver<Receiver<Checked>>,
    spare: &SyncSender<Batch>,
    shared: &Shared,
) -> Proof<(u64, Cases)> {
    let mut cases = Cases::default();
    let genesis = digest(GENESIS)?;
    let mut waiting: HashMap<u128, Vec<Changed>, foldhash::fast::RandomState> = HashMap::default();
    let mut events: u64 = 0;
    for answer in answers {
        let Checked { text, rows, hashed } =
            answer.recv().map_err(|_| "a hashing thread stopped")?;
        let Hashed { links, changed } = hashed?;
        if links.len() != rows.len() {
            return Err("a hashing thread left rows out");
        }
        let mut changed = changed.into_iter().peekable();
        for (i, (f, link)) in rows.iter().zip(&links).enumerate() {
            let key = link.key;
            match cases.entry(key) {
                Entry::Occupied(mut last) => {
                    let last = last.get_mut();
                    if f.sequence != last.sequence + 1 || link.prev != last.hash {
                        return Err("a case's chain skips an event or does not link");
                    }
                    *last = Last {
                        sequence: f.sequence,
                        hash: link.hash,
                    };
                }
                Entry::Vacant(first) => {
                    if f.sequence != 1 || link.prev != genesis {
                        return Err("a case's chain does not start at its first event");
                    }
                    first.insert(Last {
                        sequence: 1,
                        hash: link.hash,
                    });
                }
            }
            while let Some((_, c)) = changed.next_if(|(row, _)| *row == i) {
                waiting.entry(key).or_default().push(c);
            }
            if field(&text, f.event_type)? == DISPOSED {
                let case_id = field(&text, f.case_id)?;
                let open = waiting.entry(key).or_default();
                if check_disposal(case_id, f.sequence, field(&text, f.payload)?, open).is_some() {
                    return Err("a disposal does not record the changes before it");
                }
                if open.is_empty() {
                    waiting.remove(&key);
                }
            }
            events += 1;
        }
        shared.cases_walked.store(events, Ordering::Relaxed);
        let _ = spare.try_send(Batch {
            bytes: text.into_bytes(),
            rows,
            prev: String::new(),
        });
    }
    if waiting.values().any(|open| !open.is_empty()) {
        return Err("a changed payload that no disposal records");
    }
    Ok((events, cases))
}

const NOT_A_UUID: &str = "a case id that is not a UUID in its usual form";

/// A case row's id, as stored, as a number ([`case_key`]).
fn id_key(id: &[u8]) -> Proof<u128> {
    std::str::from_utf8(id).map_or(Err(NOT_A_UUID), case_key)
}

/// A case id as a number: only a UUID in its usual form (as the store
/// writes every case id), so that one number is one id.
fn case_key(case_id: &str) -> Proof<u128> {
    let not = NOT_A_UUID;
    // 36 characters parse only as the hyphenated form; lower case makes
    // the text the number's one spelling.
    if case_id.len() != uuid::fmt::Hyphenated::LENGTH
        || case_id.bytes().any(|b| b.is_ascii_uppercase())
    {
        return Err(not);
    }
    uuid::Uuid::try_parse(case_id)
        .map(|id| id.as_u128())
        .map_err(|_| not)
}

/// The 32 bytes a stored hash spells.
fn digest(hex: &str) -> Proof<[u8; 32]> {
    chain::hash_bytes(hex).ok_or("a hash that is not 64 lower-case hex digits")
}
