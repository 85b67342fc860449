//! `qualityReport` and `qualityReportExport`: the yearly quality report
//! for the roles that analyse cases across units (auditor, SAS, MAS,
//! committee). Counts, codes, case ids and durations only: no personal data.
//! Each reader's report is made of the cases they may read
//! (`varna_app::policy::report_reader`), and every case it names is
//! access-logged.

use async_graphql::{Context, Enum, InputObject, Result, SimpleObject};
use varna_report::{Format, QualityReport, Scope};

use crate::error::{Code, Gql, error};

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

/// Builds the report (the application layer checks the caller's role and
/// the year, bounds the work and logs every case it names).
pub(crate) async fn build(
    ctx: &Context<'_>,
    year: i32,
    scope_input: Option<ReportScopeInput>,
) -> Result<QualityReport> {
    let scope = scope(scope_input)?;
    super::session(ctx)?.report(year, scope).await.gql()
}

/// Renders the report as a file.
pub(crate) fn export(report: &QualityReport, format: ReportFormat) -> ReportExport {
    let format = match format {
        ReportFormat::Csv => Format::Csv,
        ReportFormat::Json => Format::Json,
        ReportFormat::Html => Format::Html,
    };
    let file = varna_app::report_file(report, format);
    ReportExport {
        filename: file.filename,
        media_type: file.media_type,
        content: file.content,
    }
}
