//! `varna-bench crash`: kill the server with SIGKILL at random moments
//! under a write load, restart it, and check that nothing acknowledged was
//! lost. Each round starts `varna serve` (which must recover by itself),
//! lets clients file avvikelser and take them through their lifecycle over
//! GraphQL, and kills the server between 0.1 and 1.5 s in. At the end every
//! command a client saw acknowledged must be in the event log and the case
//! projection, the projections must equal a rebuild from the log, and the
//! audit chain must verify.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use varna_store::{CaseId, NewUnit, Store, StoreConfig};

use crate::child::{ChildServer, graphql};
use crate::life::{self, Tokens};
use varna::demo::Dice;

const UNIT: &str = "bench-crash";

/// What `varna-bench crash` runs.
#[derive(Debug, Clone)]
pub(crate) struct CrashPlan {
    pub(crate) store: StoreConfig,
    pub(crate) workflows: PathBuf,
    /// The `varna` binary to start as the server (default: this binary's `serve`).
    pub(crate) varna: Option<PathBuf>,
    pub(crate) kills: usize,
    pub(crate) clients: usize,
    pub(crate) seed: u64,
}

/// Acknowledged versions by case id; a GraphQL refusal counted apart.
#[derive(Debug, Default)]
struct Ledger {
    acked: HashMap<String, u64>,
    commands: u64,
    refused: Vec<String>,
}

/// True when the request never got an answer (the server was killed).
fn is_transport(e: &anyhow::Error) -> bool {
    e.downcast_ref::<reqwest::Error>().is_some()
}

/// One client: file, then every lifecycle step, recording each
/// acknowledgement, until the server stops answering.
async fn writer(
    base: String,
    tokens: Arc<Tokens>,
    ledger: Arc<Mutex<Ledger>>,
    client: usize,
    round: usize,
) {
    let http = reqwest::Client::new();
    let mut dice = Dice(0xC0FF_EE00 ^ ((round * 64 + client) as u64 + 1));
    let ack = |case: &str, version: u64| {
        let mut l = ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        l.commands += 1;
        l.acked.insert(case.to_owned(), version);
    };
    let refuse = |e: anyhow::Error| {
        let mut l = ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        l.refused.push(format!("{e:#}"));
    };
    for n in 0.. {
        let life = life::avvikelse(UNIT, round * 100_000 + client * 1_000 + n, &mut dice);
        let filed = match life::file_variables(UNIT, &life.filing) {
            Ok(v) => graphql(&http, &base, tokens.get(life.role), life::FILE, v).await,
            Err(e) => Err(e),
        };
        let data = match filed {
            Ok(d) => d,
            Err(e) if is_transport(&e) => return,
            Err(e) => return refuse(e),
        };
        let case = data["fileCase"]["caseId"].clone();
        let id = case.as_str().unwrap_or_default().to_owned();
        ack(&id, data["fileCase"]["version"].as_u64().unwrap_or(0));
        for step in life.steps {
            let taken = match life::transition_variables(&case, step.command) {
                Ok(v) => graphql(&http, &base, tokens.get(step.role), life::TRANSITION, v).await,
                Err(e) => Err(e),
            };
            match taken {
                Ok(d) => ack(&id, d["transition"]["version"].as_u64().unwrap_or(0)),
                Err(e) if is_transport(&e) => return,
                Err(e) => return refuse(e),
            }
        }
    }
}

/// `varna-bench crash`.
pub(crate) async fn crash(plan: CrashPlan) -> anyhow::Result<ExitCode> {
    let catalog = varna::workflows::load_catalog(&plan.workflows)?;
    let store = Store::open(&plan.store, &catalog).await?;
    store
        .upsert_unit(NewUnit {
            id: UNIT.to_owned(),
            name: "Krasch-testenheten".to_owned(),
            verksamhetsomrade_id: "aldreomsorg".to_owned(),
            verksamhetsomrade_name: "Vård- och omsorgsboende".to_owned(),
            organisation_id: "riket".to_owned(),
            organisation_name: "Benchmarkkommunen".to_owned(),
        })
        .await?;
    store.close().await?;
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut dice = Dice(plan.seed | 1);
    let mut restarts = Vec::new();
    for round in 0..plan.kills {
        let server =
            ChildServer::start(&plan.store, &plan.workflows, plan.varna.as_deref()).await?;
        restarts.push(server.cold_start);
        let tokens = Arc::new(Tokens::new(&server, UNIT));
        let tasks: Vec<_> = (0..plan.clients)
            .map(|c| {
                tokio::spawn(writer(
                    server.base.clone(),
                    Arc::clone(&tokens),
                    Arc::clone(&ledger),
                    c,
                    round,
                ))
            })
            .collect();
        let after = Duration::from_millis(100 + dice.next_u64() % 1_400);
        tokio::time::sleep(after).await;
        server.kill()?;
        for t in tasks {
            t.await?;
        }
        let l = ledger
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        eprintln!(
            "kill {}/{} after {} ms: {} commands acknowledged so far on {} cases",
            round + 1,
            plan.kills,
            after.as_millis(),
            l.commands,
            l.acked.len()
        );
    }
    // A last restart must come up cleanly, too.
    let server = ChildServer::start(&plan.store, &plan.workflows, plan.varna.as_deref()).await?;
    restarts.push(server.cold_start);
    server.stop().await?;

    let ledger = Arc::try_unwrap(ledger)
        .map_err(|_| anyhow::anyhow!("a writer outlived its round"))?
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let store = Store::open(&plan.store, &catalog).await?;
    let mut lost = 0usize;
    for (id, version) in &ledger.acked {
        let case_id = CaseId::parse(id)
            .ok_or_else(|| anyhow::anyhow!("the server answered an invalid case id"))?;
        let projected = store.case(&case_id).await?.map_or(0, |r| r.case.version);
        let logged = store.history(&case_id).await?.len() as u64;
        if projected < *version || logged < *version {
            lost += 1;
        }
    }
    let check = store.check_projections(|_| {}).await?;
    let audit = store.verify_audit(|_| {}).await?;
    store.close().await?;

    let slowest = restarts.iter().max().copied().unwrap_or_default();
    println!(
        "{} kills with SIGKILL under {} writing clients: {} commands acknowledged on {} cases",
        plan.kills,
        plan.clients,
        ledger.commands,
        ledger.acked.len()
    );
    println!(
        "restarts: {} (slowest to /ready {:.0} ms)",
        restarts.len(),
        slowest.as_secs_f64() * 1_000.0
    );
    println!("acknowledged but missing: {lost}");
    println!(
        "projections vs a rebuild: {}",
        if check.agrees() {
            "equal".to_owned()
        } else {
            format!(
                "DIFFER in {:?} (personnummer changed or removed: {})",
                check.differing.iter().map(|d| &d.table).collect::<Vec<_>>(),
                check.persons.changed + check.persons.removed
            )
        }
    );
    println!(
        "audit chain: {}",
        match &audit.problem {
            None => format!("intact ({} events)", audit.events),
            Some(p) => format!("BROKEN: {p}"),
        }
    );
    for r in &ledger.refused {
        println!("refused while the server was up: {r}");
    }
    let ok = lost == 0
        && check.agrees()
        && audit.problem.is_none()
        && ledger.refused.is_empty()
        && ledger.commands > 0;
    println!("{}", if ok { "PASS" } else { "FAIL" });
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
