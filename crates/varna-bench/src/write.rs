//! `varna-bench write`: write throughput against the database's own limit.
//! In one run, for each client count: (a) single-row insert transactions
//! on a scratch table through the store's own pool, driver and pragmas;
//! (b) Varna commands (filing an avvikelse and taking it through its
//! lifecycle: start_investigation, report_actions, close) through the
//! store API; (c) the same commands as GraphQL mutations over HTTP to a
//! `varna serve` child. Prints the table and the ratios, against the
//! database's own limit when `--raw-rates` gives it (tools/bench.sh
//! measures it just before with a plain sqlite3 loop or pgbench), else
//! against (a).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use varna_store::{CommandOptions, NewUnit, Store, StoreConfig};

use crate::child::{ChildServer, graphql};
use crate::life::{self, Tokens};
use crate::load::{Sample, drive, header, row, timed};
use varna::demo::{self, Dice};

/// The unit the write benchmark files for (registered if missing).
const UNIT: &str = "bench-write";

/// What `varna-bench write` runs.
#[derive(Debug, Clone)]
pub(crate) struct WritePlan {
    pub(crate) store: StoreConfig,
    pub(crate) workflows: PathBuf,
    /// The `varna` binary to start as the server (default: this binary's `serve`).
    pub(crate) varna: Option<PathBuf>,
    pub(crate) seconds: f64,
    pub(crate) clients: Vec<usize>,
    pub(crate) http: bool,
    /// The database's own single-row commit rate per client count, measured
    /// outside Varna just before (tools/raw_sqlite.py, pgbench).
    pub(crate) raw_rates: Vec<(usize, f64)>,
}

/// One client filing avvikelser through the store and taking each through
/// its lifecycle; every command is one operation.
async fn store_client(
    store: Arc<Store>,
    client: usize,
    deadline: Instant,
) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::new();
    let mut dice = Dice(0x9E37_79B9 ^ (client as u64 + 1));
    for n in 0.. {
        if Instant::now() >= deadline {
            break;
        }
        let life = life::avvikelse(UNIT, client * 1_000_003 + n, &mut dice);
        let outcome = timed(&mut latencies, async {
            Ok(store
                .file_case(
                    "avvikelse",
                    life.filing,
                    None,
                    &demo::actor(life.role, UNIT),
                    CommandOptions::default(),
                )
                .await?)
        })
        .await?;
        for step in life.steps {
            if Instant::now() >= deadline {
                break;
            }
            timed(&mut latencies, async {
                Ok(store
                    .execute(
                        &outcome.case_id,
                        step.command,
                        &demo::actor(step.role, UNIT),
                        CommandOptions::default(),
                    )
                    .await?)
            })
            .await?;
        }
    }
    Ok(latencies)
}

/// The same workload as GraphQL mutations over HTTP.
async fn http_client(
    target: Arc<(String, Tokens)>,
    client: usize,
    deadline: Instant,
) -> anyhow::Result<Vec<Duration>> {
    let http = reqwest::Client::new();
    let (base, tokens) = &*target;
    let mut latencies = Vec::new();
    let mut dice = Dice(0x9E37_79B9 ^ (client as u64 + 1));
    for n in 0.. {
        if Instant::now() >= deadline {
            break;
        }
        let life = life::avvikelse(UNIT, client * 1_000_003 + n, &mut dice);
        let variables = life::file_variables(UNIT, &life.filing)?;
        let data = timed(
            &mut latencies,
            graphql(&http, base, tokens.get(life.role), life::FILE, variables),
        )
        .await?;
        let case_id = &data["fileCase"]["caseId"];
        for step in life.steps {
            if Instant::now() >= deadline {
                break;
            }
            let variables = life::transition_variables(case_id, step.command)?;
            timed(
                &mut latencies,
                graphql(
                    &http,
                    base,
                    tokens.get(step.role),
                    life::TRANSITION,
                    variables,
                ),
            )
            .await?;
        }
    }
    Ok(latencies)
}

/// A kilobyte of text, about the size of a filed event row.
fn payload() -> String {
    "Brukaren föll i badrummet nattetid; ingen larmknapp var på. ".repeat(16)
}

/// `varna-bench write`.
pub(crate) async fn write(plan: WritePlan) -> anyhow::Result<ExitCode> {
    let catalog = varna::workflows::load_catalog(&plan.workflows)?;
    let store = Arc::new(Store::open(&plan.store, &catalog).await?);
    store
        .upsert_unit(NewUnit {
            id: UNIT.to_owned(),
            name: "Benchmarkenheten".to_owned(),
            verksamhetsomrade_id: "aldreomsorg".to_owned(),
            verksamhetsomrade_name: "Vård- och omsorgsboende".to_owned(),
            organisation_id: "riket".to_owned(),
            organisation_name: "Benchmarkkommunen".to_owned(),
        })
        .await?;
    store.probe_reset().await?;
    let run_for = Duration::from_secs_f64(plan.seconds);
    let backend = format!("{:?}", store.backend()).to_lowercase();
    println!(
        "write throughput on {backend} ({}), {} s per measurement",
        plan.store.redacted_url(),
        plan.seconds
    );
    println!("{}", header("path"));
    let mut results: Vec<(usize, Sample, Sample, Option<Sample>)> = Vec::new();
    for &clients in &plan.clients {
        let payload = Arc::new(payload());
        let s = Arc::clone(&store);
        let raw = drive(clients, run_for, move |client, deadline| {
            let (store, payload) = (Arc::clone(&s), Arc::clone(&payload));
            async move {
                let mut l = Vec::new();
                while Instant::now() < deadline {
                    timed(&mut l, async {
                        Ok(store.probe_insert(client as i64, &payload).await?)
                    })
                    .await?;
                }
                Ok(l)
            }
        })
        .await?;
        println!("{}", row("single-row transactions (driver)", &raw));
        let s = Arc::clone(&store);
        let commands = drive(clients, run_for, move |client, deadline| {
            store_client(Arc::clone(&s), client, deadline)
        })
        .await?;
        println!("{}", row("commands via the store API", &commands));
        results.push((clients, raw, commands, None));
    }
    store.probe_drop().await?;
    if plan.http {
        let server =
            ChildServer::start(&plan.store, &plan.workflows, plan.varna.as_deref()).await?;
        let shared = Arc::new((server.base.clone(), Tokens::new(&server, UNIT)));
        for (clients, _, _, http) in &mut results {
            let s = Arc::clone(&shared);
            let sample = drive(*clients, run_for, move |client, deadline| {
                http_client(Arc::clone(&s), client, deadline)
            })
            .await?;
            println!("{}", row("commands via GraphQL over HTTP", &sample));
            *http = Some(sample);
        }
        server.stop().await?;
    }
    match Arc::try_unwrap(store) {
        Ok(store) => store.close().await?,
        Err(_) => anyhow::bail!("a benchmark client outlived its run"),
    }
    println!();
    for (clients, driver, commands, http) in &results {
        let own = plan
            .raw_rates
            .iter()
            .find(|(c, _)| c == clients)
            .map(|(_, r)| *r);
        let share = |rate: f64| match own {
            Some(own) => format!("{:.0} % of raw", 100.0 * rate / own.max(1e-9)),
            None => format!("{:.0} % of driver", 100.0 * rate / driver.rate().max(1e-9)),
        };
        print!("{clients} client(s): store API {}", share(commands.rate()));
        if let Some(h) = http {
            print!(", GraphQL over HTTP {}", share(h.rate()));
        }
        println!();
        if let Some(own) = own {
            println!(
                "  (raw: the database's own limit, {own:.0} tx/s; single-row transactions \
                 through Varna's driver stack reach {:.0} % of it, commands {:.0} % of those)",
                100.0 * driver.rate() / own.max(1e-9),
                100.0 * commands.rate() / driver.rate().max(1e-9)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
