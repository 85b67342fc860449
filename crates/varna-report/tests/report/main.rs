//! The report built from a small hand-made year and rendered: every table
//! checked against counts worked out below, and the CSV and HTML exports
//! compared with reviewed snapshots (`UPDATE_EXPECT=1` rewrites them).

mod build;
mod render;

use chrono::{DateTime, TimeZone, Utc};
use varna_report::input::{
    ClockTiming, InvestigatedCase, RepeatPair, RepeatReason, ReportData, Scope, Tally, UnitInfo,
};
use varna_workflow::Catalog;

/// The shipped workflows.
pub(crate) fn catalog() -> Catalog {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../workflows");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("workflows folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).expect("workflow file");
            sources.push((path.display().to_string(), text));
        }
    }
    Catalog::from_sources(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .expect("the shipped workflows are valid")
}

pub(crate) fn at(month: u32, day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, month, day, hour, 0, 0)
        .single()
        .expect("valid time")
}

/// year, month, unit, kind, lagrum, dimension, value, n.
type Row<'a> = (i32, u32, &'a str, &'a str, &'a str, &'a str, &'a str, i64);

fn tally((year, month, unit, kind, lagrum, dimension, value, n): Row) -> Tally {
    Tally {
        year,
        month,
        unit_id: unit.into(),
        kind: kind.into(),
        lagrum: lagrum.into(),
        dimension: dimension.into(),
        value: value.into(),
        n,
    }
}

fn unit(id: &str, name: &str, area_id: &str, area_name: &str) -> UnitInfo {
    UnitInfo {
        id: id.into(),
        name: name.into(),
        area_id: area_id.into(),
        area_name: area_name.into(),
    }
}

fn clock(id: &str, started_at: DateTime<Utc>, hours: Option<i64>) -> ClockTiming {
    ClockTiming {
        deadline_id: id.into(),
        started_at,
        met_at: hours.map(|h| started_at + chrono::Duration::hours(h)),
    }
}

fn pair(
    case: &str,
    unit: &str,
    opened: DateTime<Utc>,
    earlier: &str,
    earlier_opened: DateTime<Utc>,
    reason: RepeatReason,
) -> RepeatPair {
    RepeatPair {
        case_id: case.into(),
        kind: "lex-sarah".into(),
        unit_id: unit.into(),
        category: (case == "c2").then(|| "fysiska_overgrepp".into()),
        opened_at: opened,
        earlier_case_id: earlier.into(),
        earlier_kind: "lex-sarah".into(),
        earlier_opened_at: earlier_opened,
        reason,
    }
}

/// The year 2025 up to 15 June (six months) at three units:
///
/// - avvikelser: Linden SoL 3 in January and 2 in February (12 in 2024),
///   Norr LSS 4 in March (HSL 6 in 2024); categories fall 3 + 1, övrigt 3,
///   läkemedel 2; one more Linden SoL report marked a duplicate of another;
/// - lex Sarah: Linden SoL 2 in February (kvinna, ej angivet), Ekbacken
///   LSS 1 in April (man); one allvarligt missförhållande reported to IVO,
///   two pågående; SAS informed after 5, 30 (late) and 2 hours; one
///   bedömning after 168 hours; c1 and c2 are fysiska övergrepp;
/// - complaints at Norr in May: 2 klagomål, 1 beröm;
/// - one case of a lifecycle no longer defined ("gammal"), Linden, January;
/// - repeats: c2 after c1 (same category, 17 days) and after an avvikelse
///   about the same person (19 days); c3 after an avvikelse about the same
///   person (12 days).
pub(crate) fn data() -> ReportData {
    let (c1, c2, c3) = (at(2, 3, 8), at(2, 20, 8), at(4, 1, 8));
    let rows: [Row; 29] = [
        (2025, 1, "linden", "avvikelse", "SoL", "cases", "", 3),
        (2025, 2, "linden", "avvikelse", "SoL", "cases", "", 2),
        (2025, 3, "norr", "avvikelse", "LSS", "cases", "", 4),
        (2024, 1, "linden", "avvikelse", "SoL", "cases", "", 12),
        (2024, 1, "norr", "avvikelse", "HSL", "cases", "", 6),
        (2025, 1, "", "avvikelse", "SoL", "category", "fall", 3),
        (2025, 3, "", "avvikelse", "LSS", "category", "fall", 1),
        (2025, 2, "", "avvikelse", "SoL", "category", "lakemedel", 2),
        (2025, 3, "", "avvikelse", "LSS", "category", "ovrigt", 3),
        (2025, 2, "linden", "lex-sarah", "SoL", "cases", "", 2),
        (2025, 4, "ekbacken", "lex-sarah", "LSS", "cases", "", 1),
        (2025, 1, "linden", "lex-sarah", "SoL", "gender", "kvinna", 1),
        (
            2025,
            1,
            "linden",
            "lex-sarah",
            "SoL",
            "gender",
            "ej_angivet",
            1,
        ),
        (2025, 1, "ekbacken", "lex-sarah", "LSS", "gender", "man", 1),
        (
            2025,
            1,
            "",
            "lex-sarah",
            "SoL",
            "outcome",
            "serious_missforhallande",
            1,
        ),
        (2025, 1, "", "lex-sarah", "SoL", "outcome", "ongoing", 1),
        (2025, 1, "", "lex-sarah", "LSS", "outcome", "ongoing", 1),
        (2025, 1, "", "lex-sarah", "SoL", "ivo", "reported", 1),
        (
            2025,
            1,
            "",
            "lex-sarah",
            "SoL",
            "deadline:sas_informed",
            "on_time",
            1,
        ),
        (
            2025,
            1,
            "",
            "lex-sarah",
            "LSS",
            "deadline:sas_informed",
            "on_time",
            1,
        ),
        (
            2025,
            1,
            "",
            "lex-sarah",
            "SoL",
            "deadline:sas_informed",
            "late",
            1,
        ),
        (
            2025,
            1,
            "",
            "lex-sarah",
            "SoL",
            "deadline:ivo_anmalan",
            "open",
            1,
        ),
        (
            2025,
            2,
            "",
            "lex-sarah",
            "SoL",
            "category",
            "fysiska_overgrepp",
            2,
        ),
        (2025, 5, "norr", "klagomal", "SoL", "cases", "", 3),
        (
            2025,
            1,
            "norr",
            "klagomal",
            "SoL",
            "feedback_kind",
            "klagomal",
            2,
        ),
        (
            2025,
            1,
            "norr",
            "klagomal",
            "SoL",
            "feedback_kind",
            "berom",
            1,
        ),
        (2025, 1, "linden", "gammal", "SoL", "cases", "", 1),
        (2025, 1, "linden", "avvikelse", "SoL", "gender", "kvinna", 0),
        (2025, 0, "", "avvikelse", "SoL", "duplicate", "", 1),
    ];
    let tallies = rows.into_iter().map(tally).collect();
    ReportData {
        year: 2025,
        scope: Scope::Organisation,
        scope_name: "Exempelkommunen".into(),
        as_of: at(6, 15, 12),
        units: vec![
            unit(
                "linden",
                "Lindens vård- och omsorgsboende",
                "aldreomsorg",
                "Äldreomsorg",
            ),
            unit("norr", "Hemtjänst Norr", "hemtjanst", "Ordinärt boende"),
            unit("ekbacken", "Ekbacken <\"&\">", "lss", "LSS-verksamhet"),
        ],
        tallies,
        investigated: vec![
            InvestigatedCase {
                case_id: "c1".into(),
                kind: "lex-sarah".into(),
                unit_id: "linden".into(),
                opened_at: c1,
                assessed_at: Some(at(2, 10, 8)),
                clocks: vec![
                    clock("sas_informed", c1, Some(5)),
                    clock("ivo_anmalan", at(2, 10, 8), None),
                ],
            },
            InvestigatedCase {
                case_id: "c2".into(),
                kind: "lex-sarah".into(),
                unit_id: "linden".into(),
                opened_at: c2,
                assessed_at: None,
                clocks: vec![clock("sas_informed", c2, Some(30))],
            },
            InvestigatedCase {
                case_id: "c3".into(),
                kind: "lex-sarah".into(),
                unit_id: "ekbacken".into(),
                opened_at: c3,
                assessed_at: None,
                clocks: vec![clock("sas_informed", c3, Some(2))],
            },
        ],
        repeats: vec![
            pair("c2", "linden", c2, "c1", c1, RepeatReason::SameCategory),
            pair(
                "c2",
                "linden",
                c2,
                "a9",
                at(2, 1, 8),
                RepeatReason::SamePerson,
            ),
            pair(
                "c3",
                "ekbacken",
                c3,
                "a7",
                at(3, 20, 8),
                RepeatReason::SamePerson,
            ),
        ],
    }
}
