//! The web interface driven the way a browser drives it: GET a page, read
//! the CSRF token from its form, POST the form back with the cookies the
//! server set, follow the redirect. Everything goes through the router
//! (`tower::oneshot`), and what was written is checked in the store.

mod common;

use axum::http::{StatusCode, header};
use common::{App, Browser, app, hidden};
use varna_store::queries::CaseFilter;
use varna_workflow::Role;

/// The case number the pages show for `id`: its last eight hex digits.
fn case_number(id: &str) -> String {
    id.replace('-', "")[24..].to_uppercase()
}

async fn case_count(app: &App) -> u64 {
    app.store
        .count_cases(&CaseFilter::default())
        .await
        .expect("counts")
}

#[tokio::test]
async fn signed_out_people_are_sent_to_the_sign_in_page_which_lists_the_demo_users() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    let first = browser.get("/").await;
    let csrf = first
        .set_cookies
        .iter()
        .find(|c| c.starts_with("varna_csrf="))
        .expect("a CSRF cookie is set on the first answer");
    assert!(csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict"));
    assert!(!csrf.contains("Secure"), "not over plain HTTP");
    for path in [
        "/",
        "/cases/new",
        "/cases/new/lex-sarah",
        "/cases",
        "/report",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location.as_deref(), Some("/signin"), "{path}");
    }
    let page = browser.get("/signin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("<html lang=\"sv\">"));
    for (name, role) in [
        ("Maja Lind", "medarbetare"),
        ("Eva Berg", "enhetschef"),
        ("Karin Sand", "SAS"),
    ] {
        assert!(page.html.contains(name), "{name} is listed");
        assert!(page.html.contains(role), "{role} is shown");
    }
    assert!(
        page.set_cookies.is_empty(),
        "the CSRF cookie is kept, not replaced"
    );
}

#[tokio::test]
async fn a_unit_manager_files_an_avvikelse_gets_a_receipt_and_finds_it_in_my_work() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let session = browser
        .cookies
        .get("varna_session")
        .expect("signed in")
        .clone();
    assert!(!session.is_empty());

    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("Eva Berg") && home.html.contains("enhetschef"));
    assert!(home.html.contains("Inget väntar på dig just nu."));

    let form = browser.get("/cases/new").await;
    assert_eq!(form.status, StatusCode::OK);
    for label in [
        "Vad som hänt",
        "När det hände",
        "Kategori",
        "Åtgärder som vidtagits direkt",
        "Den enskildes personnummer",
    ] {
        assert!(form.html.contains(label), "the form asks for {label}");
    }
    assert!(
        form.html.contains("<label for=\"f-what_happened\">"),
        "every control has a label"
    );
    let key = hidden(&form.html, "idempotency_key").expect("an idempotency key");
    let csrf = form.csrf();
    let sent = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("unit", "linden"),
        ("lagrum", "SoL"),
        ("what_happened", "Brukaren föll i badrummet"),
        ("occurred_on", "2026-11-20"),
        ("category", "fall"),
        ("immediate_actions", "Sjuksköterska tillkallad"),
        ("personnummer", ""),
    ];
    let filed = browser.post("/cases/new", &sent).await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.html);
    let receipt_path = filed.location.expect("to the receipt");
    let id = receipt_path
        .strip_prefix("/cases/")
        .and_then(|r| r.strip_suffix("/receipt"))
        .expect("/cases/{id}/receipt");
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "only the case id in the URL"
    );
    assert_eq!(case_count(&app).await, 1);

    let receipt = browser.get(&receipt_path).await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert!(receipt.html.contains("Rapporten är mottagen"));
    assert!(receipt.html.contains(&case_number(id)), "the case number");
    assert!(receipt.html.contains("linden"));

    // The same form sent twice (a double click, a reload) files once.
    let again = browser.post("/cases/new", &sent).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location.as_deref(), Some(receipt_path.as_str()));
    assert_eq!(case_count(&app).await, 1);

    let home = browser.get("/").await;
    assert!(
        home.html.contains(&case_number(id)),
        "the new case waits for the unit manager: {}",
        home.html
    );
    assert!(home.html.contains("Avvikelse"));
    assert!(
        home.html
            .contains("<span class=\"summary-line\">Brukaren föll i badrummet</span>"),
        "each case says what it is about: {}",
        home.html
    );
    let filtered = browser.get("/?kind=lex-sarah").await;
    assert!(!filtered.html.contains(&case_number(id)));
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_each_error_at_its_field_and_the_text_kept() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("rep-linden").await;
    let form = browser.get("/cases/new").await;
    let typed = "Medicinen gavs två timmar för sent <b>igen</b> & ingen märkte det";
    let page = browser
        .post(
            "/cases/new",
            &[
                ("csrf", &form.csrf()),
                (
                    "idempotency_key",
                    &hidden(&form.html, "idempotency_key").unwrap(),
                ),
                ("unit", "linden"),
                ("lagrum", "SoL"),
                ("what_happened", typed),
                ("occurred_on", ""),
                ("category", "lakemedel"),
                ("personnummer", "19121212-1213"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(case_count(&app).await, 0, "nothing was filed");
    assert!(page.html.contains("Rapporten skickades inte"));
    assert!(
        page.html.contains(
            "Medicinen gavs två timmar för sent &#60;b&#62;igen&#60;/b&#62; &#38; ingen märkte det"
        ),
        "the typed text is kept, escaped: {}",
        page.html
    );
    assert!(
        page.html.contains("<option value=\"lakemedel\" selected>"),
        "the chosen category is kept"
    );
    let error_at = |id: &str| page.html.contains(&format!("id=\"{id}-error\""));
    assert!(
        error_at("personnummer") || error_at("f-occurred_on"),
        "an error sits next to its field: {}",
        page.html
    );
    // Correct the personnummer; the date is still missing.
    let page = browser
        .post(
            "/cases/new",
            &[
                ("csrf", &form.csrf()),
                (
                    "idempotency_key",
                    &hidden(&page.html, "idempotency_key").unwrap(),
                ),
                ("unit", "linden"),
                ("lagrum", "SoL"),
                ("what_happened", typed),
                ("category", "lakemedel"),
                ("personnummer", "19121212-1212"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.html.contains("id=\"f-occurred_on-error\""),
        "{}",
        page.html
    );
    assert!(page.html.contains("aria-invalid=\"true\""));
    assert!(
        page.html.contains("value=\"19121212-1212\""),
        "the personnummer is kept"
    );
    assert_eq!(case_count(&app).await, 0);
}

/// A complete avvikelse with `csrf` as its token.
fn filing(csrf: &str) -> Vec<(&str, &str)> {
    vec![
        ("csrf", csrf),
        ("unit", "linden"),
        ("lagrum", "SoL"),
        ("what_happened", "Fall"),
        ("occurred_on", "2026-11-20"),
        ("category", "fall"),
    ]
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused_and_change_nothing() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let form = browser.get("/cases/new").await;
    let good = form.csrf();
    let page = browser.post("/cases/new", &filing("")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let forged = "0".repeat(64);
    let page = browser.post("/cases/new", &filing(&forged)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.html.contains("Formuläret hade gått ut"));
    // A page of another site has the session cookie sent along only if the
    // browser ignores SameSite; even then its Origin (or Referer) is not
    // this site's, and a post with neither is refused too.
    for headers in [
        &[("Origin", "https://evil.example")][..],
        &[("Origin", "null")][..],
        &[("Origin", "http://varna.test.evil.example")][..],
    ] {
        let page = browser
            .post_with("/cases/new", &filing(&good), headers)
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    let request = axum::http::Request::post("/cases/new")
        .header("cookie", browser.cookie_header())
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "")
        .body(axum::body::Body::from(common::form_body(&filing(&good))))
        .expect("request");
    assert_eq!(browser.send(request).await.status, StatusCode::FORBIDDEN);
    // The token is the session's: the signed-out cookie's token is not it.
    let cookie_token = browser.cookies["varna_csrf"].clone();
    assert_ne!(cookie_token, good);
    let page = browser.post("/cases/new", &filing(&cookie_token)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(case_count(&app).await, 0);
    // With its Referer alone (no Origin), from this site, it goes through.
    let page = browser
        .post_with(
            "/cases/new",
            &filing(&good),
            &[("Referer", "http://varna.test/cases/new")],
        )
        .await;
    assert_ne!(page.status, StatusCode::FORBIDDEN);
    // Signing out needs the token too.
    let page = browser.post("/signout", &[("csrf", "x")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_forged_or_altered_session_cookie_counts_as_signed_out() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let genuine = browser.cookies["varna_session"].clone();
    let other_key = varna_web::session::seal(
        b"another-key-another-key-another-",
        &varna_web::session::Session::new(
            varna_api::Principal {
                user_id: "sas".into(),
                role: Role::Sas,
                units: Default::default(),
            },
            "Mallory".into(),
            String::new(),
            chrono::Utc::now(),
        ),
    );
    for value in [other_key, format!("{genuine}x"), "garbage".to_owned()] {
        browser.cookies.insert("varna_session".into(), value);
        let page = browser.get("/").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location.as_deref(), Some("/signin"));
    }
}

#[tokio::test]
async fn sign_out_ends_the_session_and_the_language_can_be_switched() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let home = browser.get("/").await;
    let switched = browser
        .post(
            "/language",
            &[
                ("csrf", &home.csrf()),
                ("lang", "en"),
                ("back", "/cases/new"),
            ],
        )
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert_eq!(switched.location.as_deref(), Some("/cases/new"));
    let form = browser.get("/cases/new").await;
    assert!(form.html.contains("<html lang=\"en\">"));
    assert!(form.html.contains("Report a deviation"));
    assert!(
        form.html.contains("What happened"),
        "field labels in English"
    );
    assert!(form.html.contains("Svenska"), "and the way back");
    // The return path must be of this site.
    let elsewhere = browser
        .post(
            "/language",
            &[
                ("csrf", &home.csrf()),
                ("lang", "sv"),
                ("back", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(elsewhere.location.as_deref(), Some("/"));
    // Nor one a browser turns into another site by dropping a tab or newline.
    for back in [
        "/\t/evil.example/",
        "/\n/evil.example",
        "/\\evil.example",
        "/ /evil.example",
        "https://evil.example/",
    ] {
        let page = browser
            .post(
                "/language",
                &[("csrf", &home.csrf()), ("lang", "sv"), ("back", back)],
            )
            .await;
        assert_eq!(page.location.as_deref(), Some("/"), "{back:?}");
    }

    let session = browser.cookies["varna_session"].clone();
    let out = browser.post("/signout", &[("csrf", &home.csrf())]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(out.location.as_deref(), Some("/signin"));
    assert!(!browser.cookies.contains_key("varna_session"));
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
    // A copy of the cookie kept from before signing out signs no one in.
    browser.cookies.insert("varna_session".into(), session);
    assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn each_sign_in_has_its_own_csrf_token_and_demo_sign_in_only_serves_this_machine() {
    let app = app().await;
    let mut first = Browser::new(&app);
    first.sign_in("um-linden").await;
    let mut second = Browser::new(&app);
    second.sign_in("um-linden").await;
    let theirs = first.get("/cases/new").await.csrf();
    let mine = second.get("/cases/new").await.csrf();
    assert_ne!(theirs, mine, "a token per session, made at sign-in");
    let page = second.post("/cases/new", &filing(&theirs)).await;
    assert_eq!(
        page.status,
        StatusCode::FORBIDDEN,
        "another session's token"
    );
    assert_eq!(case_count(&app).await, 0);

    // From another machine: no demo people offered, and none signed in.
    let remote = |request: axum::http::Request<axum::body::Body>| {
        let (mut parts, body) = request.into_parts();
        parts
            .extensions
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [192, 0, 2, 7],
                50_000,
            ))));
        axum::http::Request::from_parts(parts, body)
    };
    let mut stranger = Browser::new(&app);
    let request = axum::http::Request::get("/signin")
        .body(axum::body::Body::empty())
        .expect("request");
    let page = stranger.send(remote(request)).await;
    assert!(!page.html.contains("um-linden"), "{}", page.html);
    let csrf = page.csrf();
    let request = axum::http::Request::post("/signin")
        .header("cookie", stranger.cookie_header())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(common::form_body(&[
            ("csrf", &csrf),
            ("user", "um-linden"),
        ])))
        .expect("request");
    let page = stranger.send(remote(request)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!stranger.cookies.contains_key("varna_session"));
}

#[tokio::test]
async fn pages_are_not_cached_framed_or_sniffed() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let page = browser.get("/").await;
    let h = |name: header::HeaderName| {
        page.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(h(header::CACHE_CONTROL), "no-store");
    assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert!(h(header::CONTENT_SECURITY_POLICY).contains("frame-ancestors 'none'"));
    let css = browser.get("/static/varna.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.html.contains("body"));
}

#[tokio::test]
async fn a_lex_sarah_report_goes_through_the_utredning_to_ivo_in_the_pages() {
    let app = app().await;

    // The unit manager reports; the report says when it happened and when
    // it was noticed.
    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    let sarah = manager.file_report("lex-sarah").await;

    // The SAS finds it under my work, starts the utredning and writes it.
    let mut sas = Browser::new(&app);
    sas.sign_in("sas").await;
    let home = sas.get("/").await;
    assert!(
        home.html.contains(&format!("href=\"/cases/{sarah}\"")),
        "{}",
        home.html
    );
    assert_eq!(
        sas.act(&sarah, "acknowledge", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let early = sas.act(&sarah, "document_protective_measures", &[]).await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.html
    );
    assert!(
        early
            .html
            .contains("Skriv det i utredningen nedan först, som en anteckning."),
        "the protective measures are written in the utredning: {}",
        early.html
    );
    let page = sas.get(&format!("/cases/{sarah}")).await;
    assert!(
        page.html.contains("Lägg till i utredningen"),
        "{}",
        page.html
    );
    for topic in [
        "what_happened",
        "consequences",
        "noticed_how",
        "causes",
        "earlier_similar_events",
        "recurrence_risk",
        "immediate_actions",
        "affected_person_view",
    ] {
        let added = sas
            .journal(&sarah, topic, &format!("Utredningen om {topic}"))
            .await;
        assert_eq!(
            added.status,
            StatusCode::SEE_OTHER,
            "{topic}: {}",
            added.html
        );
    }
    let action = sas
        .journal_with(
            &sarah,
            "actions",
            "Nattlarmet provas varje kväll",
            &[
                ("addresses", "4"),
                ("owner", "Enhetschefen"),
                ("due_on", "2027-01-31"),
            ],
        )
        .await;
    assert_eq!(action.status, StatusCode::SEE_OTHER, "{}", action.html);
    let documented = sas.act(&sarah, "document_protective_measures", &[]).await;
    assert_eq!(
        documented.status,
        StatusCode::SEE_OTHER,
        "the journal entry satisfies the guard: {}",
        documented.html
    );
    let page = sas.get(&format!("/cases/{sarah}")).await;
    assert!(
        page.html.contains("Utredningen om causes"),
        "the journal shows the entries"
    );
    assert!(
        page.html.contains("Samtal med personal"),
        "with their source"
    );
    let done = sas.act(&sarah, "complete_utredning", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);

    let page = sas.get(&format!("/cases/{sarah}")).await;
    for plain in [
        "Allvarligt missförhållande",
        "Ska anmälas till IVO snarast",
        "Påtaglig risk för missförhållande",
    ] {
        assert!(
            page.html.contains(plain),
            "the outcomes are explained: {plain}"
        );
    }
    let wrong = sas
        .act(
            &sarah,
            "rule_not_serious",
            &[
                ("outcome", "serious_missforhallande"),
                ("conclusion", "Allvarligt; brukaren utsattes för fara"),
            ],
        )
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.html
    );
    assert!(
        wrong.html.contains(
            "Den här åtgärden gäller bedömningen Inget missförhållande, \
             Påtaglig risk för missförhållande eller Missförhållande."
        ),
        "the outcomes the step takes, in the lifecycle's words: {}",
        wrong.html
    );
    assert!(
        wrong
            .html
            .contains("Allvarligt; brukaren utsattes för fara"),
        "the text is kept"
    );
    let ruled = sas
        .act(
            &sarah,
            "propose_anmalan",
            &[
                ("outcome", "serious_missforhallande"),
                ("seriousness_reasons", "Brukaren utsattes för fara"),
            ],
        )
        .await;
    assert_eq!(ruled.status, StatusCode::SEE_OTHER, "{}", ruled.html);
    let page = sas.get(&format!("/cases/{sarah}")).await;
    assert!(
        page.html
            .contains("<span class=\"badge\">Ska anmälas till IVO</span>"),
        "a serious ruling is to be reported: {}",
        page.html
    );

    // The committee decides on the anmälan to IVO.
    let mut committee = Browser::new(&app);
    committee.sign_in("namnd").await;
    let page = committee.get(&format!("/cases/{sarah}")).await;
    assert!(
        page.html.contains("Beslut att anmäla till IVO."),
        "what the decision means: {}",
        page.html
    );
    let decided = committee
        .act(
            &sarah,
            "decide_ivo_anmalan",
            &[(
                "decision_motivation",
                "Allvarligt missförhållande enligt utredningen",
            )],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.html);

    // The SAS records the day the anmälan was sent; IVO's number comes later.
    let today = chrono::Utc::now().date_naive().to_string();
    let sent = sas
        .act(
            &sarah,
            "register_ivo_anmalan",
            &[("anmalan_sent_on", &today), ("anmalan_channel", "e_tjanst")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    let page = sas.get(&format!("/cases/{sarah}")).await;
    assert!(page.html.contains("Anmäld till IVO"), "{}", page.html);
    assert!(
        !page.html.contains("Ska anmälas till IVO</span>"),
        "no longer to be reported once sent: {}",
        page.html
    );
    // IVO's number, when it comes, is recorded without moving the case.
    let number = &page.html[page
        .html
        .find("id=\"act-record_ivo_diarienummer\"")
        .expect("IVO's number can be added")..];
    let number = &number[..number.find("</details>").expect("its end")];
    assert!(
        number
            .contains("Lägg till IVO:s diarienummer <span class=\"to\">(läget ändras inte)</span>")
            && number.contains("name=\"ivo_diarienummer\""),
        "a step that keeps the state says so: {number}"
    );
    let recorded = sas
        .act(
            &sarah,
            "record_ivo_diarienummer",
            &[("ivo_diarienummer", "IVO 8.1-12345/2026")],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.html);
    let page = sas.get(&format!("/cases/{sarah}")).await;
    assert!(
        page.html.contains("IVO 8.1-12345/2026") && page.html.contains("Anmäld till IVO"),
        "recorded, and the case is where it was: {}",
        page.html
    );
    assert!(
        !page.html.contains("id=\"act-record_ivo_diarienummer\""),
        "a step done once is not offered again"
    );

    // The auditor reads the history, the chain status and the access log.
    let mut auditor = Browser::new(&app);
    auditor.sign_in("granskare").await;
    let page = auditor.get(&format!("/cases/{sarah}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("Händelsekedjan är obruten"),
        "{}",
        page.html
    );
    for step in [
        "SAS har tagit emot rapporten, utredningen startar",
        "Slutför utredningen",
        "Bedöm: allvarligt, föreslå anmälan till IVO",
        "Besluta om anmälan till IVO",
        "Registrera att anmälan skickats",
    ] {
        assert!(page.html.contains(step), "the history shows {step}");
    }
    assert!(page.html.contains("Vem har läst ärendet"));
    assert!(
        page.html.contains("<td>sas</td>") && page.html.contains("<td>namnd</td>"),
        "the access log names who read it: {}",
        page.html
    );
    assert!(
        !page.html.contains("Vad du kan göra nu</h2>\n  <details"),
        "an auditor only reads"
    );
    let search = auditor.get("/cases?kind=lex-sarah").await;
    assert_eq!(search.status, StatusCode::OK);
    assert!(search.html.contains(&format!("href=\"/cases/{sarah}\"")));

    // Nobody else's case is reachable by guessing its id.
    let mut reporter = Browser::new(&app);
    reporter.sign_in("rep-linden").await;
    let page = reporter.get(&format!("/cases/{sarah}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.html.contains("brukaren utsattes"));
}

#[tokio::test]
async fn every_lifecycle_has_its_filing_form_with_the_words_of_its_file() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let sarah = browser.get("/cases/new/lex-sarah").await;
    assert_eq!(sarah.status, StatusCode::OK);
    assert!(
        sarah.html.contains("ska genast rapportera"),
        "the lex Sarah introduction comes from lex-sarah.toml"
    );
    assert!(
        sarah.html.contains(
            "Stöd: Socialtjänstlagen (2025:400) 27 kap. 2 § (rapportera genast); LSS 23 g §, 24 a–24 f §§"
        ),
        "the law the filing rests on, in force today: {}",
        sarah.html
    );
    assert!(!sarah.html.contains("2001:453"), "not the law it replaced");
    let noticed = &sarah.html[sarah.html.find("for=\"f-noticed_on\"").expect("noticed_on")..];
    let noticed = &noticed[..noticed.find("</div>").expect("its end")];
    assert!(
        noticed.contains("id=\"f-noticed_on-hint\"")
            && noticed.contains("27 kap. 2 § (rapportera genast); SOSFS 2011:5 5 kap.")
            && noticed.contains("aria-describedby=\"f-noticed_on-hint\""),
        "a field's references are its hint: {noticed}"
    );
    let complaint = browser.get("/cases/new/klagomal").await;
    assert_eq!(complaint.status, StatusCode::OK);
    assert!(
        complaint.html.contains("Klagomål och synpunkter")
            && complaint.html.contains("action=\"/cases/new/klagomal\""),
        "a lifecycle with no words of its own gets its name as the heading"
    );
    assert!(
        complaint.html.contains("Avsändare") && complaint.html.contains("Närstående"),
        "its fields and their values' words, from klagomal.toml"
    );
    let none = browser.get("/cases/new/no-such-lifecycle").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn times_are_shown_on_swedish_clocks_across_the_summer_time_change() {
    use chrono::TimeZone;
    let app = app().await;
    let file_at = |t: chrono::DateTime<chrono::Utc>| {
        let store = std::sync::Arc::clone(&app.store);
        async move {
            let fields = [
                ("what_happened", "Fall i badrummet"),
                ("occurred_on", "2026-01-10"),
                ("category", "fall"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), varna_workflow::Value::Text(v.to_owned())))
            .collect();
            store
                .file_case(
                    "avvikelse",
                    varna_workflow::FileCase {
                        lagrum: varna_workflow::Lagrum::Sol,
                        unit: varna_workflow::UnitId::new("linden"),
                        fields,
                    },
                    None,
                    &varna_workflow::Actor {
                        id: varna_workflow::ActorId::new("um-linden"),
                        role: Role::UnitManager,
                        units: [varna_workflow::UnitId::new("linden")].into(),
                    },
                    varna_store::CommandOptions {
                        now: Some(t),
                        ..varna_store::CommandOptions::default()
                    },
                )
                .await
                .expect("filed")
                .case_id
                .to_string()
        }
    };
    let utc = |m, d, h, min| {
        chrono::Utc
            .with_ymd_and_hms(2026, m, d, h, min, 0)
            .single()
            .expect("valid")
    };
    let winter = file_at(utc(1, 15, 10, 0)).await;
    let before = file_at(utc(3, 29, 0, 59)).await;
    let after = file_at(utc(3, 29, 1, 0)).await;
    let summer = file_at(utc(7, 1, 10, 0)).await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    for (case, instant, shown) in [
        (winter, "2026-01-15T10:00:00Z", "2026-01-15 11:00"),
        (before, "2026-03-29T00:59:00Z", "2026-03-29 01:59"),
        (after, "2026-03-29T01:00:00Z", "2026-03-29 03:00"),
        (summer, "2026-07-01T10:00:00Z", "2026-07-01 12:00"),
    ] {
        let page = browser.get(&format!("/cases/{case}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.html
                .contains(&format!("<time datetime=\"{instant}\">{shown}</time>")),
            "filed at {instant}, shown as {shown} Swedish time: {}",
            page.html
        );
    }
}

#[tokio::test]
async fn everyday_wording_one_case_fields_in_form_order_reversed_dates_and_unknown_pages() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let case = browser.file_avvikelse().await;

    let page = browser.get(&format!("/cases/{case}")).await;
    let fields = &page.html[page.html.find("id=\"h-fields\"").expect("the fields")..];
    let what = fields.find("Vad som hänt").expect("what happened is shown");
    let category = fields.find("Kategori").expect("the category is shown");
    assert!(
        what < category,
        "fields in the lifecycle's form order, not alphabetical"
    );

    let one = browser.get("/cases?unit=linden").await;
    assert!(
        one.html.contains("1 ärende<"),
        "one case, singular: {}",
        one.html
    );

    let reversed = browser.get("/cases?from=2026-05-01&to=2026-04-01").await;
    assert_eq!(reversed.status, StatusCode::OK);
    assert!(
        reversed
            .html
            .contains("Från-datumet ligger efter till-datumet"),
        "a from date after the to date is an error, not zero hits"
    );

    let unknown = browser.get("/no/such/page").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.html.contains("Sidan finns inte.") && unknown.html.contains("<html lang=\"sv\">"),
        "Varna's own page, not the browser's bare 404"
    );
}

#[tokio::test]
async fn a_double_clicked_action_is_taken_once_and_reported_as_done() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let case = browser.file_avvikelse().await;
    let page = browser.get(&format!("/cases/{case}")).await;
    let form = &page.html[page
        .html
        .find("name=\"transition\" value=\"start_investigation\"")
        .expect("start_investigation is offered")..];
    let key = hidden(form, "idempotency_key").expect("the form's key");
    let version = hidden(&page.html, "version").expect("the version");
    let csrf = page.csrf();
    let sent = [
        ("csrf", csrf.as_str()),
        ("transition", "start_investigation"),
        ("version", version.as_str()),
        ("idempotency_key", key.as_str()),
    ];
    let first = browser.post(&format!("/cases/{case}/act"), &sent).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.html);
    let second = browser.post(&format!("/cases/{case}/act"), &sent).await;
    assert_eq!(
        second.status,
        StatusCode::SEE_OTHER,
        "the repeat gets the first answer, not 'someone else got there first': {}",
        second.html
    );
    let history = app
        .store
        .history(&varna_store::CaseId::parse(&case).expect("an id"))
        .await
        .expect("history");
    assert_eq!(
        history
            .iter()
            .filter(|e| e.event.kind.type_name() == "transitioned")
            .count(),
        1,
        "taken once"
    );
    let stale = [
        ("csrf", csrf.as_str()),
        ("transition", "start_investigation"),
        ("version", version.as_str()),
    ];
    let other = browser.post(&format!("/cases/{case}/act"), &stale).await;
    assert_eq!(
        other.status,
        StatusCode::CONFLICT,
        "another form for a step already taken: the case moved on"
    );
}

#[tokio::test]
async fn the_report_page_tells_other_roles_who_it_is_for() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    for path in ["/report", "/report/2026.html"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.html.contains("Kvalitetsrapporten är för granskare"),
            "{path}: not 'Ärendet finns inte'"
        );
    }
}

#[tokio::test]
async fn a_deadline_met_after_its_due_time_says_it_was_late() {
    let app = app().await;
    let manager = varna_workflow::Actor {
        id: varna_workflow::ActorId::new("um-linden"),
        role: Role::UnitManager,
        units: [varna_workflow::UnitId::new("linden")].into(),
    };
    let text = |s: &str| varna_workflow::Value::Text(s.to_owned());
    let filed = app
        .store
        .file_case(
            "avvikelse",
            varna_workflow::FileCase {
                lagrum: varna_workflow::Lagrum::Sol,
                unit: varna_workflow::UnitId::new("linden"),
                fields: [
                    ("what_happened".to_owned(), text("Fall i badrummet")),
                    ("occurred_on".to_owned(), text("2026-01-10")),
                    ("category".to_owned(), text("fall")),
                ]
                .into(),
            },
            None,
            &manager,
            varna_store::CommandOptions {
                now: Some(chrono::Utc::now() - chrono::Duration::days(40)),
                ..varna_store::CommandOptions::default()
            },
        )
        .await
        .expect("filed 40 days ago")
        .case_id;
    for (name, fields) in [
        ("start_investigation", vec![]),
        (
            "report_actions",
            vec![("causes", "Halkigt golv"), ("actions", "Halkskydd lagt")],
        ),
    ] {
        app.store
            .execute(
                &filed,
                varna_workflow::Command::Transition {
                    name: name.into(),
                    fields: fields
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), text(v)))
                        .collect(),
                },
                &manager,
                varna_store::CommandOptions::default(),
            )
            .await
            .expect("documented today, after the four weeks");
    }
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let page = browser.get(&format!("/cases/{filed}")).await;
    assert!(
        page.html.contains("Klar, för sent"),
        "met after its due time: {}",
        page.html
    );
}

#[tokio::test]
async fn an_empty_form_shows_every_error_at_once_listed_and_linked_at_the_top() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let form = browser.get("/cases/new").await;
    let sent = browser
        .post(
            "/cases/new",
            &[
                ("csrf", &form.csrf()),
                ("lagrum", ""),
                ("occurred_on", "2999-01-01"),
                ("personnummer", "19121212-1213"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::UNPROCESSABLE_ENTITY);
    let summary = &sent.html[sent.html.find("error-summary").expect("a summary")..];
    let summary = &summary[..summary.find("</div>").expect("its end")];
    for target in [
        "#unit",
        "#lagrum",
        "#f-what_happened",
        "#f-occurred_on",
        "#f-category",
        "#personnummer",
    ] {
        assert!(
            summary.contains(&format!("href=\"{target}\"")),
            "{target} is listed and linked in one go: {summary}"
        );
    }
    assert!(summary.contains("autofocus"), "the summary takes focus");
    assert_eq!(
        app.store
            .count_cases(&varna_store::queries::CaseFilter::default())
            .await
            .expect("counts"),
        0,
        "nothing was filed"
    );
}

#[tokio::test]
async fn a_complaint_received_by_phone_is_registered_from_the_menu() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let home = browser.get("/").await;
    for entry in [
        "Rapportera avvikelse",
        "Rapportera enligt lex Sarah",
        "Rapportera enligt lex Maria",
        "Registrera klagomål",
    ] {
        assert!(home.html.contains(entry), "the menu offers {entry}");
    }
    let form = browser.get("/cases/new/klagomal").await;
    assert!(form.html.contains("Hur det kom in") && form.html.contains("Telefon"));
    let filed = browser
        .post(
            "/cases/new/klagomal",
            &[
                ("csrf", &form.csrf()),
                ("unit", "linden"),
                ("lagrum", "SoL"),
                ("received_how", "telefon"),
                ("feedback_kind", "klagomal"),
                ("sender_kind", "narstaende"),
                ("received_on", "2026-11-20"),
                (
                    "what_happened",
                    "Dottern ringde: mamman fick inte sin medicin i tid",
                ),
                ("wants_aterkoppling", "on"),
            ],
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.html);
    let receipt = browser
        .get(filed.location.as_deref().expect("to the receipt"))
        .await;
    assert!(
        receipt.html.contains("Klagomål och synpunkter"),
        "{}",
        receipt.html
    );
    let case = filed
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/cases/"))
        .and_then(|l| l.strip_suffix("/receipt"))
        .expect("a case id")
        .to_owned();
    let page = browser.get(&format!("/cases/{case}")).await;
    assert!(page.html.contains("Telefon"), "how it came in, in words");
    // Whether a reply is wanted is a yes or a no the form must have: "no"
    // is an answer, not a missing field.
    let form = browser.get("/cases/new/klagomal").await;
    assert!(
        form.html.contains("id=\"f-wants_aterkoppling-no\"")
            && form.html.contains("value=\"false\""),
        "{}",
        form.html
    );
    let declined = browser
        .post(
            "/cases/new/klagomal",
            &[
                ("csrf", &form.csrf()),
                ("unit", "linden"),
                ("lagrum", "SoL"),
                ("received_how", "brev"),
                ("feedback_kind", "synpunkt"),
                ("sender_kind", "brukare"),
                ("received_on", "2026-11-21"),
                ("what_happened", "Maten var kall flera dagar i rad"),
                ("wants_aterkoppling", "false"),
            ],
        )
        .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER, "{}", declined.html);
    let id = declined
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/cases/"))
        .and_then(|l| l.strip_suffix("/receipt"))
        .and_then(varna_store::CaseId::parse)
        .expect("a case id");
    let record = app.store.case(&id).await.expect("reads").expect("filed");
    assert_eq!(
        record.case.fields.get("wants_aterkoppling"),
        Some(&varna_workflow::Value::Bool(false))
    );
}

#[tokio::test]
async fn a_refused_action_lists_its_errors_at_the_top_linked_to_its_form() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let case = browser.file_avvikelse().await;
    let refused = browser.act(&case, "escalate_to_lex_sarah", &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let top = refused.html.find("error-summary").expect("a summary");
    let form = refused
        .html
        .find("id=\"act-escalate_to_lex_sarah\"")
        .expect("the form");
    assert!(top < form, "the summary comes before the form");
    let summary = &refused.html[top..form];
    assert!(
        summary.contains("href=\"#act-escalate_to_lex_sarah\"") && summary.contains("autofocus"),
        "{summary}"
    );
}

#[tokio::test]
async fn units_read_by_name_in_my_work_and_search_finds_them_by_any_part_of_it() {
    let app = app().await;
    app.store
        .upsert_unit(varna_store::NewUnit {
            id: "linden".into(),
            name: "Lindens vård- och omsorgsboende".into(),
            verksamhetsomrade_id: "aldreomsorg".into(),
            verksamhetsomrade_name: "aldreomsorg".into(),
            organisation_id: "k".into(),
            organisation_name: "K".into(),
        })
        .await
        .expect("renamed");
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let case = browser.file_avvikelse().await;
    let work = browser.get("/").await;
    assert!(
        work.html.contains("Lindens vård- och omsorgsboende"),
        "my work names the unit"
    );
    let found = browser.get("/cases?unit=LINDENS+V%C3%85RD").await;
    assert!(
        found.html.contains(&case) && found.html.contains("1 ärende<"),
        "found by part of its name, whatever the case: {}",
        found.html
    );
    let page = browser.get(&format!("/cases/{case}")).await;
    assert!(page.html.contains("Lindens vård- och omsorgsboende"));
}

#[tokio::test]
async fn a_case_is_found_by_the_case_number_people_quote() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let case = browser.file_avvikelse().await;
    let other = browser.file_avvikelse().await;
    let number: String = case
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .chars()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_uppercase();
    let found = browser.get(&format!("/cases?number={number}")).await;
    assert!(
        found.html.contains(&case)
            && !found.html.contains(&other)
            && found.html.contains("1 ärende<"),
        "{number}: {}",
        found.html
    );
    let bad = browser.get("/cases?number=XYZ").await;
    assert!(bad.html.contains("Ett ärendenummer har åtta tecken"));
    assert!(
        !bad.html.contains(&case),
        "no list for a number that cannot be one"
    );
}

#[tokio::test]
async fn a_high_risk_score_is_shown_on_the_case_page_against_its_threshold() {
    let app = app().await;
    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    let filed = app
        .store
        .file_case(
            "avvikelse",
            varna_workflow::FileCase {
                lagrum: varna_workflow::Lagrum::Sol,
                unit: varna_workflow::UnitId::new("linden"),
                fields: [
                    (
                        "what_happened",
                        varna_workflow::Value::Text("Fall utan larm".into()),
                    ),
                    (
                        "occurred_on",
                        varna_workflow::Value::Text("2026-01-10".into()),
                    ),
                    ("category", varna_workflow::Value::Text("fall".into())),
                    ("risk_probability", varna_workflow::Value::Integer(3)),
                    ("risk_consequence", varna_workflow::Value::Integer(4)),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            },
            None,
            &varna_workflow::Actor {
                id: varna_workflow::ActorId::new("um-linden"),
                role: Role::UnitManager,
                units: [varna_workflow::UnitId::new("linden")].into(),
            },
            varna_store::CommandOptions::default(),
        )
        .await
        .expect("filed")
        .case_id;
    let page = manager.get(&format!("/cases/{filed}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("Riskpoäng (sannolikhet × konsekvens)")
            && page.html.contains("<dd>12 <span class=\"badge\">Hög risk"),
        "{}",
        page.html
    );
}

/// The kommunal anmälan is a lifecycle file no Rust code names: its form,
/// menu entry, steps, the committee's reading and deciding, and the report
/// all come from the file.
#[tokio::test]
async fn a_kommunal_anmalan_is_filed_prepared_decided_and_reported_in_the_pages() {
    let app = app().await;
    let mut sas = Browser::new(&app);
    sas.sign_in("sas").await;
    let home = sas.get("/").await;
    assert!(
        home.html.contains("href=\"/cases/new/kommunal-anmalan\""),
        "the menu entry comes from the file: {}",
        home.html
    );
    let form = sas.get("/cases/new/kommunal-anmalan").await;
    assert!(
        form.html
            .contains("Kommunal anmälan till IVO om enskild verksamhet")
            && form.html.contains("27 kap. 7 §"),
        "{}",
        form.html
    );
    let case = sas
        .file(
            "/cases/new/kommunal-anmalan",
            &[
                ("provider_name", "Omsorg i Norr AB"),
                ("grounds", "serious_deficiencies"),
                (
                    "what_was_found",
                    "Avtalsuppföljningen visade att nattbemanning saknades",
                ),
                ("found_on", "2026-11-20"),
            ],
        )
        .await;
    for (step, fields) in [
        ("start_beredning", vec![]),
        (
            "submit_for_decision",
            vec![("assessment", "Bristerna består")],
        ),
    ] {
        let done = sas.act(&case, step, &fields).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{step}: {}", done.html);
    }
    // The nämnd reads it because it decides in it, and decides.
    let mut committee = Browser::new(&app);
    committee.sign_in("namnd").await;
    let decided = committee
        .act(
            &case,
            "decide_anmalan",
            &[
                ("outcome", "anmalan"),
                (
                    "decision_motivation",
                    "Allvarliga brister enligt 27 kap. 7 §",
                ),
            ],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.html);
    let today = varna_workflow::local::date(chrono::Utc::now()).to_string();
    let sent = sas
        .act(
            &case,
            "register_sent",
            &[("anmalan_sent_on", &today), ("anmalan_channel", "e_tjanst")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    let page = sas.get(&format!("/cases/{case}")).await;
    assert!(page.html.contains("Anmäld till IVO"), "{}", page.html);
    // Counted apart in the report, under its own name.
    let mut auditor = Browser::new(&app);
    auditor.sign_in("granskare").await;
    let year = varna_workflow::local::year_month(chrono::Utc::now()).0;
    let report = auditor.get(&format!("/report/{year}.html")).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report.html.contains("Kommunal anmälan till IVO"),
        "{}",
        report.html
    );
}

/// Sends the case page's duplicate form of `case` with `number`.
async fn send_duplicate(
    browser: &mut Browser<'_>,
    case: &str,
    page: &common::Page,
    number: &str,
) -> common::Page {
    let csrf = page.csrf();
    let version = hidden(&page.html, "version").expect("the case version");
    browser
        .post(
            &format!("/cases/{case}/duplicate"),
            &[
                ("csrf", csrf.as_str()),
                ("version", version.as_str()),
                ("original", number),
            ],
        )
        .await
}

/// The same fall reported twice: the unit manager marks the later report a
/// duplicate by the earlier one's number. A wrong number is answered at the
/// input with the typed text kept; both cases keep their numbers and point
/// at each other; the duplicate is closed and offers nothing more.
#[tokio::test]
async fn a_report_of_the_same_event_is_marked_a_duplicate_by_the_earlier_cases_number() {
    let app = app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in("um-linden").await;
    let original = browser.file_avvikelse().await;
    let duplicate = browser.file_avvikelse().await;
    let page = browser.get(&format!("/cases/{duplicate}")).await;
    assert!(
        page.html.contains("Markera som dubblett")
            && page.html.contains("Ärendenummer för det tidigare ärendet"),
        "{}",
        page.html
    );
    for (number, says) in [
        ("12AB", "Ett ärendenummer har åtta tecken"),
        ("00000000", "Du kan inte se något ärende med det numret"),
        (
            case_number(&duplicate).as_str(),
            "Ange numret på det tidigare ärendet, inte det här",
        ),
    ] {
        let refused = send_duplicate(&mut browser, &duplicate, &page, number).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{number}");
        assert!(
            refused.html.contains(says)
                && refused.html.contains("href=\"#duplicate-original\"")
                && refused.html.contains(&format!("value=\"{number}\"")),
            "{number}: {}",
            refused.html
        );
    }
    let marked = send_duplicate(&mut browser, &duplicate, &page, &case_number(&original)).await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.html);

    let page = browser.get(&format!("/cases/{duplicate}")).await;
    let number = case_number(&original);
    assert!(
        page.html.contains(&format!(
            "<dt>Dubblett av</dt><dd><a href=\"/cases/{original}\" class=\"case-number\">{number}</a>"
        )) && page.html.contains("Det här ärendet är en dubblett av")
            && page.html.contains("Avslutat")
            && !page.html.contains("Markera som dubblett</summary>")
            && !page.html.contains("name=\"transition\""),
        "{}",
        page.html
    );
    let first = browser.get(&format!("/cases/{original}")).await;
    assert!(
        first.html.contains("En dubblett av det här ärendet:")
            && first.html.contains(&case_number(&duplicate))
            && first.html.contains("name=\"transition\""),
        "the original goes on: {}",
        first.html
    );
}

/// A lifecycle file no Rust code knows (`tests/fixtures/egenkontroll.toml`)
/// beside the shipped ones: its filing form and menu entry, its steps, its
/// clock and its line in the quality report all come from the file.
#[tokio::test]
async fn a_lifecycle_file_no_code_knows_is_filed_walked_and_reported_in_the_pages() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/egenkontroll.toml");
    let app = common::app_on(None, &varna_testkit::catalog_with(&[&fixture])).await;
    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    let form = manager.get("/cases/new/egenkontroll").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);
    assert!(
        form.html.contains("Iakttagelse") && form.html.contains("SOSFS 2011:9 5 kap. 2 §"),
        "the form's words come from the file: {}",
        form.html
    );
    let case = manager
        .file(
            "/cases/new/egenkontroll",
            &[(
                "finding",
                "Larmet på avdelning 2 fungerade inte vid kontrollen",
            )],
        )
        .await;
    let page = manager.get(&format!("/cases/{case}")).await;
    assert!(
        page.html.contains("Noterad") && page.html.contains("Riskbedömning"),
        "state and clock in the file's words: {}",
        page.html
    );
    for (step, fields) in [
        ("assess", vec![("risk", "hog")]),
        ("close", vec![("measure", "Larmet byttes ut samma dag")]),
    ] {
        let done = manager.act(&case, step, &fields).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{step}: {}", done.html);
    }
    let page = manager.get(&format!("/cases/{case}")).await;
    assert!(page.html.contains("Avslutad"), "{}", page.html);

    let mut auditor = Browser::new(&app);
    auditor.sign_in("granskare").await;
    let year = varna_workflow::local::year_month(chrono::Utc::now()).0;
    let report = auditor.get(&format!("/report/{year}.csv")).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.html);
    assert!(
        report
            .html
            .contains("per_lagrum,egenkontroll,SoL,,Egenkontroll,count,1"),
        "{}",
        report.html
    );
}

/// The auditor's two questions in the pages: the case as it stood after
/// any event of its history, and who read cases about a person (the
/// number sent in the form body, never shown back or put in an address).
#[tokio::test]
async fn an_auditor_opens_a_case_as_it_stood_and_finds_who_read_cases_about_a_person() {
    let app = app().await;
    let pnr = varna_workflow::Personnummer::parse("19121212-1212", chrono::Utc::now().date_naive())
        .expect("valid");
    let (filing, reporter) = varna_testkit::lex_sarah_report("linden");
    let case = app
        .store
        .file_case(
            "lex-sarah",
            filing,
            Some(&pnr),
            &reporter,
            varna_store::CommandOptions::default(),
        )
        .await
        .expect("filed")
        .case_id
        .to_string();
    let mut sas = Browser::new(&app);
    sas.sign_in("sas").await;
    let done = sas.act(&case, "acknowledge", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);

    let mut auditor = Browser::new(&app);
    auditor.sign_in("granskare").await;
    let now = auditor.get(&format!("/cases/{case}")).await;
    assert!(
        now.html
            .contains(&format!("href=\"/cases/{case}?vid=1\" class=\"as-of\"")),
        "every event offers the case as it stood: {}",
        now.html
    );
    assert!(
        now.html
            .contains("Det sidan visar stämmer med händelserna."),
        "the page is checked against the events: {}",
        now.html
    );
    let then = auditor.get(&format!("/cases/{case}?vid=1")).await;
    assert_eq!(then.status, StatusCode::OK, "{}", then.html);
    assert!(
        then.html.contains("Så här såg ärendet ut efter händelse 1")
            && then.html.contains("<dd><strong>Rapport mottagen</strong>")
            && !then.html.contains("?vid=2")
            && !then.html.contains("Vad du kan göra nu"),
        "{}",
        then.html
    );

    let search = auditor.get("/audit/access").await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.html);
    let csrf = search.csrf();
    let found = auditor
        .post(
            "/audit/access",
            &[("csrf", csrf.as_str()), ("personnummer", "19121212-1212")],
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.html);
    assert!(
        found.html.contains(&format!("href=\"/cases/{case}\""))
            && found.html.contains("sas (")
            && found.html.contains("Öppnade ärendet")
            && !found.html.contains("19121212"),
        "the SAS's read is listed, the number is not shown back: {}",
        found.html
    );
    let bad = auditor
        .post(
            "/audit/access",
            &[("csrf", csrf.as_str()), ("personnummer", "19121212-1213")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("Personnumret är inte giltigt"));
    // Not for the SAS.
    let forbidden = sas.get("/audit/access").await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.html
    );
}

/// Loggkontroll: the auditor sees the period's unusual reads — a case at
/// another unit, read on a Saturday night, and twenty cases in a few
/// minutes — records that the check was done with what is followed up,
/// and the record stays on the page.
#[tokio::test]
async fn an_auditor_reviews_the_periods_unusual_reads_and_records_the_check() {
    use chrono::TimeZone as _;
    let app = app().await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        let (filing, reporter) = varna_testkit::lex_sarah_report("norr");
        let filed = app
            .store
            .file_case(
                "lex-sarah",
                filing,
                None,
                &reporter,
                varna_store::CommandOptions::default(),
            )
            .await
            .expect("filed");
        ids.push(filed.case_id);
    }
    // Saturday 7 November 2026, from 02:00 Swedish time (01:00 UTC): the
    // Linden unit manager reads twenty Norr cases in twenty minutes.
    let night = chrono::Utc
        .with_ymd_and_hms(2026, 11, 7, 1, 0, 0)
        .single()
        .expect("a time");
    for (i, id) in ids.iter().enumerate() {
        app.store
            .record_access(varna_store::NewAccess {
                actor_id: "um-linden".into(),
                role: Role::UnitManager,
                case_id: id.clone(),
                purpose: "case_view".into(),
                at: night + chrono::Duration::seconds(20 * i as i64),
            })
            .await
            .expect("logged");
    }
    let mut auditor = Browser::new(&app);
    auditor.sign_in("granskare").await;
    let page = auditor
        .get("/audit/review?from=2026-11-01&to=2026-11-30")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    for finding in [
        "Ärenden vid andra enheter än läsarens",
        "Många ärenden på kort tid",
        "Utanför arbetstid",
    ] {
        assert!(page.html.contains(finding), "{finding}: {}", page.html);
    }
    assert!(
        page.html.contains("um-linden (enhetschef)"),
        "{}",
        page.html
    );
    assert!(page.html.contains("3 avvikande"), "{}", page.html);
    // The same findings as a file for the auditor's report.
    assert!(
        page.html
            .contains("/audit/review.csv?from=2026-11-01&amp;to=2026-11-30")
    );
    let csv = auditor
        .get("/audit/review.csv?from=2026-11-01&to=2026-11-30")
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.html);
    assert_eq!(
        csv.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    let rows: Vec<&str> = csv.html.lines().collect();
    assert_eq!(
        rows.len(),
        4,
        "a header and the three findings: {}",
        csv.html
    );
    assert_eq!(
        rows[0],
        "\"Vad\";\"Vem\";\"Roll\";\"Läsningar\";\"Första läsningen\";\"Sista läsningen\";\"Ärende\""
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("\"Utanför arbetstid\";\"um-linden\";\"enhetschef\"")),
        "{}",
        csv.html
    );
    let bad = auditor
        .get("/audit/review.csv?from=2026-11-30&to=2026-11-01")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let csrf = page.csrf();
    let empty = auditor
        .post(
            "/audit/review",
            &[
                ("csrf", csrf.as_str()),
                ("from", "2026-11-01"),
                ("to", "2026-11-30"),
                ("note", " "),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.html.contains("Skriv vad som följs upp"));
    let recorded = auditor
        .post(
            "/audit/review",
            &[
                ("csrf", csrf.as_str()),
                ("from", "2026-11-01"),
                ("to", "2026-11-30"),
                (
                    "note",
                    "Enhetschefen vid Linden kontaktas om läsningarna vid Norr.",
                ),
            ],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.html);
    let after = auditor
        .get(recorded.location.as_deref().expect("back to the review"))
        .await;
    assert!(
        after.html.contains("Kontrollen är sparad.")
            && after.html.contains("Enhetschefen vid Linden kontaktas")
            && after.html.contains("2026-11-01 – 2026-11-30")
            && after.html.contains("<td>3</td>"),
        "{}",
        after.html
    );
    // Not for others.
    let mut sas = Browser::new(&app);
    sas.sign_in("sas").await;
    assert_eq!(sas.get("/audit/review").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        sas.get("/audit/review.csv").await.status,
        StatusCode::FORBIDDEN
    );
}

/// The reporter hears back: their home page lists what they reported and
/// where it stands, and when the case closes with feedback written for
/// them, they read it — and nothing else of the investigation.
#[tokio::test]
async fn the_reporter_sees_where_their_report_stands_and_reads_the_feedback() {
    let app = app().await;
    let mut reporter = Browser::new(&app);
    reporter.sign_in("rep-linden").await;
    let case = reporter.file_avvikelse().await;
    let home = reporter.get("/").await;
    assert!(
        home.html.contains("Det du har rapporterat")
            && home.html.contains(&case_number(&case))
            && home
                .html
                .contains("du får återkoppling när ärendet avslutas"),
        "{}",
        home.html
    );
    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    for (step, fields) in [
        ("start_investigation", vec![]),
        (
            "report_actions",
            vec![
                ("causes", "Kvällspersonalen saknade rutin för insatsen"),
                ("actions", "Ny rutin och genomgång på APT"),
            ],
        ),
        (
            "assess_effect",
            vec![
                ("result", "Rutinen följs"),
                ("effect_assessment", "Inga nya missar på fyra veckor"),
            ],
        ),
    ] {
        let done = manager.act(&case, step, &fields).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{step}: {}", done.html);
    }
    let seen = manager.get(&format!("/cases/{case}")).await;
    assert!(
        seen.html.contains("<dt>Rapporterat av</dt><dd>Maja Lind")
            && seen.html.contains("class=\"breadcrumbs\""),
        "the unit manager sees who reported it, and the way back: {}",
        seen.html
    );
    let mut sas = Browser::new(&app);
    sas.sign_in("sas").await;
    let closed = sas
        .act(
            &case,
            "close_social",
            &[
                ("closing_assessment", "Åtgärderna räcker"),
                ("escalation_answer", "Inget missförhållande"),
                (
                    "reporter_feedback",
                    "Tack för din rapport. Vi har infört en ny rutin för kvällens insatser.",
                ),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.html);

    let home = reporter.get("/").await;
    assert!(
        home.html.contains("Återkoppling finns") && home.html.contains("Avslutad"),
        "{}",
        home.html
    );
    let page = reporter.get(&format!("/cases/{case}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(
        page.html.contains("Återkoppling till den som rapporterade")
            && page.html.contains("Vi har infört en ny rutin"),
        "{}",
        page.html
    );
    assert!(
        !page.html.contains("Kvällspersonalen saknade rutin")
            && !page.html.contains("Åtgärderna räcker"),
        "the investigation stays with those who investigate: {}",
        page.html
    );
    let mut auditor = Browser::new(&app);
    auditor.sign_in("granskare").await;
    let audited = auditor.get(&format!("/cases/{case}")).await;
    assert!(
        !audited.html.contains("Rapporterat av"),
        "who reported is for those who see personal data"
    );
}
