//! Klagomål och synpunkter (SOSFS 2011:9 5 kap. 3 §; PSL 3 kap. 8 a–e §§):
//! one test per obligation in DOMAIN.md, named in workflows/README.md's
//! table.

use chrono::Duration;
use varna_workflow::definition::{LinkKind, Requirement};
use varna_workflow::{
    DeadlineStatus, Effect, FailedCondition, Lagrum, Rejection, Role, Value, local,
};

use super::common::*;

fn complaint(lagrum: Lagrum, kind: &str, wants: bool) -> Scenario {
    Scenario::filed(
        "klagomal",
        Role::UnitManager,
        lagrum,
        fields(&[
            ("feedback_kind", text(kind)),
            ("sender_kind", text("narstaende")),
            ("received_how", text("telefon")),
            ("received_on", text("2026-02-25")),
            ("what_happened", text("Maten kom kall flera dagar")),
            ("wants_aterkoppling", Value::Bool(wants)),
        ]),
    )
}

fn investigating(lagrum: Lagrum, wants: bool) -> Scenario {
    let mut s = complaint(lagrum, "klagomal", wants);
    s.take(Role::UnitManager, "start_investigation", fields(&[]));
    s
}

fn answer() -> varna_workflow::Fields {
    fields(&[
        ("investigation_result", text("Rutin ändrad")),
        ("response", text("Vi har ändrat rutinen")),
        ("response_sent_on", text("2026-03-02")),
    ])
}

#[test]
fn the_reply_clock_counts_from_the_day_received_and_runs_only_when_a_reply_is_wanted() {
    let s = complaint(Lagrum::Sol, "klagomal", true);
    assert_eq!(
        s.case.deadlines["aterkoppling"].due_at(),
        local::day_start(s.case.fields["received_on"].as_date().expect("a date"))
            + Duration::days(14),
        "from received_on, not from when it was typed in"
    );
    let quiet = complaint(Lagrum::Sol, "klagomal", false);
    assert!(!quiet.case.deadlines.contains_key("aterkoppling"));
}

#[test]
fn a_reply_is_required_when_wanted_and_a_reason_replaces_it_only_when_not() {
    let mut wanted = investigating(Lagrum::Sol, true);
    let no_reply = fields(&[
        ("investigation_result", text("Rutin ändrad")),
        ("no_response_reason", text("Ingen tid")),
    ]);
    let err = wanted
        .try_take(Role::UnitManager, "record_no_answer", no_reply.clone())
        .unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { failed, .. } if failed == &vec![FailedCondition::Value { field: "wants_aterkoppling".into() }]),
        "{err}"
    );
    wanted.take(Role::UnitManager, "answer", answer());
    assert!(matches!(
        wanted.case.deadlines["aterkoppling"],
        DeadlineStatus::Met { .. }
    ));
    let mut not_wanted = investigating(Lagrum::Sol, false);
    assert!(matches!(
        not_wanted.try_take(Role::UnitManager, "answer", answer()),
        Err(Rejection::GuardFailed { .. })
    ));
    not_wanted.take(Role::UnitManager, "record_no_answer", no_reply);
    assert_eq!(not_wanted.state(), "answered");
}

#[test]
fn praise_needs_no_investigation_result() {
    let mut s = complaint(Lagrum::Lss, "berom", true);
    s.take(
        Role::UnitManager,
        "acknowledge_praise",
        fields(&[
            ("response", text("Tack, vi för det vidare")),
            ("response_sent_on", text("2026-03-02")),
        ]),
    );
    assert_eq!(s.state(), "answered");
    let mut complaint = investigating(Lagrum::Lss, true);
    assert!(matches!(
        complaint.try_take(Role::UnitManager, "acknowledge_praise", fields(&[])),
        Err(Rejection::GuardFailed { .. })
    ));
}

#[test]
fn a_health_care_answer_explains_the_planned_measures() {
    let mut s = investigating(Lagrum::Hsl, true);
    assert!(matches!(
        s.try_take(Role::UnitManager, "answer", answer()),
        Err(Rejection::GuardFailed { .. })
    ));
    let err = s
        .try_take(Role::UnitManager, "answer_health", answer())
        .unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { missing, .. } if missing == &vec![Requirement::Field("planned_measures".into())]),
        "{err}"
    );
    let mut with_measures = answer();
    with_measures.insert(
        "planned_measures".into(),
        text("Ny rutin för läkemedelsgenomgång"),
    );
    s.take(Role::UnitManager, "answer_health", with_measures);
    assert_eq!(s.state(), "answered");
}

#[test]
fn a_complaint_about_another_provider_is_forwarded_with_its_day_and_receiver() {
    let mut s = complaint(Lagrum::Hsl, "klagomal", true);
    let err = s
        .try_take(
            Role::UnitManager,
            "forward_to_other_provider",
            fields(&[("forwarded_to", text("Regionens vårdcentral"))]),
        )
        .unwrap_err();
    assert!(matches!(err, Rejection::GuardFailed { .. }), "{err}");
    s.take(
        Role::UnitManager,
        "forward_to_other_provider",
        fields(&[
            ("forwarded_to", text("Regionens vårdcentral")),
            ("forwarded_on", text("2026-03-02")),
        ]),
    );
    assert!(s.case.is_closed());
    assert_eq!(s.state(), "forwarded");
}

/// PSL 3 kap. 8 e §: forwarded skyndsamt — a clock from the day it became
/// clear that the complaint concerns another vårdgivare, met by the day it
/// was forwarded. Health care only; noted once.
#[test]
fn forwarding_to_another_provider_runs_on_a_clock_from_the_day_it_became_clear() {
    let mut s = investigating(Lagrum::Hsl, true);
    assert!(!s.case.deadlines.contains_key("overlamning"));
    // Noted on Friday 27 February: three working days end on Wednesday 4 March.
    s.take(
        Role::UnitManager,
        "note_other_provider",
        fields(&[("other_provider_noticed_on", text("2026-02-27"))]),
    );
    assert_eq!(s.state(), "investigating", "the case stays where it is");
    assert_eq!(
        s.case.deadlines["overlamning"].due_at(),
        local::day_start(chrono::NaiveDate::from_ymd_opt(2026, 3, 5).expect("a day"))
    );
    assert!(
        matches!(
            s.try_take(
                Role::UnitManager,
                "note_other_provider",
                fields(&[("other_provider_noticed_on", text("2026-02-28"))]),
            ),
            Err(Rejection::GuardFailed { .. })
        ),
        "noted once: the clock keeps its first day"
    );
    s.take(
        Role::UnitManager,
        "forward_to_other_provider",
        fields(&[
            ("forwarded_to", text("Regionens vårdcentral")),
            ("forwarded_on", text("2026-03-02")),
        ]),
    );
    assert!(
        matches!(s.case.deadlines["overlamning"], DeadlineStatus::Met { met_at, due_at } if met_at <= due_at),
        "{:?}",
        s.case.deadlines["overlamning"]
    );

    // Known at registration: the clock starts with the filing.
    let filed = Scenario::filed(
        "klagomal",
        Role::UnitManager,
        Lagrum::Hsl,
        fields(&[
            ("feedback_kind", text("klagomal")),
            ("sender_kind", text("brukare")),
            ("received_on", text("2026-03-02")),
            ("what_happened", text("Vårdcentralen svarade inte")),
            ("wants_aterkoppling", Value::Bool(false)),
            ("other_provider_noticed_on", text("2026-03-02")),
        ]),
    );
    assert!(filed.case.deadlines["overlamning"].is_running());
    // Outside health care there is no such step and no such clock.
    let sol = investigating(Lagrum::Sol, true);
    assert!(
        !varna_workflow::available_transitions(&sol.def, &sol.case, &actor(Role::UnitManager))
            .iter()
            .any(|t| t.transition.name == "note_other_provider")
    );
}

#[test]
fn a_complaint_can_open_lex_maria_directly_and_every_closure_answers_the_question() {
    let mut s = investigating(Lagrum::Hsl, true);
    s.take(
        Role::UnitManager,
        "open_lex_maria",
        fields(&[
            ("escalation_reason", text("Kan ha medfört vårdskada")),
            ("occurred_on", text("2026-02-24")),
            ("affected_gender", text("kvinna")),
        ]),
    );
    assert!(s.last.effects.contains(&Effect::SpawnCase {
        workflow: "lex-maria".into(),
        link: LinkKind::SpawnedBy
    }));
    let mut s = investigating(Lagrum::Sol, true);
    s.take(Role::UnitManager, "answer", answer());
    let err = s
        .try_take(
            Role::UnitManager,
            "close",
            fields(&[("analysis", text("Återkommande synpunkter på mat"))]),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { missing, .. } if missing == &vec![Requirement::AnyOf(vec!["escalation_reason".into(), "escalation_answer".into()])]),
        "{err}"
    );
    s.take(
        Role::UnitManager,
        "close",
        fields(&[
            ("analysis", text("Återkommande synpunkter på mat")),
            ("escalation_answer", text("Inget missförhållande")),
        ]),
    );
    assert!(s.case.is_closed());
    s.assert_replay_agrees();
}

#[test]
fn a_receipt_is_due_within_two_working_days_swedish_holidays_excluded() {
    let s = Scenario::filed(
        "klagomal",
        Role::UnitManager,
        Lagrum::Sol,
        fields(&[
            ("feedback_kind", text("klagomal")),
            ("sender_kind", text("brukare")),
            ("received_on", text("2026-03-02")),
            ("what_happened", text("Inget svar i telefon")),
            ("wants_aterkoppling", Value::Bool(true)),
        ]),
    );
    // Received on Monday 2 March: due by the end of Wednesday 4 March.
    assert_eq!(
        s.case.deadlines["kvittens"].due_at(),
        local::day_start(chrono::NaiveDate::from_ymd_opt(2026, 3, 5).expect("a day"))
    );
    let term = s
        .def
        .deadlines
        .iter()
        .find(|d| d.id == "kvittens")
        .expect("declared")
        .within
        .on(start().date_naive());
    assert_eq!(term.to_string(), "2wd");
    let mut s = s;
    s.take(
        Role::UnitManager,
        "send_receipt",
        fields(&[("receipt_sent_on", text("2026-03-02"))]),
    );
    assert!(matches!(
        s.case.deadlines["kvittens"],
        DeadlineStatus::Met { .. }
    ));
    let quiet = complaint(Lagrum::Sol, "synpunkt", false);
    assert!(!quiet.case.deadlines.contains_key("kvittens"));
}
