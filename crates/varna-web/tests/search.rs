//! Searching cases by free text, as staff search: words anywhere in what
//! the case says, in any case (Swedish letters too), every word required;
//! never by a name or other field that identifies a person, and a `%` or
//! `_` typed is just a character.

mod common;

use axum::http::StatusCode;
use common::{Browser, app, encode};
use std::collections::BTreeSet;
use varna_store::CommandOptions;
use varna_workflow::{Actor, ActorId, FileCase, Lagrum, Role, UnitId, Value};

async fn file(store: &varna_store::Store, what: &str, name: Option<&str>) {
    let mut fields: varna_workflow::Fields = [
        ("what_happened", what),
        ("occurred_on", "2026-03-01"),
        ("category", "fall"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), Value::Text(v.to_owned())))
    .collect();
    if let Some(n) = name {
        fields.insert("affected_person_name".to_owned(), Value::Text(n.to_owned()));
    }
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
            CommandOptions::default(),
        )
        .await
        .expect("files");
}

fn hits(html: &str) -> usize {
    html.matches("class=\"case-number\" href=\"/cases/").count()
}

#[tokio::test]
async fn cases_are_found_by_the_words_of_their_text_but_not_by_a_name() {
    let app = app().await;
    file(
        &app.store,
        "Fall i badrummet på natten",
        Some("Östen Ärlig"),
    )
    .await;
    file(&app.store, "Läkemedel gavs till fel brukare", None).await;
    file(
        &app.store,
        "Dörren till förrådet stod öppen (100% fel)",
        None,
    )
    .await;
    let mut sas = Browser::new(&app);
    sas.sign_in("sas").await;
    let search = |q: &str| format!("/cases?text={}", encode(q));
    for (q, expected) in [
        ("BADRUMMET", 1),
        ("läkemedel", 1),
        ("LÄKEMEDEL BRUKARE", 1),
        ("fel", 2),
        ("fel natten", 0),
        ("dörren FÖRRÅDET", 1),
        ("100%", 1),
        ("%", 1),
        ("_", 0),
        ("ärlig", 0),
        ("Östen", 0),
    ] {
        let page = sas.get(&search(q)).await;
        assert_eq!(page.status, StatusCode::OK, "{q}");
        assert_eq!(hits(&page.html), expected, "{q}: {}", page.html);
    }
    // The words stay in the field, and in the link to the next page.
    let page = sas.get(&search("fel")).await;
    assert!(
        page.html
            .contains("id=\"s-text\" name=\"text\" value=\"fel\""),
        "{}",
        page.html
    );
    let long = sas.get(&search(&"x".repeat(201))).await;
    assert!(long.html.contains("Fritexten får vara högst 200 tecken."));
    assert_eq!(hits(&long.html), 0);
}
