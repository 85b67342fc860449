//! The store suite, run on SQLite and PostgreSQL: atomic commands,
//! optimistic concurrency, idempotency, tamper detection, projection
//! rebuild, escalation, queries and the access log.

mod documents;
mod notify;
mod organisation;
mod report;
mod support;

use std::sync::Arc;

use chrono::Duration;
use support::*;
use varna_store::audit::{Break, BreakKind, Heads};
use varna_store::chain::checkpoint::Checkpoint;
use varna_store::queries::{CaseFilter, GroupBy};
use varna_store::{CaseId, CommandOptions, Error, NewAccess};
use varna_workflow::{FileCase, Lagrum, LinkEnd, Personnummer, Rejection, Role, UnitId};

on_both_backends!(
    a_case_is_found_by_the_last_eight_digits_of_its_id,
    migrations_run_from_empty_and_again,
    a_command_appends_chained_events_and_updates_the_projection,
    a_case_is_read_with_its_history_in_one_query,
    a_refused_command_writes_nothing,
    a_stale_writer_gets_a_conflict,
    racing_writers_exactly_one_wins,
    two_servers_writing_one_case_keep_its_chain_whole,
    commands_waiting_together_commit_together_and_each_is_answered_alone,
    a_command_that_fails_after_writing_is_undone_alone_in_its_group,
    an_idempotent_retry_returns_the_first_result,
    verify_detects_a_changed_payload,
    verify_counts_every_case_and_reports_the_first_break_in_case_order,
    verify_proves_an_intact_file_in_one_pass,
    verify_stops_at_a_break_while_the_log_is_still_being_read,
    verify_holds_a_payload_to_its_exact_text,
    verify_detects_a_deleted_event,
    verify_detects_a_deleted_case,
    verify_detects_deleted_newest_events,
    the_head_to_sign_extends_the_last_checkpoint,
    verify_detects_a_missing_case_record_and_rebuild_restores_it,
    a_changed_snapshot_or_journal_row_is_caught_per_case,
    a_refused_spawn_undoes_the_whole_command,
    related_cases_are_linked_on_both_sides,
    a_duplicate_is_closed_on_both_sides_and_rebuilds_the_same,
    rebuild_gives_identical_projections,
    the_check_finds_rows_of_cases_the_log_lacks,
    commands_go_on_while_the_read_tables_are_checked,
    a_rebuild_across_pages_replays_each_case_whole,
    escalation_opens_a_linked_case_atomically,
    filing_for_an_unknown_unit_writes_nothing,
    personnummer_is_kept_apart_from_case_text,
    cases_are_pinned_to_their_definition_version,
    lists_filter_and_paginate_without_gaps,
    a_page_of_whole_cases_carries_its_count,
    the_access_log_is_queryable_by_case_and_user,
    verify_walks_the_access_log_s_chain,
    two_stores_extend_one_access_chain,
    concurrent_reads_are_all_logged_in_shared_commits,
    commands_and_logged_reads_written_at_once_all_commit,
    expired_idempotency_keys_and_revocations_are_removed,
);

async fn migrations_run_from_empty_and_again(h: Harness) {
    assert_eq!(h.count("event").await, 0);
    assert_eq!(h.count("audit_head").await, 1);
    // Opening the same database again applies nothing and keeps the data.
    let outcome = file_lex_sarah(&h.store, LINDEN).await;
    let again = varna_store::Store::open(&varna_store::StoreConfig::new(h.url.clone()), &catalog())
        .await
        .expect("reopens");
    assert!(again.case(&outcome.case_id).await.expect("reads").is_some());
    assert_intact(&again).await;
}

async fn a_case_is_read_with_its_history_in_one_query(h: Harness) {
    let id = acknowledged_lex_sarah(&h.store, 1).await;
    take(&h.store, &id, Role::Sas, entry("causes"), 2).await;
    // Another case's events are not this one's.
    let other = acknowledged_lex_sarah(&h.store, 3).await;
    let (record, events) = h
        .store
        .case_with_history(&id)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(
        record,
        h.store.case(&id).await.expect("reads").expect("exists")
    );
    assert_eq!(events, h.store.history(&id).await.expect("history"));
    assert_eq!(
        events.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    let (_, theirs) = h
        .store
        .case_with_history(&other)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(theirs.len(), 2);
    let unknown = CaseId::parse("0190a4f2-0000-7000-8000-000000000000").expect("an id");
    assert!(
        h.store
            .case_with_history(&unknown)
            .await
            .expect("reads")
            .is_none()
    );
}

async fn a_command_appends_chained_events_and_updates_the_projection(h: Harness) {
    let filed = file_lex_sarah(&h.store, LINDEN).await;
    assert_eq!(filed.version, 1);
    let id = filed.case_id;
    take(
        &h.store,
        &id,
        Role::Sas,
        transition("acknowledge", fields(&[])),
        1,
    )
    .await;
    let done = take(&h.store, &id, Role::Sas, entry("causes"), 2).await;
    assert_eq!(done.version, 3);

    let record = h.store.case(&id).await.expect("reads").expect("exists");
    assert_eq!(record.summary.state, "utredning");
    assert_eq!(record.summary.version, 3);
    assert_eq!(record.summary.kind, "lex-sarah");
    assert_eq!(record.summary.affected_gender.as_deref(), Some("kvinna"));
    let history = h.store.history(&id).await.expect("history");
    assert_eq!(
        history.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(history[0].prev_hash, varna_store::chain::GENESIS);
    assert_eq!(history[1].prev_hash, history[0].hash);
    assert_eq!(history[2].prev_hash, history[1].hash);
    let events: Vec<_> = history.iter().map(|e| e.event.clone()).collect();
    assert_eq!(
        varna_workflow::replay(&events).expect("replays"),
        record.case,
        "snapshot = replay"
    );
    assert_eq!(h.count("journal_entry").await, 1);
    // Filing notified the SAS through the outbox, in the same transaction.
    assert_eq!(h.count("outbox").await, 1);
    let report = h.store.verify_audit(|_| {}).await.expect("verifies");
    assert_eq!((report.events, report.cases, report.problem), (3, 1, None));
}

async fn a_refused_command_writes_nothing(h: Harness) {
    let id = file_lex_sarah(&h.store, LINDEN).await.case_id;
    let before = (
        h.count("event").await,
        h.count("outbox").await,
        h.dump("audit_head", "id").await,
    );
    // A reporter cannot acknowledge; a guard is missing; a unit manager of another unit is outside.
    let err = h
        .store
        .execute(
            &id,
            transition("acknowledge", fields(&[])),
            &actor(Role::Reporter, LINDEN),
            at(1),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected(Rejection::Forbidden { .. })),
        "{err}"
    );
    take(
        &h.store,
        &id,
        Role::Sas,
        transition("acknowledge", fields(&[])),
        1,
    )
    .await;
    let before = (before.0 + 1, before.1, h.dump("audit_head", "id").await);
    let err = h
        .store
        .execute(
            &id,
            transition("document_protective_measures", fields(&[])),
            &actor(Role::UnitManager, LINDEN),
            at(2),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected(Rejection::GuardFailed { .. })),
        "{err}"
    );
    let err = h
        .store
        .execute(
            &id,
            transition("document_protective_measures", fields(&[])),
            &actor(Role::UnitManager, NORR),
            at(2),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected(Rejection::OutsideUnits { .. })),
        "{err}"
    );
    assert_eq!(
        (
            h.count("event").await,
            h.count("outbox").await,
            h.dump("audit_head", "id").await
        ),
        before
    );
    let missing = CaseId::parse("01890a5d-ac96-774b-bcce-b302099a8057").expect("uuid");
    assert!(matches!(
        h.store
            .execute(
                &missing,
                transition("acknowledge", fields(&[])),
                &actor(Role::Sas, LINDEN),
                at(3)
            )
            .await,
        Err(Error::NotFound(_))
    ));
}

async fn a_stale_writer_gets_a_conflict(h: Harness) {
    let id = acknowledged_lex_sarah(&h.store, 1).await;
    let stale = CommandOptions {
        expected_version: Some(1),
        ..at(2)
    };
    let err = h
        .store
        .execute(&id, entry("causes"), &actor(Role::Sas, LINDEN), stale)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Conflict {
                expected: 1,
                actual: 2
            }
        ),
        "{err}"
    );
    assert_eq!(h.count("event").await, 2);
    let fresh = CommandOptions {
        expected_version: Some(2),
        ..at(2)
    };
    assert_eq!(
        h.store
            .execute(&id, entry("causes"), &actor(Role::Sas, LINDEN), fresh)
            .await
            .expect("applies")
            .version,
        3
    );
}

async fn racing_writers_exactly_one_wins(h: Harness) {
    let id = file_lex_sarah(&h.store, LINDEN).await.case_id;
    let store = Arc::new(h.store);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = Arc::clone(&store);
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            let options = CommandOptions {
                expected_version: Some(1),
                ..at(i)
            };
            store
                .execute(
                    &id,
                    transition("acknowledge", fields(&[])),
                    &actor(Role::Sas, LINDEN),
                    options,
                )
                .await
        }));
    }
    let mut wins = 0;
    let mut conflicts = 0;
    for task in tasks {
        match task.await.expect("task runs") {
            Ok(_) => wins += 1,
            Err(Error::Conflict { .. }) => conflicts += 1,
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!((wins, conflicts), (1, 7));
    let record = store.case(&id).await.expect("reads").expect("exists");
    assert_eq!(record.summary.version, 2);
    assert_intact(&store).await;
}

/// A store keeps the last hash of the cases it wrote; another server on
/// the same database may have written the case since, and then the next
/// event must link to that server's event, not to the one remembered.
async fn two_servers_writing_one_case_keep_its_chain_whole(h: Harness) {
    let other = varna_store::Store::open(&varna_store::StoreConfig::new(h.url.clone()), &catalog())
        .await
        .expect("a second server opens");
    let id = file_lex_sarah(&h.store, LINDEN).await.case_id;
    let manager = actor(Role::UnitManager, LINDEN);
    for (i, store) in [&h.store, &other, &other, &h.store, &h.store, &other]
        .into_iter()
        .enumerate()
    {
        store
            .execute(&id, entry("immediate_actions"), &manager, at(i as i64 + 1))
            .await
            .expect("applies");
    }
    let record = h.store.case(&id).await.expect("reads").expect("exists");
    assert_eq!(record.summary.version, 7);
    assert_intact(&h.store).await;
}

/// Group commit: the commands waiting for the writer go in one
/// transaction, each decided against what the earlier ones left; a refused
/// command, a stale version and an idempotent replay are each answered on
/// their own, and the rest commit.
async fn commands_waiting_together_commit_together_and_each_is_answered_alone(h: Harness) {
    let store = &h.store;
    let sas = actor(Role::Sas, LINDEN);
    let reporter = actor(Role::Reporter, LINDEN);
    let a = file_lex_sarah(store, LINDEN).await.case_id;
    let b = file_lex_sarah(store, LINDEN).await.case_id;
    let keyed = |key: &str, hours| CommandOptions {
        idempotency_key: Some(key.to_owned()),
        ..at(hours)
    };
    let acknowledge = || transition("acknowledge", fields(&[]));
    let first = store
        .execute(&b, acknowledge(), &sas, keyed("ack-b", 1))
        .await
        .expect("acknowledged");
    let (commits_before, commands_before) = store.command_commits();

    let slot = store.hold_writer().await;
    let at_version = |version, hours| CommandOptions {
        expected_version: Some(version),
        ..at(hours)
    };
    // In the order they queue: a at version 1 → 2; a reporter's refused
    // step; a stale version (a is at 2 by then); the same step again with
    // a's new version (decided against what the first left); a replay of
    // b's acknowledgement; a new filing.
    let commands = async {
        tokio::join!(
            store.execute(&a, acknowledge(), &sas, at_version(1, 2)),
            store.execute(&a, entry("causes"), &reporter, at(2)),
            store.execute(&a, entry("causes"), &sas, at_version(1, 2)),
            store.execute(&a, entry("causes"), &sas, at_version(2, 2)),
            store.execute(&b, acknowledge(), &sas, keyed("ack-b", 1)),
            file_avvikelse(store, LINDEN, Lagrum::Sol, 2),
        )
    };
    let release = async {
        while store.commands_waiting() < 6 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        drop(slot);
    };
    let ((acknowledged, refused, stale, journal, replay, filed), ()) =
        tokio::join!(commands, release);

    assert_eq!(acknowledged.expect("a acknowledged").version, 2);
    assert!(
        matches!(refused, Err(Error::Rejected(Rejection::Forbidden { .. }))),
        "{refused:?}"
    );
    assert!(
        matches!(
            stale,
            Err(Error::Conflict {
                expected: 1,
                actual: 2
            })
        ),
        "{stale:?}"
    );
    assert_eq!(journal.expect("the entry on a at 2").version, 3);
    let replay = replay.expect("the replay");
    assert!(replay.replayed && replay.version == first.version && replay.case_id == b);
    assert_eq!(filed.version, 1);
    let (commits, commands) = store.command_commits();
    assert_eq!(
        (commits - commits_before, commands - commands_before),
        (1, 4),
        "one transaction for the four that went through ({})",
        h.backend
    );

    let a_now = store.case(&a).await.expect("reads").expect("a");
    assert_eq!(
        (a_now.summary.version, a_now.summary.state.as_str()),
        (3, "utredning")
    );
    assert_eq!(store.history(&a).await.expect("history").len(), 3);
    assert_eq!(
        store.history(&b).await.expect("history").len(),
        2,
        "b unchanged"
    );
    assert_intact(store).await;
    let check = store.check_projections(|_| {}).await.expect("checks");
    assert!(
        check.differing.is_empty(),
        "projections equal a rebuild: {:?}",
        check.differing
    );
}

/// A command of a group that fails after it wrote (here: a file whose id
/// the case already has, refused by the database once the events are
/// written) is undone alone: the commands before and after it commit, and
/// the one after is decided against what the first left.
async fn a_command_that_fails_after_writing_is_undone_alone_in_its_group(h: Harness) {
    let store = &h.store;
    let sas = actor(Role::Sas, LINDEN);
    let a = file_lex_sarah(store, LINDEN).await.case_id;
    let file = |text: &str| {
        let content = text.as_bytes().to_vec();
        let attachment = varna_workflow::attachment::Attachment {
            id: "0193a000-0000-7000-8000-0000000000aa".into(),
            name: "skrivelse.txt".into(),
            media_type: "text/plain".into(),
            size: content.len() as u64,
            digest: varna_store::chain::content_digest(&content),
        };
        (attachment, content)
    };
    let (first, first_bytes) = file("den första skrivelsen");
    let (again, again_bytes) = file("en annan skrivelse med samma id");
    let (commits_before, commands_before) = store.command_commits();

    let slot = store.hold_writer().await;
    let commands = async {
        tokio::join!(
            store.attach(&a, first, first_bytes, &sas, at(1)),
            store.attach(&a, again, again_bytes, &sas, at(1)),
            store.execute(&a, entry("causes"), &sas, at(2)),
        )
    };
    let release = async {
        while store.commands_waiting() < 3 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        drop(slot);
    };
    let ((attached, refused, journal), ()) = tokio::join!(commands, release);

    assert_eq!(attached.expect("the first file").version, 2);
    assert!(
        matches!(refused, Err(Error::Database(_))),
        "the same file id again: {refused:?}"
    );
    assert_eq!(
        journal.expect("the entry after the refused file").version,
        3,
        "decided against the case as the first file left it ({})",
        h.backend
    );
    let (commits, commands) = store.command_commits();
    assert_eq!(
        (commits - commits_before, commands - commands_before),
        (1, 2),
        "one transaction for the two that went through ({})",
        h.backend
    );
    assert_eq!(store.history(&a).await.expect("history").len(), 3);
    assert_eq!(
        h.count("attachment").await,
        1,
        "the refused file's row is not kept ({})",
        h.backend
    );
    assert_intact(store).await;
    let check = store.check_projections(|_| {}).await.expect("checks");
    assert!(
        check.differing.is_empty(),
        "projections equal a rebuild: {:?}",
        check.differing
    );
}

async fn an_idempotent_retry_returns_the_first_result(h: Harness) {
    let file = |key: &str, what: &str| {
        let store = &h.store;
        let key = key.to_owned();
        let what = what.to_owned();
        async move {
            store
                .file_case(
                    "avvikelse",
                    varna_workflow::FileCase {
                        lagrum: Lagrum::Sol,
                        unit: UnitId::new(LINDEN),
                        fields: fields(&[
                            ("what_happened", text(&what)),
                            ("occurred_on", text("2026-03-01")),
                            ("category", text("fall")),
                        ]),
                    },
                    None,
                    &actor(Role::UnitManager, LINDEN),
                    CommandOptions {
                        idempotency_key: Some(key),
                        ..at(0)
                    },
                )
                .await
        }
    };
    let first = file("req-1", "Fall").await.expect("files");
    let again = file("req-1", "Fall").await.expect("replays");
    assert!(!first.replayed && again.replayed);
    assert_eq!(again.case_id, first.case_id);
    assert_eq!(h.count("cases").await, 1);
    assert_eq!(h.count("event").await, 1);
    assert!(matches!(
        file("req-1", "Något annat").await,
        Err(Error::IdempotencyKeyReused)
    ));
    // Keys are per actor: another user's identical key is a new command.
    let other = h
        .store
        .file_case(
            "avvikelse",
            varna_workflow::FileCase {
                lagrum: Lagrum::Sol,
                unit: UnitId::new(LINDEN),
                fields: fields(&[
                    ("what_happened", text("Fall")),
                    ("occurred_on", text("2026-03-01")),
                    ("category", text("fall")),
                ]),
            },
            None,
            &actor(Role::Reporter, LINDEN),
            CommandOptions {
                idempotency_key: Some("req-1".into()),
                ..at(0)
            },
        )
        .await
        .expect("files");
    assert_ne!(other.case_id, first.case_id);
    // A retried transition is applied once.
    let options = CommandOptions {
        idempotency_key: Some("start-1".into()),
        ..at(1)
    };
    let a = h
        .store
        .execute(
            &first.case_id,
            transition("start_investigation", fields(&[])),
            &actor(Role::UnitManager, LINDEN),
            options.clone(),
        )
        .await
        .expect("applies");
    let b = h
        .store
        .execute(
            &first.case_id,
            transition("start_investigation", fields(&[])),
            &actor(Role::UnitManager, LINDEN),
            options,
        )
        .await
        .expect("replays");
    assert_eq!((a.version, b.version, b.replayed), (2, 2, true));
}

/// Three cases with a few events each, so that tampering has neighbours.
async fn three_cases(h: &Harness) -> Vec<CaseId> {
    let mut ids = Vec::new();
    for i in 0..3 {
        let id = acknowledged_lex_sarah(&h.store, i + 1).await;
        take(&h.store, &id, Role::Sas, entry("causes"), i + 2).await;
        ids.push(id);
    }
    assert_intact(&h.store).await;
    ids
}

/// What an auditor reads (the case's snapshot, its journal rows) is checked
/// against its events, per case and for the whole store: edits outside
/// Varna show, and a rebuild undoes them.
async fn a_changed_snapshot_or_journal_row_is_caught_per_case(h: Harness) {
    let ids = three_cases(&h).await;
    for id in &ids {
        assert_eq!(
            h.store.check_case(id).await.expect("checks"),
            Vec::<&str>::new()
        );
    }
    h.exec(&format!(
        "UPDATE cases SET snapshot = REPLACE(snapshot, 'utan tillsyn', 'med tillsyn') WHERE id = '{}'",
        ids[0]
    ))
    .await;
    h.exec(&format!(
        "UPDATE journal_entry SET text = 'Inget att anmärka' WHERE case_id = '{}'",
        ids[1]
    ))
    .await;
    assert_eq!(h.store.check_case(&ids[0]).await.expect("checks"), ["case"]);
    assert_eq!(
        h.store.check_case(&ids[1]).await.expect("checks"),
        ["journal"]
    );
    assert_eq!(
        h.store.check_case(&ids[2]).await.expect("checks"),
        Vec::<&str>::new()
    );
    // The chains still hold: the events were not touched.
    assert_intact(&h.store).await;
    let whole = h.store.check_projections(|_| {}).await.expect("checks");
    let tables: Vec<&str> = whole.differing.iter().map(|d| d.table.as_str()).collect();
    assert_eq!(tables, ["cases", "journal_entry"], "{}", h.backend);
    h.store.rebuild_projections(|_| {}).await.expect("rebuilds");
    assert_eq!(
        h.store.check_case(&ids[0]).await.expect("checks"),
        Vec::<&str>::new()
    );
    assert_eq!(
        h.store.check_case(&ids[1]).await.expect("checks"),
        Vec::<&str>::new()
    );
}

/// Verification walks the cases in ranges side by side (one per core on
/// SQLite); what it reports is still every event and case counted, and of
/// several breaks the first in case order.
async fn verify_counts_every_case_and_reports_the_first_break_in_case_order(h: Harness) {
    let mut ids: Vec<String> = three_cases(&h)
        .await
        .iter()
        .map(ToString::to_string)
        .collect();
    ids.sort();
    let report = h.store.verify_audit(|_| {}).await.expect("verifies");
    let events = u64::try_from(h.count("event").await).expect("a count");
    assert_eq!((report.events, report.cases), (events, 3), "{}", h.backend);
    let change = |id: &str| {
        format!(
            "UPDATE event SET payload = REPLACE(payload, 'Dokumenterat', 'Ändrat') WHERE case_id = '{id}' AND sequence = 3"
        )
    };
    let broken_case = || async {
        let problem = first_break(&h.store).await;
        assert_eq!(problem.kind, BreakKind::ContentChanged, "{}", h.backend);
        problem.case_id.expect("a case")
    };
    h.exec(&change(&ids[2])).await;
    assert_eq!(broken_case().await, ids[2], "{}", h.backend);
    h.exec(&change(&ids[0])).await;
    assert_eq!(broken_case().await, ids[0], "{}", h.backend);
}

/// The log is proven whole in one pass over it, in global order (a SQLite
/// file's in the order it was written, PostgreSQL's through one binary
/// `COPY`). What that pass cannot prove is walked case by case and in
/// global order, which name the break or find none: here a case row
/// without events, and on SQLite the events stored out of the global
/// chain's order (which no command does) and a table without rowids.
async fn verify_proves_an_intact_file_in_one_pass(h: Harness) {
    three_cases(&h).await;
    let events = u64::try_from(h.count("event").await).expect("a count");
    // What verification found, how much, and whether in one pass.
    let verified = || async {
        let report = h.store.verify_audit(|_| {}).await.expect("verifies");
        (report.problem, report.events, report.cases, report.one_pass)
    };
    assert_eq!(verified().await, (None, events, 3, true), "{}", h.backend);
    h.exec(
        "CREATE TEMP TABLE made_up AS SELECT * FROM cases LIMIT 1; \
         UPDATE made_up SET id = '019aa000-0000-7000-8000-000000000000'; \
         INSERT INTO cases SELECT * FROM made_up",
    )
    .await;
    let problem = first_break(&h.store).await;
    assert_eq!(problem.kind, BreakKind::CaseWithoutEvents, "{}", h.backend);
    h.exec("DELETE FROM cases WHERE id = '019aa000-0000-7000-8000-000000000000'")
        .await;
    assert_eq!(verified().await, (None, events, 3, true), "{}", h.backend);
    if h.backend != "sqlite" {
        return;
    }
    h.exec("UPDATE event SET rowid = (SELECT max(rowid) + 1 FROM event) WHERE global_seq = 1")
        .await;
    assert_eq!(verified().await, (None, events, 3, false));
    // Back in order, it is proven in one pass again.
    h.exec("UPDATE event SET rowid = (SELECT min(rowid) - 1 FROM event) WHERE global_seq = 1")
        .await;
    assert_eq!(verified().await, (None, events, 3, true));
    // A log in a table without rowids (made by hand) is walked.
    h.exec(
        "CREATE TABLE event_copy (case_id varchar NOT NULL, sequence integer NOT NULL, \
         global_seq integer NOT NULL UNIQUE, event_type varchar NOT NULL, \
         event_version integer NOT NULL, payload text NOT NULL, actor_id varchar NOT NULL, \
         actor_role varchar NOT NULL, occurred_at timestamp_with_timezone_text NOT NULL, \
         recorded_at timestamp_with_timezone_text NOT NULL, prev_hash varchar NOT NULL, \
         hash varchar NOT NULL, global_hash varchar NOT NULL, payload_digest varchar NULL, \
         payload_salt varchar NULL, PRIMARY KEY (case_id, sequence)) WITHOUT ROWID; \
         INSERT INTO event_copy SELECT * FROM event; DROP TABLE event; \
         ALTER TABLE event_copy RENAME TO event",
    )
    .await;
    assert_eq!(verified().await, (None, events, 3, false));
}

/// A break found while most of the log is still to be read ends the walk
/// there: the answer is the break, not an error from the read cut short,
/// and the store goes on working. (The log here is three cases and then
/// 30,000 events of made-up cases, sorting after them, that no chain
/// covers.)
async fn verify_stops_at_a_break_while_the_log_is_still_being_read(h: Harness) {
    let mut cases = three_cases(&h).await;
    cases.sort_by_key(ToString::to_string);
    let first = cases[0].to_string();
    h.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) \
         INSERT INTO event (case_id, sequence, global_seq, event_type, event_version, payload, \
         actor_id, actor_role, occurred_at, recorded_at, prev_hash, hash, global_hash) \
         SELECT 'zz-' || n.i, 1, e.global_seq + 1000 + n.i, e.event_type, e.event_version, \
         e.payload, e.actor_id, e.actor_role, e.occurred_at, e.recorded_at, e.prev_hash, \
         e.hash, e.global_hash FROM n, event e WHERE e.global_seq = 1",
    )
    .await;
    h.exec(&format!(
        "UPDATE event SET payload = REPLACE(payload, 'Dokumenterat', 'Ändrat') \
         WHERE case_id = '{first}' AND sequence = 3"
    ))
    .await;
    for _ in 0..2 {
        let problem = first_break(&h.store).await;
        assert_eq!(problem.kind, BreakKind::ContentChanged, "{}", h.backend);
        assert_eq!(
            problem.case_id.as_deref(),
            Some(first.as_str()),
            "{}",
            h.backend
        );
    }
    assert!(h.store.case(&cases[0]).await.expect("reads").is_some());
}

async fn verify_detects_a_changed_payload(h: Harness) {
    let ids = three_cases(&h).await;
    h.exec(&format!(
        "UPDATE event SET payload = REPLACE(payload, 'Dokumenterat', 'Ändrat') WHERE case_id = '{}' AND sequence = 3",
        ids[1]
    ))
    .await;
    let problem = first_break(&h.store).await;
    assert_eq!(problem.kind, BreakKind::ContentChanged);
    assert_eq!(
        problem.case_id.as_deref(),
        Some(ids[1].to_string().as_str())
    );
    assert_eq!(problem.sequence, Some(3));
    assert!(
        problem
            .to_string()
            .contains(&format!("case {}, event 3", ids[1])),
        "{problem}"
    );
}

/// A version 2 event commits to its payload's exact text (with the
/// event's salt): the same content stored in another form (here with
/// spaces) is a change that no disposal records, and so is a payload whose
/// salt is gone.
async fn verify_holds_a_payload_to_its_exact_text(h: Harness) {
    let ids = three_cases(&h).await;
    assert_intact(&h.store).await;
    h.exec(&format!(
        "UPDATE event SET payload = REPLACE(payload, '\":', '\" : ') WHERE case_id = '{}' AND sequence = 3",
        ids[1]
    ))
    .await;
    let problem = first_break(&h.store).await;
    assert_eq!(problem.kind, BreakKind::ContentChanged, "{}", h.backend);
    assert_eq!(problem.sequence, Some(3), "{problem}");
    h.exec(&format!(
        "UPDATE event SET payload_salt = NULL WHERE case_id = '{}' AND sequence = 2",
        ids[0]
    ))
    .await;
    let problem = first_break(&h.store).await;
    assert_eq!(
        problem.case_id.as_deref(),
        Some(ids[0].to_string().as_str())
    );
}

async fn verify_detects_a_deleted_event(h: Harness) {
    let ids = three_cases(&h).await;
    h.exec(&format!(
        "DELETE FROM event WHERE case_id = '{}' AND sequence = 2",
        ids[0]
    ))
    .await;
    let problem = first_break(&h.store).await;
    assert_eq!(problem.kind, BreakKind::EventMissing);
    assert_eq!(
        problem.case_id.as_deref(),
        Some(ids[0].to_string().as_str())
    );
    assert_eq!(problem.sequence, Some(2));
}

async fn verify_detects_a_deleted_case(h: Harness) {
    let ids = three_cases(&h).await;
    for table in ["event", "journal_entry", "case_deadline"] {
        h.exec(&format!("DELETE FROM {table} WHERE case_id = '{}'", ids[1]))
            .await;
    }
    h.exec(&format!("DELETE FROM cases WHERE id = '{}'", ids[1]))
        .await;
    let problem = first_break(&h.store).await;
    assert_eq!(problem.kind, BreakKind::GlobalGap, "{problem}");
    // Its filing was the fourth event overall (each case: file, acknowledge, entry).
    assert_eq!(problem.global_seq, Some(4));
}

async fn verify_detects_a_missing_case_record_and_rebuild_restores_it(h: Harness) {
    let ids = three_cases(&h).await;
    h.exec(&format!("DELETE FROM cases WHERE id = '{}'", ids[2]))
        .await;
    let problem = first_break(&h.store).await;
    assert_eq!(problem.kind, BreakKind::EventsWithoutCase, "{problem}");
    assert_eq!(
        problem.case_id.as_deref(),
        Some(ids[2].to_string().as_str())
    );
    h.store.rebuild_projections(|_| {}).await.expect("rebuilds");
    assert_intact(&h.store).await;
    assert!(h.store.case(&ids[2]).await.expect("reads").is_some());
}

async fn verify_detects_deleted_newest_events(h: Harness) {
    let ids = three_cases(&h).await;
    h.exec(&format!(
        "DELETE FROM event WHERE case_id = '{}' AND sequence = 3",
        ids[2]
    ))
    .await;
    let problem = first_break(&h.store).await;
    assert_eq!(problem.kind, BreakKind::HeadMismatch, "{problem}");
    assert!(problem.to_string().contains("9 events"), "{problem}");
}

async fn the_head_to_sign_extends_the_last_checkpoint(h: Harness) {
    let ids = three_cases(&h).await;
    let first = head_since(&h, None).await.expect("an intact chain");
    assert_eq!(first.size, 9, "{}", h.backend);
    let signed = Checkpoint {
        origin: "test".to_owned(),
        size: first.size,
        head: first.head.clone(),
        access: None,
    };
    take(&h.store, &ids[0], Role::Sas, entry("causes"), 4).await;
    let next = head_since(&h, Some(&signed))
        .await
        .expect("extends the checkpoint");
    assert_eq!(next.size, 10, "{}", h.backend);
    assert_ne!(next.head, first.head);

    // A link after the checkpoint that no longer recomputes.
    h.exec("UPDATE event SET global_hash = REPLACE(global_hash, SUBSTR(global_hash, 1, 1), 'x') WHERE global_seq = 10")
        .await;
    let problem = head_since(&h, Some(&signed))
        .await
        .expect_err("a changed link");
    assert_eq!(problem.kind, BreakKind::GlobalHashChanged, "{problem}");
    assert_eq!(problem.global_seq, Some(10), "{problem}");

    // A checkpoint whose head the log no longer holds at its size.
    let forged = Checkpoint {
        head: next.head,
        ..signed
    };
    let problem = head_since(&h, Some(&forged))
        .await
        .expect_err("not extended");
    assert_eq!(problem.kind, BreakKind::CheckpointNotExtended, "{problem}");
}

/// What `chain_head_since` finds after `since`: the head a new checkpoint
/// may sign, or the break.
async fn head_since(h: &Harness, since: Option<&Checkpoint>) -> Result<Heads, Break> {
    h.store.chain_head_since(since).await.expect("reads")
}

/// A rebuild reads the log a page at a time (10,000 events) and replays
/// one page while the next is read: a case whose events straddle two
/// pages is replayed whole, and the tables equal a rebuild. A rebuild that
/// fails after it has written pages, or finds a case at a unit that does
/// not exist, leaves the tables as they were.
async fn a_rebuild_across_pages_replays_each_case_whole(h: Harness) {
    let model = acknowledged_lex_sarah(&h.store, 1).await;
    take(&h.store, &model, Role::Sas, entry("causes"), 2).await;
    let events = events_of(&h, &model).await;
    let per_case = events.len();
    assert!(
        10_000 % per_case != 0,
        "{per_case} events a case would end a case at the page's end"
    );
    let copies = 10_000 / per_case + 10;
    import_copies(&h, &events, copies).await;
    let check = h.store.check_projections(|_| {}).await.expect("checks");
    assert!(
        check.differing.is_empty(),
        "the tables equal a rebuild ({}): {:?}",
        h.backend,
        check.differing
    );
    // The indexes of the tables, which a rebuild of a SQLite file drops
    // while it writes and makes again.
    let (catalog, by) = if h.backend == "sqlite" {
        (
            "(SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index') AS i",
            "name",
        )
    } else {
        (
            "pg_indexes WHERE schemaname = current_schema()",
            "indexname",
        )
    };
    let indexes = h.dump(catalog, by).await;
    assert!(indexes.len() > 10, "{indexes:?}");
    let report = h.store.rebuild_projections(|_| {}).await.expect("rebuilds");
    assert_eq!(h.dump(catalog, by).await, indexes, "{}", h.backend);
    assert_eq!(
        (report.cases, report.events),
        ((copies + 1) as u64, ((copies + 1) * per_case) as u64),
        "{}",
        h.backend
    );
    assert_eq!(h.count("cases").await, (copies + 1) as i64);
    let again = h.store.check_projections(|_| {}).await.expect("checks");
    assert!(again.differing.is_empty(), "{:?}", again.differing);

    // The last case in the log cannot be replayed: the pages before it
    // are written by then, and all of it is undone.
    let tables = ["cases", "case_deadline", "journal_entry", "case_tally"];
    let mut before = Vec::new();
    for t in tables {
        before.push(h.count(t).await);
    }
    h.exec("UPDATE event SET payload = '{}' WHERE case_id = (SELECT max(case_id) FROM event)")
        .await;
    let failed = h.store.rebuild_projections(|_| {}).await;
    assert!(
        matches!(failed, Err(Error::Corrupt(_))),
        "{}: {failed:?}",
        h.backend
    );
    let mut after = Vec::new();
    for t in tables {
        after.push(h.count(t).await);
    }
    assert_eq!(after, before, "{}", h.backend);
    assert_eq!(h.dump(catalog, by).await, indexes, "{}", h.backend);

    // A case filed at a unit that does not exist is refused as well
    // (SQLite's rebuild checks the cases' units once, at its end).
    h.exec(&format!(
        "UPDATE event SET payload = (SELECT m.payload FROM event m \
         WHERE m.case_id = '{model}' AND m.sequence = event.sequence) \
         WHERE case_id = (SELECT max(case_id) FROM event)"
    ))
    .await;
    let again = h.store.check_projections(|_| {}).await.expect("checks");
    assert!(again.differing.is_empty(), "{:?}", again.differing);
    h.exec(&format!(
        "UPDATE event SET payload = replace(payload, '\"unit\":\"{LINDEN}\"', \
         '\"unit\":\"closed-long-ago\"') WHERE case_id = (SELECT max(case_id) FROM event)"
    ))
    .await;
    let failed = h.store.rebuild_projections(|_| {}).await;
    match &failed {
        Err(Error::Corrupt(why)) if h.backend == "sqlite" => {
            assert!(why.contains("closed-long-ago"), "{why}");
        }
        Err(_) if h.backend != "sqlite" => {}
        _ => panic!("{}: {failed:?}", h.backend),
    }
    let mut after = Vec::new();
    for t in tables {
        after.push(h.count(t).await);
    }
    assert_eq!(after, before, "{}", h.backend);
    assert_eq!(h.dump(catalog, by).await, indexes, "{}", h.backend);
    // The write lock is free again.
    file_lex_sarah(&h.store, NORR).await;
}

async fn rebuild_gives_identical_projections(h: Harness) {
    let ids = three_cases(&h).await;
    take(
        &h.store,
        &ids[0],
        Role::UnitManager,
        entry("immediate_actions"),
        4,
    )
    .await;
    take(
        &h.store,
        &ids[0],
        Role::UnitManager,
        transition("document_protective_measures", fields(&[])),
        5,
    )
    .await;
    let avvikelse = file_avvikelse(&h.store, NORR, Lagrum::Sol, 6).await.case_id;
    h.store
        .execute(
            &avvikelse,
            transition(
                "escalate_to_lex_sarah",
                fields(&[
                    ("escalation_reason", text("Misstanke")),
                    ("affected_gender", text("man")),
                ]),
            ),
            &actor(Role::UnitManager, NORR),
            at(7),
        )
        .await
        .expect("escalates");
    let tables = [
        ("cases", "id"),
        ("case_deadline", "case_id, deadline_id"),
        ("journal_entry", "case_id, sequence"),
        ("case_link", "case_id, sequence"),
        // Counts that fell to zero stay as rows until a rebuild.
        (
            "case_tally WHERE n <> 0",
            "year, month, unit_id, kind, lagrum, dimension, value",
        ),
    ];
    let mut before = Vec::new();
    for (t, o) in tables {
        before.push(h.dump(t, o).await);
    }
    let check = h.store.check_projections(|_| {}).await.expect("checks");
    assert_eq!(check.differing, vec![], "{}", h.backend);
    assert_eq!(check.rebuilt.cases, 5);
    // Damage the projections: the check finds it, changing nothing.
    h.exec("DELETE FROM case_deadline").await;
    h.exec("UPDATE case_tally SET n = n + 7").await;
    h.exec(&format!(
        "UPDATE cases SET state = 'closed' WHERE id = '{}'",
        ids[1]
    ))
    .await;
    let damaged = h.dump("cases", "id").await;
    assert_ne!(damaged, before[0], "the dump shows values");
    let check = h.store.check_projections(|_| {}).await.expect("checks");
    let tables_found: Vec<&str> = check.differing.iter().map(|d| d.table.as_str()).collect();
    assert_eq!(
        tables_found,
        ["cases", "case_deadline", "case_tally"],
        "{}",
        h.backend
    );
    let deadlines = &check.differing[1];
    assert_eq!(deadlines.stored_rows, 0);
    assert_eq!(deadlines.rebuilt_rows, before[1].len() as u64);
    assert_eq!(
        h.dump("cases", "id").await,
        damaged,
        "a check changes nothing"
    );
    // Rebuild from the log.
    let report = h.store.rebuild_projections(|_| {}).await.expect("rebuilds");
    assert_eq!(report.cases, 5);
    let mut after = Vec::new();
    for (t, o) in tables {
        after.push(h.dump(t, o).await);
    }
    assert_eq!(after, before, "{}", h.backend);
    assert!(!before[1].is_empty() && !before[2].is_empty() && !before[3].is_empty());
    let check = h.store.check_projections(|_| {}).await.expect("checks");
    assert_eq!(check.differing, vec![], "{}", h.backend);
}

/// The whole-store check also reads the rows of no case the log holds
/// (before the first case, between cases, after the last) and the
/// personnummer rows' copy of the opening time; it changes nothing, and
/// once the rows are taken out again it agrees.
async fn the_check_finds_rows_of_cases_the_log_lacks(h: Harness) {
    let ids = three_cases(&h).await;
    file_lex_maria_for_a_person(&h).await;
    let agrees = |check: &varna_store::ProjectionCheck| check.differing.is_empty();
    assert!(agrees(
        &h.store.check_projections(|_| {}).await.expect("checks")
    ));
    let mut sorted: Vec<String> = ids.iter().map(ToString::to_string).collect();
    sorted.sort();
    // Between the first and second case id: the first id with a suffix.
    let between = format!("{}-x", sorted[0]);
    for (case_id, table) in [
        ("0", "journal_entry"),
        (between.as_str(), "case_link"),
        ("zzzz", "journal_entry"),
    ] {
        let row = if table == "case_link" {
            format!(
                "INSERT INTO case_link (case_id, other_case_id, link_kind, link_end, sequence) \
                 VALUES ('{case_id}', '{}', 'related', 'from', 1)",
                sorted[1]
            )
        } else {
            format!(
                "INSERT INTO journal_entry (case_id, sequence, topic, entry_kind, documented_on, \
                 source, author_name, author_title, text, recorded_by, recorded_at) \
                 SELECT '{case_id}', sequence, topic, entry_kind, documented_on, source, \
                 author_name, author_title, text, recorded_by, recorded_at FROM journal_entry \
                 WHERE case_id = '{}'",
                sorted[0]
            )
        };
        h.exec(&row).await;
        let check = h.store.check_projections(|_| {}).await.expect("checks");
        let found: Vec<(&str, bool)> = check
            .differing
            .iter()
            .map(|d| (d.table.as_str(), d.stored_rows > d.rebuilt_rows))
            .collect();
        assert_eq!(found, [(table, true)], "{case_id}: {}", h.backend);
        h.exec(&format!("DELETE FROM {table} WHERE case_id = '{case_id}'"))
            .await;
        let check = h.store.check_projections(|_| {}).await.expect("checks");
        assert!(
            agrees(&check),
            "{case_id}: {:?} {}",
            check.differing,
            h.backend
        );
    }
    h.exec("UPDATE case_person SET opened_epoch = opened_epoch + 1")
        .await;
    let check = h.store.check_projections(|_| {}).await.expect("checks");
    let found: Vec<&str> = check.differing.iter().map(|d| d.table.as_str()).collect();
    assert_eq!(found, ["case_person"], "{}", h.backend);
    h.store.rebuild_projections(|_| {}).await.expect("rebuilds");
    assert!(agrees(
        &h.store.check_projections(|_| {}).await.expect("checks")
    ));
}

/// The whole-store check reads one state of the database and takes no
/// write lock: commands commit while it runs (before, it rebuilt the
/// tables in a write transaction and every command waited for it), and
/// it still agrees afterwards.
async fn commands_go_on_while_the_read_tables_are_checked(h: Harness) {
    let model = acknowledged_lex_sarah(&h.store, 1).await;
    let events = events_of(&h, &model).await;
    import_copies(&h, &events, 3_000).await;
    let checked = std::sync::atomic::AtomicBool::new(false);
    let check = async {
        let check = h.store.check_projections(|_| {}).await.expect("checks");
        checked.store(true, std::sync::atomic::Ordering::SeqCst);
        check
    };
    let commands = async {
        let mut during = 0;
        let mut minutes = 2;
        while !checked.load(std::sync::atomic::Ordering::SeqCst) {
            take(&h.store, &model, Role::Sas, entry("causes"), minutes).await;
            minutes += 1;
            if !checked.load(std::sync::atomic::Ordering::SeqCst) {
                during += 1;
            }
        }
        during
    };
    let (check, during) = tokio::join!(check, commands);
    assert!(check.differing.is_empty(), "{:?}", check.differing);
    assert!(
        during > 0,
        "no command committed while the check ran ({})",
        h.backend
    );
    let again = h.store.check_projections(|_| {}).await.expect("checks");
    assert!(again.differing.is_empty(), "{:?}", again.differing);
}

async fn escalation_opens_a_linked_case_atomically(h: Harness) {
    let avvikelse = file_avvikelse(&h.store, LINDEN, Lagrum::Sol, 0)
        .await
        .case_id;
    let outbox_before = h.count("outbox").await;
    let outcome = h
        .store
        .execute(
            &avvikelse,
            transition(
                "escalate_to_lex_sarah",
                fields(&[
                    ("escalation_reason", text("Misstänkt missförhållande")),
                    ("affected_gender", text("man")),
                ]),
            ),
            &actor(Role::UnitManager, LINDEN),
            at(1),
        )
        .await
        .expect("escalates");
    assert_eq!(outcome.opened.len(), 1);
    let child = &outcome.opened[0];
    let parent = h
        .store
        .case(&avvikelse)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(parent.summary.state, "escalated");
    assert_eq!(parent.case.links.len(), 1);
    assert_eq!(parent.case.links[0].other_case, child.to_string());
    assert_eq!(parent.case.links[0].end, LinkEnd::Origin);
    let sarah = h.store.case(child).await.expect("reads").expect("exists");
    assert_eq!(sarah.summary.kind, "lex-sarah");
    assert_eq!(sarah.summary.state, "received");
    assert_eq!(sarah.summary.unit_id, LINDEN);
    assert_eq!(
        sarah.case.fields["what_happened"],
        text("Fall i badrummet"),
        "fields carried over"
    );
    assert_eq!(sarah.case.links[0].other_case, avvikelse.to_string());
    assert_eq!(sarah.case.links[0].end, LinkEnd::Opened);
    // Notified: SAS by the escalation and by the new lex Sarah filing.
    assert_eq!(h.count("outbox").await - outbox_before, 2);
    assert_eq!(h.count("case_link").await, 2);
    assert_intact(&h.store).await;
}

async fn a_refused_spawn_undoes_the_whole_command(h: Harness) {
    // An organisation where only the MAS may file lex Maria: a unit manager's
    // escalation then fails at the spawned filing, and nothing is written.
    let mut sources: Vec<(String, String)> = Vec::new();
    for name in ["avvikelse", "lex-sarah", "lex-maria", "klagomal"] {
        let text = std::fs::read_to_string(format!(
            "{}/../../workflows/{name}.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("readable");
        let text = if name == "lex-maria" {
            text.replace(
                r#"roles = ["reporter", "unit_manager", "operations_manager", "mas", "mar"]"#,
                r#"roles = ["mas"]"#,
            )
        } else {
            text
        };
        sources.push((format!("{name}.toml"), text));
    }
    let strict = varna_workflow::Catalog::from_sources(
        sources.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    )
    .expect("valid");
    let store = varna_store::Store::open(&varna_store::StoreConfig::new(h.url.clone()), &strict)
        .await
        .expect("opens");
    let hsl = file_avvikelse(&store, LINDEN, Lagrum::Hsl, 0).await.case_id;
    let before = (
        h.count("event").await,
        h.count("cases").await,
        h.count("outbox").await,
        h.dump("audit_head", "id").await,
    );
    let escalate = transition(
        "escalate_to_lex_maria",
        fields(&[
            ("escalation_reason", text("r")),
            ("affected_gender", text("man")),
        ]),
    );
    let err = store
        .execute(
            &hsl,
            escalate.clone(),
            &actor(Role::UnitManager, LINDEN),
            at(1),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Rejected(Rejection::Forbidden { .. })),
        "{err}"
    );
    assert_eq!(
        (
            h.count("event").await,
            h.count("cases").await,
            h.count("outbox").await,
            h.dump("audit_head", "id").await
        ),
        before
    );
    assert_eq!(
        store
            .case(&hsl)
            .await
            .expect("reads")
            .expect("exists")
            .summary
            .state,
        "registered"
    );
    // The MAS may: the escalation and the new case land together.
    let outcome = store
        .execute(&hsl, escalate, &actor(Role::Mas, LINDEN), at(2))
        .await
        .expect("escalates");
    assert_eq!(outcome.opened.len(), 1);
    assert_eq!(
        h.count("event").await,
        before.0 + 4,
        "transition + link on the avvikelse, filing + link on lex Maria"
    );
    assert_intact(&store).await;
}

async fn filing_for_an_unknown_unit_writes_nothing(h: Harness) {
    let err = h
        .store
        .file_case(
            "avvikelse",
            varna_workflow::FileCase {
                lagrum: Lagrum::Sol,
                unit: UnitId::new("nowhere"),
                fields: fields(&[
                    ("what_happened", text("x")),
                    ("occurred_on", text("2026-03-01")),
                    ("category", text("fall")),
                ]),
            },
            None,
            &actor(Role::Sas, LINDEN),
            at(0),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::UnknownUnit(ref u) if u == "nowhere"),
        "{err}"
    );
    assert!(matches!(
        h.store
            .file_case(
                "nonsense",
                varna_workflow::FileCase {
                    lagrum: Lagrum::Sol,
                    unit: UnitId::new(LINDEN),
                    fields: fields(&[])
                },
                None,
                &actor(Role::Sas, LINDEN),
                at(0)
            )
            .await,
        Err(Error::UnknownWorkflow(_))
    ));
    assert_eq!((h.count("event").await, h.count("cases").await), (0, 0));
}

/// A lex Maria case filed at Linden for the person 19121212-1212.
async fn file_lex_maria_for_a_person(h: &Harness) -> varna_store::Applied {
    let pnr = Personnummer::parse("19121212-1212", t0().date_naive()).expect("valid");
    h.store
        .file_case(
            "lex-maria",
            varna_workflow::FileCase {
                lagrum: Lagrum::Hsl,
                unit: UnitId::new(LINDEN),
                fields: fields(&[
                    ("what_happened", text("Fel dos")),
                    ("occurred_on", text("2026-03-01")),
                    ("affected_gender", text("kvinna")),
                ]),
            },
            Some(&pnr),
            &actor(Role::UnitManager, LINDEN),
            at(0),
        )
        .await
        .expect("files")
}

/// The events of `case`, as its history gives them.
async fn events_of(h: &Harness, case: &CaseId) -> Vec<varna_workflow::Event> {
    h.store
        .history(case)
        .await
        .expect("history")
        .into_iter()
        .map(|e| e.event)
        .collect()
}

/// Imports `copies` new cases, each with `events`, a thousand at a time.
async fn import_copies(h: &Harness, events: &[varna_workflow::Event], copies: usize) {
    for chunk in (0..copies).collect::<Vec<_>>().chunks(1_000) {
        let batch = chunk
            .iter()
            .map(|_| varna_store::ImportedCase {
                id: CaseId::generate(),
                events: events.to_vec(),
                personnummer: None,
            })
            .collect();
        h.store.import_cases(batch).await.expect("imports");
    }
}

async fn personnummer_is_kept_apart_from_case_text(h: Harness) {
    let outcome = file_lex_maria_for_a_person(&h).await;
    assert_eq!(
        h.store
            .personnummer(&outcome.case_id)
            .await
            .expect("reads")
            .as_deref(),
        Some("191212121212")
    );
    let events = h.dump("event", "global_seq").await.join("\n");
    let cases = h.dump("cases", "id").await.join("\n");
    assert!(
        !events.contains("1212121212") && !cases.contains("1212121212"),
        "personnummer leaked into case text"
    );
}

async fn cases_are_pinned_to_their_definition_version(h: Harness) {
    // A database whose lex Sarah and lex Maria cases were filed under
    // version 1 (the definitions before the law review).
    let shipped = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/../../workflows/{name}.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("readable")
    };
    let fixture = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/{name}-v1.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("readable")
    };
    let v1_sources = [
        ("avvikelse.toml", shipped("avvikelse")),
        ("klagomal.toml", shipped("klagomal")),
        ("lex-sarah.toml", fixture("lex-sarah")),
        ("lex-maria.toml", fixture("lex-maria")),
    ];
    let v1 = varna_workflow::Catalog::from_pinned_sources(
        v1_sources.iter().map(|(n, t)| (*n, t.as_str())),
    )
    .expect("version 1 loads as it did");
    assert!(
        varna_workflow::Catalog::from_sources(v1_sources.iter().map(|(n, t)| (*n, t.as_str())))
            .is_err(),
        "a new file may no longer accept a journal topic as a field"
    );
    let old_store = varna_store::Store::open(&varna_store::StoreConfig::new(h.url.clone()), &v1)
        .await
        .expect("opens with version 1");
    let id = old_store
        .file_case(
            "lex-sarah",
            FileCase {
                lagrum: Lagrum::Sol,
                unit: UnitId::new(LINDEN),
                fields: fields(&[
                    ("what_happened", text("Brukaren lämnades utan tillsyn")),
                    ("occurred_on", text("2026-03-01")),
                    ("affected_gender", text("kvinna")),
                ]),
            },
            None,
            &actor(Role::Reporter, LINDEN),
            at(0),
        )
        .await
        .expect("filed under version 1")
        .case_id;
    drop(old_store);
    // The server is upgraded to the shipped definitions (version 2).
    let reopened =
        varna_store::Store::open(&varna_store::StoreConfig::new(h.url.clone()), &catalog())
            .await
            .expect("reopens");
    let old = reopened.case(&id).await.expect("reads").expect("exists");
    assert_eq!(old.summary.workflow_version, 1);
    assert!(
        old.case.deadlines.contains_key("immediate_actions"),
        "v1's clocks"
    );
    // The running case still takes version 1's steps, which version 2 no
    // longer has: acknowledged, then its immediate actions — as a journal
    // entry now, since no version may set an utredning item as a field.
    reopened
        .execute(
            &id,
            transition("acknowledge", fields(&[])),
            &actor(Role::Sas, LINDEN),
            at(1),
        )
        .await
        .expect("acknowledge runs under v1");
    let as_field = reopened
        .execute(
            &id,
            transition(
                "document_immediate_actions",
                fields(&[("immediate_actions", text("Extra nattpersonal"))]),
            ),
            &actor(Role::UnitManager, LINDEN),
            at(1),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&as_field, Error::Rejected(Rejection::InvalidInput { field, .. }) if field == "immediate_actions"),
        "{as_field}"
    );
    for command in [
        entry("immediate_actions"),
        transition("document_immediate_actions", fields(&[])),
    ] {
        reopened
            .execute(&id, command, &actor(Role::UnitManager, LINDEN), at(1))
            .await
            .expect("runs under v1");
    }
    let old = reopened.case(&id).await.expect("reads").expect("exists");
    assert_eq!(old.summary.state, "utredning");
    // A new case is filed under the shipped version, with its clocks.
    let new_id = file_lex_sarah(&reopened, LINDEN).await.case_id;
    let new = reopened
        .case(&new_id)
        .await
        .expect("reads")
        .expect("exists");
    let shipped = catalog()
        .get("lex-sarah")
        .expect("shipped")
        .reference
        .version;
    assert!(shipped > 1);
    assert_eq!(new.summary.workflow_version, shipped);
    assert!(new.case.deadlines.contains_key("protective_measures"));
    assert!(
        reopened
            .execute(
                &new_id,
                transition("document_immediate_actions", fields(&[])),
                &actor(Role::UnitManager, LINDEN),
                at(2),
            )
            .await
            .is_err(),
        "version 1's step is not offered to a version 2 case"
    );
    assert_eq!(h.count("workflow_definition").await, 7);
    assert_intact(&reopened).await;
}

async fn a_page_of_whole_cases_carries_its_count(h: Harness) {
    let mut linden = Vec::new();
    for i in 0..13 {
        let unit = if i % 3 == 0 { NORR } else { LINDEN };
        let id = file_avvikelse(&h.store, unit, Lagrum::Sol, i).await.case_id;
        if unit == LINDEN {
            linden.push(id);
        }
    }
    file_lex_sarah(&h.store, LINDEN).await;
    linden.reverse();
    let filter = CaseFilter {
        kinds: vec!["avvikelse".into()],
        units: Some(vec![LINDEN.into()]),
        ..CaseFilter::default()
    };
    // Three at a time: every page counts all eight, whatever it shows.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = h
            .store
            .case_records(&filter, 3, after.as_deref())
            .await
            .expect("reads a page");
        assert_eq!(page.total, 8, "the count on the page after {after:?}");
        seen.extend(page.items.iter().map(|r| r.id.clone()));
        after = page.end_cursor;
        if !page.has_next_page {
            break;
        }
    }
    assert_eq!(seen, linden, "newest first, each once");
    // Past the last case the page is empty and still counts them.
    let beyond = h
        .store
        .case_records(&filter, 3, after.as_deref())
        .await
        .expect("reads past the end");
    assert!(beyond.items.is_empty() && !beyond.has_next_page);
    assert_eq!(beyond.total, 8);
    let nothing = CaseFilter {
        units: Some(vec![]),
        ..CaseFilter::default()
    };
    let empty = h
        .store
        .case_records(&nothing, 3, None)
        .await
        .expect("reads an empty page");
    assert!(empty.items.is_empty());
    assert_eq!(empty.total, 0);
    // A word of free text narrows the count as it narrows the page.
    let norr_text = CaseFilter {
        units: Some(vec![NORR.into()]),
        text: Some("ZZ-INGET-SÅDANT".into()),
        ..CaseFilter::default()
    };
    let page = h
        .store
        .case_records(&norr_text, 3, None)
        .await
        .expect("reads a searched page");
    assert_eq!((page.items.len(), page.total), (0, 0));
    let norr_bathroom = CaseFilter {
        text: Some("BADRUMMET".into()),
        ..norr_text
    };
    let page = h
        .store
        .case_records(&norr_bathroom, 3, None)
        .await
        .expect("reads a searched page");
    assert_eq!((page.items.len(), page.total), (3, 5));
}

async fn lists_filter_and_paginate_without_gaps(h: Harness) {
    let mut expected = Vec::new();
    for i in 0..13 {
        let unit = if i % 3 == 0 { NORR } else { LINDEN };
        let lagrum = if i % 2 == 0 { Lagrum::Sol } else { Lagrum::Hsl };
        expected.push((
            file_avvikelse(&h.store, unit, lagrum, i).await.case_id,
            unit,
            lagrum,
        ));
    }
    let sarah = file_lex_sarah(&h.store, LINDEN).await.case_id;
    // Page through all avvikelser five at a time: newest first, each exactly once.
    let filter = CaseFilter {
        kinds: vec!["avvikelse".into()],
        ..CaseFilter::default()
    };
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = h
            .store
            .cases(&filter, 5, after.as_deref())
            .await
            .expect("lists");
        seen.extend(page.items.iter().map(|c| c.id.clone()));
        if !page.has_next_page {
            break;
        }
        after = page.end_cursor;
    }
    let mut newest_first: Vec<CaseId> = expected.iter().map(|(id, _, _)| id.clone()).collect();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    assert!(matches!(
        h.store.cases(&filter, 5, Some("garbage")).await,
        Err(Error::InvalidCursor)
    ));

    let norr = CaseFilter {
        units: Some(vec![NORR.into()]),
        ..CaseFilter::default()
    };
    assert_eq!(h.store.count_cases(&norr).await.expect("counts"), 5);
    let nothing = CaseFilter {
        units: Some(vec![]),
        ..CaseFilter::default()
    };
    assert_eq!(h.store.count_cases(&nothing).await.expect("counts"), 0);
    let hsl = CaseFilter {
        lagrum: vec![Lagrum::Hsl],
        ..CaseFilter::default()
    };
    assert_eq!(h.store.count_cases(&hsl).await.expect("counts"), 6);
    let by_kind = h
        .store
        .count_by(&CaseFilter::default(), GroupBy::Kind)
        .await
        .expect("counts");
    assert_eq!(
        by_kind,
        vec![
            (Some("avvikelse".into()), 13),
            (Some("lex-sarah".into()), 1)
        ]
    );
    // Overdue: the lex Sarah SAS clock (24 h) has passed two days on.
    let overdue = CaseFilter {
        overdue_at: Some(t0() + Duration::days(2)),
        kinds: vec!["lex-sarah".into()],
        ..CaseFilter::default()
    };
    let page = h.store.cases(&overdue, 10, None).await.expect("lists");
    assert_eq!(
        page.items.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        vec![sarah]
    );
    let not_yet = CaseFilter {
        overdue_at: Some(t0() + Duration::hours(1)),
        kinds: vec!["lex-sarah".into()],
        ..CaseFilter::default()
    };
    assert_eq!(h.store.count_cases(&not_yet).await.expect("counts"), 0);

    if h.backend == "postgres" {
        // The list query by unit is served by an index (sequential scans disabled to ask the planner).
        let db = h.raw().await;
        use sea_orm::ConnectionTrait;
        db.execute_unprepared("SET enable_seqscan = off")
            .await
            .expect("set");
        let plan = db
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DatabaseBackend::Postgres,
                "EXPLAIN SELECT * FROM cases WHERE unit_id = 'linden' ORDER BY opened_at DESC, id DESC LIMIT 6".to_owned(),
            ))
            .await
            .expect("explains");
        let plan: Vec<String> = plan
            .iter()
            .map(|r| r.try_get::<String>("", "QUERY PLAN").unwrap_or_default())
            .collect();
        assert!(
            plan.iter().any(|l| l.contains("ix_case_unit_opened")),
            "{plan:#?}"
        );
    }
}

/// Verification walks the access log's own chain (in place on a SQLite
/// file, page by page on PostgreSQL): a changed read and a deleted newest
/// read are each caught, at the read where the chain breaks.
async fn verify_walks_the_access_log_s_chain(h: Harness) {
    let case = file_lex_sarah(&h.store, LINDEN).await.case_id;
    for minutes in 1..=3 {
        h.store
            .record_access(NewAccess {
                actor_id: "auditor-1".into(),
                role: Role::Auditor,
                case_id: case.clone(),
                purpose: "audit".into(),
                at: t0() + Duration::minutes(minutes),
            })
            .await
            .expect("records");
    }
    assert_intact(&h.store).await;
    h.exec("UPDATE access_log SET purpose = 'nyfikenhet' WHERE chain_seq = 2")
        .await;
    let problem = first_break(&h.store).await;
    assert_eq!(problem.kind, BreakKind::AccessLogBroken, "{}", h.backend);
    assert_eq!(problem.global_seq, Some(2), "{}", h.backend);
    h.exec("UPDATE access_log SET purpose = 'audit' WHERE chain_seq = 2")
        .await;
    assert_intact(&h.store).await;
    h.exec("DELETE FROM access_log WHERE chain_seq = 3").await;
    let problem = first_break(&h.store).await;
    assert_eq!(problem.kind, BreakKind::AccessLogBroken, "{}", h.backend);
    assert_eq!(problem.global_seq, Some(3), "{}", h.backend);
    assert!(
        problem.found.starts_with("2 reads"),
        "{}: {problem}",
        h.backend
    );
    // 30,000 made-up reads after the gap: the walk ends at the gap while
    // the log is still being read, and the store goes on logging reads.
    h.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) \
         INSERT INTO access_log (actor_id, actor_role, case_id, purpose, at, chain_seq, \
         prev_hash, hash) SELECT a.actor_id, a.actor_role, a.case_id, a.purpose, a.at, \
         1000 + n.i, a.prev_hash, a.hash FROM n, access_log a WHERE a.chain_seq = 1",
    )
    .await;
    for _ in 0..2 {
        let problem = first_break(&h.store).await;
        assert_eq!(problem.kind, BreakKind::AccessLogBroken, "{}", h.backend);
        assert_eq!(problem.global_seq, Some(3), "{}", h.backend);
        assert!(
            problem.found.contains("reads 3 to 1000 are missing"),
            "{}: {problem}",
            h.backend
        );
    }
    h.store
        .record_access(NewAccess {
            actor_id: "auditor-1".into(),
            role: Role::Auditor,
            case_id: case.clone(),
            purpose: "audit".into(),
            at: t0() + Duration::minutes(4),
        })
        .await
        .expect("records after the walk");
}

async fn the_access_log_is_queryable_by_case_and_user(h: Harness) {
    let a = file_lex_sarah(&h.store, LINDEN).await.case_id;
    let b = file_lex_sarah(&h.store, LINDEN).await.case_id;
    for (who, case, purpose, minutes) in [
        ("auditor-1", &a, "audit", 1),
        ("sas-1", &a, "case_view", 2),
        ("auditor-1", &b, "history", 3),
    ] {
        h.store
            .record_access(NewAccess {
                actor_id: who.into(),
                role: if who.starts_with("auditor") {
                    Role::Auditor
                } else {
                    Role::Sas
                },
                case_id: case.clone(),
                purpose: purpose.into(),
                at: t0() + Duration::minutes(minutes),
            })
            .await
            .expect("records");
    }
    let on_a = h.store.access_log_for_case(&a).await.expect("reads");
    assert_eq!(
        on_a.iter()
            .map(|r| (r.actor_id.as_str(), r.purpose.as_str()))
            .collect::<Vec<_>>(),
        [("auditor-1", "audit"), ("sas-1", "case_view")]
    );
    let by_auditor = h
        .store
        .access_log_for_user("auditor-1")
        .await
        .expect("reads");
    assert_eq!(by_auditor.len(), 2);
    assert_eq!(by_auditor[1].case_id, b.to_string());
    assert_eq!(by_auditor[1].at, t0() + Duration::minutes(3));
}

/// Two stores on one database (two servers, or `varna` beside a server)
/// append to one access chain, each taking up where the other left off.
async fn two_stores_extend_one_access_chain(h: Harness) {
    let case = file_lex_sarah(&h.store, LINDEN).await.case_id;
    let other = varna_store::Store::open(&varna_store::StoreConfig::new(h.url.clone()), &catalog())
        .await
        .expect("a second store opens");
    let access = |who: &str, n: i64| case_view(who, &case, n);
    for n in 0..3 {
        h.store
            .record_access(access("auditor-1", n))
            .await
            .expect("the first store records");
        other
            .record_access(access("auditor-2", n))
            .await
            .expect("the second store records");
    }
    let log = h.store.access_log_for_case(&case).await.expect("reads");
    assert_eq!(
        log.iter().map(|r| r.actor_id.as_str()).collect::<Vec<_>>(),
        ["auditor-1", "auditor-2"].repeat(3),
        "{}",
        h.backend
    );
    assert_intact(&h.store).await;
    other.close().await.expect("closes");
}

async fn concurrent_reads_are_all_logged_in_shared_commits(h: Harness) {
    let case = file_lex_sarah(&h.store, LINDEN).await.case_id;
    let store = std::sync::Arc::new(h.store);
    let readers: Vec<_> = (0..60)
        .map(|i| {
            let (store, case) = (std::sync::Arc::clone(&store), case.clone());
            tokio::spawn(async move {
                let access = |n: i64| case_view(&format!("reader-{i}"), &case, n);
                if i % 3 == 0 {
                    // A page of a list: several rows in one go.
                    store
                        .record_accesses(vec![access(i), access(i + 1000)])
                        .await
                } else {
                    store.record_access(access(i)).await
                }
            })
        })
        .collect();
    for r in readers {
        r.await.expect("no panic").expect("every read is logged");
    }
    let log = store.access_log_for_case(&case).await.expect("reads");
    assert_eq!(log.len(), 60 + 20, "{}", h.backend);
    let mut ids: Vec<i64> = log.iter().map(|r| r.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 80, "one row per read");
    for i in 0..60 {
        let who = format!("reader-{i}");
        let n = log.iter().filter(|r| r.actor_id == who).count();
        assert_eq!(n, if i % 3 == 0 { 2 } else { 1 }, "{who}");
    }
    store
        .record_accesses(Vec::new())
        .await
        .expect("nothing to log is fine");
}

/// Commands and the access log share the writer's one connection on
/// SQLite: filings and logged reads started at once all commit, none
/// waits on the other for ever, and both chains verify.
async fn commands_and_logged_reads_written_at_once_all_commit(h: Harness) {
    let case = file_lex_sarah(&h.store, LINDEN).await.case_id;
    let store = std::sync::Arc::new(h.store);
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let (store, case) = (std::sync::Arc::clone(&store), case.clone());
            tokio::spawn(async move {
                if i % 2 == 0 {
                    file_lex_sarah(&store, LINDEN).await;
                    Ok(())
                } else {
                    store
                        .record_access(case_view(&format!("reader-{i}"), &case, i))
                        .await
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("no panic").expect("every write commits");
    }
    let log = store.access_log_for_case(&case).await.expect("reads");
    assert_eq!(log.len(), 20, "{}", h.backend);
    assert_intact(&store).await;
}

/// On a SQLite file the writer leaves the log's checkpoints to a task
/// beside its commits (its own checkpoint is only a backstop, far past
/// what these filings write): what they wrote reaches the database file
/// itself soon after, and the store closes cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_checkpointed_beside_the_commits() {
    let h = Harness::sqlite().await;
    let path = h
        .url
        .trim_start_matches("sqlite://")
        .trim_end_matches("?mode=rwc")
        .to_owned();
    let size = |path: &str| std::fs::metadata(path).expect("the database file").len();
    let before = size(&path);
    for _ in 0..100 {
        file_lex_sarah(&h.store, LINDEN).await;
    }
    let waited = std::time::Instant::now();
    while size(&path) < before + 256 * 1024 {
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(20),
            "the database file stayed at {} bytes (from {before}): the log was not checkpointed",
            size(&path)
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_intact(&h.store).await;
    h.store.close().await.expect("closes");
}

async fn related_cases_are_linked_on_both_sides(h: Harness) {
    let complaint = h
        .store
        .file_case(
            "klagomal",
            varna_workflow::FileCase {
                lagrum: Lagrum::Sol,
                unit: UnitId::new(LINDEN),
                fields: fields(&[
                    ("feedback_kind", text("klagomal")),
                    ("sender_kind", text("narstaende")),
                    ("received_on", text("2026-03-01")),
                    ("what_happened", text("Pappa föll igen")),
                    ("wants_aterkoppling", varna_workflow::Value::Bool(true)),
                ]),
            },
            None,
            &actor(Role::UnitManager, LINDEN),
            at(0),
        )
        .await
        .expect("files")
        .case_id;
    let avvikelse = file_avvikelse(&h.store, LINDEN, Lagrum::Sol, 1)
        .await
        .case_id;
    let linked = h
        .store
        .link_cases(
            &complaint,
            &avvikelse,
            &actor(Role::UnitManager, LINDEN),
            at(2),
        )
        .await
        .expect("links");
    assert_eq!(linked.version, 2);
    let a = h
        .store
        .case(&complaint)
        .await
        .expect("reads")
        .expect("exists");
    let b = h
        .store
        .case(&avvikelse)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!((a.case.links.len(), b.case.links.len()), (1, 1));
    assert_eq!(a.case.links[0].other_case, avvikelse.to_string());
    assert_eq!(a.case.links[0].end, LinkEnd::Origin);
    assert_eq!(b.case.links[0].other_case, complaint.to_string());
    assert_eq!(b.case.links[0].end, LinkEnd::Opened);
    // Again, the other way round, with itself, or by a read-only role: refused, nothing written.
    let events = h.count("event").await;
    assert!(matches!(
        h.store
            .link_cases(
                &complaint,
                &avvikelse,
                &actor(Role::UnitManager, LINDEN),
                at(3)
            )
            .await,
        Err(Error::Rejected(Rejection::InvalidInput { .. }))
    ));
    assert!(matches!(
        h.store
            .link_cases(
                &complaint,
                &complaint,
                &actor(Role::UnitManager, LINDEN),
                at(3)
            )
            .await,
        Err(Error::Rejected(Rejection::InvalidInput { .. }))
    ));
    assert!(matches!(
        h.store
            .link_cases(&avvikelse, &complaint, &actor(Role::Auditor, LINDEN), at(3))
            .await,
        Err(Error::Rejected(Rejection::Forbidden { .. }))
    ));
    assert!(matches!(
        h.store
            .link_cases(
                &avvikelse,
                &complaint,
                &actor(Role::UnitManager, NORR),
                at(3)
            )
            .await,
        Err(Error::Rejected(Rejection::OutsideUnits { .. }))
    ));
    assert_eq!(h.count("event").await, events);
    assert_eq!(h.count("case_link").await, 2);
    assert_intact(&h.store).await;
}

async fn a_duplicate_is_closed_on_both_sides_and_rebuilds_the_same(h: Harness) {
    let original = file_avvikelse(&h.store, LINDEN, Lagrum::Sol, 1)
        .await
        .case_id;
    let duplicate = file_avvikelse(&h.store, LINDEN, Lagrum::Sol, 2)
        .await
        .case_id;
    let events = h.count("event").await;
    // The auditor reads but takes no step: refused, nothing written.
    assert!(matches!(
        h.store
            .mark_duplicate(&duplicate, &original, &actor(Role::Auditor, LINDEN), at(3))
            .await,
        Err(Error::Rejected(Rejection::Forbidden { .. }))
    ));
    assert_eq!(h.count("event").await, events);
    h.store
        .mark_duplicate(
            &duplicate,
            &original,
            &actor(Role::UnitManager, LINDEN),
            at(3),
        )
        .await
        .expect("marks");
    let (d, o) = (
        h.store
            .case(&duplicate)
            .await
            .expect("reads")
            .expect("exists"),
        h.store
            .case(&original)
            .await
            .expect("reads")
            .expect("exists"),
    );
    assert_eq!(d.case.duplicate_of(), Some(original.to_string().as_str()));
    assert!(d.case.is_closed() && !o.case.is_closed());
    assert_eq!(o.case.links[0].other_case, duplicate.to_string());
    // The original cannot now be marked a duplicate of its duplicate.
    assert!(matches!(
        h.store
            .mark_duplicate(
                &original,
                &duplicate,
                &actor(Role::UnitManager, LINDEN),
                at(4)
            )
            .await,
        Err(Error::Rejected(Rejection::InvalidInput { .. }))
    ));
    let check = h.store.check_projections(|_| {}).await.expect("checks");
    assert!(check.differing.is_empty(), "{:?}", check.differing);
    assert_intact(&h.store).await;
}

async fn expired_idempotency_keys_and_revocations_are_removed(h: Harness) {
    let file = |key: &'static str| {
        let store = &h.store;
        async move {
            store
                .file_case(
                    "avvikelse",
                    varna_workflow::FileCase {
                        lagrum: Lagrum::Sol,
                        unit: UnitId::new(LINDEN),
                        fields: fields(&[
                            ("what_happened", text("Fall")),
                            ("occurred_on", text("2026-03-01")),
                            ("category", text("fall")),
                        ]),
                    },
                    None,
                    &actor(Role::Reporter, LINDEN),
                    CommandOptions {
                        idempotency_key: Some(key.into()),
                        ..at(0)
                    },
                )
                .await
                .expect("files")
        }
    };
    let first = file("k-1").await;
    // Within the period the key is kept: a retry replays.
    let kept = h
        .store
        .purge_expired(t0(), t0() - Duration::hours(1))
        .await
        .expect("purges");
    assert_eq!(kept, (0, 0));
    assert!(file("k-1").await.replayed);
    // After it, the key is gone and the same key files anew.
    let gone = h
        .store
        .purge_expired(t0(), t0() + Duration::hours(1))
        .await
        .expect("purges");
    assert_eq!(gone, (0, 1));
    let again = file("k-1").await;
    assert!(!again.replayed);
    assert_ne!(again.case_id, first.case_id);

    let revocation = |kind, subject: &str, until_hours| varna_store::Revocation {
        kind,
        subject: subject.into(),
        revoked_at: t0(),
        until: t0() + Duration::hours(until_hours),
    };
    h.store
        .revoke(revocation(varna_store::RevocationKind::Session, "s-1", 1))
        .await
        .expect("revokes");
    h.store
        .revoke(revocation(varna_store::RevocationKind::User, "u-1", 2))
        .await
        .expect("revokes");
    // A repeat keeps one row, with the later moment.
    h.store
        .revoke(revocation(varna_store::RevocationKind::User, "u-1", 3))
        .await
        .expect("revokes again");
    assert_eq!(h.store.revocations(t0()).await.expect("reads").len(), 2);
    let later = t0() + Duration::minutes(90);
    let purged = h
        .store
        .purge_expired(later, t0() - Duration::days(7))
        .await
        .expect("purges");
    assert_eq!(purged, (1, 0));
    let left = h.store.revocations(later).await.expect("reads");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].subject, "u-1");
    assert_eq!(left[0].until, t0() + Duration::hours(3));
}

async fn a_case_is_found_by_the_last_eight_digits_of_its_id(h: Harness) {
    let wanted = file_avvikelse(&h.store, LINDEN, Lagrum::Sol, 1)
        .await
        .case_id;
    file_avvikelse(&h.store, LINDEN, Lagrum::Sol, 2).await;
    let id = wanted.to_string();
    let number = id[id.len() - 8..].to_uppercase();
    let filter = |n: &str| CaseFilter {
        case_number: Some(n.to_owned()),
        ..CaseFilter::default()
    };
    let page = h
        .store
        .cases(&filter(&number), 10, None)
        .await
        .expect("a page");
    assert_eq!(page.items.len(), 1, "{number}");
    assert_eq!(page.items[0].id, wanted);
    let none = if number.starts_with('0') {
        "FFFFFFFF"
    } else {
        "00000000"
    };
    assert!(
        h.store
            .cases(&filter(none), 10, None)
            .await
            .expect("a page")
            .items
            .is_empty()
    );
    let wild = h
        .store
        .cases(&filter("%_"), 10, None)
        .await
        .expect("a page");
    assert_eq!(
        wild.items.len(),
        2,
        "no wildcard reaches the pattern: no narrowing at all"
    );
}
