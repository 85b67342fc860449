//! The public form, without signing in (`/anonym`): a lifecycle with a
//! `[public]` table offers its form there; the sender gets a receipt code
//! shown once, and comes back at `/anonym/folj` with it to read the answer
//! and add to the case. The code travels only in form posts, never in a
//! URL. Served only when the server is started with the public form on.
//!
//! Instead of a captcha, each form carries a signed token of when it was
//! served (sent sooner than [`MIN_FORM_AGE`] or later than
//! [`MAX_FORM_AGE`]: shown again), and one token files at most one case —
//! the receipt code and the sender's id are made from it, so a form sent
//! twice files once and shows the same code. The application layer counts
//! filings and wrong codes per caller: a digest of the address, kept in
//! memory only.

use std::collections::BTreeMap;
use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::{Form, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use varna_app::{AppError, Code, PublicCase, PublicFiling};
use varna_workflow::Lagrum;

use super::{App, Chrome, Ctx, Peer, ctx, local_time};
use crate::WebConfig;
use crate::form::{self, Definitions, FieldView, label};
use crate::text::PublicText;

/// A form sent sooner than this after it was served is shown again.
const MIN_FORM_AGE: Duration = Duration::from_secs(2);
/// A form older than this is shown again with a fresh token.
const MAX_FORM_AGE: Duration = Duration::from_secs(4 * 3600);
/// The most a public form post may carry.
const MAX_BODY: usize = 256 * 1024;

pub(super) fn routes() -> Router<App> {
    Router::new()
        .route("/anonym", get(index))
        .route("/anonym/folj", get(follow_page).post(follow))
        .route("/anonym/folj/lagg-till", post(add))
        .route("/anonym/{workflow}", get(form_page).post(submit))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
}

// ---------------------------------------------------------------- tokens

type HmacSha256 = Hmac<Sha256>;

/// The HMAC of `parts`, each ended by a zero byte, not yet finalised.
fn keyed(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    let mut m = HmacSha256::new_from_slice(key).expect("any key length");
    for p in parts {
        m.update(p);
        m.update(&[0]);
    }
    m
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    keyed(key, parts).finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    s.len()
        .is_multiple_of(2)
        .then(|| {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
                .collect()
        })
        .flatten()
}

/// A new form token: a random nonce and the time, signed.
fn new_token(key: &[u8]) -> String {
    let nonce = uuid::Uuid::new_v4();
    let issued = chrono::Utc::now().timestamp().to_string();
    let sig = mac(key, &[b"public form", nonce.as_bytes(), issued.as_bytes()]);
    format!("{}.{issued}.{}", hex(nonce.as_bytes()), hex(&sig))
}

/// Why a form token is not taken.
enum TokenProblem {
    /// Forged, cut or from another server key: a new form.
    Invalid,
    TooQuick,
    Expired,
}

/// The seed a valid token files with (the receipt code and the sender's
/// id come from it).
fn check_token(key: &[u8], token: &str) -> Result<[u8; 32], TokenProblem> {
    let mut parts = token.split('.');
    let (Some(nonce), Some(issued), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenProblem::Invalid);
    };
    let (Some(nonce), Some(sig)) = (unhex(nonce), unhex(sig)) else {
        return Err(TokenProblem::Invalid);
    };
    let m = keyed(key, &[b"public form", &nonce, issued.as_bytes()]);
    // Compared in constant time.
    if nonce.len() != 16 || m.verify_slice(&sig).is_err() {
        return Err(TokenProblem::Invalid);
    }
    let issued: i64 = issued.parse().map_err(|_| TokenProblem::Invalid)?;
    let age = chrono::Utc::now().timestamp() - issued;
    if age < MIN_FORM_AGE.as_secs().cast_signed() {
        return Err(TokenProblem::TooQuick);
    }
    if age > MAX_FORM_AGE.as_secs().cast_signed() {
        return Err(TokenProblem::Expired);
    }
    Ok(mac(key, &[b"receipt seed", &nonce]))
}

/// Whom the limits count: a digest of the address (the last one a trusted
/// proxy put in `X-Forwarded-For`, when the server is told to trust it),
/// never stored.
fn caller(app: &WebConfig, peer: &Peer, headers: &HeaderMap) -> String {
    let forwarded = app
        .trust_forwarded_for
        .then(|| headers.get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.trim().to_owned());
    let address = forwarded
        .or_else(|| peer.0.map(|a| a.ip().to_string()))
        .unwrap_or_default();
    hex(&Sha256::digest(address.as_bytes())[..16])
}

// ---------------------------------------------------------------- pages

/// A request to a public page: answered 404 before the handler runs
/// unless the server offers the public form.
struct Offered(Ctx);

impl FromRequestParts<App> for Offered {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        let ctx = ctx(app, &parts.headers);
        if app.public_form {
            Ok(Offered(ctx))
        } else {
            Err(ctx.error(StatusCode::NOT_FOUND, ctx.t.error_no_such_page))
        }
    }
}

#[derive(Template)]
#[template(path = "public_index.html")]
struct IndexPage {
    c: Chrome,
    p: &'static PublicText,
    /// (path, heading) of each public form.
    forms: Vec<(String, String)>,
}

async fn index(State(app): State<App>, Offered(ctx): Offered) -> Response {
    let forms = app
        .app
        .public_forms()
        .iter()
        .filter_map(|d| {
            let public = d.public.as_ref()?;
            Some((
                format!("/anonym/{}", d.name()),
                label(&public.title, ctx.lang),
            ))
        })
        .collect();
    let page = IndexPage {
        c: ctx.chrome("/anonym"),
        p: ctx.lang.public(),
        forms,
    };
    ctx.page(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "public_form.html")]
struct FormPage {
    c: Chrome,
    p: &'static PublicText,
    title: String,
    intro: String,
    action: String,
    token: String,
    /// (code, name, selected).
    units: Vec<(String, String, bool)>,
    unit_error: Option<String>,
    /// (lagrum, the sender's words, selected); empty with one lagrum.
    lagrum: Vec<(String, String, bool)>,
    lagrum_error: Option<String>,
    fields: Vec<FieldView>,
    form_error: bool,
    summary: Vec<(String, String)>,
    general_error: Option<String>,
}

/// What the form of `workflow` is made of.
struct Spec {
    workflow: String,
    intake: varna_workflow::definition::PublicIntake,
    defs: Definitions,
    /// (field, required), in the form's order.
    fields: Vec<(String, bool)>,
    units: Vec<(String, String)>,
}

async fn spec(app: &WebConfig, ctx: &Ctx, workflow: &str) -> Result<Spec, AppError> {
    let (def, intake) = app.app.public_form(workflow)?;
    let mut defs = Definitions::of(&def, ctx.lang);
    for (name, words) in &intake.labels {
        if let Some(f) = defs.fields.get_mut(name) {
            f.label = label(words, ctx.lang);
        }
    }
    let required = |name: &String| {
        def.filing
            .requires
            .iter()
            .any(|r| matches!(r, varna_workflow::definition::Requirement::Field(f) if f == name))
    };
    let fields = intake
        .asks
        .iter()
        .map(|n| (n.clone(), required(n)))
        .collect();
    Ok(Spec {
        workflow: workflow.to_owned(),
        units: app.app.public_units().await?,
        intake,
        defs,
        fields,
    })
}

fn form_page_of(
    ctx: &Ctx,
    spec: &Spec,
    values: &BTreeMap<String, String>,
    errors: &[AppError],
    token: String,
) -> FormPage {
    let (mut at_field, general) = form::place_errors(errors, ctx.t, &spec.defs);
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let fields = form::controls(&spec.defs, &spec.fields, "f-", values, &at_field, ctx.lang);
    let p = ctx.lang.public();
    let mut summary = Vec::new();
    for (id, words, error) in [
        ("unit", p.unit_question, at_field.get("unit")),
        ("lagrum", p.lagrum_question, at_field.get("lagrum")),
    ] {
        if let Some(e) = error {
            summary.push((id.to_owned(), format!("{words}: {e}")));
        }
    }
    for f in &fields {
        if let Some(e) = &f.error {
            summary.push((f.id.clone(), format!("{}: {e}", f.label)));
        }
        at_field.remove(&f.name);
    }
    let unit = get("unit");
    let lagrum = get("lagrum");
    FormPage {
        c: ctx.chrome(&format!("/anonym/{}", spec.workflow)),
        p,
        title: label(&spec.intake.title, ctx.lang),
        intro: label(&spec.intake.intro, ctx.lang),
        action: format!("/anonym/{}", spec.workflow),
        token,
        units: spec
            .units
            .iter()
            .map(|(id, name)| (id.clone(), name.clone(), *id == unit))
            .collect(),
        unit_error: at_field.remove("unit"),
        lagrum: spec
            .intake
            .lagrum
            .iter()
            .map(|(l, words)| {
                (
                    l.as_str().to_owned(),
                    label(words, ctx.lang),
                    l.as_str() == lagrum,
                )
            })
            .collect(),
        lagrum_error: at_field.remove("lagrum"),
        fields,
        form_error: !errors.is_empty(),
        summary,
        general_error: general.or_else(|| at_field.into_values().next()),
    }
}

async fn form_page(
    State(app): State<App>,
    Offered(ctx): Offered,
    Path(workflow): Path<String>,
) -> Response {
    let spec = match spec(&app, &ctx, &workflow).await {
        Ok(s) => s,
        Err(e) => return super::refused(&ctx, &e),
    };
    let page = form_page_of(
        &ctx,
        &spec,
        &BTreeMap::new(),
        &[],
        new_token(&app.session_key),
    );
    ctx.page(StatusCode::OK, &page)
}

async fn submit(
    State(app): State<App>,
    Offered(ctx): Offered,
    peer: Peer,
    headers: HeaderMap,
    Path(workflow): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let values: BTreeMap<String, String> = posted.into_iter().collect();
    if let Some(refusal) = ctx.csrf_refusal(values.get("csrf").map_or("", String::as_str)) {
        return refusal;
    }
    let spec = match spec(&app, &ctx, &workflow).await {
        Ok(s) => s,
        Err(e) => return super::refused(&ctx, &e),
    };
    let token = values.get("form_token").cloned().unwrap_or_default();
    let p = ctx.lang.public();
    let again = |message: &str, status: StatusCode, token: String| {
        let mut page = form_page_of(&ctx, &spec, &values, &[], token);
        page.form_error = true;
        page.general_error = Some(message.to_owned());
        ctx.page(status, &page)
    };
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let names: Vec<String> = spec.fields.iter().map(|(n, _)| n.clone()).collect();
    let filing = PublicFiling {
        workflow: workflow.clone(),
        lagrum: get("lagrum").parse::<Lagrum>().ok(),
        unit: get("unit"),
        answers: form::typed_fields(&spec.defs, &names, &values),
        seed: [0; 32],
    };
    let problems = match app.app.public_problems(&filing).await {
        Ok(p) => p,
        Err(e) => return super::refused(&ctx, &e),
    };
    if !problems.is_empty() {
        let page = form_page_of(&ctx, &spec, &values, &problems, token);
        return ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let seed = match check_token(&app.session_key, &token) {
        Ok(seed) => seed,
        Err(TokenProblem::TooQuick) => {
            return again(p.form_too_quick, StatusCode::UNPROCESSABLE_ENTITY, token);
        }
        Err(TokenProblem::Expired | TokenProblem::Invalid) => {
            let fresh = new_token(&app.session_key);
            return again(p.form_expired, StatusCode::UNPROCESSABLE_ENTITY, fresh);
        }
    };
    // The form passed; the token decides whether it files now.
    let filing = PublicFiling { seed, ..filing };
    match app
        .app
        .file_publicly(filing, &caller(&app, &peer, &headers))
        .await
    {
        Ok(receipt) => {
            let page = ReceiptPage {
                c: ctx.chrome(&format!("/anonym/{workflow}")),
                p,
                told: label(&spec.intake.receipt, ctx.lang),
                code: receipt.code.grouped(),
            };
            ctx.page(StatusCode::OK, &page)
        }
        Err(e) if e.code == Code::RateLimited => {
            again(p.too_many, StatusCode::TOO_MANY_REQUESTS, token)
        }
        Err(e) => {
            let page = form_page_of(&ctx, &spec, &values, &[e], token);
            ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "public_receipt.html")]
struct ReceiptPage {
    c: Chrome,
    p: &'static PublicText,
    told: String,
    code: String,
}

#[derive(Template)]
#[template(path = "public_follow.html")]
struct FollowPage {
    c: Chrome,
    p: &'static PublicText,
    error: Option<String>,
}

async fn follow_page(Offered(ctx): Offered) -> Response {
    let page = FollowPage {
        c: ctx.chrome("/anonym/folj"),
        p: ctx.lang.public(),
        error: None,
    };
    ctx.page(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "public_case.html")]
struct CasePage {
    c: Chrome,
    p: &'static PublicText,
    kind: String,
    state: String,
    filed: super::When,
    /// (by the sender, what, when, text).
    entries: Vec<(bool, String, super::When, String)>,
    may_add: bool,
    /// Something from the organisation is among the entries.
    answered: bool,
    /// The code, for the form that adds to the case (posted, never in a URL).
    code: String,
    add_error: Option<String>,
}

fn case_page(ctx: &Ctx, code: &str, case: PublicCase) -> CasePage {
    CasePage {
        answered: case.entries.iter().any(|e| !e.by_sender),
        c: ctx.chrome("/anonym/folj"),
        p: ctx.lang.public(),
        kind: label(&case.kind, ctx.lang),
        state: label(&case.state, ctx.lang),
        filed: local_time(case.filed_at),
        entries: case
            .entries
            .into_iter()
            .map(|e| {
                (
                    e.by_sender,
                    label(&e.label, ctx.lang),
                    local_time(e.at),
                    e.text,
                )
            })
            .collect(),
        may_add: case.may_add,
        code: code.trim().to_owned(),
        add_error: None,
    }
}

/// The follow page again, with why the code opened nothing (the same
/// words whether it never existed or was mistyped).
fn refused_code(ctx: &Ctx, e: &AppError) -> Response {
    let p = ctx.lang.public();
    let (status, message) = match e.code {
        Code::RateLimited => (StatusCode::TOO_MANY_REQUESTS, p.too_many),
        Code::NotFound => (StatusCode::NOT_FOUND, p.wrong_code),
        _ => return super::refused(ctx, e),
    };
    let page = FollowPage {
        c: ctx.chrome("/anonym/folj"),
        p,
        error: Some(message.to_owned()),
    };
    ctx.page(status, &page)
}

async fn follow(
    State(app): State<App>,
    Offered(ctx): Offered,
    peer: Peer,
    headers: HeaderMap,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    if let Some(refusal) = ctx.csrf_refusal(posted.get("csrf").map_or("", String::as_str)) {
        return refusal;
    }
    let code = posted.get("code").cloned().unwrap_or_default();
    match app.app.follow(&code, &caller(&app, &peer, &headers)).await {
        Ok(case) => ctx.page(StatusCode::OK, &case_page(&ctx, &code, case)),
        Err(e) => refused_code(&ctx, &e),
    }
}

async fn add(
    State(app): State<App>,
    Offered(ctx): Offered,
    peer: Peer,
    headers: HeaderMap,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    if let Some(refusal) = ctx.csrf_refusal(posted.get("csrf").map_or("", String::as_str)) {
        return refusal;
    }
    let code = posted.get("code").cloned().unwrap_or_default();
    let text = posted.get("text").cloned().unwrap_or_default();
    let who = caller(&app, &peer, &headers);
    match app.app.sender_adds(&code, &text, &who).await {
        Ok(case) => {
            let mut page = case_page(&ctx, &code, case);
            page.c.notice = Some(ctx.lang.public().added.to_owned());
            ctx.page(StatusCode::OK, &page)
        }
        // Nothing written, or too much: the case again with the problem.
        Err(e) if matches!(e.code, Code::InvalidInput | Code::GuardFailed) => {
            match app.app.follow(&code, &who).await {
                Ok(case) => {
                    let mut page = case_page(&ctx, &code, case);
                    page.add_error = Some(
                        if e.code == Code::InvalidInput {
                            crate::text::problem(ctx.t, e.detail.problem)
                        } else {
                            ctx.t.error_required
                        }
                        .to_owned(),
                    );
                    ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page)
                }
                Err(e) => refused_code(&ctx, &e),
            }
        }
        Err(e) => refused_code(&ctx, &e),
    }
}
