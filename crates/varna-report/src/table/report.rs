//! The tables of the quality report: for each, its caption, which
//! columns the page shows and the CSV exports, and a row per entry of the
//! model. Adding a report table starts here.

use super::{Cell, Column, Row, Table, text};
use crate::model::{OutcomeRow, QualityReport};

/// Every table of the report, by name; [`ReportTables::in_order`] lists
/// them in the order of the page and the CSV.
pub(crate) struct ReportTables {
    /// The report's head (CSV only; the page writes it as its header).
    pub(crate) head: Table,
    pub(crate) per_lagrum: Table,
    pub(crate) by_area_and_gender: Table,
    /// One table per investigated lifecycle, as [`outcome_kinds`] orders them.
    pub(crate) outcomes: Vec<Table>,
    pub(crate) ivo: Table,
    pub(crate) categories: Table,
    pub(crate) complaints: Table,
    pub(crate) lead_times: Table,
    pub(crate) deadlines: Table,
    pub(crate) monthly_by_unit: Table,
    pub(crate) monthly_by_category: Table,
    pub(crate) rising_units: Table,
    /// The repeat counts (CSV only; the page says them in a sentence).
    pub(crate) repeats: Table,
    pub(crate) repeat_cases: Table,
}

impl ReportTables {
    /// Every table, in the order of the page and the CSV.
    pub(crate) fn in_order(&self) -> impl Iterator<Item = &Table> {
        [&self.head, &self.per_lagrum, &self.by_area_and_gender]
            .into_iter()
            .chain(&self.outcomes)
            .chain([
                &self.ivo,
                &self.categories,
                &self.complaints,
                &self.lead_times,
                &self.deadlines,
                &self.monthly_by_unit,
                &self.monthly_by_category,
                &self.rising_units,
                &self.repeats,
                &self.repeat_cases,
            ])
    }
}

/// The lifecycles with outcome rows, in report order (the rows of one
/// lifecycle stand together), each with its label and rows.
pub(crate) fn outcome_kinds(r: &QualityReport) -> Vec<(&str, &str, Vec<&OutcomeRow>)> {
    let mut kinds: Vec<(&str, &str, Vec<&OutcomeRow>)> = Vec::new();
    for o in &r.outcomes {
        match kinds.iter_mut().find(|(k, _, _)| *k == o.kind) {
            Some((_, _, rows)) => rows.push(o),
            None => kinds.push((&o.kind, &o.kind_label, vec![o])),
        }
    }
    kinds
}

/// The report's tables.
pub(crate) fn report_tables(r: &QualityReport) -> ReportTables {
    let (year, previous) = (r.year.to_string(), (r.year - 1).to_string());
    ReportTables {
        head: head(r),
        per_lagrum: Table {
            section: "per_lagrum",
            caption: "Ärenden per lagrum".into(),
            columns: vec![
                Column::shown("Ärendetyp"),
                Column::shown("Lagrum"),
                Column::both(&year, "count"),
                Column::both(&previous, "previous_year"),
                Column::shown("Förändring"),
                Column::both("Dubbletter (ej räknade)", "duplicates"),
            ],
            rows: r
                .per_lagrum
                .iter()
                .map(|x| {
                    Row::new(
                        &x.kind,
                        &x.lagrum,
                        "",
                        &x.kind_label,
                        vec![
                            text(&x.kind_label),
                            text(&x.lagrum),
                            Cell::Count(x.count),
                            Cell::Count(x.previous_year),
                            Cell::Change(x.count - x.previous_year),
                            Cell::Count(x.duplicates),
                        ],
                    )
                })
                .collect(),
            long: None,
        },
        by_area_and_gender: Table {
            section: "by_area_and_gender",
            caption: "Rapporter per verksamhetsområde och den enskildes kön".into(),
            columns: vec![
                Column::shown("Ärendetyp"),
                Column::shown("Verksamhetsområde"),
                Column::both("Kvinna", "kvinna"),
                Column::both("Man", "man"),
                Column::both("Ej angivet", "ej_angivet"),
                Column::both("Totalt", "total"),
            ],
            rows: r
                .by_area_and_gender
                .iter()
                .map(|x| {
                    Row::new(
                        &x.kind,
                        &x.area_id,
                        "",
                        &x.area_name,
                        vec![
                            text(&x.kind_label),
                            text(&x.area_name),
                            Cell::Count(x.kvinna),
                            Cell::Count(x.man),
                            Cell::Count(x.ej_angivet),
                            Cell::Count(x.total),
                        ],
                    )
                })
                .collect(),
            long: None,
        },
        outcomes: outcome_kinds(r)
            .into_iter()
            .map(|(_, label, rows)| outcomes(label, &rows))
            .collect(),
        ivo: Table {
            section: "ivo",
            caption: "Anmälningar till IVO".into(),
            columns: vec![
                Column::shown("Ärendetyp"),
                Column::both("Ärenden", "cases"),
                Column::both("Anmälda", "reported"),
                Column::both("Andel", "share"),
            ],
            rows: r
                .ivo
                .iter()
                .map(|x| {
                    Row::new(
                        &x.kind,
                        "",
                        "",
                        &x.kind_label,
                        vec![
                            text(&x.kind_label),
                            Cell::Count(x.cases),
                            Cell::Count(x.reported),
                            Cell::Share(x.share),
                        ],
                    )
                })
                .collect(),
            long: None,
        },
        categories: Table {
            section: "categories",
            caption: "Vanligaste kategorierna (högst tio per ärendetyp)".into(),
            columns: vec![
                Column::shown("Ärendetyp"),
                Column::shown("Kategori"),
                Column::both("Antal", "count"),
                Column::both("Andel", "share"),
            ],
            rows: r
                .categories
                .iter()
                .map(|x| {
                    Row::new(
                        &x.kind,
                        "",
                        &x.category,
                        &x.label,
                        vec![
                            text(&x.kind_label),
                            text(&x.label),
                            Cell::Count(x.count),
                            Cell::Share(x.share),
                        ],
                    )
                })
                .collect(),
            long: None,
        },
        complaints: Table {
            section: "complaints",
            caption: "Klagomål och synpunkter per verksamhetsområde och slag".into(),
            columns: vec![
                Column::shown("Verksamhetsområde"),
                Column::shown("Slag"),
                Column::both("Antal", "count"),
            ],
            rows: r
                .complaints
                .iter()
                .map(|x| {
                    Row::new(
                        "",
                        &x.area_id,
                        &x.feedback_kind,
                        &x.label,
                        vec![text(&x.area_name), text(&x.label), Cell::Count(x.count)],
                    )
                })
                .collect(),
            long: None,
        },
        lead_times: Table {
            section: "lead_times",
            caption: "Handläggningstider (median och 90:e percentilen)".into(),
            columns: vec![
                Column::shown("Ärendetyp"),
                Column::shown("Mått"),
                Column::both("Mätta ärenden", "count"),
                Column::both("Median", "median_hours"),
                Column::both("90:e percentilen", "p90_hours"),
            ],
            rows: r
                .lead_times
                .iter()
                .map(|x| {
                    Row::new(
                        &x.kind,
                        "",
                        &x.measure,
                        &x.label,
                        vec![
                            text(&x.kind_label),
                            text(&x.label),
                            Cell::Count(x.count),
                            Cell::Hours(x.median_hours),
                            Cell::Hours(x.p90_hours),
                        ],
                    )
                })
                .collect(),
            long: None,
        },
        deadlines: Table {
            section: "deadlines",
            caption: "Tidsfrister som hölls och missades".into(),
            columns: vec![
                Column::shown("Ärendetyp"),
                Column::shown("Tidsfrist"),
                Column::both("I tid", "on_time"),
                Column::both("Sent", "late"),
                Column::both("Passerad, ej klar", "overdue"),
                Column::both("Pågår", "open"),
                Column::both("Avbruten", "cancelled"),
                Column::both("Andel i tid", "met_on_time_share"),
            ],
            rows: r
                .deadlines
                .iter()
                .map(|x| {
                    Row::new(
                        &x.kind,
                        "",
                        &x.deadline,
                        &x.label,
                        vec![
                            text(&x.kind_label),
                            text(&x.label),
                            Cell::Count(x.on_time),
                            Cell::Count(x.late),
                            Cell::Count(x.overdue),
                            Cell::Count(x.open),
                            Cell::Count(x.cancelled),
                            Cell::Share(x.met_on_time_share),
                        ],
                    )
                })
                .collect(),
            long: None,
        },
        monthly_by_unit: monthly(r, MonthlyTable::Unit),
        monthly_by_category: monthly(r, MonthlyTable::Category),
        rising_units: Table {
            section: "rising_units",
            caption: "Ärenden per månad jämfört med föregående år".into(),
            columns: vec![
                Column::shown("Enhet"),
                Column::both(&previous, "previous"),
                Column::both(&year, "current"),
                Column::both(format!("Per månad {previous}"), "previous_per_month"),
                Column::both(format!("Per månad {year}"), "current_per_month"),
                Column::both("Ökning per månad", "change_per_month"),
            ],
            rows: r
                .rising_units
                .iter()
                .map(|x| {
                    Row::new(
                        "",
                        "",
                        &x.unit_id,
                        &x.unit_name,
                        vec![
                            text(&x.unit_name),
                            Cell::Count(x.previous),
                            Cell::Count(x.current),
                            Cell::Decimal(x.previous_per_month),
                            Cell::Decimal(x.current_per_month),
                            Cell::Rise(x.change_per_month),
                        ],
                    )
                })
                .collect(),
            long: None,
        },
        repeats: repeats(r),
        repeat_cases: repeat_cases(r),
    }
}

/// The year, scope and time of the report, as one row.
fn head(r: &QualityReport) -> Table {
    Table {
        section: "report",
        caption: format!("Kvalitetsberättelse {}", r.year),
        columns: [
            "year",
            "scope_kind",
            "scope_id",
            "scope_name",
            "generated_at",
            "months_covered",
        ]
        .into_iter()
        .map(Column::exported)
        .collect(),
        rows: vec![Row::new(
            "",
            "",
            "",
            "",
            vec![
                Cell::Count(r.year.into()),
                text(&r.scope_kind),
                text(&r.scope_id),
                text(&r.scope_name),
                Cell::Text(r.generated_at.to_rfc3339()),
                Cell::Count(r.months_covered.into()),
            ],
        )],
        long: None,
    }
}

/// The outcomes of one lifecycle.
fn outcomes(kind_label: &str, rows: &[&OutcomeRow]) -> Table {
    Table {
        section: "outcomes",
        caption: format!("Bedömningar, {kind_label}"),
        columns: vec![
            Column::shown("Bedömning"),
            Column::shown("Anmäls till IVO"),
            Column::both("Antal", "count"),
        ],
        rows: rows
            .iter()
            .map(|o| {
                Row::new(
                    &o.kind,
                    "",
                    &o.outcome,
                    &o.label,
                    vec![
                        text(&o.label),
                        Cell::YesNo(o.reportable),
                        Cell::Count(o.count),
                    ],
                )
            })
            .collect(),
        long: None,
    }
}

/// Which monthly series a table holds.
#[derive(Clone, Copy)]
pub(crate) enum MonthlyTable {
    Unit,
    Category,
}

/// Cases per month of one series per unit or category. The page shows the
/// months the report covers (all twelve before the year has begun); the
/// CSV has all twelve.
fn monthly(r: &QualityReport, which: MonthlyTable) -> Table {
    let (series, caption, first, group, long) = match which {
        MonthlyTable::Unit => (
            &r.monthly_by_unit,
            "Ärenden per månad och enhet",
            "Enhet",
            "unit",
            "enheter",
        ),
        MonthlyTable::Category => (
            &r.monthly_by_category,
            "Ärenden per månad och kategori",
            "Kategori",
            "category",
            "kategorier",
        ),
    };
    let shown = months_shown(r);
    let mut columns = vec![Column::shown(first)];
    columns.extend(MONTHS.iter().enumerate().map(|(i, name)| Column {
        heading: (i < shown).then(|| (*name).to_owned()),
        measure: Some(format!("{}-{:02}", r.year, i + 1)),
    }));
    columns.push(Column::both("Totalt", "total"));
    Table {
        section: "monthly",
        caption: caption.into(),
        columns,
        rows: series
            .iter()
            .map(|x| {
                let mut cells = vec![text(&x.label)];
                cells.extend(x.counts.iter().copied().map(Cell::Count));
                cells.push(Cell::Count(x.total));
                Row::new("", group, &x.key, &x.label, cells)
            })
            .collect(),
        long: Some(long),
    }
}

/// The months' short names, as column headings.
pub(crate) const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
];

/// How many months the page shows: those covered, or all twelve before
/// the year has begun.
pub(crate) fn months_shown(r: &QualityReport) -> usize {
    if r.months_covered > 0 {
        r.months_covered as usize
    } else {
        12
    }
}

/// How many investigated cases repeat an earlier one, and why.
fn repeats(r: &QualityReport) -> Table {
    let s = &r.repeats;
    Table {
        section: "repeats",
        caption: "Upprepade händelser".into(),
        columns: ["investigated", "same_person", "same_category", "any"]
            .into_iter()
            .map(Column::exported)
            .collect(),
        rows: vec![Row::new(
            "",
            "",
            "",
            "",
            vec![
                Cell::Count(s.investigated),
                Cell::Count(s.same_person),
                Cell::Count(s.same_category),
                Cell::Count(s.any),
            ],
        )],
        long: None,
    }
}

/// The cases that repeat an earlier one, the latest first.
fn repeat_cases(r: &QualityReport) -> Table {
    Table {
        section: "repeat_cases",
        caption: "Ärenden med ett tidigare liknande ärende, de senaste först".into(),
        columns: vec![
            Column::shown("Ärende"),
            Column::shown("Ärendetyp"),
            Column::shown("Enhet"),
            Column::both("Kategori", "category"),
            Column::both("Skäl", "reasons"),
            Column::both("Tidigare ärenden", "earlier_case_ids"),
            Column::both("Dagar sedan senaste", "days_since_last"),
        ],
        rows: r
            .repeats
            .cases
            .iter()
            .map(|x| {
                Row::new(
                    &x.kind,
                    &x.unit_id,
                    &x.case_id,
                    &x.unit_name,
                    vec![
                        text(&x.case_id),
                        text(&x.kind_label),
                        text(&x.unit_name),
                        Cell::Category(x.category.clone().zip(x.category_label.clone())),
                        Cell::Reasons(x.reasons.clone()),
                        Cell::CaseIds(x.earlier_case_ids.clone()),
                        Cell::Count(x.days_since_last),
                    ],
                )
            })
            .collect(),
        long: Some("ärenden"),
    }
}
