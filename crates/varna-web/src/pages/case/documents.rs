//! A case's documents on its page and as files: a frozen document (the
//! anmälan as IVO received it) downloads byte for byte as its step stored
//! it, with its SHA-256 shown beside it and a warning when the case has
//! changed since in what it shows; any document prints from the case as
//! it stands. Both are logged as reads of the case.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use varna_app::{DocumentStatus, Reads};

use crate::form::label;
use crate::pages::{App, SignedIn, case_id, local_time, private, refused};
use crate::text::{Lang, Text};

/// One document as the case page lists it.
pub(super) struct DocumentRow {
    pub(super) id: String,
    pub(super) title: String,
    /// When it was frozen and its SHA-256 (hex), if a step froze it.
    pub(super) frozen: Option<(crate::pages::When, String)>,
    /// Whether the case has changed since in what it shows.
    pub(super) changed_since: bool,
}

/// The rows for the page.
pub(super) fn rows(documents: &[DocumentStatus], lang: Lang, _t: &Text) -> Vec<DocumentRow> {
    documents
        .iter()
        .map(|d| DocumentRow {
            id: d.id.clone(),
            title: label(&d.title, lang),
            frozen: d.frozen.as_ref().map(|(at, digest, _)| {
                (
                    local_time(*at),
                    digest.trim_start_matches("sha256:").to_owned(),
                )
            }),
            changed_since: d.changed_since,
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub(crate) struct Which {
    /// `print`: the case as it stands; otherwise the frozen copy.
    #[serde(default)]
    pub(crate) print: Option<String>,
}

/// `GET /cases/{id}/documents/{document}`: the frozen copy, or with
/// `?print=1` a print of the case as it stands.
pub(crate) async fn download(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Path((id, document)): Path<(String, String)>,
    Query(which): Query<Which>,
) -> Response {
    let Some(id) = case_id(&id) else {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found);
    };
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    let file = match session
        .document(&id, &document, which.print.is_none())
        .await
    {
        Ok(f) => f,
        Err(e) => return refused(&ctx, &e),
    };
    pdf_response(file)
}

/// A document file as a download: private, never cached or framed, with
/// the digest its event recorded in `x-varna-sha256`.
pub(crate) fn pdf_response(file: varna_app::DocumentFile) -> Response {
    let mut response = file.bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    private(h, "default-src 'none'; frame-ancestors 'none'");
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(digest) = file.digest
        && let Ok(v) = HeaderValue::from_str(&digest)
    {
        // The digest the case's event recorded, for whoever checks the file.
        h.insert("x-varna-sha256", v);
    }
    response
}
