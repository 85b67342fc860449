//! Naming the handläggare, through the pages as a browser sends them: the
//! SAS names a colleague on a lex Sarah report, the case page says who it
//! is, the event records it on the chain, and the person named — and no
//! one else of the role — finds it in their notifications. Naming someone
//! who does not work such cases, or the one already named, is refused with
//! the form's own words and changes nothing; a reporter is not offered it.

mod common;

use axum::http::StatusCode;
use common::{Browser, app, hidden};
use varna_workflow::EventKind;

/// Sends the case page's naming form with `person`.
async fn assign(b: &mut Browser<'_>, case: &str, person: &str) -> common::Page {
    let page = b.get(&format!("/cases/{case}")).await;
    let csrf = page.csrf();
    let version = hidden(&page.html, "version").unwrap_or_default();
    b.post(
        &format!("/cases/{case}/assign"),
        &[
            ("csrf", &csrf),
            ("version", &version),
            ("idempotency_key", &uuid::Uuid::new_v4().to_string()),
            ("person", person),
        ],
    )
    .await
}

#[tokio::test]
async fn the_sas_names_a_handlaggare_who_alone_is_told() {
    let app = app().await;
    let mut reporter = Browser::new(&app);
    reporter.sign_in("rep-linden").await;
    let case = reporter.file_report("lex-sarah").await;
    let page = reporter.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.html.contains(&format!("/cases/{case}/assign")),
        "a reporter is not offered the naming form"
    );

    let mut sas = Browser::new(&app);
    sas.sign_in("sas").await;
    let page = sas.get(&format!("/cases/{case}")).await;
    assert!(page.html.contains("Handläggare") && page.html.contains("Ingen utsedd ännu"));
    assert!(
        page.html
            .contains(&format!("action=\"/cases/{case}/assign\""))
    );
    assert!(
        page.html
            .contains("<option value=\"sas-utredare\">Nils Utred"),
        "the colleague is offered by name"
    );
    assert!(
        !page.html.contains("<option value=\"granskare\""),
        "an auditor does not work cases and is not offered"
    );

    // Someone who does not work lex Sarah cases: refused, nothing changed.
    let id = varna_store::CaseId::parse(&case).expect("an id");
    let before = app.store.history(&id).await.expect("history").len();
    let refused = assign(&mut sas, &case, "granskare").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .html
            .contains("Välj någon som arbetar med den här sortens ärenden på enheten")
    );
    assert!(
        refused.html.contains("href=\"#assign-person\""),
        "listed at the top"
    );
    assert_eq!(app.store.history(&id).await.expect("history").len(), before);

    let named = assign(&mut sas, &case, "sas-utredare").await;
    assert_eq!(named.status, StatusCode::SEE_OTHER, "{}", named.html);
    let history = app.store.history(&id).await.expect("history");
    let who = history
        .iter()
        .find_map(|e| match &e.event.kind {
            EventKind::Assigned { handlaggare } => Some(handlaggare.clone()),
            _ => None,
        })
        .expect("an assigned event");
    assert_eq!(who.id.as_str(), "sas-utredare");
    assert_eq!(who.role, varna_workflow::Role::Sas);
    assert!(app.store.check_case(&id).await.expect("checks").is_empty());
    let page = sas.get(&format!("/cases/{case}")).await;
    assert!(page.html.contains("<dd>Nils Utred, "), "{}", page.html);
    assert!(page.html.contains("Handläggare utsedd"), "in the history");

    // The same person again: refused in words.
    let again = assign(&mut sas, &case, "sas-utredare").await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.html.contains("redan handläggare"));

    // Told: the person named, and not the other SAS.
    let mut named = Browser::new(&app);
    named.sign_in("sas-utredare").await;
    let notices = named.get("/notifications").await;
    assert!(
        notices.html.contains("Du är utsedd till handläggare"),
        "{}",
        notices.html
    );
    let other = sas.get("/notifications").await;
    assert!(!other.html.contains("Du är utsedd till handläggare"));
    assert!(
        other.html.contains("Ny rapport"),
        "role notices still reach the role"
    );

    // A reporter posting the form anyway is refused and nothing changes.
    let before = app.store.history(&id).await.expect("history").len();
    let page = reporter.get("/").await;
    let forged = reporter
        .post(
            &format!("/cases/{case}/assign"),
            &[("csrf", &page.csrf()), ("person", "sas")],
        )
        .await;
    assert_ne!(forged.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store.history(&id).await.expect("history").len(), before);
}
