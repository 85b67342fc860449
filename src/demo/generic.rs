//! The demo's cases of a lifecycle it has no script for, made from the
//! definition alone: a filing whose fields take plausible values from their
//! types, and a walk through the lifecycle in which every step is one the
//! engine accepts — its role staffed, its requirements filled, its journal
//! topics written as attributed entries first. So a lifecycle file added to
//! the catalog adds a kind to `varna serve --demo` and to `varna-bench seed`.
//!
//! Invariant: nothing here names a lifecycle, a field or a rule; it reads
//! them from the [`WorkflowDefinition`]. The hand-written stories of
//! [`super::cases`] stay what the demo shows for the kinds they cover.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Days, NaiveDate, Utc};
use varna_web::DemoPerson;
use varna_workflow::definition::{FieldKind, Requirement, Transition};
use varna_workflow::{
    Author, Case, Command, EntryKind, Facts, Fields, FileCase, JournalEntry, Lagrum, Role, StateId,
    UnitId, Value, WorkflowDefinition, decide, decide_filing, evolve, replay,
};

use super::cases::{Dice, Step, actor};

/// The fewest cases the demo files of a lifecycle without a script.
pub const GENERIC_CASES: usize = 12;

/// Neutral sample text for text fields and journal entries: no names, no
/// personal details, no law.
const SENTENCES: [&str; 6] = [
    "Uppgifterna har sammanställts utifrån dokumentationen.",
    "Beskrivningen bygger på samtal med berörd personal.",
    "Underlaget har gåtts igenom och bedöms som fullständigt.",
    "Frågan har tagits upp på veckans arbetsplatsträff.",
    "Kompletterande uppgifter har begärts in och kommit in.",
    "Se tidigare anteckningar i ärendet.",
];

/// Where a journal entry's content came from.
const SOURCES: [&str; 3] = [
    "Samtal med berörd personal",
    "Genomgång av dokumentationen",
    "Uppgifter från verksamheten",
];

/// What a text field that may identify a person holds, where a step
/// requires one (such fields are otherwise left out).
const WITHHELD: &str = "Uppgiften är avidentifierad i demon.";

/// How many cases of `def` the demo files: at least [`GENERIC_CASES`], and
/// three for each state, so that every third case can stop in one.
pub fn generic_count(def: &WorkflowDefinition) -> usize {
    GENERIC_CASES.max(3 * def.states_in_use().len())
}

/// Where a generated case's walk ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aim {
    /// The shortest way to this state, stopping there.
    Reach(StateId),
    /// On until a terminal state, or until no step is possible.
    Finish,
}

impl Aim {
    /// The aim of the case numbered `index` of `def`: every third case
    /// stops in each state in turn (of those the file's settings leave in
    /// use), so every state the demo's people can reach holds a case; the
    /// others are worked to the end.
    pub fn for_case(def: &WorkflowDefinition, index: usize) -> Aim {
        match def.states_in_use().get(index / 3) {
            Some(state) if index.is_multiple_of(3) => Aim::Reach(state.id.clone()),
            _ => Aim::Finish,
        }
    }
}

/// A generated case: who files it, the filing, and the steps after it.
#[derive(Debug)]
pub struct GeneratedCase {
    /// The role that files it.
    pub role: Role,
    /// The filing.
    pub filing: FileCase,
    /// The steps after filing, the `n`th (from 1) taken at `at(n)`.
    pub steps: Vec<Step>,
    /// The case as the filing and every step leave it.
    pub case: Case,
}

/// Generates cases of one lifecycle at one unit, with the people who can
/// act there. Steps act as [`actor`]`(role, unit)`; journal entries are
/// signed with the name and title of the unit's person in that role.
#[derive(Debug, Clone, Copy)]
pub struct Generator<'a> {
    /// The lifecycle.
    pub def: &'a WorkflowDefinition,
    /// The lagrum the cases are filed under (one the lifecycle takes).
    pub lagrum: Lagrum,
    /// The unit they concern.
    pub unit: &'a str,
    /// The people who act at the unit: a role nobody here holds takes no step.
    pub staff: &'a [DemoPerson],
    /// Whether a step may open a linked case (the bench keeps one case per
    /// history).
    pub spawns: bool,
}

/// Steps planned on a copy of the case, and the case after them.
struct Planned {
    /// How many steps come before these (the first of them is taken at
    /// `at(before + 1)`).
    before: usize,
    steps: Vec<Step>,
    case: Case,
}

impl Planned {
    /// The number (from 1) the next step of the case will have.
    fn next(&self) -> usize {
        self.before + self.steps.len() + 1
    }
}

impl Generator<'_> {
    /// A case filed at `filed_at` and walked towards `aim`, the `n`th step
    /// (from 1) at `at(n)`; `None` when nobody at the unit may file it or
    /// the engine refuses the filing.
    pub fn case(
        &self,
        aim: &Aim,
        dice: &mut Dice,
        filed_at: DateTime<Utc>,
        at: &impl Fn(usize) -> DateTime<Utc>,
    ) -> Option<GeneratedCase> {
        // A state may be reachable only from some filings (a reply only
        // when the sender wanted one): a case aimed at it is drawn again,
        // a few times, until it gets there.
        let mut last = None;
        for _ in 0..8 {
            let case = self.case_once(aim, dice, filed_at, at)?;
            match aim {
                Aim::Reach(goal) if case.case.state() != goal => last = Some(case),
                _ => return Some(case),
            }
        }
        last
    }

    fn case_once(
        &self,
        aim: &Aim,
        dice: &mut Dice,
        filed_at: DateTime<Utc>,
        at: &impl Fn(usize) -> DateTime<Utc>,
    ) -> Option<GeneratedCase> {
        let (role, filing) = self.filing(dice, filed_at)?;
        let facts = Facts {
            actor: actor(role, self.unit),
            now: filed_at,
        };
        let events = decide_filing(self.def, filing.clone(), &facts).ok()?.events;
        let mut walk = Planned {
            before: 0,
            steps: Vec::new(),
            case: replay(&events).ok()?,
        };
        let distance = match aim {
            Aim::Reach(goal) => Some(self.distances_to(goal)),
            Aim::Finish => None,
        };
        let mut visited = vec![walk.case.state().clone()];
        let mut taken: Vec<&str> = Vec::new();
        for _ in 0..2 * self.def.transitions.len() + 2 {
            let here = walk.case.state();
            if walk.case.is_closed() || matches!(aim, Aim::Reach(goal) if here == goal) {
                break;
            }
            // Each step is tried with `decide` on a copy of the case rather
            // than read off `available_transitions`, which leaves outcome
            // conditions to the command and rules out a step whose `set`
            // condition an entry written first would meet: the engine's
            // verdict on the whole step is the only exact one.
            let options: Vec<(&Transition, Planned)> = self
                .def
                .transitions
                .iter()
                .filter(|t| t.from.contains(here) && self.usable(t))
                .filter_map(|t| Some((t, self.plan(t, &walk, dice, at)?)))
                .collect();
            let preferred: Vec<(&Transition, Planned)> = match &distance {
                // Only the steps that come closest to the goal.
                Some(distance) => {
                    let Some(&left) = distance.get(here) else {
                        break;
                    };
                    let after = |p: &Planned| distance.get(p.case.state()).copied();
                    let best = options
                        .iter()
                        .filter_map(|(_, p)| after(p))
                        .filter(|d| *d < left)
                        .min();
                    options
                        .into_iter()
                        .filter(|(_, p)| best.is_some() && after(p) == best)
                        .collect()
                }
                // Onwards to a state not yet seen, or a recording step not
                // yet taken; back only when nothing else is possible.
                None => {
                    let (onwards, back): (Vec<_>, Vec<_>) =
                        options.into_iter().partition(|(t, p)| match &t.to {
                            None => !taken.contains(&t.name.as_str()),
                            Some(_) => !visited.contains(p.case.state()),
                        });
                    if onwards.is_empty() { back } else { onwards }
                }
            };
            let pick = dice.below(preferred.len());
            let Some((t, planned)) = preferred.into_iter().nth(pick) else {
                break;
            };
            visited.push(planned.case.state().clone());
            taken.push(&t.name);
            walk.steps.extend(planned.steps);
            walk.case = planned.case;
        }
        Some(GeneratedCase {
            role,
            filing,
            steps: walk.steps,
            case: walk.case,
        })
    }

    /// A filing by the first of the lifecycle's filing roles that someone
    /// at the unit holds: every required field, and about half the accepted
    /// ones, with dates some days before the filing.
    fn filing(&self, dice: &mut Dice, filed_at: DateTime<Utc>) -> Option<(Role, FileCase)> {
        let role = self.role_for(&self.def.filing.roles)?;
        let back = u64::try_from(dice.below(7)).unwrap_or(0);
        let day = filed_at.date_naive() - Days::new(back);
        let mut fields = Fields::new();
        for requirement in &self.def.filing.requires {
            let choices = requirement.fields();
            if let Some(name) = choices.get(dice.below(choices.len())) {
                fields.insert(name.clone(), self.value(name, day, dice)?);
            }
        }
        for name in &self.def.filing.accepts {
            if self.optional(name) && !fields.contains_key(name) && dice.below(2) == 0 {
                fields.insert(name.clone(), self.value(name, day, dice)?);
            }
        }
        Some((
            role,
            FileCase {
                lagrum: self.lagrum,
                unit: UnitId::new(self.unit),
                fields,
            },
        ))
    }

    /// Whether the walk may take `t` at all: not a reopening, for the
    /// cases' lagrum, by a role someone here holds.
    fn usable(&self, t: &Transition) -> bool {
        !t.reopens
            && (self.spawns || t.spawns.is_none())
            && t.when
                .lagrum
                .as_ref()
                .is_none_or(|l| l.contains(&self.lagrum))
            && self.role_for(&t.roles).is_some()
    }

    /// How many usable transitions each state is from `goal`.
    fn distances_to(&self, goal: &StateId) -> BTreeMap<StateId, usize> {
        let mut distance = BTreeMap::from([(goal.clone(), 0)]);
        let mut queue = VecDeque::from([goal.clone()]);
        while let Some(state) = queue.pop_front() {
            let next = distance.get(&state).map_or(0, |d| d + 1);
            for t in &self.def.transitions {
                if t.to.as_ref() != Some(&state) || !self.usable(t) {
                    continue;
                }
                for from in &t.from {
                    if !distance.contains_key(from) {
                        distance.insert(from.clone(), next);
                        queue.push_back(from.clone());
                    }
                }
            }
        }
        distance
    }

    /// Transition `t` after `walk`'s steps, with what it needs first: the
    /// journal entries on the topics it requires (or whose presence its
    /// condition asks), a follow-up for every entry it wants followed up,
    /// and the fields it requires, its conditions' values and some of what
    /// it accepts. `None` when the engine refuses any of it.
    fn plan(
        &self,
        t: &Transition,
        walk: &Planned,
        dice: &mut Dice,
        at: &impl Fn(usize) -> DateTime<Utc>,
    ) -> Option<Planned> {
        let role = self.role_for(&t.roles)?;
        let mut plan = Planned {
            before: walk.next() - 1,
            steps: Vec::new(),
            case: walk.case.clone(),
        };
        let mut topics = Vec::new();
        let mut wanted = Vec::new();
        for requirement in &t.requires {
            let choices = requirement.fields();
            if choices.iter().any(|f| plan.case.has(f)) {
                continue;
            }
            if let Some(name) = choices.get(dice.below(choices.len())) {
                if self.is_topic(name) {
                    topics.push(name.clone());
                } else {
                    wanted.push(name.clone());
                }
            }
        }
        topics.extend(
            t.when
                .set
                .iter()
                .filter(|f| self.is_topic(f) && !plan.case.has(f))
                .cloned(),
        );
        for topic in &topics {
            self.write(topic, None, &mut plan, dice, at, 0)?;
        }
        for requirement in &t.requires {
            if let Requirement::FollowedUp(topic) = requirement {
                let follow_up = self.follow_up_topic(topic)?;
                for entry in plan.case.not_followed_up(topic) {
                    self.write(&follow_up, Some(entry), &mut plan, dice, at, 0)?;
                }
            }
        }
        let now = at(plan.next());
        let day = now.date_naive();
        let mut fields = Fields::new();
        for name in &wanted {
            fields.insert(name.clone(), self.value(name, day, dice)?);
        }
        let allowed: Vec<&str> = t.allowed_fields().collect();
        if let (Some(outcomes), Some(field)) = (&t.when.outcome, self.def.outcome_field())
            && allowed.contains(&field.name.as_str())
            && let Some(outcome) = outcomes.get(dice.below(outcomes.len()))
        {
            fields.insert(field.name.clone(), Value::Text(outcome.clone()));
        }
        for (name, values) in &t.when.values {
            let holds = |v: Option<&Value>| v.is_some_and(|v| values.contains(v));
            if allowed.contains(&name.as_str())
                && !holds(fields.get(name).or_else(|| plan.case.fields.get(name)))
                && let Some(value) = values.get(dice.below(values.len()))
            {
                fields.insert(name.clone(), value.clone());
            }
        }
        for name in &t.accepts {
            if self.optional(name)
                && !fields.contains_key(name)
                && !plan.case.has(name)
                && dice.below(2) == 0
            {
                fields.insert(name.clone(), self.value(name, day, dice)?);
            }
        }
        let command = Command::Transition {
            name: t.name.clone(),
            fields,
        };
        self.apply(role, command, now, &mut plan)?;
        Some(plan)
    }

    /// Writes a journal entry on `topic` into `plan`, with what its topic's
    /// structure asks: the latest entry on the topic it addresses, the
    /// entry it follows up (`follows` or the first one not followed up yet),
    /// each written first where the case has none; an owner and a date.
    /// Returns the entry's number.
    fn write(
        &self,
        topic: &str,
        follows: Option<u32>,
        plan: &mut Planned,
        dice: &mut Dice,
        at: &impl Fn(usize) -> DateTime<Utc>,
        depth: usize,
    ) -> Option<u32> {
        let journal = self.def.journal.as_ref()?;
        if depth > journal.structured.len() {
            return None;
        }
        let role = self.role_for(&journal.roles)?;
        let person = self.staff.iter().find(|p| p.role == role)?;
        let structure = journal.structure(topic);
        let mut entry_on = |of: &String, plan: &mut Planned, first: Option<u32>| {
            let existing = first.or_else(|| {
                (1u32..)
                    .zip(&plan.case.journal)
                    .filter(|(_, e)| &e.topic == of)
                    .map(|(n, _)| n)
                    .last()
            });
            match existing {
                Some(n) => Some(n),
                None => self.write(of, None, plan, dice, at, depth + 1),
            }
        };
        let addresses = match structure.and_then(|s| s.addresses.as_ref()) {
            Some(of) => Some(entry_on(of, plan, None)?),
            None => None,
        };
        let follows_up = match structure.and_then(|s| s.follows_up.as_ref()) {
            Some(of) => {
                let open = follows.or_else(|| plan.case.not_followed_up(of).first().copied());
                Some(entry_on(of, plan, open)?)
            }
            None => None,
        };
        let now = at(plan.next());
        let day = now.date_naive();
        let kind = if dice.below(2) == 0 {
            EntryKind::Fact
        } else {
            EntryKind::Assessment
        };
        let mut entry = JournalEntry::new(
            topic,
            *dice.pick(&SENTENCES),
            *dice.pick(&SOURCES),
            kind,
            day,
            Author {
                name: person.name.clone(),
                title: person.title.clone(),
            },
        );
        entry.addresses = addresses;
        entry.follows_up = follows_up;
        if structure.is_some_and(|s| s.owner) {
            entry.owner = Some(person.title.clone());
        }
        if structure.is_some_and(|s| s.due) {
            entry.due_on = day.checked_add_days(Days::new(14));
        }
        self.apply(role, Command::AddJournalEntry(entry), now, plan)?;
        u32::try_from(plan.case.journal.len()).ok()
    }

    /// Decides `command` on the planned case and, when the engine accepts
    /// it, records the step and its events.
    fn apply(
        &self,
        role: Role,
        command: Command,
        now: DateTime<Utc>,
        plan: &mut Planned,
    ) -> Option<()> {
        let facts = Facts {
            actor: actor(role, self.unit),
            now,
        };
        let decision = decide(self.def, &plan.case, command.clone(), &facts).ok()?;
        plan.case = decision.events.iter().fold(plan.case.clone(), evolve);
        plan.steps.push(Step { role, command });
        Some(())
    }

    /// The first of `roles` that someone at the unit holds.
    fn role_for(&self, roles: &[Role]) -> Option<Role> {
        roles
            .iter()
            .copied()
            .find(|r| self.staff.iter().any(|p| p.role == *r))
    }

    fn is_topic(&self, field: &str) -> bool {
        self.def
            .journal
            .as_ref()
            .is_some_and(|j| j.topics.iter().any(|t| t == field))
    }

    /// The journal topic whose entries follow up entries on `topic`.
    fn follow_up_topic(&self, topic: &str) -> Option<String> {
        let journal = self.def.journal.as_ref()?;
        journal
            .structured
            .iter()
            .find(|s| s.follows_up.as_deref() == Some(topic))
            .map(|s| s.topic.clone())
    }

    /// Whether an accepted field may be filled by chance: a declared field
    /// that is no journal topic and identifies no one.
    fn optional(&self, name: &str) -> bool {
        !self.is_topic(name) && self.def.field(name).is_some_and(|f| !f.personal)
    }

    /// A plausible value for field `name`, from its type; dates are `day`.
    fn value(&self, name: &str, day: NaiveDate, dice: &mut Dice) -> Option<Value> {
        let spec = self.def.field(name)?;
        Some(match &spec.kind {
            FieldKind::Text if spec.personal => Value::Text(WITHHELD.to_owned()),
            FieldKind::Text => Value::Text((*dice.pick(&SENTENCES)).to_owned()),
            FieldKind::Date => Value::Text(day.format("%Y-%m-%d").to_string()),
            FieldKind::Boolean => Value::Bool(dice.below(2) == 0),
            FieldKind::Integer { min, max } => {
                let span = u64::try_from(max.checked_sub(*min)?)
                    .ok()?
                    .saturating_add(1);
                min.checked_add(i64::try_from(dice.next_u64() % span).ok()?)
                    .map(Value::Integer)?
            }
            FieldKind::Choice { values } => {
                Value::Text(values.get(dice.below(values.len()))?.clone())
            }
            FieldKind::Outcome => {
                let outcomes = &self.def.outcomes;
                Value::Text(outcomes.get(dice.below(outcomes.len()))?.id.clone())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::demo::org::{UNITS, people_at};

    fn shipped() -> varna_workflow::Catalog {
        crate::workflows::shipped()
            .map_err(|e| e.to_string())
            .expect("the shipped lifecycles are valid")
    }

    fn filed_at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .expect("a time")
    }

    /// The demo's generated cases of `def`, each walked in full, at the
    /// demo's units with their people.
    fn generated(def: &WorkflowDefinition) -> Vec<GeneratedCase> {
        let units: Vec<_> = UNITS
            .iter()
            .filter(|u| def.lagrum.contains(&u.lagrum))
            .collect();
        let at = |n: usize| filed_at() + Duration::hours(6 * i64::try_from(n).unwrap_or(0));
        let mut dice = Dice(0x5EED);
        (0..generic_count(def))
            .map(|i| {
                let unit = dice.pick(&units);
                let staff = people_at(unit.id);
                let generator = Generator {
                    def,
                    lagrum: unit.lagrum,
                    unit: unit.id,
                    staff: &staff,
                    spawns: true,
                };
                generator
                    .case(&Aim::for_case(def, i), &mut dice, filed_at(), &at)
                    .unwrap_or_else(|| panic!("{}: case {i} is filed", def.name()))
            })
            .collect()
    }

    /// Every state holds a generated case, and most cases are worked to the end.
    fn assert_covered(def: &WorkflowDefinition) {
        let cases = generated(def);
        let reached: BTreeSet<&StateId> = cases.iter().map(|c| c.case.state()).collect();
        for state in def.states_in_use() {
            assert!(
                reached.contains(&state.id),
                "{}: no generated case in {}: {reached:?}",
                def.name(),
                state.id
            );
        }
        let closed = cases.iter().filter(|c| c.case.is_closed()).count();
        assert!(
            2 * closed > cases.len(),
            "{}: {closed} of {} closed",
            def.name(),
            cases.len()
        );
    }

    #[test]
    fn the_generator_reaches_every_state_of_every_shipped_lifecycle_from_its_file_alone() {
        // The scripted kinds too: the generator needs no script, so a
        // lifecycle without one is covered like these.
        let catalog = shipped();
        assert!(catalog.len() >= 5, "the five shipped lifecycles");
        for def in catalog.iter() {
            assert_covered(def);
        }
    }

    #[test]
    fn a_lifecycle_no_one_has_seen_is_covered_too() {
        // Made up here: integer, boolean and choice fields, a personal
        // field, a condition on a filed value, and a journal whose actions
        // address causes and are followed up.
        let def = varna_workflow::definition::parse("provarende", TRIAL).expect("a valid file");
        assert_covered(&def);
        let cases = generated(&def);
        assert!(
            cases.iter().any(|c| c
                .case
                .journal
                .iter()
                .any(|e| e.follows_up.is_some() && e.author.title == "Enhetschef")),
            "actions are followed up in the journal, signed by the unit's person"
        );
    }

    #[test]
    fn a_generated_filing_names_no_one_and_dates_nothing_after_it() {
        for def in shipped().iter() {
            for case in generated(def) {
                for (name, value) in &case.filing.fields {
                    let spec = def.field(name).expect("a declared field");
                    if spec.personal {
                        assert!(
                            def.filing
                                .requires
                                .iter()
                                .any(|r| r.fields().contains(name)),
                            "{}: {name} is personal and not required",
                            def.name()
                        );
                        assert_eq!(value, &Value::Text(WITHHELD.to_owned()));
                    }
                    if let Some(day) = value.as_date() {
                        assert!(day <= filed_at().date_naive(), "{}: {name}", def.name());
                    }
                }
            }
        }
    }

    const TRIAL: &str = r#"
[workflow]
name = "provarende"
version = 1
label = { sv = "Provärende", en = "Trial case" }
lagrum = ["SoL", "LSS"]

[[field]]
name = "beskrivning"
type = "text"
label = { sv = "Beskrivning", en = "Description" }

[[field]]
name = "namn"
type = "text"
label = { sv = "Namn", en = "Name" }
personal = true

[[field]]
name = "antal"
type = "integer"
min = 1
max = 5
label = { sv = "Antal", en = "Count" }

[[field]]
name = "bradskande"
type = "boolean"
label = { sv = "Brådskande", en = "Urgent" }

[[field]]
name = "slag"
type = "choice"
values = ["ett", "annat"]
label = { sv = "Slag", en = "Kind" }

[[field]]
name = "upptackt"
type = "date"
label = { sv = "Upptäckt", en = "Found" }

[[field]]
name = "skal"
type = "text"
label = { sv = "Skäl", en = "Reason" }

[[field]]
name = "orsaker"
type = "text"
label = { sv = "Orsaker", en = "Causes" }

[[field]]
name = "atgarder"
type = "text"
label = { sv = "Åtgärder", en = "Actions" }

[[field]]
name = "uppfoljning"
type = "text"
label = { sv = "Uppföljning", en = "Follow-up" }

[filing]
roles = ["reporter", "unit_manager"]
requires = ["beskrivning", "bradskande", "upptackt"]
accepts = ["namn", "slag"]

[[state]]
id = "ny"
kind = "initial"
label = { sv = "Ny", en = "New" }

[[state]]
id = "utredning"
kind = "active"
label = { sv = "Utreds", en = "Investigated" }

[[state]]
id = "klar"
kind = "terminal"
label = { sv = "Klar", en = "Done" }

[[transition]]
name = "starta"
label = { sv = "Starta", en = "Start" }
from = ["ny"]
to = "utredning"
roles = ["unit_manager"]
requires = ["antal"]

[[transition]]
name = "avsluta_bradskande"
label = { sv = "Avsluta", en = "Close" }
from = ["utredning"]
to = "klar"
roles = ["unit_manager"]
requires = ["orsaker", { followed_up = "atgarder" }]
when = { values = { bradskande = [true] } }

[[transition]]
name = "avsluta"
label = { sv = "Avsluta", en = "Close" }
from = ["utredning"]
to = "klar"
roles = ["unit_manager"]
requires = ["atgarder", "namn", { followed_up = "atgarder" }]
when = { values = { bradskande = [false] } }

[[transition]]
name = "ateruppta"
label = { sv = "Återuppta", en = "Reopen" }
from = ["klar"]
to = "utredning"
reopens = true
roles = ["unit_manager"]
requires = ["skal"]

[journal]
roles = ["unit_manager"]
states = ["utredning"]
topics = ["orsaker", "atgarder", "uppfoljning"]

[[journal.structured]]
topic = "atgarder"
addresses = "orsaker"
owner = true
due = true

[[journal.structured]]
topic = "uppfoljning"
follows_up = "atgarder"
"#;
}
