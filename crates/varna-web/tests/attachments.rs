//! Files on a case, through the pages as a browser sends them: a photo
//! uploaded from the case page is named by SHA-256 in its event and kept;
//! opening it is a logged read and serves the same bytes as a download a
//! browser will not run; a file that is not a photo or PDF (whatever it is
//! called), one over the size limit, or one from someone who may not add
//! files is refused with the page's own words and changes nothing.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Browser, Page, app, hidden};
use sha2::{Digest, Sha256};
use varna_workflow::EventKind;

/// The smallest PNG: one transparent pixel.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";

/// Sends the case page's file form with `file` named `name`.
async fn upload(b: &mut Browser<'_>, case: &str, name: &str, file: &[u8]) -> Page {
    let page = b.get(&format!("/cases/{case}")).await;
    let csrf = page.csrf();
    let version = hidden(&page.html, "version").unwrap_or_default();
    let boundary = "----varna-test-boundary";
    let mut body = Vec::new();
    for (field, value) in [("csrf", csrf.as_str()), ("version", version.as_str())] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let request = Request::post(format!("/cases/{case}/attachments"))
        .header(header::COOKIE, b.cookie_header())
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    b.send(request).await
}

#[tokio::test]
async fn a_photo_is_added_kept_by_its_hash_and_opened_as_a_logged_read() {
    let app = app().await;
    let mut manager = Browser::new(&app);
    manager.sign_in("um-linden").await;
    let case = manager.file_avvikelse().await;
    let page = manager.get(&format!("/cases/{case}")).await;
    assert!(page.html.contains("Bilagor") && page.html.contains("enctype=\"multipart/form-data\""));

    let added = upload(&mut manager, &case, "C:\\Bilder\\rum 12.png", PNG).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
    let id = varna_store::CaseId::parse(&case).expect("an id");
    let history = app.store.history(&id).await.expect("history");
    let attachment = history
        .iter()
        .find_map(|e| match &e.event.kind {
            EventKind::AttachmentAdded { attachment } => Some(attachment.clone()),
            _ => None,
        })
        .expect("an attachment_added event");
    let digest = format!(
        "sha256:{}",
        Sha256::digest(PNG)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    assert_eq!(attachment.digest, digest);
    assert_eq!(attachment.name, "rum 12.png", "no folders kept");
    assert_eq!(attachment.media_type, "image/png");

    let page = manager.get(&format!("/cases/{case}")).await;
    assert!(
        page.html.contains("rum 12.png")
            && page.html.contains(digest.trim_start_matches("sha256:"))
    );
    let file = manager
        .get(&format!("/cases/{case}/attachments/{}", attachment.id))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.bytes, PNG);
    let h = |name: &str| {
        file.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    assert_eq!(h("content-type"), "image/png");
    assert!(h("content-disposition").starts_with("attachment; filename=\"rum 12.png\""));
    assert!(h("content-security-policy").contains("sandbox"));
    assert_eq!(h("x-content-type-options"), "nosniff");
    let reads = app.store.access_log_for_case(&id).await.expect("log");
    assert!(
        reads
            .iter()
            .any(|r| r.purpose == "attachment" && r.actor_id == "um-linden")
    );
    assert!(app.store.check_case(&id).await.expect("checks").is_empty());

    // Refused, with the page's words, and nothing added.
    let html = upload(
        &mut manager,
        &case,
        "brev.png",
        b"<html><script>alert(1)</script>",
    )
    .await;
    assert_eq!(html.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.html
            .contains("inte ett foto (JPEG eller PNG) eller en PDF"),
        "{}",
        html.html
    );
    assert!(
        html.html.contains("href=\"#attachment-file\""),
        "in the error summary"
    );
    let mut big = PNG.to_vec();
    big.resize(10 * 1024 * 1024 + 1, 0);
    let large = upload(&mut manager, &case, "stor.png", &big).await;
    assert_eq!(
        large.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        large.html
    );
    assert!(large.html.contains("större än 10 MB"));
    let after = app.store.history(&id).await.expect("history");
    assert_eq!(after.len(), history.len(), "nothing added");

    // A reporter sees no form and cannot add or open files.
    let mut reporter = Browser::new(&app);
    reporter.sign_in("rep-linden").await;
    let theirs = reporter.file_avvikelse().await;
    let page = reporter.get(&format!("/cases/{theirs}")).await;
    assert!(!page.html.contains("multipart/form-data"), "{}", page.html);
    let tried = upload(&mut reporter, &theirs, "a.png", PNG).await;
    assert_ne!(tried.status, StatusCode::SEE_OTHER);
    let opened = reporter
        .get(&format!("/cases/{case}/attachments/{}", attachment.id))
        .await;
    assert_eq!(opened.status, StatusCode::NOT_FOUND);
}
