//! The organisation page, through the pages as a browser sends them: the
//! administrator adds a verksamhetsområde and a unit, renames, moves and
//! closes one; each change is listed with who made it. A bad code is
//! refused with the field named and what was typed kept, and changes
//! nothing. A closed unit is not offered on the filing form and a filing
//! for it is refused in plain Swedish; reopened, it takes cases again.
//! Only the administrator changes anything; the auditor reads the record.

mod common;

use axum::http::StatusCode;
use common::{Browser, app};

async fn change(b: &mut Browser<'_>, fields: &[(&str, &str)]) -> common::Page {
    let page = b.get("/admin/units").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    let csrf = page.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    b.post("/admin/units", &all).await
}

async fn changes(app: &common::App) -> usize {
    app.store.org_changes(1000).await.expect("history").len()
}

#[tokio::test]
async fn the_administrator_adds_renames_moves_and_closes_units() {
    let app = app().await;
    let mut admin = Browser::new(&app);
    admin.sign_in("systemforvaltare").await;
    let page = admin.get("/admin/units").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html
            .contains("<h1>Enheter och verksamhetsområden</h1>")
    );
    assert!(page.html.contains("href=\"/admin/units\""), "in the menu");
    assert!(page.html.contains("Inga ändringar är gjorda här ännu."));

    let added = change(
        &mut admin,
        &[
            ("action", "add_area"),
            ("id", "lss"),
            ("name", "Funktionsstöd"),
        ],
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
    assert_eq!(added.location.as_deref(), Some("/admin/units?done=1"));
    let added = change(
        &mut admin,
        &[
            ("action", "add_unit"),
            ("id", "eken"),
            ("name", "Gruppbostaden Eken"),
            ("area", "lss"),
        ],
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
    let page = admin.get("/admin/units?done=1").await;
    assert!(page.html.contains("Ändringen är sparad."));
    assert!(page.html.contains("<h2 id=\"area-lss\">Funktionsstöd"));
    assert!(
        page.html
            .contains("<td data-label=\"Enhet\">Gruppbostaden Eken</td>")
    );

    // A bad code: the field named, the name typed kept, nothing written.
    let before = changes(&app).await;
    let refused = change(
        &mut admin,
        &[
            ("action", "add_unit"),
            ("id", "Eken 2"),
            ("name", "Eken två"),
            ("area", "lss"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .html
            .contains("Kod: Koden får bara ha små bokstäver a–z"),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains("value=\"Eken två\""),
        "what was typed is kept"
    );
    let taken = change(
        &mut admin,
        &[
            ("action", "add_area"),
            ("id", "lss"),
            ("name", "Något annat"),
        ],
    )
    .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.html.contains("Kod: Koden används redan."));
    assert_eq!(changes(&app).await, before);

    for fields in [
        [
            ("action", "rename_unit"),
            ("id", "linden"),
            ("name", "Lindens vårdboende"),
        ],
        [("action", "move_unit"), ("id", "linden"), ("area", "lss")],
    ] {
        let done = change(&mut admin, &fields).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    }
    let closed = change(&mut admin, &[("action", "close_unit"), ("id", "linden")]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.html);
    let page = admin.get("/admin/units").await;
    assert!(page.html.contains("Stängd sedan <time datetime="));
    assert!(
        page.html.contains("value=\"reopen_unit\""),
        "offered to reopen"
    );
    for line in [
        "Verksamhetsområde tillagt lss: Funktionsstöd",
        "Enhet tillagd eken: Gruppbostaden Eken (Funktionsstöd)",
        "Enhet fick nytt namn linden: Lindens vårdboende",
        "Enhet flyttad linden: aldreomsorg → Funktionsstöd",
        "Enhet stängd linden",
    ] {
        assert!(page.html.contains(line), "{line}: {}", page.html);
    }
    assert!(
        page.html.contains("<td>systemforvaltare</td>"),
        "who made it"
    );

    // The unit manager of the closed unit: not offered it, refused it.
    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    let form = manager.get("/cases/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        !form.html.contains("value=\"linden\""),
        "a closed unit is not offered"
    );
    let cases = app
        .store
        .count_cases(&varna_store::queries::CaseFilter::default())
        .await
        .expect("count");
    let refused = manager
        .post(
            "/cases/new",
            &[
                ("csrf", &form.csrf()),
                ("unit", "linden"),
                ("lagrum", "SoL"),
                ("what_happened", "Brukaren fick inte sin insats"),
                ("occurred_on", "2026-11-20"),
                ("category", "brist_vid_genomforande_av_insats"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .html
            .contains("Enheten är stängd och tar inte emot nya ärenden."),
        "{}",
        refused.html
    );
    assert_eq!(
        app.store
            .count_cases(&varna_store::queries::CaseFilter::default())
            .await
            .expect("count"),
        cases
    );

    // Only the administrator changes the organisation.
    let forbidden = manager.get("/admin/units").await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let csrf = form.csrf();
    let forbidden = manager
        .post(
            "/admin/units",
            &[("csrf", &csrf), ("action", "reopen_unit"), ("id", "linden")],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let mut auditor = Browser::new(&app);
    auditor.sign_in("granskare").await;
    let read = auditor.get("/admin/units").await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.html.contains("Enhet stängd linden"));
    assert!(
        !read.html.contains("name=\"action\""),
        "no forms for the auditor"
    );

    // Reopened, the unit takes cases again.
    let reopened = change(&mut admin, &[("action", "reopen_unit"), ("id", "linden")]).await;
    assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.html);
    manager.file_avvikelse().await;
    let report = app.store.verify_audit(|_| {}).await.expect("verify");
    assert!(report.problem.is_none(), "{:?}", report.problem);
}
