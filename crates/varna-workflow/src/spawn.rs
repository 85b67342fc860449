//! A case opened by a `SpawnCase` effect: which of its origin's fields it
//! is filed with, and the pair of events that link the two cases. The
//! store names both cases and writes what is decided here.

use crate::case::{Case, Event, EventKind, LinkEnd};
use crate::command::{Decision, Facts, FileCase};
use crate::decide::decide_filing;
use crate::definition::{LinkKind, WorkflowDefinition};
use crate::rejection::Rejection;

/// What the engine decided for a case a `SpawnCase` effect opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnDecision {
    /// The new case: its filing, then its end of the link, and the
    /// filing's effects (which the store carries out in turn).
    pub opened: Decision,
    /// The origin's end of the link, appended to the case that spawned.
    pub origin_link: Event,
}

/// Decides the case `child` opens from `origin` (a `SpawnCase` effect of a
/// command on `origin`): filed by the same actor at the same time, under
/// the origin's lagrum and unit, with the origin's fields the new
/// lifecycle takes (see [`spawned_filing`]), and linked both ways. Ids are
/// the store's. Refused like any filing (the actor may not file `child`,
/// a required field is missing).
pub fn decide_spawn(
    child: &WorkflowDefinition,
    origin: &Case,
    origin_id: &str,
    child_id: &str,
    link: LinkKind,
    facts: &Facts,
) -> Result<SpawnDecision, Rejection> {
    let mut opened = decide_filing(child, spawned_filing(child, origin, facts), facts)?;
    let (origin_link, opened_link) = link_events(facts, origin_id, child_id, link);
    opened.events.push(opened_link);
    Ok(SpawnDecision {
        opened,
        origin_link,
    })
}

/// The filing of a spawned case: the origin's lagrum and unit, and those of
/// its fields that the new lifecycle's filing takes and accepts as valid.
fn spawned_filing(child: &WorkflowDefinition, origin: &Case, facts: &Facts) -> FileCase {
    let wanted: Vec<&str> = child
        .filing
        .requires
        .iter()
        .flat_map(|r| r.fields().iter())
        .chain(child.filing.accepts.iter())
        .map(String::as_str)
        .collect();
    let mut filing = FileCase {
        lagrum: origin.lagrum,
        unit: origin.unit.clone(),
        fields: origin
            .fields
            .iter()
            .filter(|(k, _)| wanted.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    // Drop fields whose values the new lifecycle does not accept (a choice
    // list may differ); required ones then surface as a guard failure.
    while let Err(Rejection::InvalidInput { field, .. }) =
        decide_filing(child, filing.clone(), facts)
    {
        if filing.fields.remove(&field).is_none() {
            break;
        }
    }
    filing
}

/// The pair of events that link a case opened by a `SpawnCase` effect to the
/// case it came from: the first is appended to the origin, the second to
/// the new case (after its filing). Ids are the store's.
pub fn link_events(facts: &Facts, origin: &str, opened: &str, link: LinkKind) -> (Event, Event) {
    let event = |other_case: &str, end| Event {
        actor: facts.actor.as_event_actor(),
        occurred_at: facts.now,
        kind: EventKind::Linked {
            other_case: other_case.to_owned(),
            link,
            end,
        },
    };
    (
        event(opened, LinkEnd::Origin),
        event(origin, LinkEnd::Opened),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::{DateTime, TimeZone, Utc};

    use super::*;
    use crate::case::Value;
    use crate::command::Actor;
    use crate::definition::parse;
    use crate::vocab::{ActorId, Lagrum, Role, UnitId};

    const UNIT: &str = "vard-och-omsorgsboende-linden";

    fn definition(name: &str) -> WorkflowDefinition {
        let text = match name {
            "klagomal" => include_str!("../../../workflows/klagomal.toml"),
            "avvikelse" => include_str!("../../../workflows/avvikelse.toml"),
            "lex-sarah" => include_str!("../../../workflows/lex-sarah.toml"),
            _ => panic!("no workflow {name}"),
        };
        parse(name, text).expect("a shipped definition is valid")
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .expect("a valid time")
    }

    fn facts(role: Role) -> Facts {
        Facts {
            actor: Actor {
                id: ActorId::new("user-1"),
                role,
                units: BTreeSet::from([UnitId::new(UNIT)]),
            },
            now: now(),
        }
    }

    fn text(s: &str) -> Value {
        Value::Text(s.to_owned())
    }

    /// A klagomål filed with what an avvikelse needs and what it does not.
    fn klagomal() -> Case {
        let filing = FileCase {
            lagrum: Lagrum::Sol,
            unit: UnitId::new(UNIT),
            fields: [
                ("feedback_kind", text("klagomal")),
                ("sender_kind", text("narstaende")),
                ("received_on", text("2026-03-01")),
                ("what_happened", text("Fel medicin")),
                ("wants_aterkoppling", Value::Bool(true)),
                ("occurred_on", text("2026-02-28")),
                ("category", text("lakemedel")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        };
        let decision = decide_filing(&definition("klagomal"), filing, &facts(Role::UnitManager))
            .expect("a valid filing");
        Case::open(&decision.events[0]).expect("a filing opens a case")
    }

    #[test]
    fn a_spawned_case_takes_only_the_fields_its_filing_takes() {
        let origin = klagomal();
        let filing = spawned_filing(&definition("avvikelse"), &origin, &facts(Role::UnitManager));
        assert_eq!(filing.lagrum, origin.lagrum);
        assert_eq!(filing.unit, origin.unit);
        let names: Vec<&str> = filing.fields.keys().map(String::as_str).collect();
        assert_eq!(names, ["category", "occurred_on", "what_happened"]);
    }

    #[test]
    fn a_value_the_new_lifecycle_refuses_is_left_out() {
        let mut origin = klagomal();
        origin
            .fields
            .insert("category".into(), text("not_an_avvikelse_category"));
        let child = definition("avvikelse");
        let filing = spawned_filing(&child, &origin, &facts(Role::UnitManager));
        assert!(!filing.fields.contains_key("category"));
        // The category is required, so the spawn itself is refused.
        let refused = decide_spawn(
            &child,
            &origin,
            "a",
            "b",
            LinkKind::SpawnedBy,
            &facts(Role::UnitManager),
        );
        assert!(matches!(refused, Err(Rejection::GuardFailed { .. })));
    }

    #[test]
    fn a_spawned_case_is_filed_then_linked_both_ways() {
        let origin = klagomal();
        let decided = decide_spawn(
            &definition("avvikelse"),
            &origin,
            "origin-id",
            "child-id",
            LinkKind::SpawnedBy,
            &facts(Role::UnitManager),
        )
        .expect("the spawn is allowed");
        let kinds: Vec<&EventKind> = decided.opened.events.iter().map(|e| &e.kind).collect();
        assert!(matches!(kinds[0], EventKind::Filed { .. }));
        assert!(matches!(
            kinds[1],
            EventKind::Linked { other_case, link: LinkKind::SpawnedBy, end: LinkEnd::Opened }
                if other_case == "origin-id"
        ));
        assert_eq!(kinds.len(), 2);
        assert!(matches!(
            &decided.origin_link.kind,
            EventKind::Linked { other_case, link: LinkKind::SpawnedBy, end: LinkEnd::Origin }
                if other_case == "child-id"
        ));
        assert!(!decided.opened.effects.is_empty(), "the filing notifies");
    }

    #[test]
    fn a_spawn_the_actor_may_not_file_is_refused() {
        let origin = klagomal();
        let refused = decide_spawn(
            &definition("lex-sarah"),
            &origin,
            "a",
            "b",
            LinkKind::SpawnedBy,
            &facts(Role::Mas),
        );
        assert!(matches!(refused, Err(Rejection::Forbidden { .. })));
    }
}
