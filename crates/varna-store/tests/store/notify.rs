//! Deadlines, the outbox and change notices, on SQLite and PostgreSQL: the
//! sweep passes each due clock exactly once (also with two stores sweeping
//! one database at the same time), deliveries are leased, retried with
//! backoff, dead-lettered and retried by hand, and every appended event is
//! announced to subscribers.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration as StdDuration;

use chrono::Duration;
use varna_store::{CaseChange, RetryPolicy, Store, StoreConfig};
use varna_workflow::{DeadlineStatus, EventKind, Lagrum, Notice, Role};

use crate::support::*;

on_both_backends!(
    the_sweep_passes_a_due_deadline_once_and_notifies_those_responsible,
    two_stores_sweeping_at_once_pass_each_deadline_exactly_once,
    deliveries_back_off_die_and_can_be_retried,
    an_expired_lease_is_claimed_again_under_the_same_id,
    two_stores_claiming_at_once_never_share_a_delivery,
    every_appended_event_is_announced_after_commit,
);

fn all_to_webhook(_role: &str, _recipient: Option<&str>) -> Vec<String> {
    vec!["webhook".to_owned()]
}

async fn second_store(h: &Harness) -> Store {
    Store::open(&StoreConfig::new(h.url.clone()), &catalog())
        .await
        .expect("a second store opens")
}

async fn the_sweep_passes_a_due_deadline_once_and_notifies_those_responsible(h: Harness) {
    let id = file_lex_sarah_under(&h.store, LINDEN, Lagrum::Lss)
        .await
        .case_id;
    let outbox_after_filing = h.count("outbox").await;

    let early = h
        .store
        .sweep_deadlines(t0() + Duration::hours(23), 100)
        .await
        .expect("sweeps");
    assert_eq!(early.passed, 0, "nothing is due after 23 h");

    let due = h
        .store
        .sweep_deadlines(t0() + Duration::hours(25), 100)
        .await
        .expect("sweeps");
    assert_eq!((due.passed, due.failed, due.skipped), (1, 0, false));

    let record = h.store.case(&id).await.expect("reads").expect("exists");
    assert!(matches!(
        record.case.deadlines["sas_informed"],
        DeadlineStatus::Passed { .. }
    ));
    assert!(matches!(
        record.case.deadlines["protective_measures"],
        DeadlineStatus::Open { .. }
    ));
    let history = h.store.history(&id).await.expect("history");
    let last = history.last().expect("events");
    assert_eq!(last.event.actor.id.as_str(), varna_store::SCHEDULER_ID);
    assert_eq!(last.event.actor.role, Role::System);
    assert!(matches!(
        &last.event.kind,
        EventKind::DeadlinePassed { deadline, .. } if deadline == "sas_informed"
    ));
    // The definition names the SAS and the verksamhetschef: two notifications,
    // written with the event.
    assert_eq!(h.count("outbox").await, outbox_after_filing + 2);

    let again = h
        .store
        .sweep_deadlines(t0() + Duration::hours(26), 100)
        .await
        .expect("sweeps");
    assert_eq!(again.passed, 0, "a passed deadline is not passed twice");

    // Met late, it counts as met; the case is no longer overdue for it.
    take(
        &h.store,
        &id,
        Role::Sas,
        transition("acknowledge", fields(&[])),
        27,
    )
    .await;
    let record = h.store.case(&id).await.expect("reads").expect("exists");
    assert!(matches!(
        record.case.deadlines["sas_informed"],
        DeadlineStatus::Met { .. }
    ));
    assert_intact(&h.store).await;
}

async fn two_stores_sweeping_at_once_pass_each_deadline_exactly_once(h: Harness) {
    let other = second_store(&h).await;
    let mut ids = Vec::new();
    for _ in 0..12 {
        ids.push(file_lex_sarah(&h.store, LINDEN).await.case_id);
    }
    // After four days two clocks are due on each case: sas_informed (24 h)
    // and immediate_actions (3 days). Sweep in small batches from both
    // stores at once until neither finds work.
    let now = t0() + Duration::days(4);
    let mut passed = 0;
    loop {
        let (a, b) = tokio::join!(
            h.store.sweep_deadlines(now, 5),
            other.sweep_deadlines(now, 5)
        );
        let (a, b) = (a.expect("sweeps"), b.expect("sweeps"));
        assert_eq!(a.failed + b.failed, 0);
        passed += a.passed + b.passed;
        if a.passed + b.passed + a.already_handled + b.already_handled == 0
            && !a.skipped
            && !b.skipped
        {
            break;
        }
    }
    assert_eq!(passed, 24, "{}", h.backend);
    let mut seen = BTreeMap::new();
    for id in &ids {
        for e in h.store.history(id).await.expect("history") {
            if let EventKind::DeadlinePassed { deadline, .. } = e.event.kind {
                *seen.entry((id.to_string(), deadline)).or_insert(0) += 1;
            }
        }
    }
    assert_eq!(seen.len(), 24, "no deadline missed");
    assert!(seen.values().all(|&n| n == 1), "no deadline passed twice");
    assert_intact(&h.store).await;
}

fn quick_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        first_backoff: StdDuration::from_secs(30),
        max_backoff: StdDuration::from_secs(600),
        lease: StdDuration::from_secs(60),
    }
}

async fn deliveries_back_off_die_and_can_be_retried(h: Harness) {
    let id = file_lex_sarah(&h.store, LINDEN).await.case_id;
    let policy = quick_policy(3);
    let channels = vec!["webhook".to_owned()];
    let now = t0();

    assert_eq!(
        h.store
            .queue_notifications(all_to_webhook, now, 100)
            .await
            .expect("queues"),
        1,
        "filing a lex Sarah report tells the SAS"
    );
    assert_eq!(
        h.store
            .queue_notifications(all_to_webhook, now, 100)
            .await
            .expect("queues"),
        0,
        "queued once"
    );

    let mut t = now;
    for attempt in 1..=3u32 {
        let claimed = h
            .store
            .claim_deliveries(&channels, t, policy.lease, 10)
            .await
            .expect("claims");
        assert_eq!(claimed.len(), 1, "attempt {attempt}");
        let d = &claimed[0];
        assert_eq!(d.attempt, attempt);
        assert_eq!(d.notification.case_id, id.to_string());
        assert_eq!(d.notification.role, "sas");
        assert_eq!(d.notification.notice, Notice::Filed);
        assert_eq!(d.notification.kind, "lex-sarah");
        assert_eq!(d.notification.unit, LINDEN);
        // Leased: nobody else gets it meanwhile.
        assert!(
            h.store
                .claim_deliveries(&channels, t, policy.lease, 10)
                .await
                .expect("claims")
                .is_empty()
        );
        let status = h
            .store
            .settle_delivery(d, Err("HTTP 503".into()), t, &policy)
            .await
            .expect("settles");
        let expected = if attempt < 3 { "pending" } else { "dead" };
        assert_eq!(status, Some(expected));
        if attempt < 3 {
            let wait = policy.backoff(attempt);
            assert_eq!(wait, StdDuration::from_secs(30 * 2u64.pow(attempt - 1)));
            // Not before the backoff has passed.
            let before = t + Duration::from_std(wait).expect("fits") - Duration::seconds(1);
            assert!(
                h.store
                    .claim_deliveries(&channels, before, policy.lease, 10)
                    .await
                    .expect("claims")
                    .is_empty()
            );
            t += Duration::from_std(wait).expect("fits");
        }
    }
    let dead = h.store.deliveries(Some("dead"), 10).await.expect("lists");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(dead[0].attempts, 3);
    assert!(
        h.store
            .claim_deliveries(&channels, t + Duration::days(1), policy.lease, 10)
            .await
            .expect("claims")
            .is_empty(),
        "a dead delivery waits for an operator"
    );

    let later = t + Duration::hours(1);
    assert_eq!(
        h.store
            .retry_dead_deliveries(None, later)
            .await
            .expect("retries"),
        1
    );
    let claimed = h
        .store
        .claim_deliveries(&channels, later, policy.lease, 10)
        .await
        .expect("claims");
    assert_eq!(claimed[0].attempt, 1, "a fresh set of attempts");
    assert_eq!(
        h.store
            .settle_delivery(&claimed[0], Ok(()), later, &policy)
            .await
            .expect("settles"),
        Some("delivered")
    );
    let counts = h.store.delivery_counts().await.expect("counts");
    assert!(
        counts
            .iter()
            .any(|c| c.channel == "webhook" && c.status == "delivered" && c.count == 1)
    );
}

async fn an_expired_lease_is_claimed_again_under_the_same_id(h: Harness) {
    file_lex_sarah(&h.store, LINDEN).await;
    let policy = quick_policy(5);
    let channels = vec!["webhook".to_owned()];
    h.store
        .queue_notifications(all_to_webhook, t0(), 100)
        .await
        .expect("queues");
    let first = h
        .store
        .claim_deliveries(&channels, t0(), policy.lease, 10)
        .await
        .expect("claims");
    // The worker dies without settling. When the lease runs out another takes over.
    let after_lease = t0() + Duration::seconds(61);
    let second = h
        .store
        .claim_deliveries(&channels, after_lease, policy.lease, 10)
        .await
        .expect("claims");
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].notification.id, first[0].notification.id);
    assert_eq!(second[0].attempt, 2);
    // The first worker's late report changes nothing.
    assert_eq!(
        h.store
            .settle_delivery(&first[0], Ok(()), after_lease, &policy)
            .await
            .expect("settles"),
        None
    );
    assert_eq!(
        h.store
            .settle_delivery(&second[0], Ok(()), after_lease, &policy)
            .await
            .expect("settles"),
        Some("delivered")
    );
}

async fn two_stores_claiming_at_once_never_share_a_delivery(h: Harness) {
    let other = second_store(&h).await;
    for _ in 0..15 {
        file_lex_sarah(&h.store, LINDEN).await;
    }
    // Two channels per notification: 30 deliveries.
    let route = |_: &str, _: Option<&str>| vec!["webhook".to_owned(), "email".to_owned()];
    let (a, b) = tokio::join!(
        h.store.queue_notifications(route, t0(), 8),
        other.queue_notifications(route, t0(), 8)
    );
    let mut queued = a.expect("queues") + b.expect("queues");
    while queued < 15 {
        let n = h
            .store
            .queue_notifications(route, t0(), 8)
            .await
            .expect("queues");
        assert!(n > 0, "the outbox drains");
        queued += n;
    }
    assert_eq!(h.count("delivery").await, 30);
    let channels = vec!["webhook".to_owned(), "email".to_owned()];
    let policy = quick_policy(5);
    let mut claimed = Vec::new();
    loop {
        let (a, b) = tokio::join!(
            h.store.claim_deliveries(&channels, t0(), policy.lease, 4),
            other.claim_deliveries(&channels, t0(), policy.lease, 4)
        );
        let (a, b) = (a.expect("claims"), b.expect("claims"));
        if a.is_empty() && b.is_empty() {
            break;
        }
        claimed.extend(a);
        claimed.extend(b);
    }
    let distinct: BTreeSet<(String, String)> = claimed
        .iter()
        .map(|d| (d.notification.id.clone(), d.channel.clone()))
        .collect();
    assert_eq!(claimed.len(), 30, "{}: every delivery claimed", h.backend);
    assert_eq!(distinct.len(), 30, "and none twice");
}

async fn every_appended_event_is_announced_after_commit(h: Harness) {
    let other = second_store(&h).await;
    assert!(h.store.changes_ready(StdDuration::from_secs(10)).await);
    assert!(other.changes_ready(StdDuration::from_secs(10)).await);
    let mut here = h.store.subscribe_changes();
    let mut there = other.subscribe_changes();

    // A refused command announces nothing.
    let refused = h
        .store
        .execute(
            &varna_store::CaseId::parse("01890000-0000-7000-8000-000000000000").expect("uuid"),
            transition("acknowledge", fields(&[])),
            &actor(Role::Sas, LINDEN),
            at(0),
        )
        .await;
    assert!(refused.is_err());

    let id = file_lex_sarah_under(&h.store, LINDEN, Lagrum::Lss)
        .await
        .case_id;
    h.store
        .sweep_deadlines(t0() + Duration::hours(25), 10)
        .await
        .expect("sweeps");
    let expect = |c: &CaseChange| (c.case_id.clone(), c.sequence, c.event_type.clone());
    // On SQLite one process owns the database: notices stay in the store
    // that wrote them. On PostgreSQL every store hears them.
    let mut receivers = vec![&mut here];
    if h.backend == "postgres" {
        receivers.push(&mut there);
    }
    for rx in receivers {
        let mut got = Vec::new();
        while got.len() < 2 {
            let change = tokio::time::timeout(StdDuration::from_secs(10), rx.recv())
                .await
                .unwrap_or_else(|_| panic!("{}: no notice within 10 s", h.backend))
                .expect("receives");
            got.push(change);
        }
        assert_eq!(
            got.iter().map(expect).collect::<Vec<_>>(),
            vec![
                (id.to_string(), 1, "filed".to_owned()),
                (id.to_string(), 2, "deadline_passed".to_owned()),
            ]
        );
        assert_eq!(got[0].kind, "lex-sarah");
        assert_eq!(got[0].unit, LINDEN);
        assert_eq!(got[1].deadline.as_deref(), Some("sas_informed"));
        assert_eq!(got[1].responsible, vec![Role::Sas, Role::OperationsManager]);
    }
}
