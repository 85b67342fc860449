//! The walk over the events in case order: each page read by keyset, each
//! event checked against the one before it in its case and its own hash
//! recomputed (from the payload as stored first, parsed only on a
//! mismatch).

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{Break, BreakKind, PAGE, brk};
use crate::chain::{self, EventContent, GENESIS};
use crate::entities::event;
use crate::error::Result;

/// What checking one page of events in case order found.
pub(super) struct PageChecked {
    pub(super) events: u64,
    pub(super) cases: u64,
    /// The page's last event: case, sequence and hash.
    pub(super) last: Option<(String, i64, String)>,
    pub(super) problem: Option<Break>,
}

/// Checks a page of events in `(case_id, sequence)` order, following on
/// from `last`, the previous page's last event.
pub(super) fn check_page(
    rows: &[event::Model],
    mut last: Option<(String, i64, String)>,
) -> Result<PageChecked> {
    let mut checked = PageChecked {
        events: 0,
        cases: 0,
        last: None,
        problem: None,
    };
    for row in rows {
        let (expected_seq, expected_prev) = match &last {
            Some((case, seq, hash)) if *case == row.case_id => (seq + 1, hash.clone()),
            _ => {
                checked.cases += 1;
                (1, GENESIS.to_owned())
            }
        };
        if let Some(problem) = check_event(row, expected_seq, &expected_prev)? {
            checked.problem = Some(problem);
            return Ok(checked);
        }
        last = Some((row.case_id.clone(), row.sequence, row.hash.clone()));
        checked.events += 1;
    }
    checked.last = last;
    Ok(checked)
}

/// Checks one event against its predecessor in the case: its sequence, its
/// link to the previous hash, and its own hash recomputed from its content.
pub(super) fn check_event(
    row: &event::Model,
    expected_seq: i64,
    expected_prev: &str,
) -> Result<Option<Break>> {
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
    if row.prev_hash != expected_prev {
        return Ok(Some(brk(
            BreakKind::ChainBroken,
            Some(&row.case_id),
            Some(row.sequence),
            Some(row.global_seq),
            expected_prev,
            row.prev_hash.clone(),
        )));
    }
    let recomputed = recompute(row)?;
    if recomputed != row.hash {
        return Ok(Some(brk(
            BreakKind::ContentChanged,
            Some(&row.case_id),
            Some(row.sequence),
            Some(row.global_seq),
            recomputed,
            row.hash.clone(),
        )));
    }
    Ok(None)
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

fn recompute(row: &event::Model) -> Result<String> {
    // The payload is stored as canonical JSON: hashed as it lies, it gives
    // the stored hash, unless something changed (then it is parsed, and the
    // hash of its canonical form is what is reported).
    let unparsed = serde_json::Value::Null;
    let stored = EventContent {
        case_id: &row.case_id,
        sequence: row.sequence,
        event_type: &row.event_type,
        event_version: row.event_version,
        payload: &unparsed,
        actor_id: &row.actor_id,
        actor_role: &row.actor_role,
        occurred_at: row.occurred_at,
        recorded_at: row.recorded_at,
    };
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
    let content = EventContent {
        payload: &payload,
        ..stored
    };
    Ok(chain::event_hash(
        &row.prev_hash,
        &chain::canonical(&content),
    ))
}
