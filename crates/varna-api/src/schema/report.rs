//! `qualityReport` and `qualityReportExport`: the yearly quality report
//! for the roles that analyse cases across units (auditor, SAS, MAS,
//! committee). Counts, codes, case ids and durations only: no personal data.
//! Each reader's report is made of the cases they may read
//! ([`policy::report_reader`]), and every case it names is access-logged.

use async_graphql::{Context, Enum, InputObject, Result, SimpleObject};
use chrono::Utc;
use varna_report::{Format, QualityReport, Scope};
use varna_store::NewAccess;

use super::{principal, store};
use crate::error::{Code, error, from_store};
use crate::policy;

/// Which part of the organisation. Give at most one; none means all units.
#[derive(Debug, Default, InputObject)]
pub struct ReportScopeInput {
    /// A verksamhetsområde id.
    pub area_id: Option<String>,
    /// A unit id.
    pub unit_id: Option<String>,
}

/// A file format for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ReportFormat {
    /// One tidy table: section, kind, group, key, label, measure, value.
    Csv,
    /// The report's structure as JSON.
    Json,
    /// One self-contained, printable HTML file with SVG charts.
    Html,
}

/// The report as a file.
#[derive(Debug, SimpleObject)]
pub struct ReportExport {
    /// A file name to save it under, e.g. `kvalitetsberattelse-2025.html`.
    pub filename: String,
    /// Its media type.
    pub media_type: String,
    /// The file's content.
    pub content: String,
}

fn scope(input: Option<ReportScopeInput>) -> Result<Scope> {
    let input = input.unwrap_or_default();
    match (input.area_id, input.unit_id) {
        (None, None) => Ok(Scope::Organisation),
        (Some(area), None) => Ok(Scope::Area(area)),
        (None, Some(unit)) => Ok(Scope::Unit(unit)),
        (Some(_), Some(_)) => Err(error(Code::InvalidInput, "give areaId or unitId, not both")),
    }
}

/// Builds the report after checking the caller's role and the input.
pub(crate) async fn build(
    ctx: &Context<'_>,
    year: i32,
    scope_input: Option<ReportScopeInput>,
) -> Result<QualityReport> {
    let p = principal(ctx)?;
    let Some(reader) = policy::report_reader(p) else {
        return Err(error(
            Code::Forbidden,
            "the quality report is for the auditor, SAS, MAS and committee roles",
        ));
    };
    if !(1900..=2200).contains(&year) {
        return Err(error(
            Code::InvalidInput,
            "year must be between 1900 and 2200",
        ));
    }
    let scope = scope(scope_input)?;
    let _turn = ctx
        .data_unchecked::<crate::guard::Expensive>()
        .turn(&p.user_id)
        .await;
    let store = store(ctx);
    let data = store
        .report_data_for(year, &scope, Utc::now(), &reader)
        .await
        .map_err(from_store)?;
    let catalog = store.catalog().map_err(from_store)?;
    let report = varna_report::build(&data, &catalog);
    // The report names cases (repeat events): each named case is a read.
    let now = Utc::now();
    let named: std::collections::BTreeSet<&String> = report
        .repeats
        .cases
        .iter()
        .flat_map(|c| std::iter::once(&c.case_id).chain(&c.earlier_case_ids))
        .collect();
    let mut reads = Vec::with_capacity(named.len());
    for id in named {
        let case_id = varna_store::CaseId::parse(id).ok_or_else(|| {
            crate::error::internal(&varna_store::Error::Corrupt(
                "the report names a case by an id that is not a UUID".into(),
            ))
        })?;
        reads.push(NewAccess {
            actor_id: p.user_id.clone(),
            role: p.role,
            case_id,
            purpose: super::case::Purpose::Report.as_str().to_owned(),
            at: now,
        });
    }
    store.record_accesses(reads).await.map_err(from_store)?;
    Ok(report)
}

/// Renders the report as a file.
pub(crate) fn export(report: &QualityReport, format: ReportFormat) -> ReportExport {
    let format = match format {
        ReportFormat::Csv => Format::Csv,
        ReportFormat::Json => Format::Json,
        ReportFormat::Html => Format::Html,
    };
    let scope = if report.scope_id.is_empty() {
        String::new()
    } else {
        format!("-{}", report.scope_id)
    };
    ReportExport {
        filename: format!(
            "kvalitetsberattelse-{}{scope}.{}",
            report.year,
            format.extension()
        ),
        media_type: format.media_type().to_owned(),
        content: varna_report::render(report, format),
    }
}
