//! The demo organisation for `varna serve --demo`: units in äldreomsorg,
//! hemtjänst, LSS and hälso- och sjukvård, a user for every role, and a year
//! of cases driven through the real lifecycles (so every rule applies) and
//! left in every state. Deterministic for a given day; loaded only into an
//! empty store. Shared with `varna-bench`, which generates its cases with
//! the same filings and lifecycles.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use varna_store::queries::CaseFilter;
use varna_store::{CaseId, CommandOptions, NewUnit, NewUser, Store};
use varna_web::DemoPerson;
use varna_workflow::{
    Actor, ActorId, Author, Command, EntryKind, Fields, FileCase, JournalEntryInput, Lagrum, Role,
    UnitId, Value,
};

/// What the demo contains.
#[derive(Debug)]
pub struct DemoOrganisation {
    /// Its people, for the web's sign-in page and the printed tokens.
    pub users: Vec<DemoPerson>,
    /// Its unit codes.
    pub units: Vec<String>,
    /// Cases filed now (0 when the store already had cases).
    pub cases: usize,
}

/// (id, name, verksamhetsområde id, verksamhetsområde name, lagrum)
const UNITS: [(&str, &str, &str, &str, Lagrum); 7] = [
    (
        "linden",
        "Lindens vård- och omsorgsboende",
        "aldreomsorg",
        "Äldreomsorg, vård- och omsorgsboende",
        Lagrum::Sol,
    ),
    (
        "ekbacken",
        "Ekbackens vård- och omsorgsboende",
        "aldreomsorg",
        "Äldreomsorg, vård- och omsorgsboende",
        Lagrum::Sol,
    ),
    (
        "hemtjanst-norr",
        "Hemtjänst Norr",
        "hemtjanst",
        "Ordinärt boende, hemtjänst",
        Lagrum::Sol,
    ),
    (
        "hemtjanst-soder",
        "Hemtjänst Söder",
        "hemtjanst",
        "Ordinärt boende, hemtjänst",
        Lagrum::Sol,
    ),
    (
        "lss-solrosen",
        "Gruppbostaden Solrosen",
        "lss",
        "LSS-boende och daglig verksamhet",
        Lagrum::Lss,
    ),
    (
        "lss-daglig-verksamhet",
        "Daglig verksamhet Verkstan",
        "lss",
        "LSS-boende och daglig verksamhet",
        Lagrum::Lss,
    ),
    (
        "hsl-hemsjukvard",
        "Kommunal hemsjukvård",
        "hsl",
        "Hälso- och sjukvård",
        Lagrum::Hsl,
    ),
];

fn users() -> Vec<DemoPerson> {
    let u = |id: &str, name: &str, title: &str, role, units: &[&str]| DemoPerson {
        user_id: id.into(),
        name: name.into(),
        title: title.into(),
        role,
        units: units.iter().map(|s| (*s).to_owned()).collect(),
    };
    vec![
        u(
            "rep-linden",
            "Maja Lind",
            "Undersköterska",
            Role::Reporter,
            &["linden"],
        ),
        u(
            "rep-norr",
            "Ali Hassan",
            "Vårdbiträde",
            Role::Reporter,
            &["hemtjanst-norr"],
        ),
        u(
            "um-linden",
            "Eva Berg",
            "Enhetschef",
            Role::UnitManager,
            &["linden", "ekbacken"],
        ),
        u(
            "um-hemtjanst",
            "Johan Ek",
            "Enhetschef",
            Role::UnitManager,
            &["hemtjanst-norr", "hemtjanst-soder"],
        ),
        u(
            "um-lss",
            "Sofia Nyberg",
            "Enhetschef",
            Role::UnitManager,
            &["lss-solrosen", "lss-daglig-verksamhet"],
        ),
        u(
            "um-hsl",
            "Karin Holm",
            "Enhetschef hemsjukvård",
            Role::UnitManager,
            &["hsl-hemsjukvard"],
        ),
        u(
            "vc-1",
            "Lars Sundin",
            "Verksamhetschef",
            Role::OperationsManager,
            &["linden", "ekbacken", "hemtjanst-norr", "hemtjanst-soder"],
        ),
        u(
            "sas-1",
            "Sara Samordnare",
            "Socialt ansvarig samordnare",
            Role::Sas,
            &[],
        ),
        u(
            "mas-1",
            "Mats Andersson",
            "Medicinskt ansvarig sjuksköterska",
            Role::Mas,
            &[],
        ),
        u(
            "mar-1",
            "Rut Persson",
            "Medicinskt ansvarig för rehabilitering",
            Role::Mar,
            &[],
        ),
        u(
            "committee-1",
            "Anders Wik",
            "Ordförande, socialnämndens arbetsutskott",
            Role::Committee,
            &[],
        ),
        u(
            "auditor-1",
            "Ingrid Revisor",
            "Kvalitetsutvecklare",
            Role::Auditor,
            &[],
        ),
        u(
            "admin-1",
            "Olof System",
            "Systemförvaltare",
            Role::Admin,
            &[],
        ),
    ]
}

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
    Command::AddJournalEntry(JournalEntryInput {
        topic: topic.to_owned(),
        text: format!("Utredningens underlag om {}.", topic.replace('_', " ")),
        source: "Samtal med personal och brukare".to_owned(),
        kind: if topic.contains("risk") || topic == "causes" {
            EntryKind::Assessment
        } else {
            EntryKind::Fact
        },
        documented_on: at.date_naive(),
        author: Author {
            name: author.to_owned(),
            title: title.to_owned(),
        },
    })
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
    let s = |role, command| Step { role, command };
    match kind {
        "avvikelse" => {
            let closer = if lagrum == Lagrum::Hsl {
                (Role::Mas, "close_health")
            } else {
                (Role::Sas, "close_social")
            };
            let mut v = vec![s(
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
                v.push(s(
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
            v.push(s(Role::UnitManager, transition("report_actions", fields(&[("causes", text("Rutinen var okänd för timanställda.")), ("actions", text("Introduktion i rutinen (orsak: okänd rutin), klar inom två veckor.")), ("result", text("Alla på schemat har gått introduktionen.")), ("effect_assessment", text("Inga nya händelser på en månad."))]))));
            v.push(s(
                closer.0,
                transition(
                    closer.1,
                    fields(&[("closing_assessment", text("Åtgärderna adresserar orsaken."))]),
                ),
            ));
            v
        }
        "lex-sarah" => {
            let mut v = Vec::new();
            if variant % 6 == 5 {
                v.push(s(
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
                ));
                for topic in SARAH_TOPICS {
                    v.push(s(
                        Role::Sas,
                        entry(
                            topic,
                            at(2),
                            "Sara Samordnare",
                            "Socialt ansvarig samordnare",
                        ),
                    ));
                }
                v.push(s(
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
                return v;
            }
            v.push(s(Role::Sas, transition("acknowledge", Fields::new())));
            v.push(s(
                Role::UnitManager,
                transition(
                    "document_immediate_actions",
                    fields(&[(
                        "immediate_actions",
                        text("Extra bemanning och samtal med brukaren samma dag."),
                    )]),
                ),
            ));
            for topic in SARAH_TOPICS {
                v.push(s(
                    Role::Sas,
                    entry(
                        topic,
                        at(3),
                        "Sara Samordnare",
                        "Socialt ansvarig samordnare",
                    ),
                ));
            }
            v.push(s(
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
                v.push(s(Role::Sas, transition("rule_not_serious", ruling)));
            } else {
                v.push(s(Role::Sas, transition("rule_serious", ruling)));
                v.push(s(
                    Role::Committee,
                    transition(
                        "decide_ivo_anmalan",
                        fields(&[(
                            "decision_motivation",
                            text("Allvarligt enligt SAS utredning."),
                        )]),
                    ),
                ));
                v.push(s(
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
                v.push(s(
                    Role::Sas,
                    transition("close_after_anmalan", Fields::new()),
                ));
            }
            v
        }
        "lex-maria" => {
            let mut v = Vec::new();
            if variant % 5 == 4 {
                v.push(s(
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
                ));
                return v;
            }
            v.push(s(Role::Mas, transition("start_utredning", Fields::new())));
            for topic in MARIA_TOPICS {
                v.push(s(
                    Role::Mas,
                    entry(
                        topic,
                        at(2),
                        "Mats Andersson",
                        "Medicinskt ansvarig sjuksköterska",
                    ),
                ));
            }
            v.push(s(
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
                v.push(s(Role::Mas, transition("rule_not_serious", ruling)));
            } else {
                v.push(s(Role::Mas, transition("rule_serious", ruling)));
                v.push(s(
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
                v.push(s(
                    Role::Mas,
                    transition("close_after_anmalan", Fields::new()),
                ));
            }
            v
        }
        _ => {
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
                s(
                    Role::UnitManager,
                    transition("start_investigation", Fields::new()),
                ),
                s(Role::UnitManager, transition("answer", answer)),
                s(
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
    }
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

/// How many demo cases of each kind (about a year's worth, in the proportions of a mid-sized municipality's demo).
const PLAN: [(&str, usize); 4] = [
    ("avvikelse", 220),
    ("klagomal", 40),
    ("lex-sarah", 24),
    ("lex-maria", 16),
];

/// Refuses a database that holds a case the demo did not make: one filed
/// by someone who is not a demo person, or at a unit that is not a demo
/// unit. A demo signs people in without a password, so it must never run
/// on real cases.
pub async fn ensure_demo_database(store: &Store) -> anyhow::Result<()> {
    let (filers, units) = store
        .case_filers_and_units()
        .await
        .context("demo: reading who filed the cases")?;
    let people: Vec<String> = users()
        .into_iter()
        .map(|u| u.user_id)
        .chain(
            [
                Role::Reporter,
                Role::UnitManager,
                Role::Sas,
                Role::Mas,
                Role::Mar,
                Role::Committee,
                Role::OperationsManager,
            ]
            .into_iter()
            .map(|role| actor(role, UNITS[0].0).id.as_str().to_owned()),
        )
        .collect();
    let foreign_filer = filers.iter().any(|f| !people.contains(f));
    let foreign_unit = units.iter().any(|u| !UNITS.iter().any(|d| d.0 == u));
    if foreign_filer || foreign_unit {
        anyhow::bail!(
            "--demo refuses this database: it holds cases the demo did not create. \
             A demo signs people in without a password and must never run on real cases; \
             start it on a new file (e.g. --database-url 'sqlite://demo.db?mode=rwc')"
        );
    }
    Ok(())
}

/// Loads the demo into an empty store; on a store with cases it adds nothing.
pub async fn load(store: &Store, today: DateTime<Utc>) -> anyhow::Result<DemoOrganisation> {
    let users = users();
    let result = |cases| DemoOrganisation {
        users: users.clone(),
        units: UNITS.iter().map(|u| u.0.to_owned()).collect(),
        cases,
    };
    for (id, name, vo, vo_name, _) in UNITS {
        store
            .upsert_unit(NewUnit {
                id: id.into(),
                name: name.into(),
                verksamhetsomrade_id: vo.into(),
                verksamhetsomrade_name: vo_name.into(),
                organisation_id: "exempelkommunen".into(),
                organisation_name: "Exempelkommunen".into(),
            })
            .await
            .context("demo: registering units")?;
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
                id: user.user_id.clone(),
                name: user.name.clone(),
                title: user.title.clone(),
                roles,
            })
            .await
            .context("demo: registering users")?;
    }
    if store.count_cases(&CaseFilter::default()).await? > 0 {
        return Ok(result(0));
    }
    let mut dice = Dice(0x5EED_CA5E_2026_0001);
    let mut filed = 0;
    for (kind, count) in PLAN {
        for i in 0..count {
            let units: Vec<_> = UNITS
                .iter()
                .filter(|u| match kind {
                    "lex-sarah" => u.4 != Lagrum::Hsl,
                    "lex-maria" => u.4 == Lagrum::Hsl,
                    _ => true,
                })
                .collect();
            let (unit, _, _, _, lagrum) = **dice.pick(&units);
            // Spread over the past year; older cases have come further.
            let age_days = i64::try_from(365 * (count - i) / count).unwrap_or(365);
            let filed_at = today
                - Duration::days(age_days)
                - Duration::hours(i64::try_from(dice.below(10)).unwrap_or(0));
            let step_at = |n: usize| {
                (filed_at + Duration::hours(6 * i64::try_from(n).unwrap_or(0)))
                    .min(today - Duration::minutes(5))
            };
            let (role, command) = filing(
                kind,
                lagrum,
                unit,
                i,
                &mut dice,
                filed_at - Duration::days(1),
            );
            let options = |at| CommandOptions {
                now: Some(at),
                ..CommandOptions::default()
            };
            let outcome = store
                .file_case(kind, command, None, &actor(role, unit), options(filed_at))
                .await
                .with_context(|| format!("demo: filing {kind} case {i}"))?;
            filed += 1 + outcome.opened.len();
            // The first cases of each kind take the longest path (a serious
            // outcome) and stop after each transition in turn, so every state
            // shows; later ones vary their path and mostly finish.
            let longest = steps(kind, lagrum, 3, &step_at);
            let cuts: Vec<usize> = std::iter::once(0)
                .chain(
                    longest
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| matches!(s.command, Command::Transition { .. }))
                        .map(|(n, _)| n + 1),
                )
                .collect();
            let (all, take) = if i < cuts.len() {
                (longest, cuts[i])
            } else {
                let all = steps(kind, lagrum, i, &step_at);
                let take = if age_days > 45 {
                    all.len()
                } else {
                    dice.below(all.len() + 1)
                };
                (all, take)
            };
            let case_id: CaseId = outcome.case_id;
            for (n, step) in all.into_iter().take(take).enumerate() {
                let done = store
                    .execute(
                        &case_id,
                        step.command,
                        &actor(step.role, unit),
                        options(step_at(n + 1)),
                    )
                    .await
                    .with_context(|| format!("demo: {kind} case {i}, step {}", n + 1))?;
                filed += done.opened.len();
            }
        }
    }
    tracing::info!(
        cases = filed,
        users = users.len(),
        units = UNITS.len(),
        "demo organisation loaded"
    );
    Ok(result(filed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use varna_store::StoreConfig;
    use varna_store::queries::GroupBy;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_covers_every_state_of_every_lifecycle_and_verifies() {
        let dir = tempfile::tempdir().expect("temp dir");
        let catalog = crate::workflows::load_catalog(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows"),
        )
        .map_err(|e| e.to_string())
        .expect("valid");
        let store = Store::open(
            &StoreConfig::new(format!(
                "sqlite://{}/demo.db?mode=rwc",
                dir.path().display()
            )),
            &catalog,
        )
        .await
        .expect("opens");
        let today = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let demo = load(&store, today).await.expect("loads");
        assert!(demo.cases >= 300, "{} cases", demo.cases);
        let roles: std::collections::BTreeSet<Role> = demo.users.iter().map(|u| u.role).collect();
        assert_eq!(roles.len(), Role::ALL.len(), "a user for every role");
        for name in ["avvikelse", "lex-sarah", "lex-maria", "klagomal"] {
            let def = store.definition(name).expect("loaded");
            let counts = store
                .count_by(
                    &CaseFilter {
                        kinds: vec![name.into()],
                        ..CaseFilter::default()
                    },
                    GroupBy::State,
                )
                .await
                .expect("counts");
            for state in &def.states {
                assert!(
                    counts
                        .iter()
                        .any(|(s, n)| s.as_deref() == Some(state.id.as_str()) && *n > 0),
                    "{name}: no case in {}: {counts:?}",
                    state.id
                );
            }
        }
        let overdue = CaseFilter {
            overdue_at: Some(today),
            ..CaseFilter::default()
        };
        assert!(
            store.count_cases(&overdue).await.expect("counts") > 0,
            "the demo shows overdue cases"
        );
        assert_eq!(
            load(&store, today).await.expect("loads again").cases,
            0,
            "a second load adds nothing"
        );
        assert_eq!(
            store.verify_audit(|_| {}).await.expect("verifies").problem,
            None
        );
    }
}
