//! The walk over the events in case order: each page read by keyset, each
//! event checked against the one before it in its case and its own hash
//! recomputed: a version 1 event's over its payload (as stored first,
//! parsed only on a mismatch), a version 2 event's over its payload's
//! digest. A payload that is no longer the one written must be recorded by
//! a later disposal (`content_disposed`) in the case, with the hash the
//! event is verified by from then on and the digest of what is kept.

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use varna_workflow::CONTENT_DISPOSED as DISPOSED;

use super::{Break, BreakKind, PAGE, brk};
use crate::chain::{self, EventContent, GENESIS};
use crate::entities::event;
use crate::error::Result;
use varna_workflow::EventKind;

/// What checking one page of events in case order found.
pub(super) struct PageChecked {
    pub(super) events: u64,
    pub(super) cases: u64,
    /// Where the page ended: its last event's case, sequence and hash.
    pub(super) last: Option<Cursor>,
    pub(super) problem: Option<Break>,
}

/// Where the walk stands: the last event checked, and the events of its
/// case whose payloads are no longer the ones they were written with,
/// waiting for the `content_disposed` event that records each change.
#[derive(Debug, Clone)]
pub(super) struct Cursor {
    pub(super) case_id: String,
    pub(super) sequence: i64,
    pub(super) hash: String,
    changed: Vec<Changed>,
}

/// An event whose stored payload differs from the one its hash covers.
#[derive(Debug, Clone)]
struct Changed {
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
    pub(super) fn unrecorded(&self) -> Option<Break> {
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

/// Checks a page of events in `(case_id, sequence)` order, following on
/// from `last`, the previous page's last event.
pub(super) fn check_page(rows: &[event::Model], mut last: Option<Cursor>) -> Result<PageChecked> {
    let mut checked = PageChecked {
        events: 0,
        cases: 0,
        last: None,
        problem: None,
    };
    for row in rows {
        let mut cursor = match last.take() {
            Some(c) if c.case_id == row.case_id => c,
            previous => {
                if let Some(problem) = previous.as_ref().and_then(Cursor::unrecorded) {
                    checked.problem = Some(problem);
                    return Ok(checked);
                }
                checked.cases += 1;
                Cursor {
                    case_id: row.case_id.clone(),
                    sequence: 0,
                    hash: GENESIS.to_owned(),
                    changed: Vec::new(),
                }
            }
        };
        if let Some(problem) = check_event(row, &mut cursor)? {
            checked.problem = Some(problem);
            return Ok(checked);
        }
        cursor.sequence = row.sequence;
        cursor.hash.clone_from(&row.hash);
        last = Some(cursor);
        checked.events += 1;
    }
    checked.last = last;
    Ok(checked)
}

/// Checks one event against the one before it in its case (`at`): its
/// sequence, its link to the previous hash, its own hash recomputed from
/// its content, and, for a disposal, that it records every change of
/// content the case's events show.
fn check_event(row: &event::Model, at: &mut Cursor) -> Result<Option<Break>> {
    let expected_seq = at.sequence + 1;
    if row.sequence != expected_seq {
        return Ok(Some(brk(
            BreakKind::EventMissing,
            Some(&row.case_id),
            Some(expected_seq),
            None,
            format!("event {expected_seq}"),
            format!("event {}", row.sequence),
        )));
    }
    if row.prev_hash != at.hash {
        return Ok(Some(brk(
            BreakKind::ChainBroken,
            Some(&row.case_id),
            Some(row.sequence),
            Some(row.global_seq),
            at.hash.clone(),
            row.prev_hash.clone(),
        )));
    }
    let changed = |sealed: String| Changed {
        sequence: row.sequence,
        global_seq: row.global_seq,
        sealed,
        kept: chain::content_digest(row.payload.as_bytes()),
    };
    let content_changed = |recomputed: String| {
        Ok(Some(brk(
            BreakKind::ContentChanged,
            Some(&row.case_id),
            Some(row.sequence),
            Some(row.global_seq),
            recomputed,
            row.hash.clone(),
        )))
    };
    if row.event_version == chain::EVENT_VERSION_INLINE {
        let recomputed = recompute_inline(row)?;
        match &row.payload_digest {
            // Intact: a digest beside it was put there by someone else.
            Some(_) if recomputed == row.hash => {
                return content_changed("no payload digest beside an intact payload".to_owned());
            }
            None if recomputed == row.hash => {}
            // A payload disposed of: the disposal recorded the event's
            // hash over the digest of the payload it had.
            Some(digest) => at.changed.push(changed(sealed(row, digest))),
            None => return content_changed(recomputed),
        }
    } else {
        let Some(digest) = &row.payload_digest else {
            return content_changed("a payload digest".to_owned());
        };
        let recomputed = sealed(row, digest);
        if recomputed != row.hash {
            return content_changed(recomputed);
        }
        // Intact while its salt is there and the text hashes to the digest;
        // otherwise a disposal must record it.
        let intact = row
            .payload_salt
            .as_deref()
            .is_some_and(|salt| chain::payload_digest(salt, &row.payload) == *digest);
        if !intact {
            at.changed.push(changed(recomputed));
        }
    }
    if row.event_type == DISPOSED
        && let Some(problem) = check_disposal(row, at)
    {
        return Ok(Some(problem));
    }
    Ok(None)
}

/// Matches what a disposal event lists against the changes found before
/// it in its case: each listed event changed, to exactly the payload kept.
fn check_disposal(row: &event::Model, at: &mut Cursor) -> Option<Break> {
    let listed = match serde_json::from_str::<EventKind>(&row.payload) {
        Ok(EventKind::ContentDisposed { events, .. }) => events,
        _ => Vec::new(),
    };
    for entry in listed {
        let found = at.changed.iter().position(|c| {
            c.sequence == entry.sequence && c.sealed == entry.sealed && c.kept == entry.kept
        });
        match found {
            Some(i) => {
                at.changed.remove(i);
            }
            None => {
                let found = match at.changed.iter().find(|c| c.sequence == entry.sequence) {
                    None => "the payload it was written with, or no such event".to_owned(),
                    Some(c) if c.sealed != entry.sealed => {
                        "a changed envelope (who, when, what) or payload digest".to_owned()
                    }
                    Some(c) => format!("a payload with digest {}", c.kept),
                };
                return Some(brk(
                    BreakKind::ContentChanged,
                    Some(&row.case_id),
                    Some(entry.sequence),
                    None,
                    format!(
                        "the event as the disposal in event {} records it (payload kept: {})",
                        row.sequence, entry.kept
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
    let unread = serde_json::Value::Null;
    chain::event_hash(
        &row.prev_hash,
        &chain::canonical_sealed(&envelope(row, &unread), digest),
    )
}

fn envelope<'a>(row: &'a event::Model, payload: &'a serde_json::Value) -> EventContent<'a> {
    EventContent {
        case_id: &row.case_id,
        sequence: row.sequence,
        event_type: &row.event_type,
        event_version: row.event_version,
        payload,
        actor_id: &row.actor_id,
        actor_role: &row.actor_role,
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
        query = query.filter(
            Condition::any()
                .add(event::Column::CaseId.gt(case_id.clone()))
                .add(
                    Condition::all()
                        .add(event::Column::CaseId.eq(case_id.clone()))
                        .add(event::Column::Sequence.gt(*sequence)),
                ),
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
fn recompute_inline(row: &event::Model) -> Result<String> {
    // The payload is stored as canonical JSON: hashed as it lies, it gives
    // the stored hash, unless something changed (then it is parsed, and the
    // hash of its canonical form is what is reported).
    let unparsed = serde_json::Value::Null;
    let stored = envelope(row, &unparsed);
    let fast = chain::event_hash(
        &row.prev_hash,
        &chain::canonical_stored(&stored, &row.payload),
    );
    if fast == row.hash {
        return Ok(fast);
    }
    let payload: serde_json::Value = match serde_json::from_str(&row.payload) {
        Ok(p) => p,
        // Unparseable payload: hash its text so the mismatch is reported, not an error.
        Err(_) => serde_json::Value::String(row.payload.clone()),
    };
    Ok(chain::event_hash(
        &row.prev_hash,
        &chain::canonical(&envelope(row, &payload)),
    ))
}
