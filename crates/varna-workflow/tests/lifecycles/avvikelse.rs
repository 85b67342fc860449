//! Avvikelse (the municipality's definition; SOSFS 2011:9 5 kap.): one test
//! per obligation in DOMAIN.md, named in workflows/README.md's table.

use chrono::Duration;
use varna_workflow::definition::{LinkKind, Requirement};
use varna_workflow::{DeadlineStatus, Effect, Lagrum, Rejection, Role};

use super::common::*;

/// Given: an avvikelse under `lagrum`, investigated, its causes and actions
/// documented.
pub(crate) fn with_actions(lagrum: Lagrum, category: &str) -> Scenario {
    with_actions_under(definition("avvikelse"), lagrum, category)
}

/// The same under `def` (the shipped file, or a municipality's copy).
fn with_actions_under(
    def: varna_workflow::WorkflowDefinition,
    lagrum: Lagrum,
    category: &str,
) -> Scenario {
    let mut s = Scenario::filed_at(
        def,
        start(),
        Role::UnitManager,
        lagrum,
        fields(&[
            ("what_happened", text("Fel dos")),
            ("occurred_on", text("2026-03-01")),
            ("category", text(category)),
        ]),
    );
    s.take(Role::UnitManager, "start_investigation", fields(&[]));
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
    s
}

/// The result and effect, judged once the actions had time.
pub(crate) fn assess(s: &mut Scenario) {
    s.take(
        Role::UnitManager,
        "assess_effect",
        fields(&[
            ("result", text("Rutin införd")),
            ("effect_assessment", text("Inga nya fel på fyra veckor")),
        ]),
    );
}

/// What a closing assessment says, with the answer to the escalation question.
pub(crate) fn closing() -> varna_workflow::Fields {
    fields(&[
        ("closing_assessment", text("Åtgärderna räcker")),
        (
            "escalation_answer",
            text("Ingen vårdskada och inget missförhållande"),
        ),
    ])
}

#[test]
fn the_effect_is_judged_as_its_own_step_once_the_actions_had_time() {
    let mut s = with_actions(Lagrum::Sol, "lakemedel");
    assert_eq!(s.state(), "actions_taken");
    assert_eq!(
        s.case.deadlines["effect_assessed"].due_at(),
        s.now + Duration::weeks(8),
        "a local routine for judging the effect"
    );
    let err = s
        .try_take(Role::Sas, "close_social", closing())
        .unwrap_err();
    assert!(
        matches!(err, Rejection::InvalidTransition { .. }),
        "no closing before the effect is judged: {err}"
    );
    s.after(Duration::weeks(4));
    assess(&mut s);
    assert!(matches!(
        s.case.deadlines["effect_assessed"],
        DeadlineStatus::Met { .. }
    ));
    s.take(Role::Sas, "close_social", closing());
    assert!(s.case.is_closed());
}

#[test]
fn every_closure_answers_whether_it_is_a_lex_sarah_or_lex_maria_matter() {
    let mut s = with_actions(Lagrum::Hsl, "trycksar");
    assess(&mut s);
    let err = s
        .try_take(
            Role::Mas,
            "close_health",
            fields(&[("closing_assessment", text("Räcker"))]),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { missing, .. } if missing == &vec![Requirement::Field("escalation_answer".into())]),
        "{err}"
    );
    // Or the other answer: escalated, and a linked lex Maria case opens.
    s.take(
        Role::Mas,
        "escalate_to_lex_maria",
        fields(&[
            ("escalation_reason", text("Trycksår som kunde ha undvikits")),
            ("affected_gender", text("kvinna")),
        ]),
    );
    assert!(s.last.effects.contains(&Effect::SpawnCase {
        workflow: "lex-maria".into(),
        link: LinkKind::EscalatedFrom
    }));
    assert_eq!(s.state(), "escalated");
}

#[test]
fn the_hsl_categories_include_pressure_ulcers_and_care_infections() {
    for category in ["trycksar", "vardrelaterad_infektion"] {
        let s = with_actions(Lagrum::Hsl, category);
        assert_eq!(s.case.fields["category"], text(category));
    }
    let def = definition("avvikelse");
    let refs = def.references_in_force(&def.filing.legal_refs, start().date_naive());
    assert!(
        refs.iter().any(|r| r.contains("kommunens egen")),
        "the definition is attributed to the municipality, not to SOSFS: {refs:?}"
    );
}

#[test]
fn a_high_risk_score_makes_escalation_the_default() {
    let scored = |p: i64, c: i64| {
        let mut s = Scenario::filed(
            "avvikelse",
            Role::UnitManager,
            Lagrum::Sol,
            fields(&[
                ("what_happened", text("Fall utan larm")),
                ("occurred_on", text("2026-03-01")),
                ("category", text("fall")),
                ("risk_probability", varna_workflow::Value::Integer(p)),
                ("risk_consequence", varna_workflow::Value::Integer(c)),
            ]),
        );
        s.take(Role::UnitManager, "start_investigation", fields(&[]));
        s.take(
            Role::UnitManager,
            "report_actions",
            fields(&[
                ("causes", text("Larmet urkopplat")),
                ("actions", text("Larmrutin")),
            ]),
        );
        assess(&mut s);
        s
    };
    let matrix = definition("avvikelse").risk.expect("a risk matrix");
    // 3 × 3 = 9, at or above 8: the plain closing is not offered.
    let mut high = scored(3, 3);
    assert_eq!(matrix.score(&high.case.fields), Some(9));
    let offered: Vec<String> =
        varna_workflow::available_transitions(&high.def, &high.case, &actor(Role::Sas))
            .into_iter()
            .map(|a| a.transition.name.clone())
            .collect();
    assert!(
        !offered.contains(&"close_social".to_owned())
            && offered.contains(&"close_despite_high_risk".to_owned()),
        "{offered:?}"
    );
    let err = high
        .try_take(Role::Sas, "close_social", closing())
        .unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { failed, .. } if failed == &vec![varna_workflow::FailedCondition::Risk { required: varna_workflow::definition::RiskLevel::NotHigh }]),
        "{err}"
    );
    let err = high
        .try_take(Role::Sas, "close_despite_high_risk", closing())
        .unwrap_err();
    assert!(
        matches!(&err, Rejection::GuardFailed { missing, .. } if missing == &vec![Requirement::Field("risk_override_reason".into())]),
        "{err}"
    );
    let mut reasoned = closing();
    reasoned.insert(
        "risk_override_reason".into(),
        text("Fallet saknade koppling till insatsen; larmet var brukarens eget val"),
    );
    high.take(Role::Sas, "close_despite_high_risk", reasoned);
    assert!(high.case.is_closed());
    // 2 × 3 = 6: the plain closing.
    let mut low = scored(2, 3);
    assert!(matches!(
        low.try_take(Role::Sas, "close_despite_high_risk", closing()),
        Err(Rejection::GuardFailed { .. })
    ));
    low.take(Role::Sas, "close_social", closing());
    assert!(low.case.is_closed());
}

/// DOMAIN.md: the same event reported twice is one avvikelse. Marking the
/// later report a duplicate of the earlier keeps both numbers and
/// histories, closes the duplicate where it stands with its clocks stopped,
/// and is open only to those who take the lifecycle's steps.
#[test]
fn a_duplicate_is_closed_where_it_stands_and_both_keep_their_history() {
    let filed = || {
        fields(&[
            ("what_happened", text("Fel dos")),
            ("occurred_on", text("2026-03-01")),
            ("category", text("lakemedel")),
        ])
    };
    let original = Scenario::filed("avvikelse", Role::UnitManager, Lagrum::Sol, filed());
    let mut duplicate = Scenario::filed("avvikelse", Role::Reporter, Lagrum::Sol, filed());
    duplicate.after(Duration::hours(2));
    let state = duplicate.state().to_owned();
    assert!(
        duplicate
            .case
            .deadlines
            .values()
            .any(DeadlineStatus::is_running),
        "the duplicate had a clock running"
    );

    let [mark, back] =
        varna_workflow::mark_duplicate("dup", &duplicate.case, "orig", &original.case)
            .expect("a later report of the same kind may be marked");
    // The reporter files avvikelser but takes no step in them: not theirs to close.
    assert!(matches!(
        duplicate.try_command(actor(Role::Reporter), mark.clone()),
        Err(Rejection::Forbidden { .. })
    ));
    duplicate
        .try_command(actor(Role::UnitManager), mark)
        .expect("the unit manager marks it");
    assert_eq!(duplicate.case.duplicate_of(), Some("orig"));
    assert!(duplicate.case.is_closed(), "closed as a duplicate");
    assert_eq!(duplicate.state(), state, "in the state it stood in");
    assert!(
        duplicate
            .case
            .deadlines
            .values()
            .all(|d| matches!(d, DeadlineStatus::Cancelled { .. })),
        "its clocks stopped: {:?}",
        duplicate.case.deadlines
    );
    assert!(
        varna_workflow::available_transitions(
            &duplicate.def,
            &duplicate.case,
            &actor(Role::UnitManager)
        )
        .is_empty(),
        "no step is open to a duplicate"
    );
    duplicate.assert_replay_agrees();

    let mut original = original;
    original
        .try_command(actor(Role::UnitManager), back)
        .expect("the original records the duplicate");
    assert_eq!(original.case.duplicate_of(), None);
    assert!(!original.case.is_closed(), "the original goes on");
    assert!(
        original
            .case
            .links
            .iter()
            .any(|l| l.link == LinkKind::DuplicateOf && l.other_case == "dup")
    );
}

/// A duplicate is of the same kind, is not marked twice, and its original
/// is not itself a duplicate.
#[test]
fn duplicates_point_at_an_original_of_the_same_kind() {
    let avvikelse = || {
        Scenario::filed(
            "avvikelse",
            Role::UnitManager,
            Lagrum::Sol,
            fields(&[
                ("what_happened", text("Fel dos")),
                ("occurred_on", text("2026-03-01")),
                ("category", text("lakemedel")),
            ]),
        )
    };
    let (a, mut b) = (avvikelse(), avvikelse());
    let problem = |r: Result<_, Rejection>| match r {
        Err(Rejection::InvalidInput { problem, .. }) => problem.code(),
        other => panic!("expected invalid input, got {other:?}"),
    };
    assert_eq!(
        problem(varna_workflow::mark_duplicate("a", &a.case, "a", &a.case)),
        "NOT_ALLOWED"
    );
    let complaint = Scenario::filed(
        "klagomal",
        Role::UnitManager,
        Lagrum::Sol,
        fields(&[
            ("feedback_kind", text("klagomal")),
            ("sender_kind", text("brukare")),
            ("received_on", text("2026-03-01")),
            ("what_happened", text("Maten var kall")),
            ("wants_aterkoppling", varna_workflow::Value::Bool(false)),
        ]),
    );
    assert_eq!(
        problem(varna_workflow::mark_duplicate(
            "a",
            &a.case,
            "k",
            &complaint.case
        )),
        "OTHER_LIFECYCLE"
    );
    let [mark, _] = varna_workflow::mark_duplicate("b", &b.case, "a", &a.case).expect("marks");
    b.try_command(actor(Role::UnitManager), mark)
        .expect("marked");
    assert_eq!(
        problem(varna_workflow::mark_duplicate(
            "c",
            &avvikelse().case,
            "b",
            &b.case
        )),
        "IS_DUPLICATE"
    );
    assert_eq!(
        problem(varna_workflow::mark_duplicate("b", &b.case, "a", &a.case)),
        "IS_DUPLICATE"
    );
}

/// The shipped file with its settings switched: what a municipality that
/// wants the second signature writes in its copy.
fn with_cosign() -> varna_workflow::WorkflowDefinition {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../workflows/avvikelse.toml"
    );
    let text = std::fs::read_to_string(path).expect("readable");
    assert_eq!(text.matches("enabled = false").count(), 1, "one setting");
    varna_workflow::definition::parse(
        "avvikelse.toml",
        &text.replace("enabled = false", "enabled = true"),
    )
    .unwrap_or_else(|e| panic!("the switched file is valid:\n{e}"))
}

fn offered(s: &Scenario, role: Role) -> Vec<String> {
    varna_workflow::available_transitions(&s.def, &s.case, &actor(role))
        .iter()
        .map(|t| t.transition.name.clone())
        .collect()
}

/// DOMAIN.md / issue 20: an optional second signature on closing, as a
/// setting of the lifecycle file. Off (as shipped) the SAS closes; on, the
/// SAS proposes, a verksamhetschef — another role, so another person —
/// co-signs or sends it back with a reason, and only then is it closed.
#[test]
fn with_the_setting_on_a_verksamhetschef_co_signs_every_closure() {
    let mut off = with_actions(Lagrum::Sol, "fall");
    assess(&mut off);
    assert!(offered(&off, Role::Sas).contains(&"close_social".to_owned()));
    assert!(
        !offered(&off, Role::Sas)
            .iter()
            .any(|t| t.starts_with("propose_"))
    );

    let in_use = |def: &varna_workflow::WorkflowDefinition| {
        def.states_in_use()
            .iter()
            .any(|s| s.id.as_str() == "awaiting_cosign")
    };
    assert!(!in_use(&off.def) && in_use(&with_cosign()));

    let mut on = with_actions_under(with_cosign(), Lagrum::Sol, "fall");
    assess(&mut on);
    assert_eq!(
        offered(&on, Role::Sas),
        ["reopen", "propose_close_social", "escalate_to_lex_sarah"]
    );
    assert!(
        matches!(
            on.try_take(Role::Sas, "close_social", closing()),
            Err(Rejection::GuardFailed { .. })
        ),
        "no closing without the signature"
    );
    // The verksamhetschef does not propose what they are to sign.
    assert!(matches!(
        on.try_take(Role::OperationsManager, "propose_close_social", closing()),
        Err(Rejection::Forbidden { .. })
    ));
    on.take(Role::Sas, "propose_close_social", closing());
    assert_eq!(on.state(), "awaiting_cosign");
    assert!(!on.case.is_closed());
    assert!(matches!(
        on.try_take(Role::Sas, "cosign_closure", fields(&[])),
        Err(Rejection::Forbidden { .. })
    ));
    // Sent back with a reason, proposed again, signed.
    assert!(matches!(
        on.try_take(Role::OperationsManager, "return_from_cosign", fields(&[])),
        Err(Rejection::GuardFailed { .. })
    ));
    on.take(
        Role::OperationsManager,
        "return_from_cosign",
        fields(&[(
            "cosign_return_reason",
            text("Effekten är inte följd upp hos nattpersonalen"),
        )]),
    );
    assert_eq!(on.state(), "effect_assessed");
    on.take(Role::Sas, "propose_close_social", closing());
    on.take(
        Role::OperationsManager,
        "cosign_closure",
        fields(&[("cosign_comment", text("Instämmer"))]),
    );
    assert_eq!(on.state(), "closed");
    assert!(on.case.is_closed());
    on.assert_replay_agrees();
}

/// A condition may name only a setting the file declares.
#[test]
fn a_condition_names_only_a_declared_setting() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../workflows/avvikelse.toml"
    );
    let text = std::fs::read_to_string(path).expect("readable");
    let broken = text.replacen(
        "settings = { cosign_closure = false }",
        "settings = { cosign_closur = false }",
        1,
    );
    let errors = varna_workflow::definition::parse("avvikelse.toml", &broken)
        .expect_err("an unknown setting is refused")
        .to_string();
    assert!(
        errors.contains("unknown setting \"cosign_closur\"") && errors.contains("cosign_closure"),
        "{errors}"
    );
}
