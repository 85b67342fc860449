//! `varna report`: the yearly quality report as CSV, JSON or HTML, written
//! to a file or standard output.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::Context;
use varna_report::{Format, Scope};
use varna_store::{Store, StoreConfig};

/// `organisation`, `area:ID` or `unit:ID`.
pub fn parse_scope(text: &str) -> Result<Scope, String> {
    match text.split_once(':') {
        None if text == "organisation" => Ok(Scope::Organisation),
        Some(("area", id)) if !id.is_empty() => Ok(Scope::Area(id.to_owned())),
        Some(("unit", id)) if !id.is_empty() => Ok(Scope::Unit(id.to_owned())),
        _ => Err(format!(
            "expected `organisation`, `area:ID` or `unit:ID`, not `{text}`"
        )),
    }
}

/// `csv`, `json` or `html`.
pub(crate) fn parse_format(text: &str) -> Result<Format, String> {
    Format::from_str(text).map_err(|e| e.to_string())
}

/// What `varna report` was asked for.
#[derive(Debug)]
pub(crate) struct ReportRequest {
    pub(crate) year: i32,
    pub(crate) scope: Scope,
    pub(crate) format: Format,
    pub(crate) output: Option<PathBuf>,
    pub(crate) workflows: Option<PathBuf>,
}

/// Builds the report and writes it where asked.
pub(crate) async fn report(
    config: &StoreConfig,
    request: ReportRequest,
) -> anyhow::Result<ExitCode> {
    let catalog = crate::workflows::load(request.workflows.as_deref())?;
    let store = Store::open(config, &catalog).await?;
    let started = std::time::Instant::now();
    let data = store
        .report_data(request.year, &request.scope, chrono::Utc::now())
        .await?;
    let report = varna_report::build(&data, &catalog);
    let text = varna_report::render(&report, request.format);
    let secs = started.elapsed().as_secs_f64();
    store.close().await?;
    match &request.output {
        Some(path) => {
            write(path, &text)?;
            eprintln!(
                "quality report {} for {} written to {} ({} bytes, built in {secs:.2} s)",
                request.year,
                report.scope_name,
                path.display(),
                text.len()
            );
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes through a temporary file in the same folder, so a reader never
/// sees half a report.
fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_bad_ones_say_what_is_expected() {
        assert_eq!(parse_scope("organisation"), Ok(Scope::Organisation));
        assert_eq!(
            parse_scope("area:aldreomsorg"),
            Ok(Scope::Area("aldreomsorg".into()))
        );
        assert_eq!(parse_scope("unit:linden"), Ok(Scope::Unit("linden".into())));
        for bad in ["", "unit:", "team:x", "org"] {
            let err = parse_scope(bad).expect_err(bad);
            assert!(err.contains("area:ID"), "{err}");
        }
    }
}
