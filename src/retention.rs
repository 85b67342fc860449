//! `varna retention plan|run|protocol`: the gallringsbeslut applied from
//! the command line. The rules are the lifecycles' `[[retention]]` tables
//! (workflows/README.md); the store disposes of each due case's personal
//! content in its own transaction and records it on the chain, and the
//! gallringsprotokoll is read back from those records.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use clap::Subcommand;
use varna_store::{DisposalRecord, Store, StoreConfig};
use varna_workflow::{Actor, ActorId, Role};

use crate::cli::DatabaseArgs;
use crate::progress::Ticker;

#[derive(Debug, Subcommand)]
pub(crate) enum RetentionCommand {
    /// List what the gallringsbeslut keeps and disposes of: per lifecycle and
    /// rule, the closed cases due now, due later (by year) and kept for good.
    ///
    /// Changes nothing. The rules are each lifecycle's [[retention]] tables
    /// (workflows/README.md), of its current version.
    ///
    /// Example: varna retention plan --list
    Plan {
        /// Plan as of this day (YYYY-MM-DD) instead of today, to see what a
        /// later run will dispose of.
        #[arg(long, value_parser = parse_day)]
        at: Option<DateTime<Utc>>,
        /// Also list each case due (id, lifecycle, end state, rule, due date).
        #[arg(long)]
        list: bool,
        /// A folder with customised lifecycle definitions; the built-in ones by default.
        #[arg(long, env = "VARNA_WORKFLOWS_DIR")]
        workflows: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Dispose of the personal content of every case due today (gallring), and
    /// write the gallringsprotokoll of the run.
    ///
    /// For each due case: its chain is checked; the free text, the fields
    /// marked personal, the journal's texts, the files, the frozen documents and
    /// the personnummer are removed; the dates, the outcome and what the
    /// quality report counts stay; a record of the disposal (rule, legal
    /// reference, run, by whom) is added to the case's chain. `audit verify`
    /// passes afterwards. A second run disposes of nothing more. Servers may
    /// keep running.
    ///
    /// Example: varna retention run --by arkivarie-anna --protocol gallring-2026-12.csv
    Run {
        /// Who runs the gallring (a user id), as the protocol records it.
        #[arg(long)]
        by: String,
        /// Write the run's gallringsprotokoll (CSV) to this file too.
        #[arg(long)]
        protocol: Option<PathBuf>,
        /// A folder with customised lifecycle definitions; the built-in ones by default.
        #[arg(long, env = "VARNA_WORKFLOWS_DIR")]
        workflows: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Print the gallringsprotokoll (CSV): every disposal recorded on the chain,
    /// or one run's.
    ///
    /// Example: varna retention protocol --run 0193f0c4-… --output protokoll.csv
    Protocol {
        /// Only this run (its id, as `retention run` prints it).
        #[arg(long)]
        run: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

fn parse_day(text: &str) -> Result<DateTime<Utc>, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| d.and_hms_opt(23, 59, 59).expect("valid time").and_utc())
        .map_err(|_| format!("expected a day as YYYY-MM-DD, not `{text}`"))
}

impl RetentionCommand {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        let runtime = crate::cli::runtime()?;
        match self {
            RetentionCommand::Plan {
                at,
                list,
                workflows,
                database,
            } => runtime.block_on(plan(
                &database.existing_store_config()?,
                workflows.as_deref(),
                at.unwrap_or_else(Utc::now),
                list,
            )),
            RetentionCommand::Run {
                by,
                protocol,
                workflows,
                database,
            } => {
                if by.trim().is_empty() || by.chars().any(char::is_whitespace) {
                    anyhow::bail!("--by must name a user id (no spaces), e.g. --by arkivarie-anna");
                }
                runtime.block_on(run(
                    &database.existing_store_config()?,
                    workflows.as_deref(),
                    &by,
                    protocol.as_deref(),
                ))
            }
            RetentionCommand::Protocol {
                run,
                output,
                database,
            } => runtime.block_on(protocol(
                &database.existing_store_config()?,
                run.as_deref(),
                output.as_deref(),
            )),
        }
    }
}

async fn open(config: &StoreConfig, workflows: Option<&Path>) -> anyhow::Result<Store> {
    let catalog = crate::workflows::load(workflows)?;
    Ok(Store::open(config, &catalog).await?)
}

/// `varna retention plan`.
async fn plan(
    config: &StoreConfig,
    workflows: Option<&Path>,
    at: DateTime<Utc>,
    list: bool,
) -> anyhow::Result<ExitCode> {
    let store = open(config, workflows).await?;
    let planned = store.retention_plan().await?;
    store.close().await?;
    // Per lifecycle and rule: due now, kept for good, no rule, due later by year.
    #[derive(Default)]
    struct Counts {
        due: u64,
        archive: u64,
        later: BTreeMap<i32, u64>,
    }
    let mut by_rule: BTreeMap<(String, String), Counts> = BTreeMap::new();
    for p in &planned {
        let rule = p
            .rule
            .as_ref()
            .map(|r| r.id.clone())
            .unwrap_or_else(|| "(ingen regel: bevaras tills vidare)".into());
        let counts = by_rule.entry((p.kind.clone(), rule)).or_default();
        match p.due_at {
            _ if p.archived() => counts.archive += 1,
            Some(due) if due <= at => counts.due += 1,
            Some(due) => {
                *counts
                    .later
                    .entry(chrono::Datelike::year(&due))
                    .or_default() += 1
            }
            None => counts.archive += 1,
        }
    }
    println!(
        "gallring as of {}: {} closed cases not yet disposed of",
        at.date_naive(),
        planned.len()
    );
    println!(
        "{:<18} {:<40} {:>8} {:>10}  due later",
        "lifecycle", "rule", "due now", "kept"
    );
    for ((kind, rule), c) in &by_rule {
        let later = c
            .later
            .iter()
            .map(|(y, n)| format!("{y}: {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "{kind:<18} {rule:<40} {:>8} {:>10}  {later}",
            c.due, c.archive
        );
    }
    if list {
        println!();
        println!(
            "{:<36} {:<18} {:<14} {:<12} due",
            "case", "lifecycle", "end state", "rule"
        );
        for p in planned.iter().filter(|p| p.is_due(at)) {
            println!(
                "{:<36} {:<18} {:<14} {:<12} {}",
                p.case_id.to_string(),
                p.kind,
                p.state,
                p.rule.as_ref().map_or("", |r| r.id.as_str()),
                p.due_at
                    .map(|d| d.date_naive().to_string())
                    .unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `varna retention run`.
async fn run(
    config: &StoreConfig,
    workflows: Option<&Path>,
    by: &str,
    protocol_file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let store = open(config, workflows).await?;
    let run = uuid::Uuid::now_v7().to_string();
    let actor = Actor {
        id: ActorId::new(by),
        role: Role::Admin,
        units: Default::default(),
    };
    let mut ticker = Ticker::new();
    tracing::info!(run = %run, "gallring started");
    let result = store
        .dispose_due(Utc::now(), &actor, &run, |done, due| {
            ticker.tick(|| format!("{done} of {due} cases disposed of"))
        })
        .await;
    let secs = ticker.done();
    // The protocol first: what was disposed of is recorded whatever follows.
    let records = store.disposals(Some(&run)).await?;
    if let Some(path) = protocol_file {
        write_protocol(path, &records)?;
    }
    let scrubbed = match store.scrub().await {
        Ok(done) => done,
        Err(e) => {
            tracing::warn!(error = %e, "could not clear the removed content from the database's files");
            false
        }
    };
    store.close().await?;
    let disposed = result.with_context(|| {
        format!(
            "the gallring stopped after {} cases; they are disposed of and in the protocol (run {run})",
            records.len()
        )
    })?;
    let events: usize = disposed.iter().map(|d| d.events).sum();
    println!(
        "gallring run {run}: {} cases disposed of ({events} events' content removed) in {secs:.2} s",
        disposed.len()
    );
    if let Some(path) = protocol_file {
        println!("gallringsprotokoll written to {}", path.display());
    } else if !disposed.is_empty() {
        println!("the gallringsprotokoll: varna retention protocol --run {run}");
    }
    if !scrubbed {
        println!(
            "note: the removed content could not be cleared from the database's files now (a server was reading the SQLite log, or PostgreSQL's VACUUM was refused); the next checkpoint or VACUUM does it"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `varna retention protocol`.
async fn protocol(
    config: &StoreConfig,
    run: Option<&str>,
    output: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let store = Store::connect(config).await?;
    let records = store.disposals(run).await?;
    store.close().await?;
    match output {
        Some(path) => {
            write_protocol(path, &records)?;
            eprintln!(
                "gallringsprotokoll: {} disposals written to {}",
                records.len(),
                path.display()
            );
        }
        None => std::io::stdout().write_all(&protocol_csv(&records)?)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The protocol as CSV: one line per disposal, in chain order.
fn protocol_csv(records: &[DisposalRecord]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "run",
        "global_seq",
        "at",
        "by",
        "role",
        "case",
        "lifecycle",
        "unit",
        "rule",
        "legal_reference",
        "fields_removed",
        "events_changed",
    ])?;
    for r in records {
        w.write_record([
            r.run.as_str(),
            &r.global_seq.to_string(),
            &r.at.to_rfc3339(),
            &r.by.0,
            &r.by.1,
            &r.case_id,
            &r.kind,
            &r.unit_id,
            &r.rule,
            &r.reference,
            &r.fields.join(" "),
            &r.events.to_string(),
        ])?;
    }
    Ok(w.into_inner()?)
}

fn write_protocol(path: &Path, records: &[DisposalRecord]) -> anyhow::Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, protocol_csv(records)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

/// `varna serve --retention-interval`: disposes of what is due at start and
/// then every `every`, as `varna-scheduler`, until `shutdown`; each run is
/// logged with its id and count (the protocol: `varna retention protocol`).
pub(crate) async fn on_schedule(
    store: std::sync::Arc<Store>,
    every: std::time::Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let actor = Actor {
        id: ActorId::new(varna_store::SCHEDULER_ID),
        role: Role::System,
        units: Default::default(),
    };
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = shutdown.changed() => return,
        }
        let run = uuid::Uuid::now_v7().to_string();
        match store.dispose_due(Utc::now(), &actor, &run, |_, _| {}).await {
            Ok(done) if done.is_empty() => tracing::debug!("gallring: nothing due"),
            Ok(done) => {
                tracing::info!(run = %run, cases = done.len(), "gallring: due cases disposed of");
            }
            Err(e) => {
                tracing::error!(run = %run, error = %e, "gallring stopped; what it disposed of is in the protocol, the rest is retried at the next run")
            }
        }
        // Whatever was removed, in a whole or a stopped run, is cleared from the files.
        if let Err(e) = store.scrub().await {
            tracing::warn!(error = %e, "gallring: could not clear the removed content from the database's files");
        }
    }
}
