//! `varna-bench read`: read latency under load over HTTP. Starts a
//! `varna serve` child on an existing (seeded) database, then for each
//! client count runs `case(id) { history }` on random cases and a filtered
//! `cases` page on random units, as an auditor (every case read is
//! recorded in the access log, as in production). Also reports cold start
//! and the server's resident memory idle and under load.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};
use varna_store::StoreConfig;
use varna_workflow::Role;

use crate::child::{ChildServer, graphql};
use crate::load::{Sample, drive, header, row, timed};
use varna::demo::Dice;

/// What `varna-bench read` runs.
#[derive(Debug, Clone)]
pub(crate) struct ReadPlan {
    pub(crate) store: StoreConfig,
    pub(crate) workflows: PathBuf,
    /// The `varna` binary to start as the server (default: this binary's `serve`).
    pub(crate) varna: Option<PathBuf>,
    pub(crate) seconds: f64,
    pub(crate) clients: Vec<usize>,
    /// A PostGraphile endpoint over the same PostgreSQL tables to measure
    /// beside Varna, with the equivalent queries.
    pub(crate) compare: Option<String>,
}

const CASE: &str = "query($id: ID!) { case(id: $id) { id kind state { id } version \
    history { sequence eventType actorRole occurredAt transition } } }";
const PAGE: &str = "query($units: [String!]) { cases(filter: { units: $units, kinds: [AVVIKELSE] }, first: 20) \
    { totalCount edges { node { id state { id } openedAt nextDueAt } } } }";
/// PostGraphile's names for the same reads of the same tables (it has no
/// relation from `event` to `cases`, so the history is a second root field).
const PG_CASE: &str = "query($id: String!) { caseById(id: $id) { id kind state version } \
    allEvents(condition: { caseId: $id }, orderBy: SEQUENCE_ASC) \
    { nodes { sequence eventType actorRole occurredAt } } }";
const PG_PAGE: &str = "query($unit: String!) { allCases(condition: { unitId: $unit, kind: \"avvikelse\" }, \
    first: 20, orderBy: OPENED_AT_DESC) { totalCount nodes { id state openedAt nextDueAt } } }";

/// One measured read: its label, query, and whether it takes a unit
/// (else a case id) in the variable `var`.
struct Read {
    label: &'static str,
    query: &'static str,
    var: &'static str,
    by_unit: bool,
}

const VARNA_READS: [Read; 2] = [
    Read {
        label: "case(id) { history }",
        query: CASE,
        var: "id",
        by_unit: false,
    },
    Read {
        label: "cases page (unit, kind)",
        query: PAGE,
        var: "units",
        by_unit: true,
    },
];
const POSTGRAPHILE_READS: [Read; 2] = [
    Read {
        label: "postgraphile: caseById + events",
        query: PG_CASE,
        var: "id",
        by_unit: false,
    },
    Read {
        label: "postgraphile: allCases page",
        query: PG_PAGE,
        var: "unit",
        by_unit: true,
    },
];

/// Where to send reads, with what token, about which cases and units.
struct Target {
    base: String,
    token: String,
    ids: Arc<Vec<String>>,
    units: Arc<Vec<String>>,
}

/// `clients` clients sending `read` to `target` for `run_for`.
async fn measure(
    target: &Arc<Target>,
    read: &'static Read,
    clients: usize,
    run_for: Duration,
) -> anyhow::Result<Sample> {
    let t = Arc::clone(target);
    drive(clients, run_for, move |client, deadline| {
        let t = Arc::clone(&t);
        async move {
            let http = reqwest::Client::new();
            let mut dice = Dice(0xA5A5_5A5A ^ (client as u64 + 1));
            let mut l = Vec::new();
            while Instant::now() < deadline {
                let value = match (read.by_unit, read.var) {
                    (true, "units") => json!([dice.pick(&t.units)]),
                    (true, _) => json!(dice.pick(&t.units)),
                    (false, _) => json!(dice.pick(&t.ids)),
                };
                let vars = Value::Object([(read.var.to_owned(), value)].into_iter().collect());
                timed(&mut l, graphql(&http, &t.base, &t.token, read.query, vars)).await?;
            }
            Ok(l)
        }
    })
    .await
}

const SAMPLE: &str = "query($after: String) { cases(first: 100, after: $after) \
    { edges { node { id unit } } pageInfo { endCursor hasNextPage } } }";

/// Case ids and units to pick from: the first pages of `cases`.
async fn targets(
    http: &reqwest::Client,
    server: &ChildServer,
    token: &str,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let (mut ids, mut units) = (Vec::new(), Vec::new());
    let mut after = Value::Null;
    for _ in 0..10 {
        let data = graphql(http, &server.base, token, SAMPLE, json!({ "after": after })).await?;
        for edge in data["cases"]["edges"].as_array().into_iter().flatten() {
            ids.extend(edge["node"]["id"].as_str().map(str::to_owned));
            units.extend(edge["node"]["unit"].as_str().map(str::to_owned));
        }
        if data["cases"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = data["cases"]["pageInfo"]["endCursor"].clone();
    }
    units.sort();
    units.dedup();
    if ids.is_empty() {
        anyhow::bail!("the database has no cases to read: fill it first with `varna-bench seed`");
    }
    Ok((ids, units))
}

/// `varna-bench read`.
pub(crate) async fn read(plan: ReadPlan) -> anyhow::Result<ExitCode> {
    let server = ChildServer::start(&plan.store, &plan.workflows, plan.varna.as_deref()).await?;
    let cold = server.cold_start;
    let token = server.token(Role::Auditor, &[]);
    let http = reqwest::Client::new();
    let (ids, units) = targets(&http, &server, &token).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = server
        .rss_mib()
        .context("reading the server's memory from /proc")?;
    println!(
        "read latency over HTTP ({} cases sampled in {} units), {} s per measurement",
        ids.len(),
        units.len(),
        plan.seconds
    );
    println!("{}", header("query"));
    let peak = Arc::new(AtomicU64::new(0));
    let watcher = {
        let (peak, pid) = (Arc::clone(&peak), server.pid());
        tokio::spawn(async move {
            loop {
                if let Some(kb) = std::fs::read_to_string(format!("/proc/{pid}/status"))
                    .ok()
                    .and_then(|s| {
                        s.lines()
                            .find_map(|l| l.strip_prefix("VmRSS:"))
                            .and_then(|v| {
                                v.trim().trim_end_matches("kB").trim().parse::<u64>().ok()
                            })
                    })
                {
                    peak.fetch_max(kb, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let run_for = Duration::from_secs_f64(plan.seconds);
    let (ids, units) = (Arc::new(ids), Arc::new(units));
    let varna = Arc::new(Target {
        base: server.base.clone(),
        token,
        ids: Arc::clone(&ids),
        units: Arc::clone(&units),
    });
    let mut rates = Vec::new();
    for &clients in &plan.clients {
        for read in &VARNA_READS {
            let sample = measure(&varna, read, clients, run_for).await?;
            println!("{}", row(read.label, &sample));
            rates.push((clients, read.by_unit, sample.rate(), None));
        }
    }
    watcher.abort();
    let peak = peak.load(Ordering::Relaxed) as f64 / 1024.0;
    server.stop().await?;
    if let Some(base) = &plan.compare {
        let other = Arc::new(Target {
            base: base.trim_end_matches("/graphql").to_owned(),
            token: "postgraphile-ignores-it".to_owned(),
            ids,
            units,
        });
        for &clients in &plan.clients {
            for read in &POSTGRAPHILE_READS {
                let sample = measure(&other, read, clients, run_for).await?;
                println!("{}", row(read.label, &sample));
                for r in rates
                    .iter_mut()
                    .filter(|r| r.0 == clients && r.1 == read.by_unit)
                {
                    r.3 = Some(sample.rate());
                }
            }
        }
        println!();
        for (clients, by_unit, varna, other) in &rates {
            if let Some(other) = other {
                println!(
                    "{clients} client(s), {}: Varna {varna:.0} req/s, PostGraphile {other:.0} req/s, Varna/PostGraphile {:.0} %",
                    if *by_unit {
                        "cases page"
                    } else {
                        "case with history"
                    },
                    100.0 * varna / other.max(1e-9)
                );
            }
        }
    }
    println!();
    println!(
        "cold start to /ready: {:.0} ms; server RSS idle {idle:.0} MiB, peak under load {peak:.0} MiB",
        cold.as_secs_f64() * 1_000.0
    );
    Ok(ExitCode::SUCCESS)
}
