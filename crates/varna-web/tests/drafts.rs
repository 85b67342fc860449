//! Work is not lost when a sign-in ends mid-form: the form posted after
//! the session ran out, or after the person signed out elsewhere, is kept
//! as their draft; the sign-in page says so, signing in again leads back
//! to the form, and the form shows the text as it was typed. Only the
//! person whose form it was gets it back, and only once.

mod common;

use axum::http::StatusCode;
use common::{Browser, app};

/// Signs in as `user` and returns where the sign-in leads.
async fn sign_in_to(b: &mut Browser<'_>, user: &str) -> String {
    let page = b.get("/signin").await;
    let done = b
        .post("/signin", &[("csrf", &page.csrf()), ("user", user)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    done.location.expect("a redirect")
}

const TEXT: &str = "Brukaren föll i badrummet vid 22-tiden och slog i höften";

#[tokio::test]
async fn a_filing_posted_after_the_session_ran_out_is_kept_and_restored_after_sign_in() {
    let app = app().await;
    let mut manager = Browser::new(&app);
    assert_eq!(sign_in_to(&mut manager, "um-linden").await, "/");
    let form = manager.get("/cases/new").await;
    let csrf = form.csrf();
    // The session runs out while the report is written: the browser drops
    // the session cookie at its end, as it does.
    manager.cookies.remove("varna_session");
    let sent = manager
        .post(
            "/cases/new",
            &[
                ("csrf", &csrf),
                ("unit", "linden"),
                ("lagrum", "SoL"),
                ("what_happened", TEXT),
                ("occurred_on", "2026-11-20"),
                ("category", "fall"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    assert_eq!(sent.location.as_deref(), Some("/signin?draft=1"));
    let before = app
        .store
        .count_cases(&varna_store::queries::CaseFilter::default())
        .await
        .expect("counts");
    let signin = manager.get("/signin?draft=1").await;
    assert!(
        signin.html.contains("det du skrev är sparat"),
        "{}",
        signin.html
    );
    // Someone else signing in is not led to it.
    let mut other = Browser::new(&app);
    assert_eq!(sign_in_to(&mut other, "sas").await, "/");
    // The person is led back to the form, with the text.
    assert_eq!(sign_in_to(&mut manager, "um-linden").await, "/cases/new");
    let restored = manager.get("/cases/new").await;
    assert!(restored.html.contains(TEXT), "{}", restored.html);
    assert!(
        restored
            .html
            .contains("Det du skrev innan inloggningen gick ut är återställt"),
        "{}",
        restored.html
    );
    // Once: the next visit is an empty form, and sign-in leads home again.
    let again = manager.get("/cases/new").await;
    assert!(!again.html.contains(TEXT));
    // Nothing was filed by the kept draft itself.
    assert_eq!(
        app.store
            .count_cases(&varna_store::queries::CaseFilter::default())
            .await
            .expect("counts"),
        before
    );
    // Sent from the restored form, it files.
    let key = common::hidden(&restored.html, "idempotency_key").unwrap_or_default();
    let filed = manager
        .post(
            "/cases/new",
            &[
                ("csrf", &restored.csrf()),
                ("idempotency_key", &key),
                ("unit", "linden"),
                ("lagrum", "SoL"),
                ("what_happened", TEXT),
                ("occurred_on", "2026-11-20"),
                ("category", "fall"),
            ],
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.html);
    assert!(filed.location.unwrap_or_default().ends_with("/receipt"));
}

#[tokio::test]
async fn a_journal_entry_survives_sign_out_elsewhere_but_a_forged_form_keeps_nothing() {
    let app = app().await;
    let mut manager = Browser::new(&app);
    sign_in_to(&mut manager, "um-linden").await;
    let sarah = manager.file_report("lex-sarah").await;
    let mut sas = Browser::new(&app);
    sign_in_to(&mut sas, "sas").await;
    let page = sas.get(&format!("/cases/{sarah}")).await;
    let csrf = page.csrf();
    // Signed out in another tab.
    let out = sas.post("/signout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    // A form from another page with a made-up token keeps nothing.
    let forged = sas
        .post(
            &format!("/cases/{sarah}/journal"),
            &[
                ("csrf", &"0".repeat(64)),
                ("topic", "causes"),
                ("text", "x"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let sent = sas
        .post(
            &format!("/cases/{sarah}/journal"),
            &[
                ("csrf", &csrf),
                ("topic", "causes"),
                ("text", "Nattpersonalen var ensam på två avdelningar"),
                ("source", "Samtal med nattpersonal"),
                ("kind", "fact"),
                ("documented_on", "2026-11-22"),
            ],
        )
        .await;
    assert_eq!(
        sent.location.as_deref(),
        Some("/signin?draft=1"),
        "{}",
        sent.html
    );
    assert_eq!(sign_in_to(&mut sas, "sas").await, format!("/cases/{sarah}"));
    let restored = sas.get(&format!("/cases/{sarah}")).await;
    assert!(
        restored
            .html
            .contains("Nattpersonalen var ensam på två avdelningar")
            && restored.html.contains("Samtal med nattpersonal"),
        "{}",
        restored.html
    );
    assert!(restored.html.contains("återställt"));
}
