//! `decide`: given a definition, a case and a command, the events to append
//! and the effects the store carries out in the same transaction, or a
//! typed rejection.
//!
//! Pure: the time and the actor come in as `Facts`; nothing here reads a
//! clock, a file or a database. The types that go in and out are in
//! `command.rs`; the checks it makes in `guards.rs`; the refusals in
//! `rejection.rs`.

use chrono::{DateTime, Utc};

use crate::case::{
    Case, DeadlineStarted, DeadlineStatus, Event, EventActor, EventKind, Fields, JournalEntry,
    LinkEnd,
};
use crate::command::{Actor, Command, Decision, Effect, Facts, FileCase, Notice};
use crate::definition::{
    ClockStart, LinkKind, Requirement, StateKind, Transition, WorkflowDefinition,
};
use crate::guards::{
    check_fields, check_structure, check_text, condition_unmet, due_at, merged_fields,
    requirement_met, unmet_guards,
};
use crate::rejection::{FailedCondition, InputProblem, Rejection};
use crate::vocab::Role;

/// Decides a filing: the first event of a new case.
pub fn decide_filing(
    def: &WorkflowDefinition,
    command: FileCase,
    facts: &Facts,
) -> Result<Decision, Rejection> {
    let actor = &facts.actor;
    if !def.filing.roles.contains(&actor.role) {
        return Err(Rejection::Forbidden {
            role: actor.role,
            action: format!("file a {} case", def.name()),
        });
    }
    if !actor.reaches(&command.unit) {
        return Err(Rejection::OutsideUnits { role: actor.role });
    }
    // The first of all the filing's problems: the lagrum, then the fields
    // by name, then what is missing.
    if let Some(first) = filing_problems(def, &command, facts.now).into_iter().next() {
        return Err(first);
    }
    let deadlines_started = def
        .deadlines
        .iter()
        .filter(|d| d.starts_on.contains(&ClockStart::Filing))
        .filter(|d| {
            condition_unmet(def, &d.when, command.lagrum, &command.fields, |f| {
                command.fields.contains_key(f)
            })
            .is_empty()
        })
        .map(|d| DeadlineStarted {
            id: d.id.clone(),
            due_at: due_at(d, command.lagrum, &command.fields, facts.now),
        })
        .collect();
    let event = Event {
        actor: actor.as_event_actor(),
        occurred_at: facts.now,
        kind: EventKind::Filed {
            workflow: def.reference.clone(),
            lagrum: command.lagrum,
            unit: command.unit,
            state: def.initial_state().id.clone(),
            fields: command.fields,
            deadlines_started,
            person: None,
        },
    };
    let effects = def
        .filing
        .notify
        .iter()
        .map(|&role| Effect::Notify {
            role,
            reason: Notice::Filed,
        })
        .collect();
    Ok(Decision {
        events: vec![event],
        effects,
    })
}

/// Every problem with a filing's lagrum and fields at once — each field
/// with a value the lifecycle does not take, and every requirement not met
/// — without deciding anything, so a form can show them all together.
/// Who files and for which unit is left to [`decide_filing`]. Empty when
/// the fields would be accepted.
pub fn filing_problems(
    def: &WorkflowDefinition,
    command: &FileCase,
    now: DateTime<Utc>,
) -> Vec<Rejection> {
    let mut problems = Vec::new();
    if !def.lagrum.contains(&command.lagrum) {
        problems.push(Rejection::InvalidInput {
            field: "lagrum".into(),
            problem: InputProblem::NotAllowed {
                allowed: def.lagrum.iter().map(|l| l.to_string()).collect(),
            },
        });
    }
    let allowed: Vec<&str> = def
        .filing
        .requires
        .iter()
        .flat_map(|r| r.fields().iter())
        .chain(def.filing.accepts.iter())
        .map(String::as_str)
        .collect();
    for (name, value) in &command.fields {
        let one: Fields = [(name.clone(), value.clone())].into();
        if let Err(e) = check_fields(def, &one, allowed.iter().copied(), "file", now) {
            problems.push(e);
        }
    }
    let missing: Vec<_> = def
        .filing
        .requires
        .iter()
        .filter(|r| !r.fields().iter().any(|f| command.fields.contains_key(f)))
        .cloned()
        .collect();
    if !missing.is_empty() {
        problems.push(Rejection::GuardFailed {
            transition: "file".into(),
            missing,
            failed: Vec::new(),
        });
    }
    problems
}

/// Decides a command on an existing case.
pub fn decide(
    def: &WorkflowDefinition,
    case: &Case,
    command: Command,
    facts: &Facts,
) -> Result<Decision, Rejection> {
    if case.workflow != def.reference {
        return Err(Rejection::DefinitionMismatch {
            case_workflow: case.workflow.clone(),
            given: def.reference.clone(),
        });
    }
    match command {
        Command::Transition { name, fields } => decide_transition(def, case, &name, fields, facts),
        Command::AddJournalEntry(entry) => decide_journal_entry(def, case, entry, facts),
        Command::AddAttachment(attachment) => {
            crate::attachment::decide_attachment(def, case, attachment, facts)
        }
        Command::Assign { person, role } => {
            crate::assign::decide_assign(def, case, person, role, facts)
        }
        Command::Link {
            other_case,
            link,
            end,
        } => decide_link(def, case, other_case, link, end, facts),
        Command::PassDeadline { deadline } => decide_pass_deadline(def, case, deadline, facts),
    }
}

/// The scheduler's command: a running clock whose due time has come is
/// recorded as passed, and the roles the definition names are notified.
fn decide_pass_deadline(
    def: &WorkflowDefinition,
    case: &Case,
    deadline: String,
    facts: &Facts,
) -> Result<Decision, Rejection> {
    if facts.actor.role != Role::System {
        return Err(Rejection::Forbidden {
            role: facts.actor.role,
            action: "record a passed deadline".into(),
        });
    }
    let due_at = match case.deadlines.get(&deadline) {
        Some(DeadlineStatus::Open { due_at }) if *due_at <= facts.now && !case.is_closed() => {
            *due_at
        }
        _ => return Err(Rejection::DeadlineNotDue { deadline }),
    };
    let effects = def
        .responsible_for(&deadline)
        .iter()
        .map(|&role| Effect::Notify {
            role,
            reason: Notice::DeadlinePassed {
                deadline: deadline.clone(),
            },
        })
        .collect();
    Ok(Decision {
        events: vec![Event {
            actor: EventActor {
                id: facts.actor.id.clone(),
                role: facts.actor.role,
            },
            occurred_at: facts.now,
            kind: EventKind::DeadlinePassed { deadline, due_at },
        }],
        effects,
    })
}

fn decide_transition(
    def: &WorkflowDefinition,
    case: &Case,
    name: &str,
    fields: Fields,
    facts: &Facts,
) -> Result<Decision, Rejection> {
    let actor = &facts.actor;
    let transition = def
        .transition(name)
        .ok_or_else(|| Rejection::UnknownTransition {
            workflow: def.name().to_owned(),
            transition: name.to_owned(),
        })?;
    let from = case.state();
    if (case.is_closed() && !transition.reopens) || !transition.from.contains(from) {
        return Err(Rejection::InvalidTransition {
            from: from.clone(),
            transition: name.to_owned(),
        });
    }
    check_actor(transition, case, actor)?;
    if let Some(journal) = &def.journal
        && let Some(topic) = fields.keys().find(|f| journal.topics.contains(f))
    {
        return Err(Rejection::InvalidInput {
            field: topic.clone(),
            problem: InputProblem::JournalOnly,
        });
    }
    check_fields(def, &fields, transition.allowed_fields(), name, facts.now)?;
    // The case's fields as they will be after the command, for the
    // guards, the clocks it starts and the days it states.
    let merged = merged_fields(case, &fields);
    let (missing, failed) = unmet_guards(def, transition, case, &fields, &merged);
    if !missing.is_empty() || !failed.is_empty() {
        return Err(Rejection::GuardFailed {
            transition: name.to_owned(),
            missing,
            failed,
        });
    }

    let to = transition.target(from);
    let closes = def.state(to).is_some_and(|s| s.kind == StateKind::Terminal);
    let open: Vec<&String> = case
        .deadlines
        .iter()
        .filter(|(_, d)| d.is_running())
        .map(|(id, _)| id)
        .collect();
    let deadlines_started: Vec<DeadlineStarted> = if closes {
        Vec::new()
    } else {
        def.deadlines
            .iter()
            .filter(|d| {
                d.starts_on
                    .contains(&ClockStart::Transition(name.to_owned()))
            })
            // A clock started before keeps its first start (a case returned
            // and ruled serious again is still counted from the first
            // ruling); only a clock ended by closing starts afresh.
            .filter(|d| {
                case.deadlines
                    .get(&d.id)
                    .is_none_or(|s| matches!(s, DeadlineStatus::Cancelled { .. }))
            })
            .filter(|d| {
                condition_unmet(def, &d.when, case.lagrum, &merged, |f| {
                    fields.contains_key(f) || case.has(f)
                })
                .is_empty()
            })
            .map(|d| DeadlineStarted {
                id: d.id.clone(),
                due_at: due_at(d, case.lagrum, &merged, facts.now),
            })
            .collect()
    };
    let meets: Vec<_> = def
        .deadlines
        .iter()
        .filter(|d| d.satisfied_by.iter().any(|s| s == name))
        .filter(|d| open.contains(&&d.id) || deadlines_started.iter().any(|s| s.id == d.id))
        .collect();
    let deadlines_met: Vec<String> = meets.iter().map(|d| d.id.clone()).collect();
    // Met on the day the command states, where the clock names that field:
    // by the end of that day, or now if the day is today.
    let deadlines_met_on = meets
        .iter()
        .filter_map(|d| {
            let day = merged.get(d.met_field.as_deref()?)?.as_date()?;
            let end = crate::local::day_start(day.succ_opt()?);
            Some((d.id.clone(), end.min(facts.now)))
        })
        .collect();
    let deadlines_cancelled: Vec<String> = if closes {
        open.into_iter()
            .filter(|id| !deadlines_met.contains(id))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };

    let mut effects: Vec<Effect> = transition
        .notify
        .iter()
        .map(|&role| Effect::Notify {
            role,
            reason: Notice::Transitioned {
                transition: name.to_owned(),
            },
        })
        .collect();
    if let Some(spawn) = &transition.spawns {
        effects.push(Effect::SpawnCase {
            workflow: spawn.workflow.clone(),
            link: spawn.link,
        });
    }
    let event = Event {
        actor: actor.as_event_actor(),
        occurred_at: facts.now,
        kind: EventKind::Transitioned {
            transition: name.to_owned(),
            from: from.clone(),
            to: to.clone(),
            closes,
            fields,
            deadlines_started,
            deadlines_met,
            deadlines_met_on,
            deadlines_cancelled,
            documents: std::collections::BTreeMap::new(),
        },
    };
    Ok(Decision {
        events: vec![event],
        effects,
    })
}

fn decide_journal_entry(
    def: &WorkflowDefinition,
    case: &Case,
    entry: JournalEntry,
    facts: &Facts,
) -> Result<Decision, Rejection> {
    let actor = &facts.actor;
    let journal = def
        .journal
        .as_ref()
        .ok_or_else(|| Rejection::JournalClosed {
            state: case.state().clone(),
        })?;
    if !journal.roles.contains(&actor.role) {
        return Err(Rejection::Forbidden {
            role: actor.role,
            action: "add utredning entries".into(),
        });
    }
    if !actor.reaches(&case.unit) {
        return Err(Rejection::OutsideUnits { role: actor.role });
    }
    if case.is_closed() || !journal.states.contains(case.state()) {
        return Err(Rejection::JournalClosed {
            state: case.state().clone(),
        });
    }
    if !journal.topics.contains(&entry.topic) {
        return Err(Rejection::InvalidInput {
            field: "topic".into(),
            problem: InputProblem::NotAllowed {
                allowed: journal.topics.clone(),
            },
        });
    }
    for (field, text) in [
        ("text", &entry.text),
        ("source", &entry.source),
        ("author.name", &entry.author.name),
        ("author.title", &entry.author.title),
    ] {
        check_text(text).map_err(|problem| Rejection::InvalidInput {
            field: field.into(),
            problem,
        })?;
    }
    if entry.documented_on > crate::local::date(facts.now) {
        return Err(Rejection::InvalidInput {
            field: "documented_on".into(),
            problem: InputProblem::InFuture,
        });
    }
    check_structure(journal, case, &entry)?;
    let event = Event {
        actor: actor.as_event_actor(),
        occurred_at: facts.now,
        kind: EventKind::JournalEntryAdded { entry },
    };
    Ok(Decision {
        events: vec![event],
        effects: Vec::new(),
    })
}

/// The commands that link two existing cases as related, on both: the
/// first for `case`, the second for `other` (ids as the store names
/// them). A case is not linked to itself.
pub fn relate_cases(case: &str, other: &str) -> Result<[Command; 2], Rejection> {
    if case == other {
        return Err(Rejection::InvalidInput {
            field: "other_case".into(),
            problem: InputProblem::NotAllowed {
                allowed: vec!["another case".into()],
            },
        });
    }
    let link = |other_case: &str, end| Command::Link {
        other_case: other_case.to_owned(),
        link: LinkKind::RelatedTo,
        end,
    };
    Ok([link(other, LinkEnd::Origin), link(case, LinkEnd::Opened)])
}

/// The commands that mark `duplicate` as a duplicate of `original` (the
/// earlier report of the same matter): the first for the duplicate, the
/// second for the original (ids as the store names them). Both cases keep
/// their numbers and histories; the duplicate is closed where it stands and
/// left out of the counts. A duplicate is of the same lifecycle as its
/// original, is not marked twice, and points at an original that is not a
/// duplicate itself (so a count never depends on a chain of marks).
pub fn mark_duplicate(
    duplicate_id: &str,
    duplicate: &Case,
    original_id: &str,
    original: &Case,
) -> Result<[Command; 2], Rejection> {
    let invalid = |problem| {
        Err(Rejection::InvalidInput {
            field: "original_case".into(),
            problem,
        })
    };
    if duplicate_id == original_id {
        return invalid(InputProblem::NotAllowed {
            allowed: vec!["another case".into()],
        });
    }
    if duplicate.workflow.name != original.workflow.name {
        return invalid(InputProblem::OtherLifecycle {
            workflow: duplicate.workflow.name.clone(),
        });
    }
    if let Some(of) = original.duplicate_of() {
        return invalid(InputProblem::IsDuplicate { of: of.to_owned() });
    }
    if let Some(of) = duplicate.duplicate_of() {
        return Err(Rejection::InvalidInput {
            field: "case".into(),
            problem: InputProblem::IsDuplicate { of: of.to_owned() },
        });
    }
    let link = |other_case: &str, end| Command::Link {
        other_case: other_case.to_owned(),
        link: LinkKind::DuplicateOf,
        end,
    };
    Ok([
        link(original_id, LinkEnd::Opened),
        link(duplicate_id, LinkEnd::Origin),
    ])
}

/// Linking is open to every role that acts in this lifecycle (files it,
/// takes a transition or writes its journal) and reaches the case's unit,
/// also on a closed case: a later complaint may concern a closed avvikelse.
/// Marking a duplicate closes a case, so it is open only to the roles that
/// take the lifecycle's steps (not to one who only files).
fn decide_link(
    def: &WorkflowDefinition,
    case: &Case,
    other_case: String,
    link: LinkKind,
    end: LinkEnd,
    facts: &Facts,
) -> Result<Decision, Rejection> {
    let actor = &facts.actor;
    let takes_steps = def
        .transitions
        .iter()
        .any(|t| t.roles.contains(&actor.role));
    let acts_here = takes_steps
        || def.filing.roles.contains(&actor.role)
        || def
            .journal
            .as_ref()
            .is_some_and(|j| j.roles.contains(&actor.role));
    if link == LinkKind::DuplicateOf && !takes_steps {
        return Err(Rejection::Forbidden {
            role: actor.role,
            action: format!("mark {} cases as duplicates", def.name()),
        });
    }
    if !acts_here {
        return Err(Rejection::Forbidden {
            role: actor.role,
            action: format!("link {} cases", def.name()),
        });
    }
    if !actor.reaches(&case.unit) {
        return Err(Rejection::OutsideUnits { role: actor.role });
    }
    if other_case.trim().is_empty() {
        return Err(Rejection::InvalidInput {
            field: "other_case".into(),
            problem: InputProblem::Empty,
        });
    }
    if case
        .links
        .iter()
        .any(|l| l.other_case == other_case && l.link == link)
    {
        return Err(Rejection::InvalidInput {
            field: "other_case".into(),
            problem: InputProblem::AlreadyLinked,
        });
    }
    Ok(Decision {
        events: vec![Event {
            actor: actor.as_event_actor(),
            occurred_at: facts.now,
            kind: EventKind::Linked {
                other_case,
                link,
                end,
            },
        }],
        effects: Vec::new(),
    })
}

/// A transition the actor could take now, with what it still lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailableTransition<'d> {
    /// The transition.
    pub transition: &'d Transition,
    /// Requirements the case does not meet yet: the command must supply them.
    pub missing: Vec<Requirement>,
}

/// The transitions `actor` may take on `case` now: from its state, allowed
/// for the actor's role and units, and whose lagrum condition holds. Outcome
/// conditions are left to the command (it may set the outcome itself).
pub fn available_transitions<'d>(
    def: &'d WorkflowDefinition,
    case: &Case,
    actor: &Actor,
) -> Vec<AvailableTransition<'d>> {
    if case.workflow != def.reference {
        return Vec::new();
    }
    def.transitions
        .iter()
        .filter(|t| t.from.contains(case.state()) && (t.reopens || !case.is_closed()))
        .filter(|t| check_actor(t, case, actor).is_ok())
        .filter(|t| {
            t.when
                .lagrum
                .as_ref()
                .is_none_or(|l| l.contains(&case.lagrum))
        })
        .filter(|t| {
            let failed = condition_unmet(def, &t.when, case.lagrum, &case.fields, |f| case.has(f));
            // What the case has recorded rules the step out; a value the
            // command itself may set does not.
            !failed.iter().any(|f| match f {
                FailedCondition::Set { .. }
                | FailedCondition::Unset { .. }
                | FailedCondition::Risk { .. }
                | FailedCondition::Setting { .. } => true,
                FailedCondition::Value { field } => !t.allowed_fields().any(|a| a == field),
                _ => false,
            })
        })
        .map(|t| AvailableTransition {
            transition: t,
            missing: t
                .requires
                .iter()
                .filter(|r| !requirement_met(r, case, &Fields::new()))
                .cloned()
                .collect(),
        })
        .collect()
}

/// Whether `actor` may add utredning journal entries to `case` now.
pub fn can_add_journal_entry(def: &WorkflowDefinition, case: &Case, actor: &Actor) -> bool {
    def.journal.as_ref().is_some_and(|j| {
        !case.is_closed()
            && j.roles.contains(&actor.role)
            && j.states.contains(case.state())
            && actor.reaches(&case.unit)
    })
}

fn check_actor(transition: &Transition, case: &Case, actor: &Actor) -> Result<(), Rejection> {
    if !transition.roles.contains(&actor.role) {
        return Err(Rejection::Forbidden {
            role: actor.role,
            action: format!("take transition \"{}\"", transition.name),
        });
    }
    if !actor.reaches(&case.unit) {
        return Err(Rejection::OutsideUnits { role: actor.role });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relating_two_cases_links_each_to_the_other() {
        let [here, there] = relate_cases("a", "b").expect("two cases may be related");
        assert_eq!(
            here,
            Command::Link {
                other_case: "b".into(),
                link: LinkKind::RelatedTo,
                end: LinkEnd::Origin,
            }
        );
        assert_eq!(
            there,
            Command::Link {
                other_case: "a".into(),
                link: LinkKind::RelatedTo,
                end: LinkEnd::Opened,
            }
        );
    }

    #[test]
    fn a_case_is_not_related_to_itself() {
        assert_eq!(
            relate_cases("a", "a"),
            Err(Rejection::InvalidInput {
                field: "other_case".into(),
                problem: InputProblem::NotAllowed {
                    allowed: vec!["another case".into()],
                },
            })
        );
    }
}
