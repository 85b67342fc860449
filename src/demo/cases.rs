//! The demo's case generator: a deterministic dice, the filing of each
//! kind of case and the steps of each lifecycle after filing, as engine
//! commands with the role that gives them. Used by `varna serve --demo` and
//! by `varna-bench`, which generates its national-scale data with it.

use chrono::{DateTime, Utc};
use varna_workflow::{
    Actor, ActorId, Author, Command, EntryKind, Fields, FileCase, JournalEntry, Lagrum, Role,
    UnitId, Value,
};

/// A small deterministic generator (xorshift64*): the demo is the same every time.
#[derive(Debug, Clone)]
pub struct Dice(pub u64);

impl Dice {
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number from 0 up to (not including) `n`.
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % n.max(1) as u64).unwrap_or(0)
    }
    /// One of `items` (which must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const AVVIKELSER: [(&str, &str); 8] = [
    (
        "fall",
        "Brukaren föll i badrummet nattetid; ingen larmknapp var på.",
    ),
    (
        "lakemedel",
        "Kvällsdosen gavs inte; signeringslistan var inte ifylld.",
    ),
    (
        "brist_vid_genomforande_av_insats",
        "Planerat besök uteblev; brukaren fick ingen lunch.",
    ),
    (
        "bemotande",
        "Brukaren upplevde att personalen talade nedlåtande.",
    ),
    (
        "dokumentation",
        "Genomförandeplanen var inte uppdaterad efter ändrat behov.",
    ),
    (
        "informationsoverforing_samverkan",
        "Ändrad ordination nådde inte kvällspersonalen.",
    ),
    (
        "hot_och_vald",
        "Brukare hotade en medarbetare under morgonhygienen.",
    ),
    (
        "forflyttning",
        "Förflyttning utan lyft trots ordinerad lyftanordning.",
    ),
];

const GENDERS: [&str; 3] = ["kvinna", "man", "ej_angivet"];

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn fields(pairs: &[(&str, Value)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn day(t: DateTime<Utc>) -> Value {
    Value::Text(t.format("%Y-%m-%d").to_string())
}

fn transition(name: &str, set: Fields) -> Command {
    Command::Transition {
        name: name.to_owned(),
        fields: set,
    }
}

fn entry(topic: &str, at: DateTime<Utc>, author: &str, title: &str) -> Command {
    Command::AddJournalEntry(JournalEntry::new(
        topic,
        format!("Utredningens underlag om {}.", topic.replace('_', " ")),
        "Samtal med personal och brukare",
        if topic.contains("risk") || topic == "causes" {
            EntryKind::Assessment
        } else {
            EntryKind::Fact
        },
        at.date_naive(),
        Author {
            name: author.to_owned(),
            title: title.to_owned(),
        },
    ))
}

/// One step of a case's life: who does what.
#[derive(Debug)]
pub struct Step {
    /// Who acts.
    pub role: Role,
    /// What they do.
    pub command: Command,
}

/// The demo actor of `role` at `unit` (one fixed person per role).
pub fn actor(role: Role, unit: &str) -> Actor {
    let id = match role {
        Role::UnitManager => "um-demo",
        Role::Sas => "sas-1",
        Role::Mas => "mas-1",
        Role::Mar => "mar-1",
        Role::Committee => "committee-1",
        Role::OperationsManager => "vc-1",
        _ => "rep-demo",
    };
    Actor {
        id: ActorId::new(id),
        role,
        units: [UnitId::new(unit)].into(),
    }
}

const SARAH_TOPICS: [&str; 8] = [
    "what_happened",
    "consequences",
    "noticed_how",
    "causes",
    "earlier_similar_events",
    "recurrence_risk",
    "actions",
    "affected_person_view",
];
const MARIA_TOPICS: [&str; 9] = [
    "what_happened",
    "consequences",
    "noticed_how",
    "causes",
    "earlier_similar_events",
    "recurrence_risk",
    "actions",
    "immediate_actions",
    "patient_view",
];

/// The steps of a lifecycle after filing, for a case filed at `at` (each step a little later).
pub fn steps(
    kind: &str,
    lagrum: Lagrum,
    variant: usize,
    at: &impl Fn(usize) -> DateTime<Utc>,
) -> Vec<Step> {
    match kind {
        "avvikelse" => avvikelse(lagrum, variant),
        "lex-sarah" if variant % 6 == 5 => lex_sarah_early_anmalan(variant, at),
        "lex-sarah" => lex_sarah(variant, at),
        "lex-maria" => lex_maria(variant, at),
        _ => klagomal(variant, at),
    }
}

fn step(role: Role, command: Command) -> Step {
    Step { role, command }
}

/// Investigated and closed; every ninth one escalated to lex Sarah or lex Maria instead.
fn avvikelse(lagrum: Lagrum, variant: usize) -> Vec<Step> {
    let mut v = vec![step(
        Role::UnitManager,
        transition(
            "start_investigation",
            fields(&[
                ("risk_probability", Value::Integer(2)),
                ("risk_consequence", Value::Integer(3)),
            ]),
        ),
    )];
    if variant % 9 == 4 {
        let (role, name) = if lagrum == Lagrum::Hsl {
            (Role::Mas, "escalate_to_lex_maria")
        } else {
            (Role::Sas, "escalate_to_lex_sarah")
        };
        v.push(step(
            role,
            transition(
                name,
                fields(&[
                    (
                        "escalation_reason",
                        text("Misstänkt missförhållande eller vårdskada"),
                    ),
                    ("affected_gender", text(GENDERS[variant % 3])),
                ]),
            ),
        ));
        return v;
    }
    let (closer, close) = if lagrum == Lagrum::Hsl {
        (Role::Mas, "close_health")
    } else {
        (Role::Sas, "close_social")
    };
    v.push(step(
        Role::UnitManager,
        transition(
            "report_actions",
            fields(&[
                ("causes", text("Rutinen var okänd för timanställda.")),
                (
                    "actions",
                    text("Introduktion i rutinen (orsak: okänd rutin), klar inom två veckor."),
                ),
                ("result", text("Alla på schemat har gått introduktionen.")),
                ("effect_assessment", text("Inga nya händelser på en månad.")),
            ]),
        ),
    ));
    v.push(step(
        closer,
        transition(
            close,
            fields(&[("closing_assessment", text("Åtgärderna adresserar orsaken."))]),
        ),
    ));
    v
}

/// The SAS's journal entries on every topic of a lex Sarah utredning.
fn sarah_utredning(at: DateTime<Utc>) -> impl Iterator<Item = Step> {
    SARAH_TOPICS.into_iter().map(move |topic| {
        step(
            Role::Sas,
            entry(topic, at, "Sara Samordnare", "Socialt ansvarig samordnare"),
        )
    })
}

/// An obviously serious missförhållande: reported to IVO at once, the utredning sent after.
fn lex_sarah_early_anmalan(variant: usize, at: &impl Fn(usize) -> DateTime<Utc>) -> Vec<Step> {
    let mut v = vec![step(
        Role::Sas,
        transition(
            "early_ivo_anmalan",
            fields(&[
                (
                    "obvious_seriousness",
                    text("Fysiskt övergrepp med synlig skada."),
                ),
                ("anmalan_date", day(at(1))),
                (
                    "ivo_diarienummer",
                    text(&format!("IVO 8.1-{}/2026", 1000 + variant)),
                ),
            ]),
        ),
    )];
    v.extend(sarah_utredning(at(2)));
    v.push(step(
        Role::Sas,
        transition(
            "send_utredning_to_ivo",
            fields(&[
                (
                    "immediate_actions",
                    text("Medarbetaren avstängd i väntan på utredning."),
                ),
                ("outcome", text("serious_missforhallande")),
                ("conclusion", text("Allvarligt missförhållande.")),
                ("complement_sent_on", day(at(3))),
            ]),
        ),
    ));
    v
}

/// Acknowledged, investigated and ruled on; a serious ruling goes to the
/// committee and IVO.
fn lex_sarah(variant: usize, at: &impl Fn(usize) -> DateTime<Utc>) -> Vec<Step> {
    let mut v = vec![
        step(Role::Sas, transition("acknowledge", Fields::new())),
        step(
            Role::UnitManager,
            transition(
                "document_immediate_actions",
                fields(&[(
                    "immediate_actions",
                    text("Extra bemanning och samtal med brukaren samma dag."),
                )]),
            ),
        ),
    ];
    v.extend(sarah_utredning(at(3)));
    v.push(step(
        Role::Sas,
        transition("complete_utredning", Fields::new()),
    ));
    let outcome = [
        "no_missforhallande",
        "risk_of_missforhallande",
        "missforhallande",
        "risk_of_serious_missforhallande",
        "serious_missforhallande",
    ][variant % 5];
    let ruling = fields(&[
        ("outcome", text(outcome)),
        ("conclusion", text("Utredningens ställningstagande.")),
    ]);
    if variant % 5 < 3 {
        v.push(step(Role::Sas, transition("rule_not_serious", ruling)));
        return v;
    }
    v.push(step(Role::Sas, transition("rule_serious", ruling)));
    v.push(step(
        Role::Committee,
        transition(
            "decide_ivo_anmalan",
            fields(&[(
                "decision_motivation",
                text("Allvarligt enligt SAS utredning."),
            )]),
        ),
    ));
    v.push(step(
        Role::Sas,
        transition(
            "register_ivo_anmalan",
            fields(&[
                ("anmalan_date", day(at(7))),
                (
                    "ivo_diarienummer",
                    text(&format!("IVO 8.1-{}/2026", 2000 + variant)),
                ),
            ]),
        ),
    ));
    v.push(step(
        Role::Sas,
        transition("close_after_anmalan", Fields::new()),
    ));
    v
}

/// Investigated by the MAS and ruled on; every fifth one (obviously serious)
/// reported to IVO at once, and a serious ruling reported after.
fn lex_maria(variant: usize, at: &impl Fn(usize) -> DateTime<Utc>) -> Vec<Step> {
    if variant % 5 == 4 {
        return vec![step(
            Role::Mas,
            transition(
                "early_ivo_anmalan",
                fields(&[
                    (
                        "obvious_seriousness",
                        text("Patienten avled efter felaktig läkemedelsdos."),
                    ),
                    ("anmalan_date", day(at(1))),
                    (
                        "ivo_diarienummer",
                        text(&format!("IVO 3.1-{}/2026", 500 + variant)),
                    ),
                ]),
            ),
        )];
    }
    let mut v = vec![step(
        Role::Mas,
        transition("start_utredning", Fields::new()),
    )];
    v.extend(MARIA_TOPICS.into_iter().map(|topic| {
        step(
            Role::Mas,
            entry(
                topic,
                at(2),
                "Mats Andersson",
                "Medicinskt ansvarig sjuksköterska",
            ),
        )
    }));
    v.push(step(
        Role::Mas,
        transition(
            "complete_utredning",
            fields(&[("patient_informed_on", day(at(2)))]),
        ),
    ));
    let outcome = [
        "no_vardskada",
        "risk_of_vardskada",
        "vardskada",
        "risk_of_serious_vardskada",
        "serious_vardskada",
    ][variant % 5];
    let ruling = fields(&[
        ("outcome", text(outcome)),
        ("conclusion", text("MAS ställningstagande.")),
    ]);
    if variant % 5 < 3 {
        v.push(step(Role::Mas, transition("rule_not_serious", ruling)));
        return v;
    }
    v.push(step(Role::Mas, transition("rule_serious", ruling)));
    v.push(step(
        Role::Mas,
        transition(
            "register_ivo_anmalan",
            fields(&[
                ("anmalan_date", day(at(6))),
                (
                    "ivo_diarienummer",
                    text(&format!("IVO 3.1-{}/2026", 600 + variant)),
                ),
            ]),
        ),
    ));
    v.push(step(
        Role::Mas,
        transition("close_after_anmalan", Fields::new()),
    ));
    v
}

/// Investigated, answered (or not, when the sender wants no answer) and closed.
fn klagomal(variant: usize, at: &impl Fn(usize) -> DateTime<Utc>) -> Vec<Step> {
    let answer = if variant.is_multiple_of(2) {
        fields(&[
            ("investigation_result", text("Rutinen förtydligad.")),
            ("response", text("Tack, vi har ändrat rutinen.")),
            ("response_sent_on", day(at(2))),
        ])
    } else {
        fields(&[
            (
                "investigation_result",
                text("Synpunkten tas med i verksamhetsplaneringen."),
            ),
            (
                "no_response_reason",
                text("Avsändaren ville inte ha återkoppling."),
            ),
        ])
    };
    vec![
        step(
            Role::UnitManager,
            transition("start_investigation", Fields::new()),
        ),
        step(Role::UnitManager, transition("answer", answer)),
        step(
            Role::UnitManager,
            transition(
                "close",
                fields(&[(
                    "analysis",
                    text("Liknande synpunkter från två enheter i år."),
                )]),
            ),
        ),
    ]
}

/// A filing of a `kind` case at `unit`, numbered `variant` (which varies
/// its fields), and the role that files it.
pub fn filing(
    kind: &str,
    lagrum: Lagrum,
    unit: &str,
    variant: usize,
    dice: &mut Dice,
    occurred: DateTime<Utc>,
) -> (Role, FileCase) {
    let gender = text(GENDERS[variant % 3]);
    let (category, what) = *dice.pick(&AVVIKELSER);
    let (role, f) = match kind {
        "avvikelse" => (
            if variant.is_multiple_of(3) {
                Role::Reporter
            } else {
                Role::UnitManager
            },
            fields(&[
                ("what_happened", text(what)),
                ("occurred_on", day(occurred)),
                ("category", text(category)),
                ("affected_gender", gender),
                (
                    "avvikelse_type",
                    text(if variant.is_multiple_of(7) {
                        "system"
                    } else {
                        "brukarrelaterad"
                    }),
                ),
            ]),
        ),
        "lex-sarah" => (
            Role::Reporter,
            fields(&[
                (
                    "what_happened",
                    text("Medarbetare såg en kollega hålla hårt i brukarens arm."),
                ),
                ("occurred_on", day(occurred)),
                ("affected_gender", gender),
                (
                    "category",
                    text(
                        [
                            "fysiska_overgrepp",
                            "psykiska_overgrepp",
                            "brister_i_bemotande",
                            "insats_ej_utford",
                        ][variant % 4],
                    ),
                ),
            ]),
        ),
        "lex-maria" => (
            Role::UnitManager,
            fields(&[
                (
                    "what_happened",
                    text("Patienten fick dubbel dos blodförtunnande."),
                ),
                ("occurred_on", day(occurred)),
                ("affected_gender", gender),
                ("category", text("lakemedel")),
            ]),
        ),
        _ => (
            Role::UnitManager,
            fields(&[
                (
                    "feedback_kind",
                    text(["klagomal", "synpunkt", "forslag", "rutiner", "berom"][variant % 5]),
                ),
                (
                    "sender_kind",
                    text(["brukare", "narstaende", "personal", "allmanheten"][variant % 4]),
                ),
                ("received_on", day(occurred)),
                (
                    "what_happened",
                    text("Närstående framför synpunkter på matens kvalitet."),
                ),
                ("wants_aterkoppling", Value::Bool(variant.is_multiple_of(2))),
            ]),
        ),
    };
    (
        role,
        FileCase {
            lagrum,
            unit: UnitId::new(unit),
            fields: f,
        },
    )
}
