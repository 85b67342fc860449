//! Files on the case page: the list (name, type, size, who added it, its
//! SHA-256) for those who read the investigation, the form that adds one
//! (`multipart/form-data`, refused like any form without the session's
//! CSRF token), and the download, which is a logged read and is served so
//! that a browser never runs it (`attachment`, a sandboxing CSP, no
//! sniffing).

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use varna_app::{AppError, CaseView, Reads};

use super::{Posted, answer, expect, refuse};
use crate::pages::{
    App, SignedIn, case_id, ctx, local_time, private, refused, role_label, signed_out,
};
use crate::text::Lang;

/// The form's name, as refusals name it.
pub(super) const FORM: &str = "attachment";

/// One file as the page lists it.
pub(super) struct AttachmentRow {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) kind: &'static str,
    pub(super) size: String,
    pub(super) added: crate::pages::When,
    pub(super) by: String,
    pub(super) digest: String,
}

/// The rows for the page.
pub(super) fn rows(view: &CaseView, lang: Lang) -> Vec<AttachmentRow> {
    view.record
        .case
        .attachments
        .iter()
        .map(|a| AttachmentRow {
            id: a.attachment.id.clone(),
            name: a.attachment.name.clone(),
            kind: match a.attachment.media_type.as_str() {
                "application/pdf" => "PDF",
                "image/png" => "PNG",
                _ => "JPEG",
            },
            size: if a.attachment.size >= 1024 * 1024 {
                format!("{:.1} MB", a.attachment.size as f64 / (1024.0 * 1024.0))
            } else {
                format!("{} kB", a.attachment.size.div_ceil(1024))
            },
            added: local_time(a.added_at),
            by: role_label(a.added_by.role, lang).to_owned(),
            digest: a.attachment.digest.trim_start_matches("sha256:").to_owned(),
        })
        .collect()
}

/// `POST /cases/{id}/attachments`: adds the file.
pub(crate) async fn upload(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let ctx = ctx(&app, &headers);
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return e.into_response(),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            match field.bytes().await {
                Ok(bytes) => file = Some((file_name, bytes.to_vec())),
                Err(e) => return e.into_response(),
            }
        } else if let Ok(text) = field.text().await {
            values.insert(name, text);
        }
    }
    if let Some(refusal) = ctx.csrf_refusal(values.get("csrf").map_or("", String::as_str)) {
        return refusal;
    }
    if let Some(redirect) = signed_out(&ctx) {
        return redirect;
    }
    let Some(case) = case_id(&id) else {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found);
    };
    let (name, bytes) = file.unwrap_or_default();
    let reads = Reads::default();
    let result = app
        .app
        .session(ctx.principal(), &reads)
        .attach(&case, &name, bytes, expect(&values))
        .await;
    let posted = Posted::new(FORM, values);
    match result {
        Ok(done) => answer(&app, &ctx, &id, posted, Ok(done)).await,
        Err(e) => refuse(&app, &ctx, &id, posted.refused(vec![e])).await,
    }
}

/// A file's name as an ASCII `filename=` may carry it.
fn ascii_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| match c {
            'å' | 'ä' => 'a',
            'Å' | 'Ä' => 'A',
            'ö' => 'o',
            'Ö' => 'O',
            'é' => 'e',
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') => c,
            _ => '_',
        })
        .collect();
    if clean.trim().is_empty() {
        "bilaga".to_owned()
    } else {
        clean
    }
}

/// `GET /cases/{id}/attachments/{attachment}`: the file, as a download.
pub(crate) async fn download(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Path((id, attachment)): Path<(String, String)>,
) -> Response {
    let Some(case) = case_id(&id) else {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found);
    };
    let reads = Reads::default();
    let file = match app
        .app
        .session(ctx.principal(), &reads)
        .attachment(&case, &attachment)
        .await
    {
        Ok(f) => f,
        Err(e) => return refused(&ctx, &e),
    };
    let mut response = file.bytes.into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&file.media_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    private(h, "default-src 'none'; sandbox; frame-ancestors 'none'");
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        ascii_name(&file.name)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&file.digest) {
        h.insert("x-varna-sha256", v);
    }
    response
}

/// The message for a refused upload.
pub(super) fn message(t: &crate::text::Text, e: &AppError) -> String {
    match e.detail.problem {
        Some("TOO_LARGE") => t.attachment_too_large.to_owned(),
        Some("WRONG_TYPE") => t.attachment_wrong_type.to_owned(),
        Some("EMPTY") => t.attachment_empty.to_owned(),
        _ => match e.code {
            varna_app::Code::Conflict => t.error_conflict.to_owned(),
            _ => t.attachment_refused.to_owned(),
        },
    }
}
