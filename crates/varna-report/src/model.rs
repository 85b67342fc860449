//! The quality report as delivered: plain data that goes out as JSON and
//! feeds the CSV and HTML renderers (the API has its GraphQL counterpart).
//! Ids stay next to Swedish labels so that machines and people can both
//! read it. No personal data: counts, codes, case ids and durations.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A yearly quality report (kvalitetsberättelse / patientsäkerhetsberättelse).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QualityReport {
    /// The report year.
    pub year: i32,
    /// `organisation`, `area` or `unit`.
    pub scope_kind: String,
    /// Area or unit id; empty for the whole organisation.
    pub scope_id: String,
    /// The scope in words.
    pub scope_name: String,
    /// When the data was read.
    pub generated_at: DateTime<Utc>,
    /// Months of the year covered so far (12 for a past year).
    pub months_covered: i32,
    /// Cases per lifecycle and lagrum, with the previous year beside it.
    pub per_lagrum: Vec<LagrumRow>,
    /// Investigated cases (lex Sarah, lex Maria) per verksamhetsområde by
    /// the affected person's gender.
    pub by_area_and_gender: Vec<AreaGenderRow>,
    /// Outcomes of the severity ruling, including "pågående utredning".
    pub outcomes: Vec<OutcomeRow>,
    /// How many went to IVO.
    pub ivo: Vec<IvoRow>,
    /// The most common categories per lifecycle (at most ten each).
    pub categories: Vec<CategoryRow>,
    /// Complaints per verksamhetsområde and kind.
    pub complaints: Vec<ComplaintRow>,
    /// Lead times, median and 90th percentile.
    pub lead_times: Vec<LeadTimeRow>,
    /// Clocks met on time, late, missed.
    pub deadlines: Vec<DeadlineRow>,
    /// Month-by-month cases per unit (all lifecycles), busiest unit first.
    pub monthly_by_unit: Vec<MonthlySeries>,
    /// Month-by-month cases per category (all lifecycles), most common first.
    pub monthly_by_category: Vec<MonthlySeries>,
    /// Units whose cases per month rose most against the previous year
    /// (at most ten, only rises).
    pub rising_units: Vec<RisingUnit>,
    /// Repeat events: investigated cases with an earlier case about the
    /// same person, or the same category at the same unit, within 90 days.
    pub repeats: RepeatSummary,
}

/// One lifecycle under one lagrum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LagrumRow {
    /// Lifecycle name.
    pub kind: String,
    /// Lifecycle label.
    pub kind_label: String,
    /// `SoL`, `LSS`, `HSL`.
    pub lagrum: String,
    /// Cases opened in the report year.
    pub count: i64,
    /// Cases opened the year before.
    pub previous_year: i64,
    /// Cases opened in the report year and marked as duplicates of an
    /// earlier case (not in `count` or any other count).
    pub duplicates: i64,
}

/// One lifecycle in one verksamhetsområde, by gender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AreaGenderRow {
    /// Lifecycle name.
    pub kind: String,
    /// Lifecycle label.
    pub kind_label: String,
    /// Verksamhetsområde id.
    pub area_id: String,
    /// Verksamhetsområde name.
    pub area_name: String,
    /// Kvinna.
    pub kvinna: i64,
    /// Man.
    pub man: i64,
    /// Ej angivet (also when not filled in).
    pub ej_angivet: i64,
    /// All three.
    pub total: i64,
}

/// One outcome of one lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutcomeRow {
    /// Lifecycle name.
    pub kind: String,
    /// Lifecycle label.
    pub kind_label: String,
    /// Outcome id, `ongoing` or `closed_without_ruling`.
    pub outcome: String,
    /// Its label ("Pågående utredning" for `ongoing`).
    pub label: String,
    /// Whether the outcome is one that is reported to IVO.
    pub reportable: bool,
    /// Cases.
    pub count: i64,
}

/// IVO-anmälningar of one lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IvoRow {
    /// Lifecycle name.
    pub kind: String,
    /// Lifecycle label.
    pub kind_label: String,
    /// Cases opened in the year.
    pub cases: i64,
    /// Of those, reported to IVO.
    pub reported: i64,
    /// `reported / cases` (0 when there are no cases).
    pub share: f64,
}

/// One category of one lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategoryRow {
    /// Lifecycle name.
    pub kind: String,
    /// Lifecycle label.
    pub kind_label: String,
    /// Category id.
    pub category: String,
    /// Category in words.
    pub label: String,
    /// Cases.
    pub count: i64,
    /// Share of the lifecycle's cases that year with a category.
    pub share: f64,
}

/// Complaints of one kind in one verksamhetsområde.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplaintRow {
    /// Verksamhetsområde id.
    pub area_id: String,
    /// Verksamhetsområde name.
    pub area_name: String,
    /// Feedback kind id (`klagomal`, `synpunkt`, `forslag`, `rutiner`, `berom`).
    pub feedback_kind: String,
    /// In words.
    pub label: String,
    /// Complaints.
    pub count: i64,
}

/// One lead time of one lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadTimeRow {
    /// Lifecycle name.
    pub kind: String,
    /// Lifecycle label.
    pub kind_label: String,
    /// `assessed` (report → bedömning) or a deadline id (start → met).
    pub measure: String,
    /// In words, e.g. "Rapport → SAS informerad".
    pub label: String,
    /// Cases measured (those where the end has happened).
    pub count: i64,
    /// Median in hours (nearest rank), if any were measured.
    pub median_hours: Option<f64>,
    /// 90th percentile in hours (nearest rank), if any were measured.
    pub p90_hours: Option<f64>,
}

/// How one kind of clock fared.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadlineRow {
    /// Lifecycle name.
    pub kind: String,
    /// Lifecycle label.
    pub kind_label: String,
    /// Deadline id.
    pub deadline: String,
    /// In words.
    pub label: String,
    /// Met no later than due.
    pub on_time: i64,
    /// Met after it was due.
    pub late: i64,
    /// Past due and not met.
    pub overdue: i64,
    /// Still running, not due.
    pub open: i64,
    /// Ended unmet because the case took another path.
    pub cancelled: i64,
    /// `on_time / (on_time + late + overdue)` (0 when none are decided).
    pub met_on_time_share: f64,
}

/// Twelve monthly counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthlySeries {
    /// Unit id or category id.
    pub key: String,
    /// In words.
    pub label: String,
    /// January … December.
    pub counts: Vec<i64>,
    /// The year's total.
    pub total: i64,
}

/// A unit whose rate rose.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RisingUnit {
    /// Unit id.
    pub unit_id: String,
    /// Unit name.
    pub unit_name: String,
    /// Cases in the previous year.
    pub previous: i64,
    /// Cases in the report year (so far).
    pub current: i64,
    /// Previous year's cases per month.
    pub previous_per_month: f64,
    /// This year's cases per month (over the months covered).
    pub current_per_month: f64,
    /// `current_per_month - previous_per_month`.
    pub change_per_month: f64,
}

/// Repeat events, counted and listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepeatSummary {
    /// Investigated cases opened in the year.
    pub investigated: i64,
    /// Of those, with an earlier case about the same person within 90 days.
    pub same_person: i64,
    /// Of those, with an earlier case of the same category at the same unit.
    pub same_category: i64,
    /// Of those, with either.
    pub any: i64,
    /// One row per repeated case, newest first.
    pub cases: Vec<RepeatCase>,
}

/// An investigated case that repeats earlier ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RepeatCase {
    /// Case id.
    pub case_id: String,
    /// Lifecycle name.
    pub kind: String,
    /// Lifecycle label.
    pub kind_label: String,
    /// Unit id.
    pub unit_id: String,
    /// Unit name.
    pub unit_name: String,
    /// Category id, if any.
    pub category: Option<String>,
    /// The category as people read it.
    pub category_label: Option<String>,
    /// `same_person`, `same_category`, or both, comma-separated.
    pub reasons: Vec<String>,
    /// The earlier cases, most recent first.
    pub earlier_case_ids: Vec<String>,
    /// Days since the most recent earlier case.
    pub days_since_last: i64,
}
