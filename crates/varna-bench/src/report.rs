//! `varna-bench report`: times the yearly quality report on a (seeded)
//! database, split into reading the data and building plus rendering HTML.

use std::process::ExitCode;
use std::time::Instant;

use chrono::Utc;
use varna_report::{Format, Scope};
use varna_store::queries::CaseFilter;
use varna_store::{Store, StoreConfig};

/// `varna-bench report`: the report for `year`, `runs` times after one
/// warm-up run, timed in two parts (reading the data; building and
/// rendering HTML).
pub(crate) async fn report(
    config: &StoreConfig,
    workflows: &std::path::Path,
    year: i32,
    scope: Scope,
    runs: usize,
) -> anyhow::Result<ExitCode> {
    let catalog = varna::workflows::load_catalog(workflows)?;
    let store = Store::open(config, &catalog).await?;
    let cases = store.count_cases(&CaseFilter::default()).await?;
    let mut timings = Vec::new();
    let mut last = None;
    for run in 0..=runs {
        let started = Instant::now();
        let data = store.report_data(year, &scope, Utc::now()).await?;
        let read = started.elapsed();
        let built = varna_report::build(&data, &catalog);
        let html = varna_report::render(&built, Format::Html);
        let total = started.elapsed();
        if run > 0 {
            timings.push((total, read));
        }
        last = Some((data.tallies.len(), data.investigated.len(), html.len()));
    }
    store.close().await?;
    timings.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1_000.0;
    let (tallies, investigated, bytes) = last.unwrap_or_default();
    let median = timings[timings.len() / 2];
    println!(
        "quality report {year} over {cases} cases ({tallies} tally rows, {investigated} investigated cases, {bytes} bytes of HTML)"
    );
    println!(
        "{runs} runs after a warm-up: median {:.0} ms (reading {:.0} ms), fastest {:.0} ms, slowest {:.0} ms",
        ms(median.0),
        ms(median.1),
        ms(timings[0].0),
        ms(timings[timings.len() - 1].0)
    );
    Ok(ExitCode::SUCCESS)
}
