//! The frozen anmälan, driven through the pages: when the SAS registers
//! that the anmälan was sent to IVO, the anmälan is rendered as a PDF from
//! the case as that step leaves it, kept, and named by its SHA-256 in the
//! step's event. It downloads byte for byte the same after the case has
//! changed, the case page says that it has changed since, and every
//! download is a logged read.

mod common;

use axum::http::StatusCode;
use common::{Browser, app};
use sha2::{Digest, Sha256};
use varna_workflow::EventKind;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The text a PDF shows, line after line joined by spaces: the operand of
/// every `Tj` (a literal string, or a hex string of WinAnsi codes, which
/// for Swedish letters are Latin-1).
fn pdf_text(pdf: &[u8]) -> String {
    let text = String::from_utf8_lossy(pdf);
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(operand) = line.strip_suffix(" Tj") else {
            continue;
        };
        if let Some(h) = operand.strip_prefix('<').and_then(|o| o.strip_suffix('>')) {
            let bytes: Vec<u8> = (0..h.len())
                .step_by(2)
                .filter_map(|i| u8::from_str_radix(&h[i..i + 2], 16).ok())
                .collect();
            out.push(bytes.iter().map(|&b| char::from(b)).collect::<String>());
        } else if let Some(l) = operand.strip_prefix('(').and_then(|o| o.strip_suffix(')')) {
            out.push(l.replace("\\(", "(").replace("\\)", ")"));
        }
    }
    out.join(" ")
}

#[tokio::test]
async fn the_anmalan_sent_to_ivo_is_frozen_and_downloads_unchanged_after_the_case_changes() {
    let app = app().await;
    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    let sarah = manager.file_report("lex-sarah").await;
    let mut sas = Browser::new(&app);
    sas.sign_in("sas").await;
    assert_eq!(
        sas.act(&sarah, "acknowledge", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let proposed = sas
        .act(
            &sarah,
            "propose_early_anmalan",
            &[
                ("anmalan_grounds", "serious_missforhallande"),
                (
                    "seriousness_reasons",
                    "Brukaren lämnades utan tillsyn en hel natt",
                ),
            ],
        )
        .await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.html);

    // Before the anmälan is sent, nothing is frozen; the utredning prints.
    let page = sas.get(&format!("/cases/{sarah}")).await;
    assert!(
        page.html.contains("Dokument") && page.html.contains("Inte låst ännu"),
        "{}",
        page.html
    );
    let print = sas
        .get(&format!("/cases/{sarah}/documents/utredning?print=1"))
        .await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.bytes.starts_with(b"%PDF-"));
    let none = sas.get(&format!("/cases/{sarah}/documents/anmalan")).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND, "no frozen copy yet");

    let mut committee = Browser::new(&app);
    committee.sign_in("namnd").await;
    let decided = committee
        .act(
            &sarah,
            "decide_ivo_anmalan",
            &[("decision_motivation", "Allvarligt enligt SAS bedömning")],
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.html);
    let sent = sas
        .act(
            &sarah,
            "register_ivo_anmalan",
            &[
                ("anmalan_sent_on", "2026-12-04"),
                ("anmalan_channel", "e_tjanst"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);

    // The event that records the sending names the document by SHA-256.
    let id = varna_store::CaseId::parse(&sarah).expect("an id");
    let history = app.store.history(&id).await.expect("history");
    let digest = history
        .iter()
        .find_map(|e| match &e.event.kind {
            EventKind::Transitioned {
                transition,
                documents,
                ..
            } if transition == "register_ivo_anmalan" => documents.get("anmalan").cloned(),
            _ => None,
        })
        .expect("the sending event names the frozen anmälan");

    let first = sas.get(&format!("/cases/{sarah}/documents/anmalan")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(
        first
            .headers
            .get("content-type")
            .map(|v| v.to_str().unwrap_or("")),
        Some("application/pdf")
    );
    assert!(first.bytes.starts_with(b"%PDF-"));
    assert_eq!(
        format!("sha256:{}", hex(&Sha256::digest(&first.bytes))),
        digest
    );
    assert_eq!(
        first
            .headers
            .get("x-varna-sha256")
            .map(|v| v.to_str().unwrap_or("")),
        Some(digest.as_str())
    );
    let disposition = first
        .headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        disposition.contains("anmalan-") && disposition.ends_with(".pdf\""),
        "{disposition}"
    );
    // What IVO's form asks, in the PDF (WinAnsi text): the title, the
    // grounds in the file's words, the reasons.
    let text = pdf_text(&first.bytes);
    for expected in [
        "Anmälan till IVO om allvarligt missförhållande (lex Sarah)",
        "Grund för anmälan Allvarligt missförhållande",
        "Brukaren lämnades utan tillsyn en hel natt",
        "IVO:s e-tjänst",
        "Sida 1 av 1",
    ] {
        assert!(text.contains(expected), "{expected} in the PDF: {text}");
    }

    let page = sas.get(&format!("/cases/{sarah}")).await;
    assert!(
        page.html.contains(digest.trim_start_matches("sha256:"))
            && page.html.contains("har inte ändrats sedan dess"),
        "{}",
        page.html
    );

    // The case changes in what the anmälan shows: the frozen copy does not.
    let entry = sas
        .journal(
            &sarah,
            "what_happened",
            "Brukaren hittades på golvet kl. 06",
        )
        .await;
    assert_eq!(entry.status, StatusCode::SEE_OTHER, "{}", entry.html);
    let again = sas.get(&format!("/cases/{sarah}/documents/anmalan")).await;
    assert_eq!(again.bytes, first.bytes, "the same bytes after the change");
    let page = sas.get(&format!("/cases/{sarah}")).await;
    assert!(
        page.html
            .contains("Ärendet har ändrats sedan dokumentet låstes"),
        "{}",
        page.html
    );
    // A print of the case as it stands shows the new text.
    let now = sas
        .get(&format!("/cases/{sarah}/documents/anmalan?print=1"))
        .await;
    assert!(pdf_text(&now.bytes).contains("Brukaren hittades på golvet kl. 06"));
    assert!(!text.contains("Brukaren hittades"));
    assert_ne!(now.bytes, first.bytes);

    // Every opening is a logged read of the case.
    let reads = app
        .store
        .access_log_for_case(&id)
        .await
        .expect("the access log");
    assert!(
        reads.iter().filter(|r| r.purpose == "document").count() >= 4,
        "{reads:?}"
    );
    // The store's own check agrees: the kept bytes match the event.
    assert!(app.store.check_case(&id).await.expect("checks").is_empty());
}

/// The names of the mask choices the disclosure form has checked.
fn checked_masks(html: &str) -> Vec<String> {
    html.split("<input type=\"checkbox\"")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>')?];
            let start = tag.find("name=\"mask.")? + "name=\"".len();
            let name = &tag[start..start + tag[start..].find('"')?];
            tag.contains(" checked").then(|| name.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn a_case_is_disclosed_with_what_the_lifecycle_marks_secret_masked_and_the_disclosure_recorded()
 {
    let app = app().await;
    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    let sarah = manager
        .file(
            "/cases/new/lex-sarah",
            &[
                (
                    "what_happened",
                    "Brukaren lämnades ensam utan larm under natten",
                ),
                ("occurred_on", "2026-11-20"),
                ("noticed_on", "2026-11-21"),
                ("affected_gender", "kvinna"),
                ("affected_person_name", "Astrid Lindqvist"),
            ],
        )
        .await;
    let mut sas = Browser::new(&app);
    sas.sign_in("sas").await;
    assert_eq!(
        sas.act(&sarah, "acknowledge", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let secret = sas
        .journal(
            &sarah,
            "causes",
            "Nattpersonalen saknade rutin för larmkontroll",
        )
        .await;
    assert_eq!(secret.status, StatusCode::SEE_OTHER, "{}", secret.html);
    let open = sas
        .journal(
            &sarah,
            "recurrence_risk",
            "Ny checklista för nattens larmrond",
        )
        .await;
    assert_eq!(open.status, StatusCode::SEE_OTHER, "{}", open.html);
    let id = varna_store::CaseId::parse(&sarah).expect("an id");
    let events_before = app.store.history(&id).await.expect("history").len();

    // The unit manager may not disclose a lex Sarah case: no form, and a
    // post is refused (as pages refuse what is not theirs: not found) with
    // nothing written.
    let page = manager.get(&format!("/cases/{sarah}")).await;
    assert!(!page.html.contains("/disclose\""), "{}", page.html);
    let csrf = page.csrf();
    let refused = manager
        .post(
            &format!("/cases/{sarah}/disclose"),
            &[("csrf", &csrf), ("recipient", "X"), ("decision", "Y")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.html);
    assert_eq!(
        app.store.history(&id).await.expect("history").len(),
        events_before
    );

    // The SAS's form preselects what the lifecycle marks secret.
    let page = sas.get(&format!("/cases/{sarah}")).await;
    assert!(page.html.contains("Lämna ut ärendet"), "{}", page.html);
    let masks = checked_masks(&page.html);
    for field in ["what_happened", "affected_person_name", "causes"] {
        assert!(masks.contains(&format!("mask.{field}")), "{masks:?}");
    }
    assert!(!masks.contains(&"mask.occurred_on".to_owned()), "{masks:?}");

    // Without a decision: the form again, with what was typed, nothing written.
    let csrf = page.csrf();
    let missing = sas
        .post(
            &format!("/cases/{sarah}/disclose"),
            &[
                ("csrf", &csrf),
                ("recipient", "Lokaltidningen"),
                ("decision", " "),
            ],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.html.contains("Skriv mottagare och beslut"));
    assert!(missing.html.contains("value=\"Lokaltidningen\""));
    assert_eq!(
        app.store.history(&id).await.expect("history").len(),
        events_before
    );

    // Disclosed as the form stands.
    let mut fields = vec![
        ("csrf".to_owned(), csrf.clone()),
        ("recipient".to_owned(), "Lokaltidningen".to_owned()),
        ("decision".to_owned(), "SN 2026/117".to_owned()),
    ];
    fields.extend(masks.iter().map(|m| (m.clone(), "1".to_owned())));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let pdf = sas.post(&format!("/cases/{sarah}/disclose"), &fields).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.html);
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    let digest = format!("sha256:{}", hex(&Sha256::digest(&pdf.bytes)));
    assert_eq!(pdf.headers["x-varna-sha256"], digest.as_str());
    let text = pdf_text(&pdf.bytes);
    for hidden in [
        "Brukaren lämnades ensam",
        "Astrid Lindqvist",
        "Nattpersonalen saknade rutin",
    ] {
        assert!(!text.contains(hidden), "{hidden} is in {text}");
    }
    for shown in [
        "Lokaltidningen",
        "SN 2026/117",
        "[maskerad: sekretess]",
        "Ny checklista för nattens larmrond",
        "2026-11-20",
        "26 kap. 1 §",
    ] {
        assert!(text.contains(shown), "{shown} is not in {text}");
    }

    // The history records it: to whom, on which decision, what was masked,
    // and the digest of exactly the bytes handed out.
    let history = app.store.history(&id).await.expect("history");
    assert_eq!(history.len(), events_before + 1);
    match &history.last().expect("an event").event.kind {
        EventKind::Disclosed {
            recipient,
            decision,
            masked,
            released,
            document,
        } => {
            assert_eq!(recipient, "Lokaltidningen");
            assert_eq!(decision, "SN 2026/117");
            assert!(masked.contains(&"what_happened".to_owned()), "{masked:?}");
            assert!(released.is_empty(), "{released:?}");
            assert_eq!(document, &digest);
        }
        other => panic!("the last event is {other:?}"),
    }
    let page = sas.get(&format!("/cases/{sarah}")).await;
    assert!(page.html.contains("Utlämnat efter sekretessprövning"));

    // The prövning may release a secret field: released is recorded.
    let kept: Vec<(&str, &str)> = fields
        .iter()
        .copied()
        .filter(|(k, _)| *k != "mask.what_happened")
        .map(|(k, v)| {
            if k == "decision" {
                (k, "SN 2026/118")
            } else {
                (k, v)
            }
        })
        .collect();
    let second = sas.post(&format!("/cases/{sarah}/disclose"), &kept).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.html);
    let text = pdf_text(&second.bytes);
    assert!(text.contains("Brukaren lämnades ensam"), "{text}");
    assert!(!text.contains("Astrid Lindqvist"), "{text}");
    let history = app.store.history(&id).await.expect("history");
    assert!(matches!(
        &history.last().expect("an event").event.kind,
        EventKind::Disclosed { released, .. } if released == &["what_happened".to_owned()]
    ));

    // Each disclosure is a logged read, and the chain holds.
    let reads = app
        .store
        .access_log_for_case(&id)
        .await
        .expect("the access log");
    assert_eq!(
        reads.iter().filter(|r| r.purpose == "disclosure").count(),
        2,
        "{reads:?}"
    );
    let audit = app.store.verify_audit(|_| {}).await.expect("verifies");
    assert!(audit.problem.is_none(), "{:?}", audit.problem);
}
