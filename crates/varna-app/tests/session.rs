//! The application layer driven as the API and the pages drive it: people
//! in different roles with sessions over one store (a real SQLite file).

use std::collections::BTreeSet;
use std::sync::Arc;

use varna_app::{App, Code, Expect, NewCase, Purpose, Reads};
use varna_store::Store;
use varna_workflow::{Fields, Lagrum, Role, UnitId, Value};

fn person(role: Role, unit: Option<&str>) -> varna_app::Principal {
    varna_app::Principal {
        user_id: format!("{role}-1"),
        role,
        units: unit.map(UnitId::new).into_iter().collect::<BTreeSet<_>>(),
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

async fn store(dir: &tempfile::TempDir) -> Arc<Store> {
    varna_testkit::org::sqlite_store(
        dir.path(),
        "app.db",
        &[("linden", "aldreomsorg"), ("norr", "aldreomsorg")],
    )
    .await
}

fn lex_sarah() -> NewCase {
    let fields: Fields = [
        ("what_happened".to_owned(), text("Brukaren lämnades ensam")),
        ("occurred_on".to_owned(), text("2026-01-10")),
        ("affected_gender".to_owned(), text("kvinna")),
        ("affected_person_name".to_owned(), text("Astrid Exempel")),
    ]
    .into();
    NewCase {
        workflow: "lex-sarah".into(),
        lagrum: Lagrum::Sol,
        unit: "linden".into(),
        fields,
        personnummer: Some("19121212-1212".into()),
        idempotency_key: None,
    }
}

#[tokio::test]
async fn each_role_reads_what_the_policy_gives_it_and_every_read_is_logged_once_per_request() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = App::new(store(&dir).await, 0);
    let reporter = person(Role::Reporter, Some("linden"));
    let reads = Reads::default();
    let filed = app
        .session(&reporter, &reads)
        .file(lex_sarah())
        .await
        .expect("files");
    let id = filed.applied.case_id.clone();
    let own = app
        .session(&reporter, &reads)
        .command_case(&filed)
        .await
        .expect("reads")
        .expect("the reporter reads their own report");
    let session = app.session(&reporter, &reads);
    assert_eq!(
        own.personnummer(&session).await.expect("reads"),
        Some("********-****".into()),
        "a reporter sees the personnummer masked"
    );
    assert_eq!(
        own.journal().map(<[_]>::len).map_err(|e| e.code),
        Err(Code::Forbidden),
        "the investigation is not the reporter's"
    );
    assert_eq!(
        own.history(&session)
            .await
            .map(|h| h.len())
            .map_err(|e| e.code),
        Err(Code::Forbidden)
    );

    let elsewhere = person(Role::UnitManager, Some("norr"));
    let other_reads = Reads::default();
    let refused = app
        .session(&elsewhere, &other_reads)
        .case(&id, Purpose::CaseView)
        .await
        .expect_err("another unit's case");
    assert_eq!(refused.code, Code::NotFound, "existence is not revealed");

    let sas = person(Role::Sas, None);
    let sas_reads = Reads::default();
    let session = app.session(&sas, &sas_reads);
    let view = session
        .case(&id, Purpose::CaseView)
        .await
        .expect("SAS reads");
    session
        .case(&id, Purpose::CaseView)
        .await
        .expect("and again, in the same request");
    assert_eq!(
        view.personnummer(&session).await.expect("reads"),
        Some("19121212-1212".into()),
        "the SAS investigates: the personnummer in full"
    );

    let auditor = person(Role::Auditor, None);
    let auditor_reads = Reads::default();
    let session = app.session(&auditor, &auditor_reads);
    let view = session.case(&id, Purpose::CaseView).await.expect("reads");
    let log = view.access_log(&session).await.expect("auditors read it");
    let by = |who: &str| log.iter().filter(|a| a.user_id == who).count();
    assert_eq!(by("sas-1"), 1, "two reads in one request: one row");
    assert_eq!(by("unit_manager-1"), 0, "a refused read reads nothing");
    assert_eq!(by("auditor-1"), 1, "the auditor's own read is logged first");
    assert!(view.audit_chain(&session).await.expect("verifies").intact);
    assert_eq!(
        app.session(&sas, &sas_reads)
            .case(&id, Purpose::CaseView)
            .await
            .expect("reads")
            .access_log(&app.session(&sas, &sas_reads))
            .await
            .map_err(|e| e.code)
            .err(),
        Some(Code::Forbidden),
        "only auditors read the access log"
    );
}

#[tokio::test]
async fn filings_are_bounded_per_person_across_every_session() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = App::new(store(&dir).await, 1);
    let reporter = person(Role::Reporter, Some("linden"));
    let (api, web) = (Reads::default(), Reads::default());
    app.session(&reporter, &api)
        .file(lex_sarah())
        .await
        .expect("the first filing");
    let refused = app
        .session(&reporter, &web)
        .file(lex_sarah())
        .await
        .expect_err("the second within the minute, from another request");
    assert_eq!(refused.code, Code::RateLimited);
}

#[tokio::test]
async fn escalation_takes_the_transition_the_lifecycle_defines_for_the_target() {
    let dir = tempfile::tempdir().expect("temp dir");
    let app = App::new(store(&dir).await, 0);
    let manager = person(Role::UnitManager, Some("linden"));
    let reads = Reads::default();
    let session = app.session(&manager, &reads);
    let fields: Fields = [
        ("what_happened".to_owned(), text("Fall")),
        ("occurred_on".to_owned(), text("2026-01-10")),
        ("category".to_owned(), text("fall")),
    ]
    .into();
    let filed = session
        .file(NewCase {
            workflow: "avvikelse".into(),
            lagrum: Lagrum::Sol,
            unit: "linden".into(),
            fields,
            personnummer: None,
            idempotency_key: None,
        })
        .await
        .expect("files");
    let id = filed.applied.case_id;
    let nowhere = session
        .escalate(&id, "klagomal", Fields::new(), Expect::default())
        .await
        .expect_err("no transition escalates an avvikelse to a complaint");
    assert_eq!(nowhere.code, Code::InvalidTransition);
    let missing = session
        .escalate(&id, "lex-sarah", Fields::new(), Expect::default())
        .await
        .expect_err("the escalation's guard needs a reason");
    assert_eq!(missing.code, Code::GuardFailed);
    assert!(
        missing
            .detail
            .missing
            .iter()
            .any(|r| r.fields().contains(&"escalation_reason".to_owned()))
    );
    let reason: Fields = [
        ("escalation_reason".to_owned(), text("Missförhållande")),
        ("affected_gender".to_owned(), text("kvinna")),
    ]
    .into();
    let done = session
        .escalate(&id, "lex-sarah", reason, Expect::default())
        .await
        .expect("escalates");
    assert_eq!(done.applied.opened.len(), 1, "a lex Sarah case was opened");
    let opened = session
        .case(&done.applied.opened[0], Purpose::CaseView)
        .await
        .expect("the manager reads the case opened from theirs");
    assert_eq!(opened.workflow(), "lex-sarah");
}
