//! What the store hands the report: pre-aggregated counts (`Tally`), the
//! timings of investigated cases, repeat pairs and the units in scope.
//! Nothing here carries personal data: ids, codes, counts and times only.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Tally dimension: every case counts once here, value `""`.
pub const DIM_CASES: &str = "cases";
/// Tally dimension: the case's `category` field, value = the choice id.
pub const DIM_CATEGORY: &str = "category";
/// Tally dimension, only for lifecycles with an `affected_gender` field:
/// `kvinna`, `man` or `ej_angivet` (also when the field is empty).
pub const DIM_GENDER: &str = "gender";
/// Tally dimension, only for lifecycles with an outcome field: the outcome
/// id, or [`OUTCOME_ONGOING`] / [`OUTCOME_CLOSED_WITHOUT_RULING`].
pub const DIM_OUTCOME: &str = "outcome";
/// Tally dimension, only for lifecycles with an outcome field: value
/// [`IVO_REPORTED`] when the case records the day its anmälan was sent to IVO.
pub const DIM_IVO: &str = "ivo";
/// Tally dimension: the `feedback_kind` field of complaints, value = choice id.
pub const DIM_FEEDBACK: &str = "feedback_kind";
/// Tally dimension: a case marked as a duplicate of an earlier one counts
/// here (value `""`) and in no other dimension, so the matter it reports
/// is counted once, under its original.
pub const DIM_DUPLICATE: &str = "duplicate";
/// Prefix of the tally dimension of one clock: `deadline:<deadline id>`,
/// value one of [`CLOCK_ON_TIME`], [`CLOCK_LATE`], [`CLOCK_OVERDUE`],
/// [`CLOCK_OPEN`], [`CLOCK_CANCELLED`].
pub const DIM_DEADLINE_PREFIX: &str = "deadline:";

/// Outcome value of an open case with no ruling yet ("pågående utredning").
pub const OUTCOME_ONGOING: &str = "ongoing";
/// Outcome value of a closed case that was never ruled on.
pub const OUTCOME_CLOSED_WITHOUT_RULING: &str = "closed_without_ruling";
/// Value of [`DIM_IVO`].
pub const IVO_REPORTED: &str = "reported";
/// Clock met no later than it was due.
pub const CLOCK_ON_TIME: &str = "on_time";
/// Clock met after it was due.
pub const CLOCK_LATE: &str = "late";
/// Clock past due, recorded as passed, not yet met.
pub const CLOCK_OVERDUE: &str = "overdue";
/// Clock running, not yet due (or due and not yet swept).
pub const CLOCK_OPEN: &str = "open";
/// Clock ended unmet because the case closed or took another path.
pub const CLOCK_CANCELLED: &str = "cancelled";

/// Which part of the organisation a report covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    /// Every unit.
    #[default]
    Organisation,
    /// The units of one verksamhetsområde (its id).
    Area(String),
    /// One unit (its id).
    Unit(String),
}

/// One pre-aggregated count: `n` cases opened in `year`/`month` (Swedish time) at
/// `unit_id`, of lifecycle `kind` under `lagrum`, have `value` in
/// `dimension`. Counts are exact; rows with `n == 0` may appear.
///
/// The store sums rows to the grain the report needs, so the same key may
/// come more than once (add them up) and some attributes are collapsed:
/// the unit is kept only for [`DIM_CASES`], [`DIM_GENDER`] and
/// [`DIM_FEEDBACK`] (elsewhere `unit_id` is empty); the month only for
/// [`DIM_CASES`] and [`DIM_CATEGORY`] of the report year (elsewhere 1);
/// and of the previous year only [`DIM_CASES`] rows come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Calendar year the case was opened (Swedish time, `varna_workflow::local`).
    pub year: i32,
    /// Month 1–12 the case was opened (Swedish time); 1 where the month is
    /// collapsed.
    pub month: u32,
    /// Unit id.
    pub unit_id: String,
    /// Lifecycle name, e.g. `avvikelse`, `lex-sarah`.
    pub kind: String,
    /// `SoL`, `LSS` or `HSL`.
    pub lagrum: String,
    /// One of the `DIM_*` names (or `deadline:<id>`).
    pub dimension: String,
    /// The value counted.
    pub value: String,
    /// How many cases.
    pub n: i64,
}

/// A unit in scope, with its verksamhetsområde.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitInfo {
    /// Unit id.
    pub id: String,
    /// Unit name.
    pub name: String,
    /// Verksamhetsområde id.
    pub area_id: String,
    /// Verksamhetsområde name.
    pub area_name: String,
}

/// When a clock of an investigated case started and was met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockTiming {
    /// Deadline id from the definition.
    pub deadline_id: String,
    /// When the event that started it occurred.
    pub started_at: DateTime<Utc>,
    /// When the event that met it occurred, if it was met.
    pub met_at: Option<DateTime<Utc>>,
}

/// Timings of one case of a lifecycle with an outcome field (lex Sarah,
/// lex Maria), opened in the report year, in scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvestigatedCase {
    /// Case id.
    pub case_id: String,
    /// Lifecycle name.
    pub kind: String,
    /// Unit id.
    pub unit_id: String,
    /// When the case was opened (the report was received).
    pub opened_at: DateTime<Utc>,
    /// When the outcome (bedömning) was first recorded, if it has been.
    pub assessed_at: Option<DateTime<Utc>>,
    /// Every clock the case has started.
    pub clocks: Vec<ClockTiming>,
}

/// Why two cases count as a repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepeatReason {
    /// The same affected person (matched on personnummer inside the store;
    /// the personnummer never leaves it).
    SamePerson,
    /// The same category at the same unit.
    SameCategory,
}

/// An investigated case opened in the report year and an earlier case
/// (any lifecycle, not linked to it) opened at most 90 days before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatPair {
    /// The later case (lex Sarah / lex Maria, in the report year and scope).
    pub case_id: String,
    /// Its lifecycle.
    pub kind: String,
    /// Its unit.
    pub unit_id: String,
    /// Its category, if any.
    pub category: Option<String>,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// The earlier case.
    pub earlier_case_id: String,
    /// Its lifecycle.
    pub earlier_kind: String,
    /// When the earlier case was opened.
    pub earlier_opened_at: DateTime<Utc>,
    /// Why they match.
    pub reason: RepeatReason,
}

/// Everything the report is built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportData {
    /// The report year.
    pub year: i32,
    /// The scope asked for.
    pub scope: Scope,
    /// The scope's name ("Hela organisationen", an area or unit name).
    pub scope_name: String,
    /// When the data was read; a report for the current year counts
    /// months elapsed up to here.
    pub as_of: DateTime<Utc>,
    /// Every unit in scope.
    pub units: Vec<UnitInfo>,
    /// Tallies for `year` and `year - 1`, in scope.
    pub tallies: Vec<Tally>,
    /// Investigated cases opened in `year`, in scope.
    pub investigated: Vec<InvestigatedCase>,
    /// Repeat pairs whose later case is opened in `year`, in scope.
    pub repeats: Vec<RepeatPair>,
}
