//! The quality report over a fixture year whose every table is worked out
//! by hand below: 18 lex Sarah reports in 2025 (7 inget missförhållande,
//! 1 påtaglig risk, 4 missförhållande, 1 påtaglig risk för allvarligt,
//! 4 allvarligt, 1 pågående; 5 to IVO), avvikelser in 2024 and 2025, and
//! complaints. Every case goes through the real command path at a chosen
//! time, and the counts come from the store's `case_tally` projection.

use chrono::{DateTime, Duration, TimeZone, Utc};
use varna_report::input::Scope;
use varna_report::model::{
    AreaGenderRow, ComplaintRow, DeadlineRow, LagrumRow, MonthlySeries, QualityReport,
};
use varna_store::{CaseId, CommandOptions, Error, Store};
use varna_workflow::{
    Author, Command, EntryKind, FileCase, JournalEntry, Lagrum, Personnummer, Role, UnitId, Value,
};

use crate::support::*;

on_both_backends!(
    the_fixture_year_gives_the_hand_computed_tables,
    a_scope_counts_only_its_units,
    deadline_counts_follow_the_clock_through_sweeps,
    a_rebuild_restores_everything_the_report_reads,
    a_case_filed_after_midnight_swedish_time_on_new_years_eve_counts_in_the_new_year,
);

const YEAR: i32 = 2025;
const P1: &str = "19121212-1212";
const P2: &str = "19811218-9876";

fn day(month: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(YEAR, month, d, 8, 0, 0)
        .single()
        .expect("valid")
}

fn when(t: DateTime<Utc>) -> CommandOptions {
    CommandOptions {
        now: Some(t),
        ..CommandOptions::default()
    }
}

fn date(t: DateTime<Utc>) -> Value {
    text(&t.date_naive().to_string())
}

fn pnr(s: &str) -> Personnummer {
    Personnummer::parse(s, day(1, 1).date_naive()).expect("valid personnummer")
}

/// One lex Sarah report of the fixture.
struct Sarah {
    unit: &'static str,
    gender: &'static str,
    category: Option<&'static str>,
    person: Option<&'static str>,
    /// `None`: reported to IVO at once, utredning still going (pågående).
    outcome: Option<&'static str>,
}

fn fixture() -> Vec<Sarah> {
    let outcomes: [Option<&str>; 18] = [
        Some("no_missforhallande"),
        Some("no_missforhallande"),
        Some("no_missforhallande"),
        Some("no_missforhallande"),
        Some("no_missforhallande"),
        Some("no_missforhallande"),
        Some("no_missforhallande"),
        Some("risk_of_missforhallande"),
        Some("missforhallande"),
        Some("missforhallande"),
        Some("missforhallande"),
        Some("missforhallande"),
        Some("risk_of_serious_missforhallande"),
        Some("serious_missforhallande"),
        Some("serious_missforhallande"),
        Some("serious_missforhallande"),
        Some("serious_missforhallande"),
        None,
    ];
    (0..18)
        .map(|i| Sarah {
            unit: if i < 11 { LINDEN } else { NORR },
            gender: match i {
                0..=5 | 11..=13 => "kvinna",
                6..=9 | 14..=16 => "man",
                _ => "ej_angivet",
            },
            category: match i {
                0 | 1 => Some("brister_i_bemotande"),
                5 => Some("ovrigt"),
                11 | 14 | 17 => Some("fysiska_overgrepp"),
                _ => None,
            },
            person: match i {
                2 | 4 | 16 => Some(P1),
                9 => Some(P2),
                _ => None,
            },
            outcome: outcomes[i],
        })
        .collect()
}

/// Filed on 6 January 2025 and every 14 days after, at 08:00: Jan 6, Jan
/// 20, Feb 3, Feb 17, Mar 3, Mar 17, Mar 31, Apr 14, Apr 28, May 12, May
/// 26 (Linden), Jun 9, Jun 23, Jul 7, Jul 21, Aug 4, Aug 18, Sep 1 (Norr).
fn filed_at(i: usize) -> DateTime<Utc> {
    day(1, 6) + Duration::days(14 * i as i64)
}

async fn run(
    store: &Store,
    id: &CaseId,
    role: Role,
    unit: &str,
    name: &str,
    set: &[(&str, Value)],
    t: DateTime<Utc>,
) {
    store
        .execute(
            id,
            transition(name, fields(set)),
            &actor(role, unit),
            when(t),
        )
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
}

async fn document(store: &Store, id: &CaseId, unit: &str, entry: JournalEntry, t: DateTime<Utc>) {
    store
        .execute(
            id,
            Command::AddJournalEntry(entry),
            &actor(Role::Sas, unit),
            when(t),
        )
        .await
        .unwrap_or_else(|e| panic!("entry: {e}"));
}

fn note(topic: &str, t: DateTime<Utc>) -> JournalEntry {
    JournalEntry::new(
        topic,
        format!("Dokumenterat: {topic}"),
        "Intervju",
        EntryKind::Fact,
        t.date_naive(),
        Author {
            name: "Sara Samordnare".into(),
            title: "SAS".into(),
        },
    )
}

/// Protective measures written and confirmed at `t`.
async fn protect(store: &Store, id: &CaseId, unit: &str, t: DateTime<Utc>) {
    document(store, id, unit, note("immediate_actions", t), t).await;
    run(
        store,
        id,
        Role::UnitManager,
        unit,
        "document_protective_measures",
        &[],
        t,
    )
    .await;
}

/// Lead times, by construction: acknowledged i+1 hours after filing;
/// ruled 100 + 10·i hours after filing; IVO-anmälan sent 24, 48, 72 and
/// 400 hours after a serious ruling (cases 13–16); case 12 waits for the
/// committee; case 17 is proposed for an anmälan, decided and sent 18
/// hours after filing, before its utredning is finished (pågående).
async fn file_sarah(store: &Store, i: usize, s: &Sarah) {
    let t = filed_at(i);
    let h = |hours: i64| t + Duration::hours(hours);
    let mut set = vec![
        ("what_happened", text("Tillsyn uteblev hos brukaren")),
        ("occurred_on", date(t)),
        ("affected_gender", text(s.gender)),
    ];
    if let Some(c) = s.category {
        set.push(("category", text(c)));
    }
    let person = s.person.map(pnr);
    let id = store
        .file_case(
            "lex-sarah",
            FileCase {
                lagrum: Lagrum::Sol,
                unit: UnitId::new(s.unit),
                fields: fields(&set),
            },
            person.as_ref(),
            &actor(Role::Reporter, s.unit),
            when(t),
        )
        .await
        .expect("filed")
        .case_id;
    let u = s.unit;
    let hours = i as i64;
    let acknowledged = if s.outcome.is_some() { hours + 1 } else { 18 };
    run(
        store,
        &id,
        Role::Sas,
        u,
        "acknowledge",
        &[],
        h(acknowledged),
    )
    .await;
    protect(store, &id, u, h(acknowledged)).await;
    let sent_fields = |sent: DateTime<Utc>| {
        vec![
            ("anmalan_sent_on", date(sent)),
            ("anmalan_channel", text("e_tjanst")),
        ]
    };
    let decide = [("decision_motivation", text("Allvarligt"))];
    let Some(outcome) = s.outcome else {
        let grounds = [
            ("anmalan_grounds", text("serious_missforhallande")),
            ("seriousness_reasons", text("Uppenbart allvarligt")),
        ];
        run(
            store,
            &id,
            Role::Sas,
            u,
            "propose_early_anmalan",
            &grounds,
            h(18),
        )
        .await;
        run(
            store,
            &id,
            Role::Committee,
            u,
            "decide_ivo_anmalan",
            &decide,
            h(18),
        )
        .await;
        run(
            store,
            &id,
            Role::Sas,
            u,
            "register_ivo_anmalan",
            &sent_fields(h(18)),
            h(18),
        )
        .await;
        return;
    };
    let investigated = h(90 + 10 * hours);
    for topic in [
        "consequences",
        "noticed_how",
        "causes",
        "earlier_similar_events",
        "recurrence_risk",
        "affected_person_view",
    ] {
        document(store, &id, u, note(topic, investigated), investigated).await;
    }
    // Entries: 1 protective measures, 2–7 the topics (4 = causes), 8 the action.
    let mut action = note("actions", investigated);
    action.addresses = Some(4);
    action.owner = Some("Enhetschef".into());
    action.due_on = Some(investigated.date_naive());
    document(store, &id, u, action, investigated).await;
    let mut followup = note("action_followups", investigated);
    followup.follows_up = Some(8);
    document(store, &id, u, followup, investigated).await;
    run(
        store,
        &id,
        Role::Sas,
        u,
        "complete_utredning",
        &[],
        investigated,
    )
    .await;
    let ruled = h(100 + 10 * hours);
    if matches!(
        outcome,
        "risk_of_serious_missforhallande" | "serious_missforhallande"
    ) {
        let ruling = [
            ("outcome", text(outcome)),
            ("conclusion", text("Slutsats")),
            ("seriousness_reasons", text("Allvarligt")),
        ];
        run(store, &id, Role::Sas, u, "propose_anmalan", &ruling, ruled).await;
        if i >= 13 {
            let delay = [24, 48, 72, 400][i - 13];
            run(
                store,
                &id,
                Role::Committee,
                u,
                "decide_ivo_anmalan",
                &decide,
                ruled + Duration::hours(1),
            )
            .await;
            let sent = ruled + Duration::hours(delay);
            let mut set = sent_fields(sent);
            set.push(("utredning_sent_on", date(sent)));
            run(store, &id, Role::Sas, u, "register_ivo_anmalan", &set, sent).await;
        }
    } else {
        let ruling = [
            ("outcome", text(outcome)),
            ("conclusion", text("Slutsats")),
            ("individual_informed_on", date(ruled)),
        ];
        run(store, &id, Role::Sas, u, "rule_not_serious", &ruling, ruled).await;
    }
}

async fn file_avvikelse_at(
    store: &Store,
    unit: &str,
    lagrum: Lagrum,
    category: &str,
    t: DateTime<Utc>,
    person: Option<&str>,
) {
    let person = person.map(pnr);
    store
        .file_case(
            "avvikelse",
            FileCase {
                lagrum,
                unit: UnitId::new(unit),
                fields: fields(&[
                    ("what_happened", text("Händelse")),
                    ("occurred_on", date(t)),
                    ("category", text(category)),
                ]),
            },
            person.as_ref(),
            &actor(Role::UnitManager, unit),
            when(t),
        )
        .await
        .expect("avvikelse filed");
}

async fn file_complaint(store: &Store, unit: &str, kind: &str, t: DateTime<Utc>) {
    store
        .file_case(
            "klagomal",
            FileCase {
                lagrum: Lagrum::Sol,
                unit: UnitId::new(unit),
                fields: fields(&[
                    ("feedback_kind", text(kind)),
                    ("sender_kind", text("narstaende")),
                    ("received_on", date(t)),
                    ("what_happened", text("Maten kom kall")),
                    ("wants_aterkoppling", Value::Bool(false)),
                ]),
            },
            None,
            &actor(Role::UnitManager, unit),
            when(t),
        )
        .await
        .expect("complaint filed");
}

/// The whole fixture: 18 lex Sarah, 7 + 4 avvikelser, 4 complaints.
async fn load(store: &Store) {
    for (i, s) in fixture().iter().enumerate() {
        file_sarah(store, i, s).await;
    }
    let y24 = |m: u32| day(m, 1) - Duration::days(365);
    for (unit, lagrum, category, t, person) in [
        (LINDEN, Lagrum::Sol, "ovrigt", day(2, 15), None),
        (NORR, Lagrum::Sol, "fall", day(4, 20), Some(P2)),
        (LINDEN, Lagrum::Sol, "fall", day(10, 1), None),
        (LINDEN, Lagrum::Sol, "lakemedel", day(10, 2), None),
        (NORR, Lagrum::Sol, "fall", day(10, 3), None),
        (NORR, Lagrum::Lss, "fall", day(10, 4), None),
        (NORR, Lagrum::Lss, "dokumentation", day(10, 5), None),
        (LINDEN, Lagrum::Sol, "fall", y24(3), None),
        (LINDEN, Lagrum::Sol, "fall", y24(6), None),
        (NORR, Lagrum::Sol, "fall", y24(9), None),
        (LINDEN, Lagrum::Hsl, "lakemedel", y24(11), None),
    ] {
        file_avvikelse_at(store, unit, lagrum, category, t, person).await;
    }
    for (unit, kind, t) in [
        (LINDEN, "klagomal", day(11, 3)),
        (LINDEN, "klagomal", day(11, 4)),
        (LINDEN, "berom", day(11, 5)),
        (NORR, "synpunkt", day(11, 6)),
    ] {
        file_complaint(store, unit, kind, t).await;
    }
}

async fn report(h: &Harness, scope: Scope) -> QualityReport {
    let as_of = Utc
        .with_ymd_and_hms(2026, 1, 15, 12, 0, 0)
        .single()
        .expect("valid");
    let data = h
        .store
        .report_data(YEAR, &scope, as_of)
        .await
        .expect("report data");
    varna_report::build(&data, &catalog())
}

fn lagrum(kind: &str, kind_label: &str, lagrum: &str, count: i64, previous_year: i64) -> LagrumRow {
    LagrumRow {
        kind: kind.into(),
        kind_label: kind_label.into(),
        lagrum: lagrum.into(),
        count,
        previous_year,
        duplicates: 0,
    }
}

fn series(key: &str, label: &str, counts: [i64; 12]) -> MonthlySeries {
    MonthlySeries {
        key: key.into(),
        label: label.into(),
        counts: counts.to_vec(),
        total: counts.iter().sum(),
    }
}

async fn the_fixture_year_gives_the_hand_computed_tables(h: Harness) {
    load(&h.store).await;
    let r = report(&h, Scope::Organisation).await;
    assert_eq!(
        (r.year, r.months_covered, r.scope_name.as_str()),
        (2025, 12, "Exempelkommunen")
    );

    // Avvikelser 2025: SoL a1–a5, LSS a6–a7; 2024: SoL three, HSL one.
    assert_eq!(
        r.per_lagrum,
        vec![
            lagrum("avvikelse", "Avvikelse", "SoL", 5, 3),
            lagrum("avvikelse", "Avvikelse", "LSS", 2, 0),
            lagrum("avvikelse", "Avvikelse", "HSL", 0, 1),
            lagrum("klagomal", "Klagomål och synpunkter", "SoL", 4, 0),
            lagrum("lex-sarah", "Lex Sarah", "SoL", 18, 0),
        ]
    );

    // Linden (äldreomsorg) cases 0–10: kvinna 0–5, man 6–9, ej angivet 10;
    // Norr (ordinärt boende) 11–17: kvinna 11–13, man 14–16, ej angivet 17.
    let area = |id: &str, name: &str, kvinna, man, ej_angivet| AreaGenderRow {
        kind: "lex-sarah".into(),
        kind_label: "Lex Sarah".into(),
        area_id: id.into(),
        area_name: name.into(),
        kvinna,
        man,
        ej_angivet,
        total: kvinna + man + ej_angivet,
    };
    assert_eq!(
        r.by_area_and_gender,
        vec![
            area("aldreomsorg", "Äldreomsorg", 6, 4, 1),
            area("hemtjanst", "Ordinärt boende", 3, 3, 1)
        ]
    );

    let sarah_outcomes: Vec<(&str, i64)> = r
        .outcomes
        .iter()
        .filter(|o| o.kind == "lex-sarah")
        .map(|o| (o.outcome.as_str(), o.count))
        .collect();
    assert_eq!(
        sarah_outcomes,
        vec![
            ("no_missforhallande", 7),
            ("risk_of_missforhallande", 1),
            ("missforhallande", 4),
            ("risk_of_serious_missforhallande", 1),
            ("serious_missforhallande", 4),
            ("ongoing", 1),
        ]
    );
    let ongoing = r
        .outcomes
        .iter()
        .find(|o| o.kind == "lex-sarah" && o.outcome == "ongoing");
    assert_eq!(
        ongoing.map(|o| o.label.as_str()),
        Some("Pågående utredning")
    );

    // Cases 13–16 registered, case 17 reported early: 5 of 18.
    let ivo = r
        .ivo
        .iter()
        .find(|i| i.kind == "lex-sarah")
        .expect("lex Sarah IVO row");
    assert_eq!((ivo.cases, ivo.reported), (18, 5));
    assert!((ivo.share - 5.0 / 18.0).abs() < 1e-9);

    let categories = |kind: &str| -> Vec<(String, i64)> {
        r.categories
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| (c.category.clone(), c.count))
            .collect()
    };
    assert_eq!(
        categories("avvikelse"),
        vec![
            ("fall".into(), 4),
            ("dokumentation".into(), 1),
            ("lakemedel".into(), 1),
            ("ovrigt".into(), 1)
        ]
    );
    assert_eq!(
        categories("lex-sarah"),
        vec![
            ("fysiska_overgrepp".into(), 3),
            ("brister_i_bemotande".into(), 2),
            ("ovrigt".into(), 1)
        ]
    );
    let fall = r
        .categories
        .iter()
        .find(|c| c.category == "fall")
        .expect("fall");
    assert!((fall.share - 4.0 / 7.0).abs() < 1e-9);

    let complaint = |area_id: &str, area_name: &str, kind: &str, label: &str, count| ComplaintRow {
        area_id: area_id.into(),
        area_name: area_name.into(),
        feedback_kind: kind.into(),
        label: label.into(),
        count,
    };
    assert_eq!(
        r.complaints,
        vec![
            complaint("aldreomsorg", "Äldreomsorg", "klagomal", "Klagomål", 2),
            complaint("aldreomsorg", "Äldreomsorg", "berom", "Beröm", 1),
            complaint("hemtjanst", "Ordinärt boende", "synpunkt", "Synpunkt", 1),
        ]
    );

    // Nearest rank: bedömning after 100, 110, …, 260 h (17 cases): rank 9
    // = 180 h, rank 16 = 250 h. SAS informed after 1, 2, …, 18 h: rank 9 =
    // 9 h, rank 17 = 17 h. IVO after 24, 48, 72, 400 h: rank 2 = 48 h,
    // rank 4 = 400 h; with case 17, sent the hour it was proposed (0 h),
    // rank 3 of 5 = 48 h and rank 5 = 400 h.
    let lead = |measure: &str| {
        r.lead_times
            .iter()
            .find(|l| l.kind == "lex-sarah" && l.measure == measure)
            .map(|l| (l.count, l.median_hours, l.p90_hours))
            .expect("lead time row")
    };
    assert_eq!(lead("assessed"), (17, Some(180.0), Some(250.0)));
    assert_eq!(lead("sas_informed"), (18, Some(9.0), Some(17.0)));
    assert_eq!(lead("ivo_anmalan"), (5, Some(48.0), Some(400.0)));
    assert_eq!(lead("utredning_to_ivo"), (0, None, None));

    // 14 days for the IVO-anmälan: 0, 24, 48, 72 h in time, 400 h late;
    // case 12 still waits. The utredning of case 17 is still open.
    let deadline = |id: &str| -> DeadlineRow {
        r.deadlines
            .iter()
            .find(|d| d.kind == "lex-sarah" && d.deadline == id)
            .cloned()
            .expect("deadline row")
    };
    let counts = |d: DeadlineRow| (d.on_time, d.late, d.overdue, d.open, d.cancelled);
    assert_eq!(counts(deadline("sas_informed")), (18, 0, 0, 0, 0));
    assert_eq!(counts(deadline("protective_measures")), (18, 0, 0, 0, 0));
    assert_eq!(counts(deadline("utredning_completed")), (17, 0, 0, 1, 0));
    assert_eq!(counts(deadline("ivo_anmalan")), (4, 1, 0, 1, 0));
    assert!((deadline("ivo_anmalan").met_on_time_share - 0.8).abs() < 1e-9);

    // Linden: lex Sarah Jan 2, Feb 2, Mar 3, Apr 2, May 2; avvikelser Feb,
    // Oct, Oct; complaints Nov ×3. Norr: lex Sarah Jun 2, Jul 2, Aug 2, Sep
    // 1; avvikelser Apr, Oct ×3; complaint Nov.
    assert_eq!(
        r.monthly_by_unit,
        vec![
            series(
                LINDEN,
                "Lindens vård- och omsorgsboende",
                [2, 3, 3, 2, 2, 0, 0, 0, 0, 2, 3, 0]
            ),
            series(NORR, "Hemtjänst Norr", [0, 0, 0, 1, 0, 2, 2, 2, 1, 3, 1, 0]),
        ]
    );
    let fall_series = r
        .monthly_by_category
        .iter()
        .find(|s| s.key == "fall")
        .expect("fall series");
    assert_eq!(fall_series.counts, vec![0, 0, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0]);

    // Previous year Linden 3, Norr 1: per month 0.25 → 17/12, 0.08 → 1.
    let rising: Vec<(&str, i64, i64, f64)> = r
        .rising_units
        .iter()
        .map(|u| {
            (
                u.unit_id.as_str(),
                u.previous,
                u.current,
                u.change_per_month,
            )
        })
        .collect();
    assert_eq!(rising, vec![(LINDEN, 3, 17, 1.17), (NORR, 1, 12, 0.92)]);

    // Case 1 repeats case 0 (bemötande at Linden, 14 days); case 4 case 2
    // (the same person, 28 days); case 5 the avvikelse "övrigt" at Linden
    // (30 days); case 9 the avvikelse at Norr about the same person (22
    // days); case 14 case 11 and case 17 cases 14 and 11 (fysiska
    // övergrepp at Norr, 42 days). Case 16 (P1 again) is too late.
    assert_eq!(
        (
            r.repeats.investigated,
            r.repeats.same_person,
            r.repeats.same_category,
            r.repeats.any
        ),
        (18, 2, 4, 6)
    );
    let repeats: Vec<(Vec<String>, usize, i64)> = r
        .repeats
        .cases
        .iter()
        .map(|c| {
            (
                c.reasons.clone(),
                c.earlier_case_ids.len(),
                c.days_since_last,
            )
        })
        .collect();
    let same = |reason: &str, earlier, days| (vec![reason.to_owned()], earlier, days);
    assert_eq!(
        repeats,
        vec![
            same("same_category", 2, 42),
            same("same_category", 1, 42),
            same("same_person", 1, 22),
            same("same_category", 1, 30),
            same("same_person", 1, 28),
            same("same_category", 1, 14),
        ]
    );

    // Rendered exports carry no personal data.
    for format in [
        varna_report::Format::Csv,
        varna_report::Format::Json,
        varna_report::Format::Html,
    ] {
        let out = varna_report::render(&r, format);
        for secret in [
            "19121212",
            "121212-1212",
            "19811218",
            "Tillsyn uteblev",
            "Maten kom kall",
        ] {
            assert!(!out.contains(secret), "{format:?} export contains {secret}");
        }
    }
}

async fn a_scope_counts_only_its_units(h: Harness) {
    load(&h.store).await;
    let norr = report(&h, Scope::Unit(NORR.into())).await;
    assert_eq!(norr.scope_name, "Hemtjänst Norr");
    let outcomes: Vec<(&str, i64)> = norr
        .outcomes
        .iter()
        .filter(|o| o.kind == "lex-sarah" && o.count > 0)
        .map(|o| (o.outcome.as_str(), o.count))
        .collect();
    // Norr has cases 11–17: 11 missförhållande, 12 risk of serious, 13–16
    // serious, 17 ongoing.
    assert_eq!(
        outcomes,
        vec![
            ("missforhallande", 1),
            ("risk_of_serious_missforhallande", 1),
            ("serious_missforhallande", 4),
            ("ongoing", 1),
        ]
    );
    assert_eq!(
        norr.per_lagrum
            .iter()
            .map(|l| (l.kind.as_str(), l.lagrum.as_str(), l.count, l.previous_year))
            .collect::<Vec<_>>(),
        vec![
            ("avvikelse", "SoL", 2, 1),
            ("avvikelse", "LSS", 2, 0),
            ("klagomal", "SoL", 1, 0),
            ("lex-sarah", "SoL", 7, 0),
        ]
    );
    // Person repeats cross units: case 9 (Linden) is outside this scope.
    assert_eq!((norr.repeats.investigated, norr.repeats.any), (7, 2));

    let area = report(&h, Scope::Area("aldreomsorg".into())).await;
    let linden = report(&h, Scope::Unit(LINDEN.into())).await;
    assert_eq!(area.scope_name, "Äldreomsorg");
    assert_eq!(area.per_lagrum, linden.per_lagrum);
    assert_eq!(area.outcomes, linden.outcomes);
    assert_eq!(area.repeats, linden.repeats);

    let as_of = Utc::now();
    for scope in [
        Scope::Unit("no-such-unit".into()),
        Scope::Area("nowhere".into()),
    ] {
        let err = h
            .store
            .report_data(YEAR, &scope, as_of)
            .await
            .expect_err("unknown scope");
        assert!(matches!(err, Error::UnknownScope(_)), "{err:?}");
    }
}

async fn deadline_counts_follow_the_clock_through_sweeps(h: Harness) {
    let s = Sarah {
        unit: LINDEN,
        gender: "man",
        category: None,
        person: None,
        outcome: None,
    };
    let t = filed_at(0);
    let id = h
        .store
        .file_case(
            "lex-sarah",
            FileCase {
                lagrum: Lagrum::Lss,
                unit: UnitId::new(s.unit),
                fields: fields(&[
                    ("what_happened", text("Händelse")),
                    ("occurred_on", date(t)),
                    ("affected_gender", text(s.gender)),
                ]),
            },
            None,
            &actor(Role::Reporter, s.unit),
            when(t),
        )
        .await
        .expect("filed")
        .case_id;
    let sas_informed = |r: &QualityReport| {
        r.deadlines
            .iter()
            .find(|d| d.deadline == "sas_informed")
            .map(|d| (d.on_time, d.late, d.overdue, d.open))
    };
    assert_eq!(
        sas_informed(&report(&h, Scope::Organisation).await),
        Some((0, 0, 0, 1))
    );
    let swept = h
        .store
        .sweep_deadlines(t + Duration::hours(25), 100)
        .await
        .expect("sweeps");
    assert_eq!(
        swept.passed, 1,
        "only SAS informed (24 h) is due; under LSS protective measures have three days: {swept:?}"
    );
    assert_eq!(
        sas_informed(&report(&h, Scope::Organisation).await),
        Some((0, 0, 1, 0))
    );
    run(
        &h.store,
        &id,
        Role::Sas,
        LINDEN,
        "acknowledge",
        &[],
        t + Duration::hours(30),
    )
    .await;
    let r = report(&h, Scope::Organisation).await;
    assert_eq!(sas_informed(&r), Some((0, 1, 0, 0)));
    let lead = r
        .lead_times
        .iter()
        .find(|l| l.measure == "sas_informed")
        .expect("row");
    assert_eq!((lead.count, lead.median_hours), (1, Some(30.0)));
}

/// What a database upgraded from before the report looks like until the
/// store fills it: no tallies, no opening epochs. The rebuild the store runs
/// then gives the same report.
async fn a_rebuild_restores_everything_the_report_reads(h: Harness) {
    load(&h.store).await;
    let before = report(&h, Scope::Organisation).await;
    assert_eq!(before.repeats.same_person, 2);
    h.exec("DELETE FROM case_tally").await;
    h.exec("UPDATE cases SET opened_epoch = 0").await;
    h.exec("UPDATE case_person SET opened_epoch = 0").await;
    let emptied = report(&h, Scope::Organisation).await;
    assert_ne!(
        emptied.per_lagrum, before.per_lagrum,
        "the report reads the projections"
    );
    h.store.rebuild_projections(|_| {}).await.expect("rebuild");
    assert_eq!(report(&h, Scope::Organisation).await, before);
}

/// 2025-12-31 23:30 UTC is 00:30 on 1 January 2026 in Sweden: the case
/// belongs to 2026, in the yearly count and in January's monthly count;
/// one filed at 22:30 UTC (23:30 Swedish time) stays in 2025.
async fn a_case_filed_after_midnight_swedish_time_on_new_years_eve_counts_in_the_new_year(
    h: Harness,
) {
    let at = |hour| {
        Utc.with_ymd_and_hms(2025, 12, 31, hour, 30, 0)
            .single()
            .expect("valid")
    };
    file_avvikelse_at(&h.store, LINDEN, Lagrum::Sol, "fall", at(22), None).await;
    file_avvikelse_at(&h.store, LINDEN, Lagrum::Sol, "fall", at(23), None).await;
    let as_of = Utc
        .with_ymd_and_hms(2026, 2, 1, 12, 0, 0)
        .single()
        .expect("valid");
    let count = |year: i32| {
        let store = &h.store;
        async move {
            let data = store
                .report_data(year, &Scope::Organisation, as_of)
                .await
                .expect("report data");
            let r = varna_report::build(&data, &catalog());
            let total: i64 = r
                .per_lagrum
                .iter()
                .filter(|row| row.kind == "avvikelse")
                .map(|row| row.count)
                .sum();
            let january: i64 = r
                .monthly_by_category
                .iter()
                .map(|s| s.counts.first().copied().unwrap_or(0))
                .sum();
            (total, january)
        }
    };
    assert_eq!(count(2025).await.0, 1, "23:30 Swedish time on 31 December");
    assert_eq!(
        count(2026).await,
        (1, 1),
        "00:30 Swedish time on 1 January, counted in January"
    );
}
