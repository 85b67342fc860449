//! Kommunal anmälan (SoL 2025:400 27 kap. 7 §): the kommun reports a
//! private provider to IVO. Prepared by the SAS or a verksamhetschef,
//! decided by the nämnd, sent on a stated day, IVO's answer recorded. The
//! table in workflows/README.md names each test.

use chrono::Duration;
use varna_workflow::{DeadlineStatus, Lagrum, Rejection, Role, local};

use super::common::*;

fn filed() -> Scenario {
    Scenario::filed(
        "kommunal-anmalan",
        Role::Sas,
        Lagrum::Sol,
        fields(&[
            ("provider_name", text("Omsorg i Norr AB")),
            ("grounds", text("serious_deficiencies")),
            (
                "what_was_found",
                text("Avtalsuppföljningen visade att nattbemanning saknades"),
            ),
            ("found_on", text("2026-03-01")),
        ]),
    )
}

fn prepared() -> Scenario {
    let mut s = filed();
    s.take(Role::OperationsManager, "start_beredning", fields(&[]));
    s.take(
        Role::Sas,
        "submit_for_decision",
        fields(&[("assessment", text("Allvarliga brister som består"))]),
    );
    s
}

#[test]
fn the_kommun_prepares_the_namnd_decides_and_the_anmalan_is_sent_on_its_day() {
    let mut s = prepared();
    assert_eq!(s.state(), "decision");
    assert!(matches!(
        s.case.deadlines["beredning_klar"],
        DeadlineStatus::Met { .. }
    ));
    // Only the nämnd (the delegation) decides.
    let decide = fields(&[
        ("outcome", text("anmalan")),
        (
            "decision_motivation",
            text("Allvarliga brister, 27 kap. 7 §"),
        ),
    ]);
    assert!(matches!(
        s.try_take(Role::Sas, "decide_anmalan", decide.clone()),
        Err(Rejection::Forbidden { .. })
    ));
    s.take(Role::Committee, "decide_anmalan", decide);
    let due = s.case.deadlines["anmalan_sent"].due_at();
    let sent = local::date(s.now + Duration::days(3));
    s.after(Duration::days(20)).take(
        Role::Sas,
        "register_sent",
        fields(&[
            ("anmalan_sent_on", text(&sent.to_string())),
            ("anmalan_channel", text("e_tjanst")),
        ]),
    );
    let DeadlineStatus::Met { met_at, .. } = s.case.deadlines["anmalan_sent"] else {
        panic!("met");
    };
    assert!(met_at <= due, "on time, as sent");
    s.take(
        Role::Sas,
        "record_ivo_diarienummer",
        fields(&[("ivo_diarienummer", text("IVO 3.5-77/2026"))]),
    );
    s.take(
        Role::Sas,
        "record_ivo_answer",
        fields(&[
            ("ivo_answer_on", text(&local::date(s.now).to_string())),
            ("ivo_answer", text("IVO inleder tillsyn")),
        ]),
    );
    assert!(s.case.is_closed());
    s.assert_replay_agrees();
}

#[test]
fn the_namnd_may_decide_not_to_report_with_its_reason() {
    let mut s = prepared();
    let err = s
        .try_take(
            Role::Committee,
            "decide_no_anmalan",
            fields(&[
                ("outcome", text("anmalan")),
                ("decision_motivation", text("x")),
            ]),
        )
        .unwrap_err();
    assert!(matches!(err, Rejection::GuardFailed { .. }), "{err}");
    s.take(
        Role::Committee,
        "decide_no_anmalan",
        fields(&[
            ("outcome", text("ingen_anmalan")),
            (
                "decision_motivation",
                text("Bristerna är åtgärdade enligt uppföljning"),
            ),
        ]),
    );
    assert!(s.case.is_closed());
}

#[test]
fn it_is_not_a_lex_sarah_report_and_a_unit_manager_cannot_file_it() {
    let def = definition("kommunal-anmalan");
    assert_ne!(def.name(), "lex-sarah");
    assert!(!def.filing.roles.contains(&Role::UnitManager));
    assert!(!def.filing.roles.contains(&Role::Reporter));
    let refs = def.references_in_force(&def.filing.legal_refs, start().date_naive());
    assert!(refs.iter().any(|r| r.contains("27 kap. 7 §")), "{refs:?}");
    let before = def.references_in_force(
        &def.filing.legal_refs,
        chrono::NaiveDate::from_ymd_opt(2025, 12, 31).expect("a day"),
    );
    assert!(
        before.is_empty(),
        "the paragraph is in force from 2026-01-01"
    );
}
