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

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};

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

/// One fact of a case as the case holds it: a [`TallyKey`] before it is
/// owned. A replay counts each case's facts by these, so a fact already
/// counted (most are) is found without making its key's five strings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fact<'a> {
    year: i32,
    month: i32,
    unit_id: &'a str,
    kind: &'a str,
    lagrum: &'a str,
    dimension: &'a str,
    value: &'a str,
}

/// Hashed as [`TallyKey`]'s derived `Hash` hashes the same values (a
/// `String` hashes as its `str`), so a fact finds its key.
impl Hash for Fact<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.year.hash(state);
        self.month.hash(state);
        self.unit_id.hash(state);
        self.kind.hash(state);
        self.lagrum.hash(state);
        self.dimension.hash(state);
        self.value.hash(state);
    }
}

impl hashbrown::Equivalent<TallyKey> for Fact<'_> {
    fn equivalent(&self, key: &TallyKey) -> bool {
        self.year == key.year
            && self.month == key.month
            && self.unit_id == key.unit_id
            && self.kind == key.kind
            && self.lagrum == key.lagrum
            && self.dimension == key.dimension
            && self.value == key.value
    }
}

impl From<Fact<'_>> for TallyKey {
    fn from(fact: Fact<'_>) -> Self {
        TallyKey {
            year: fact.year,
            month: fact.month,
            unit_id: fact.unit_id.to_owned(),
            kind: fact.kind.to_owned(),
            lagrum: fact.lagrum.to_owned(),
            dimension: fact.dimension.to_owned(),
            value: fact.value.to_owned(),
        }
    }
}

/// How many cases to add (or, negative, take away) per key. (A rebuild
/// adds every case's facts to one: found by hash, not by a search that
/// compares the keys' strings at every level; a seeded foldhash rather
/// than the standard SipHash, which took most of that time; a map that
/// finds a key by a [`Fact`].)
pub(crate) type TallyDelta = hashbrown::HashMap<TallyKey, i64, foldhash::fast::RandomState>;

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
    each_fact(case, def, |fact| facts.push(TallyKey::from(fact)));
    facts
}

/// Adds `sign` for each report fact of `case` under `def` to `delta`: a
/// replay's count of one case, no key made for a fact already counted.
pub(crate) fn count(delta: &mut TallyDelta, case: &Case, def: &WorkflowDefinition, sign: i64) {
    each_fact(case, def, |fact| add_one(delta, fact, sign));
}

/// Hands each report fact of `case` under `def` to `each`.
fn each_fact(case: &Case, def: &WorkflowDefinition, mut each: impl FnMut(Fact<'_>)) {
    let (year, month) = varna_workflow::local::year_month(case.opened_at);
    let base = Fact {
        year,
        month: i32::try_from(month).unwrap_or(1),
        unit_id: case.unit.as_str(),
        kind: &case.workflow.name,
        lagrum: case.lagrum.as_str(),
        dimension: "",
        value: "",
    };
    let mut push = |dimension: &str, value: &str, grain: Grain, rollup: bool| {
        let fact = Fact {
            month: match grain {
                Grain::Monthly => base.month,
                Grain::Yearly => WHOLE_YEAR,
            },
            dimension,
            value,
            ..base
        };
        if rollup {
            each(Fact {
                unit_id: ALL_UNITS,
                ..fact
            });
        }
        each(fact);
    };
    if case.duplicate_of().is_some() {
        push(DIM_DUPLICATE, "", Grain::Yearly, true);
        return;
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
    let mut dimension = String::new();
    for (deadline, status) in &case.deadlines {
        dimension.clear();
        let _ = write!(dimension, "{DIM_DEADLINE_PREFIX}{deadline}");
        push(&dimension, clock_value(status), Grain::Yearly, true);
    }
}

/// Adds `sign` for each fact to `delta` (1 or -1 for one case's facts; a
/// count when a rebuild adds up its replays' deltas), dropping keys that
/// net to 0.
pub(crate) fn add(delta: &mut TallyDelta, facts: impl IntoIterator<Item = TallyKey>, sign: i64) {
    for fact in facts {
        add_one(delta, fact, sign);
    }
}

/// Adds `sign` for one fact (a key, or a [`Fact`] that becomes one only
/// when it is not counted yet), dropping its key when it nets to 0.
fn add_one<F>(delta: &mut TallyDelta, fact: F, sign: i64)
where
    F: Hash + hashbrown::Equivalent<TallyKey> + Into<TallyKey>,
{
    match delta.get_mut(&fact) {
        Some(n) => {
            *n += sign;
            if *n == 0 {
                delta.remove(&fact);
            }
        }
        None => {
            if sign != 0 {
                delta.insert(fact.into(), sign);
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

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    fn fact<'a>(unit_id: &'a str, dimension: &'a str, value: &'a str) -> Fact<'a> {
        Fact {
            year: 2026,
            month: 3,
            unit_id,
            kind: "lex_sarah",
            lagrum: "SoL",
            dimension,
            value,
        }
    }

    #[test]
    fn a_fact_hashes_as_its_key() {
        let hasher = foldhash::fast::RandomState::default();
        for f in [
            fact("u1", DIM_CASES, ""),
            fact(ALL_UNITS, DIM_CATEGORY, "fall"),
            fact("u1", "deadline:utredning", CLOCK_LATE),
        ] {
            assert_eq!(hasher.hash_one(f), hasher.hash_one(TallyKey::from(f)));
        }
    }

    #[test]
    fn counting_a_case_adds_what_its_keys_add_and_taking_it_away_leaves_nothing() {
        let catalog = varna_testkit::shipped_catalog();
        let def = catalog.get("lex-sarah").expect("lex Sarah is shipped");
        let (filing, actor) = varna_testkit::lex_sarah_report("u1");
        let facts = varna_workflow::Facts {
            actor,
            now: "2026-03-02T10:00:00Z".parse().expect("a time"),
        };
        let decision = varna_workflow::decide_filing(def, filing, &facts).expect("filed");
        let case = varna_workflow::replay(&decision.events).expect("replayed");
        let keys = case_facts(&case, def);
        assert!(keys.len() > 3, "{keys:?}");

        let (mut counted, mut added) = (TallyDelta::default(), TallyDelta::default());
        count(&mut counted, &case, def, 1);
        count(&mut counted, &case, def, 1);
        add(&mut added, keys.clone(), 1);
        add(&mut added, keys.clone(), 1);
        assert_eq!(counted, added);
        assert!(counted.values().all(|n| *n == 2), "{counted:?}");

        count(&mut counted, &case, def, -2);
        assert!(counted.is_empty(), "{counted:?}");
    }
}
