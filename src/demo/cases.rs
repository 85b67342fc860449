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
    Command::AddJournalEntry(journal_entry(topic, at, author, title))
}

fn journal_entry(topic: &str, at: DateTime<Utc>, author: &str, title: &str) -> JournalEntry {
    JournalEntry::new(
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
    )
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

/// The lex Sarah utredning topics besides protective measures, causes and actions.
const SARAH_TOPICS: [&str; 6] = [
    "what_happened",
    "consequences",
    "noticed_how",
    "earlier_similar_events",
    "recurrence_risk",
    "affected_person_view",
];
/// The same for lex Maria.
const MARIA_TOPICS: [&str; 6] = [
    "what_happened",
    "consequences",
    "noticed_how",
    "earlier_similar_events",
    "recurrence_risk",
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
        _ => klagomal(lagrum, variant, at),
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
            ]),
        ),
    ));
    v.push(step(
        Role::UnitManager,
        transition(
            "assess_effect",
            fields(&[
                ("result", text("Alla på schemat har gått introduktionen.")),
                ("effect_assessment", text("Inga nya händelser på en månad.")),
            ]),
        ),
    ));
    v.push(step(
        closer,
        transition(
            close,
            fields(&[
                ("closing_assessment", text("Åtgärderna adresserar orsaken.")),
                (
                    "escalation_answer",
                    text("Ingen skada och inget missförhållande: rutinbrist som åtgärdats."),
                ),
                (
                    "reporter_feedback",
                    text(
                        "Tack för din rapport. Orsaken var en rutinbrist; alla på schemat har nu gått introduktionen.",
                    ),
                ),
            ]),
        ),
    ));
    v
}

/// An utredning journal written in full by `role` (`who`, `title`): the
/// topics, protective measures, a cause and an action that names it, and
/// the action's follow-up. The case's journal is empty before.
fn utredning(
    role: Role,
    (who, title): (&str, &str),
    topics: &[&str],
    at: DateTime<Utc>,
) -> Vec<Step> {
    let mut v: Vec<Step> = topics
        .iter()
        .chain(&["immediate_actions", "causes"])
        .map(|topic| step(role, entry(topic, at, who, title)))
        .collect();
    let cause = u32::try_from(v.len()).unwrap_or(0);
    let mut action = journal_entry("actions", at, who, title);
    action.addresses = Some(cause);
    action.owner = Some("Enhetschef".to_owned());
    action.due_on = Some(at.date_naive());
    v.push(step(role, Command::AddJournalEntry(action)));
    let mut followup = journal_entry("action_followups", at, who, title);
    followup.follows_up = Some(cause + 1);
    v.push(step(role, Command::AddJournalEntry(followup)));
    v
}

const SAS: (&str, &str) = ("Sara Samordnare", "Socialt ansvarig samordnare");
const MAS: (&str, &str) = ("Mats Andersson", "Medicinskt ansvarig sjuksköterska");

/// The SAS's lex Sarah utredning in full, and the unit manager's
/// confirmation that the protective measures in it are documented.
fn sarah_utredning(at: DateTime<Utc>) -> Vec<Step> {
    let mut v = utredning(Role::Sas, SAS, &SARAH_TOPICS, at);
    v.push(step(
        Role::UnitManager,
        transition("document_protective_measures", Fields::new()),
    ));
    v
}

/// The MAS's lex Maria utredning in full, and the confirmation that the
/// measures taken at once are documented.
fn maria_utredning(at: DateTime<Utc>) -> Vec<Step> {
    let mut v = utredning(Role::Mas, MAS, &MARIA_TOPICS, at);
    v.push(step(
        Role::Mas,
        transition("document_immediate_actions", Fields::new()),
    ));
    v
}

/// The anmälan as it was sent, by e-service, on `on`, with the utredning or not.
fn sent(on: DateTime<Utc>, with_utredning: bool) -> Fields {
    let mut f = fields(&[
        ("anmalan_sent_on", day(on)),
        ("anmalan_channel", text("e_tjanst")),
    ]);
    if with_utredning {
        f.insert("utredning_sent_on".into(), day(on));
    }
    f
}

/// An obviously serious missförhållande: proposed for an anmälan at
/// intake, decided by the committee and sent; IVO's number arrives later,
/// and the utredning follows within two months.
fn lex_sarah_early_anmalan(variant: usize, at: &impl Fn(usize) -> DateTime<Utc>) -> Vec<Step> {
    let mut v = vec![
        step(
            Role::Sas,
            transition(
                "propose_early_anmalan",
                fields(&[
                    ("anmalan_grounds", text("serious_missforhallande")),
                    (
                        "seriousness_reasons",
                        text("Fysiskt övergrepp med synlig skada."),
                    ),
                ]),
            ),
        ),
        step(
            Role::Committee,
            transition(
                "decide_ivo_anmalan",
                fields(&[("decision_motivation", text("Uppenbart allvarligt."))]),
            ),
        ),
        step(
            Role::Sas,
            transition("register_ivo_anmalan", sent(at(1), false)),
        ),
        step(
            Role::Sas,
            transition(
                "record_ivo_diarienummer",
                fields(&[(
                    "ivo_diarienummer",
                    text(&format!("IVO 8.1-{}/2026", 1000 + variant)),
                )]),
            ),
        ),
    ];
    v.extend(sarah_utredning(at(2)));
    v.push(step(
        Role::Sas,
        transition(
            "send_utredning_to_ivo",
            fields(&[
                ("outcome", text("serious_missforhallande")),
                ("conclusion", text("Allvarligt missförhållande.")),
                ("utredning_sent_on", day(at(3))),
            ]),
        ),
    ));
    v.push(step(
        Role::Sas,
        transition(
            "close_after_anmalan",
            fields(&[
                ("individual_informed_on", day(at(3))),
                ("individual_informed_how", text("Samtal med den enskilde.")),
            ]),
        ),
    ));
    v
}

/// Acknowledged, protected against, investigated and ruled on; a serious
/// ruling goes to the committee and IVO.
fn lex_sarah(variant: usize, at: &impl Fn(usize) -> DateTime<Utc>) -> Vec<Step> {
    let mut v = vec![step(Role::Sas, transition("acknowledge", Fields::new()))];
    v.extend(sarah_utredning(at(2)));
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
    if variant % 5 < 3 {
        v.push(step(
            Role::Sas,
            transition(
                "rule_not_serious",
                fields(&[
                    ("outcome", text(outcome)),
                    ("conclusion", text("Utredningens ställningstagande.")),
                    ("individual_informed_on", day(at(4))),
                ]),
            ),
        ));
        return v;
    }
    v.push(step(
        Role::Sas,
        transition(
            "propose_anmalan",
            fields(&[
                ("outcome", text(outcome)),
                (
                    "seriousness_reasons",
                    text("Allvarligt enligt utredningen."),
                ),
                ("conclusion", text("Utredningens ställningstagande.")),
            ]),
        ),
    ));
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
    let mut registered = sent(at(7), true);
    registered.insert(
        "ivo_diarienummer".into(),
        text(&format!("IVO 8.1-{}/2026", 2000 + variant)),
    );
    v.push(step(
        Role::Sas,
        transition("register_ivo_anmalan", registered),
    ));
    v.push(step(
        Role::Sas,
        transition(
            "close_after_anmalan",
            fields(&[(
                "information_not_possible",
                text("Den enskilde avböjde samtal."),
            )]),
        ),
    ));
    v
}

/// Investigated by the MAS and ruled on; every fifth one (obviously serious)
/// reported to IVO at once with the utredning after, and a serious ruling
/// reported after the utredning.
fn lex_maria(variant: usize, at: &impl Fn(usize) -> DateTime<Utc>) -> Vec<Step> {
    let anmalan = |outcome: &str, on: DateTime<Utc>, with_utredning: bool| {
        let mut f = sent(on, with_utredning);
        f.insert("outcome".into(), text(outcome));
        f.insert(
            "seriousness_reasons".into(),
            text("Händelsen kunde ha lett till bestående skada."),
        );
        f
    };
    let informed = |on: DateTime<Utc>| {
        step(
            Role::Mas,
            transition(
                "record_patient_informed",
                fields(&[
                    ("patient_informed_on", day(on)),
                    ("patient_informed_who", text("narstaende")),
                ]),
            ),
        )
    };
    if variant % 5 == 4 {
        let mut v = vec![step(
            Role::Mas,
            transition("report_to_ivo", anmalan("serious_vardskada", at(1), false)),
        )];
        v.extend(maria_utredning(at(2)));
        v.push(step(
            Role::Mas,
            transition(
                "send_utredning_to_ivo",
                fields(&[
                    ("conclusion", text("Allvarlig vårdskada.")),
                    ("utredning_sent_on", day(at(3))),
                ]),
            ),
        ));
        v.push(informed(at(3)));
        v.push(step(
            Role::Mas,
            transition("close_after_anmalan", Fields::new()),
        ));
        return v;
    }
    let mut v = vec![step(
        Role::Mas,
        transition("start_utredning", Fields::new()),
    )];
    v.extend(maria_utredning(at(2)));
    v.push(step(
        Role::Mas,
        transition("complete_utredning", Fields::new()),
    ));
    let outcome = [
        "no_vardskada",
        "risk_of_vardskada",
        "vardskada",
        "risk_of_serious_vardskada",
        "serious_vardskada",
    ][variant % 5];
    let mut ruling = fields(&[
        ("outcome", text(outcome)),
        ("conclusion", text("MAS ställningstagande.")),
    ]);
    match variant % 5 {
        0 | 1 => v.push(step(Role::Mas, transition("rule_no_vardskada", ruling))),
        2 => {
            ruling.insert("patient_informed_on".into(), day(at(2)));
            v.push(step(Role::Mas, transition("rule_vardskada", ruling)));
        }
        _ => {
            let mut f = anmalan(outcome, at(6), true);
            f.insert("conclusion".into(), text("MAS ställningstagande."));
            v.push(step(Role::Mas, transition("report_to_ivo", f)));
            v.push(informed(at(6)));
            let close = if outcome == "serious_vardskada" {
                "close_after_anmalan"
            } else {
                "close_after_anmalan_risk"
            };
            v.push(step(Role::Mas, transition(close, Fields::new())));
        }
    }
    v
}

/// Investigated, answered (or not, when the sender wants no answer) and
/// closed with the answer to the lex Sarah / lex Maria question; praise is
/// acknowledged without an investigation; some health-care complaints
/// concern another vårdgivare and are forwarded.
fn klagomal(lagrum: Lagrum, variant: usize, at: &impl Fn(usize) -> DateTime<Utc>) -> Vec<Step> {
    if lagrum == Lagrum::Hsl && variant % 4 == 1 {
        // About another vårdgivare: forwarded, with the day and the receiver.
        return vec![
            step(
                Role::UnitManager,
                transition("start_investigation", Fields::new()),
            ),
            step(
                Role::UnitManager,
                transition(
                    "forward_to_other_provider",
                    fields(&[
                        ("forwarded_to", text("Regionens vårdcentral")),
                        ("forwarded_on", day(at(2))),
                    ]),
                ),
            ),
        ];
    }
    let answer = if variant % 5 == 4 {
        transition(
            "acknowledge_praise",
            fields(&[
                ("response", text("Tack, vi har fört berömmet vidare.")),
                ("response_sent_on", day(at(2))),
            ]),
        )
    } else if variant.is_multiple_of(2) {
        let mut set = fields(&[
            ("investigation_result", text("Rutinen förtydligad.")),
            ("response", text("Tack, vi har ändrat rutinen.")),
            ("response_sent_on", day(at(2))),
        ]);
        let name = if lagrum == Lagrum::Hsl {
            set.insert(
                "planned_measures".into(),
                text("Ny rutin för läkemedelsgenomgång."),
            );
            "answer_health"
        } else {
            "answer"
        };
        transition(name, set)
    } else {
        transition(
            "record_no_answer",
            fields(&[
                (
                    "investigation_result",
                    text("Synpunkten tas med i verksamhetsplaneringen."),
                ),
                (
                    "no_response_reason",
                    text("Avsändaren ville inte ha återkoppling."),
                ),
            ]),
        )
    };
    let mut v = vec![step(
        Role::UnitManager,
        transition("start_investigation", Fields::new()),
    )];
    if variant.is_multiple_of(2) || variant % 5 == 4 {
        // The sender wants to hear back: a receipt first.
        v.push(step(
            Role::UnitManager,
            transition("send_receipt", fields(&[("receipt_sent_on", day(at(1)))])),
        ));
    }
    v.extend([
        step(Role::UnitManager, answer),
        step(
            Role::UnitManager,
            transition(
                "close",
                fields(&[
                    (
                        "analysis",
                        text("Liknande synpunkter från två enheter i år."),
                    ),
                    (
                        "escalation_answer",
                        text("Inget missförhållande och ingen vårdskada."),
                    ),
                ]),
            ),
        ),
    ]);
    v
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
                ("noticed_on", day(occurred)),
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
                ("noticed_on", day(occurred)),
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
                (
                    "wants_aterkoppling",
                    Value::Bool(variant.is_multiple_of(2) || variant % 5 == 4),
                ),
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
