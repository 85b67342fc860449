//! "Mitt arbete" as people work from it: more than a page of cases pages
//! on with the filters kept, and what changed since the person's previous
//! visit is marked new — the same marks while they page through it.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::{Browser, app};
use std::collections::BTreeSet;
use varna_store::CommandOptions;
use varna_workflow::{Actor, ActorId, FileCase, Lagrum, Role, UnitId, Value};

/// Files an avvikelse at Linden as its unit manager, dated `at`.
async fn file_at(store: &varna_store::Store, at: chrono::DateTime<Utc>) {
    let fields = [
        ("what_happened", "Fall i korridoren"),
        ("occurred_on", "2026-03-01"),
        ("category", "fall"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), Value::Text(v.to_owned())))
    .collect();
    store
        .file_case(
            "avvikelse",
            FileCase {
                lagrum: Lagrum::Sol,
                unit: UnitId::new("linden"),
                fields,
            },
            None,
            &Actor {
                id: ActorId::new("um-linden"),
                role: Role::UnitManager,
                units: BTreeSet::from([UnitId::new("linden")]),
            },
            CommandOptions {
                now: Some(at),
                ..CommandOptions::default()
            },
        )
        .await
        .expect("files");
}

#[tokio::test]
async fn my_work_pages_past_fifty_and_marks_what_changed_since_the_last_visit() {
    let app = app().await;
    let now = Utc::now();
    // A visit two hours ago; 52 cases from before it, 3 after.
    for _ in 0..52 {
        file_at(&app.store, now - Duration::hours(3)).await;
    }
    for _ in 0..3 {
        file_at(&app.store, now - Duration::hours(1)).await;
    }
    app.store
        .look_at_work("um-linden", now - Duration::hours(2))
        .await
        .expect("an earlier visit");

    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    let first = manager.get("/").await;
    assert_eq!(first.status, StatusCode::OK);
    let total = 55;
    assert!(
        first.html.contains(&format!("Visar 1–50 av {total}")),
        "{}",
        first.html
    );
    // Oldest first among cases without a deadline: the three new ones are
    // on the second page, so this page marks none.
    let marked = |html: &str| {
        html.matches("<span class=\"badge new\">Nytt</span>")
            .count()
    };
    assert_eq!(marked(&first.html), 0, "{}", first.html);
    assert!(!first.html.contains("rel=\"prev\""));
    let next = first.html.split("href=\"").find_map(|rest| {
        let (href, tail) = rest.split_once('"')?;
        tail.starts_with(" rel=\"next\"")
            .then(|| href.replace("&amp;", "&"))
    });
    let next = next.expect("a link to the next page");
    assert_eq!(next, "/?page=2");
    let second = manager.get(&next).await;
    assert!(
        second
            .html
            .contains(&format!("Visar 51–{total} av {total}")),
        "{}",
        second.html
    );
    assert!(second.html.contains("rel=\"prev\"") && !second.html.contains("rel=\"next\""));
    // Paging on within the same visit keeps the marks: the three filed
    // since the previous visit.
    assert_eq!(marked(&second.html), 3, "{}", second.html);
    assert!(
        second
            .html
            .contains("3 ärenden på sidan har ändrats sedan du senast tittade")
    );

    // A filter narrows the count and is kept in the paging links.
    let filtered = manager.get("/?unit=linden&kind=avvikelse").await;
    assert!(
        filtered
            .html
            .contains("href=\"/?page=2&#38;kind=avvikelse&#38;unit=linden\" rel=\"next\""),
        "{}",
        filtered.html
    );
    let none = manager.get("/?unit=norr").await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(!none.html.contains("Visar "), "{}", none.html);
    // A page past the end is simply empty.
    let past = manager.get("/?page=9").await;
    assert_eq!(past.status, StatusCode::OK);
}

/// The in-app notifications: what the person's role was told about cases
/// they may read, newest first, in the lifecycle's words, each linked.
#[tokio::test]
async fn notifications_list_what_the_role_was_told_about_cases_it_may_read() {
    let app = app().await;
    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    let sarah = manager.file_report("lex-sarah").await;
    let mut sas = Browser::new(&app);
    sas.sign_in("sas").await;
    let page = sas.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("Ny rapport") && page.html.contains(&format!("href=\"/cases/{sarah}\"")),
        "{}",
        page.html
    );
    assert!(sas.act(&sarah, "acknowledge", &[]).await.status == StatusCode::SEE_OTHER);
    let proposed = sas
        .act(
            &sarah,
            "propose_early_anmalan",
            &[
                ("anmalan_grounds", "serious_missforhallande"),
                ("seriousness_reasons", "Brukaren lämnades utan tillsyn"),
            ],
        )
        .await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.html);
    let mut committee = Browser::new(&app);
    committee.sign_in("namnd").await;
    let page = committee.get("/notifications").await;
    assert!(
        page.html
            .contains("Steg taget: Föreslå anmälan till IVO innan utredningen är klar"),
        "{}",
        page.html
    );
    // Nothing of it for a reporter, whose role was told nothing.
    let mut reporter = Browser::new(&app);
    reporter.sign_in("rep-linden").await;
    let page = reporter.get("/notifications").await;
    assert!(
        page.html.contains("Inga aviseringar ännu."),
        "{}",
        page.html
    );
}
