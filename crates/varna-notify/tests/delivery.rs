//! Notification delivery driven the way `varna serve` drives it, against a
//! webhook receiver and an SMTP sink on loopback, on SQLite and PostgreSQL:
//! signed bodies without case content, retries with backoff, dead letters,
//! a delivery killed midway, and the scheduler's deadline notices.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use varna_notify::{EmailConfig, NotifyConfig, WebhookConfig, Worker, sign};
use varna_store::{CommandOptions, NewUnit, RetryPolicy, Store, StoreConfig};
use varna_testkit::{LEX_SARAH_TEXT, PgCluster, SmtpSink, WebhookReceiver, lex_sarah_report};

const SECRET: &str = "test-webhook-secret";
const CONTENT: &str = LEX_SARAH_TEXT;

#[allow(dead_code)]
enum Guard {
    Sqlite(tempfile::TempDir),
    Postgres(PgCluster),
}

async fn store(backend: &str, test: &str) -> Option<(Arc<Store>, Guard)> {
    let (url, guard) = if backend == "postgres" {
        let cluster = PgCluster::start_or_skip(test)?;
        (cluster.url(), Guard::Postgres(cluster))
    } else {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/varna.db?mode=rwc", dir.path().display());
        (url, Guard::Sqlite(dir))
    };
    let catalog = varna_testkit::shipped_catalog();
    let store = Store::open(&StoreConfig::new(url), &catalog)
        .await
        .expect("store opens");
    store
        .upsert_unit(NewUnit {
            id: "linden".into(),
            name: "Lindens vård- och omsorgsboende".into(),
            verksamhetsomrade_id: "aldreomsorg".into(),
            verksamhetsomrade_name: "Äldreomsorg".into(),
            organisation_id: "kommunen".into(),
            organisation_name: "Exempelkommunen".into(),
        })
        .await
        .expect("unit");
    Some((Arc::new(store), guard))
}

/// Files a lex Sarah report `hours_ago` hours ago (which tells the SAS),
/// under LSS: its protective-measures clock runs three days (utan
/// dröjsmål), so within that only the SAS clock can pass.
async fn report(store: &Store, hours_ago: i64) -> String {
    let (mut filing, reporter) = lex_sarah_report("linden");
    filing.lagrum = varna_workflow::Lagrum::Lss;
    let options = CommandOptions {
        now: Some(Utc::now() - chrono::Duration::hours(hours_ago)),
        ..CommandOptions::default()
    };
    store
        .file_case("lex-sarah", filing, None, &reporter, options)
        .await
        .expect("filed")
        .case_id
        .to_string()
}

fn config(
    webhook: Option<&WebhookReceiver>,
    smtp: Option<&SmtpSink>,
    policy: RetryPolicy,
) -> NotifyConfig {
    NotifyConfig {
        scheduler: true,
        sweep_every: Duration::from_millis(100),
        deliver_every: Duration::from_millis(50),
        webhook: webhook.map(|w| WebhookConfig {
            url: w.url().to_owned(),
            secret: SECRET.to_owned(),
            timeout: Duration::from_secs(5),
        }),
        email: smtp.map(|s| EmailConfig {
            url: s.url(),
            from: "Varna <varna@kommun.test>".to_owned(),
            recipients: BTreeMap::from([
                ("sas".to_owned(), vec!["sas@kommun.test".to_owned()]),
                (
                    "operations_manager".to_owned(),
                    vec!["vc@kommun.test".to_owned()],
                ),
            ]),
        }),
        public_url: "https://varna.kommun.test".to_owned(),
        policy,
    }
}

fn fast(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        first_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(400),
        lease: Duration::from_secs(1),
    }
}

/// Runs delivery passes until `done` or 20 s pass.
async fn deliver_until(worker: &Worker, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "delivery did not finish in 20 s"
        );
        worker.deliver_once().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let (store, _g) = super::store("sqlite", "").await.expect("sqlite");
                    super::$name(store).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some((store, _g)) =
                        super::store("postgres", concat!(module_path!(), "::postgres")).await
                    {
                        super::$name(store).await;
                    }
                }
            }
        )*
    };
}

on_both_backends!(
    webhook_and_email_carry_a_signed_link_and_no_case_content,
    failed_deliveries_are_retried_with_backoff_until_they_arrive,
    a_receiver_that_keeps_failing_gets_a_dead_letter_an_operator_can_retry,
    delivery_killed_midway_loses_nothing_and_repeats_only_under_the_same_id,
    a_passed_deadline_reaches_those_responsible,
    a_named_handlaggare_is_told_alone_by_webhook_and_not_in_the_role_mailbox,
);

async fn webhook_and_email_carry_a_signed_link_and_no_case_content(store: Arc<Store>) {
    let hook = WebhookReceiver::start().await;
    let sink = SmtpSink::start().await;
    let mut cases = BTreeSet::new();
    for _ in 0..3 {
        cases.insert(report(&store, 0).await);
    }
    let worker = Worker::new(
        Arc::clone(&store),
        config(Some(&hook), Some(&sink), fast(3)),
    )
    .expect("worker");
    deliver_until(&worker, || {
        hook.received().len() >= 3 && sink.mails().len() >= 3
    })
    .await;

    let received = hook.received();
    assert_eq!(received.len(), 3);
    let mut seen = BTreeSet::new();
    for r in &received {
        assert_eq!(
            r.signature,
            sign(SECRET, &r.body),
            "signed with HMAC-SHA256"
        );
        assert_eq!(r.idempotency_key, r.id);
        let body: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
        assert_eq!(body["id"], r.id.as_str());
        assert_eq!(body["event"], "filed");
        assert_eq!(body["role"], "sas");
        assert_eq!(body["case"]["kind"], "lex-sarah");
        assert_eq!(body["case"]["unit"], "linden");
        let case_id = body["case"]["id"].as_str().expect("case id").to_owned();
        assert_eq!(
            body["case"]["url"],
            format!("https://varna.kommun.test/cases/{case_id}")
        );
        seen.insert(case_id);
        let text = String::from_utf8_lossy(&r.body);
        assert!(!text.contains(CONTENT), "no case content in a webhook");
    }
    assert_eq!(seen, cases);

    let mails = sink.mails();
    assert_eq!(mails.len(), 3);
    for m in &mails {
        assert_eq!(m.to, vec!["sas@kommun.test".to_owned()]);
        assert_eq!(m.from, "varna@kommun.test");
        let id = m.header("X-Varna-Notification-Id").expect("id header");
        assert!(
            m.header("Message-ID").expect("message id").contains(&id),
            "the Message-ID carries the notification id"
        );
        assert!(m.text().contains("https://varna.kommun.test/cases/"));
        assert!(!m.data.contains(CONTENT), "no case content in an e-mail");
    }
    // Nothing is sent twice once delivered.
    worker.deliver_once().await;
    assert_eq!(hook.received().len(), 3);
    assert_eq!(sink.mails().len(), 3);
}

async fn failed_deliveries_are_retried_with_backoff_until_they_arrive(store: Arc<Store>) {
    let hook = WebhookReceiver::start().await;
    hook.fail_next(2);
    report(&store, 0).await;
    let worker =
        Worker::new(Arc::clone(&store), config(Some(&hook), None, fast(5))).expect("worker");
    deliver_until(&worker, || !hook.processed_ids().is_empty()).await;
    let received = hook.received();
    assert_eq!(
        received.iter().map(|r| r.answered).collect::<Vec<_>>(),
        vec![503, 503, 200]
    );
    assert!(
        received.iter().all(|r| r.id == received[0].id),
        "one idempotency id throughout"
    );
    let rows = store.deliveries(None, 10).await.expect("lists");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].status.as_str(), rows[0].attempts),
        ("delivered", 3)
    );
}

async fn a_receiver_that_keeps_failing_gets_a_dead_letter_an_operator_can_retry(store: Arc<Store>) {
    let hook = WebhookReceiver::start().await;
    hook.fail_always(true);
    report(&store, 0).await;
    let worker =
        Worker::new(Arc::clone(&store), config(Some(&hook), None, fast(3))).expect("worker");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        worker.deliver_once().await;
        if !store
            .deliveries(Some("dead"), 10)
            .await
            .expect("lists")
            .is_empty()
        {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never went dead");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(hook.received().len(), 3, "exactly max_attempts attempts");
    let dead = store.deliveries(Some("dead"), 10).await.expect("lists");
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 500"));

    hook.fail_always(false);
    assert_eq!(
        store
            .retry_dead_deliveries(Some(&dead[0].notification_id), Utc::now())
            .await
            .expect("retries"),
        1
    );
    deliver_until(&worker, || !hook.processed_ids().is_empty()).await;
    assert_eq!(
        hook.processed_ids(),
        BTreeSet::from([dead[0].notification_id.clone()])
    );
}

async fn delivery_killed_midway_loses_nothing_and_repeats_only_under_the_same_id(
    store: Arc<Store>,
) {
    let hook = WebhookReceiver::start().await;
    hook.answer_after(Duration::from_millis(400));
    for _ in 0..20 {
        report(&store, 0).await;
    }
    let first =
        Worker::new(Arc::clone(&store), config(Some(&hook), None, fast(5))).expect("worker");
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(first.run(shutdown));
    // Kill it while requests are in flight.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while hook.received().len() < 5 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "delivery never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    running.abort();
    let _ = running.await;
    drop(stop);
    let in_flight = store
        .deliveries(Some("delivering"), 100)
        .await
        .expect("lists");
    assert!(!in_flight.is_empty(), "the kill left deliveries unsettled");

    hook.answer_after(Duration::ZERO);
    let second =
        Worker::new(Arc::clone(&store), config(Some(&hook), None, fast(5))).expect("worker");
    let all: BTreeSet<String> = store
        .deliveries(None, 100)
        .await
        .expect("lists")
        .into_iter()
        .map(|d| d.notification_id)
        .collect();
    assert_eq!(all.len(), 20);
    // The receiver may already have seen every id (it processes a request
    // before it answers); the store learns of it only by a new attempt
    // once the dead worker's leases run out.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        second.deliver_once().await;
        let settled = store
            .deliveries(Some("delivered"), 100)
            .await
            .expect("lists")
            .len();
        if settled == 20 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {settled} of 20 settled in 20 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let delivered = store
        .deliveries(Some("delivered"), 100)
        .await
        .expect("lists");
    assert_eq!(
        delivered.len(),
        20,
        "every notification settled as delivered"
    );
    let received = hook.received();
    let ids: BTreeSet<String> = received.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids, all, "nothing lost, nothing unknown");
    let repeats = received.len() - ids.len();
    assert!(
        repeats <= in_flight.len(),
        "only deliveries cut off midway were sent again ({repeats} repeats, {} in flight)",
        in_flight.len()
    );
}

async fn a_passed_deadline_reaches_those_responsible(store: Arc<Store>) {
    let hook = WebhookReceiver::start().await;
    let sink = SmtpSink::start().await;
    let case = report(&store, 30).await;
    let worker = Worker::new(
        Arc::clone(&store),
        config(Some(&hook), Some(&sink), fast(3)),
    )
    .expect("worker");
    worker.sweep_once().await;
    deliver_until(&worker, || hook.received().len() >= 3).await;
    let events: Vec<(String, String, String)> = hook
        .received()
        .iter()
        .map(|r| {
            let b: serde_json::Value = serde_json::from_slice(&r.body).expect("JSON");
            (
                b["event"].as_str().unwrap_or_default().to_owned(),
                b["role"].as_str().unwrap_or_default().to_owned(),
                b["deadline"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        events,
        vec![
            (
                "deadline_passed".into(),
                "operations_manager".into(),
                "sas_informed".into()
            ),
            (
                "deadline_passed".into(),
                "sas".into(),
                "sas_informed".into()
            ),
            ("filed".into(), "sas".into(), String::new()),
        ]
    );
    let vc_mail = sink
        .mails()
        .into_iter()
        .find(|m| m.to == vec!["vc@kommun.test".to_owned()])
        .expect("the verksamhetschef is e-mailed");
    assert!(
        vc_mail
            .text()
            .contains("Tidsfrist passerad: SAS informerad")
    );
    assert!(
        vc_mail
            .text()
            .contains(&format!("https://varna.kommun.test/cases/{case}"))
    );
}

/// The handläggare named is told alone: the webhook names them as the
/// recipient (the receiver routes it), and the e-mail channel, which
/// writes to the role's mailbox, leaves it out.
async fn a_named_handlaggare_is_told_alone_by_webhook_and_not_in_the_role_mailbox(
    store: Arc<Store>,
) {
    let hook = WebhookReceiver::start().await;
    let sink = SmtpSink::start().await;
    let case = report(&store, 0).await;
    let id = varna_store::CaseId::parse(&case).expect("an id");
    let sas = varna_workflow::Actor {
        id: varna_workflow::ActorId::new("sas-1"),
        role: varna_workflow::Role::Sas,
        units: BTreeSet::new(),
    };
    store
        .execute(
            &id,
            varna_workflow::Command::Assign {
                person: varna_workflow::ActorId::new("sas-2"),
                role: varna_workflow::Role::Sas,
            },
            &sas,
            CommandOptions::default(),
        )
        .await
        .expect("named");
    let worker = Worker::new(
        Arc::clone(&store),
        config(Some(&hook), Some(&sink), fast(3)),
    )
    .expect("worker");
    deliver_until(&worker, || {
        hook.received().len() >= 2 && !sink.mails().is_empty()
    })
    .await;
    // Another pass: nothing more arrives by e-mail.
    worker.deliver_once().await;
    let bodies: Vec<serde_json::Value> = hook
        .received()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("JSON"))
        .collect();
    let assigned = bodies
        .iter()
        .find(|b| b["event"] == "assigned")
        .expect("the naming went out by webhook");
    assert_eq!(assigned["recipient"], "sas-2");
    assert_eq!(assigned["role"], "sas");
    assert_eq!(assigned["case"]["id"], case.as_str());
    let filed = bodies
        .iter()
        .find(|b| b["event"] == "filed")
        .expect("filed");
    assert!(filed["recipient"].is_null(), "a role notice names no one");
    assert_eq!(
        sink.mails().len(),
        1,
        "only the role notice goes to the role mailbox"
    );
}
