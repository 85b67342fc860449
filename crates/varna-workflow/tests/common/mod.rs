//! Shared test harness: loads the real definitions from `workflows/` and
//! drives a case through commands the way the store will, given/when/then.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use varna_workflow::{
    Actor, ActorId, Author, Case, Command, Decision, EntryKind, Event, Facts, Fields, FileCase,
    JournalEntry, Lagrum, Rejection, Role, UnitId, Value, WorkflowDefinition, decide,
    decide_filing, evolve, replay,
};

pub fn catalog() -> varna_workflow::Catalog {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../workflows");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(dir).expect("workflows/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).expect("readable file");
            sources.push((path.display().to_string(), text));
        }
    }
    varna_workflow::Catalog::from_sources(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .unwrap_or_else(|e| panic!("the shipped definitions are invalid:\n{e}"))
}

pub fn definition(name: &str) -> WorkflowDefinition {
    catalog()
        .get(name)
        .unwrap_or_else(|| panic!("no workflow {name}"))
        .clone()
}

pub const UNIT: &str = "vard-och-omsorgsboende-linden";
pub const OTHER_UNIT: &str = "hemtjanst-norr";

pub fn actor(role: Role) -> Actor {
    Actor {
        id: ActorId::new(format!("user-{role}")),
        role,
        units: BTreeSet::from([UnitId::new(UNIT)]),
    }
}

pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("valid time")
}

pub fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

pub fn fields(pairs: &[(&str, Value)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// A case under test: the definition, the events so far and the case they fold into.
pub struct Scenario {
    pub def: WorkflowDefinition,
    pub events: Vec<Event>,
    pub case: Case,
    pub now: DateTime<Utc>,
    pub last: Decision,
}

impl Scenario {
    /// Given: a case filed by `role` under `lagrum` with `fields`.
    pub fn filed(workflow: &str, role: Role, lagrum: Lagrum, filed: Fields) -> Scenario {
        Scenario::filed_at(definition(workflow), start(), role, lagrum, filed)
    }

    /// Given: a case of `def` filed at `now`.
    pub fn filed_at(
        def: WorkflowDefinition,
        now: DateTime<Utc>,
        role: Role,
        lagrum: Lagrum,
        filed: Fields,
    ) -> Scenario {
        let decision = decide_filing(
            &def,
            FileCase {
                lagrum,
                unit: UnitId::new(UNIT),
                fields: filed,
            },
            &Facts {
                actor: actor(role),
                now,
            },
        )
        .unwrap_or_else(|r| panic!("filing refused: {r}"));
        let events = decision.events.clone();
        let case = replay(&events).expect("filing event opens a case");
        Scenario {
            def,
            events,
            case,
            now,
            last: decision,
        }
    }

    /// Moves the clock.
    pub fn after(&mut self, d: Duration) -> &mut Self {
        self.now += d;
        self
    }

    pub fn try_command(&mut self, actor: Actor, command: Command) -> Result<&Decision, Rejection> {
        let decision = decide(
            &self.def,
            &self.case,
            command,
            &Facts {
                actor,
                now: self.now,
            },
        )?;
        for e in &decision.events {
            self.case = evolve(self.case.clone(), e);
            self.events.push(e.clone());
        }
        self.last = decision;
        Ok(&self.last)
    }

    pub fn try_take(
        &mut self,
        role: Role,
        transition: &str,
        set: Fields,
    ) -> Result<&Decision, Rejection> {
        self.try_command(
            actor(role),
            Command::Transition {
                name: transition.to_owned(),
                fields: set,
            },
        )
    }

    /// When `role` takes `transition` (must succeed).
    pub fn take(&mut self, role: Role, transition: &str, set: Fields) -> &mut Self {
        if let Err(r) = self.try_take(role, transition, set) {
            panic!("{role} could not take {transition}: {r}");
        }
        self
    }

    /// When `role` documents `topic` in the utredning journal (must succeed).
    pub fn document(&mut self, role: Role, topic: &str) -> &mut Self {
        let input = journal_entry(topic, self.now.date_naive());
        if let Err(r) = self.try_command(actor(role), Command::AddJournalEntry(input)) {
            panic!("{role} could not document {topic}: {r}");
        }
        self
    }

    /// When `role` adds `entry` to the utredning journal (must succeed);
    /// the entry's number is the journal's length after it.
    pub fn add_entry(&mut self, role: Role, entry: JournalEntry) -> u32 {
        if let Err(r) = self.try_command(actor(role), Command::AddJournalEntry(entry)) {
            panic!("{role} could not add the entry: {r}");
        }
        u32::try_from(self.case.journal.len()).expect("a short journal")
    }

    pub fn state(&self) -> &str {
        self.case.state().as_str()
    }

    /// Then: replaying every event gives the case built step by step.
    pub fn assert_replay_agrees(&self) {
        assert_eq!(replay(&self.events).expect("replays"), self.case);
        assert_eq!(self.case.version, self.events.len() as u64);
    }
}

pub fn journal_entry(topic: &str, on: NaiveDate) -> JournalEntry {
    JournalEntry::new(
        topic,
        format!("Dokumenterat om {topic}"),
        "Samtal med personal",
        EntryKind::Fact,
        on,
        Author {
            name: "Anna Andersson".to_owned(),
            title: "Socialt ansvarig samordnare".to_owned(),
        },
    )
}

/// An entry on `topic` as the journal's structure asks it: an action names
/// the case's first entry on the topic it addresses, an owner and a date; a
/// follow-up names the first entry still without one. `None` when the case
/// has no entry to name yet.
pub fn structured_entry(
    def: &WorkflowDefinition,
    case: &Case,
    topic: &str,
    on: NaiveDate,
) -> Option<JournalEntry> {
    let mut entry = journal_entry(topic, on);
    let Some(structure) = def.journal.as_ref().and_then(|j| j.structure(topic)) else {
        return Some(entry);
    };
    if let Some(addressed) = &structure.addresses {
        let n = (1u32..)
            .zip(&case.journal)
            .find(|(_, e)| &e.topic == addressed)?
            .0;
        entry.addresses = Some(n);
    }
    if let Some(followed) = &structure.follows_up {
        entry.follows_up = Some(*case.not_followed_up(followed).first()?);
    }
    if structure.owner {
        entry.owner = Some("Enhetschef".to_owned());
    }
    if structure.due {
        entry.due_on = Some(on);
    }
    Some(entry)
}

/// Whether a requirement holds on the case (fields, entries, follow-ups).
pub fn requirement_holds(case: &Case, r: &varna_workflow::definition::Requirement) -> bool {
    match r {
        varna_workflow::definition::Requirement::FollowedUp(topic) => {
            case.not_followed_up(topic).is_empty()
        }
        _ => r.fields().iter().any(|f| case.has(f)),
    }
}
