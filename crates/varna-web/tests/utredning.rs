//! The utredning in the pages, driven as a browser drives them: topics
//! written only as journal entries (never as a step's input), actions that
//! name their cause, owner and date, follow-ups that name their action,
//! steps that keep the case in its state, reopening a closed case, the law
//! beside each step and clock, and lex Maria in its own words.

mod common;

use axum::http::StatusCode;
use common::{App, Browser, app};

/// The utredning topics of lex Sarah (`[journal] topics`).
const TOPICS: [&str; 12] = [
    "what_happened",
    "consequences",
    "noticed_how",
    "causes",
    "earlier_similar_events",
    "recurrence_risk",
    "actions",
    "action_followups",
    "immediate_actions",
    "other_findings",
    "affected_person_view",
    "affected_person_view_not_possible",
];

/// How many entries the case's journal holds, read from the store.
async fn entries(app: &App, case: &str) -> usize {
    app.store
        .history(&varna_store::CaseId::parse(case).expect("an id"))
        .await
        .expect("history")
        .iter()
        .filter(|e| e.event.kind.type_name() == "journal_entry_added")
        .count()
}

/// The part of `html` from `start` to the first `end` after it.
fn between<'h>(html: &'h str, start: &str, end: &str) -> &'h str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {html}"));
    let rest = &html[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// A lex Sarah case filed by the unit manager and taken on by the SAS:
/// (the app's SAS browser, the case).
async fn sarah_in_utredning(app: &App) -> (Browser<'_>, String) {
    let mut manager = Browser::new(app);
    manager.sign_in("um-linden").await;
    let case = manager.file_report("lex-sarah").await;
    let mut sas = Browser::new(app);
    sas.sign_in("sas").await;
    let started = sas.act(&case, "acknowledge", &[]).await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.html);
    (sas, case)
}

#[tokio::test]
async fn a_transition_form_never_offers_a_journal_topic_as_an_input() {
    let app = app().await;
    let (mut sas, case) = sarah_in_utredning(&app).await;
    let page = sas.get(&format!("/cases/{case}")).await;
    let actions = between(&page.html, "id=\"h-actions\"", "id=\"h-journal\"");
    for topic in TOPICS {
        assert!(
            !actions.contains(&format!("name=\"{topic}\"")),
            "{topic} is no input of a step: {actions}"
        );
    }
    let complete = between(actions, "id=\"act-complete_utredning\"", "</details>");
    assert!(
        complete.contains("<p>Skrivs i utredningen nedan:</p>")
            && complete.contains("<li><a href=\"#journal-form\">Orsaker</a></li>"),
        "the step names what the utredning must hold, linked to its form: {complete}"
    );
    assert!(
        complete.contains(
            "<a href=\"#journal-form\">Den enskildes (eller närståendes) syn på det som hänt eller \
             Skäl till att den enskildes syn inte kunnat inhämtas</a>"
        ),
        "alternatives are named together: {complete}"
    );
    assert!(
        page.html.contains("id=\"journal-form\""),
        "and the link leads to the journal form"
    );
    let protective = between(
        actions,
        "id=\"act-document_protective_measures\"",
        "</details>",
    );
    assert!(
        protective.contains(
            "<p>Skrivs i utredningen nedan: <a href=\"#journal-form\">Skyddsåtgärder för den enskilde \
             och det som gjorts genast</a></p>"
        ),
        "one topic is named in the sentence: {protective}"
    );

    // A topic sent as a field anyway is not passed on: the step is
    // refused for what the utredning lacks, and nothing is recorded.
    let sent = sas
        .act(
            &case,
            "document_protective_measures",
            &[("immediate_actions", "Extra nattvak insatt")],
        )
        .await;
    assert_eq!(
        sent.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        sent.html
    );
    assert!(
        sent.html
            .contains("Skyddsåtgärder för den enskilde och det som gjorts genast: Skriv det i utredningen nedan först"),
        "the summary at the top points to the utredning: {}",
        sent.html
    );
    assert_eq!(entries(&app, &case).await, 0);
}

#[tokio::test]
async fn an_action_names_its_cause_owner_and_date_and_a_follow_up_its_action() {
    let app = app().await;
    let (mut sas, case) = sarah_in_utredning(&app).await;
    let cause = sas
        .journal(&case, "causes", "Nattlarmet var urkopplat sedan en vecka")
        .await;
    assert_eq!(cause.status, StatusCode::SEE_OTHER, "{}", cause.html);
    let page = sas.get(&format!("/cases/{case}")).await;
    let form = between(&page.html, "id=\"journal-form\"", "</form>");
    assert!(
        form.contains("<option value=\"1\">nr 1: Nattlarmet var urkopplat sedan en vecka</option>"),
        "the causes to choose from, by number and first words: {form}"
    );
    assert!(
        form.contains("<label for=\"j-owner\">Ansvarig</label>")
            && form.contains("<label for=\"j-due-on\">Klart senast</label>")
            && form.contains("<label for=\"j-follows-up\">Följer upp åtgärd</label>"),
        "{form}"
    );
    assert!(
        form.contains(
            "Fylls bara i för anteckningar om: Åtgärd (vilken orsak den avhjälper, vem som ansvarar, när)"
        ),
        "each says for which topic it is filled in: {form}"
    );

    let action = sas
        .journal_with(
            &case,
            "actions",
            "Larmet kontrolleras vid varje passbyte",
            &[
                ("addresses", "1"),
                ("owner", "Enhetschef Eva Berg"),
                ("due_on", "2027-01-15"),
            ],
        )
        .await;
    assert_eq!(action.status, StatusCode::SEE_OTHER, "{}", action.html);
    let page = sas.get(&format!("/cases/{case}")).await;
    let journal = between(&page.html, "id=\"h-journal\"", "id=\"journal-form\"");
    assert!(
        journal.contains("nr 2 · Åtgärd (vilken orsak den avhjälper, vem som ansvarar, när)"),
        "each entry by number and topic in words: {journal}"
    );
    assert!(
        journal.contains(
            "Åtgärdar orsak nr 1 · Ansvarig: Enhetschef Eva Berg · Klart senast: 2027-01-15"
        ),
        "{journal}"
    );
    assert!(
        journal.contains("Inte uppföljd"),
        "the action waits for its follow-up"
    );

    let follow_up = sas
        .journal_with(
            &case,
            "action_followups",
            "Larmet har varit på varje natt sedan dess",
            &[("follows_up", "2")],
        )
        .await;
    assert_eq!(
        follow_up.status,
        StatusCode::SEE_OTHER,
        "{}",
        follow_up.html
    );
    let page = sas.get(&format!("/cases/{case}")).await;
    let journal = between(&page.html, "id=\"h-journal\"", "id=\"journal-form\"");
    assert!(journal.contains("Följer upp åtgärd nr 2"), "{journal}");
    assert!(!journal.contains("Inte uppföljd"), "{journal}");
    let form = between(&page.html, "id=\"j-follows-up\"", "</select>");
    assert!(
        form.contains("nr 2: Larmet kontrolleras vid varje passbyte (uppföljd)"),
        "{form}"
    );
    assert_eq!(entries(&app, &case).await, 3);
}

#[tokio::test]
async fn an_action_without_an_owner_is_refused_under_the_owner_input_and_nothing_is_recorded() {
    let app = app().await;
    let (mut sas, case) = sarah_in_utredning(&app).await;
    sas.journal(&case, "causes", "Ingen introduktion för nattpersonal")
        .await;
    let refused = sas
        .journal_with(
            &case,
            "actions",
            "Introduktion för all nattpersonal",
            &[("addresses", "1"), ("due_on", "2027-02-01")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let owner = between(&refused.html, "<label for=\"j-owner\">", "</div>");
    assert!(
        owner.contains("id=\"j-owner-error\">Fyll i det här fältet.</p>")
            && owner.contains("aria-invalid=\"true\""),
        "the error sits under the owner input: {owner}"
    );
    let summary = between(&refused.html, "error-summary", "</div>");
    assert!(
        summary.contains("<a href=\"#journal-form\">Ansvarig: Fyll i det här fältet.</a>"),
        "and is listed at the top: {summary}"
    );
    assert!(
        refused.html.contains("Introduktion för all nattpersonal")
            && refused.html.contains("value=\"2027-02-01\"")
            && refused.html.contains("<option value=\"1\" selected>"),
        "what was typed and chosen is kept"
    );
    assert_eq!(entries(&app, &case).await, 1, "only the cause is recorded");

    // An owner on a cause is refused too, saying where an owner belongs.
    let wrong = sas
        .journal_with(
            &case,
            "causes",
            "Schemat saknade överlapp",
            &[("owner", "Enhetschefen")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let owner = between(&wrong.html, "<label for=\"j-owner\">", "</div>");
    assert!(
        owner.contains("Det här fylls inte i här. Fylls bara i för anteckningar om: Åtgärd"),
        "{owner}"
    );
    assert_eq!(entries(&app, &case).await, 1);
}

#[tokio::test]
async fn each_step_and_each_clock_shows_the_law_it_rests_on() {
    let app = app().await;
    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    let case = manager.file_report("lex-sarah").await;
    let mut sas = Browser::new(&app);
    sas.sign_in("sas").await;
    let page = sas.get(&format!("/cases/{case}")).await;
    let step = between(&page.html, "id=\"act-mark_possibly_serious\"", "</details>");
    assert!(
        step.contains(
            "<p class=\"refs\">Stöd: Socialtjänstlagen (2025:400) 27 kap. 6 § (anmälan till IVO snarast); \
             LSS 24 f § (anmälan till IVO snarast)</p>"
        ),
        "{step}"
    );
    let clocks = between(&page.html, "id=\"h-deadlines\"", "</table>");
    let protective = between(clocks, "Skyddsåtgärder dokumenterade", "</td>");
    assert!(
        protective.contains("Stöd: Socialtjänstlagen (2025:400) 27 kap. 5 §"),
        "{protective}"
    );
}

#[tokio::test]
async fn a_step_that_keeps_the_state_says_so_and_a_closed_case_can_be_reopened() {
    let app = app().await;
    let (mut sas, case) = sarah_in_utredning(&app).await;
    let page = sas.get(&format!("/cases/{case}")).await;
    let keeps = between(&page.html, "id=\"act-mark_possibly_serious\"", "</summary>");
    assert!(
        keeps.contains("(läget ändras inte)") && !keeps.contains('→'),
        "{keeps}"
    );
    let moves = between(&page.html, "id=\"act-complete_utredning\"", "</summary>");
    assert!(moves.contains("→ Bedömning"), "{moves}");

    sas.journal(&case, "affected_person_view", "Brukaren kände sig trygg")
        .await;
    let closed = sas
        .act(
            &case,
            "close_no_missforhallande",
            &[
                ("outcome", "no_missforhallande"),
                ("conclusion", "Larmet fungerade; inget missförhållande"),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.html);

    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    let page = manager.get(&format!("/cases/{case}")).await;
    assert!(
        !page.html.contains("value=\"reopen\""),
        "only the role the lifecycle names reopens"
    );
    let page = sas.get(&format!("/cases/{case}")).await;
    let reopen = between(&page.html, "id=\"act-reopen\"", "</details>");
    assert!(
        reopen.contains("Öppna ärendet igen")
            && reopen.contains("→ Utredning pågår")
            && reopen.contains("name=\"reopen_reason\""),
        "{reopen}"
    );
    let reopened = sas
        .act(
            &case,
            "reopen",
            &[("reopen_reason", "Anhöriga har lämnat nya uppgifter")],
        )
        .await;
    assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.html);
    let page = sas.get(&format!("/cases/{case}")).await;
    let state = between(&page.html, "class=\"summary\"", "</dd>");
    assert!(state.contains("Utredning pågår"), "{state}");
}

#[tokio::test]
async fn a_closing_step_names_the_actions_still_to_follow_up() {
    let app = app().await;
    let (mut sas, case) = sarah_in_utredning(&app).await;
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
        let added = sas.journal(&case, topic, "Se utredningen").await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
    }
    let action = sas
        .journal_with(
            &case,
            "actions",
            "Ny rutin för nattlarm",
            &[
                ("addresses", "4"),
                ("owner", "SAS"),
                ("due_on", "2027-01-10"),
            ],
        )
        .await;
    assert_eq!(action.status, StatusCode::SEE_OTHER, "{}", action.html);
    let done = sas.act(&case, "complete_utredning", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);

    let page = sas.get(&format!("/cases/{case}")).await;
    let close = between(&page.html, "id=\"act-rule_not_serious\"", "</details>");
    assert!(
        close.contains(
            "Åtgärder som ännu inte följts upp i utredningen nedan: <a href=\"#journal-form\">nr 9</a>"
        ),
        "{close}"
    );
    // Each ruling's form offers the outcomes it takes, no others: a
    // serious outcome is chosen in the anmälan's form, not here.
    assert!(
        close.contains("value=\"missforhallande\"")
            && !close.contains("value=\"serious_missforhallande\""),
        "{close}"
    );
    let propose = between(&page.html, "id=\"act-propose_anmalan\"", "</details>");
    assert!(
        propose.contains("value=\"serious_missforhallande\"")
            && !propose.contains("value=\"no_missforhallande\""),
        "{propose}"
    );
    let today = chrono::Utc::now().date_naive().to_string();
    let ruling = [
        ("outcome", "missforhallande"),
        ("conclusion", "Ett missförhållande, inte allvarligt"),
        ("individual_informed_on", today.as_str()),
    ];
    let early = sas.act(&case, "rule_not_serious", &ruling).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        early.html.contains("Varje åtgärd ska vara uppföljd först"),
        "{}",
        early.html
    );
    sas.journal_with(
        &case,
        "action_followups",
        "Rutinen följs",
        &[("follows_up", "9")],
    )
    .await;
    let closed = sas.act(&case, "rule_not_serious", &ruling).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.html);
}

#[tokio::test]
async fn lex_maria_speaks_of_vardskada_not_missforhallanden_or_the_committee() {
    let app = app().await;
    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    let case = manager.file_report("lex-maria").await;
    let mut mas = Browser::new(&app);
    mas.sign_in("mas").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let wrong = mas
        .act(
            &case,
            "report_to_ivo",
            &[
                ("outcome", "vardskada"),
                ("seriousness_reasons", "Fel läkemedel gavs"),
                ("anmalan_sent_on", &today),
                ("anmalan_channel", "e_tjanst"),
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
            "Den här åtgärden gäller bedömningen Kunde ha medfört allvarlig vårdskada eller \
             Allvarlig vårdskada."
        ),
        "{}",
        wrong.html
    );
    let lower = wrong.html.to_lowercase();
    for word in ["missförhållande", "nämnd"] {
        assert!(!lower.contains(word), "no {word} on a lex Maria case");
    }
}
