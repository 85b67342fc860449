//! Lex Maria (patientsäkerhetslagen 2010:659 3 kap., HSLF-FS 2017:40/41):
//! one test per obligation in DOMAIN.md, given/when/then. The table in
//! workflows/README.md names each test.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use varna_workflow::definition::Requirement;
use varna_workflow::{
    DeadlineStatus, Effect, Fields, Lagrum, Notice, Rejection, Role, Value, local,
};

use super::common::*;

const TOPICS: [&str; 8] = [
    "what_happened",
    "consequences",
    "noticed_how",
    "earlier_similar_events",
    "recurrence_risk",
    "immediate_actions",
    "patient_view",
    "causes",
];

fn midnight(s: &str) -> DateTime<Utc> {
    local::day_start(NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date"))
}

fn filed(when: (&str, Value)) -> Scenario {
    Scenario::filed(
        "lex-maria",
        Role::UnitManager,
        Lagrum::Hsl,
        fields(&[
            ("what_happened", text("Fel läkemedel gavs")),
            when,
            ("noticed_on", text("2026-02-25")),
            ("affected_gender", text("kvinna")),
        ]),
    )
}

/// Given: an event on 20 February, reported to the MAS on 2 March.
fn report() -> Scenario {
    filed(("occurred_on", text("2026-02-20")))
}

/// Every utredning topic, and an action on the cause; returns the
/// action's number.
fn investigate(s: &mut Scenario) -> u32 {
    for topic in TOPICS {
        s.document(Role::Mas, topic);
    }
    let cause = u32::try_from(s.case.journal.len()).expect("short");
    let mut action = journal_entry("actions", s.now.date_naive());
    action.addresses = Some(cause);
    action.owner = Some("Sjuksköterska, Linden".into());
    action.due_on = Some(s.now.date_naive() + Duration::days(30));
    s.add_entry(Role::Mas, action)
}

fn follow_up(s: &mut Scenario, number: u32) {
    let mut entry = journal_entry("action_followups", s.now.date_naive());
    entry.follows_up = Some(number);
    s.add_entry(Role::Mas, entry);
}

fn anmalan(outcome: &str, sent: &str) -> Fields {
    fields(&[
        ("outcome", text(outcome)),
        (
            "seriousness_reasons",
            text("Blödning som krävde sjukhusvård"),
        ),
        ("anmalan_sent_on", text(sent)),
        ("anmalan_channel", text("e_tjanst")),
    ])
}

#[test]
fn filing_tells_the_mas_and_starts_the_clock_for_immediate_measures() {
    let s = report();
    assert_eq!(
        s.last.effects,
        vec![Effect::Notify {
            role: Role::Mas,
            reason: Notice::Filed
        }]
    );
    let due = |id: &str| s.case.deadlines[id].due_at();
    assert_eq!(due("mas_informed"), start() + Duration::hours(24));
    assert_eq!(due("immediate_actions"), start() + Duration::hours(24));
    assert!(!s.case.deadlines.contains_key("ivo_anmalan"));
}

#[test]
fn seriousness_marked_at_intake_runs_the_clock_from_the_event_and_the_anmalan_goes_before_the_utredning()
 {
    let mut s = report();
    s.take(
        Role::Mas,
        "mark_serious",
        fields(&[("seriousness_reasons", text("Blödning"))]),
    );
    assert_eq!(s.state(), "received");
    assert_eq!(
        s.case.deadlines["ivo_anmalan"].due_at(),
        midnight("2026-02-20") + Duration::days(14),
        "snarast after the event, not the report: already overdue"
    );
    s.after(Duration::days(1)).take(
        Role::Mas,
        "report_to_ivo",
        anmalan("serious_vardskada", "2026-03-03"),
    );
    assert_eq!(s.state(), "anmald");
    assert!(
        matches!(
            s.case.deadlines["ivo_anmalan"],
            DeadlineStatus::Met { met_at, .. } if met_at == s.now
        ),
        "sent today: met now"
    );
    assert_eq!(
        s.case.deadlines["utredning_to_ivo"].due_at(),
        midnight("2026-03-03") + Duration::weeks(4),
        "the utredning follows snarast därefter (a local figure)"
    );
    assert_eq!(
        s.case.deadlines["patient_informed"].due_at(),
        s.now + Duration::days(14),
        "an allvarlig vårdskada established: the patient is informed snarast"
    );
    // IVO's number arrives later; the utredning is completed after the anmälan.
    s.take(
        Role::Mas,
        "record_ivo_diarienummer",
        fields(&[("ivo_diarienummer", text("IVO 3.1-1/2026"))]),
    );
    let action = investigate(&mut s);
    s.after(Duration::days(10)).take(
        Role::Mas,
        "send_utredning_to_ivo",
        fields(&[
            ("conclusion", text("Allvarlig vårdskada")),
            ("utredning_sent_on", text("2026-03-12")),
        ]),
    );
    assert!(
        matches!(
            s.case.deadlines["utredning_to_ivo"],
            DeadlineStatus::Met { met_at, .. } if met_at == midnight("2026-03-13")
        ),
        "met by the end of the stated day"
    );
    let err = s
        .try_take(Role::Mas, "close_after_anmalan", fields(&[]))
        .unwrap_err();
    let Rejection::GuardFailed { missing, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(
        missing,
        &vec![
            Requirement::AnyOf(vec![
                "patient_informed_on".into(),
                "patient_information_not_possible".into()
            ]),
            Requirement::FollowedUp("actions".into()),
        ]
    );
    s.take(
        Role::Mas,
        "record_patient_informed",
        fields(&[
            ("patient_informed_on", text("2026-03-12")),
            ("patient_informed_who", text("narstaende")),
            ("patient_informed_how", text("Samtal, journalfört")),
        ]),
    );
    assert!(matches!(
        s.case.deadlines["patient_informed"],
        DeadlineStatus::Met { .. }
    ));
    follow_up(&mut s, action);
    s.take(Role::Mas, "close_after_anmalan", fields(&[]));
    assert!(s.case.is_closed());
    s.assert_replay_agrees();
}

#[test]
fn an_anmalan_sent_without_an_earlier_mark_is_still_measured_from_the_event() {
    let mut s = report();
    s.after(Duration::days(2)).take(
        Role::Mar,
        "report_to_ivo",
        anmalan("risk_of_serious_vardskada", "2026-03-04"),
    );
    assert_eq!(
        s.case.deadlines["ivo_anmalan"],
        DeadlineStatus::Met {
            due_at: midnight("2026-02-20") + Duration::days(14),
            met_at: s.now,
        },
        "late by the event's date, and the MAR may act for the MAS"
    );
    assert!(
        !s.case.deadlines.contains_key("patient_informed"),
        "a risk that did not happen is no established vårdskada"
    );
}

#[test]
fn an_event_with_no_known_date_counts_from_when_it_was_noticed() {
    let mut s = filed(("occurred_unknown", text("Okänt när dosen missades")));
    s.take(
        Role::Mas,
        "mark_serious",
        fields(&[("seriousness_reasons", text("Risk för blödning"))]),
    );
    assert_eq!(
        s.case.deadlines["ivo_anmalan"].due_at(),
        midnight("2026-02-25") + Duration::days(14)
    );
}

#[test]
fn no_vardskada_closes_without_patient_information_but_a_vardskada_needs_it_or_its_reason() {
    let ruled = |outcome: &str, extra: &[(&str, Value)]| {
        let mut s = report();
        s.take(Role::Mas, "start_utredning", fields(&[]));
        let action = investigate(&mut s);
        follow_up(&mut s, action);
        s.take(Role::Mas, "complete_utredning", fields(&[]));
        let mut set = fields(&[
            ("outcome", text(outcome)),
            ("conclusion", text("MAS ställningstagande")),
        ]);
        set.extend(fields(extra));
        let name = if outcome == "vardskada" {
            "rule_vardskada"
        } else {
            "rule_no_vardskada"
        };
        (s.try_take(Role::Mas, name, set).map(|_| ()), s)
    };
    let (result, s) = ruled("no_vardskada", &[]);
    assert!(result.is_ok(), "{result:?}");
    assert!(s.case.is_closed());
    let (result, _) = ruled("vardskada", &[]);
    assert!(
        matches!(&result, Err(Rejection::GuardFailed { missing, .. }) if missing.len() == 1),
        "{result:?}"
    );
    let (result, s) = ruled(
        "vardskada",
        &[(
            "patient_information_not_possible",
            text("Sekretess enligt 3 kap. 8 c § PSL"),
        )],
    );
    assert!(result.is_ok(), "{result:?}");
    assert!(s.case.is_closed());
}

#[test]
fn immediate_measures_are_written_by_the_unit_and_confirmed_before_the_mas_starts() {
    let mut s = report();
    s.document(Role::UnitManager, "immediate_actions");
    s.take(Role::UnitManager, "document_immediate_actions", fields(&[]));
    assert_eq!(s.state(), "received");
    assert!(matches!(
        s.case.deadlines["immediate_actions"],
        DeadlineStatus::Met { .. }
    ));
}
