//! `case_tally`: the quality report's pre-aggregated counts. Every case
//! counts once under each of its report facts ([`case_facts`]): its
//! lifecycle and lagrum, category, gender, outcome, IVO-anmälan, feedback
//! kind and how each clock fared. A case marked as a duplicate counts only
//! as a duplicate, so the matter is counted once, under its original. A command that changes a case's facts
//! moves the case's counts from the old facts to the new ones in the same
//! transaction ([`apply`]), so the counts are exact at every commit and the
//! yearly report reads a few thousand rows instead of every case.
//!
//! Grain: cases and category per unit and month; the other dimensions per
//! unit and year (`month` 0). Category, outcome, IVO and clocks also have
//! organisation-wide rows (`unit_id` empty) that the whole-organisation
//! report reads instead of one row per unit.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict};
use sea_orm::{ConnectionTrait, EntityTrait};
use varna_report::input::{
    CLOCK_CANCELLED, CLOCK_LATE, CLOCK_ON_TIME, CLOCK_OPEN, CLOCK_OVERDUE, DIM_CASES, DIM_CATEGORY,
    DIM_DEADLINE_PREFIX, DIM_DUPLICATE, DIM_FEEDBACK, DIM_GENDER, DIM_IVO, DIM_OUTCOME,
    IVO_REPORTED, OUTCOME_CLOSED_WITHOUT_RULING, OUTCOME_ONGOING,
};
use varna_workflow::{Case, DeadlineStatus, Value, WorkflowDefinition};

use crate::entities::case_tally;
use crate::error::Result;
use crate::projections::{AFFECTED_GENDER_FIELD, CATEGORY_FIELD};
use crate::writes::Writes;

/// The complaint field counted per kind of feedback.
pub(crate) const FEEDBACK_KIND_FIELD: &str = "feedback_kind";
/// The fields whose presence means the case was reported to IVO: the send
/// date of lex Sarah and lex Maria version 2, and `anmalan_date` of the
/// cases still pinned to version 1.
pub(crate) const IVO_DATE_FIELDS: [&str; 2] = ["anmalan_sent_on", "anmalan_date"];
/// The gender counted when none was given.
const GENDER_NOT_GIVEN: &str = "ej_angivet";
/// The `unit_id` of the organisation-wide rows kept beside the per-unit
/// rows of the dimensions the whole-organisation report reads without a
/// unit (category, outcome, IVO, clocks), so that report reads a few
/// hundred rows for them instead of one per unit.
pub(crate) const ALL_UNITS: &str = "";
/// The `month` of counts kept per year (everything but cases and category).
pub(crate) const WHOLE_YEAR: i32 = 0;

/// One count's key: year, month, unit, kind, lagrum, dimension, value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct TallyKey {
    year: i32,
    month: i32,
    unit_id: String,
    kind: String,
    lagrum: String,
    dimension: String,
    value: String,
}

/// How many cases to add (or, negative, take away) per key. (A rebuild
/// adds every case's facts to one: found by hash, not by a search that
/// compares the keys' strings at every level; a seeded foldhash rather
/// than the standard SipHash, which took most of that time.)
pub(crate) type TallyDelta = HashMap<TallyKey, i64, foldhash::fast::RandomState>;

/// The counts of `delta` that are not zero, as rows of `case_tally`, in
/// key order (every writer upserts the same keys in the same order).
pub(crate) fn rows(delta: TallyDelta) -> Vec<case_tally::ActiveModel> {
    let mut counts: Vec<(TallyKey, i64)> = delta.into_iter().filter(|(_, n)| *n != 0).collect();
    counts.sort_unstable();
    counts
        .into_iter()
        .map(|(k, n)| case_tally::ActiveModel {
            year: Set(k.year),
            month: Set(k.month),
            unit_id: Set(k.unit_id),
            kind: Set(k.kind),
            lagrum: Set(k.lagrum),
            dimension: Set(k.dimension),
            value: Set(k.value),
            n: Set(n),
        })
        .collect()
}

fn text<'a>(case: &'a Case, field: &str) -> Option<&'a str> {
    case.fields.get(field).and_then(Value::as_text)
}

fn clock_value(status: &DeadlineStatus) -> &'static str {
    match status {
        DeadlineStatus::Open { .. } => CLOCK_OPEN,
        DeadlineStatus::Passed { .. } => CLOCK_OVERDUE,
        DeadlineStatus::Met { due_at, met_at } if met_at <= due_at => CLOCK_ON_TIME,
        DeadlineStatus::Met { .. } => CLOCK_LATE,
        DeadlineStatus::Cancelled { .. } => CLOCK_CANCELLED,
    }
}

/// How a dimension is kept.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Grain {
    /// Per unit and month (cases, category).
    Monthly,
    /// Per unit, whole year.
    Yearly,
}

/// The report facts of `case` under its definition `def`.
pub(crate) fn case_facts(case: &Case, def: &WorkflowDefinition) -> Vec<TallyKey> {
    let mut facts = Vec::new();
    let mut push = |dimension: &str, value: &str, grain: Grain, rollup: bool| {
        let (year, month) = varna_workflow::local::year_month(case.opened_at);
        let key = TallyKey {
            year,
            month: match grain {
                Grain::Monthly => i32::try_from(month).unwrap_or(1),
                Grain::Yearly => WHOLE_YEAR,
            },
            unit_id: case.unit.as_str().to_owned(),
            kind: case.workflow.name.clone(),
            lagrum: case.lagrum.as_str().to_owned(),
            dimension: dimension.to_owned(),
            value: value.to_owned(),
        };
        if rollup {
            facts.push(TallyKey {
                unit_id: ALL_UNITS.to_owned(),
                ..key.clone()
            });
        }
        facts.push(key);
    };
    if case.duplicate_of().is_some() {
        push(DIM_DUPLICATE, "", Grain::Yearly, true);
        return facts;
    }
    push(DIM_CASES, "", Grain::Monthly, false);
    if let Some(category) = text(case, CATEGORY_FIELD) {
        push(DIM_CATEGORY, category, Grain::Monthly, true);
    }
    if def.field(AFFECTED_GENDER_FIELD).is_some() {
        let gender = text(case, AFFECTED_GENDER_FIELD).unwrap_or(GENDER_NOT_GIVEN);
        push(DIM_GENDER, gender, Grain::Yearly, false);
    }
    if let Some(field) = def.outcome_field() {
        let outcome = match text(case, &field.name) {
            Some(outcome) => outcome,
            None if case.is_closed() => OUTCOME_CLOSED_WITHOUT_RULING,
            None => OUTCOME_ONGOING,
        };
        push(DIM_OUTCOME, outcome, Grain::Yearly, true);
        if IVO_DATE_FIELDS.iter().any(|f| case.fields.contains_key(*f)) {
            push(DIM_IVO, IVO_REPORTED, Grain::Yearly, true);
        }
    }
    if let Some(feedback) = text(case, FEEDBACK_KIND_FIELD) {
        push(DIM_FEEDBACK, feedback, Grain::Yearly, false);
    }
    for (deadline, status) in &case.deadlines {
        let dimension = format!("{DIM_DEADLINE_PREFIX}{deadline}");
        push(&dimension, clock_value(status), Grain::Yearly, true);
    }
    facts
}

/// Adds `sign` for each fact to `delta` (1 or -1 for one case's facts; a
/// count when a rebuild adds up its replays' deltas), dropping keys that
/// net to 0.
pub(crate) fn add(delta: &mut TallyDelta, facts: Vec<TallyKey>, sign: i64) {
    for fact in facts {
        match delta.entry(fact) {
            Entry::Occupied(mut n) => {
                *n.get_mut() += sign;
                if *n.get() == 0 {
                    n.remove();
                }
            }
            Entry::Vacant(n) => {
                if sign != 0 {
                    n.insert(sign);
                }
            }
        }
    }
}

/// Adds the delta to the stored counts: one upsert per 500 keys.
pub(crate) async fn apply(db: &impl ConnectionTrait, delta: TallyDelta) -> Result<()> {
    let mut writes = Writes::new(db.get_database_backend());
    stage(&mut writes, delta);
    writes.send(db).await?;
    Ok(())
}

/// Stages `delta`'s upserts (nothing for counts that cancel out).
pub(crate) fn stage(writes: &mut Writes, delta: TallyDelta) {
    let mut rows = rows(delta).into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        writes.push(
            &case_tally::Entity::insert_many(chunk).on_conflict(
                OnConflict::columns([
                    case_tally::Column::Year,
                    case_tally::Column::UnitId,
                    case_tally::Column::Kind,
                    case_tally::Column::Lagrum,
                    case_tally::Column::Dimension,
                    case_tally::Column::Value,
                    case_tally::Column::Month,
                ])
                .value(
                    case_tally::Column::N,
                    Expr::col((case_tally::Entity, case_tally::Column::N))
                        .add(Expr::col((Alias::new("excluded"), case_tally::Column::N))),
                )
                .to_owned(),
            ),
        );
    }
}
