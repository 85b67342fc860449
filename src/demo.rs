//! The demo organisation for `varna serve --demo`: Exempelkommunen, with units in
//! äldreomsorg, hemtjänst, LSS and hälso- och sjukvård, a user for every role, and
//! a year of invented cases driven through the real lifecycles into every state.

use anyhow::{Context, anyhow};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use varna_store::queries::{CaseFilter, GroupBy};
use varna_store::{CaseId, CommandOptions, NewUnit, NewUser, Store};
use varna_workflow::{
    Actor, ActorId, Author, Command, EntryKind, Fields, FileCase, JournalEntryInput, Lagrum,
    Personnummer, Role, UnitId, Value,
};

/// A demo user, as registered in the store and as their token describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DemoUser {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) title: String,
    pub(crate) role: Role,
    /// The units of a unit-scoped role; empty for organisation-wide roles.
    pub(crate) units: Vec<String>,
}

/// What the demo contains.
#[derive(Debug, Clone)]
pub(crate) struct DemoOrganisation {
    pub(crate) users: Vec<DemoUser>,
    pub(crate) units: Vec<String>,
    /// Cases filed by this call, spawned ones included (0 when the store already had cases).
    pub(crate) cases: usize,
}

/// Loads the demo organisation into an EMPTY store (returns Ok with the
/// existing users and `cases: 0` if the store already has cases, so a restart
/// does not duplicate), deterministic for a given `today`.
pub(crate) async fn load(store: &Store, today: DateTime<Utc>) -> anyhow::Result<DemoOrganisation> {
    let users = users();
    let units: Vec<String> = UNITS.iter().map(|u| u.id.to_owned()).collect();
    let existing = store
        .count_cases(&CaseFilter::default())
        .await
        .context("demo: counting existing cases")?;
    if existing > 0 {
        return Ok(DemoOrganisation {
            users,
            units,
            cases: 0,
        });
    }
    for unit in &UNITS {
        store
            .upsert_unit(NewUnit {
                id: unit.id.to_owned(),
                name: unit.name.to_owned(),
                verksamhetsomrade_id: unit.area.to_owned(),
                verksamhetsomrade_name: unit.area_name.to_owned(),
                organisation_id: ORGANISATION.0.to_owned(),
                organisation_name: ORGANISATION.1.to_owned(),
            })
            .await
            .with_context(|| format!("demo: registering unit {}", unit.id))?;
    }
    for user in &users {
        let roles = if user.units.is_empty() {
            vec![(user.role, None)]
        } else {
            user.units
                .iter()
                .map(|u| (user.role, Some(u.clone())))
                .collect()
        };
        store
            .upsert_user(NewUser {
                id: user.id.clone(),
                name: user.name.clone(),
                title: user.title.clone(),
                roles,
            })
            .await
            .with_context(|| format!("demo: registering user {}", user.id))?;
    }
    let plans = plans(today);
    let (cases, commands) = run(store, &users, &plans, today).await?;
    let per_kind = store
        .count_by(&CaseFilter::default(), GroupBy::Kind)
        .await
        .context("demo: counting cases per kind")?;
    let of = |kind: &str| {
        per_kind
            .iter()
            .find(|(k, _)| k.as_deref() == Some(kind))
            .map_or(0, |(_, n)| *n)
    };
    tracing::info!(
        units = units.len(),
        users = users.len(),
        cases,
        commands,
        avvikelser = of("avvikelse"),
        lex_sarah = of("lex-sarah"),
        lex_maria = of("lex-maria"),
        klagomal = of("klagomal"),
        "demo organisation loaded"
    );
    Ok(DemoOrganisation {
        users,
        units,
        cases,
    })
}

// ---- The organisation ------------------------------------------------------

const ORGANISATION: (&str, &str) = ("exempelkommunen", "Exempelkommunen");

/// Skatteverket's test personnummer (passes the Luhn check; nobody's number).
const TEST_PERSONNUMMER: &str = "19121212-1212";
/// The name Skatteverket uses with that number.
const TEST_NAME: &str = "Tolvan Tolvansson";

/// What kind of place a unit is: decides which texts fit and the lagrum mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Boende,
    Hemtjanst,
    Gruppbostad,
    Daglig,
    Hemsjukvard,
}

// Bits for the places a text fits.
const BO: u8 = 1;
const HT: u8 = 2;
const GB: u8 = 4;
const DV: u8 = 8;
const HS: u8 = 16;
const ALL: u8 = BO | HT | GB | DV | HS;

impl Place {
    fn bit(self) -> u8 {
        match self {
            Place::Boende => BO,
            Place::Hemtjanst => HT,
            Place::Gruppbostad => GB,
            Place::Daglig => DV,
            Place::Hemsjukvard => HS,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
struct Unit {
    id: &'static str,
    name: &'static str,
    area: &'static str,
    area_name: &'static str,
    place: Place,
    /// Relative share of the avvikelser and klagomål.
    weight: u32,
}

const LINDEN: usize = 0;
const EKBACKEN: usize = 1;
const HEMTJANST_NORR: usize = 2;
const HEMTJANST_SODER: usize = 3;
const SOLROSEN: usize = 4;
const VERKSTAN: usize = 5;
const HEMSJUKVARD: usize = 6;

const UNITS: [Unit; 7] = [
    Unit {
        id: "linden",
        name: "Lindens vård- och omsorgsboende",
        area: "aldreomsorg",
        area_name: "Äldreomsorg, vård- och omsorgsboende",
        place: Place::Boende,
        weight: 20,
    },
    Unit {
        id: "ekbacken",
        name: "Ekbackens vård- och omsorgsboende",
        area: "aldreomsorg",
        area_name: "Äldreomsorg, vård- och omsorgsboende",
        place: Place::Boende,
        weight: 18,
    },
    Unit {
        id: "hemtjanst-norr",
        name: "Hemtjänst Norr",
        area: "hemtjanst",
        area_name: "Ordinärt boende, hemtjänst",
        place: Place::Hemtjanst,
        weight: 17,
    },
    Unit {
        id: "hemtjanst-soder",
        name: "Hemtjänst Söder",
        area: "hemtjanst",
        area_name: "Ordinärt boende, hemtjänst",
        place: Place::Hemtjanst,
        weight: 15,
    },
    Unit {
        id: "lss-solrosen",
        name: "Gruppbostaden Solrosen",
        area: "lss",
        area_name: "Funktionsstöd, LSS",
        place: Place::Gruppbostad,
        weight: 12,
    },
    Unit {
        id: "lss-daglig-verksamhet",
        name: "Daglig verksamhet Verkstan",
        area: "lss",
        area_name: "Funktionsstöd, LSS",
        place: Place::Daglig,
        weight: 6,
    },
    Unit {
        id: "hsl-hemsjukvard",
        name: "Kommunal hemsjukvård",
        area: "hsl",
        area_name: "Hälso- och sjukvård",
        place: Place::Hemsjukvard,
        weight: 12,
    },
];

fn users() -> Vec<DemoUser> {
    let user = |id: &str, name: &str, title: &str, role: Role, units: &[&str]| DemoUser {
        id: id.to_owned(),
        name: name.to_owned(),
        title: title.to_owned(),
        role,
        units: units.iter().map(|u| (*u).to_owned()).collect(),
    };
    let elderly = ["linden", "ekbacken", "hemtjanst-norr", "hemtjanst-soder"];
    let support = ["lss-solrosen", "lss-daglig-verksamhet", "hsl-hemsjukvard"];
    vec![
        user(
            "rep-linden",
            "Maja Lind",
            "Undersköterska",
            Role::Reporter,
            &["linden"],
        ),
        user(
            "rep-ekbacken",
            "Amina Yusuf",
            "Undersköterska",
            Role::Reporter,
            &["ekbacken"],
        ),
        user(
            "rep-hemtjanst-norr",
            "Ali Hassan",
            "Vårdbiträde",
            Role::Reporter,
            &["hemtjanst-norr"],
        ),
        user(
            "rep-hemtjanst-soder",
            "Petra Olofsson",
            "Undersköterska",
            Role::Reporter,
            &["hemtjanst-soder"],
        ),
        user(
            "rep-solrosen",
            "Jonas Strand",
            "Stödassistent",
            Role::Reporter,
            &["lss-solrosen"],
        ),
        user(
            "rep-verkstan",
            "Elin Sjöberg",
            "Handledare, daglig verksamhet",
            Role::Reporter,
            &["lss-daglig-verksamhet"],
        ),
        user(
            "rep-hemsjukvard",
            "Hanna Larsson",
            "Sjuksköterska",
            Role::Reporter,
            &["hsl-hemsjukvard"],
        ),
        user(
            "um-linden",
            "Eva Berg",
            "Enhetschef, Lindens vård- och omsorgsboende",
            Role::UnitManager,
            &["linden"],
        ),
        user(
            "um-ekbacken",
            "Tomas Lund",
            "Enhetschef, Ekbackens vård- och omsorgsboende",
            Role::UnitManager,
            &["ekbacken"],
        ),
        user(
            "um-hemtjanst",
            "Johan Ek",
            "Enhetschef, hemtjänsten",
            Role::UnitManager,
            &["hemtjanst-norr", "hemtjanst-soder"],
        ),
        user(
            "um-lss",
            "Sofia Nyberg",
            "Enhetschef, LSS",
            Role::UnitManager,
            &["lss-solrosen", "lss-daglig-verksamhet"],
        ),
        user(
            "um-hemsjukvard",
            "Karin Holm",
            "Enhetschef, kommunal hemsjukvård",
            Role::UnitManager,
            &["hsl-hemsjukvard"],
        ),
        user(
            "vc-aldreomsorg",
            "Lars Sundin",
            "Verksamhetschef, äldreomsorg",
            Role::OperationsManager,
            &elderly,
        ),
        user(
            "vc-funktionsstod",
            "Marie Åkesson",
            "Verksamhetschef, funktionsstöd och hälso- och sjukvård",
            Role::OperationsManager,
            &support,
        ),
        user(
            "sas-1",
            "Annika Söderberg",
            "Socialt ansvarig samordnare (SAS)",
            Role::Sas,
            &[],
        ),
        user(
            "mas-1",
            "Mats Andersson",
            "Medicinskt ansvarig sjuksköterska (MAS)",
            Role::Mas,
            &[],
        ),
        user(
            "mar-1",
            "Rut Persson",
            "Medicinskt ansvarig för rehabilitering (MAR)",
            Role::Mar,
            &[],
        ),
        user(
            "committee-1",
            "Anders Wik",
            "Ordförande, vård- och omsorgsnämndens arbetsutskott",
            Role::Committee,
            &[],
        ),
        user(
            "auditor-1",
            "Ingrid Holmberg",
            "Kvalitetsutvecklare",
            Role::Auditor,
            &[],
        ),
        user(
            "admin-1",
            "Olof Ström",
            "Systemförvaltare",
            Role::Admin,
            &[],
        ),
    ]
}

/// The demo user acting in `role` for `unit`, as an engine actor.
fn actor<'u>(
    users: &'u [DemoUser],
    role: Role,
    unit: &str,
) -> anyhow::Result<(Actor, &'u DemoUser)> {
    let user = users
        .iter()
        .find(|u| u.role == role && (u.units.is_empty() || u.units.iter().any(|x| x == unit)))
        .ok_or_else(|| anyhow!("demo: no {role} user for unit {unit}"))?;
    let actor = Actor {
        id: ActorId::new(&user.id),
        role,
        units: user.units.iter().map(UnitId::new).collect(),
    };
    Ok((actor, user))
}

// ---- Randomness and time ---------------------------------------------------

/// A small deterministic generator (xorshift64*): the same demo every time.
#[derive(Debug, Clone)]
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = u64::try_from(hi - lo + 1).unwrap_or(1).max(1);
        lo + i64::try_from(self.next() % span).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// One of `items`, which must not be empty.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        let n = u64::try_from(items.len()).unwrap_or(1).max(1);
        items[usize::try_from(self.next() % n).unwrap_or(0)]
    }

    /// One of `items` by weight; `items` must not be empty.
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut n = self.next() % total.max(1);
        for (item, w) in items {
            if n < u64::from(*w) {
                return *item;
            }
            n -= u64::from(*w);
        }
        items[items.len() - 1].0
    }
}

fn moment(day: NaiveDate, hour: i64, minute: i64) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc() + Duration::hours(hour) + Duration::minutes(minute)
}

/// A filing `age_days` (≥ 1) before `today`: any hour for staff on shift,
/// office hours otherwise (UTC, so 07–16 Swedish time).
fn filing_time(
    dice: &mut Dice,
    today: DateTime<Utc>,
    age_days: i64,
    any_hour: bool,
) -> DateTime<Utc> {
    let day = today.date_naive() - Duration::days(age_days.max(1));
    let hour = if any_hour {
        dice.range(4, 20)
    } else {
        dice.range(6, 14)
    };
    moment(day, hour, dice.range(0, 59))
}

// ---- Plans: what happens to each case, and when ----------------------------

/// A field value that depends on the command's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// A `YYYY-MM-DD` date this many days before the command.
    DaysBefore(i64),
    /// An IVO diarienummer with the command's year.
    Diarienummer(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Transition {
        name: &'static str,
        fields: Fields,
        fills: Vec<(&'static str, Fill)>,
    },
    Entry {
        topic: &'static str,
        text: String,
        source: &'static str,
        kind: EntryKind,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Step {
    at: DateTime<Utc>,
    /// Which case of the plan: 0 is the filed one, then the cases it opens, in order.
    case: usize,
    role: Role,
    action: Action,
}

/// One filing and everything done to it (and to the cases it opens).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    workflow: &'static str,
    /// Number within its kind, for error messages.
    index: usize,
    unit: &'static Unit,
    lagrum: Lagrum,
    filer: Role,
    fields: Fields,
    fills: Vec<(&'static str, Fill)>,
    personnummer: bool,
    filed_at: DateTime<Utc>,
    steps: Vec<Step>,
}

impl Plan {
    /// Moves the whole plan by whole days so that its last step falls on
    /// the day `days_ago` days before `today` (for cases left open in a given state).
    fn anchor_last(&mut self, today: DateTime<Utc>, days_ago: i64) {
        let last = self
            .steps
            .iter()
            .map(|s| s.at)
            .max()
            .unwrap_or(self.filed_at);
        let target = today.date_naive() - Duration::days(days_ago);
        let shift = Duration::days((target - last.date_naive()).num_days());
        self.filed_at += shift;
        for step in &mut self.steps {
            step.at += shift;
        }
    }
}

/// Builds a plan with a moving clock. After `stop`, further steps are dropped.
struct Planner<'d> {
    dice: &'d mut Dice,
    plan: Plan,
    t: DateTime<Utc>,
    case: usize,
    cases: usize,
    stopped: bool,
}

impl<'d> Planner<'d> {
    fn new(
        dice: &'d mut Dice,
        workflow: &'static str,
        index: usize,
        unit: &'static Unit,
        lagrum: Lagrum,
        filer: Role,
        filed_at: DateTime<Utc>,
    ) -> Self {
        Planner {
            dice,
            plan: Plan {
                workflow,
                index,
                unit,
                lagrum,
                filer,
                fields: Fields::new(),
                fills: Vec::new(),
                personnummer: false,
                filed_at,
                steps: Vec::new(),
            },
            t: filed_at,
            case: 0,
            cases: 1,
            stopped: false,
        }
    }

    fn set(&mut self, name: &str, value: impl Into<String>) {
        self.plan
            .fields
            .insert(name.to_owned(), Value::Text(value.into()));
    }

    fn set_value(&mut self, name: &str, value: Value) {
        self.plan.fields.insert(name.to_owned(), value);
    }

    fn set_date(&mut self, name: &'static str, days_before: i64) {
        self.plan.fills.push((name, Fill::DaysBefore(days_before)));
    }

    /// The clock moves `lo..=hi` hours (and some minutes) on.
    fn hours(&mut self, lo: i64, hi: i64) {
        let h = self.dice.range(lo, hi);
        let m = self.dice.range(1, 59);
        self.t += Duration::hours(h) + Duration::minutes(m);
    }

    /// The clock moves `lo..=hi` days on, to office hours.
    fn days(&mut self, lo: i64, hi: i64) {
        let day = self.t.date_naive() + Duration::days(self.dice.range(lo, hi));
        let (h, m) = (self.dice.range(6, 14), self.dice.range(0, 59));
        let at = moment(day, h, m);
        self.t = if at > self.t {
            at
        } else {
            self.t + Duration::minutes(self.dice.range(15, 90))
        };
    }

    fn step(&mut self, role: Role, action: Action) {
        if !self.stopped {
            self.plan.steps.push(Step {
                at: self.t,
                case: self.case,
                role,
                action,
            });
        }
    }

    fn go(&mut self, role: Role, name: &'static str, fields: Fields) {
        self.go_with(role, name, fields, Vec::new());
    }

    fn go_with(
        &mut self,
        role: Role,
        name: &'static str,
        fields: Fields,
        fills: Vec<(&'static str, Fill)>,
    ) {
        self.step(
            role,
            Action::Transition {
                name,
                fields,
                fills,
            },
        );
    }

    /// A transition that opens a case; returns the new case's number in the plan.
    fn spawn(
        &mut self,
        role: Role,
        name: &'static str,
        fields: Fields,
        fills: Vec<(&'static str, Fill)>,
    ) -> usize {
        self.go_with(role, name, fields, fills);
        self.cases += 1;
        self.cases - 1
    }

    fn note(&mut self, role: Role, entry: &Note) {
        self.step(
            role,
            Action::Entry {
                topic: entry.topic,
                text: entry.text.clone(),
                source: entry.source,
                kind: entry.kind,
            },
        );
    }

    fn stop(&mut self) {
        self.stopped = true;
    }

    fn diarienummer(&mut self) -> Fill {
        Fill::Diarienummer(self.dice.range(10_000, 69_999))
    }

    fn finish(self) -> Plan {
        self.plan
    }
}

fn fields(pairs: &[(&str, Value)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

/// How the texts name the person: brukaren, den boende, deltagaren, patienten.
#[derive(Debug, Clone, Copy)]
struct Voice {
    lower: &'static str,
    upper: &'static str,
}

impl Voice {
    fn of(place: Place, lagrum: Lagrum) -> Voice {
        let (lower, upper) = match (place, lagrum) {
            (_, Lagrum::Hsl) | (Place::Hemsjukvard, _) => ("patienten", "Patienten"),
            (Place::Hemtjanst, _) => ("brukaren", "Brukaren"),
            (Place::Daglig, _) => ("deltagaren", "Deltagaren"),
            (Place::Boende | Place::Gruppbostad, _) => ("den boende", "Den boende"),
        };
        Voice { lower, upper }
    }

    fn say(self, template: &str) -> String {
        template
            .replace("{P}", self.upper)
            .replace("{p}", self.lower)
    }
}

/// The lagrum of SoL/LSS work at a place (lex Sarah, klagomål).
fn social_lagrum(place: Place) -> Lagrum {
    match place {
        Place::Boende | Place::Hemtjanst => Lagrum::Sol,
        Place::Gruppbostad | Place::Daglig => Lagrum::Lss,
        Place::Hemsjukvard => Lagrum::Hsl,
    }
}

fn pick_unit(dice: &mut Dice) -> &'static Unit {
    let weights: Vec<(usize, u32)> = UNITS
        .iter()
        .enumerate()
        .map(|(i, u)| (i, u.weight))
        .collect();
    &UNITS[dice.weighted(&weights)]
}

// ---- All plans --------------------------------------------------------------

/// How many avvikelser are filed directly (more are opened by escalations'
/// origins and by klagomål).
const AVVIKELSER: usize = 232;
/// How many klagomål run the plain lifecycle (four more open other cases).
const KLAGOMAL: usize = 26;

fn plans(today: DateTime<Utc>) -> Vec<Plan> {
    let mut dice = Dice(0x5EED_CA5E_2026_0001);
    let mut plans = Vec::new();
    for i in 0..AVVIKELSER {
        // Cases left open long enough to be overdue, in each open state.
        let stall = match i {
            40 => Some(0),
            90 => Some(1),
            150 => Some(2),
            _ => None,
        };
        plans.push(avvikelse_plan(&mut dice, i, today, stall));
    }
    for j in 0..KLAGOMAL {
        let stall = match j {
            0 | 5 => Some(0),
            8 => Some(1),
            2 => Some(2),
            _ => None,
        };
        plans.push(klagomal_plan(&mut dice, j, today, stall));
    }
    for (k, c) in klagomal_avvikelser().iter().enumerate() {
        plans.push(klagomal_avvikelse_plan(&mut dice, KLAGOMAL + k, today, c));
    }
    for (k, c) in sarah_cases().iter().enumerate() {
        plans.push(sarah_plan(&mut dice, k, today, c));
    }
    for (k, c) in maria_cases().iter().enumerate() {
        plans.push(maria_plan(&mut dice, k, today, c));
    }
    plans
}

/// Runs every plan's commands in time order (so the log reads like a year);
/// commands after `today` are left out. Returns (cases, commands).
async fn run(
    store: &Store,
    users: &[DemoUser],
    plans: &[Plan],
    today: DateTime<Utc>,
) -> anyhow::Result<(usize, usize)> {
    let personnummer = Personnummer::parse(TEST_PERSONNUMMER, today.date_naive())
        .map_err(|e| anyhow!("demo: the test personnummer: {e}"))?;
    let mut queue: Vec<(DateTime<Utc>, usize, usize)> = Vec::new();
    for (p, plan) in plans.iter().enumerate() {
        if plan.filed_at > today {
            continue;
        }
        queue.push((plan.filed_at, p, 0));
        queue.extend(
            plan.steps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.at <= today)
                .map(|(s, step)| (step.at, p, s + 1)),
        );
    }
    queue.sort_unstable();
    let mut ids: Vec<Vec<CaseId>> = vec![Vec::new(); plans.len()];
    let mut cases = 0;
    for &(at, p, s) in &queue {
        let plan = &plans[p];
        let (kind, i) = (plan.workflow, plan.index);
        let options = CommandOptions {
            now: Some(at),
            ..CommandOptions::default()
        };
        if s == 0 {
            let (actor, _) = actor(users, plan.filer, plan.unit.id)?;
            let filing = FileCase {
                lagrum: plan.lagrum,
                unit: UnitId::new(plan.unit.id),
                fields: filled(&plan.fields, &plan.fills, at),
            };
            let done = store
                .file_case(
                    kind,
                    filing,
                    plan.personnummer.then_some(&personnummer),
                    &actor,
                    options,
                )
                .await
                .with_context(|| format!("demo: {kind} case {i}: file"))?;
            cases += 1 + done.opened.len();
            ids[p].push(done.case_id);
            ids[p].extend(done.opened);
            continue;
        }
        let step = &plan.steps[s - 1];
        let what = match &step.action {
            Action::Transition { name, .. } => (*name).to_owned(),
            Action::Entry { topic, .. } => format!("journal entry {topic}"),
        };
        let case_id = ids[p]
            .get(step.case)
            .cloned()
            .ok_or_else(|| anyhow!("demo: {kind} case {i}: {what}: the case was never opened"))?;
        let (actor, user) = actor(users, step.role, plan.unit.id)?;
        let command = match &step.action {
            Action::Transition {
                name,
                fields,
                fills,
            } => Command::Transition {
                name: (*name).to_owned(),
                fields: filled(fields, fills, at),
            },
            Action::Entry {
                topic,
                text,
                source,
                kind: entry_kind,
            } => Command::AddJournalEntry(JournalEntryInput {
                topic: (*topic).to_owned(),
                text: text.clone(),
                source: (*source).to_owned(),
                kind: *entry_kind,
                documented_on: at.date_naive(),
                author: Author {
                    name: user.name.clone(),
                    title: user.title.clone(),
                },
            }),
        };
        let done = store
            .execute(&case_id, command, &actor, options)
            .await
            .with_context(|| format!("demo: {kind} case {i}: {what}"))?;
        cases += done.opened.len();
        ids[p].extend(done.opened);
    }
    Ok((cases, queue.len()))
}

fn filled(fields: &Fields, fills: &[(&'static str, Fill)], at: DateTime<Utc>) -> Fields {
    let mut out = fields.clone();
    for (name, fill) in fills {
        let value = match fill {
            Fill::DaysBefore(d) => (at.date_naive() - Duration::days(*d))
                .format("%Y-%m-%d")
                .to_string(),
            Fill::Diarienummer(n) => format!("3.1.1-{n}/{}", at.year()),
        };
        out.insert((*name).to_owned(), Value::Text(value));
    }
    out
}

// ---- Avvikelser --------------------------------------------------------------

type Weights = &'static [(&'static str, u32)];

const SOL_BOENDE: Weights = &[
    ("brist_vid_genomforande_av_insats", 26),
    ("fall", 20),
    ("lakemedel", 12),
    ("dokumentation", 8),
    ("informationsoverforing_samverkan", 8),
    ("bemotande", 7),
    ("hot_och_vald", 7),
    ("forflyttning", 5),
    ("medicinteknisk_produkt", 3),
    ("ovrigt", 4),
];
const SOL_HEMTJANST: Weights = &[
    ("brist_vid_genomforande_av_insats", 34),
    ("fall", 14),
    ("lakemedel", 14),
    ("informationsoverforing_samverkan", 10),
    ("bemotande", 7),
    ("dokumentation", 7),
    ("hot_och_vald", 4),
    ("forflyttning", 3),
    ("medicinteknisk_produkt", 3),
    ("ovrigt", 4),
];
const LSS_GRUPPBOSTAD: Weights = &[
    ("brist_vid_genomforande_av_insats", 28),
    ("hot_och_vald", 18),
    ("lakemedel", 12),
    ("bemotande", 9),
    ("dokumentation", 9),
    ("informationsoverforing_samverkan", 9),
    ("fall", 6),
    ("ovrigt", 6),
    ("forflyttning", 2),
    ("medicinteknisk_produkt", 1),
];
const LSS_DAGLIG: Weights = &[
    ("brist_vid_genomforande_av_insats", 24),
    ("hot_och_vald", 22),
    ("bemotande", 12),
    ("informationsoverforing_samverkan", 12),
    ("ovrigt", 10),
    ("dokumentation", 8),
    ("fall", 8),
    ("lakemedel", 4),
];
const HSL_ANY: Weights = &[
    ("lakemedel", 40),
    ("fall", 22),
    ("informationsoverforing_samverkan", 12),
    ("medicinteknisk_produkt", 10),
    ("dokumentation", 8),
    ("forflyttning", 8),
];

fn category_weights(place: Place, lagrum: Lagrum) -> Weights {
    match (lagrum, place) {
        (Lagrum::Hsl, _) | (_, Place::Hemsjukvard) => HSL_ANY,
        (_, Place::Boende) => SOL_BOENDE,
        (_, Place::Hemtjanst) => SOL_HEMTJANST,
        (_, Place::Gruppbostad) => LSS_GRUPPBOSTAD,
        (_, Place::Daglig) => LSS_DAGLIG,
    }
}

/// What happened, for SoL/LSS avvikelser: (category, places, text). Every
/// category has a text for ALL places.
#[rustfmt::skip]
const SOCIAL_TEXTS: &[(&str, u8, &str)] = &[
    ("fall", ALL, "{P} föll och hittades på golvet. Ingen synlig skada; sjuksköterska kontaktades."),
    ("fall", BO | GB, "{P} hittades sittande på golvet bredvid sängen vid nattillsynen. Larmmattan var inte påslagen."),
    ("fall", BO | HT, "{P} föll i badrummet på väg till toaletten utan rollator. Blåmärke på höger höft."),
    ("fall", HT, "{P} halkade på det blöta golvet i köket under besöket. Ingen synlig skada, men {p} var rädd efteråt."),
    ("fall", BO, "{P} föll ur rullstolen på väg till matsalen; bromsarna var inte låsta."),
    ("fall", DV, "{P} snubblade på en sladd i snickeriet och slog i knät."),
    ("lakemedel", ALL, "Ordinerat läkemedel gavs inte vid lunch; signeringslistan var inte ifylld."),
    ("lakemedel", BO | GB | HT, "Kvällsdosen gavs inte. Dosetten var orörd när morgonpersonalen kom."),
    ("lakemedel", BO | HT, "{P} fick morgondosen två gånger; två medarbetare delade ut läkemedel utan att signera direkt."),
    ("lakemedel", HT, "Dosrullen saknades vid besöket; apoteket hade levererat till fel adress."),
    ("lakemedel", GB, "Läkemedlen följde inte med när {p} var hemma hos sina föräldrar över helgen."),
    ("brist_vid_genomforande_av_insats", ALL, "Insats enligt genomförandeplanen blev inte utförd under passet."),
    ("brist_vid_genomforande_av_insats", HT, "Planerat lunchbesök uteblev; {p} fick ingen lunch."),
    ("brist_vid_genomforande_av_insats", HT, "Kvällsbesöket kom två timmar för sent; {p} hade väntat på hjälp till toaletten."),
    ("brist_vid_genomforande_av_insats", BO | GB, "Dusch enligt genomförandeplanen har inte blivit av på tre veckor."),
    ("brist_vid_genomforande_av_insats", BO | GB | HT, "Nattillsynen klockan två gjordes inte; {p} var vaken och orolig vid morgonbesöket."),
    ("brist_vid_genomforande_av_insats", BO | GB | HT, "Utevistelse enligt beslutet ställdes in på grund av personalbrist, för tredje gången denna månad."),
    ("brist_vid_genomforande_av_insats", DV, "{P} fick inte hjälp med lunchen enligt planen; personalen var upptagen med en annan grupp."),
    ("brist_vid_genomforande_av_insats", GB | DV, "Planerad aktivitet i simhallen ställdes in utan att {p} fick veta det i förväg, vilket ledde till stark oro."),
    ("bemotande", ALL, "{P} upplevde att en medarbetare talade nedlåtande och skyndade på."),
    ("bemotande", BO | HT, "Närstående hörde en medarbetare säga inför andra att {p} var besvärlig."),
    ("bemotande", BO | GB | DV, "En medarbetare skämtade om {p}s vikt inför andra."),
    ("bemotande", HT, "Medarbetaren pratade privat i telefon under hela besöket och svarade inte när {p} frågade något."),
    ("dokumentation", ALL, "Social dokumentation saknas för fem dagar i följd."),
    ("dokumentation", BO | GB | HT, "Genomförandeplanen var inte uppdaterad efter ändrat behov; personalen följde gamla insatser."),
    ("dokumentation", ALL, "En händelse under dagen dokumenterades inte, så kvällspersonalen kände inte till den."),
    ("informationsoverforing_samverkan", ALL, "Viktig information om {p} fördes inte vidare vid rapporten mellan passen."),
    ("informationsoverforing_samverkan", HT, "{P} skrevs ut från sjukhuset utan att hemtjänsten informerades; första besöket kom dagen efter."),
    ("informationsoverforing_samverkan", BO | GB | DV, "Information om {p}s nya kostordning fördes inte vidare vid rapporten."),
    ("informationsoverforing_samverkan", GB | DV, "Gruppbostaden och daglig verksamhet hade olika uppgifter om hur personalen ska agera vid {p}s epileptiska anfall."),
    ("hot_och_vald", ALL, "{P} hotade en medarbetare verbalt under morgonrutinen."),
    ("hot_och_vald", BO | GB, "En boende slog en annan boende i allrummet; ingen synlig skada."),
    ("hot_och_vald", BO | GB | HT, "{P} nöp och rev personal vid kvällsrutinen."),
    ("hot_och_vald", DV, "En deltagare kastade en stol mot en handledare i verkstaden; ingen träffades."),
    ("hot_och_vald", GB | DV, "{P} skadade sig själv, bet sig i handen, efter en konflikt om schemat."),
    ("medicinteknisk_produkt", ALL, "Hjälpmedlet fungerade inte vid användning; felanmälan gjordes."),
    ("medicinteknisk_produkt", BO | GB, "Taklyften stannade mitt i förflyttningen; batteriet var inte laddat."),
    ("medicinteknisk_produkt", HT, "Trygghetslarmet fungerade inte vid provlarm."),
    ("forflyttning", ALL, "{P} gled ner på golvet vid förflyttning från säng till rullstol."),
    ("forflyttning", BO | HT | GB, "Förflyttning gjordes av en medarbetare trots att det enligt ordinationen krävs två personer och lyft."),
    ("ovrigt", ALL, "Brandlarmet löste ut vid matlagning; utrymningen tog längre tid än planerat."),
    ("ovrigt", HT, "Nyckeln till {p}s bostad saknades i nyckelskåpet efter kvällspasset."),
    ("ovrigt", BO | GB, "{P}s kontanter förvarades olåst i ett gemensamt utrymme."),
    ("ovrigt", DV, "Resan till daglig verksamhet uteblev; färdtjänsten hade fel hämtadress."),
];

/// What happened, for HSL avvikelser (any place with health care).
#[rustfmt::skip]
const HEALTH_TEXTS: &[(&str, u8, &str)] = &[
    ("lakemedel", ALL, "Ordinerat läkemedel gavs inte vid lunch; signeringslistan var inte ifylld."),
    ("lakemedel", ALL, "{P} fick fel styrka av ett smärtstillande läkemedel; förpackningarna liknade varandra."),
    ("lakemedel", HT | HS, "Dosrullen saknades vid besöket; apoteket hade levererat till fel adress."),
    ("lakemedel", BO | GB, "Läkemedel vid behov mot oro gavs utan att sjuksköterskan kontaktades enligt ordinationen."),
    ("lakemedel", HS, "Insulinet gavs en timme för sent eftersom besöket flyttats utan att sjuksköterskan fick veta det."),
    ("lakemedel", BO | HT | HS, "{P} fick morgondosen två gånger; signeringen gjordes i efterhand."),
    ("fall", ALL, "{P} föll och fick ett sår på underarmen som sjuksköterskan fick lägga om."),
    ("fall", BO | GB | HS, "{P} hittades på golvet nattetid; fallriskbedömningen var inte uppdaterad efter sjukhusvistelsen."),
    ("fall", HT | HS, "{P} föll i hallen; den ordinerade rollatorn stod kvar i sovrummet."),
    ("informationsoverforing_samverkan", ALL, "Ändrad ordination från läkaren nådde inte den personal som gav läkemedlen."),
    ("informationsoverforing_samverkan", HT | HS, "{P} skrevs ut från sjukhuset utan att hemsjukvården informerades; läkemedelslistan var inte uppdaterad."),
    ("informationsoverforing_samverkan", BO | GB, "Sjuksköterskans ordination om vätskelista fördes inte vidare vid rapporten."),
    ("medicinteknisk_produkt", ALL, "Hjälpmedlet fungerade inte vid användning; felanmälan gjordes."),
    ("medicinteknisk_produkt", BO | GB, "Taklyften stannade mitt i förflyttningen; batteriet var inte laddat."),
    ("medicinteknisk_produkt", BO | HT | HS, "Syrgaskoncentratorn larmade; slangen var knäckt bakom sängen."),
    ("medicinteknisk_produkt", HS, "Blodsockermätaren visade fel värden; den hade inte kontrollerats enligt rutinen."),
    ("dokumentation", ALL, "En ordinerad omvårdnadsåtgärd utfördes men signerades inte; nästa pass gjorde om den."),
    ("dokumentation", HS, "Sårvård dokumenterades i fel patients journal."),
    ("forflyttning", ALL, "{P} gled ner på golvet vid förflyttning från säng till rullstol."),
    ("forflyttning", ALL, "Förflyttning gjordes av en medarbetare trots ordination om två personer och lyft."),
];

/// Causes, actions (each naming the cause it addresses), result, effect: two per category.
const FOLLOW_UPS: &[(&str, [&str; 4])] = &[
    (
        "fall",
        [
            "Fallriskbedömningen var inte uppdaterad efter ändrat hälsotillstånd, och larmmattan hade kopplats ur vid städning.",
            "1) Fysioterapeut uppdaterar fallriskbedömningen (orsak: inaktuell bedömning). 2) Kontroll av larmmattan vid varje passbyte förs in i checklistan (orsak: urkopplat larm).",
            "Fallriskbedömningen är uppdaterad och kontrollen signeras varje pass sedan två veckor.",
            "Inga nya fall under uppföljningsperioden; stickprov visar att kontrollen görs.",
        ],
    ),
    (
        "fall",
        [
            "Rollatorn stod utom räckhåll och belysningen nattetid var för svag.",
            "1) Rollatorn placeras vid sängen enligt genomförandeplanen (orsak: hjälpmedel utom räckhåll). 2) Nattlampa med rörelsesensor installerad (orsak: svag belysning).",
            "Genomförandeplanen är ändrad och nattlampan på plats.",
            "Inga nya fall på fyra veckor; åtgärderna bedöms ha effekt.",
        ],
    ),
    (
        "lakemedel",
        [
            "Signering gjordes i efterhand i stället för direkt vid överlämnandet, och det var oklart vem som hade läkemedelsansvar under passet.",
            "1) Signering direkt vid överlämnandet, genomgånget på arbetsplatsträff (orsak: signering i efterhand). 2) Läkemedelsansvarig utses varje pass och står på tavlan (orsak: oklart ansvar).",
            "Alla med delegering har fått genomgången; ansvarig står på tavlan varje pass.",
            "Sjuksköterskans kontroll av signeringslistorna visar inga luckor senaste månaden.",
        ],
    ),
    (
        "lakemedel",
        [
            "Leveransadressen var inte uppdaterad efter flytt och ingen kontrollerade att leveransen kommit.",
            "1) Adressen rättad hos dosapoteket (orsak: fel adress). 2) Kontroll av leveransen dagen före byte förs in i rutinen (orsak: saknad kontroll).",
            "Rätt adress är registrerad och kontrollen införd.",
            "Två leveranser har kommit rätt; åtgärderna bedöms tillräckliga.",
        ],
    ),
    (
        "brist_vid_genomforande_av_insats",
        [
            "Besöket föll bort vid omplanering i planeringssystemet när en medarbetare sjukanmälde sig.",
            "1) Den som planerar om kontrollerar att alla besök har en utförare innan passet börjar (orsak: bortfall vid omplanering).",
            "Kontrollen görs och dokumenteras dagligen av planeraren.",
            "Inga uteblivna besök sedan åtgärden infördes.",
        ],
    ),
    (
        "brist_vid_genomforande_av_insats",
        [
            "Genomförandeplanen var inte känd för timanställda och vikarier.",
            "1) Genomförandeplanerna ingår i introduktionen och finns lättillgängliga i mobilen (orsak: okänd plan).",
            "Alla timanställda på schemat har gått introduktionen.",
            "Insatserna utförs enligt plan vid uppföljningen; effekten följs upp igen om tre månader.",
        ],
    ),
    (
        "bemotande",
        [
            "Tidspress på morgonpasset och bristande kunskap om bemötande vid demenssjukdom.",
            "1) Reflektionsträffar om värdegrund och bemötande för arbetsgruppen (orsak: kunskap). 2) Extra resurs klockan 7–10 (orsak: tidspress).",
            "Två reflektionsträffar är genomförda och schemat ändrat.",
            "{P} och närstående upplever bemötandet som bättre vid uppföljningssamtalet.",
        ],
    ),
    (
        "bemotande",
        [
            "Arbetsgruppen saknade ett gemensamt förhållningssätt, och synpunkter togs inte upp i gruppen.",
            "1) Gemensamt förhållningssätt tas fram och gås igenom på arbetsplatsträff (orsak: saknat förhållningssätt).",
            "Förhållningssättet finns i genomförandeplanen och är genomgånget.",
            "Inga nya synpunkter på bemötandet under uppföljningsperioden.",
        ],
    ),
    (
        "dokumentation",
        [
            "Det var oklart vem som ansvarar för att uppdatera planen efter vårdplanering.",
            "1) Kontaktpersonens ansvar förtydligat i rutinen, med påminnelse efter varje vårdplanering (orsak: oklart ansvar).",
            "Rutinen är uppdaterad och genomgången.",
            "Egenkontroll av tio planer visar att alla är aktuella.",
        ],
    ),
    (
        "dokumentation",
        [
            "Dokumentationen görs sist på passet och faller bort vid hög arbetsbelastning.",
            "1) Tid för dokumentation schemaläggs varje pass (orsak: dokumentation som faller bort).",
            "Schemat har avsatt tid för dokumentation.",
            "Stickprov visar daglig dokumentation senaste månaden.",
        ],
    ),
    (
        "informationsoverforing_samverkan",
        [
            "Informationen lämnades muntligt och fördes inte in i överlämningen.",
            "1) Skriftlig överlämning vid varje passbyte (orsak: muntlig information som föll bort).",
            "Överlämningsmallen används på alla pass.",
            "Inga nya brister i överlämningen vid uppföljningen.",
        ],
    ),
    (
        "informationsoverforing_samverkan",
        [
            "Kontaktvägarna mellan verksamheterna var oklara och meddelandet gick till fel funktion.",
            "1) Kontaktvägar förtydligade med samverkansparten (orsak: oklara kontaktvägar). 2) Funktionsbrevlådan bevakas dagligen (orsak: meddelande till fel funktion).",
            "Rutinen är uppdaterad och kommunicerad till båda verksamheterna.",
            "De senaste överlämningarna har fungerat; följs upp på nästa samverkansmöte.",
        ],
    ),
    (
        "hot_och_vald",
        [
            "Situationer som utlöser oro var inte kända, och bemötandeplanen saknade strategier för kvällen.",
            "1) Bemötandeplan med strategier tas fram med legitimerad personal och närstående (orsak: saknade strategier).",
            "Bemötandeplanen är klar och känd av arbetsgruppen.",
            "Färre incidenter sedan bemötandeplanen infördes.",
        ],
    ),
    (
        "hot_och_vald",
        [
            "Lokalen är trång vid måltider och personalen har inte gått utbildning i lågaffektivt bemötande.",
            "1) Måltiderna delas upp i två sittningar (orsak: trångt). 2) Utbildning i lågaffektivt bemötande för hela gruppen (orsak: kunskap).",
            "Två sittningar är införda och utbildningen genomförd.",
            "Inga nya hot eller våld vid måltider under uppföljningen.",
        ],
    ),
    (
        "medicinteknisk_produkt",
        [
            "Det fanns ingen rutin för laddning och daglig kontroll av hjälpmedlet.",
            "1) Daglig kontroll och laddning förs in i checklistan (orsak: saknad rutin). 2) Hjälpmedlet servat av leverantören.",
            "Checklistan används och hjälpmedlet är servat.",
            "Inga nya fel; kontrollen görs enligt checklistan.",
        ],
    ),
    (
        "medicinteknisk_produkt",
        [
            "Felanmälan gjordes inte vid tidigare problem eftersom personalen inte visste hur.",
            "1) Instruktion för felanmälan sitter vid hjälpmedlet och gås igenom vid introduktion (orsak: okänd rutin).",
            "Instruktionen är uppsatt och genomgången.",
            "Fel anmäls nu samma dag; åtgärden bedöms tillräcklig.",
        ],
    ),
    (
        "forflyttning",
        [
            "Förflyttningsordinationen var inte känd av vikarien.",
            "1) Förflyttningsordinationerna sitter vid sängen och gås igenom vid introduktion (orsak: okänd ordination).",
            "Ordinationerna är uppsatta och introduktionen uppdaterad.",
            "Förflyttningarna görs enligt ordination vid fysioterapeutens uppföljning.",
        ],
    ),
    (
        "forflyttning",
        [
            "Glidlakanet saknades och medarbetaren förflyttade utan hjälpmedel.",
            "1) Extra glidlakan på varje avdelning (orsak: saknat hjälpmedel). 2) Förflyttningsutbildning med fysioterapeut (orsak: riskbedömning vid förflyttning).",
            "Hjälpmedlen finns på plats och utbildningen är genomförd.",
            "Inga nya händelser vid förflyttning.",
        ],
    ),
    (
        "ovrigt",
        [
            "Rutinen var okänd för nyanställda.",
            "1) Rutinen gås igenom på arbetsplatsträff och ingår i introduktionen (orsak: okänd rutin).",
            "Genomgången på arbetsplatsträff; introduktionen är uppdaterad.",
            "Inga nya händelser av samma slag.",
        ],
    ),
    (
        "ovrigt",
        [
            "Det saknades kvittering vid överlämning mellan passen.",
            "1) Kvitteringslista vid passbyte (orsak: ingen kvittering).",
            "Kvitteringslistan används.",
            "Egenkontroll visar att listan förs varje pass.",
        ],
    ),
];

#[rustfmt::skip]
const IMMEDIATE: &[(&str, &str)] = &[
    ("fall", "Sjuksköterska kontaktades och bedömde {p}; extra tillsyn under natten."),
    ("lakemedel", "Sjuksköterska kontaktades och gav besked om hur dosen skulle hanteras."),
    ("brist_vid_genomforande_av_insats", "Insatsen utfördes så snart det upptäcktes; enhetschefen informerades."),
    ("bemotande", "Enhetschefen pratade med {p} och medarbetaren samma dag."),
    ("hot_och_vald", "Medarbetaren fick avlastning och samtal med enhetschefen samma dag."),
    ("medicinteknisk_produkt", "Hjälpmedlet togs ur bruk och felanmäldes; reservhjälpmedel användes."),
    ("forflyttning", "Sjuksköterska bedömde {p}; förflyttningar görs med två personal tills vidare."),
    ("informationsoverforing_samverkan", "Informationen lämnades vidare direkt när felet upptäcktes."),
    ("dokumentation", "Dokumentationen kompletterades samma dag."),
    ("ovrigt", "Enhetschefen informerades samma dag."),
];

const CLOSING: &[&str] = &[
    "Åtgärderna riktar sig mot de orsaker som identifierats och effekten är följd. Avslutas.",
    "Åtgärderna bedöms tillräckliga; uppföljning sker i enhetens egenkontroll.",
    "Orsakerna är åtgärdade och effekten bedömd. Ärendet avslutas.",
    "Avslutas. Mönstret tas upp i kvartalsanalysen av avvikelser.",
];

const REOPEN: &[&str] = &[
    "Åtgärderna riktar sig inte mot den orsak som identifierats; utred vidare och komplettera åtgärderna.",
    "Effekten av åtgärderna är inte bedömd; följ upp efter fyra veckor innan ärendet avslutas.",
];

const GENDERS: &[(&str, u32)] = &[("kvinna", 55), ("man", 38), ("ej_angivet", 7)];

fn avvikelse_text(dice: &mut Dice, category: &str, place: Place, lagrum: Lagrum) -> &'static str {
    let table = if lagrum == Lagrum::Hsl {
        HEALTH_TEXTS
    } else {
        SOCIAL_TEXTS
    };
    let fitting: Vec<&'static str> = table
        .iter()
        .filter(|(c, mask, _)| *c == category && mask & place.bit() != 0)
        .map(|(_, _, t)| *t)
        .collect();
    if fitting.is_empty() {
        "Händelse som avviker från rutinen; se beskrivning i den sociala dokumentationen."
    } else {
        dice.pick(&fitting)
    }
}

fn follow_up(dice: &mut Dice, category: &str) -> [&'static str; 4] {
    let fitting: Vec<[&'static str; 4]> = FOLLOW_UPS
        .iter()
        .filter(|(c, _)| *c == category)
        .map(|(_, f)| *f)
        .collect();
    if fitting.is_empty() {
        FOLLOW_UPS[FOLLOW_UPS.len() - 1].1
    } else {
        dice.pick(&fitting)
    }
}

fn immediate(category: &str) -> &'static str {
    IMMEDIATE
        .iter()
        .find(|(c, _)| *c == category)
        .map_or("Enhetschefen informerades samma dag.", |(_, t)| *t)
}

fn report_actions_fields(dice: &mut Dice, category: &str, voice: Voice) -> Fields {
    let [causes, actions, result, effect] = follow_up(dice, category);
    fields(&[
        ("causes", text(voice.say(causes))),
        ("actions", text(voice.say(actions))),
        ("result", text(voice.say(result))),
        ("effect_assessment", text(voice.say(effect))),
    ])
}

fn risk_fields(dice: &mut Dice) -> Fields {
    fields(&[
        (
            "risk_probability",
            Value::Integer(dice.pick(&[1, 2, 2, 3, 3, 4])),
        ),
        (
            "risk_consequence",
            Value::Integer(dice.pick(&[1, 2, 2, 2, 3, 4])),
        ),
    ])
}

/// Who closes an avvikelse, and with which transition.
fn closer(dice: &mut Dice, lagrum: Lagrum, category: &str) -> (Role, &'static str) {
    if lagrum == Lagrum::Hsl {
        let rehab = matches!(category, "fall" | "forflyttning" | "medicinteknisk_produkt");
        let role = if dice.chance(10) {
            Role::OperationsManager
        } else if rehab && dice.chance(75) {
            Role::Mar
        } else {
            Role::Mas
        };
        (role, "close_health")
    } else {
        let role = if dice.chance(25) {
            Role::OperationsManager
        } else {
            Role::Sas
        };
        (role, "close_social")
    }
}

/// A plain avvikelse, filed `i` steps into a year (0 is the newest); `stall`
/// leaves it open after that many transitions, however old it is.
fn avvikelse_plan(dice: &mut Dice, i: usize, today: DateTime<Utc>, stall: Option<usize>) -> Plan {
    let unit = pick_unit(dice);
    let place = unit.place;
    let lagrum = match place {
        Place::Boende if dice.chance(18) => Lagrum::Hsl,
        Place::Hemtjanst if dice.chance(12) => Lagrum::Hsl,
        Place::Gruppbostad if dice.chance(8) => Lagrum::Hsl,
        _ => social_lagrum(place),
    };
    let voice = Voice::of(place, lagrum);
    let category = dice.weighted(category_weights(place, lagrum));
    let what = avvikelse_text(dice, category, place, lagrum);
    let filer = dice.weighted(&[
        (Role::Reporter, 60),
        (Role::UnitManager, 32),
        (Role::OperationsManager, 3),
        (
            if lagrum == Lagrum::Hsl {
                Role::Mas
            } else {
                Role::Sas
            },
            5,
        ),
    ]);
    let age = 1 + i64::try_from(i * 364 / AVVIKELSER).unwrap_or(364) + dice.range(0, 1);
    let filed_at = filing_time(dice, today, age, filer == Role::Reporter);
    let occurred = dice.weighted(&[(0, 70), (1, 20), (2, 6), (4, 4)]);
    let system = dice.chance(
        if matches!(
            category,
            "dokumentation" | "informationsoverforing_samverkan"
        ) {
            45
        } else {
            6
        },
    );
    let gender = dice.weighted(GENDERS);
    let with_gender = !system || dice.chance(30);
    let with_immediate = dice.chance(55);
    let early_risk = filer != Role::Reporter && dice.chance(50);
    let stall = stall.or_else(|| {
        if age <= 35 {
            None
        } else {
            dice.weighted(&[(Some(0), 3), (Some(1), 3), (Some(2), 2), (None, 92)])
        }
    });

    let mut p = Planner::new(dice, "avvikelse", i, unit, lagrum, filer, filed_at);
    p.set("what_happened", voice.say(what));
    p.set_date("occurred_on", occurred);
    p.set("category", category);
    p.set(
        "avvikelse_type",
        if system { "system" } else { "brukarrelaterad" },
    );
    if with_gender {
        p.set("affected_gender", gender);
    }
    if with_immediate {
        p.set("immediate_actions", voice.say(immediate(category)));
    }
    if early_risk {
        let risk = risk_fields(p.dice);
        p.plan.fields.extend(risk);
    }
    if stall == Some(0) {
        p.stop();
    }
    let investigator = if p.dice.chance(8) {
        Role::OperationsManager
    } else {
        Role::UnitManager
    };
    p.days(1, 6);
    let start = if early_risk {
        Fields::new()
    } else {
        risk_fields(p.dice)
    };
    p.go(investigator, "start_investigation", start);
    if stall == Some(1) {
        p.stop();
    }
    p.days(3, 18);
    let report = report_actions_fields(p.dice, category, voice);
    p.go(investigator, "report_actions", report);
    if stall == Some(2) {
        p.stop();
    }
    let (closer, close) = closer(p.dice, lagrum, category);
    if p.dice.chance(6) {
        p.days(1, 6);
        let reason = p.dice.pick(REOPEN);
        p.go(closer, "reopen", fields(&[("reopen_reason", text(reason))]));
        p.days(4, 14);
        let report = report_actions_fields(p.dice, category, voice);
        p.go(investigator, "report_actions", report);
    }
    p.days(1, 12);
    let assessment = p.dice.pick(CLOSING);
    p.go(
        closer,
        close,
        fields(&[("closing_assessment", text(assessment))]),
    );
    p.finish()
}

/// How far an avvikelse gets before it is escalated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Registered,
    UnderInvestigation,
    ActionsTaken,
}

/// The avvikelse a lex Sarah or lex Maria case grows out of.
#[derive(Debug, Clone, Copy)]
struct Escalation {
    filer: Role,
    category: &'static str,
    stage: Stage,
    by: Role,
    reason: &'static str,
}

/// The matter an escalated avvikelse is about.
#[derive(Debug, Clone, Copy)]
struct Matter {
    what: &'static str,
    immediate: &'static str,
    gender: &'static str,
}

/// Files an avvikelse about `m` and escalates it; the planner is left on the opened case.
fn escalate<'d>(
    dice: &'d mut Dice,
    index: usize,
    unit: &'static Unit,
    lagrum: Lagrum,
    filed_at: DateTime<Utc>,
    e: Escalation,
    m: Matter,
) -> Planner<'d> {
    let Matter {
        what,
        immediate,
        gender,
    } = m;
    let voice = Voice::of(unit.place, lagrum);
    let mut p = Planner::new(dice, "avvikelse", index, unit, lagrum, e.filer, filed_at);
    p.set("what_happened", voice.say(what));
    p.set_date("occurred_on", 0);
    p.set("category", e.category);
    p.set("avvikelse_type", "brukarrelaterad");
    if e.stage != Stage::Registered {
        p.days(0, 2);
        let risk = fields(&[
            ("risk_probability", Value::Integer(3)),
            ("risk_consequence", Value::Integer(4)),
        ]);
        p.go(Role::UnitManager, "start_investigation", risk);
    }
    if e.stage == Stage::ActionsTaken {
        p.days(5, 12);
        let report = report_actions_fields(p.dice, e.category, voice);
        p.go(Role::UnitManager, "report_actions", report);
        p.days(2, 6);
    } else {
        p.hours(2, 20);
    }
    let name = if lagrum == Lagrum::Hsl {
        "escalate_to_lex_maria"
    } else {
        "escalate_to_lex_sarah"
    };
    let opened = p.spawn(
        e.by,
        name,
        fields(&[
            ("escalation_reason", text(e.reason)),
            ("affected_gender", text(gender)),
            ("immediate_actions", text(voice.say(immediate))),
        ]),
        Vec::new(),
    );
    p.case = opened;
    p
}

// ---- Lex Sarah -------------------------------------------------------------

/// The person's own view, or why it could not be had.
#[derive(Debug, Clone, Copy)]
enum View {
    Given(&'static str),
    NotPossible(&'static str),
}

/// An invented lex Sarah matter, with everything its utredning documents.
#[derive(Debug)]
struct SarahStory {
    category: &'static str,
    what: &'static str,
    noticed: &'static str,
    immediate: &'static str,
    consequences: &'static str,
    causes: &'static str,
    earlier: &'static str,
    recurrence: &'static str,
    actions: &'static str,
    view: View,
    other: Option<&'static str>,
    outcome: &'static str,
    conclusion: &'static str,
    obvious: &'static str,
}

/// Where a lex Sarah case is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SarahEnd {
    Received,
    Acknowledged,
    /// In utredning with this many journal entries.
    Utredning(usize),
    Bedomning,
    IvoDecision,
    AnmalanDecided,
    Anmald,
    AfterEarlyAnmalan,
    ClosedEarlyAnmalan,
    ClosedNotSerious,
    ClosedAfterAnmalan,
    /// The committee sent the first (serious) ruling back; SAS ruled again.
    ClosedReturned {
        first_conclusion: &'static str,
        motivation: &'static str,
    },
}

/// When a scripted case happens.
#[derive(Debug, Clone, Copy)]
enum When {
    /// Filed this many days ago.
    Age(i64),
    /// Its last step (where it is left) this many days ago.
    LastStep(i64),
}

#[derive(Debug, Clone, Copy)]
enum Origin {
    Report(Role),
    Avvikelse(Escalation),
    Klagomal,
}

#[derive(Debug)]
struct SarahCase {
    story: &'static SarahStory,
    unit: usize,
    gender: &'static str,
    end: SarahEnd,
    origin: Origin,
    when: When,
    personal: bool,
}

/// A journal entry to be written.
#[derive(Debug, Clone)]
struct Note {
    topic: &'static str,
    text: String,
    source: &'static str,
    kind: EntryKind,
}

fn note(topic: &'static str, text: String, source: &'static str, kind: EntryKind) -> Note {
    Note {
        topic,
        text,
        source,
        kind,
    }
}

fn sarah_notes(s: &SarahStory, voice: Voice) -> Vec<(Role, Note)> {
    use EntryKind::{Assessment, Fact};
    let view = match s.view {
        View::Given(t) => note(
            "affected_person_view",
            voice.say(t),
            "Samtal med den enskilde och närstående",
            Fact,
        ),
        View::NotPossible(t) => note(
            "affected_person_view_not_possible",
            voice.say(t),
            "SAS anteckning",
            Fact,
        ),
    };
    let mut notes = vec![
        (
            Role::Sas,
            note(
                "what_happened",
                voice.say(s.what),
                "Samtal med rapportören och berörd personal",
                Fact,
            ),
        ),
        (
            Role::Sas,
            note(
                "noticed_how",
                voice.say(s.noticed),
                "Rapporten och samtal med rapportören",
                Fact,
            ),
        ),
        (
            Role::Sas,
            note(
                "consequences",
                voice.say(s.consequences),
                "Samtal med sjuksköterska och genomgång av dokumentationen",
                Fact,
            ),
        ),
        (
            Role::Sas,
            note(
                "earlier_similar_events",
                voice.say(s.earlier),
                "Sökning i avvikelser, klagomål och lex Sarah-rapporter 24 månader bakåt",
                Fact,
            ),
        ),
        (Role::Sas, view),
        (
            Role::Sas,
            note(
                "causes",
                voice.say(s.causes),
                "Intervjuer med personal och enhetschef; genomgång av rutiner",
                Assessment,
            ),
        ),
        (
            Role::UnitManager,
            note(
                "actions",
                voice.say(s.actions),
                "Enhetschefens handlingsplan",
                Fact,
            ),
        ),
        (
            Role::Sas,
            note(
                "recurrence_risk",
                voice.say(s.recurrence),
                "SAS bedömning utifrån utredningen",
                Assessment,
            ),
        ),
    ];
    if let Some(other) = s.other {
        notes.push((
            Role::Sas,
            note(
                "other_findings",
                voice.say(other),
                "Utredningen",
                Assessment,
            ),
        ));
    }
    notes
}

fn ruling(outcome: &str, conclusion: String) -> Fields {
    fields(&[("outcome", text(outcome)), ("conclusion", text(conclusion))])
}

/// Drives a lex Sarah case (the planner's current case, in `received`) to `end`.
fn sarah_path(p: &mut Planner<'_>, s: &SarahStory, end: SarahEnd, voice: Voice) {
    use SarahEnd as E;
    if end == E::Received {
        p.stop();
        return;
    }
    p.hours(1, 5);
    p.go(Role::Sas, "acknowledge", Fields::new());
    if end == E::Acknowledged {
        p.stop();
        return;
    }
    let notes = sarah_notes(s, voice);
    if matches!(end, E::AfterEarlyAnmalan | E::ClosedEarlyAnmalan) {
        p.hours(4, 26);
        let by = if end == E::AfterEarlyAnmalan {
            Role::Committee
        } else {
            Role::Sas
        };
        let dnr = p.diarienummer();
        p.go_with(
            by,
            "early_ivo_anmalan",
            fields(&[("obvious_seriousness", text(voice.say(s.obvious)))]),
            vec![
                ("anmalan_date", Fill::DaysBefore(0)),
                ("ivo_diarienummer", dnr),
            ],
        );
        p.days(0, 1);
        let first = note(
            "immediate_actions",
            voice.say(s.immediate),
            "Enhetschefens redovisning",
            EntryKind::Fact,
        );
        p.note(Role::UnitManager, &first);
        let take = if end == E::AfterEarlyAnmalan {
            4
        } else {
            notes.len()
        };
        for (role, n) in notes.iter().take(take) {
            p.days(1, 4);
            p.note(*role, n);
        }
        if end == E::AfterEarlyAnmalan {
            p.stop();
            return;
        }
        p.days(1, 4);
        p.go_with(
            Role::Sas,
            "send_utredning_to_ivo",
            ruling(s.outcome, voice.say(s.conclusion)),
            vec![("complement_sent_on", Fill::DaysBefore(0))],
        );
        return;
    }
    p.hours(4, 40);
    p.go(
        Role::UnitManager,
        "document_immediate_actions",
        fields(&[("immediate_actions", text(voice.say(s.immediate)))]),
    );
    let take = match end {
        E::Utredning(n) => n,
        _ => notes.len(),
    };
    for (role, n) in notes.iter().take(take) {
        p.days(1, 4);
        p.note(*role, n);
    }
    if matches!(end, E::Utredning(_)) {
        p.stop();
        return;
    }
    p.days(1, 4);
    p.go(Role::Sas, "complete_utredning", Fields::new());
    if end == E::Bedomning {
        p.stop();
        return;
    }
    p.days(1, 4);
    match end {
        E::ClosedNotSerious => {
            p.go(
                Role::Sas,
                "rule_not_serious",
                ruling(s.outcome, voice.say(s.conclusion)),
            );
        }
        E::ClosedReturned {
            first_conclusion,
            motivation,
        } => {
            p.go(
                Role::Sas,
                "rule_serious",
                ruling(
                    "risk_of_serious_missforhallande",
                    voice.say(first_conclusion),
                ),
            );
            p.days(4, 9);
            p.go(
                Role::Committee,
                "return_for_reassessment",
                fields(&[("decision_motivation", text(voice.say(motivation)))]),
            );
            p.days(2, 6);
            p.go(
                Role::Sas,
                "rule_not_serious",
                ruling(s.outcome, voice.say(s.conclusion)),
            );
        }
        _ => {
            p.go(
                Role::Sas,
                "rule_serious",
                ruling(s.outcome, voice.say(s.conclusion)),
            );
            if end == E::IvoDecision {
                p.stop();
                return;
            }
            p.days(4, 9);
            p.go(
                Role::Committee,
                "decide_ivo_anmalan",
                fields(&[(
                    "decision_motivation",
                    text(
                        "Arbetsutskottet delar SAS bedömning. Anmälan ska göras till IVO snarast.",
                    ),
                )]),
            );
            if end == E::AnmalanDecided {
                p.stop();
                return;
            }
            p.days(1, 3);
            let dnr = p.diarienummer();
            p.go_with(
                Role::Sas,
                "register_ivo_anmalan",
                Fields::new(),
                vec![
                    ("anmalan_date", Fill::DaysBefore(0)),
                    ("ivo_diarienummer", dnr),
                ],
            );
            if end == E::Anmald {
                p.stop();
                return;
            }
            p.days(10, 30);
            p.go(Role::Sas, "close_after_anmalan", Fields::new());
        }
    }
}

fn sarah_plan(dice: &mut Dice, index: usize, today: DateTime<Utc>, c: &SarahCase) -> Plan {
    match c.when {
        When::Age(days) => {
            let filed_at = filing_time(dice, today, days, true);
            sarah_build(dice, index, c, filed_at)
        }
        When::LastStep(days) => {
            let filed_at = filing_time(dice, today, 200, true);
            let mut plan = sarah_build(dice, index, c, filed_at);
            plan.anchor_last(today, days);
            plan
        }
    }
}

fn sarah_build(dice: &mut Dice, index: usize, c: &SarahCase, filed_at: DateTime<Utc>) -> Plan {
    let unit = &UNITS[c.unit];
    let lagrum = social_lagrum(unit.place);
    let voice = Voice::of(unit.place, lagrum);
    let s = c.story;
    let mut resume = None;
    let mut p = match c.origin {
        Origin::Report(filer) => {
            let mut p = Planner::new(dice, "lex-sarah", index, unit, lagrum, filer, filed_at);
            p.set("what_happened", voice.say(s.what));
            p.set_date("occurred_on", i64::from(filer != Role::Reporter));
            p.set("affected_gender", c.gender);
            p.set("category", s.category);
            p.set("noticed_how", voice.say(s.noticed));
            if c.personal {
                p.set("affected_person_name", TEST_NAME);
                p.plan.personnummer = true;
            }
            p
        }
        Origin::Avvikelse(e) => escalate(
            dice,
            index,
            unit,
            lagrum,
            filed_at,
            e,
            Matter {
                what: s.what,
                immediate: s.immediate,
                gender: c.gender,
            },
        ),
        Origin::Klagomal => {
            let mut p = Planner::new(
                dice,
                "klagomal",
                index,
                unit,
                lagrum,
                Role::UnitManager,
                filed_at,
            );
            p.set("feedback_kind", "klagomal");
            p.set("sender_kind", "narstaende");
            p.set_date("received_on", 0);
            p.set("what_happened", voice.say(s.what));
            p.set_value("wants_aterkoppling", Value::Bool(true));
            p.set("category", "bemotande");
            p.days(0, 1);
            p.go(Role::UnitManager, "start_investigation", Fields::new());
            p.hours(2, 30);
            let opened = p.spawn(
                Role::UnitManager,
                "open_lex_sarah",
                fields(&[
                    (
                        "spawn_reason",
                        text("Uppgifterna kan innebära ett missförhållande i bemötandet; rapport enligt lex Sarah."),
                    ),
                    ("affected_gender", text(c.gender)),
                ]),
                vec![("occurred_on", Fill::DaysBefore(2))],
            );
            resume = Some(p.t);
            p.case = opened;
            p
        }
    };
    sarah_path(&mut p, s, c.end, voice);
    if let Some(t) = resume {
        // Back to the klagomål: answered while the lex Sarah utredning runs.
        p.t = t;
        p.case = 0;
        p.days(3, 9);
        p.go_with(
            Role::UnitManager,
            "answer",
            fields(&[
                (
                    "investigation_result",
                    text("Uppgifterna utreds enligt lex Sarah; berörda medarbetare går inte till brukaren under utredningen."),
                ),
                (
                    "response",
                    text("Tack för att du hörde av dig. Vi har inlett en utredning enligt lex Sarah och återkommer med resultatet."),
                ),
            ]),
            vec![("response_sent_on", Fill::DaysBefore(0))],
        );
        p.days(25, 45);
        p.go(
            Role::UnitManager,
            "close",
            fields(&[(
                "analysis",
                text("Bemötande återkommer i årets klagomål från hemtjänsten; lex Sarah-utredningens åtgärder följs upp i ledningsgruppen."),
            )]),
        );
    }
    p.finish()
}

const ESCALATION_REASON: &str =
    "Händelsen kan vara ett missförhållande eller en påtaglig risk för ett missförhållande.";

fn sarah_cases() -> Vec<SarahCase> {
    use SarahEnd as E;
    let report = Origin::Report(Role::Reporter);
    let case = |story, unit, gender, end, origin, when| SarahCase {
        story,
        unit,
        gender,
        end,
        origin,
        when,
        personal: false,
    };
    vec![
        case(
            &NATTILLSYN,
            HEMTJANST_SODER,
            "kvinna",
            E::Received,
            report,
            When::LastStep(3),
        ),
        case(
            &HARDHANT,
            LINDEN,
            "kvinna",
            E::Acknowledged,
            report,
            When::LastStep(1),
        ),
        case(
            &LAST_DORR,
            EKBACKEN,
            "ej_angivet",
            E::Utredning(3),
            report,
            When::LastStep(2),
        ),
        case(
            &MOBILTELEFON,
            SOLROSEN,
            "man",
            E::Utredning(6),
            Origin::Avvikelse(Escalation {
                filer: Role::Reporter,
                category: "bemotande",
                stage: Stage::UnderInvestigation,
                by: Role::UnitManager,
                reason: ESCALATION_REASON,
            }),
            When::Age(75),
        ),
        case(
            &KASSABOK,
            SOLROSEN,
            "kvinna",
            E::Bedomning,
            report,
            When::LastStep(3),
        ),
        case(
            &TRYGGHETSLARM,
            HEMTJANST_NORR,
            "man",
            E::IvoDecision,
            Origin::Report(Role::UnitManager),
            When::LastStep(20),
        ),
        case(
            &NATTPASS,
            LINDEN,
            "ej_angivet",
            E::AnmalanDecided,
            report,
            When::LastStep(2),
        ),
        case(
            &BRANNSKADA,
            EKBACKEN,
            "kvinna",
            E::Anmald,
            report,
            When::LastStep(15),
        ),
        case(
            &KNUFF,
            VERKSTAN,
            "man",
            E::AfterEarlyAnmalan,
            report,
            When::LastStep(3),
        ),
        case(
            &SLAG,
            EKBACKEN,
            "man",
            E::ClosedEarlyAnmalan,
            report,
            When::Age(215),
        ),
        case(
            &ENSAM_NATT,
            SOLROSEN,
            "kvinna",
            E::ClosedAfterAnmalan,
            report,
            When::Age(262),
        ),
        case(
            &UTEBLIVNA_BESOK,
            HEMTJANST_NORR,
            "kvinna",
            E::ClosedAfterAnmalan,
            Origin::Avvikelse(Escalation {
                filer: Role::UnitManager,
                category: "brist_vid_genomforande_av_insats",
                stage: Stage::Registered,
                by: Role::UnitManager,
                reason: ESCALATION_REASON,
            }),
            When::Age(305),
        ),
        case(
            &NUTRITION,
            LINDEN,
            "kvinna",
            E::ClosedReturned {
                first_conclusion: "Påtaglig risk för allvarligt missförhållande: viktnedgången kunde ha lett till allvarlig skada.",
                motivation: "Utredningen visar att viktnedgången uppmärksammades av sjuksköterskan och att {p} inte tog allvarlig skada. SAS ombeds göra en ny bedömning.",
            },
            Origin::Report(Role::UnitManager),
            When::Age(182),
        ),
        case(
            &MISSFORSTAND,
            LINDEN,
            "man",
            E::ClosedNotSerious,
            Origin::Avvikelse(Escalation {
                filer: Role::Reporter,
                category: "bemotande",
                stage: Stage::Registered,
                by: Role::Sas,
                reason: ESCALATION_REASON,
            }),
            When::Age(333),
        ),
        SarahCase {
            personal: true,
            ..case(
                &DUSCH,
                EKBACKEN,
                "man",
                E::ClosedNotSerious,
                report,
                When::Age(124),
            )
        },
        case(
            &SOVA_LANGE,
            HEMTJANST_SODER,
            "man",
            E::ClosedNotSerious,
            report,
            When::Age(233),
        ),
        case(
            &UPPREPADE_FALL,
            EKBACKEN,
            "kvinna",
            E::ClosedNotSerious,
            Origin::Avvikelse(Escalation {
                filer: Role::Reporter,
                category: "fall",
                stage: Stage::ActionsTaken,
                by: Role::OperationsManager,
                reason: "Upprepade fall hos samma person utan att insatserna anpassats: kan vara en påtaglig risk för missförhållande.",
            }),
            When::Age(151),
        ),
        case(
            &BEMOTANDE,
            HEMTJANST_NORR,
            "kvinna",
            E::ClosedNotSerious,
            Origin::Klagomal,
            When::Age(163),
        ),
        case(
            &LAST_DORR,
            LINDEN,
            "ej_angivet",
            E::ClosedNotSerious,
            report,
            When::Age(270),
        ),
    ]
}

const UTEBLIVNA_BESOK: SarahStory = SarahStory {
    category: "insats_ej_utford",
    what: "Planerade besök hos {p} uteblev under tre dagar efter en omplanering. {P} hittades av närstående liggande på golvet, uttorkad, och fördes till sjukhus.",
    noticed: "Närstående ringde enhetschefen på söndagsmorgonen; ingen i personalgruppen hade uppmärksammat att besöken saknades.",
    immediate: "Alla brukares besök kontrollerades mot planeringen samma dag. Planeraren går igenom planeringen dagligen med enhetschefen.",
    consequences: "{P} vårdades fyra dygn på sjukhus för uttorkning och har sedan dess ett ökat hjälpbehov. Händelsen kunde ha lett till döden.",
    causes: "Besöken försvann när planeringen gjordes om efter en sjukanmälan; systemet varnar inte för besök utan utförare och ingen kontroll gjordes.",
    earlier: "Två avvikelser om uteblivna besök i samma område de senaste sex månaderna, båda efter omplanering. Åtgärden då, en påminnelse till planerarna, riktade sig inte mot orsaken.",
    recurrence: "Utan en fast kontroll bedöms risken för upprepning som stor.",
    actions: "1) Daglig kontroll av att alla besök har en utförare, införd samma vecka (orsak: ingen kontroll). 2) Varning för besök utan utförare beställd av leverantören av planeringssystemet, klar inom tre månader (orsak: systemet varnar inte).",
    view: View::Given(
        "Närstående anser att hemtjänsten svikit och vill att någon tar ansvar; {p} minns inte själv händelsen.",
    ),
    other: Some(
        "Planeringssystemet används på samma sätt i Hemtjänst Söder; kontrollen införs där också.",
    ),
    outcome: "serious_missforhallande",
    conclusion: "Allvarligt missförhållande: en insats som {p} var helt beroende av utfördes inte under tre dagar.",
    obvious: "{P} skadades allvarligt av att insatser helt uteblev.",
};

const SLAG: SarahStory = SarahStory {
    category: "fysiska_overgrepp",
    what: "En medarbetare såg en kollega slå {p} med öppen hand i ansiktet under kvällshygienen.",
    noticed: "Medarbetaren som såg det rapporterade till enhetschefen samma kväll.",
    immediate: "Den berörda medarbetaren togs ur tjänst i väntan på utredningen. {P} undersöktes av sjuksköterska; polisanmälan gjordes.",
    consequences: "Rodnad på kinden, ingen bestående fysisk skada. {P} var rädd och ville inte ha hjälp av personal resten av kvällen.",
    causes: "Medarbetaren saknade utbildning i bemötande vid demenssjukdom och hade arbetat ensam många kvällar i följd. Enheten saknade rutin för att fånga upp hög belastning.",
    earlier: "Inga tidigare rapporter om medarbetaren; en synpunkt om hårt tonläge på kvällarna utreddes inte vidare.",
    recurrence: "Låg med åtgärderna genomförda, men kvällsbemanningen är fortsatt sårbar.",
    actions: "1) Två personal på kvällen på avdelningen (orsak: ensamarbete). 2) Utbildning i bemötande vid demenssjukdom för all personal (orsak: kunskap). 3) Synpunkter om bemötande utreds alltid (orsak: en tidigare signal fångades inte upp).",
    view: View::Given(
        "{P} kan inte själv redogöra för händelsen. Närstående har informerats och anser att anmälan till IVO är riktig.",
    ),
    other: None,
    outcome: "serious_missforhallande",
    conclusion: "Allvarligt missförhållande: fysiskt övergrepp mot en person i beroendeställning.",
    obvious: "Fysiskt övergrepp bevittnat av en medarbetare; allvaret är uppenbart redan vid rapporten.",
};

const KNUFF: SarahStory = SarahStory {
    category: "fysiska_overgrepp",
    what: "En handledare knuffade {p} i samband med en konflikt i verkstaden; {p} föll och slog i huvudet.",
    noticed: "Två andra deltagare och en medarbetare såg händelsen; medarbetaren rapporterade direkt.",
    immediate: "Handledaren togs ur tjänst. {P} undersöktes på akuten; god man och gruppbostaden informerades samma dag.",
    consequences: "Hjärnskakning; {p} har varit rädd att komma till verksamheten.",
    causes: "Utredningen pågår.",
    earlier: "Inga tidigare rapporter om handledaren.",
    recurrence: "Bedöms när utredningen är klar.",
    actions: "Handledaren är omplacerad i väntan på utredningen.",
    view: View::Given(
        "{P} berättar med stöd av bildstöd att {p} blev rädd och vill ha en annan handledare.",
    ),
    other: None,
    outcome: "serious_missforhallande",
    conclusion: "Allvarligt missförhållande.",
    obvious: "Fysiskt övergrepp med skada, bevittnat av personal; allvaret är uppenbart.",
};

const ENSAM_NATT: SarahStory = SarahStory {
    category: "insats_ej_utford",
    what: "Gruppbostaden var utan vaken nattpersonal en natt då vikarien inte kom och ingen ersättare sattes in. {P} har beslut om tillsyn nattetid på grund av epilepsi.",
    noticed: "Morgonpersonalen upptäckte att natten varit obemannad och rapporterade direkt.",
    immediate: "Bemanningsenheten informerades. Samma dag infördes att chef i beredskap kontaktas om nattpersonal uteblir.",
    consequences: "Inget anfall inträffade, men {p} var utan tillsyn i åtta timmar trots risk för livshotande anfall.",
    causes: "Ingen kontrollerade att nattpersonalen kommit, och det saknades rutin för ersättare när ett pass uteblir.",
    earlier: "Inga tidigare händelser av samma slag.",
    recurrence: "Låg när kontrollen vid passbyte är införd.",
    actions: "1) Kvällspersonalen går inte hem förrän nattpersonalen kommit (orsak: ingen kontroll). 2) Rutin för ersättare via chef i beredskap (orsak: saknad rutin).",
    view: View::Given(
        "{P} berättar med stöd av bildschema att natten kändes ensam. God man har informerats.",
    ),
    other: None,
    outcome: "risk_of_serious_missforhallande",
    conclusion: "Påtaglig risk för allvarligt missförhållande: {p} saknade den tillsyn som beslutet förutsätter.",
    obvious: "",
};

const LAST_DORR: SarahStory = SarahStory {
    category: "brister_i_rattssakerhet",
    what: "Avdelningens ytterdörr har hållits låst dagtid utan stöd i lag eller beslut; boende som vill gå ut måste be personalen öppna.",
    noticed: "En ny medarbetare frågade varför dörren var låst och rapporterade när ingen kunde svara.",
    immediate: "Dörren hålls olåst dagtid sedan rapporten; dörrlarm används i stället.",
    consequences: "De boende har begränsats i sin rörelsefrihet i flera månader. Ingen har skadats.",
    causes: "Dörren låstes som tillfällig åtgärd efter att en boende gått vilse, och åtgärden följdes aldrig upp. Kunskapen om att skydds- och begränsningsåtgärder saknar lagstöd i socialtjänsten var bristande.",
    earlier: "Samma fråga har tidigare utretts på en annan enhet i kommunen; lärdomarna spreds inte till alla enheter.",
    recurrence: "Låg efter utbildningen, men frågan behöver följas i egenkontrollen.",
    actions: "1) Utbildning om skydds- och begränsningsåtgärder för alla enheter (orsak: kunskapsbrist). 2) Individuella riskbedömningar och andra åtgärder för boende som riskerar att gå vilse (orsak: tillfällig åtgärd utan uppföljning).",
    view: View::Given(
        "Två boende säger att de upplevt sig inlåsta. Närstående till en av dem anser att dörren borde vara låst av säkerhetsskäl.",
    ),
    other: None,
    outcome: "missforhallande",
    conclusion: "Missförhållande: de boendes rörelsefrihet begränsades utan lagstöd.",
    obvious: "",
};

const BEMOTANDE: SarahStory = SarahStory {
    category: "brister_i_bemotande",
    what: "Närstående har vid flera tillfällen hört medarbetare tala hårt och nedvärderande till {p}, bland annat att {p} är besvärlig och får skylla sig själv.",
    noticed: "Närstående lämnade ett klagomål; enhetschefen bedömde att det kunde vara ett missförhållande.",
    immediate: "Andra medarbetare går till {p} under utredningen; samtal med berörda medarbetare.",
    consequences: "{P} har känt sig kränkt och har varit orolig inför besöken.",
    causes: "Arbetsgruppen har haft hög personalomsättning och ingen gemensam genomgång av värdegrunden.",
    earlier: "Ett klagomål på bemötande i samma grupp för ett år sedan; åtgärden då var ett enskilt samtal.",
    recurrence: "Måttlig; följs upp genom samtal med {p}.",
    actions: "1) Värdegrundsarbete med handledning i arbetsgruppen (orsak: ingen gemensam värdegrund). 2) Uppföljande samtal med {p} och närstående efter en och tre månader (orsak: signaler fångades inte upp).",
    view: View::Given(
        "{P} vill ha kvar hemtjänsten men önskar andra medarbetare; närstående är nöjd med att klagomålet tagits på allvar.",
    ),
    other: None,
    outcome: "missforhallande",
    conclusion: "Missförhållande: brister i bemötandet som kränkt {p}s värdighet.",
    obvious: "",
};

const KASSABOK: SarahStory = SarahStory {
    category: "ekonomiska_overgrepp",
    what: "Kvitton saknas för inköp med {p}s pengar under två månader; kassaboken stämmer inte med kontoutdragen.",
    noticed: "God man upptäckte skillnaden vid årsredovisningen och kontaktade enhetschefen.",
    immediate: "Kassaboken gicks igenom samma vecka; två personal kvitterar nu varje uttag.",
    consequences: "Ingen förlust har kunnat påvisas, men {p}s pengar var inte skyddade.",
    causes: "Rutinen för de boendes pengar var okänd för vikarier, och ingen kontrollerade kassaboken månadsvis.",
    earlier: "Inga tidigare händelser på enheten.",
    recurrence: "Låg efter att månadskontrollen införts.",
    actions: "1) Enhetschefen kontrollerar kassabok mot kvitton varje månad (orsak: ingen kontroll). 2) Rutinen ingår i introduktionen (orsak: okänd rutin).",
    view: View::Given("{P} förstår inte fullt ut vad som hänt; god man är nöjd med åtgärderna."),
    other: None,
    outcome: "risk_of_missforhallande",
    conclusion: "Påtaglig risk för missförhållande: bristande rutiner kunde ha lett till att {p} förlorade pengar.",
    obvious: "",
};

const DUSCH: SarahStory = SarahStory {
    category: "insats_ej_utford",
    what: "En medarbetare rapporterade att {p} inte fått hjälp med dusch på flera veckor.",
    noticed: "Uppmärksammades när medarbetaren gick igenom den sociala dokumentationen.",
    immediate: "Dusch erbjöds samma dag och dokumentationen gicks igenom.",
    consequences: "Ingen negativ konsekvens har kunnat konstateras.",
    causes: "Duschen hade erbjudits och genomförts enligt planen men dokumenterats under fel rubrik.",
    earlier: "Inga tidigare händelser.",
    recurrence: "Låg.",
    actions: "1) Dokumentationsrutinen gås igenom med arbetsgruppen (orsak: dokumentation under fel rubrik).",
    view: View::Given("{P} bekräftar att duschen blivit av och är nöjd med hjälpen."),
    other: None,
    outcome: "no_missforhallande",
    conclusion: "Inget missförhållande: insatsen hade utförts men dokumenterats bristfälligt.",
    obvious: "",
};

const MISSFORSTAND: SarahStory = SarahStory {
    category: "psykiska_overgrepp",
    what: "Närstående misstänker att {p} utsatts för hot av en medarbetare, eftersom {p} var rädd och ledsen efter en kväll.",
    noticed: "{P} berättade för sin kontaktperson dagen efter, som meddelade närstående och enhetschefen.",
    immediate: "Samtal med {p} och den berörda medarbetaren; annan personal på kvällarna under utredningen.",
    consequences: "{P} var orolig några dagar men har inte tagit skada.",
    causes: "{P} hade uppfattat ett samtal mellan två medarbetare om en annan situation som riktat mot sig; ingen hotfull handling har förekommit.",
    earlier: "Inga tidigare händelser.",
    recurrence: "Låg.",
    actions: "1) Personalen undviker samtal om arbetet i närheten av de boende (orsak: missförstånd). 2) Uppföljande samtal med {p}.",
    view: View::Given("{P} känner sig lugn efter samtalen och vill att det ska vara som vanligt."),
    other: None,
    outcome: "no_missforhallande",
    conclusion: "Inget missförhållande: uppgifterna kunde inte bekräftas och förklaras av ett missförstånd.",
    obvious: "",
};

const SOVA_LANGE: SarahStory = SarahStory {
    category: "insats_felaktigt_utford",
    what: "En medarbetare rapporterade att {p} fått ligga kvar i sängen till lunchtid flera dagar i rad.",
    noticed: "Rapporterades av en vikarie som inte kände till genomförandeplanen.",
    immediate: "Enhetschefen gick igenom genomförandeplanen med vikarien samma dag.",
    consequences: "Inga negativa konsekvenser.",
    causes: "Vikarien kände inte till att {p} enligt genomförandeplanen själv bestämmer när morgonbesöket ska ske.",
    earlier: "Inga.",
    recurrence: "Låg; introduktionen av vikarier förtydligas.",
    actions: "1) Introduktionen av vikarier omfattar genomförandeplanerna (orsak: okänd plan).",
    view: View::Given("{P} vill fortsätta bestämma själv när dagen börjar."),
    other: None,
    outcome: "no_missforhallande",
    conclusion: "Inget missförhållande: insatsen utfördes enligt {p}s egna önskemål.",
    obvious: "",
};

const UPPREPADE_FALL: SarahStory = SarahStory {
    category: "insats_felaktigt_utford",
    what: "{P} har fallit fem gånger på två månader utan att fallriskbedömningen gjorts om.",
    noticed: "Verksamhetschefen såg mönstret vid genomgången av enhetens avvikelser.",
    immediate: "Fysioterapeut gjorde en ny fallriskbedömning samma vecka; larmmatta och höftskydd infördes.",
    consequences: "Blåmärken vid två av fallen; risk för fraktur.",
    causes: "Avvikelserna hanterades var för sig utan sammanställning, och samverkan med rehab saknades.",
    earlier: "Fem avvikelser om fall hos {p}; varje avvikelse avslutades utan att mönstret uppmärksammades.",
    recurrence: "Måttlig; fallrisken kvarstår men hanteras.",
    actions: "1) Enhetschefen sammanställer avvikelser per person varje månad (orsak: ingen sammanställning). 2) Rehab kontaktas efter andra fallet inom tre månader (orsak: bristande samverkan).",
    view: View::Given(
        "{P} vill kunna röra sig fritt och accepterar larmmattan men inte sänggrindar.",
    ),
    other: None,
    outcome: "risk_of_missforhallande",
    conclusion: "Påtaglig risk för missförhållande: upprepade fall utan att insatserna anpassades.",
    obvious: "",
};

const NUTRITION: SarahStory = SarahStory {
    category: "insats_felaktigt_utford",
    what: "{P} har gått ner åtta kilo på tre månader; vägning enligt genomförandeplanen har inte gjorts.",
    noticed: "Sjuksköterskan uppmärksammade viktnedgången vid en hälsokontroll och informerade enhetschefen.",
    immediate: "Nutritionsbedömning samma vecka; kostregistrering och vägning varje vecka.",
    consequences: "{P} blev trött och svagare; vikten har delvis återhämtat sig.",
    causes: "Vägningen föll bort vid byte av kontaktperson och ingen kontrollerade att den gjordes.",
    earlier: "Inga tidigare händelser hos {p}; en liknande händelse på en annan avdelning förra året.",
    recurrence: "Låg när både kontaktperson och sjuksköterska följer vikten.",
    actions: "1) Vägning signeras i signeringslistan (orsak: ingen kontroll). 2) Överlämning vid byte av kontaktperson (orsak: bortfall vid byte).",
    view: View::Given(
        "Närstående vill få information varje månad; {p} säger att maten inte smakar.",
    ),
    other: None,
    outcome: "missforhallande",
    conclusion: "Missförhållande: insatsen för att följa vikt och nutrition utfördes inte under flera månader.",
    obvious: "",
};

const BRANNSKADA: SarahStory = SarahStory {
    category: "insats_felaktigt_utford",
    what: "{P} lämnades ensam i duschen medan medarbetaren hämtade en handduk; vattnet blev för varmt och {p} fick brännskador på benen.",
    noticed: "Medarbetaren larmade själv sjuksköterskan direkt.",
    immediate: "Sjuksköterska och ambulans kontaktades. Termostatblandaren byttes samma dag.",
    consequences: "Andra gradens brännskador på båda underbenen; {p} vårdades tio dagar på sjukhus.",
    causes: "Blandarens spärr hade varit trasig länge utan felanmälan, och rutinen att aldrig lämna en person med nedsatt förmåga ensam i duschen var okänd.",
    earlier: "En avvikelse om för varmt vatten i samma badrum ett halvår tidigare; den ledde inte till felanmälan.",
    recurrence: "Låg efter bytet och genomgången, om blandarna kontrolleras.",
    actions: "1) Alla blandare kontrolleras varje kvartal (orsak: trasig spärr). 2) Rutinen för hygien i dusch gås igenom med all personal (orsak: okänd rutin). 3) Avvikelser om utrustning leder alltid till felanmälan (orsak: tidigare avvikelse utan åtgärd).",
    view: View::Given(
        "{P} säger att det gjorde mycket ont och vill inte duscha längre; närstående vill att IVO granskar händelsen.",
    ),
    other: None,
    outcome: "serious_missforhallande",
    conclusion: "Allvarligt missförhållande: {p} fick allvarliga brännskador vid en insats som inte utfördes säkert.",
    obvious: "",
};

const NATTPASS: SarahStory = SarahStory {
    category: "ovrigt",
    what: "En medarbetare kom till nattpasset påverkad av alkohol och var ensam ansvarig för avdelningen i två timmar innan det upptäcktes.",
    noticed: "En kollega på grannavdelningen märkte det och kontaktade chef i beredskap.",
    immediate: "Medarbetaren skickades hem och en ersättare sattes in samma natt.",
    consequences: "Ingen boende kom till skada, men under två timmar fanns ingen som kunde ge säker hjälp.",
    causes: "Ensamarbete på natten utan kontroll vid passets början.",
    earlier: "Inga.",
    recurrence: "Låg efter att nattpasset börjar med gemensam avstämning.",
    actions: "1) Nattpasset börjar med gemensam avstämning mellan avdelningarna (orsak: ingen kontroll). 2) Arbetsgivaren följer upp medarbetaren enligt alkohol- och drogpolicyn.",
    view: View::NotPossible(
        "De boende märkte inte händelsen och har inte tillfrågats, för att inte oroa dem; närstående har informerats.",
    ),
    other: None,
    outcome: "risk_of_serious_missforhallande",
    conclusion: "Påtaglig risk för allvarligt missförhållande: de boende var under två timmar utan säker tillsyn och hjälp.",
    obvious: "",
};

const TRYGGHETSLARM: SarahStory = SarahStory {
    category: "brister_i_miljo_eller_utrustning",
    what: "{P}s trygghetslarm har inte fungerat på två veckor efter byte av larmoperatör; vid kontroll fungerade ytterligare tre larm i området inte.",
    noticed: "Upptäcktes vid ett provlarm under ett hembesök.",
    immediate: "Alla trygghetslarm i området provlarmades samma dag och fyra larm åtgärdades.",
    consequences: "Ingen skadades, men fyra brukare som är beroende av larmet kunde inte kalla på hjälp.",
    causes: "Bytet av larmoperatör saknade rutin för provlarm efteråt, och ansvaret mellan larmgruppen och hemtjänsten var otydligt.",
    earlier: "Inga tidigare händelser.",
    recurrence: "Låg om provlarm görs varje månad.",
    actions: "1) Provlarm varje månad hos alla brukare (orsak: ingen kontroll). 2) Ansvaret mellan larmgrupp och hemtjänst skrivet i rutinen (orsak: otydligt ansvar).",
    view: View::Given(
        "{P} säger att {p} inte vågat vara ensam sedan dess och vill ha tätare tillsyn.",
    ),
    other: None,
    outcome: "risk_of_serious_missforhallande",
    conclusion: "Påtaglig risk för allvarligt missförhållande: personer beroende av trygghetslarm kunde inte kalla på hjälp under två veckor.",
    obvious: "",
};

const NATTILLSYN: SarahStory = SarahStory {
    category: "insats_ej_utford",
    what: "Nattillsyn hos {p} enligt beslutet har inte gjorts tre nätter i rad; signeringar saknas och {p} berättar att ingen kommit.",
    noticed: "Dagpersonalen uppmärksammade det när {p} berättade.",
    immediate: "Nattillsynen kontrolleras varje morgon av dagpersonalen tills vidare.",
    consequences: "Utreds.",
    causes: "Utreds.",
    earlier: "Utreds.",
    recurrence: "Utreds.",
    actions: "Utreds.",
    view: View::Given("Inhämtas."),
    other: None,
    outcome: "missforhallande",
    conclusion: "Utreds.",
    obvious: "",
};

const HARDHANT: SarahStory = SarahStory {
    category: "fysiska_overgrepp",
    what: "En medarbetare såg en kollega dra {p} hårt i armen vid förflyttning från rullstol till säng; {p} skrek av smärta.",
    noticed: "Medarbetaren rapporterade direkt efter passet.",
    immediate: "Den berörda medarbetaren arbetar inte med {p} under utredningen; sjuksköterska undersökte armen.",
    consequences: "Blåmärke på överarmen.",
    causes: "Utreds.",
    earlier: "Utreds.",
    recurrence: "Utreds.",
    actions: "Utreds.",
    view: View::Given("Inhämtas."),
    other: None,
    outcome: "missforhallande",
    conclusion: "Utreds.",
    obvious: "",
};

const MOBILTELEFON: SarahStory = SarahStory {
    category: "brister_i_rattssakerhet",
    what: "Personalen har tagit {p}s mobiltelefon på kvällarna som konsekvens när {p} inte följt schemat.",
    noticed: "{P} berättade för sin god man, som kontaktade enhetschefen.",
    immediate: "Telefonen lämnas till {p}; ingen får ta ifrån de boende deras saker.",
    consequences: "{P} har inte kunnat ringa sina föräldrar på kvällarna och har blivit orolig och arg.",
    causes: "Arbetsgruppen har använt konsekvenser som pedagogik utan att förstå att det är en begränsning utan lagstöd.",
    earlier: "Liknande arbetssätt har förekommit tidigare enligt två medarbetare.",
    recurrence: "Utreds.",
    actions: "Utreds.",
    view: View::Given("{P} vill ha sin telefon och bestämma själv när {p} ringer."),
    other: None,
    outcome: "missforhallande",
    conclusion: "Utreds.",
    obvious: "",
};

// ---- Lex Maria -------------------------------------------------------------

#[derive(Debug)]
struct MariaStory {
    category: &'static str,
    what: &'static str,
    noticed: &'static str,
    immediate: &'static str,
    consequences: &'static str,
    causes: &'static str,
    earlier: &'static str,
    recurrence: &'static str,
    actions: &'static str,
    view: View,
    outcome: &'static str,
    conclusion: &'static str,
    obvious: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MariaEnd {
    Received,
    Utredning(usize),
    Bedomning,
    IvoAnmalan,
    Anmald,
    AfterEarlyAnmalan,
    ClosedNotSerious,
    ClosedAfterAnmalan,
}

#[derive(Debug)]
struct MariaCase {
    story: &'static MariaStory,
    unit: usize,
    gender: &'static str,
    end: MariaEnd,
    origin: Origin,
    when: When,
    personal: bool,
}

fn maria_notes(s: &MariaStory, voice: Voice) -> Vec<Note> {
    use EntryKind::{Assessment, Fact};
    let view = match s.view {
        View::Given(t) => note(
            "patient_view",
            voice.say(t),
            "Samtal med patienten och närstående",
            Fact,
        ),
        View::NotPossible(t) => note(
            "patient_view_not_possible",
            voice.say(t),
            "MAS anteckning",
            Fact,
        ),
    };
    vec![
        note(
            "what_happened",
            voice.say(s.what),
            "Journal och samtal med berörd personal",
            Fact,
        ),
        note(
            "noticed_how",
            voice.say(s.noticed),
            "Avvikelserapporten",
            Fact,
        ),
        note(
            "consequences",
            voice.say(s.consequences),
            "Journal och epikris från sjukhuset",
            Fact,
        ),
        note(
            "earlier_similar_events",
            voice.say(s.earlier),
            "Sökning i avvikelser och lex Maria-ärenden 24 månader bakåt",
            Fact,
        ),
        view,
        note(
            "causes",
            voice.say(s.causes),
            "Händelseanalys med berörd personal",
            Assessment,
        ),
        note(
            "actions",
            voice.say(s.actions),
            "Handlingsplan från händelseanalysen",
            Fact,
        ),
        note(
            "recurrence_risk",
            voice.say(s.recurrence),
            "MAS bedömning",
            Assessment,
        ),
    ]
}

fn maria_path(p: &mut Planner<'_>, s: &MariaStory, end: MariaEnd, voice: Voice) {
    use MariaEnd as E;
    if end == E::Received {
        p.stop();
        return;
    }
    let notes = maria_notes(s, voice);
    if end == E::AfterEarlyAnmalan {
        p.hours(2, 10);
        let dnr = p.diarienummer();
        p.go_with(
            Role::Mas,
            "early_ivo_anmalan",
            fields(&[("obvious_seriousness", text(voice.say(s.obvious)))]),
            vec![
                ("anmalan_date", Fill::DaysBefore(0)),
                ("ivo_diarienummer", dnr),
            ],
        );
        for n in notes.iter().take(5) {
            p.days(1, 3);
            p.note(Role::Mas, n);
        }
        p.stop();
        return;
    }
    p.hours(2, 20);
    p.go(Role::Mas, "start_utredning", Fields::new());
    let take = match end {
        E::Utredning(n) => n,
        _ => notes.len(),
    };
    for n in notes.iter().take(take) {
        p.days(1, 3);
        p.note(Role::Mas, n);
    }
    if matches!(end, E::Utredning(_)) {
        p.stop();
        return;
    }
    p.days(1, 3);
    let informed = p.dice.range(2, 6);
    p.go_with(
        Role::Mas,
        "complete_utredning",
        Fields::new(),
        vec![("patient_informed_on", Fill::DaysBefore(informed))],
    );
    if end == E::Bedomning {
        p.stop();
        return;
    }
    p.days(1, 3);
    let ruled = ruling(s.outcome, voice.say(s.conclusion));
    if end == E::ClosedNotSerious {
        p.go(Role::Mas, "rule_not_serious", ruled);
        return;
    }
    p.go(Role::Mas, "rule_serious", ruled);
    if end == E::IvoAnmalan {
        p.stop();
        return;
    }
    p.days(1, 3);
    let dnr = p.diarienummer();
    p.go_with(
        Role::Mas,
        "register_ivo_anmalan",
        Fields::new(),
        vec![
            ("anmalan_date", Fill::DaysBefore(0)),
            ("ivo_diarienummer", dnr),
        ],
    );
    if end == E::Anmald {
        p.stop();
        return;
    }
    p.days(14, 40);
    p.go(Role::Mas, "close_after_anmalan", Fields::new());
}

fn maria_plan(dice: &mut Dice, index: usize, today: DateTime<Utc>, c: &MariaCase) -> Plan {
    match c.when {
        When::Age(days) => {
            let filed_at = filing_time(dice, today, days, true);
            maria_build(dice, index, c, filed_at)
        }
        When::LastStep(days) => {
            let filed_at = filing_time(dice, today, 200, true);
            let mut plan = maria_build(dice, index, c, filed_at);
            plan.anchor_last(today, days);
            plan
        }
    }
}

fn maria_build(dice: &mut Dice, index: usize, c: &MariaCase, filed_at: DateTime<Utc>) -> Plan {
    let unit = &UNITS[c.unit];
    let lagrum = Lagrum::Hsl;
    let voice = Voice::of(unit.place, lagrum);
    let s = c.story;
    let mut p = match c.origin {
        Origin::Avvikelse(e) => escalate(
            dice,
            index,
            unit,
            lagrum,
            filed_at,
            e,
            Matter {
                what: s.what,
                immediate: s.immediate,
                gender: c.gender,
            },
        ),
        Origin::Report(_) | Origin::Klagomal => {
            let filer = match c.origin {
                Origin::Report(role) => role,
                _ => Role::UnitManager,
            };
            let mut p = Planner::new(dice, "lex-maria", index, unit, lagrum, filer, filed_at);
            p.set("what_happened", voice.say(s.what));
            p.set_date("occurred_on", 1);
            p.set("affected_gender", c.gender);
            p.set("category", s.category);
            p.set("noticed_how", voice.say(s.noticed));
            p.set("immediate_actions", voice.say(s.immediate));
            if c.personal {
                p.set("affected_person_name", TEST_NAME);
                p.plan.personnummer = true;
            }
            p
        }
    };
    maria_path(&mut p, s, c.end, voice);
    p.finish()
}

fn maria_cases() -> Vec<MariaCase> {
    use MariaEnd as E;
    let report = Origin::Report(Role::Reporter);
    let case = |story, unit, gender, end, origin, when| MariaCase {
        story,
        unit,
        gender,
        end,
        origin,
        when,
        personal: false,
    };
    vec![
        case(
            &SYRGAS,
            LINDEN,
            "man",
            E::Received,
            Origin::Avvikelse(Escalation {
                filer: Role::Reporter,
                category: "medicinteknisk_produkt",
                stage: Stage::UnderInvestigation,
                by: Role::UnitManager,
                reason: "Händelsen kunde ha medfört en allvarlig vårdskada.",
            }),
            When::LastStep(2),
        ),
        case(
            &SEPSIS,
            HEMSJUKVARD,
            "kvinna",
            E::Utredning(3),
            Origin::Avvikelse(Escalation {
                filer: Role::Reporter,
                category: "informationsoverforing_samverkan",
                stage: Stage::Registered,
                by: Role::Mas,
                reason: "Försämringen upptäcktes inte i tid och ledde till sjukhusvård.",
            }),
            When::LastStep(4),
        ),
        MariaCase {
            personal: true,
            ..case(
                &TRYCKSAR,
                HEMSJUKVARD,
                "man",
                E::Bedomning,
                report,
                When::LastStep(2),
            )
        },
        case(
            &BLODFORTUNNANDE,
            HEMSJUKVARD,
            "man",
            E::IvoAnmalan,
            Origin::Report(Role::UnitManager),
            When::LastStep(3),
        ),
        case(
            &INSULIN,
            HEMSJUKVARD,
            "man",
            E::Anmald,
            report,
            When::LastStep(10),
        ),
        case(
            &KONSISTENS,
            LINDEN,
            "kvinna",
            E::AfterEarlyAnmalan,
            Origin::Report(Role::UnitManager),
            When::LastStep(5),
        ),
        case(
            &HANDLED,
            EKBACKEN,
            "kvinna",
            E::ClosedNotSerious,
            report,
            When::Age(196),
        ),
        case(
            &HOFTFRAKTUR,
            HEMSJUKVARD,
            "kvinna",
            E::ClosedAfterAnmalan,
            report,
            When::Age(288),
        ),
    ]
}

const SYRGAS: MariaStory = MariaStory {
    category: "medicinteknisk_produkt",
    what: "Syrgaskoncentratorn hos {p} stod avstängd under natten efter ett kort strömavbrott; {p} hade låg syremättnad och var påverkad på morgonen.",
    noticed: "Morgonpersonalen fann {p} trött och blek och kontaktade sjuksköterska, som mätte syremättnaden.",
    immediate: "Koncentratorn startades om och {p} bedömdes av sjuksköterska; läkare kontaktades. Alla syrgaskoncentratorer på enheten kontrollerades.",
    consequences: "{P} återhämtade sig under dagen utan bestående skada.",
    causes: "Koncentratorn startar inte själv efter strömavbrott och larmet var avstängt.",
    earlier: "Inga tidigare händelser.",
    recurrence: "Låg efter att larmet slagits på.",
    actions: "1) Larmet påslaget och kontroll efter strömavbrott i rutinen (orsak: avstängt larm).",
    view: View::Given("{P} minns inte natten; närstående är informerade."),
    outcome: "risk_of_serious_vardskada",
    conclusion: "Händelsen kunde ha medfört allvarlig vårdskada.",
    obvious: "",
};

const SEPSIS: MariaStory = MariaStory {
    category: "informationsoverforing_samverkan",
    what: "{P} hade feber och andningsbesvär i två dygn utan att sjuksköterska kontaktades; {p} fick sepsis och lades in på sjukhus.",
    noticed: "Hemtjänstens personal dokumenterade febern men kontaktade inte hemsjukvården; det uppmärksammades när en närstående ringde 112.",
    immediate: "Rutinen för kontakt med sjuksköterska vid förändrat hälsotillstånd gicks igenom med hemtjänstgruppen samma vecka.",
    consequences: "{P} vårdades tio dagar på sjukhus och har sedan dess ett ökat vårdbehov.",
    causes: "Hemtjänstens personal kände inte till när sjuksköterska ska kontaktas, och den digitala rapporten lästes inte av hemsjukvården under helgen.",
    earlier: "En avvikelse om utebliven kontakt vid feber i samma område i våras.",
    recurrence: "Måttlig tills rutinen är känd av alla.",
    actions: "1) Tecken på försämring ingår i introduktionen (orsak: okunskap). 2) Hemsjukvården läser rapporten även helger (orsak: oläst rapport).",
    view: View::Given(
        "Närstående är kritiska och vill veta vad som görs för att det inte ska hända igen.",
    ),
    outcome: "serious_vardskada",
    conclusion: "Allvarlig vårdskada: försämringen upptäcktes inte i tid.",
    obvious: "",
};

const TRYCKSAR: MariaStory = MariaStory {
    category: "vard_och_behandling",
    what: "{P} fick ett trycksår i kategori 4 på hälen; lägesändring och avlastning enligt ordinationen hade inte utförts.",
    noticed: "Distriktssköterskan upptäckte såret vid ett planerat besök.",
    immediate: "Avlastande madrass och hälskydd sattes in samma dag och sårbehandling påbörjades.",
    consequences: "Ett djupt sår som väntas ta flera månader att läka; smärta vid förflyttning.",
    causes: "Ordinationen om lägesändring fanns i journalen men inte i hemtjänstens arbetsplan, och riskbedömningen gjordes inte om efter sjukhusvistelsen.",
    earlier: "Två trycksår i hemsjukvården under året, båda efter utskrivning från sjukhus.",
    recurrence: "Måttlig; riskbedömning efter utskrivning behöver bli rutin.",
    actions: "1) Riskbedömning inom tre dagar efter utskrivning (orsak: ingen ny bedömning). 2) Ordinationer om lägesändring förs in i hemtjänstens arbetsplan (orsak: informationen nådde inte utförarna).",
    view: View::Given("{P} vill att personalen lyssnar när {p} säger att det gör ont."),
    outcome: "vardskada",
    conclusion: "Vårdskada som inte bedöms som allvarlig.",
    obvious: "",
};

const BLODFORTUNNANDE: MariaStory = MariaStory {
    category: "lakemedel",
    what: "{P} fick dubbel dos blodförtunnande läkemedel i fem dagar sedan en ändrad ordination förts in fel i den digitala signeringslistan; {p} fick en blödning och lades in på sjukhus.",
    noticed: "Hemtjänstens personal upptäckte blödningen och larmade sjuksköterska.",
    immediate: "Signeringslistan rättades och alla listor med ändrade ordinationer den senaste månaden kontrollerades.",
    consequences: "Magblödning som krävde blodtransfusion; {p} vårdades en vecka på sjukhus.",
    causes: "Ändringen fördes in som en ny rad utan att den gamla avslutades; ingen dubbelkontroll vid ändring.",
    earlier: "Inga tidigare händelser med samma orsak.",
    recurrence: "Låg efter införd dubbelkontroll.",
    actions: "1) Dubbelkontroll av två sjuksköterskor vid ändrad ordination av högriskläkemedel (orsak: ingen kontroll). 2) Leverantören rättar att gamla rader inte avslutas (orsak: systemfel).",
    view: View::Given("{P} har informerats och är tacksam att blödningen upptäcktes i tid."),
    outcome: "serious_vardskada",
    conclusion: "Allvarlig vårdskada: blödning som krävde sjukhusvård och transfusion.",
    obvious: "",
};

const INSULIN: MariaStory = MariaStory {
    category: "lakemedel",
    what: "{P} fick insulin två gånger samma morgon, av både hemsjukvårdens sjuksköterska och hemtjänstens delegerade personal; allvarlig hypoglykemi, ambulans tillkallades.",
    noticed: "Hemtjänstens personal fann {p} medvetandesänkt vid lunchbesöket och larmade 112.",
    immediate: "Ansvaret för insulingivningen förtydligades samma dag: en utförare per patient.",
    consequences: "{P} vårdades ett dygn på sjukhus och återhämtade sig.",
    causes: "Uppdraget att ge insulin hade flyttats till hemtjänsten men sjuksköterskans besök togs inte bort.",
    earlier: "Inga.",
    recurrence: "Låg när överföringar av uppdrag bekräftas av båda parter.",
    actions: "1) Överföring av uppdrag bekräftas skriftligt av båda parter (orsak: dubbla utförare). 2) Alla utförare signerar i samma lista (orsak: separata listor).",
    view: View::Given("{P} är tacksam för snabb hjälp men orolig inför injektionerna."),
    outcome: "risk_of_serious_vardskada",
    conclusion: "Händelsen kunde ha medfört allvarlig vårdskada.",
    obvious: "",
};

const KONSISTENS: MariaStory = MariaStory {
    category: "vard_och_behandling",
    what: "{P}, som har ordinerad konsistensanpassad kost, fick vanlig mat vid middagen, satte i halsen och avled trots återupplivningsförsök.",
    noticed: "Personalen larmade direkt; sjuksköterska och ambulans kom inom tio minuter.",
    immediate: "Alla ordinationer om konsistensanpassad kost gicks igenom samma kväll och märks nu på matbrickan.",
    consequences: "{P} avled.",
    causes: "Händelseanalys pågår.",
    earlier: "Inga kända tidigare händelser på enheten.",
    recurrence: "Bedöms när händelseanalysen är klar.",
    actions: "Märkning av matbrickor införd; fler åtgärder efter händelseanalysen.",
    view: View::NotPossible("{P} har avlidit; närstående har informerats och erbjudits samtal."),
    outcome: "serious_vardskada",
    conclusion: "Allvarlig vårdskada.",
    obvious: "{P} avled i samband med en händelse i vården; allvaret är uppenbart.",
};

const HANDLED: MariaStory = MariaStory {
    category: "fall",
    what: "{P} föll vid förflyttning från säng till rullstol utan det ordinerade glidlakanet och fick en spricka i handleden.",
    noticed: "Medarbetaren larmade sjuksköterskan, som misstänkte fraktur.",
    immediate: "{P} undersöktes på akuten; förflyttningar görs med två personal tills vidare.",
    consequences: "Spricka i handleden som läkte på sex veckor utan bestående men.",
    causes: "Glidlakanet låg i tvätten och det fanns inget extra.",
    earlier: "Inga tidigare händelser hos {p}.",
    recurrence: "Låg när extra glidlakan finns.",
    actions: "1) Extra glidlakan på varje avdelning (orsak: saknat hjälpmedel).",
    view: View::Given("{P} tycker att personalen var noga efteråt."),
    outcome: "vardskada",
    conclusion: "Vårdskada som inte är allvarlig: frakturen läkte utan bestående men.",
    obvious: "",
};

const HOFTFRAKTUR: MariaStory = MariaStory {
    category: "fall",
    what: "{P} föll nattetid och fick en höftfraktur; larmmatta var ordinerad men inte inkopplad.",
    noticed: "Nattpatrullen fann {p} på golvet vid tillsynen.",
    immediate: "Ambulans tillkallades. Alla ordinerade larmmattor i hemsjukvården kontrollerades samma dag.",
    consequences: "{P} opererades och har sedan dess ett väsentligt ökat vårdbehov.",
    causes: "Larmmattan var inte kopplad till trygghetslarmet efter ett batteribyte, och kontroll efter byte saknades.",
    earlier: "En avvikelse om urkopplad larmmatta i samma område tidigare i år.",
    recurrence: "Låg efter införd kontroll.",
    actions: "1) Funktionskontroll efter varje batteribyte (orsak: saknad kontroll). 2) Veckovis kontroll av ordinerade larmmattor (orsak: fel upptäcktes inte).",
    view: View::Given("{P} och närstående är ledsna över att larmet inte fungerade."),
    outcome: "serious_vardskada",
    conclusion: "Allvarlig vårdskada: höftfrakturen har lett till ett väsentligt ökat vårdbehov.",
    obvious: "",
};

// ---- Klagomål ----------------------------------------------------------------

const FEEDBACK_KINDS: &[(&str, u32)] = &[
    ("klagomal", 45),
    ("synpunkt", 18),
    ("berom", 20),
    ("forslag", 9),
    ("rutiner", 8),
];

/// (kind, places, what it says).
#[rustfmt::skip]
const KLAGOMAL_TEXTS: &[(&str, u8, &str)] = &[
    ("klagomal", ALL, "{P} är missnöjd med att planerade aktiviteter ställts in flera gånger utan förklaring."),
    ("klagomal", ALL, "Närstående klagar på att de inte fick information när {p} blev sjuk."),
    ("klagomal", HT, "Närstående klagar på att hemtjänsten kommer på olika tider och att det är många olika personal hos {p}."),
    ("klagomal", HT, "{P} klagar på att städningen inte blir gjord enligt beslutet."),
    ("klagomal", BO, "Närstående klagar på att maten serveras ljummen på avdelningen längst från köket."),
    ("klagomal", BO | GB, "Närstående klagar på att tvätten kommer tillbaka med andras kläder och att plagg har försvunnit."),
    ("klagomal", HS, "Närstående klagar på att det tog två dagar innan sjuksköterskan kom efter att de ringt."),
    ("klagomal", DV, "Närstående klagar på att {p} ofta fått vänta länge på färdtjänsten hem utan tillsyn."),
    ("synpunkt", ALL, "Synpunkt om att det saknas aktiviteter på helgerna."),
    ("synpunkt", HT | HS, "{P} önskar färre olika personer vid besöken."),
    ("synpunkt", BO | GB, "Närstående har synpunkter på att det är svårt att nå personalen på telefon på kvällarna."),
    ("forslag", ALL, "Förslag om att närstående ska kunna boka samtal med kontaktpersonen digitalt."),
    ("forslag", BO | GB | DV, "Förslag om en anslagstavla med bild på dagens personal."),
    ("forslag", DV, "Deltagarna föreslår ett café en gång i veckan som de driver själva."),
    ("rutiner", ALL, "Fråga om rutinerna för hantering av {p}s fickpengar."),
    ("rutiner", BO, "Närstående undrar över rutinen när {p} inte vill äta."),
    ("rutiner", HT | HS, "Fråga om vem som ansvarar för {p}s nyckel och hur den förvaras."),
    ("berom", ALL, "Beröm till personalen för ett varmt och respektfullt bemötande."),
    ("berom", BO, "Tack till personalen för stödet när {p} var svårt sjuk i livets slutskede."),
    ("berom", HT, "Beröm för snabb hjälp när trygghetslarmet gick en natt."),
    ("berom", GB | DV, "Tack för ett fint sommarfirande med grillfest."),
    ("berom", HS, "Tack till sjuksköterskorna för god omvårdnad och tydlig information."),
];

/// (kind, investigation result, response, analysis).
const KLAGOMAL_ANSWERS: &[(&str, &str, &str, &str)] = &[
    (
        "klagomal",
        "Enhetschefen har gått igenom händelserna med arbetsgruppen; klagomålet är befogat.",
        "Vi beklagar det som hänt och har ändrat rutinen. Enhetschefen ringer upp om en månad för att följa upp.",
        "Liknande klagomål har kommit från två enheter i år; tas upp i kvartalsanalysen.",
    ),
    (
        "klagomal",
        "Uppgifterna kunde delvis bekräftas; rutinen förtydligas för alla i arbetsgruppen.",
        "Tack för att du hörde av dig. Vi har gått igenom det med personalen och följer upp.",
        "Enstaka händelse; inget mönster i årets klagomål.",
    ),
    (
        "klagomal",
        "Utredningen visar att informationen till närstående inte följt rutinen.",
        "Vi har gått igenom rutinen för information till närstående och ber om ursäkt.",
        "Kommunikation med närstående återkommer som tema; lyfts till ledningsgruppen.",
    ),
    (
        "synpunkt",
        "Synpunkten har diskuterats på arbetsplatsträff.",
        "Tack för din synpunkt. Vi har tagit upp den med personalgruppen och ser över planeringen.",
        "Synpunkten tas med i verksamhetsplaneringen.",
    ),
    (
        "forslag",
        "Förslaget prövas under en period.",
        "Tack för ditt förslag. Vi prövar det under våren och berättar hur det gick.",
        "Förslaget tas med i verksamhetsplaneringen.",
    ),
    (
        "rutiner",
        "Rutinen finns men var inte känd; den har förtydligats.",
        "Här är rutinen; kontaktpersonen går gärna igenom den vid nästa besök.",
        "Rutinen förtydligad för alla enheter.",
    ),
    (
        "berom",
        "Berömmet har delats med arbetsgruppen.",
        "Tack för dina fina ord; vi har delat dem med personalen.",
        "Berömmet noteras i årets sammanställning av synpunkter.",
    ),
];

fn senders(kind: &str) -> &'static [(&'static str, u32)] {
    match kind {
        "klagomal" => &[
            ("narstaende", 50),
            ("brukare", 30),
            ("personal", 5),
            ("allmanheten", 5),
            ("anonym", 10),
        ],
        "synpunkt" => &[
            ("brukare", 40),
            ("narstaende", 40),
            ("personal", 10),
            ("anonym", 10),
        ],
        "rutiner" => &[("narstaende", 50), ("annan_myndighet", 25), ("brukare", 25)],
        "berom" => &[("narstaende", 60), ("brukare", 40)],
        _ => &[("brukare", 40), ("narstaende", 35), ("personal", 25)],
    }
}

fn klagomal_answer(
    p: &mut Planner<'_>,
    kind: &str,
    wants: bool,
    anonymous: bool,
) -> (&'static str, Fields, Vec<(&'static str, Fill)>) {
    let fitting: Vec<(&'static str, &'static str, &'static str)> = KLAGOMAL_ANSWERS
        .iter()
        .filter(|(k, ..)| *k == kind)
        .map(|(_, r, a, n)| (*r, *a, *n))
        .collect();
    let (result, response, analysis) = if fitting.is_empty() {
        (
            KLAGOMAL_ANSWERS[0].1,
            KLAGOMAL_ANSWERS[0].2,
            KLAGOMAL_ANSWERS[0].3,
        )
    } else {
        p.dice.pick(&fitting)
    };
    let mut answer = fields(&[("investigation_result", text(result))]);
    let mut fills = Vec::new();
    if wants {
        answer.insert("response".into(), text(response));
        fills.push(("response_sent_on", Fill::DaysBefore(0)));
    } else {
        let reason = if anonymous {
            "Avsändaren är anonym; återkoppling kan inte ges."
        } else {
            "Avsändaren har inte önskat återkoppling."
        };
        answer.insert("no_response_reason".into(), text(reason));
    }
    (analysis, answer, fills)
}

/// A plain klagomål, filed `j` steps into a year (0 is the newest).
fn klagomal_plan(dice: &mut Dice, j: usize, today: DateTime<Utc>, stall: Option<usize>) -> Plan {
    let unit = pick_unit(dice);
    let lagrum = social_lagrum(unit.place);
    let voice = Voice::of(unit.place, lagrum);
    let kind = dice.weighted(FEEDBACK_KINDS);
    let fitting: Vec<&'static str> = KLAGOMAL_TEXTS
        .iter()
        .filter(|(k, mask, _)| *k == kind && mask & unit.place.bit() != 0)
        .map(|(_, _, t)| *t)
        .collect();
    let what = if fitting.is_empty() {
        KLAGOMAL_TEXTS[0].2
    } else {
        dice.pick(&fitting)
    };
    let sender = dice.weighted(senders(kind));
    let anonymous = sender == "anonym";
    let wants = !anonymous && dice.chance(if kind == "berom" { 25 } else { 75 });
    let filer = if dice.chance(35) {
        Role::Reporter
    } else {
        Role::UnitManager
    };
    let age = 1 + i64::try_from(j * 360 / KLAGOMAL).unwrap_or(360);
    let filed_at = filing_time(dice, today, age, false);
    let received = dice.weighted(&[(0, 60), (1, 25), (3, 15)]);
    let stall = stall.or_else(|| {
        if age > 45 && dice.chance(4) {
            Some(1)
        } else {
            None
        }
    });

    let mut p = Planner::new(dice, "klagomal", j, unit, lagrum, filer, filed_at);
    p.set("feedback_kind", kind);
    p.set("sender_kind", sender);
    p.set_date("received_on", received);
    p.set("what_happened", voice.say(what));
    p.set_value("wants_aterkoppling", Value::Bool(wants));
    if kind == "klagomal" {
        if p.dice.chance(50) {
            let back = received + p.dice.range(1, 10);
            p.set_date("occurred_on", back);
        }
        if p.dice.chance(60) {
            let category = p.dice.pick(&[
                "brist_vid_genomforande_av_insats",
                "bemotande",
                "informationsoverforing_samverkan",
                "ovrigt",
            ]);
            p.set("category", category);
        }
        if p.dice.chance(50) {
            let gender = p.dice.weighted(GENDERS);
            p.set("affected_gender", gender);
        }
    }
    if stall == Some(0) {
        p.stop();
    }
    p.days(0, 3);
    p.go(Role::UnitManager, "start_investigation", Fields::new());
    if stall == Some(1) {
        p.stop();
    }
    p.days(3, 13);
    let (analysis, answer, fills) = klagomal_answer(&mut p, kind, wants, anonymous);
    p.go_with(Role::UnitManager, "answer", answer, fills);
    if stall == Some(2) {
        p.stop();
    }
    p.days(1, 20);
    p.go(
        Role::UnitManager,
        "close",
        fields(&[("analysis", text(analysis))]),
    );
    p.finish()
}

/// A klagomål that reveals an avvikelse.
#[derive(Debug)]
struct KlagomalAvvikelse {
    unit: usize,
    what: &'static str,
    category: &'static str,
    gender: &'static str,
    age: i64,
}

fn klagomal_avvikelser() -> [KlagomalAvvikelse; 3] {
    [
        KlagomalAvvikelse {
            unit: EKBACKEN,
            what: "Närstående klagar på att {p} inte fått hjälp med dusch på två veckor.",
            category: "brist_vid_genomforande_av_insats",
            gender: "kvinna",
            age: 204,
        },
        KlagomalAvvikelse {
            unit: HEMTJANST_SODER,
            what: "{P} klagar på att kvällsbesöken kommit mycket sent flera gånger och att {p} då fått vänta på hjälp till toaletten.",
            category: "brist_vid_genomforande_av_insats",
            gender: "man",
            age: 97,
        },
        KlagomalAvvikelse {
            unit: SOLROSEN,
            what: "Närstående klagar på att {p}s läkemedel inte följde med när {p} var hemma över helgen.",
            category: "lakemedel",
            gender: "kvinna",
            age: 14,
        },
    ]
}

fn klagomal_avvikelse_plan(
    dice: &mut Dice,
    index: usize,
    today: DateTime<Utc>,
    c: &KlagomalAvvikelse,
) -> Plan {
    let unit = &UNITS[c.unit];
    let lagrum = social_lagrum(unit.place);
    let voice = Voice::of(unit.place, lagrum);
    let filed_at = filing_time(dice, today, c.age, false);
    let mut p = Planner::new(
        dice,
        "klagomal",
        index,
        unit,
        lagrum,
        Role::UnitManager,
        filed_at,
    );
    p.set("feedback_kind", "klagomal");
    p.set("sender_kind", "narstaende");
    p.set_date("received_on", 0);
    p.set("what_happened", voice.say(c.what));
    p.set_value("wants_aterkoppling", Value::Bool(true));
    p.days(0, 2);
    p.go(Role::UnitManager, "start_investigation", Fields::new());
    p.days(1, 3);
    let opened = p.spawn(
        Role::UnitManager,
        "open_avvikelse",
        fields(&[
            (
                "spawn_reason",
                text("Klagomålet visar att en insats inte utförts enligt planen; avvikelsen utreds för sig."),
            ),
            ("category", text(c.category)),
            ("affected_gender", text(c.gender)),
        ]),
        vec![("occurred_on", Fill::DaysBefore(5))],
    );
    let back = p.t;
    // The avvikelse it opened runs its own course.
    p.case = opened;
    p.days(1, 4);
    let risk = risk_fields(p.dice);
    p.go(Role::UnitManager, "start_investigation", risk);
    p.days(5, 15);
    let report = report_actions_fields(p.dice, c.category, voice);
    p.go(Role::UnitManager, "report_actions", report);
    p.days(1, 8);
    let (closer, close) = closer(p.dice, lagrum, c.category);
    let assessment = p.dice.pick(CLOSING);
    p.go(
        closer,
        close,
        fields(&[("closing_assessment", text(assessment))]),
    );
    // The klagomål is answered meanwhile.
    p.t = back;
    p.case = 0;
    p.days(2, 8);
    p.go_with(
        Role::UnitManager,
        "answer",
        fields(&[
            (
                "investigation_result",
                text("Klagomålet är befogat; en avvikelse är öppnad och orsakerna utreds."),
            ),
            (
                "response",
                text("Vi beklagar det som hänt. Vi utreder orsakerna och återkommer om vilka åtgärder vi vidtar."),
            ),
        ]),
        vec![("response_sent_on", Fill::DaysBefore(0))],
    );
    p.days(14, 30);
    p.go(
        Role::UnitManager,
        "close",
        fields(&[(
            "analysis",
            text("Brister i utförandet av insatser är det vanligaste temat i årets klagomål."),
        )]),
    );
    p.finish()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use varna_store::StoreConfig;
    use varna_workflow::Catalog;

    use super::*;

    const KINDS: [&str; 4] = ["avvikelse", "lex-sarah", "lex-maria", "klagomal"];

    fn catalog() -> Catalog {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/workflows");
        let sources: Vec<(String, String)> = KINDS
            .iter()
            .map(|name| {
                let file = format!("{name}.toml");
                let text = std::fs::read_to_string(format!("{dir}/{file}"))
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
                (file, text)
            })
            .collect();
        Catalog::from_sources(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
            .expect("valid definitions")
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("a valid time")
            .with_timezone(&Utc)
    }

    fn count(counts: &[(Option<String>, u64)], key: &str) -> u64 {
        counts
            .iter()
            .find(|(k, _)| k.as_deref() == Some(key))
            .map_or(0, |(_, n)| *n)
    }

    #[test]
    fn plans_are_deterministic_and_their_texts_complete() {
        let today = at("2026-11-23T07:45:00Z");
        let plans = plans(today);
        assert_eq!(
            plans,
            super::plans(today),
            "the same plans for the same day"
        );
        let mut texts: Vec<&str> = Vec::new();
        for plan in &plans {
            texts.extend(plan.fields.values().filter_map(Value::as_text));
            for step in &plan.steps {
                match &step.action {
                    Action::Transition { fields, .. } => {
                        texts.extend(fields.values().filter_map(Value::as_text));
                    }
                    Action::Entry { text, .. } => texts.push(text),
                }
            }
        }
        for t in texts {
            assert!(!t.contains(['{', '}']), "unfilled placeholder in {t:?}");
            assert!(!t.trim().is_empty(), "an empty text");
        }
        // Every user's units exist, and the test personnummer is valid.
        let known: BTreeSet<&str> = UNITS.iter().map(|u| u.id).collect();
        for user in users() {
            assert_eq!(
                user.role.is_unit_scoped(),
                !user.units.is_empty(),
                "{}",
                user.id
            );
            for unit in &user.units {
                assert!(known.contains(unit.as_str()), "{}: {unit}", user.id);
            }
        }
        Personnummer::parse(TEST_PERSONNUMMER, today.date_naive()).expect("a valid test number");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_fills_every_state_of_every_lifecycle_and_verifies() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(
            &StoreConfig::new(format!("sqlite://{}/d.db?mode=rwc", dir.path().display())),
            &catalog(),
        )
        .await
        .expect("store opens");
        // Early in the morning: steps planned for later today must be left out.
        let today = at("2026-11-23T07:45:00Z");
        let demo = load(&store, today).await.expect("the demo loads");

        let all = CaseFilter::default();
        let total = store.count_cases(&all).await.expect("counts");
        assert!(demo.cases >= 250, "{} cases", demo.cases);
        assert_eq!(u64::try_from(demo.cases).ok(), Some(total));

        let roles: BTreeSet<Role> = demo.users.iter().map(|u| u.role).collect();
        assert_eq!(
            roles,
            Role::ALL.into_iter().collect::<BTreeSet<_>>(),
            "a user for every role"
        );
        let registered: BTreeSet<String> = store
            .units()
            .await
            .expect("units")
            .into_iter()
            .map(|(id, ..)| id)
            .collect();
        assert_eq!(registered, demo.units.iter().cloned().collect());

        let per_kind = store.count_by(&all, GroupBy::Kind).await.expect("counts");
        assert!(count(&per_kind, "avvikelse") >= 200, "{per_kind:?}");
        assert!(
            (15..=20).contains(&count(&per_kind, "lex-sarah")),
            "{per_kind:?}"
        );
        assert!(
            (5..=8).contains(&count(&per_kind, "lex-maria")),
            "{per_kind:?}"
        );
        assert!(
            (25..=35).contains(&count(&per_kind, "klagomal")),
            "{per_kind:?}"
        );

        for kind in KINDS {
            let def = store.definition(kind).expect("a definition");
            let only = CaseFilter {
                kinds: vec![kind.into()],
                ..CaseFilter::default()
            };
            let states = store.count_by(&only, GroupBy::State).await.expect("counts");
            for state in &def.states {
                assert!(
                    count(&states, state.id.as_str()) > 0,
                    "{kind}: no case in {}: {states:?}",
                    state.id
                );
            }
            let overdue = CaseFilter {
                overdue_at: Some(today),
                ..only.clone()
            };
            assert!(
                store.count_cases(&overdue).await.expect("counts") > 0,
                "{kind}: no overdue case"
            );
        }

        // Lex Sarah: every severity outcome, and some still under investigation.
        let sarah = CaseFilter {
            kinds: vec!["lex-sarah".into()],
            ..CaseFilter::default()
        };
        let outcomes = store
            .count_by(&sarah, GroupBy::Outcome)
            .await
            .expect("counts");
        for outcome in &store
            .definition("lex-sarah")
            .expect("a definition")
            .outcomes
        {
            assert!(
                count(&outcomes, &outcome.id) > 0,
                "{}: {outcomes:?}",
                outcome.id
            );
        }
        assert!(
            outcomes.iter().any(|(o, n)| o.is_none() && *n > 0),
            "{outcomes:?}"
        );

        // Avvikelser under every lagrum, most under SoL.
        let avvikelser = CaseFilter {
            kinds: vec!["avvikelse".into()],
            ..CaseFilter::default()
        };
        let lagrum = store
            .count_by(&avvikelser, GroupBy::Lagrum)
            .await
            .expect("counts");
        let (sol, lss, hsl) = (
            count(&lagrum, "SoL"),
            count(&lagrum, "LSS"),
            count(&lagrum, "HSL"),
        );
        assert!(sol > lss && sol > hsl && lss > 0 && hsl > 0, "{lagrum:?}");

        // Everything happened within the year before `today`.
        let future = CaseFilter {
            opened_from: Some(today),
            ..CaseFilter::default()
        };
        assert_eq!(store.count_cases(&future).await.expect("counts"), 0);
        let ancient = CaseFilter {
            opened_before: Some(today - Duration::days(366)),
            ..CaseFilter::default()
        };
        assert_eq!(store.count_cases(&ancient).await.expect("counts"), 0);

        let again = load(&store, today).await.expect("loads again");
        assert_eq!(again.cases, 0, "a second load adds nothing");
        assert_eq!(again.users, demo.users);
        assert_eq!(store.count_cases(&all).await.expect("counts"), total);

        let report = store.verify_audit(|_| {}).await.expect("verifies");
        assert_eq!(report.problem, None);
        assert_eq!(report.cases, total);
    }
}

#[cfg(test)]
mod tmp_stats {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore]
    async fn stats() {
        let dir = tempfile::tempdir().unwrap();
        let dirw = concat!(env!("CARGO_MANIFEST_DIR"), "/workflows");
        let srcs: Vec<(String, String)> = ["avvikelse", "lex-sarah", "lex-maria", "klagomal"].iter().map(|n| (format!("{n}.toml"), std::fs::read_to_string(format!("{dirw}/{n}.toml")).unwrap())).collect();
        let cat = varna_workflow::Catalog::from_sources(srcs.iter().map(|(a, b)| (a.as_str(), b.as_str()))).unwrap();
        let store = Store::open(&varna_store::StoreConfig::new(format!("sqlite://{}/d.db?mode=rwc", dir.path().display())), &cat).await.unwrap();
        let today = Utc::now();
        let t = std::time::Instant::now();
        let demo = load(&store, today).await.unwrap();
        eprintln!("load: {:?}, cases {}", t.elapsed(), demo.cases);
        for kind in ["avvikelse", "lex-sarah", "lex-maria", "klagomal"] {
            let f = CaseFilter { kinds: vec![kind.into()], ..CaseFilter::default() };
            eprintln!("{kind}: {} state {:?}", store.count_cases(&f).await.unwrap(), store.count_by(&f, GroupBy::State).await.unwrap());
            eprintln!("   outcome {:?}", store.count_by(&f, GroupBy::Outcome).await.unwrap());
            eprintln!("   lagrum {:?}", store.count_by(&f, GroupBy::Lagrum).await.unwrap());
            eprintln!("   unit {:?}", store.count_by(&f, GroupBy::Unit).await.unwrap());
            eprintln!("   category {:?}", store.count_by(&f, GroupBy::Category).await.unwrap());
            eprintln!("   gender {:?}", store.count_by(&f, GroupBy::AffectedGender).await.unwrap());
            let o = CaseFilter { overdue_at: Some(today), ..f.clone() };
            eprintln!("   overdue {} open {}", store.count_cases(&o).await.unwrap(), store.count_cases(&CaseFilter{closed: Some(false), ..f.clone()}).await.unwrap());
        }
        let r = store.verify_audit(|_| {}).await.unwrap();
        eprintln!("events {} cases {}", r.events, r.cases);
    }
}
