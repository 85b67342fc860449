//! The organisation administered through the store: every change recorded
//! on its own chain (a change edited or deleted afterwards fails `audit
//! verify`), refusals write nothing, a closed unit takes no new cases but
//! keeps its own, and a unit moved to another verksamhetsområde still
//! counts where it was in the reports of earlier years.

use chrono::{DateTime, Datelike, TimeZone, Utc};
use varna_report::input::{DIM_CASES, Scope};
use varna_store::audit::BreakKind;
use varna_store::{Applied, CommandOptions, Error, OrgEdit, OrgRefusal, Store};
use varna_workflow::{FileCase, Lagrum, Role, UnitId};

use crate::support::*;

on_both_backends!(
    changes_are_recorded_and_refusals_change_nothing,
    a_closed_unit_takes_no_new_cases_and_keeps_its_own,
    a_moved_unit_counts_where_it_was_in_earlier_years,
    an_edited_or_deleted_change_fails_verify,
);

const ADMIN: (&str, &str) = ("admin-1", "admin");

async fn change(store: &Store, edit: OrgEdit) -> Result<i64, Error> {
    store
        .change_organisation(&edit, ADMIN.0, ADMIN.1)
        .await
        .map(|c| c.seq)
}

fn refusal(result: Result<i64, Error>) -> OrgRefusal {
    match result {
        Err(Error::Org(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn file_at(store: &Store, unit: &str, t: DateTime<Utc>) -> Result<Applied, Error> {
    let day = t.date_naive().to_string();
    store
        .file_case(
            "avvikelse",
            FileCase {
                lagrum: Lagrum::Sol,
                unit: UnitId::new(unit),
                fields: fields(&[
                    ("what_happened", text("Fall i badrummet")),
                    ("occurred_on", text(&day)),
                    ("category", text("fall")),
                    ("affected_gender", text("man")),
                ]),
            },
            None,
            &actor(Role::UnitManager, unit),
            CommandOptions {
                now: Some(t),
                ..CommandOptions::default()
            },
        )
        .await
}

async fn changes_are_recorded_and_refusals_change_nothing(h: Harness) {
    let s = &h.store;
    assert_eq!(
        change(
            s,
            OrgEdit::AddArea {
                id: "lss".into(),
                name: " Funktionsstöd ".into()
            }
        )
        .await
        .expect("area added"),
        1
    );
    let add_eken = || OrgEdit::AddUnit {
        id: "eken".into(),
        name: "Gruppbostaden Eken".into(),
        area: "lss".into(),
    };
    assert_eq!(change(s, add_eken()).await.expect("unit added"), 2);

    // Each refusal names what is wrong and writes nothing.
    assert_eq!(refusal(change(s, add_eken()).await), OrgRefusal::UnitExists);
    let bad_code = OrgEdit::AddUnit {
        id: "Eken 2".into(),
        name: "x".into(),
        area: "lss".into(),
    };
    assert_eq!(
        refusal(change(s, bad_code).await),
        OrgRefusal::BadCode { field: "id" }
    );
    let nowhere = OrgEdit::MoveUnit {
        id: "eken".into(),
        area: "nowhere".into(),
    };
    assert_eq!(
        refusal(change(s, nowhere).await),
        OrgRefusal::UnknownArea { field: "area" }
    );
    let same = OrgEdit::RenameUnit {
        id: "eken".into(),
        name: "Gruppbostaden Eken".into(),
    };
    assert_eq!(
        refusal(change(s, same).await),
        OrgRefusal::Unchanged { field: "name" }
    );
    let empty = OrgEdit::RenameArea {
        id: "lss".into(),
        name: "  ".into(),
    };
    assert_eq!(refusal(change(s, empty).await), OrgRefusal::BadName);
    assert_eq!(
        refusal(change(s, OrgEdit::ReopenUnit { id: "eken".into() }).await),
        OrgRefusal::NotClosed
    );
    assert_eq!(h.count("org_change").await, 2);

    let renamed = OrgEdit::RenameUnit {
        id: "eken".into(),
        name: "Ekens gruppbostad".into(),
    };
    assert_eq!(change(s, renamed).await.expect("renamed"), 3);
    let moved = OrgEdit::MoveUnit {
        id: "eken".into(),
        area: "aldreomsorg".into(),
    };
    assert_eq!(change(s, moved).await.expect("moved"), 4);

    let org = s.organisation().await.expect("organisation");
    let aldre = org.iter().find(|a| a.id == "aldreomsorg").expect("area");
    let eken = aldre
        .units
        .iter()
        .find(|u| u.id == "eken")
        .expect("moved in");
    assert_eq!(eken.name, "Ekens gruppbostad");
    let lss = org.iter().find(|a| a.id == "lss").expect("area kept");
    assert_eq!(lss.name, "Funktionsstöd", "names are trimmed");
    assert!(lss.units.is_empty());

    let history = s.org_changes(10).await.expect("history");
    let words: Vec<(&str, &str, &str, &str)> = history
        .iter()
        .map(|c| {
            (
                c.change.as_str(),
                c.subject.as_str(),
                c.area_id.as_str(),
                c.from_area_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        words,
        [
            ("unit_moved", "eken", "aldreomsorg", "lss"),
            ("unit_renamed", "eken", "lss", ""),
            ("unit_added", "eken", "lss", ""),
            ("area_added", "lss", "", ""),
        ]
    );
    assert!(
        history
            .iter()
            .all(|c| c.actor_id == "admin-1" && c.actor_role == "admin")
    );
    assert_intact(s).await;
}

async fn a_closed_unit_takes_no_new_cases_and_keeps_its_own(h: Harness) {
    let s = &h.store;
    let before = file_avvikelse(s, LINDEN, Lagrum::Sol, 0).await;
    change(s, OrgEdit::CloseUnit { id: LINDEN.into() })
        .await
        .expect("closed");
    assert_eq!(
        refusal(change(s, OrgEdit::CloseUnit { id: LINDEN.into() }).await),
        OrgRefusal::AlreadyClosed
    );
    let events = h.count("event").await;
    let refused = file_at(s, LINDEN, t0())
        .await
        .expect_err("closed unit refuses");
    assert!(
        matches!(refused, Error::UnitClosed(ref u) if u == LINDEN),
        "{refused}"
    );
    assert_eq!(h.count("event").await, events, "nothing written");
    // Its case is still there, whole, and can still be worked.
    let case = s
        .case(&before.case_id)
        .await
        .expect("read")
        .expect("still there");
    assert_eq!(case.case.unit.as_str(), LINDEN);
    take(
        s,
        &before.case_id,
        Role::UnitManager,
        transition("start_investigation", fields(&[])),
        2,
    )
    .await;
    // Other units take cases as before; reopened, so does this one.
    file_at(s, NORR, t0()).await.expect("another unit files");
    change(s, OrgEdit::ReopenUnit { id: LINDEN.into() })
        .await
        .expect("reopened");
    file_at(s, LINDEN, t0()).await.expect("reopened unit files");
    let units = s.organisation().await.expect("organisation");
    assert!(
        units
            .iter()
            .flat_map(|a| &a.units)
            .all(|u| u.closed_at.is_none())
    );
}

async fn a_moved_unit_counts_where_it_was_in_earlier_years(h: Harness) {
    let s = &h.store;
    let this_year = Utc::now().year();
    let earlier = Utc
        .with_ymd_and_hms(this_year - 1, 6, 2, 8, 0, 0)
        .single()
        .expect("valid");
    let current = Utc
        .with_ymd_and_hms(this_year, 1, 2, 8, 0, 0)
        .single()
        .expect("valid");
    file_at(s, LINDEN, earlier).await.expect("filed last year");
    file_at(s, LINDEN, current).await.expect("filed this year");
    change(
        s,
        OrgEdit::MoveUnit {
            id: LINDEN.into(),
            area: "hemtjanst".into(),
        },
    )
    .await
    .expect("moved");

    let cases_in = |data: &varna_store::ReportData| -> i64 {
        let units: Vec<&str> = data.units.iter().map(|u| u.id.as_str()).collect();
        data.tallies
            .iter()
            .filter(|t| {
                t.dimension == DIM_CASES
                    && t.year == data.year
                    && units.contains(&t.unit_id.as_str())
            })
            .map(|t| t.n)
            .sum()
    };
    let area = |id: &str| Scope::Area(id.to_owned());
    for (year, home, other) in [
        (this_year - 1, "aldreomsorg", "hemtjanst"),
        (this_year, "hemtjanst", "aldreomsorg"),
    ] {
        let here = s
            .report_data(year, &area(home), Utc::now())
            .await
            .expect("report");
        let there = s
            .report_data(year, &area(other), Utc::now())
            .await
            .expect("report");
        assert!(
            here.units.iter().any(|u| u.id == LINDEN),
            "{year}: linden counts under {home}"
        );
        assert!(
            there.units.iter().all(|u| u.id != LINDEN),
            "{year}: linden does not count under {other}"
        );
        assert_eq!(cases_in(&here), 1, "{year}: the case counts under {home}");
        let whole = s
            .report_data(year, &Scope::Organisation, Utc::now())
            .await
            .expect("report");
        let linden = whole.units.iter().find(|u| u.id == LINDEN).expect("listed");
        assert_eq!(linden.area_id, home, "{year}");
    }
}

async fn an_edited_or_deleted_change_fails_verify(h: Harness) {
    let s = &h.store;
    change(s, OrgEdit::CloseUnit { id: NORR.into() })
        .await
        .expect("closed");
    change(s, OrgEdit::ReopenUnit { id: NORR.into() })
        .await
        .expect("reopened");
    assert_intact(s).await;

    h.exec("UPDATE org_change SET actor_id = 'someone-else' WHERE seq = 1")
        .await;
    let problem = first_break(s).await;
    assert_eq!(problem.kind, BreakKind::OrgChainBroken, "{problem}");
    assert_eq!(problem.global_seq, Some(1), "{problem}");

    h.exec("UPDATE org_change SET actor_id = 'admin-1' WHERE seq = 1")
        .await;
    h.exec("DELETE FROM org_change WHERE seq = 2").await;
    let problem = first_break(s).await;
    assert_eq!(problem.kind, BreakKind::OrgChainBroken, "{problem}");
}
