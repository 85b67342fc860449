//! Every table of the hand-made year, exactly.

use varna_report::model::{
    AreaGenderRow, CategoryRow, ComplaintRow, DeadlineRow, IvoRow, LagrumRow, MonthlySeries,
    RisingUnit,
};
use varna_report::{Scope, build, months_covered, nearest_rank};

use crate::{at, catalog, data};

fn lagrum(kind: &str, kind_label: &str, lagrum: &str, counts: [i64; 3]) -> LagrumRow {
    let [count, previous_year, duplicates] = counts;
    LagrumRow {
        kind: kind.into(),
        kind_label: kind_label.into(),
        lagrum: lagrum.into(),
        count,
        previous_year,
        duplicates,
    }
}

fn series(key: &str, label: &str, head: &[i64]) -> MonthlySeries {
    let mut counts = head.to_vec();
    counts.resize(12, 0);
    MonthlySeries {
        key: key.into(),
        label: label.into(),
        total: counts.iter().sum(),
        counts,
    }
}

#[test]
fn the_head_says_what_year_scope_and_months_it_covers() {
    let r = build(&data(), &catalog());
    assert_eq!(
        (
            r.year,
            r.scope_kind.as_str(),
            r.scope_id.as_str(),
            r.scope_name.as_str()
        ),
        (2025, "organisation", "", "Exempelkommunen")
    );
    assert_eq!((r.generated_at, r.months_covered), (at(6, 15, 12), 6));
    let mut unit = data();
    unit.scope = Scope::Unit("norr".into());
    let r = build(&unit, &catalog());
    assert_eq!(
        (r.scope_kind.as_str(), r.scope_id.as_str()),
        ("unit", "norr")
    );
}

#[test]
fn cases_per_lagrum_put_the_previous_year_beside_count_duplicates_apart_and_keep_unknown_lifecycles()
 {
    let r = build(&data(), &catalog());
    assert_eq!(
        r.per_lagrum,
        vec![
            lagrum("avvikelse", "Avvikelse", "SoL", [5, 12, 1]),
            lagrum("avvikelse", "Avvikelse", "LSS", [4, 0, 0]),
            lagrum("avvikelse", "Avvikelse", "HSL", [0, 6, 0]),
            lagrum("klagomal", "Klagomål och synpunkter", "SoL", [3, 0, 0]),
            lagrum("lex-sarah", "Lex Sarah", "SoL", [2, 0, 0]),
            lagrum("lex-sarah", "Lex Sarah", "LSS", [1, 0, 0]),
            lagrum("gammal", "gammal", "SoL", [1, 0, 0]),
        ]
    );
}

#[test]
fn investigated_cases_split_by_area_and_gender_in_unit_order() {
    let r = build(&data(), &catalog());
    let row = |area_id: &str, area_name: &str, kvinna, man, ej_angivet| AreaGenderRow {
        kind: "lex-sarah".into(),
        kind_label: "Lex Sarah".into(),
        area_id: area_id.into(),
        area_name: area_name.into(),
        kvinna,
        man,
        ej_angivet,
        total: kvinna + man + ej_angivet,
    };
    assert_eq!(
        r.by_area_and_gender,
        vec![
            row("aldreomsorg", "Äldreomsorg", 1, 0, 1),
            row("lss", "LSS-verksamhet", 0, 1, 0)
        ]
    );
}

#[test]
fn outcomes_list_every_severity_then_the_ongoing() {
    let r = build(&data(), &catalog());
    let sarah: Vec<(&str, bool, i64)> = r
        .outcomes
        .iter()
        .filter(|o| o.kind == "lex-sarah")
        .map(|o| (o.outcome.as_str(), o.reportable, o.count))
        .collect();
    assert_eq!(
        sarah,
        vec![
            ("no_missforhallande", false, 0),
            ("risk_of_missforhallande", false, 0),
            ("missforhallande", false, 0),
            ("risk_of_serious_missforhallande", true, 0),
            ("serious_missforhallande", true, 1),
            ("ongoing", false, 2),
        ]
    );
    let maria: Vec<_> = r
        .outcomes
        .iter()
        .filter(|o| o.kind == "lex-maria")
        .collect();
    assert!(maria.iter().all(|o| o.count == 0), "{maria:?}");
    assert_eq!(
        maria.last().map(|o| o.label.as_str()),
        Some("Pågående utredning")
    );
    assert!(
        r.outcomes.iter().all(|o| o.kind != "avvikelse"),
        "avvikelser have no ruling"
    );
}

#[test]
fn ivo_shares_are_of_the_years_cases() {
    let r = build(&data(), &catalog());
    assert_eq!(
        r.ivo,
        vec![
            IvoRow {
                kind: "kommunal-anmalan".into(),
                kind_label: "Kommunal anmälan till IVO".into(),
                cases: 0,
                reported: 0,
                share: 0.0,
            },
            IvoRow {
                kind: "lex-maria".into(),
                kind_label: "Lex Maria".into(),
                cases: 0,
                reported: 0,
                share: 0.0,
            },
            IvoRow {
                kind: "lex-sarah".into(),
                kind_label: "Lex Sarah".into(),
                cases: 3,
                reported: 1,
                share: 1.0 / 3.0,
            },
        ]
    );
}

#[test]
fn categories_rank_by_count_sum_repeated_keys_and_read_in_swedish() {
    let r = build(&data(), &catalog());
    let row =
        |kind: &str, kind_label: &str, category: &str, label: &str, count: i64, share: f64| {
            CategoryRow {
                kind: kind.into(),
                kind_label: kind_label.into(),
                category: category.into(),
                label: label.into(),
                count,
                share,
            }
        };
    assert_eq!(
        r.categories,
        vec![
            row("avvikelse", "Avvikelse", "fall", "Fall", 4, 4.0 / 9.0),
            row("avvikelse", "Avvikelse", "ovrigt", "Övrigt", 3, 3.0 / 9.0),
            row(
                "avvikelse",
                "Avvikelse",
                "lakemedel",
                "Läkemedel",
                2,
                2.0 / 9.0
            ),
            row(
                "lex-sarah",
                "Lex Sarah",
                "fysiska_overgrepp",
                "Fysiska övergrepp",
                2,
                1.0
            ),
        ]
    );
}

#[test]
fn at_most_ten_categories_per_lifecycle() {
    let mut d = data();
    let template = d.tallies[5].clone();
    for i in 0..12 {
        let mut t = template.clone();
        t.value = format!("kategori_{i:02}");
        t.n = 1;
        d.tallies.push(t);
    }
    let r = build(&d, &catalog());
    let avvikelse: Vec<&str> = r
        .categories
        .iter()
        .filter(|c| c.kind == "avvikelse")
        .map(|c| c.category.as_str())
        .collect();
    assert_eq!(avvikelse.len(), 10);
    assert_eq!(
        &avvikelse[..4],
        ["fall", "ovrigt", "lakemedel", "kategori_00"]
    );
    let fall = r
        .categories
        .iter()
        .find(|c| c.category == "fall")
        .expect("fall");
    assert!(
        (fall.share - 4.0 / 21.0).abs() < 1e-12,
        "shares count every category"
    );
}

#[test]
fn complaints_follow_the_definitions_order_of_feedback_kinds() {
    let r = build(&data(), &catalog());
    let row = |kind: &str, label: &str, count| ComplaintRow {
        area_id: "hemtjanst".into(),
        area_name: "Ordinärt boende".into(),
        feedback_kind: kind.into(),
        label: label.into(),
        count,
    };
    assert_eq!(
        r.complaints,
        vec![row("klagomal", "Klagomål", 2), row("berom", "Beröm", 1)]
    );
}

#[test]
fn lead_times_are_nearest_rank_medians_and_90th_percentiles() {
    let r = build(&data(), &catalog());
    let sarah: Vec<_> = r
        .lead_times
        .iter()
        .filter(|l| l.kind == "lex-sarah")
        .map(|l| {
            (
                l.measure.as_str(),
                l.label.as_str(),
                l.count,
                l.median_hours,
                l.p90_hours,
            )
        })
        .collect();
    // SAS informed after 2, 5 and 30 hours: rank 2 of 3 and rank 3 of 3.
    assert_eq!(
        sarah[0],
        (
            "assessed",
            "Rapport → bedömning",
            1,
            Some(168.0),
            Some(168.0)
        )
    );
    assert_eq!(
        sarah[1],
        (
            "sas_informed",
            "Rapport → SAS informerad",
            3,
            Some(5.0),
            Some(30.0)
        )
    );
    let ivo = sarah
        .iter()
        .find(|l| l.0 == "ivo_anmalan")
        .expect("IVO row");
    assert_eq!(
        *ivo,
        (
            "ivo_anmalan",
            "Markera: kan vara allvarligt / Bedöm: allvarligt, föreslå anmälan till IVO / Föreslå anmälan till IVO innan utredningen är klar → Anmälan till IVO",
            0,
            None,
            None
        )
    );
    assert!(
        r.lead_times
            .iter()
            .any(|l| l.kind == "lex-maria" && l.count == 0)
    );
    assert!(r.lead_times.iter().all(|l| l.kind != "avvikelse"));
}

#[test]
fn nearest_rank_picks_the_value_at_the_rounded_up_rank() {
    let values: Vec<f64> = (1..=18).map(f64::from).collect();
    assert_eq!(nearest_rank(&values, 50), Some(9.0));
    assert_eq!(nearest_rank(&values, 90), Some(17.0));
    assert_eq!(nearest_rank(&[7.0], 90), Some(7.0));
    assert_eq!(nearest_rank(&[], 50), None);
}

#[test]
fn deadlines_count_each_fate_and_the_share_met_on_time() {
    let r = build(&data(), &catalog());
    let row = |deadline: &str, label: &str, on_time, late, open, met_on_time_share| DeadlineRow {
        kind: "lex-sarah".into(),
        kind_label: "Lex Sarah".into(),
        deadline: deadline.into(),
        label: label.into(),
        on_time,
        late,
        overdue: 0,
        open,
        cancelled: 0,
        met_on_time_share,
    };
    assert_eq!(
        r.deadlines,
        vec![
            row("sas_informed", "SAS informerad", 2, 1, 0, 2.0 / 3.0),
            row("ivo_anmalan", "Anmälan till IVO", 0, 0, 1, 0.0),
        ]
    );
}

#[test]
fn monthly_series_run_busiest_first_with_unit_names_and_category_labels() {
    let r = build(&data(), &catalog());
    assert_eq!(
        r.monthly_by_unit,
        vec![
            series("linden", "Lindens vård- och omsorgsboende", &[4, 4]),
            series("norr", "Hemtjänst Norr", &[0, 0, 4, 0, 3]),
            series("ekbacken", "Ekbacken <\"&\">", &[0, 0, 0, 1]),
        ]
    );
    assert_eq!(
        r.monthly_by_category,
        vec![
            series("fall", "Fall", &[3, 0, 1]),
            series("ovrigt", "Övrigt", &[0, 0, 3]),
            series("fysiska_overgrepp", "Fysiska övergrepp", &[0, 2]),
            series("lakemedel", "Läkemedel", &[0, 2]),
        ]
    );
}

#[test]
fn rising_units_compare_cases_per_month_over_the_months_covered() {
    let r = build(&data(), &catalog());
    // Norr: 6 a year (0.5 a month) → 7 in six months (1.17); Linden: 12
    // (1.0) → 8 (1.33). Ekbacken's single case is too few to call a rise.
    assert_eq!(
        r.rising_units,
        vec![
            RisingUnit {
                unit_id: "norr".into(),
                unit_name: "Hemtjänst Norr".into(),
                previous: 6,
                current: 7,
                previous_per_month: 0.5,
                current_per_month: 1.17,
                change_per_month: 0.67,
            },
            RisingUnit {
                unit_id: "linden".into(),
                unit_name: "Lindens vård- och omsorgsboende".into(),
                previous: 12,
                current: 8,
                previous_per_month: 1.0,
                current_per_month: 1.33,
                change_per_month: 0.33,
            },
        ]
    );
}

#[test]
fn a_year_not_begun_covers_no_months_and_has_no_rates() {
    assert_eq!(months_covered(2024, at(6, 15, 12)), 12);
    assert_eq!(months_covered(2025, at(6, 15, 12)), 6);
    assert_eq!(months_covered(2026, at(6, 15, 12)), 0);
    let mut d = data();
    d.as_of = at(1, 1, 0) - chrono::Duration::days(1);
    let r = build(&d, &catalog());
    assert_eq!(r.months_covered, 0);
    assert!(r.rising_units.is_empty());
}

#[test]
fn repeats_group_pairs_per_case_newest_first() {
    let r = build(&data(), &catalog());
    let s = &r.repeats;
    assert_eq!(
        (s.investigated, s.same_person, s.same_category, s.any),
        (3, 2, 1, 2)
    );
    let rows: Vec<(&str, Vec<&str>, Vec<&str>, _, _, _)> = s
        .cases
        .iter()
        .map(|c| {
            (
                c.case_id.as_str(),
                c.reasons.iter().map(String::as_str).collect(),
                c.earlier_case_ids.iter().map(String::as_str).collect(),
                c.days_since_last,
                c.category.as_deref(),
                c.unit_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "c3",
                vec!["same_person"],
                vec!["a7"],
                12,
                None,
                "Ekbacken <\"&\">"
            ),
            (
                "c2",
                vec!["same_person", "same_category"],
                vec!["c1", "a9"],
                17,
                Some("fysiska_overgrepp"),
                "Lindens vård- och omsorgsboende"
            ),
        ]
    );
}

#[test]
fn a_categorys_words_come_from_the_lifecycle_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../workflows");
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("workflows folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path)
                .expect("workflow file")
                .replace(
                    r#"value_labels.lakemedel = { sv = "Läkemedel""#,
                    r#"value_labels.lakemedel = { sv = "Läkemedelshantering""#,
                );
            sources.push((path.display().to_string(), text));
        }
    }
    let catalog = varna_workflow::Catalog::from_sources(
        sources.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    )
    .expect("valid");
    let r = build(&data(), &catalog);
    let label = |category: &str| {
        r.categories
            .iter()
            .find(|c| c.category == category)
            .map(|c| c.label.clone())
    };
    assert_eq!(label("lakemedel").as_deref(), Some("Läkemedelshantering"));
    assert_eq!(label("fall").as_deref(), Some("Fall"));
}
