//! Given/when/then scenarios over the shipped lifecycles: every happy
//! path, and the refusals the regulations demand. Lex Sarah and lex Maria
//! have their own modules, one test per obligation of DOMAIN.md (the table
//! in workflows/README.md names them).

mod avvikelse;
#[path = "../common/mod.rs"]
mod common;
mod import;
mod klagomal;
mod kommunal_anmalan;
mod lex_maria;
mod lex_sarah;

use lex_sarah::{
    at_bedomning as lex_sarah_at_bedomning, closed as lex_sarah_closed, report as lex_sarah_report,
};

use chrono::Duration;
use common::*;
use varna_workflow::definition::LinkKind;
use varna_workflow::{
    Command, DeadlineStatus, Effect, FailedCondition, InputProblem, Lagrum, Notice, Rejection,
    Role, UnitId, available_transitions, can_add_journal_entry,
};

#[test]
fn unit_scoped_roles_act_only_on_their_units() {
    let mut s = lex_sarah_report();
    s.take(Role::Sas, "acknowledge", fields(&[]));
    let mut outsider = actor(Role::UnitManager);
    outsider.units = [UnitId::new(OTHER_UNIT)].into();
    let err = s
        .try_command(
            outsider.clone(),
            Command::Transition {
                name: "document_protective_measures".into(),
                fields: fields(&[]),
            },
        )
        .unwrap_err();
    assert_eq!(
        err,
        Rejection::OutsideUnits {
            role: Role::UnitManager
        }
    );
    assert!(available_transitions(&s.def, &s.case, &outsider).is_empty());
    // SAS acts for the whole organisation.
    let mut sas = actor(Role::Sas);
    sas.units.clear();
    assert!(!available_transitions(&s.def, &s.case, &sas).is_empty());
}

#[test]
fn a_transition_accepts_only_its_own_fields() {
    let mut s = lex_sarah_report();
    s.take(Role::Sas, "acknowledge", fields(&[]));
    let err = s
        .try_take(
            Role::Sas,
            "mark_possibly_serious",
            fields(&[
                ("seriousness_reasons", text("x")),
                ("outcome", text("no_missforhallande")),
            ]),
        )
        .unwrap_err();
    assert_eq!(
        err,
        Rejection::InvalidInput {
            field: "outcome".into(),
            problem: InputProblem::NotAccepted {
                by: "mark_possibly_serious".into()
            }
        }
    );
    let err = s
        .try_take(
            Role::Sas,
            "mark_possibly_serious",
            fields(&[("nonsense", text("x"))]),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        Rejection::InvalidInput {
            problem: InputProblem::UnknownField,
            ..
        }
    ));
    let err = s
        .try_take(
            Role::Sas,
            "mark_possibly_serious",
            fields(&[("seriousness_reasons", text("   "))]),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        Rejection::InvalidInput {
            problem: InputProblem::Empty,
            ..
        }
    ));
    assert_eq!(s.events.len(), 2, "refusals append nothing");
}

#[test]
fn field_values_are_checked_against_their_types_without_echoing_them() {
    let def = definition("avvikelse");
    let facts = varna_workflow::Facts {
        actor: actor(Role::UnitManager),
        now: start(),
    };
    let file = |extra: (&str, varna_workflow::Value)| varna_workflow::FileCase {
        lagrum: Lagrum::Sol,
        unit: UnitId::new(UNIT),
        fields: {
            let mut f = fields(&[
                ("what_happened", text("Fall i badrummet")),
                ("occurred_on", text("2026-03-01")),
                ("category", text("fall")),
            ]);
            f.insert(extra.0.to_owned(), extra.1);
            f
        },
    };
    let cases = [
        (
            ("occurred_on", text("1 mars")),
            "expected a date written YYYY-MM-DD",
        ),
        (
            ("occurred_on", text("2026-04-01")),
            "must not be in the future",
        ),
        (("category", text("19501212-1234")), "must be one of fall"),
        (
            ("risk_probability", varna_workflow::Value::Integer(7)),
            "must be between 1 and 4",
        ),
        (("risk_probability", text("3")), "expected a whole number"),
    ];
    for (field, message) in cases {
        let err = varna_workflow::decide_filing(&def, file(field.clone()), &facts).unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains(message), "{field:?}: {shown}");
        if let varna_workflow::Value::Text(value) = &field.1 {
            assert!(
                !shown.contains(value.as_str()),
                "the value leaked into: {shown}"
            );
        }
    }
    let err = varna_workflow::decide_filing(
        &def,
        varna_workflow::FileCase {
            lagrum: Lagrum::Sol,
            unit: UnitId::new(UNIT),
            fields: fields(&[("what_happened", text("x"))]),
        },
        &facts,
    )
    .unwrap_err();
    assert!(
        matches!(err, Rejection::GuardFailed { ref missing, .. } if missing.len() == 2),
        "{err}"
    );
}

#[test]
fn read_only_roles_cannot_file_and_lagrum_must_fit_the_workflow() {
    let def = definition("lex-sarah");
    let file = |role, lagrum| {
        varna_workflow::decide_filing(
            &def,
            varna_workflow::FileCase {
                lagrum,
                unit: UnitId::new(UNIT),
                fields: fields(&[
                    ("what_happened", text("x")),
                    ("occurred_on", text("2026-03-01")),
                    ("noticed_on", text("2026-03-01")),
                    ("affected_gender", text("man")),
                ]),
            },
            &varna_workflow::Facts {
                actor: actor(role),
                now: start(),
            },
        )
    };
    for role in [Role::Auditor, Role::Admin, Role::Committee] {
        assert!(
            matches!(file(role, Lagrum::Sol), Err(Rejection::Forbidden { .. })),
            "{role}"
        );
    }
    let err = file(Role::Reporter, Lagrum::Hsl).unwrap_err();
    assert!(
        matches!(err, Rejection::InvalidInput { ref field, .. } if field == "lagrum"),
        "{err}"
    );
    assert!(file(Role::Reporter, Lagrum::Lss).is_ok());
}

#[test]
fn a_closed_case_takes_no_more_commands() {
    let mut s = lex_sarah_closed();
    let err = s
        .try_take(Role::Sas, "propose_anmalan", fields(&[]))
        .unwrap_err();
    assert!(matches!(err, Rejection::InvalidTransition { .. }), "{err}");
    let err = s
        .try_command(
            actor(Role::Sas),
            Command::AddJournalEntry(journal_entry("causes", start().date_naive())),
        )
        .unwrap_err();
    assert!(matches!(err, Rejection::JournalClosed { .. }), "{err}");
    let offered: Vec<String> = available_transitions(&s.def, &s.case, &actor(Role::Sas))
        .into_iter()
        .map(|a| a.transition.name.clone())
        .collect();
    assert_eq!(offered, ["reopen"], "only reopening, with its reason");
}

#[test]
fn unknown_and_out_of_state_transitions_are_named() {
    let mut s = lex_sarah_report();
    let err = s.try_take(Role::Sas, "teleport", fields(&[])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "workflow lex-sarah has no transition \"teleport\""
    );
    let err = s
        .try_take(Role::Sas, "complete_utredning", fields(&[]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "transition \"complete_utredning\" cannot be taken from state \"received\""
    );
}

#[test]
fn a_case_is_pinned_to_the_definition_it_started_under() {
    let mut s = lex_sarah_report();
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../workflows/lex-sarah.toml"
    ))
    .expect("readable");
    let changed = source.replace("snarast = \"14d\"", "snarast = \"7d\"");
    let newer = varna_workflow::definition::parse("lex-sarah.toml", &changed).expect("still valid");
    assert_ne!(newer.reference.hash, s.def.reference.hash);
    s.def = newer;
    let err = s
        .try_take(Role::Sas, "acknowledge", fields(&[]))
        .unwrap_err();
    assert!(matches!(err, Rejection::DefinitionMismatch { .. }), "{err}");
}

#[test]
fn journal_entries_are_attributed_and_checked() {
    let mut s = lex_sarah_report();
    s.take(Role::Sas, "acknowledge", fields(&[]));
    let today = s.now.date_naive();
    assert!(can_add_journal_entry(&s.def, &s.case, &actor(Role::Sas)));
    assert!(!can_add_journal_entry(
        &s.def,
        &s.case,
        &actor(Role::Reporter)
    ));
    let err = s
        .try_command(
            actor(Role::Reporter),
            Command::AddJournalEntry(journal_entry("causes", today)),
        )
        .unwrap_err();
    assert!(matches!(err, Rejection::Forbidden { .. }));
    let tomorrow = today.succ_opt().expect("valid");
    let err = s
        .try_command(
            actor(Role::Sas),
            Command::AddJournalEntry(journal_entry("causes", tomorrow)),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        Rejection::InvalidInput {
            problem: InputProblem::InFuture,
            ..
        }
    ));
    let err = s
        .try_command(
            actor(Role::Sas),
            Command::AddJournalEntry(journal_entry("outcome", today)),
        )
        .unwrap_err();
    assert!(matches!(err, Rejection::InvalidInput { ref field, .. } if field == "topic"));
    let mut nameless = journal_entry("causes", today);
    nameless.author.title = String::new();
    let err = s
        .try_command(actor(Role::Sas), Command::AddJournalEntry(nameless))
        .unwrap_err();
    assert!(matches!(err, Rejection::InvalidInput { ref field, .. } if field == "author.title"));

    s.document(Role::UnitManager, "causes");
    let entry = &s.case.journal[0];
    assert_eq!(entry.author.title, "Socialt ansvarig samordnare");
    assert_eq!(entry.documented_on, today);
    assert!(s.case.has("causes"));
    assert_eq!(
        s.events.last().map(|e| e.actor.role),
        Some(Role::UnitManager)
    );
    s.assert_replay_agrees();
}

#[test]
fn available_transitions_follow_state_role_and_lagrum() {
    let s = lex_sarah_at_bedomning();
    let names = |role| -> Vec<String> {
        available_transitions(&s.def, &s.case, &actor(role))
            .into_iter()
            .map(|a| a.transition.name.clone())
            .collect()
    };
    assert_eq!(
        names(Role::Sas),
        [
            "document_protective_measures",
            "mark_possibly_serious",
            "rule_not_serious",
            "propose_anmalan"
        ]
    );
    assert_eq!(names(Role::UnitManager), ["document_protective_measures"]);
    assert!(names(Role::Auditor).is_empty());
    let available = available_transitions(&s.def, &s.case, &actor(Role::Sas));
    let ruling = available
        .iter()
        .find(|a| a.transition.name == "rule_not_serious")
        .expect("offered");
    let missing: Vec<String> = ruling.missing.iter().map(ToString::to_string).collect();
    assert_eq!(
        missing,
        [
            "outcome",
            "conclusion",
            "one of (individual_informed_on | information_not_possible)",
            "every actions entry followed up"
        ],
        "what the ruling form must ask for"
    );
}

#[test]
fn avvikelse_is_closed_by_the_role_of_its_lagrum() {
    for (lagrum, closer, transition, wrong) in [
        (Lagrum::Sol, Role::Sas, "close_social", Role::Mas),
        (
            Lagrum::Lss,
            Role::OperationsManager,
            "close_social",
            Role::Mar,
        ),
        (Lagrum::Hsl, Role::Mas, "close_health", Role::Sas),
        (Lagrum::Hsl, Role::Mar, "close_health", Role::Sas),
    ] {
        let mut s = Scenario::filed(
            "avvikelse",
            Role::UnitManager,
            lagrum,
            fields(&[
                ("what_happened", text("Fel dos")),
                ("occurred_on", text("2026-03-01")),
                ("category", text("lakemedel")),
            ]),
        );
        s.take(
            Role::UnitManager,
            "start_investigation",
            fields(&[("risk_probability", varna_workflow::Value::Integer(2))]),
        );
        s.take(
            Role::UnitManager,
            "report_actions",
            fields(&[
                ("causes", text("Otydlig ordination")),
                (
                    "actions",
                    text("Ny rutin för dubbelsignering (orsak: otydlig ordination)"),
                ),
            ]),
        );
        avvikelse::assess(&mut s);
        assert!(matches!(
            s.case.deadlines["actions_documented"],
            DeadlineStatus::Met { .. }
        ));
        let close = avvikelse::closing();
        let err = s.try_take(wrong, transition, close.clone()).unwrap_err();
        assert!(
            matches!(err, Rejection::Forbidden { .. }),
            "{lagrum} {wrong}: {err}"
        );
        let other = if transition == "close_social" {
            "close_health"
        } else {
            "close_social"
        };
        let err = s
            .try_take(Role::OperationsManager, other, close.clone())
            .unwrap_err();
        assert!(
            matches!(&err, Rejection::GuardFailed { failed, .. } if matches!(failed[..], [FailedCondition::Lagrum { .. }])),
            "{lagrum} {other}: {err}"
        );
        s.take(closer, transition, close);
        assert!(s.case.is_closed(), "{lagrum} closed by {closer}");
        s.assert_replay_agrees();
    }
}

#[test]
fn avvikelse_can_be_sent_back_when_the_actions_do_not_suffice() {
    let mut s = Scenario::filed(
        "avvikelse",
        Role::Reporter,
        Lagrum::Sol,
        fields(&[
            ("what_happened", text("x")),
            ("occurred_on", text("2026-03-01")),
            ("category", text("fall")),
        ]),
    );
    s.take(Role::UnitManager, "start_investigation", fields(&[]));
    let report = fields(&[("causes", text("c")), ("actions", text("a"))]);
    s.take(Role::UnitManager, "report_actions", report.clone());
    avvikelse::assess(&mut s);
    s.take(
        Role::Sas,
        "reopen",
        fields(&[("reopen_reason", text("Åtgärden adresserar inte orsaken"))]),
    );
    assert_eq!(s.state(), "under_investigation");
    assert!(s.last.effects.iter().any(|e| matches!(
        e,
        Effect::Notify {
            role: Role::UnitManager,
            ..
        }
    )));
    s.take(Role::UnitManager, "report_actions", report);
    assert_eq!(s.state(), "actions_taken");
}

#[test]
fn avvikelse_escalates_to_lex_sarah_or_lex_maria_by_lagrum() {
    let filed = fields(&[
        ("what_happened", text("Hårdhänt bemötande")),
        ("occurred_on", text("2026-03-01")),
        ("category", text("bemotande")),
    ]);
    let escalate = fields(&[
        ("escalation_reason", text("Misstänkt missförhållande")),
        ("affected_gender", text("man")),
    ]);

    let mut s = Scenario::filed("avvikelse", Role::UnitManager, Lagrum::Lss, filed.clone());
    let err = s
        .try_take(Role::UnitManager, "escalate_to_lex_maria", escalate.clone())
        .unwrap_err();
    assert!(
        matches!(err, Rejection::GuardFailed { .. }),
        "LSS is not lex Maria: {err}"
    );
    s.take(Role::UnitManager, "escalate_to_lex_sarah", escalate.clone());
    assert_eq!(s.state(), "escalated");
    assert!(s.case.is_closed());
    assert!(s.last.effects.contains(&Effect::SpawnCase {
        workflow: "lex-sarah".into(),
        link: LinkKind::EscalatedFrom
    }));
    assert!(s.last.effects.contains(&Effect::Notify {
        role: Role::Sas,
        reason: Notice::Transitioned {
            transition: "escalate_to_lex_sarah".into()
        }
    }));
    assert!(matches!(
        s.case.deadlines["actions_documented"],
        DeadlineStatus::Met { .. }
    ));

    let mut s = Scenario::filed("avvikelse", Role::Mar, Lagrum::Hsl, filed);
    s.take(Role::Mas, "escalate_to_lex_maria", escalate);
    assert!(s.last.effects.contains(&Effect::SpawnCase {
        workflow: "lex-maria".into(),
        link: LinkKind::EscalatedFrom
    }));
}

#[test]
fn klagomal_is_answered_and_can_open_linked_cases() {
    let mut s = Scenario::filed(
        "klagomal",
        Role::UnitManager,
        Lagrum::Sol,
        fields(&[
            ("feedback_kind", text("klagomal")),
            ("sender_kind", text("narstaende")),
            ("received_on", text("2026-03-01")),
            ("what_happened", text("Maten kom kall flera dagar")),
            ("wants_aterkoppling", varna_workflow::Value::Bool(true)),
        ]),
    );
    assert_eq!(
        s.case.deadlines["aterkoppling"].due_at(),
        varna_workflow::local::day_start(
            chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("a day")
        ) + Duration::days(14),
        "counted from the day it was received"
    );
    s.take(Role::UnitManager, "start_investigation", fields(&[]));
    s.take(
        Role::UnitManager,
        "open_avvikelse",
        fields(&[
            ("spawn_reason", text("Brist vid genomförande av insats")),
            ("occurred_on", text("2026-02-27")),
            ("category", text("brist_vid_genomforande_av_insats")),
        ]),
    );
    assert_eq!(
        s.state(),
        "investigating",
        "the complaint still needs its answer"
    );
    assert!(s.last.effects.contains(&Effect::SpawnCase {
        workflow: "avvikelse".into(),
        link: LinkKind::SpawnedBy
    }));
    let err = s
        .try_take(
            Role::UnitManager,
            "answer",
            fields(&[("investigation_result", text("Rutin ändrad"))]),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { missing, .. } if missing.len() == 2),
        "{err}"
    );
    s.after(Duration::days(8)).take(
        Role::UnitManager,
        "answer",
        fields(&[
            ("investigation_result", text("Rutin ändrad")),
            ("response", text("Vi har ändrat rutinen")),
            ("response_sent_on", text("2026-03-10")),
        ]),
    );
    assert!(matches!(
        s.case.deadlines["aterkoppling"],
        DeadlineStatus::Met { .. }
    ));
    s.take(
        Role::UnitManager,
        "close",
        fields(&[
            ("analysis", text("Tredje klagomålet om mat i år")),
            ("escalation_answer", text("Inget missförhållande")),
        ]),
    );
    assert!(s.case.is_closed());
    s.assert_replay_agrees();
}

#[test]
fn deadlines_still_open_are_cancelled_when_a_case_closes() {
    let mut s = Scenario::filed(
        "klagomal",
        Role::UnitManager,
        Lagrum::Hsl,
        fields(&[
            ("feedback_kind", text("berom")),
            ("sender_kind", text("brukare")),
            ("received_on", text("2026-03-01")),
            ("what_happened", text("Tack till personalen")),
            ("wants_aterkoppling", varna_workflow::Value::Bool(false)),
        ]),
    );
    let err = s
        .try_take(Role::UnitManager, "open_lex_sarah", fields(&[]))
        .unwrap_err();
    assert!(
        matches!(err, Rejection::GuardFailed { ref failed, .. } if !failed.is_empty()),
        "HSL has no lex Sarah: {err}"
    );
    s.take(Role::UnitManager, "start_investigation", fields(&[]));
    s.take(Role::UnitManager, "acknowledge_praise", fields(&[]));
    assert!(
        !s.case.deadlines.contains_key("aterkoppling"),
        "no reply was wanted"
    );
    s.take(
        Role::UnitManager,
        "close",
        fields(&[
            ("analysis", text("Beröm")),
            ("escalation_answer", text("Beröm")),
        ]),
    );

    // lex Sarah closed not serious: the utredning clock was met, nothing is left open.
    let s = lex_sarah_closed();
    assert!(
        s.case
            .deadlines
            .values()
            .all(|d| !matches!(d, DeadlineStatus::Open { .. }))
    );
    // An escalated avvikelse ends its clock one way or the other too.
    let mut s = Scenario::filed(
        "avvikelse",
        Role::UnitManager,
        Lagrum::Sol,
        fields(&[
            ("what_happened", text("x")),
            ("occurred_on", text("2026-03-01")),
            ("category", text("fall")),
        ]),
    );
    s.take(
        Role::UnitManager,
        "escalate_to_lex_sarah",
        fields(&[
            ("escalation_reason", text("r")),
            ("affected_gender", text("ej_angivet")),
        ]),
    );
    assert!(
        s.case
            .deadlines
            .values()
            .all(|d| !matches!(d, DeadlineStatus::Open { .. }))
    );
}

#[test]
fn events_serialise_and_replay_from_json() {
    let s = lex_sarah_closed();
    let json = serde_json::to_string(&s.events).expect("serialises");
    let back: Vec<varna_workflow::Event> = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(back, s.events);
    assert_eq!(varna_workflow::replay(&back).expect("replays"), s.case);
    assert!(json.contains("\"type\":\"filed\"") && json.contains("\"type\":\"transitioned\""));
}

#[test]
fn a_passed_deadline_is_recorded_once_notifies_those_responsible_and_can_still_be_met() {
    let mut s = lex_sarah_report();
    let pass = || Command::PassDeadline {
        deadline: "sas_informed".into(),
    };

    // Not yet due: refused, nothing happens.
    let early = s
        .after(Duration::hours(23))
        .try_command(actor(Role::System), pass());
    assert_eq!(
        early.err(),
        Some(Rejection::DeadlineNotDue {
            deadline: "sas_informed".into()
        })
    );

    // Due: only the system may record it.
    s.after(Duration::hours(2));
    assert!(matches!(
        s.try_command(actor(Role::Sas), pass()),
        Err(Rejection::Forbidden { .. })
    ));
    let decision = s
        .try_command(actor(Role::System), pass())
        .expect("a due clock passes")
        .clone();
    let notified: Vec<Role> = decision
        .effects
        .iter()
        .map(|e| match e {
            Effect::Notify {
                role,
                reason: Notice::DeadlinePassed { deadline },
            } if deadline == "sas_informed" => *role,
            other => panic!("unexpected effect {other:?}"),
        })
        .collect();
    assert_eq!(notified, vec![Role::Sas, Role::OperationsManager]);
    assert!(matches!(
        s.case.deadlines["sas_informed"],
        DeadlineStatus::Passed { .. }
    ));

    // A second run of the scheduler finds nothing to do.
    assert_eq!(
        s.try_command(actor(Role::System), pass()).err(),
        Some(Rejection::DeadlineNotDue {
            deadline: "sas_informed".into()
        })
    );

    // Acknowledging late still meets the clock; the history shows both.
    s.take(Role::Sas, "acknowledge", fields(&[]));
    assert!(matches!(
        s.case.deadlines["sas_informed"],
        DeadlineStatus::Met { .. }
    ));
    s.assert_replay_agrees();
}

#[test]
fn a_filings_problems_are_all_listed_at_once() {
    let def = definition("avvikelse");
    let command = varna_workflow::FileCase {
        lagrum: varna_workflow::Lagrum::Sol,
        unit: varna_workflow::UnitId::new("linden"),
        fields: fields(&[
            ("occurred_on", text("2999-01-01")),
            ("category", text("no_such_category")),
            ("no_such_field", text("x")),
        ]),
    };
    let problems = varna_workflow::filing_problems(&def, &command, start());
    let invalid: Vec<&str> = problems
        .iter()
        .filter_map(|p| match p {
            Rejection::InvalidInput { field, .. } => Some(field.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(invalid, vec!["category", "no_such_field", "occurred_on"]);
    assert!(
        problems.iter().any(|p| matches!(
            p,
            Rejection::GuardFailed { missing, .. }
                if missing.iter().any(|r| r.fields().contains(&"what_happened".to_owned()))
        )),
        "and what is missing: {problems:?}"
    );
    let fine = varna_workflow::FileCase {
        fields: fields(&[
            ("what_happened", text("Fall")),
            ("occurred_on", text("2026-01-10")),
            ("category", text("fall")),
        ]),
        ..command
    };
    assert!(varna_workflow::filing_problems(&def, &fine, start()).is_empty());
}

/// The handläggare: named by a role that works the lifecycle, only someone
/// in such a role, not the one already named, not on a closed case; the
/// person named alone is told, and replay agrees.
#[test]
fn a_handlaggare_is_named_by_and_from_those_who_work_the_case() {
    let assign = |person: &str, role: Role| Command::Assign {
        person: varna_workflow::ActorId::new(person),
        role,
    };
    let mut s = lex_sarah_report();
    let err = s
        .try_command(actor(Role::Auditor), assign("sas-2", Role::Sas))
        .unwrap_err();
    assert!(matches!(
        err,
        Rejection::Forbidden {
            role: Role::Auditor,
            ..
        }
    ));
    let err = s
        .try_command(actor(Role::Sas), assign("revisor", Role::Auditor))
        .unwrap_err();
    assert!(matches!(err, Rejection::InvalidInput { ref field, .. } if field == "person"));

    let decision = s
        .try_command(actor(Role::Sas), assign("sas-2", Role::Sas))
        .expect("named")
        .clone();
    assert_eq!(
        decision.effects,
        vec![Effect::NotifyPerson {
            person: varna_workflow::ActorId::new("sas-2"),
            role: Role::Sas,
            reason: Notice::Assigned,
        }]
    );
    assert_eq!(
        s.case.handlaggare.as_ref().map(|h| h.id.as_str()),
        Some("sas-2")
    );
    let err = s
        .try_command(actor(Role::Sas), assign("sas-2", Role::Sas))
        .unwrap_err();
    assert!(
        matches!(err, Rejection::InvalidInput { .. }),
        "already named"
    );
    s.try_command(actor(Role::Sas), assign("sas-3", Role::Sas))
        .expect("another may be named instead");
    assert_eq!(
        s.case.handlaggare.as_ref().map(|h| h.id.as_str()),
        Some("sas-3")
    );
    s.assert_replay_agrees();

    let mut closed = lex_sarah_closed();
    let err = closed
        .try_command(actor(Role::Sas), assign("sas-2", Role::Sas))
        .unwrap_err();
    assert!(matches!(err, Rejection::InvalidTransition { .. }));
}
