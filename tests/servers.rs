//! Deadlines, notifications and live updates through real `varna serve`
//! processes: one server on SQLite, two servers side by side on one
//! PostgreSQL database. Cases whose 24-hour SAS clock has passed are in the
//! database before the servers start, so their schedulers race for the same
//! deadlines; a webhook receiver and an SMTP sink on loopback count what
//! arrives; a subscriber on the first server hears of a case filed on the
//! last; and a server killed with SIGKILL while deliveries are in flight
//! loses none of them.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::{Server, token};
use serde_json::json;
use varna_store::{CommandOptions, Store, StoreConfig};
use varna_testkit::shipped_catalog as catalog;
use varna_testkit::{GraphqlWs, PgCluster, SmtpSink, WebhookReceiver};
use varna_workflow::Role;

const HOOK_SECRET: &str = "e2e-webhook-secret-0123456789";
const OVERDUE_CASES: usize = 8;

/// The unit, and lex Sarah reports (LSS) filed 30 hours ago (their SAS clock has passed).
async fn prepare(url: &str) {
    let store = Store::open(&StoreConfig::new(url), &catalog())
        .await
        .expect("store opens");
    store.upsert_unit(common::linden()).await.expect("unit");
    for _ in 0..OVERDUE_CASES {
        let (mut filing, reporter) = varna_testkit::lex_sarah_report("linden");
        // Under LSS the protective-measures clock runs three days (utan
        // dröjsmål): after 30 hours only the SAS clock has passed.
        filing.lagrum = varna_workflow::Lagrum::Lss;
        let options = CommandOptions {
            now: Some(chrono::Utc::now() - chrono::Duration::hours(30)),
            ..CommandOptions::default()
        };
        store
            .file_case("lex-sarah", filing, None, &reporter, options)
            .await
            .expect("filed");
    }
    store.close().await.expect("closes");
}

struct Sinks {
    hook: WebhookReceiver,
    smtp: SmtpSink,
}

fn start(url: &str, sinks: &Sinks) -> Server {
    let smtp = sinks.smtp.url();
    let hook = sinks.hook.url().to_owned();
    tokio::task::block_in_place(|| {
        Server::start(
            url,
            &[
                "--sweep-interval",
                "200ms",
                "--retry-after",
                "200ms",
                "--delivery-lease",
                "3s",
                "--smtp-from",
                "Varna <varna@kommun.test>",
                "--notify-email",
                "sas=sas@kommun.test",
            ],
            &[
                ("VARNA_WEBHOOK_URL", hook.as_str()),
                ("VARNA_WEBHOOK_SECRET", HOOK_SECRET),
                ("VARNA_SMTP_URL", smtp.as_str()),
            ],
            tempfile::tempdir().expect("temp dir"),
        )
    })
}

async fn wait_for(what: &str, seconds: u64, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const FILE: &str = r#"mutation { fileCase(input: { kind: LEX_SARAH, lagrum: SOL, unit: "linden", fields: { what_happened: "Larmet besvarades inte", occurred_on: "2026-03-02", affected_gender: "kvinna" } }) { caseId } }"#;

fn file(server: &Server) -> String {
    let reporter = token(Role::Reporter, &["linden"]);
    let r = tokio::task::block_in_place(|| server.graphql(&reporter, FILE, &json!({})));
    r["data"]["fileCase"]["caseId"]
        .as_str()
        .unwrap_or_else(|| panic!("filed: {r}"))
        .to_owned()
}

/// Every notification id and every deadline_passed event in the database.
async fn recorded(url: &str) -> (BTreeSet<String>, BTreeMap<(String, String), usize>) {
    let store = Store::connect(&StoreConfig::new(url))
        .await
        .expect("connects");
    let ids = store
        .deliveries(None, 10_000)
        .await
        .expect("lists")
        .into_iter()
        .map(|d| d.notification_id)
        .collect();
    let mut passed = BTreeMap::new();
    let filter = varna_store::queries::CaseFilter::default();
    let page = store.cases(&filter, 200, None).await.expect("cases");
    for case in page.items {
        for e in store.history(&case.id).await.expect("history") {
            if let varna_workflow::EventKind::DeadlinePassed { deadline, .. } = e.event.kind {
                *passed.entry((case.id.to_string(), deadline)).or_insert(0) += 1;
            }
        }
    }
    store.close().await.expect("closes");
    (ids, passed)
}

async fn scenario(url: String, servers: usize) {
    prepare(&url).await;
    let sinks = Sinks {
        hook: WebhookReceiver::start().await,
        smtp: SmtpSink::start().await,
    };
    let mut running: Vec<Server> = (0..servers).map(|_| start(&url, &sinks)).collect();

    // A SAS subscribed on the first server hears of a case filed on the last.
    let ws = format!("ws://127.0.0.1:{}/graphql/ws", running[0].port);
    let mut sas = GraphqlWs::connect(&ws, &token(Role::Sas, &[]))
        .await
        .expect("subscribes");
    sas.subscribe(
        "1",
        "subscription { caseEvents(filter: { eventTypes: [\"filed\"] }) { caseId eventType unit } }",
        json!({}),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let new_case = file(running.last().expect("a server"));
    let (_, payload) = sas
        .next(Duration::from_secs(15))
        .await
        .expect("the subscriber hears of the new case");
    assert_eq!(payload["data"]["caseEvents"]["caseId"], new_case.as_str());
    assert_eq!(payload["data"]["caseEvents"]["unit"], "linden");

    // Notifications: each filing tells the SAS (webhook and e-mail); each
    // passed SAS clock tells the SAS (both) and the verksamhetschef (webhook).
    let filings = OVERDUE_CASES + 1;
    let webhook_total = filings + 2 * OVERDUE_CASES;
    let mail_total = filings + OVERDUE_CASES;
    wait_for("every notification", 60, || {
        sinks.hook.processed_ids().len() >= webhook_total && sinks.smtp.mails().len() >= mail_total
    })
    .await;
    let (ids, passed) = recorded(&url).await;
    assert_eq!(passed.len(), OVERDUE_CASES, "every passed clock recorded");
    assert!(
        passed.values().all(|&n| n == 1),
        "no clock recorded twice: {passed:?}"
    );
    let received = sinks.hook.received();
    assert_eq!(received.len(), webhook_total, "no webhook repeated");
    assert_eq!(sinks.hook.processed_ids(), ids, "no notification missed");
    let mail_ids: BTreeSet<String> = sinks
        .smtp
        .mails()
        .iter()
        .filter_map(|m| m.header("X-Varna-Notification-Id"))
        .collect();
    assert_eq!(sinks.smtp.mails().len(), mail_total, "no e-mail repeated");
    assert_eq!(mail_ids.len(), mail_total);
    for r in &received {
        assert_eq!(r.signature, varna_notify::sign(HOOK_SECRET, &r.body));
    }

    // Kill the first server with SIGKILL while deliveries are in flight,
    // then bring it back: nothing acknowledged is lost, repeats carry the
    // same id.
    sinks.hook.answer_after(Duration::from_millis(1000));
    let before = sinks.hook.received().len();
    for _ in 0..5 {
        file(&running[0]);
    }
    wait_for("deliveries in flight", 30, || {
        sinks.hook.received().len() > before
    })
    .await;
    let killed = running.remove(0);
    tokio::task::block_in_place(|| killed.kill());
    sinks.hook.answer_after(Duration::ZERO);
    running.push(start(&url, &sinks));
    wait_for("the outbox to drain after the kill", 60, || {
        sinks.hook.processed_ids().len() >= webhook_total + 5
    })
    .await;
    let (ids, _) = recorded(&url).await;
    assert_eq!(ids.len(), webhook_total + 5);
    assert_eq!(
        sinks.hook.processed_ids(),
        ids,
        "every notification arrived"
    );
    for server in running {
        assert!(tokio::task::block_in_place(|| server.stop()).success());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_server_on_sqlite_delivers_every_notification_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/varna.db?mode=rwc", dir.path().display());
    scenario(url, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgres_share_the_work_without_duplicates_or_misses() {
    let Some(pg) = PgCluster::start_or_skip("two_servers_on_one_postgres") else {
        return;
    };
    scenario(pg.url(), 2).await;
}
