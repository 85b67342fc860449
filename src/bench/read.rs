//! `varna bench read`: read latency under load over HTTP. Starts a
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

use super::child::{ChildServer, graphql};
use super::load::{drive, header, row, timed};
use crate::demo::Dice;

/// What `varna bench read` runs.
#[derive(Debug, Clone)]
pub(crate) struct ReadPlan {
    pub(crate) store: StoreConfig,
    pub(crate) workflows: PathBuf,
    pub(crate) seconds: f64,
    pub(crate) clients: Vec<usize>,
}

const CASE: &str = "query($id: ID!) { case(id: $id) { id kind state { id } version \
    history { sequence eventType actorRole occurredAt transition } } }";
const PAGE: &str = "query($units: [String!]) { cases(filter: { units: $units, kinds: [AVVIKELSE] }, first: 20) \
    { totalCount edges { node { id state { id } openedAt nextDueAt } } } }";
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
        anyhow::bail!("the database has no cases to read: fill it first with `varna bench seed`");
    }
    Ok((ids, units))
}

/// `varna bench read`.
pub(crate) async fn read(plan: ReadPlan) -> anyhow::Result<ExitCode> {
    let server = ChildServer::start(&plan.store, &plan.workflows).await?;
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
    let shared = Arc::new((server.base.clone(), token, ids, units));
    for &clients in &plan.clients {
        for (label, query) in [
            ("case(id) { history }", CASE),
            ("cases page (unit, kind)", PAGE),
        ] {
            let s = Arc::clone(&shared);
            let sample = drive(clients, run_for, move |client, deadline| {
                let s = Arc::clone(&s);
                async move {
                    let (base, token, ids, units) = &*s;
                    let http = reqwest::Client::new();
                    let mut dice = Dice(0xA5A5_5A5A ^ (client as u64 + 1));
                    let mut l = Vec::new();
                    while Instant::now() < deadline {
                        let vars = if query == CASE {
                            json!({ "id": dice.pick(ids) })
                        } else {
                            json!({ "units": [dice.pick(units)] })
                        };
                        timed(&mut l, graphql(&http, base, token, query, vars)).await?;
                    }
                    Ok(l)
                }
            })
            .await?;
            println!("{}", row(label, &sample));
        }
    }
    watcher.abort();
    let peak = peak.load(Ordering::Relaxed) as f64 / 1024.0;
    server.stop().await?;
    println!();
    println!(
        "cold start to /ready: {:.0} ms; server RSS idle {idle:.0} MiB, peak under load {peak:.0} MiB",
        cold.as_secs_f64() * 1_000.0
    );
    Ok(ExitCode::SUCCESS)
}
