//! Property tests over the four shipped lifecycles: random command sequences
//! by random actors never reach a state the definition forbids, a refused
//! command changes nothing, and replaying the events always reproduces the
//! case.

mod common;

use chrono::Duration;
use common::*;
use proptest::prelude::*;
use varna_workflow::definition::{FieldKind, FieldSpec, StateKind};
use varna_workflow::{
    Actor, Case, Command, DeadlineStatus, EventKind, Facts, Fields, FileCase, Role, UnitId, Value,
    WorkflowDefinition, decide, decide_filing, evolve, replay,
};

/// One random step: who acts, what they try, which fields they send.
#[derive(Debug, Clone)]
struct Step {
    role: usize,
    command: usize,
    field_mask: u32,
    seed: u8,
    in_unit: bool,
    hours: u16,
}

fn step() -> impl Strategy<Value = Step> {
    (
        any::<usize>(),
        any::<usize>(),
        any::<u32>(),
        any::<u8>(),
        prop::bool::weighted(0.9),
        0u16..200,
    )
        .prop_map(|(role, command, field_mask, seed, in_unit, hours)| Step {
            role,
            command,
            field_mask,
            seed,
            in_unit,
            hours,
        })
}

/// A value of the field's type (all valid: the point is to explore states).
fn value(def: &WorkflowDefinition, spec: &FieldSpec, seed: u8) -> Value {
    let pick = |n: usize| usize::from(seed) % n.max(1);
    match &spec.kind {
        FieldKind::Text => text("text"),
        FieldKind::Date => text("2026-01-15"),
        FieldKind::Boolean => Value::Bool(seed.is_multiple_of(2)),
        FieldKind::Integer { min, max } => Value::Integer((*min).max(1).min(*max)),
        FieldKind::Choice { values } => text(&values[pick(values.len())]),
        FieldKind::Outcome => text(&def.outcomes[pick(def.outcomes.len())].id),
    }
}

fn choose_fields<'a>(
    def: &WorkflowDefinition,
    names: impl Iterator<Item = &'a str>,
    mask: u32,
    seed: u8,
) -> Fields {
    names
        .enumerate()
        .filter(|(i, _)| mask & (1 << (i % 32)) != 0)
        .filter_map(|(_, n)| {
            def.field(n)
                .map(|spec| (n.to_owned(), value(def, spec, seed)))
        })
        .collect()
}

fn actor_for(step: &Step, roles: &[Role]) -> Actor {
    let mut a = actor(roles[step.role % roles.len()]);
    if !step.in_unit {
        a.units = [UnitId::new(OTHER_UNIT)].into();
    }
    a
}

fn check_case_is_legal(def: &WorkflowDefinition, case: &Case) {
    let state = def.state(case.state()).expect("state is declared");
    assert_eq!(
        state.kind == StateKind::Terminal,
        case.is_closed(),
        "closed iff terminal"
    );
    if case.is_closed() {
        assert!(
            case.deadlines
                .values()
                .all(|d| !matches!(d, DeadlineStatus::Open { .. })),
            "no clock runs on a closed case"
        );
    }
}

fn run(def: &WorkflowDefinition, filer: usize, lagrum: usize, filing_mask: u32, steps: &[Step]) {
    let mut now = start();
    let filer = actor(def.filing.roles[filer % def.filing.roles.len()]);
    let lagrum = def.lagrum[lagrum % def.lagrum.len()];
    // All required fields (first of each any-group) plus a random subset of the optional ones.
    let mut filed: Fields = def
        .filing
        .requires
        .iter()
        .map(|r| {
            let name = &r.fields()[0];
            (
                name.clone(),
                value(def, def.field(name).expect("declared"), 1),
            )
        })
        .collect();
    filed.extend(choose_fields(
        def,
        def.filing.accepts.iter().map(String::as_str),
        filing_mask,
        3,
    ));
    let decision = decide_filing(
        def,
        FileCase {
            lagrum,
            unit: UnitId::new(UNIT),
            fields: filed,
        },
        &Facts { actor: filer, now },
    )
    .expect("a complete filing by a filing role is accepted");
    let mut events = decision.events;
    let mut case = replay(&events).expect("opens");
    check_case_is_legal(def, &case);

    let all_roles = Role::ALL;
    for step in steps {
        now += Duration::hours(i64::from(step.hours));
        let actor = actor_for(step, &all_roles);
        let n = def.transitions.len();
        let command = if step.command % (n + 1) == n {
            let topics = def
                .journal
                .as_ref()
                .map(|j| j.topics.clone())
                .unwrap_or_default();
            let topic = topics
                .get(usize::from(step.seed) % topics.len().max(1))
                .cloned()
                .unwrap_or_default();
            Command::AddJournalEntry(
                structured_entry(def, &case, &topic, now.date_naive())
                    .unwrap_or_else(|| journal_entry(&topic, now.date_naive())),
            )
        } else {
            let t = &def.transitions[step.command % n];
            // Mostly well-formed: required fields kept (each dropped one time in
            // eight), optional ones at random, so walks get deep into the lifecycle.
            let mut fields = choose_fields(
                def,
                t.accepts.iter().map(String::as_str),
                step.field_mask,
                step.seed,
            );
            let topics = def
                .journal
                .as_ref()
                .map(|j| j.topics.clone())
                .unwrap_or_default();
            for (i, r) in t.requires.iter().enumerate() {
                if (step.field_mask >> (i % 29)) & 7 != 0
                    && let Some(name) = r.fields().iter().find(|f| !topics.contains(f))
                {
                    fields.insert(
                        name.clone(),
                        value(def, def.field(name).expect("declared"), step.seed),
                    );
                }
            }
            Command::Transition {
                name: t.name.clone(),
                fields,
            }
        };
        let actor = match (&command, step.role % 5) {
            (Command::Transition { name, .. }, 1..) => {
                let roles = &def.transition(name).expect("declared").roles;
                actor_for(step, roles)
            }
            _ => actor,
        };
        let before = case.clone();
        match decide(
            def,
            &case,
            command.clone(),
            &Facts {
                actor: actor.clone(),
                now,
            },
        ) {
            Err(_) => assert_eq!(case, before, "a refusal changes nothing"),
            Ok(decision) => {
                let reopens = matches!(&command, Command::Transition { name, .. }
                    if def.transition(name).is_some_and(|t| t.reopens));
                assert!(
                    !before.is_closed() || reopens,
                    "a closed case accepted {command:?}"
                );
                assert!(!actor.role.is_read_only(), "{} changed a case", actor.role);
                assert!(
                    actor.reaches(&case.unit),
                    "an actor outside the unit changed the case"
                );
                for event in &decision.events {
                    if let EventKind::Transitioned {
                        transition,
                        from,
                        to,
                        ..
                    } = &event.kind
                    {
                        let t = def.transition(transition).expect("declared transition");
                        assert!(
                            t.from.contains(from) && t.target(from) == to,
                            "{transition}: {from} -> {to} is not in the definition"
                        );
                        assert_eq!(from, before.state());
                        assert!(
                            t.roles.contains(&actor.role),
                            "{} took {transition}",
                            actor.role
                        );
                    }
                    case = evolve(case, event);
                    events.push(event.clone());
                }
                if let Command::Transition { name, .. } = &command {
                    let t = def.transition(name).expect("declared");
                    for r in &t.requires {
                        assert!(requirement_holds(&case, r), "{name} taken without {r}");
                    }
                    if let Some(allowed) = &t.when.outcome {
                        let outcome = def
                            .outcome_field()
                            .and_then(|f| case.fields.get(&f.name))
                            .and_then(Value::as_text);
                        assert!(
                            outcome.is_some_and(|o| allowed.iter().any(|a| a == o)),
                            "{name} with outcome {outcome:?}"
                        );
                    }
                    if let Some(allowed) = &t.when.lagrum {
                        assert!(allowed.contains(&case.lagrum));
                    }
                }
                check_case_is_legal(def, &case);
            }
        }
    }
    assert_eq!(case.version, events.len() as u64);
    assert_eq!(
        replay(&events).expect("replays"),
        case,
        "replay reproduces the case"
    );
    let json = serde_json::to_string(&events).expect("serialises");
    let back: Vec<varna_workflow::Event> = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(replay(&back).expect("replays from JSON"), case);
}

fn lifecycle_property(name: &'static str) -> impl Fn(usize, usize, u32, Vec<Step>) {
    let def = definition(name);
    move |filer, lagrum, mask, steps| run(&def, filer, lagrum, mask, &steps)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn lex_sarah_never_reaches_a_forbidden_state(filer in any::<usize>(), lagrum in any::<usize>(), mask in any::<u32>(), steps in prop::collection::vec(step(), 0..60)) {
        lifecycle_property("lex-sarah")(filer, lagrum, mask, steps);
    }

    #[test]
    fn lex_maria_never_reaches_a_forbidden_state(filer in any::<usize>(), lagrum in any::<usize>(), mask in any::<u32>(), steps in prop::collection::vec(step(), 0..60)) {
        lifecycle_property("lex-maria")(filer, lagrum, mask, steps);
    }

    #[test]
    fn avvikelse_never_reaches_a_forbidden_state(filer in any::<usize>(), lagrum in any::<usize>(), mask in any::<u32>(), steps in prop::collection::vec(step(), 0..60)) {
        lifecycle_property("avvikelse")(filer, lagrum, mask, steps);
    }

    #[test]
    fn klagomal_never_reaches_a_forbidden_state(filer in any::<usize>(), lagrum in any::<usize>(), mask in any::<u32>(), steps in prop::collection::vec(step(), 0..60)) {
        lifecycle_property("klagomal")(filer, lagrum, mask, steps);
    }
}

/// The random walks above must actually get somewhere: with a guided
/// walk (always the first available transition, all its fields), every
/// lifecycle reaches a terminal state, so the properties are not vacuous.
#[test]
fn guided_walks_reach_a_terminal_state_in_every_lifecycle() {
    for name in ["avvikelse", "klagomal", "lex-maria", "lex-sarah"] {
        let def = definition(name);
        let mut now = start();
        let filer = actor(def.filing.roles[0]);
        let filed: Fields = def
            .filing
            .requires
            .iter()
            .map(|r| {
                (
                    r.fields()[0].clone(),
                    value(&def, def.field(&r.fields()[0]).expect("declared"), 1),
                )
            })
            .collect();
        let decision = decide_filing(
            &def,
            FileCase {
                lagrum: def.lagrum[0],
                unit: UnitId::new(UNIT),
                fields: filed,
            },
            &Facts { actor: filer, now },
        )
        .expect("filed");
        let mut case = replay(&decision.events).expect("opens");
        let mut visited = vec![case.state().clone()];
        for _ in 0..30 {
            if case.is_closed() {
                break;
            }
            now += Duration::hours(1);
            // Onwards first: transitions into states not yet visited, then any.
            let mut candidates: Vec<_> = def
                .transitions
                .iter()
                .filter(|t| t.to.as_ref().is_some_and(|to| to != case.state()))
                .filter(|t| t.from.contains(case.state()))
                .collect();
            candidates.sort_by_key(|t| t.to.as_ref().is_some_and(|to| visited.contains(to)));
            // Document every journal topic the case still lacks, in order
            // (causes before the actions that name them, actions before
            // their follow-ups), as the journal's first role.
            if let Some(j) = &def.journal
                && j.states.contains(case.state())
            {
                for topic in j.topics.clone() {
                    let wanted = !case.has(&topic)
                        || j.structure(&topic)
                            .and_then(|s| s.follows_up.as_ref())
                            .is_some_and(|f| !case.not_followed_up(f).is_empty());
                    if !wanted {
                        continue;
                    }
                    let Some(entry) = structured_entry(&def, &case, &topic, now.date_naive())
                    else {
                        continue;
                    };
                    let decision = decide(
                        &def,
                        &case,
                        Command::AddJournalEntry(entry),
                        &Facts {
                            actor: actor(j.roles[0]),
                            now,
                        },
                    )
                    .unwrap_or_else(|r| panic!("{name}: {topic} refused: {r}"));
                    for e in &decision.events {
                        case = evolve(case, e);
                    }
                }
            }
            let taken = candidates.into_iter().find_map(|t| {
                let role = t.roles[0];
                let topics = def
                    .journal
                    .as_ref()
                    .map(|j| j.topics.clone())
                    .unwrap_or_default();
                let mut fields: Fields = t
                    .allowed_fields()
                    .filter(|f| !topics.iter().any(|t| t == f))
                    .filter_map(|f| {
                        def.field(f)
                            .map(|spec| (f.to_owned(), value(&def, spec, 0)))
                    })
                    .collect();
                if let (Some(allowed), Some(field)) = (&t.when.outcome, def.outcome_field())
                    && t.allowed_fields().any(|f| f == field.name)
                {
                    fields.insert(field.name.clone(), text(&allowed[0]));
                }
                decide(
                    &def,
                    &case,
                    Command::Transition {
                        name: t.name.clone(),
                        fields,
                    },
                    &Facts {
                        actor: actor(role),
                        now,
                    },
                )
                .ok()
            });
            let decision = taken.unwrap_or_else(|| panic!("{name}: stuck in {}", case.state()));
            for e in &decision.events {
                case = evolve(case, e);
            }
            visited.push(case.state().clone());
        }
        assert!(
            case.is_closed(),
            "{name} never closed; stuck in {}",
            case.state()
        );
    }
}
