//! The walk over the events in case order: each page read by keyset, each
//! event checked against the one before it in its case and its own hash
//! recomputed: a version 1 event's over its payload (as stored first,
//! parsed only on a mismatch), a version 2 event's over its payload's
//! digest. A payload that is no longer the one written must be recorded by
//! a later disposal (`content_disposed`) in the case, with the hash the
//! event is verified by from then on and the digest of what is kept.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use varna_workflow::CONTENT_DISPOSED as DISPOSED;

use super::{Break, BreakKind, CasesWalked, PAGE, brk};
use crate::chain::{self, EventContent, GENESIS};
use crate::entities::event;
use crate::error::Result;
use varna_workflow::EventKind;

/// One event as the walk reads it, borrowed from the row it came in (an
/// ORM model, or a SQLite row read in place).
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventRow<'a> {
    pub(crate) case_id: &'a str,
    pub(crate) sequence: i64,
    pub(crate) global_seq: i64,
    pub(crate) event_type: &'a str,
    pub(crate) event_version: i32,
    pub(crate) payload: &'a str,
    pub(crate) payload_digest: Option<&'a str>,
    pub(crate) payload_salt: Option<&'a str>,
    pub(crate) actor_id: &'a str,
    pub(crate) actor_role: &'a str,
    pub(crate) occurred_at: DateTime<Utc>,
    pub(crate) recorded_at: DateTime<Utc>,
    pub(crate) prev_hash: &'a str,
    pub(crate) hash: &'a str,
}

impl<'a> From<&'a event::Model> for EventRow<'a> {
    fn from(m: &'a event::Model) -> Self {
        EventRow {
            case_id: &m.case_id,
            sequence: m.sequence,
            global_seq: m.global_seq,
            event_type: &m.event_type,
            event_version: m.event_version,
            payload: &m.payload,
            payload_digest: m.payload_digest.as_deref(),
            payload_salt: m.payload_salt.as_deref(),
            actor_id: &m.actor_id,
            actor_role: &m.actor_role,
            occurred_at: m.occurred_at,
            recorded_at: m.recorded_at,
            prev_hash: &m.prev_hash,
            hash: &m.hash,
        }
    }
}

/// The walk over every event in `(case_id, sequence)` order, one event at
/// a time: what it has counted, and where it stands.
#[derive(Debug, Default)]
pub(crate) struct Walk {
    pub(crate) events: u64,
    pub(crate) cases: u64,
    last: Option<Cursor>,
}

impl Walk {
    /// Checks the next event; the first break found.
    pub(crate) fn check(&mut self, row: &EventRow<'_>) -> Option<Break> {
        let mut cursor = match self.last.take() {
            Some(c) if c.case_id == row.case_id => c,
            previous => {
                if let Some(problem) = previous.as_ref().and_then(Cursor::unrecorded) {
                    return Some(problem);
                }
                self.cases += 1;
                Cursor {
                    case_id: row.case_id.to_owned(),
                    sequence: 0,
                    hash: GENESIS.to_owned(),
                    changed: Vec::new(),
                }
            }
        };
        if let Some(problem) = check_event(row, &mut cursor) {
            return Some(problem);
        }
        cursor.sequence = row.sequence;
        cursor.hash.clear();
        cursor.hash.push_str(row.hash);
        self.last = Some(cursor);
        self.events += 1;
        None
    }

    /// The break the walk ends on, once every event is checked: a change
    /// of content in its last case that no disposal recorded.
    pub(crate) fn finish(&self) -> Option<Break> {
        self.last.as_ref().and_then(Cursor::unrecorded)
    }

    /// What the walk counted, ended on `problem`.
    pub(crate) fn ended(&self, problem: Option<Break>) -> CasesWalked {
        CasesWalked {
            events: self.events,
            cases: self.cases,
            problem,
        }
    }
}

/// Where the walk stands: the last event checked, and the events of its
/// case whose payloads are no longer the ones they were written with,
/// waiting for the `content_disposed` event that records each change.
#[derive(Debug, Clone)]
struct Cursor {
    case_id: String,
    sequence: i64,
    hash: String,
    changed: Vec<Changed>,
}

/// An event whose stored payload differs from the one its hash covers.
#[derive(Debug, Clone)]
pub(super) struct Changed {
    sequence: i64,
    global_seq: i64,
    /// Its hash over the envelope and the digest of the payload written.
    sealed: String,
    /// The digest of the payload stored now.
    kept: String,
}

impl Cursor {
    /// The break a case ends on when one of its events changed content
    /// that no disposal recorded.
    fn unrecorded(&self) -> Option<Break> {
        self.changed.first().map(|c| {
            brk(
                BreakKind::ContentChanged,
                Some(&self.case_id),
                Some(c.sequence),
                Some(c.global_seq),
                "the payload the event was written with, or a disposal (gallring) recording the change".to_owned(),
                format!("a payload with digest {}", c.kept),
            )
        })
    }
}

/// Checks one event against the one before it in its case (`at`): its
/// sequence, its link to the previous hash, its own hash recomputed from
/// its content, and, for a disposal, that it records every change of
/// content the case's events show.
fn check_event(row: &EventRow<'_>, at: &mut Cursor) -> Option<Break> {
    let expected_seq = at.sequence + 1;
    if row.sequence != expected_seq {
        return Some(brk(
            BreakKind::EventMissing,
            Some(row.case_id),
            Some(expected_seq),
            None,
            format!("event {expected_seq}"),
            format!("event {}", row.sequence),
        ));
    }
    if row.prev_hash != at.hash {
        return Some(brk(
            BreakKind::ChainBroken,
            Some(row.case_id),
            Some(row.sequence),
            Some(row.global_seq),
            at.hash.clone(),
            row.prev_hash.to_owned(),
        ));
    }
    match content(row) {
        Err(problem) => return Some(problem),
        Ok(Some(changed)) => at.changed.push(changed),
        Ok(None) => {}
    }
    if row.event_type == DISPOSED {
        return check_disposal(row.case_id, row.sequence, row.payload, &mut at.changed);
    }
    None
}

/// What an event's content says on its own, apart from its place in its
/// case: its hash recomputes (`None`), or its payload is no longer the one
/// written and a later disposal in its case must record the change
/// (`Some`); `Err` when neither holds.
pub(super) fn content(row: &EventRow<'_>) -> Result<Option<Changed>, Break> {
    let changed = |sealed: String| Changed {
        sequence: row.sequence,
        global_seq: row.global_seq,
        sealed,
        kept: chain::content_digest(row.payload.as_bytes()),
    };
    let content_changed = |recomputed: String| {
        Err(brk(
            BreakKind::ContentChanged,
            Some(row.case_id),
            Some(row.sequence),
            Some(row.global_seq),
            recomputed,
            row.hash.to_owned(),
        ))
    };
    if row.event_version == chain::EVENT_VERSION_INLINE {
        let recomputed = recompute_inline(row);
        return match row.payload_digest {
            // Intact: a digest beside it was put there by someone else.
            Some(_) if recomputed == row.hash => {
                content_changed("no payload digest beside an intact payload".to_owned())
            }
            None if recomputed == row.hash => Ok(None),
            // A payload disposed of: the disposal recorded the event's
            // hash over the digest of the payload it had.
            Some(digest) => Ok(Some(changed(sealed_row(row, digest)))),
            None => content_changed(recomputed),
        };
    }
    let Some(digest) = row.payload_digest else {
        return content_changed("a payload digest".to_owned());
    };
    // Compared as bytes; written in hex only when it is reported or kept.
    let recomputed = sealed_digest(row, digest);
    if !chain::spells(row.hash, &recomputed) {
        return content_changed(chain::hash_text(&recomputed));
    }
    // Intact while its salt is there and the text hashes to the digest;
    // otherwise a disposal must record it.
    let intact = row
        .payload_salt
        .is_some_and(|salt| chain::payload_digest_is(digest, salt, row.payload));
    Ok((!intact).then(|| changed(chain::hash_text(&recomputed))))
}

/// Matches what a disposal event lists against the changes found before
/// it in its case (`changed`, each matched taken out): each listed event
/// changed, to exactly the payload kept. The disposal is event `sequence`
/// of case `case_id`, its payload `payload`.
pub(super) fn check_disposal(
    case_id: &str,
    sequence: i64,
    payload: &str,
    changed: &mut Vec<Changed>,
) -> Option<Break> {
    let listed = match serde_json::from_str::<EventKind>(payload) {
        Ok(EventKind::ContentDisposed { events, .. }) => events,
        _ => Vec::new(),
    };
    for entry in listed {
        let found = changed.iter().position(|c| {
            c.sequence == entry.sequence && c.sealed == entry.sealed && c.kept == entry.kept
        });
        match found {
            Some(i) => {
                changed.remove(i);
            }
            None => {
                let found = match changed.iter().find(|c| c.sequence == entry.sequence) {
                    None => "the payload it was written with, or no such event".to_owned(),
                    Some(c) if c.sealed != entry.sealed => {
                        "a changed envelope (who, when, what) or payload digest".to_owned()
                    }
                    Some(c) => format!("a payload with digest {}", c.kept),
                };
                return Some(brk(
                    BreakKind::ContentChanged,
                    Some(case_id),
                    Some(entry.sequence),
                    None,
                    format!(
                        "the event as the disposal in event {} records it (payload kept: {})",
                        sequence, entry.kept
                    ),
                    found,
                ));
            }
        }
    }
    None
}

/// A version 2 hash of `row`'s envelope over `digest`.
pub(crate) fn sealed(row: &event::Model, digest: &str) -> String {
    sealed_row(&row.into(), digest)
}

fn sealed_row(row: &EventRow<'_>, digest: &str) -> String {
    chain::hash_text(&sealed_digest(row, digest))
}

fn sealed_digest(row: &EventRow<'_>, digest: &str) -> [u8; 32] {
    let unread = serde_json::Value::Null;
    chain::event_digest(
        row.prev_hash,
        &chain::canonical_sealed(&envelope(row, &unread), digest),
    )
}

fn envelope<'a>(row: &EventRow<'a>, payload: &'a serde_json::Value) -> EventContent<'a> {
    EventContent {
        case_id: row.case_id,
        sequence: row.sequence,
        event_type: row.event_type,
        event_version: row.event_version,
        payload,
        actor_id: row.actor_id,
        actor_role: row.actor_role,
        occurred_at: row.occurred_at,
        recorded_at: row.recorded_at,
    }
}

/// One page of events in `(case_id, sequence)` order, after `cursor`
/// (keyset paging, so memory stays flat however large the log).
pub(crate) async fn events_in_case_order(
    db: &impl ConnectionTrait,
    cursor: Option<&(String, i64)>,
) -> Result<Vec<event::Model>> {
    let mut query = event::Entity::find();
    if let Some((case_id, sequence)) = cursor {
        // A row value, which PostgreSQL starts an index scan at; the same
        // condition spelt with OR made it scan the index from the first
        // event for every page (quadratic in the size of the log).
        query = query.filter(
            Expr::tuple([
                Expr::col(event::Column::CaseId),
                Expr::col(event::Column::Sequence),
            ])
            .gt(Expr::tuple([
                Expr::value(case_id.clone()),
                Expr::value(*sequence),
            ])),
        );
    }
    Ok(query
        .order_by_asc(event::Column::CaseId)
        .order_by_asc(event::Column::Sequence)
        .limit(PAGE)
        .all(db)
        .await?)
}

/// A version 1 event's hash over its payload as stored.
fn recompute_inline(row: &EventRow<'_>) -> String {
    // The payload is stored as canonical JSON: hashed as it lies, it gives
    // the stored hash, unless something changed (then it is parsed, and the
    // hash of its canonical form is what is reported).
    let unparsed = serde_json::Value::Null;
    let stored = envelope(row, &unparsed);
    let fast = chain::event_hash(
        row.prev_hash,
        &chain::canonical_stored(&stored, row.payload),
    );
    if fast == row.hash {
        return fast;
    }
    let payload: serde_json::Value = match serde_json::from_str(row.payload) {
        Ok(p) => p,
        // Unparseable payload: hash its text so the mismatch is reported, not an error.
        Err(_) => serde_json::Value::String(row.payload.to_owned()),
    };
    chain::event_hash(row.prev_hash, &chain::canonical(&envelope(row, &payload)))
}
