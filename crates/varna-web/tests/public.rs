//! The public form (`/anonym`), the way a sender uses it without an
//! account: file, get a receipt code shown once, come back with it to read
//! the unit's answer and add to the case; and what guards it: a form sent
//! too soon is shown again, one form files once, wrong codes reveal
//! nothing and are rate-limited, filings per caller are bounded, nothing
//! identifying the sender is stored, and every read through a code is in
//! the access log.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::{Browser, Page, hidden};
use varna_app::{Principal, Reads, Scope};
use varna_store::queries::CaseFilter;
use varna_workflow::Role;

const WHAT: &str = "Min pappa fick vänta över en timme på hjälp på natten";
const QUESTION: &str = "Vilken natt var det, ungefär?";
const RESPONSE: &str = "Vi har gått igenom nattbemanningen och larmrutinen";
const INTERNAL: &str = "Intervju med nattpersonalen visade att larmet var avstängt";
const REPLY: &str = "Det var natten mot söndag, för två veckor sedan";

/// The form's answers for a complaint at Linden.
fn answers(what: &str) -> Vec<(&'static str, String)> {
    [
        ("unit", "linden"),
        ("lagrum", "SoL"),
        ("feedback_kind", "klagomal"),
        ("what_happened", what),
        ("sender_says_they_are", "narstaende"),
        ("wants_aterkoppling", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

/// Posts the form `form` (a served page) with `answers`.
async fn send(b: &mut Browser<'_>, form: &Page, answers: &[(&'static str, String)]) -> Page {
    let csrf = form.csrf();
    let token = hidden(&form.html, "form_token").expect("the form's token");
    let mut fields: Vec<(&str, &str)> = vec![("csrf", &csrf), ("form_token", &token)];
    fields.extend(answers.iter().map(|(k, v)| (*k, v.as_str())));
    b.post("/anonym/klagomal", &fields).await
}

/// The receipt code on a receipt page.
fn code_of(page: &Page) -> String {
    let start = page.html.find("id=\"receipt-code\">").expect("a code") + 18;
    let end = page.html[start..].find('<').expect("its end") + start;
    page.html[start..end].to_owned()
}

/// Every link and form target on a page.
fn urls(html: &str) -> Vec<String> {
    ["href=\"", "action=\"", "src=\""]
        .iter()
        .flat_map(|attr| {
            html.match_indices(attr).map(move |(at, _)| {
                let start = at + attr.len();
                html[start..start + html[start..].find('"').unwrap_or(0)].to_owned()
            })
        })
        .collect()
}

/// Follows the case of `code` from the follow page.
async fn follow(b: &mut Browser<'_>, code: &str) -> Page {
    let csrf = b.get("/anonym/folj").await.csrf();
    b.post("/anonym/folj", &[("csrf", &csrf), ("code", code)])
        .await
}

async fn complaints(app: &common::App) -> Vec<varna_store::queries::CaseSummary> {
    let filter = CaseFilter {
        kinds: vec!["klagomal".into()],
        ..CaseFilter::default()
    };
    app.store
        .cases(&filter, 50, None)
        .await
        .expect("cases")
        .items
}

/// The quality report's count of complaints (kind `klagomal`) this year.
async fn reported(app: &common::App) -> i64 {
    let application = varna_app::App::new(Arc::clone(&app.store), 0);
    let auditor = Principal {
        user_id: "granskare".into(),
        role: Role::Auditor,
        units: Default::default(),
    };
    let reads = Reads::default();
    let year = varna_workflow::local::date(chrono::Utc::now())
        .format("%Y")
        .to_string();
    let report = application
        .session(&auditor, &reads)
        .report(year.parse().expect("a year"), Scope::Organisation)
        .await
        .expect("the report");
    report
        .complaints
        .iter()
        .filter(|r| r.feedback_kind == "klagomal")
        .map(|r| r.count)
        .sum()
}

#[tokio::test]
async fn an_anonymous_sender_files_is_answered_and_adds_to_the_case_with_the_receipt_code() {
    let app = common::app().await;
    let before = reported(&app).await;
    let mut sender = Browser::new(&app);

    // The sign-in page leads those without an account to the form.
    assert!(
        sender
            .get("/signin")
            .await
            .html
            .contains("href=\"/anonym\"")
    );
    let index = sender.get("/anonym").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.html.contains("href=\"/anonym/klagomal\""));
    let form = sender.get("/anonym/klagomal").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.html.contains("<option value=\"linden\">"),
        "the open units are offered"
    );

    // Sent at once: shown again with the text kept, nothing filed.
    let quick = send(&mut sender, &form, &answers(WHAT)).await;
    assert_eq!(quick.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(quick.html.contains("för snabbt"), "{}", quick.html);
    assert!(quick.html.contains(WHAT), "the text is kept");
    // Nothing written: the problem is named at its field.
    let mut empty = answers(WHAT);
    empty.retain(|(k, _)| *k != "what_happened");
    let missing = send(&mut sender, &form, &empty).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.html.contains("id=\"f-what_happened-error\""));
    assert!(complaints(&app).await.is_empty(), "nothing filed");

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let receipt = send(&mut sender, &form, &answers(WHAT)).await;
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.html);
    assert_eq!(
        receipt
            .headers
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    let code = code_of(&receipt);
    assert_eq!(code.len(), 24, "{code}");
    // The same form sent twice files once and shows the same code.
    let twice = send(&mut sender, &form, &answers(WHAT)).await;
    assert_eq!(code_of(&twice), code);
    let filed = complaints(&app).await;
    assert_eq!(filed.len(), 1);
    let id = filed[0].id.clone();
    let case = app.store.case(&id).await.expect("reads").expect("the case");
    assert!(case.summary.filed_by.starts_with("avsandare-"));
    let field = |name: &str| {
        case.case
            .fields
            .get(name)
            .and_then(|v| v.as_text().map(str::to_owned))
    };
    assert_eq!(field("sender_kind").as_deref(), Some("anonym"));
    assert_eq!(field("received_how").as_deref(), Some("webb"));
    assert_eq!(field("sender_says_they_are").as_deref(), Some("narstaende"));
    assert!(
        !case.case.deadlines.contains_key("kvittens"),
        "the code is the receipt: no receipt clock runs"
    );
    assert!(case.case.deadlines.contains_key("aterkoppling"));

    // The unit manager asks a question, investigates and answers.
    let mut um = Browser::new(&app);
    um.sign_in("um-linden").await;
    let page = um.get(&format!("/cases/{id}")).await;
    assert!(page.html.contains(WHAT));
    for (step, fields) in [
        ("ask_sender", vec![("question_to_sender", QUESTION)]),
        ("start_investigation", vec![]),
        (
            "answer",
            vec![
                ("investigation_result", INTERNAL),
                ("response", RESPONSE),
                ("response_sent_on", "2026-12-01"),
            ],
        ),
    ] {
        let done = um.act(&id.to_string(), step, &fields).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{step}: {}", done.html);
    }

    // The sender comes back with the code, typed in lower case with spaces.
    let typed = code.to_lowercase().replace('-', " ");
    let status = follow(&mut sender, &typed).await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.html);
    for shown in [WHAT, QUESTION, RESPONSE, "Återkoppling given"] {
        assert!(status.html.contains(shown), "{shown} is shown");
    }
    assert!(
        !status.html.contains(INTERNAL),
        "the investigation is not the sender's"
    );
    let csrf = status.csrf();
    let added = sender
        .post(
            "/anonym/folj/lagg-till",
            &[("csrf", &csrf), ("code", &typed), ("text", REPLY)],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    assert!(added.html.contains("tillagt") && added.html.contains(REPLY));
    let nothing = sender
        .post(
            "/anonym/folj/lagg-till",
            &[("csrf", &csrf), ("code", &typed), ("text", "  ")],
        )
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nothing.html.contains("id=\"text-error\""));
    assert!(um.get(&format!("/cases/{id}")).await.html.contains(REPLY));

    // No page puts the code in a URL.
    let compact = code.replace('-', "");
    for page in [&receipt, &status, &added] {
        for url in urls(&page.html) {
            let url = url.to_uppercase().replace(['-', '+', ' '], "");
            assert!(!url.contains(&compact) && !url.contains("CODE"), "{url}");
        }
    }
    // Every read through the code is logged, as the sender's.
    let log = app.store.access_log_for_case(&id).await.expect("the log");
    assert!(
        log.iter().any(|r| r.role == "sender"
            && r.purpose == "receipt_code"
            && r.actor_id == case.summary.filed_by),
        "{log:#?}"
    );
    // Nothing stored names the sender's address.
    for file in ["web.db", "web.db-wal"] {
        if let Ok(bytes) = std::fs::read(app.dir().join(file)) {
            assert!(
                !bytes.windows(9).any(|w| w == b"127.0.0.1"),
                "{file} holds an address"
            );
        }
    }
    // The unit manager is told of the filing and of the addition, and no
    // notice (in Varna, e-mail or webhook) carries what anyone wrote.
    let notices = um.get("/notifications").await;
    assert!(
        notices.html.contains("Avsändaren lägger till"),
        "{}",
        notices.html
    );
    let notes = app
        .store
        .notifications_for("um-linden", "unit_manager", &CaseFilter::default(), 50)
        .await
        .expect("notifications");
    assert!(notes.len() >= 2, "{notes:?}");
    for note in notes {
        let message = varna_notify::Message::new(&app.store, note, "https://varna.test");
        let said = format!(
            "{} {} {}",
            message.summary,
            message.case_url,
            message.json()
        );
        for written in [WHAT, QUESTION, RESPONSE, INTERNAL, REPLY] {
            assert!(!said.contains(written), "{said}");
        }
    }
    // The quality report counts it like any complaint.
    assert_eq!(reported(&app).await, before + 1);
}

#[tokio::test]
async fn wrong_codes_reveal_nothing_and_are_limited_per_caller() {
    let app = common::app().await;
    let mut sender = Browser::new(&app);
    let form = sender.get("/anonym/klagomal").await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let code = code_of(&send(&mut sender, &form, &answers(WHAT)).await);

    // The sender adds at most five times a minute.
    let page = follow(&mut sender, &code).await;
    let csrf = page.csrf();
    let mut statuses = Vec::new();
    for i in 0..6 {
        let text = format!("Tillägg {i}");
        let added = sender
            .post(
                "/anonym/folj/lagg-till",
                &[("csrf", &csrf), ("code", &code), ("text", &text)],
            )
            .await;
        statuses.push(added.status);
    }
    assert_eq!(statuses[..5], [StatusCode::OK; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);

    let mut guesser = Browser::new(&app);
    let mut answers_seen = std::collections::BTreeSet::new();
    for guess in [
        "AAAA-AAAA-AAAA-AAAA-AAAA",
        "not a code",
        &code[..20],
        "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ",
        "",
    ] {
        let page = follow(&mut guesser, guess).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{guess}");
        assert!(!page.html.contains(WHAT));
        let main = &page.html[page.html.find("<main").expect("main")..];
        answers_seen.insert(main.replace(&page.csrf(), ""));
    }
    assert_eq!(
        answers_seen.len(),
        1,
        "every wrong code gets the same answer"
    );
    let limited = follow(&mut guesser, "BBBB-BBBB-BBBB-BBBB-BBBB").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.html.contains("för många gånger"));
    let right = follow(&mut guesser, &code).await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "after the wrong ones, even the right code waits"
    );
    assert!(!right.html.contains(WHAT));
}

#[tokio::test]
async fn one_caller_files_a_few_times_a_minute_and_a_form_from_elsewhere_is_refused() {
    let app = common::app().await;
    let mut sender = Browser::new(&app);
    let mut forms = Vec::new();
    for _ in 0..4 {
        forms.push(sender.get("/anonym/klagomal").await);
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let mut statuses = Vec::new();
    for (i, form) in forms.iter().enumerate() {
        let page = send(&mut sender, form, &answers(&format!("{WHAT} ({i})"))).await;
        statuses.push(page.status);
        if page.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(page.html.contains("för många gånger"));
            assert!(
                page.html.contains(&format!("{WHAT} ({i})")),
                "the text is kept"
            );
        }
    }
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    assert_eq!(complaints(&app).await.len(), 3);

    // A token forged or from another server: a fresh form, nothing filed.
    let form = sender.get("/anonym/klagomal").await;
    let csrf = form.csrf();
    let mut fields: Vec<(&str, &str)> = vec![("csrf", &csrf), ("form_token", "00.1.00")];
    let answers = answers(WHAT);
    fields.extend(answers.iter().map(|(k, v)| (*k, v.as_str())));
    let forged = sender.post("/anonym/klagomal", &fields).await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(forged.html.contains("har gått ut"));
    // Posted from another site: refused before anything is read.
    let other = sender
        .post_with(
            "/anonym/folj",
            &[("csrf", &csrf), ("code", "AAAA-AAAA-AAAA-AAAA-AAAA")],
            &[("origin", "https://elsewhere.example")],
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert_eq!(complaints(&app).await.len(), 3);
}
