//! Lex Sarah (SoL 2025:400 27 kap. 1–6 §§, LSS 24 a–f §§, SOSFS 2011:5):
//! one test per obligation in DOMAIN.md, given/when/then, including the
//! truthful paths (a risk with no date, information impossible, IVO's
//! number arriving later, a complement request, reopening). The table in
//! workflows/README.md names each test.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use varna_workflow::definition::Requirement;
use varna_workflow::{
    Command, DeadlineStatus, EventKind, FailedCondition, InputProblem, JournalEntry, Lagrum,
    Rejection, Role, available_transitions, local,
};

use super::common::*;

/// The utredning topics SOSFS 2011:5 5 kap. asks for, besides the actions.
pub(crate) const SOSFS_TOPICS: [&str; 7] = [
    "what_happened",
    "consequences",
    "noticed_how",
    "earlier_similar_events",
    "recurrence_risk",
    "immediate_actions",
    "affected_person_view",
];

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

/// Local (Swedish) midnight starting `s`.
fn midnight(s: &str) -> DateTime<Utc> {
    local::day_start(day(s))
}

/// Given: a lex Sarah report under `lagrum`, with the date it happened and
/// the date it was noticed.
pub(crate) fn report_under(lagrum: Lagrum) -> Scenario {
    Scenario::filed(
        "lex-sarah",
        Role::Reporter,
        lagrum,
        fields(&[
            (
                "what_happened",
                text("Brukaren lämnades utan tillsyn under natten"),
            ),
            ("occurred_on", text("2026-03-01")),
            ("noticed_on", text("2026-03-02")),
            ("affected_gender", text("kvinna")),
        ]),
    )
}

/// Given: a lex Sarah report under SoL.
pub(crate) fn report() -> Scenario {
    report_under(Lagrum::Sol)
}

/// The cause, and an action that names it with an owner and a date;
/// returns the action's entry number.
pub(crate) fn document_action(s: &mut Scenario) -> u32 {
    s.document(Role::Sas, "causes");
    let cause = u32::try_from(s.case.journal.len()).expect("short");
    let mut action = journal_entry("actions", s.now.date_naive());
    action.addresses = Some(cause);
    action.owner = Some("Enhetschef Linden".into());
    action.due_on = Some(s.now.date_naive());
    s.add_entry(Role::Sas, action)
}

/// A follow-up of action `number`: its result and effect.
pub(crate) fn follow_up(s: &mut Scenario, number: u32) {
    let mut entry = journal_entry("action_followups", s.now.date_naive());
    entry.follows_up = Some(number);
    s.add_entry(Role::Sas, entry);
}

/// Protective measures written by the unit manager, and confirmed.
fn protect(s: &mut Scenario) {
    s.document(Role::UnitManager, "immediate_actions");
    s.take(
        Role::UnitManager,
        "document_protective_measures",
        fields(&[]),
    );
}

/// Given: a report acknowledged, protected against, investigated in full
/// and the utredning completed; returns it with the action's number.
pub(crate) fn at_bedomning_with_action() -> (Scenario, u32) {
    let mut s = report();
    s.take(Role::Sas, "acknowledge", fields(&[]));
    protect(&mut s);
    for topic in SOSFS_TOPICS {
        s.document(Role::Sas, topic);
    }
    let action = document_action(&mut s);
    s.take(Role::Sas, "complete_utredning", fields(&[]));
    assert_eq!(s.state(), "bedomning");
    (s, action)
}

/// Given: a case at bedömning.
pub(crate) fn at_bedomning() -> Scenario {
    at_bedomning_with_action().0
}

/// Given: a case ruled not serious and closed, every duty met.
pub(crate) fn closed() -> Scenario {
    let (mut s, action) = at_bedomning_with_action();
    follow_up(&mut s, action);
    s.take(
        Role::Sas,
        "rule_not_serious",
        fields(&[
            ("outcome", text("no_missforhallande")),
            ("conclusion", text("Inget missförhållande")),
            ("individual_informed_on", text("2026-03-02")),
        ]),
    );
    assert!(s.case.is_closed());
    s
}

fn serious() -> varna_workflow::Fields {
    fields(&[
        ("outcome", text("serious_missforhallande")),
        ("seriousness_reasons", text("Fysiskt övergrepp med skada")),
    ])
}

/// The grounds of an anmälan proposed before the utredning is finished.
fn early() -> varna_workflow::Fields {
    fields(&[
        ("anmalan_grounds", text("serious_missforhallande")),
        ("seriousness_reasons", text("Fysiskt övergrepp med skada")),
    ])
}

/// The committee decides, as the delegation says.
fn decide(s: &mut Scenario) {
    s.take(
        Role::Committee,
        "decide_ivo_anmalan",
        fields(&[("decision_motivation", text("Allvarligt enligt utredningen"))]),
    );
}

#[test]
fn filing_tells_the_sas_at_once_and_starts_the_clocks() {
    let s = report();
    assert_eq!(s.state(), "received");
    let due = |id: &str| s.case.deadlines[id].due_at();
    assert_eq!(due("sas_informed"), start() + Duration::hours(24));
    assert_eq!(due("protective_measures"), start() + Duration::hours(24));
    assert_eq!(due("utredning_completed"), start() + Duration::weeks(8));
    assert!(!s.case.deadlines.contains_key("ivo_anmalan"));
}

#[test]
fn protective_measures_are_due_genast_under_sol_and_utan_drojsmal_under_lss() {
    let lss = report_under(Lagrum::Lss);
    assert_eq!(
        lss.case.deadlines["protective_measures"].due_at(),
        start() + Duration::days(3)
    );
    let deadline = lss
        .def
        .deadlines
        .iter()
        .find(|d| d.id == "protective_measures")
        .expect("declared");
    assert_eq!(deadline.within_for(Lagrum::Sol).1, Some("genast"));
    assert_eq!(deadline.within_for(Lagrum::Lss).1, Some("utan_drojsmal"));
}

#[test]
fn protective_measures_are_written_from_intake_and_only_they_meet_their_clock() {
    let mut s = report();
    // The on-call manager acts before the SAS has seen the report.
    s.document(Role::OperationsManager, "immediate_actions");
    s.take(
        Role::OperationsManager,
        "document_protective_measures",
        fields(&[]),
    );
    assert_eq!(s.state(), "received", "the step keeps the case where it is");
    assert!(matches!(
        s.case.deadlines["protective_measures"],
        DeadlineStatus::Met { .. }
    ));
    // An anmälan does not meet it: the clock lists only protective measures.
    let clock = s
        .def
        .deadlines
        .iter()
        .find(|d| d.id == "protective_measures")
        .expect("declared");
    assert_eq!(clock.satisfied_by, ["document_protective_measures"]);
}

#[test]
fn utredning_items_are_written_only_as_attributed_journal_entries() {
    let mut s = report();
    s.take(Role::Sas, "acknowledge", fields(&[]));
    let err = s
        .try_take(
            Role::UnitManager,
            "document_protective_measures",
            fields(&[("immediate_actions", text("Extra personal"))]),
        )
        .unwrap_err();
    assert_eq!(
        err,
        Rejection::InvalidInput {
            field: "immediate_actions".into(),
            problem: InputProblem::JournalOnly,
        }
    );
    let err = s
        .try_take(
            Role::Sas,
            "complete_utredning",
            fields(&[("causes", text("Rutinen saknades"))]),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Rejection::InvalidInput { field, problem: InputProblem::JournalOnly } if field == "causes"),
        "{err}"
    );
    assert_eq!(s.events.len(), 2, "refusals append nothing");
}

#[test]
fn a_risk_with_no_date_is_reported_with_the_day_it_was_noticed() {
    let filed = |with: &[(&str, varna_workflow::Value)]| {
        varna_workflow::decide_filing(
            &definition("lex-sarah"),
            varna_workflow::FileCase {
                lagrum: Lagrum::Sol,
                unit: varna_workflow::UnitId::new(UNIT),
                fields: fields(with),
            },
            &varna_workflow::Facts {
                actor: actor(Role::Reporter),
                now: start(),
            },
        )
    };
    let base = [
        ("what_happened", text("Låsta dörrar utan beslut, pågår")),
        ("affected_gender", text("man")),
    ];
    let unknown = ("occurred_unknown", text("Pågående sedan okänd tid"));
    let err = filed(&[base[0].clone(), base[1].clone(), unknown.clone()]).unwrap_err();
    assert_eq!(
        err,
        Rejection::GuardFailed {
            transition: "file".into(),
            missing: vec![Requirement::AnyOf(vec![
                "occurred_on".into(),
                "noticed_on".into()
            ])],
            failed: vec![],
        }
    );
    let noticed = ("noticed_on", text("2026-03-01"));
    assert!(filed(&[base[0].clone(), base[1].clone(), unknown, noticed.clone()]).is_ok());
    let err = filed(&[base[0].clone(), base[1].clone(), noticed]).unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { missing, .. } if missing == &vec![Requirement::AnyOf(vec!["occurred_on".into(), "occurred_unknown".into()])]),
        "a date or a description of why there is none: {err}"
    );
    let dated = ("occurred_on", text("2026-03-01"));
    assert!(
        filed(&[base[0].clone(), base[1].clone(), dated]).is_ok(),
        "with the day it happened, the day it was noticed is optional"
    );
}

#[test]
fn clearly_no_missforhallande_closes_short_with_a_position_and_the_persons_view() {
    let mut s = report();
    s.take(Role::Sas, "acknowledge", fields(&[]));
    let close = |outcome: &str| {
        fields(&[
            ("outcome", text(outcome)),
            ("conclusion", text("Insatsen utfördes enligt beslut")),
        ])
    };
    let err = s
        .try_take(
            Role::Sas,
            "close_no_missforhallande",
            close("no_missforhallande"),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { missing, .. } if missing.len() == 1),
        "the person's view, or why it could not be had: {err}"
    );
    s.document(Role::Sas, "affected_person_view_not_possible");
    let err = s
        .try_take(
            Role::Sas,
            "close_no_missforhallande",
            close("missforhallande"),
        )
        .unwrap_err();
    assert!(matches!(err, Rejection::GuardFailed { .. }), "{err}");
    s.take(
        Role::Sas,
        "close_no_missforhallande",
        close("no_missforhallande"),
    );
    assert!(s.case.is_closed());
    assert!(matches!(
        s.case.deadlines["utredning_completed"],
        DeadlineStatus::Met { .. }
    ));
    s.assert_replay_agrees();
}

#[test]
fn utredning_guard_lists_every_missing_sosfs_item() {
    let mut s = report();
    s.take(Role::Sas, "acknowledge", fields(&[]));
    let err = s
        .try_take(Role::Sas, "complete_utredning", fields(&[]))
        .unwrap_err();
    let Rejection::GuardFailed { missing, .. } = err else {
        panic!("expected a guard failure");
    };
    let names: Vec<String> = missing.iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        [
            "consequences",
            "noticed_how",
            "causes",
            "earlier_similar_events",
            "recurrence_risk",
            "actions",
            "immediate_actions",
            "one of (affected_person_view | affected_person_view_not_possible)"
        ]
    );
}

#[test]
fn an_action_names_the_cause_it_addresses_an_owner_and_a_date() {
    let mut s = report();
    s.take(Role::Sas, "acknowledge", fields(&[]));
    s.document(Role::Sas, "causes");
    s.document(Role::Sas, "consequences");
    let today = s.now.date_naive();
    let attempt = |s: &mut Scenario, entry: JournalEntry| {
        s.try_command(actor(Role::Sas), Command::AddJournalEntry(entry))
            .map(|_| ())
            .unwrap_err()
    };
    let problem = |field: &str, problem| Rejection::InvalidInput {
        field: field.into(),
        problem,
    };
    let mut action = journal_entry("actions", today);
    assert_eq!(
        attempt(&mut s, action.clone()),
        problem("addresses", InputProblem::Empty)
    );
    action.addresses = Some(2);
    assert_eq!(
        attempt(&mut s, action.clone()),
        problem(
            "addresses",
            InputProblem::NoSuchEntry {
                topic: "causes".into()
            }
        ),
        "entry 2 is a consequence, not a cause"
    );
    action.addresses = Some(1);
    assert_eq!(
        attempt(&mut s, action.clone()),
        problem("owner", InputProblem::Empty)
    );
    action.owner = Some("Enhetschef".into());
    assert_eq!(
        attempt(&mut s, action.clone()),
        problem("due_on", InputProblem::Empty)
    );
    action.due_on = Some(today + Duration::days(14));
    let mut plain = journal_entry("causes", today);
    plain.owner = Some("x".into());
    assert!(matches!(
        attempt(&mut s, plain),
        Rejection::InvalidInput { ref field, problem: InputProblem::NotAccepted { .. } } if field == "owner"
    ));
    let number = s.add_entry(Role::Sas, action);
    let mut followup = journal_entry("action_followups", today);
    followup.follows_up = Some(1);
    assert!(matches!(
        attempt(&mut s, followup.clone()),
        Rejection::InvalidInput {
            problem: InputProblem::NoSuchEntry { .. },
            ..
        }
    ));
    followup.follows_up = Some(number);
    s.add_entry(Role::Sas, followup);
    assert!(s.case.not_followed_up("actions").is_empty());
    s.assert_replay_agrees();
}

#[test]
fn closing_needs_every_action_followed_up_and_the_person_informed_or_why_not() {
    let (mut s, action) = at_bedomning_with_action();
    let ruling = fields(&[
        ("outcome", text("missforhallande")),
        ("conclusion", text("Brist i bemanningsrutin")),
    ]);
    let err = s
        .try_take(Role::Sas, "rule_not_serious", ruling.clone())
        .unwrap_err();
    let Rejection::GuardFailed { missing, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(
        missing,
        &vec![
            Requirement::AnyOf(vec![
                "individual_informed_on".into(),
                "information_not_possible".into()
            ]),
            Requirement::FollowedUp("actions".into()),
        ]
    );
    follow_up(&mut s, action);
    let mut with_reason = ruling;
    with_reason.insert(
        "information_not_possible".into(),
        text("Den enskilde har avlidit och saknar närstående"),
    );
    s.take(Role::Sas, "rule_not_serious", with_reason);
    assert!(s.case.is_closed());
    assert!(!s.case.deadlines.contains_key("ivo_anmalan"));
    s.assert_replay_agrees();
}

#[test]
fn a_serious_case_is_reported_on_its_send_date_and_ivos_number_comes_later() {
    let (mut s, action) = at_bedomning_with_action();
    s.after(Duration::days(20))
        .take(Role::Sas, "propose_anmalan", serious());
    assert_eq!(s.state(), "ivo_decision");
    let due = s.now + Duration::days(14);
    assert_eq!(s.case.deadlines["ivo_anmalan"].due_at(), due);
    decide(&mut s);
    // Sent on day 10 by the e-service, typed in on day 16 (after the due day).
    let sent = local::date(s.now + Duration::days(10));
    s.after(Duration::days(16)).take(
        Role::Sas,
        "register_ivo_anmalan",
        fields(&[
            ("anmalan_sent_on", text(&sent.to_string())),
            ("anmalan_channel", text("e_tjanst")),
            ("utredning_sent_on", text(&sent.to_string())),
        ]),
    );
    assert_eq!(s.state(), "anmald");
    let DeadlineStatus::Met { met_at, .. } = s.case.deadlines["ivo_anmalan"] else {
        panic!("met: {:?}", s.case.deadlines["ivo_anmalan"]);
    };
    assert_eq!(met_at, local::day_start(sent.succ_opt().expect("a day")));
    assert!(met_at <= due, "on time, as sent");
    assert!(
        !s.case.deadlines.contains_key("utredning_to_ivo"),
        "the utredning went with the anmälan"
    );
    let number = fields(&[("ivo_diarienummer", text("IVO 8.1-12345/2026"))]);
    s.take(Role::Sas, "record_ivo_diarienummer", number.clone());
    assert_eq!(s.state(), "anmald");
    let err = s
        .try_take(Role::Sas, "record_ivo_diarienummer", number)
        .unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { failed, .. } if failed == &vec![FailedCondition::Unset { field: "ivo_diarienummer".into() }]),
        "{err}"
    );
    let close = fields(&[
        ("conclusion", text("Allvarligt missförhållande")),
        ("individual_informed_on", text(&sent.to_string())),
        ("individual_informed_how", text("Samtal med dottern")),
    ]);
    assert!(matches!(
        s.try_take(Role::Sas, "close_after_anmalan", close.clone()),
        Err(Rejection::GuardFailed { .. })
    ));
    follow_up(&mut s, action);
    s.take(Role::Sas, "close_after_anmalan", close);
    assert!(s.case.is_closed());
    s.assert_replay_agrees();
}

#[test]
fn seriousness_found_during_the_utredning_starts_the_clock_then_and_the_utredning_follows_within_two_months()
 {
    let mut s = report();
    s.take(Role::Sas, "acknowledge", fields(&[]));
    s.after(Duration::days(3)).take(
        Role::Sas,
        "mark_possibly_serious",
        fields(&[("seriousness_reasons", text("Blåmärken på armarna"))]),
    );
    assert_eq!(s.state(), "utredning");
    let due = s.now + Duration::days(14);
    assert_eq!(s.case.deadlines["ivo_anmalan"].due_at(), due);
    s.after(Duration::days(2))
        .take(Role::Sas, "propose_early_anmalan", early());
    assert_eq!(
        s.case.deadlines["ivo_anmalan"].due_at(),
        due,
        "counted from when seriousness was first established"
    );
    decide(&mut s);
    s.after(Duration::days(1)).take(
        Role::Sas,
        "register_ivo_anmalan",
        fields(&[
            ("anmalan_sent_on", text("2026-03-08")),
            ("anmalan_channel", text("post")),
        ]),
    );
    assert_eq!(
        s.case.deadlines["utredning_to_ivo"],
        DeadlineStatus::Open {
            due_at: midnight("2026-05-08")
        },
        "national: two months from the send date"
    );
    // The utredning goes on after the anmälan.
    protect(&mut s);
    s.after(Duration::days(20));
    let err = s
        .try_take(
            Role::Sas,
            "send_utredning_to_ivo",
            fields(&[
                ("conclusion", text("Allvarligt")),
                ("utredning_sent_on", text("2026-03-20")),
            ]),
        )
        .unwrap_err();
    assert!(matches!(err, Rejection::GuardFailed { .. }), "{err}");
    for topic in SOSFS_TOPICS {
        s.document(Role::Sas, topic);
    }
    document_action(&mut s);
    s.take(
        Role::Sas,
        "send_utredning_to_ivo",
        fields(&[
            ("conclusion", text("Allvarligt")),
            ("utredning_sent_on", text("2026-03-20")),
        ]),
    );
    assert_eq!(
        s.case.deadlines["utredning_to_ivo"],
        DeadlineStatus::Met {
            due_at: midnight("2026-05-08"),
            met_at: midnight("2026-03-21"),
        }
    );
    assert!(matches!(
        s.case.deadlines["utredning_completed"],
        DeadlineStatus::Met { .. }
    ));
    s.assert_replay_agrees();
}

#[test]
fn every_path_to_ivo_passes_the_one_delegated_decision_and_records_the_outcome() {
    let def = definition("lex-sarah");
    let into = |state: &str| -> Vec<String> {
        def.transitions
            .iter()
            .filter(|t| t.to.as_ref().is_some_and(|to| to.as_str() == state))
            .map(|t| t.name.clone())
            .collect()
    };
    assert_eq!(into("anmald"), ["register_ivo_anmalan"]);
    assert_eq!(into("anmalan_decided"), ["decide_ivo_anmalan"]);
    assert_eq!(
        into("ivo_decision"),
        ["propose_anmalan", "propose_early_anmalan"]
    );
    // The SAS proposes; without the grounds, nothing goes to IVO.
    let mut s = report();
    let err = s
        .try_take(
            Role::Sas,
            "propose_early_anmalan",
            fields(&[("seriousness_reasons", text("Skada"))]),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { missing, .. } if missing == &vec![Requirement::Field("anmalan_grounds".into())]),
        "{err}"
    );
    let mut mild = early();
    mild.insert("anmalan_grounds".into(), text("missforhallande"));
    assert!(matches!(
        s.try_take(Role::Sas, "propose_early_anmalan", mild),
        Err(Rejection::InvalidInput { .. })
    ));
    s.take(Role::Sas, "propose_early_anmalan", early());
    // From intake too, only the delegation decides.
    assert!(matches!(
        s.try_take(
            Role::Sas,
            "decide_ivo_anmalan",
            fields(&[("decision_motivation", text("x"))])
        ),
        Err(Rejection::Forbidden { .. })
    ));
    decide(&mut s);
    assert_eq!(s.state(), "anmalan_decided");
}

#[test]
fn a_non_serious_outcome_cannot_go_to_ivo_nor_a_serious_one_close_quietly() {
    let mut s = at_bedomning();
    let mut mild = serious();
    mild.insert("outcome".into(), text("missforhallande"));
    let err = s.try_take(Role::Sas, "propose_anmalan", mild).unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { failed, .. } if matches!(failed[..], [FailedCondition::Outcome { .. }])),
        "{err}"
    );
    let err = s
        .try_take(
            Role::Sas,
            "rule_not_serious",
            fields(&[
                ("outcome", text("serious_missforhallande")),
                ("conclusion", text("x")),
            ]),
        )
        .unwrap_err();
    assert!(matches!(err, Rejection::GuardFailed { .. }), "{err}");
    assert_eq!(s.state(), "bedomning", "a refused command changes nothing");
}

#[test]
fn a_returned_case_ruled_serious_again_keeps_its_first_clock() {
    let mut s = at_bedomning();
    s.take(Role::Sas, "propose_anmalan", serious());
    let first = s.case.deadlines["ivo_anmalan"].due_at();
    s.take(
        Role::Committee,
        "return_for_reassessment",
        fields(&[("return_reason", text("Underlaget räcker inte"))]),
    );
    assert_eq!(s.state(), "utredning");
    s.after(Duration::days(10))
        .take(Role::Sas, "complete_utredning", fields(&[]));
    s.take(Role::Sas, "propose_anmalan", serious());
    assert_eq!(
        s.case.deadlines["ivo_anmalan"].due_at(),
        first,
        "a late anmälan is not hidden by a restart"
    );
}

#[test]
fn ivo_may_ask_for_a_complement_by_its_own_date_and_then_decide() {
    let mut s = report();
    s.take(Role::Sas, "propose_early_anmalan", early());
    decide(&mut s);
    s.take(
        Role::Sas,
        "register_ivo_anmalan",
        fields(&[
            ("anmalan_sent_on", text("2026-03-02")),
            ("anmalan_channel", text("e_tjanst")),
        ]),
    );
    let sent = fields(&[("complement_sent_on", text("2026-03-02"))]);
    let err = s
        .try_take(Role::Sas, "send_complement", sent.clone())
        .unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { failed, .. } if failed == &vec![FailedCondition::Set { field: "complement_requested_on".into() }]),
        "{err}"
    );
    s.take(
        Role::Sas,
        "record_complement_request",
        fields(&[
            ("complement_requested_on", text("2026-03-02")),
            ("complement_due_on", text("2026-03-02")),
        ]),
    );
    assert_eq!(
        s.case.deadlines["ivo_complement"].due_at(),
        midnight("2026-03-03"),
        "due at the end of the day IVO set"
    );
    s.take(Role::Sas, "send_complement", sent);
    assert!(matches!(
        s.case.deadlines["ivo_complement"],
        DeadlineStatus::Met { .. }
    ));
    s.take(
        Role::Sas,
        "record_ivo_decision",
        fields(&[
            ("ivo_decision_on", text("2026-03-02")),
            ("ivo_decision", text("Ärendet avslutas utan åtgärd")),
        ]),
    );
    assert_eq!(s.state(), "anmald");
    s.assert_replay_agrees();
}

#[test]
fn a_closed_case_is_reopened_only_with_its_reason_as_an_audited_event() {
    let mut s = report();
    s.take(Role::Sas, "acknowledge", fields(&[]));
    s.document(Role::Sas, "affected_person_view");
    s.take(
        Role::Sas,
        "close_no_missforhallande",
        fields(&[
            ("outcome", text("no_missforhallande")),
            ("conclusion", text("Inget missförhållande")),
        ]),
    );
    assert!(s.case.is_closed());
    assert!(matches!(
        s.try_take(Role::Sas, "acknowledge", fields(&[])),
        Err(Rejection::InvalidTransition { .. })
    ));
    assert!(matches!(
        s.try_take(Role::Sas, "reopen", fields(&[])),
        Err(Rejection::GuardFailed { .. })
    ));
    assert!(matches!(
        s.try_take(
            Role::UnitManager,
            "reopen",
            fields(&[("reopen_reason", text("x"))])
        ),
        Err(Rejection::Forbidden { .. })
    ));
    let names: Vec<String> = available_transitions(&s.def, &s.case, &actor(Role::Sas))
        .into_iter()
        .map(|a| a.transition.name.clone())
        .collect();
    assert_eq!(names, ["reopen"]);
    s.take(
        Role::Sas,
        "reopen",
        fields(&[("reopen_reason", text("Ny uppgift från närstående"))]),
    );
    assert_eq!(s.state(), "utredning");
    assert!(!s.case.is_closed());
    let Some(EventKind::Transitioned { fields, .. }) = s.events.last().map(|e| &e.kind) else {
        panic!("a transition event");
    };
    assert_eq!(fields["reopen_reason"], text("Ny uppgift från närstående"));
    s.assert_replay_agrees();
}

#[test]
fn a_reporter_cannot_rule_nor_a_unit_manager_outside_the_unit_act() {
    let mut s = at_bedomning();
    assert!(matches!(
        s.try_take(Role::Reporter, "propose_anmalan", serious()),
        Err(Rejection::Forbidden {
            role: Role::Reporter,
            ..
        })
    ));
    for role in [Role::UnitManager, Role::Committee, Role::Mas] {
        assert!(matches!(
            s.try_take(role, "rule_not_serious", fields(&[])),
            Err(Rejection::Forbidden { .. })
        ));
    }
}

#[test]
fn references_are_shown_as_in_force_on_the_day_of_the_step() {
    let def = definition("lex-sarah");
    let before = def.references_in_force(&def.filing.legal_refs, day("2025-06-30"));
    let after = def.references_in_force(&def.filing.legal_refs, day("2026-03-02"));
    assert!(before.iter().any(|r| r.contains("2001:453")), "{before:?}");
    assert!(!before.iter().any(|r| r.contains("2025:400")), "{before:?}");
    assert!(after.iter().any(|r| r.contains("27 kap. 2 §")), "{after:?}");
    assert!(!after.iter().any(|r| r.contains("2001:453")), "{after:?}");
    let two_months = def
        .legal_references
        .iter()
        .find(|r| r.text.contains("två månader"))
        .expect("the two-month rule is cited");
    assert!(
        two_months.text.starts_with("SOSFS 2011:5 6 kap."),
        "the rule's real source: {}",
        two_months.text
    );
}

#[test]
fn a_term_revised_on_a_day_applies_to_clocks_started_from_that_day() {
    let source = definition("lex-sarah").source;
    let revised = source.replace(
        "snarast = \"14d\"",
        "snarast = [{ within = \"14d\" }, { within = \"7d\", from = \"2026-03-05\" }]",
    );
    assert_ne!(revised, source, "the term is in the file");
    let def = varna_workflow::definition::parse("lex-sarah.toml", &revised).expect("valid");
    let mark = |s: &mut Scenario| {
        s.take(
            Role::Sas,
            "mark_possibly_serious",
            fields(&[("seriousness_reasons", text("Skada"))]),
        );
        s.case.deadlines["ivo_anmalan"].due_at() - s.now
    };
    let filed = |now| {
        Scenario::filed_at(
            def.clone(),
            now,
            Role::Reporter,
            Lagrum::Sol,
            fields(&[
                ("what_happened", text("Händelse")),
                ("occurred_on", text("2026-03-01")),
                ("affected_gender", text("man")),
            ]),
        )
    };
    let before = mark(&mut filed(start()));
    let after = mark(&mut filed(start() + Duration::days(4)));
    assert_eq!(before, Duration::days(14), "started on 2 March");
    assert_eq!(
        after,
        Duration::days(7),
        "started on 6 March, under the revised routine"
    );
}
