//! The quality report's GraphQL counterpart: the same structure as
//! `varna_report`'s plain-data model (which knows nothing of GraphQL),
//! field for field with the same descriptions, converted with `From`.
//! A field added to the report is added here too; the schema test
//! (`tests/schema_sdl.rs`) shows the difference.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};

/// A yearly quality report (kvalitetsberättelse / patientsäkerhetsberättelse).
#[derive(Debug, SimpleObject)]
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

impl From<varna_report::model::QualityReport> for QualityReport {
    fn from(r: varna_report::model::QualityReport) -> Self {
        QualityReport {
            year: r.year,
            scope_kind: r.scope_kind,
            scope_id: r.scope_id,
            scope_name: r.scope_name,
            generated_at: r.generated_at,
            months_covered: r.months_covered,
            per_lagrum: r.per_lagrum.into_iter().map(Into::into).collect(),
            by_area_and_gender: r.by_area_and_gender.into_iter().map(Into::into).collect(),
            outcomes: r.outcomes.into_iter().map(Into::into).collect(),
            ivo: r.ivo.into_iter().map(Into::into).collect(),
            categories: r.categories.into_iter().map(Into::into).collect(),
            complaints: r.complaints.into_iter().map(Into::into).collect(),
            lead_times: r.lead_times.into_iter().map(Into::into).collect(),
            deadlines: r.deadlines.into_iter().map(Into::into).collect(),
            monthly_by_unit: r.monthly_by_unit.into_iter().map(Into::into).collect(),
            monthly_by_category: r.monthly_by_category.into_iter().map(Into::into).collect(),
            rising_units: r.rising_units.into_iter().map(Into::into).collect(),
            repeats: r.repeats.into(),
        }
    }
}

/// One lifecycle under one lagrum.
#[derive(Debug, SimpleObject)]
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
    /// earlier case (counted nowhere else).
    pub duplicates: i64,
}

impl From<varna_report::model::LagrumRow> for LagrumRow {
    fn from(r: varna_report::model::LagrumRow) -> Self {
        LagrumRow {
            kind: r.kind,
            kind_label: r.kind_label,
            lagrum: r.lagrum,
            count: r.count,
            previous_year: r.previous_year,
            duplicates: r.duplicates,
        }
    }
}

/// One lifecycle in one verksamhetsområde, by gender.
#[derive(Debug, SimpleObject)]
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

impl From<varna_report::model::AreaGenderRow> for AreaGenderRow {
    fn from(r: varna_report::model::AreaGenderRow) -> Self {
        AreaGenderRow {
            kind: r.kind,
            kind_label: r.kind_label,
            area_id: r.area_id,
            area_name: r.area_name,
            kvinna: r.kvinna,
            man: r.man,
            ej_angivet: r.ej_angivet,
            total: r.total,
        }
    }
}

/// One outcome of one lifecycle.
#[derive(Debug, SimpleObject)]
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

impl From<varna_report::model::OutcomeRow> for OutcomeRow {
    fn from(r: varna_report::model::OutcomeRow) -> Self {
        OutcomeRow {
            kind: r.kind,
            kind_label: r.kind_label,
            outcome: r.outcome,
            label: r.label,
            reportable: r.reportable,
            count: r.count,
        }
    }
}

/// IVO-anmälningar of one lifecycle.
#[derive(Debug, SimpleObject)]
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

impl From<varna_report::model::IvoRow> for IvoRow {
    fn from(r: varna_report::model::IvoRow) -> Self {
        IvoRow {
            kind: r.kind,
            kind_label: r.kind_label,
            cases: r.cases,
            reported: r.reported,
            share: r.share,
        }
    }
}

/// One category of one lifecycle.
#[derive(Debug, SimpleObject)]
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

impl From<varna_report::model::CategoryRow> for CategoryRow {
    fn from(r: varna_report::model::CategoryRow) -> Self {
        CategoryRow {
            kind: r.kind,
            kind_label: r.kind_label,
            category: r.category,
            label: r.label,
            count: r.count,
            share: r.share,
        }
    }
}

/// Complaints of one kind in one verksamhetsområde.
#[derive(Debug, SimpleObject)]
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

impl From<varna_report::model::ComplaintRow> for ComplaintRow {
    fn from(r: varna_report::model::ComplaintRow) -> Self {
        ComplaintRow {
            area_id: r.area_id,
            area_name: r.area_name,
            feedback_kind: r.feedback_kind,
            label: r.label,
            count: r.count,
        }
    }
}

/// One lead time of one lifecycle.
#[derive(Debug, SimpleObject)]
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

impl From<varna_report::model::LeadTimeRow> for LeadTimeRow {
    fn from(r: varna_report::model::LeadTimeRow) -> Self {
        LeadTimeRow {
            kind: r.kind,
            kind_label: r.kind_label,
            measure: r.measure,
            label: r.label,
            count: r.count,
            median_hours: r.median_hours,
            p90_hours: r.p90_hours,
        }
    }
}

/// How one kind of clock fared.
#[derive(Debug, SimpleObject)]
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

impl From<varna_report::model::DeadlineRow> for DeadlineRow {
    fn from(r: varna_report::model::DeadlineRow) -> Self {
        DeadlineRow {
            kind: r.kind,
            kind_label: r.kind_label,
            deadline: r.deadline,
            label: r.label,
            on_time: r.on_time,
            late: r.late,
            overdue: r.overdue,
            open: r.open,
            cancelled: r.cancelled,
            met_on_time_share: r.met_on_time_share,
        }
    }
}

/// Twelve monthly counts.
#[derive(Debug, SimpleObject)]
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

impl From<varna_report::model::MonthlySeries> for MonthlySeries {
    fn from(r: varna_report::model::MonthlySeries) -> Self {
        MonthlySeries {
            key: r.key,
            label: r.label,
            counts: r.counts,
            total: r.total,
        }
    }
}

/// A unit whose rate rose.
#[derive(Debug, SimpleObject)]
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

impl From<varna_report::model::RisingUnit> for RisingUnit {
    fn from(r: varna_report::model::RisingUnit) -> Self {
        RisingUnit {
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            previous: r.previous,
            current: r.current,
            previous_per_month: r.previous_per_month,
            current_per_month: r.current_per_month,
            change_per_month: r.change_per_month,
        }
    }
}

/// Repeat events, counted and listed.
#[derive(Debug, SimpleObject)]
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

impl From<varna_report::model::RepeatSummary> for RepeatSummary {
    fn from(r: varna_report::model::RepeatSummary) -> Self {
        RepeatSummary {
            investigated: r.investigated,
            same_person: r.same_person,
            same_category: r.same_category,
            any: r.any,
            cases: r.cases.into_iter().map(Into::into).collect(),
        }
    }
}

/// An investigated case that repeats earlier ones.
#[derive(Debug, SimpleObject)]
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
    /// `same_person`, `same_category`, or both, comma-separated.
    pub reasons: Vec<String>,
    /// The earlier cases, most recent first.
    pub earlier_case_ids: Vec<String>,
    /// Days since the most recent earlier case.
    pub days_since_last: i64,
}

impl From<varna_report::model::RepeatCase> for RepeatCase {
    fn from(r: varna_report::model::RepeatCase) -> Self {
        RepeatCase {
            case_id: r.case_id,
            kind: r.kind,
            kind_label: r.kind_label,
            unit_id: r.unit_id,
            unit_name: r.unit_name,
            category: r.category,
            reasons: r.reasons,
            earlier_case_ids: r.earlier_case_ids,
            days_since_last: r.days_since_last,
        }
    }
}
