//! The pages. Each handler reads the cookies into a [`Ctx`], calls the
//! application layer as the signed-in person (`varna_app::Session`) and
//! renders a template from its typed views. Forms post back with a
//! CSRF token; a form with errors is shown again with the typed text kept
//! and each problem next to its field.

mod admin;
mod audit;
mod case;
mod drafts;
mod file;
mod notices;
mod public;
mod search;
mod work;

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use varna_workflow::Role;

use crate::WebConfig;
use crate::session::{self, CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE, Session};
use crate::text::{Lang, Text};
use varna_app::{AppError, Code};

type App = Arc<WebConfig>;

pub(crate) fn routes(app: App) -> Router {
    use file::{file_form, file_form_of, file_submit, file_submit_of, receipt};
    Router::new()
        .route("/", get(work::my_work))
        .route("/signin", get(sign_in_page).post(sign_in))
        .route("/signout", post(sign_out))
        .route("/auth/start", get(oidc_start))
        .route("/auth/callback", get(oidc_callback))
        .route("/language", post(language))
        .route("/cases/new", get(file_form).post(file_submit))
        .route(
            "/cases/new/{workflow}",
            get(file_form_of).post(file_submit_of),
        )
        .route("/cases", get(search::search))
        .route("/notifications", get(notices::notices))
        .route(
            "/admin/units",
            get(admin::units_page).post(admin::units_change),
        )
        .route("/report", get(search::report_page))
        .route(
            "/audit/access",
            get(audit::access_page).post(audit::access_search),
        )
        .route(
            "/audit/review",
            get(audit::review_page).post(audit::review_record),
        )
        .route("/audit/review.csv", get(audit::review_csv))
        .route("/report/{file}", get(search::report_file))
        .route("/cases/{id}", get(case::case_page))
        .route("/cases/{id}/act", post(case::act))
        .route("/cases/{id}/journal", post(case::add_entry))
        .route("/cases/{id}/duplicate", post(case::mark_duplicate))
        .route("/cases/{id}/assign", post(case::assign))
        .route("/cases/{id}/disclose", post(case::disclose))
        .route("/cases/{id}/receipt", get(receipt))
        .route(
            "/cases/{id}/documents/{document}",
            get(case::documents::download),
        )
        .route(
            "/cases/{id}/attachments",
            post(case::attachments::upload).layer(axum::extract::DefaultBodyLimit::max(
                varna_app::MAX_ATTACHMENT_BYTES + 1024 * 1024,
            )),
        )
        .route(
            "/cases/{id}/attachments/{attachment}",
            get(case::attachments::download),
        )
        .merge(public::routes())
        .route("/static/varna.css", get(css))
        .fallback(no_such_page)
        .with_state(app)
}

/// What every page knows about the request.
struct Ctx {
    lang: Lang,
    t: &'static Text,
    session: Option<Session>,
    /// The token forms must carry: the session's when signed in, else the
    /// `varna_csrf` cookie's.
    csrf: String,
    /// The CSRF cookie's token (for signed-out forms).
    cookie_csrf: String,
    /// The CSRF cookie is new and must be set on the response.
    new_csrf: bool,
    /// The request came from a page of this site (`Origin`, else `Referer`).
    same_origin: bool,
    secure: bool,
    /// The filing forms the signed-in person may use: (path, menu words).
    filings: Vec<(String, String)>,
}

/// What the page frame shows.
pub(crate) struct Chrome {
    t: &'static Text,
    lang: &'static str,
    csrf: String,
    me: Option<Me>,
    /// The filing forms in the menu: (path, words).
    filings: Vec<(String, String)>,
    /// The current path, for the language switch to return to.
    here: String,
    /// A message at the top of the page (e.g. the case moved on meanwhile).
    notice: Option<String>,
}

pub(crate) struct Me {
    name: String,
    role: String,
    /// May read the quality report (auditor, SAS, MAS, committee).
    reports: bool,
    /// May search the access log (the auditor).
    audits: bool,
    /// Sees the organisation page (admin, auditor).
    organisation: bool,
}

fn ctx(app: &WebConfig, headers: &HeaderMap) -> Ctx {
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let lang = Lang::from_cookie(session::cookie(cookies, LANG_COOKIE));
    let session = session::cookie(cookies, SESSION_COOKIE)
        .and_then(|v| session::open(&app.session_key, v))
        .filter(|s| {
            !app.revocations
                .is_revoked(&s.principal.user_id, Some(&s.id), s.issued_at)
        });
    let (cookie_csrf, new_csrf) = match session::cookie(cookies, CSRF_COOKIE) {
        Some(c) if c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()) => {
            (c.to_owned(), false)
        }
        _ => (session::new_csrf_token(), true),
    };
    let filings = session
        .as_ref()
        .map(|s| file::menu(app, s.principal.role, lang))
        .unwrap_or_default();
    Ctx {
        filings,
        lang,
        t: lang.text(),
        csrf: session
            .as_ref()
            .map_or_else(|| cookie_csrf.clone(), |s| s.csrf.clone()),
        session,
        cookie_csrf,
        new_csrf,
        same_origin: same_origin(headers),
        secure: app.secure_cookies,
    }
}

/// Whether a request comes from a page of this site: its `Origin` (or,
/// without one, its `Referer`) names the host the request was sent to
/// (`Host`, or `X-Forwarded-Host` behind a proxy). Browsers send `Origin`
/// with every form post; a request with neither is refused.
fn same_origin(headers: &HeaderMap) -> bool {
    let value = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(source) = value(header::ORIGIN).or_else(|| value(header::REFERER)) else {
        return false;
    };
    let Ok(source) = reqwest::Url::parse(source) else {
        return false;
    };
    let Some(host) = source.host_str() else {
        return false;
    };
    let source_host = match source.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    let forwarded = headers
        .get("x-forwarded-host")
        .and_then(|v| v.to_str().ok());
    [value(header::HOST), forwarded]
        .into_iter()
        .flatten()
        .any(|target| target.eq_ignore_ascii_case(&source_host))
}

impl Ctx {
    /// The signed-in person (the handlers that call this took [`SignedIn`]
    /// or [`PostedForm`], which guarantee one).
    fn me(&self) -> &Session {
        self.session
            .as_ref()
            .expect("a handler behind SignedIn or PostedForm")
    }

    /// Who the signed-in person is to the application layer.
    fn principal(&self) -> &varna_app::Principal {
        &self.me().principal
    }

    fn chrome(&self, here: &str) -> Chrome {
        Chrome {
            t: self.t,
            lang: self.lang.code(),
            csrf: self.csrf.clone(),
            me: self.session.as_ref().map(|s| Me {
                name: s.name.clone(),
                role: role_label(s.principal.role, self.lang).to_owned(),
                reports: varna_app::policy::reads_report(&s.principal),
                audits: varna_app::policy::sees_audit(&s.principal),
                organisation: matches!(s.principal.role, Role::Admin | Role::Auditor),
            }),
            filings: self.filings.clone(),
            here: here.to_owned(),
            notice: None,
        }
    }

    fn csrf_cookie(&self) -> Option<String> {
        self.new_csrf
            .then(|| session::set_cookie(CSRF_COOKIE, &self.cookie_csrf, 12 * 3600, self.secure))
    }

    /// A rendered page with the headers every page carries: no caching (it
    /// may show personal data), no framing, no sniffing, and no referrer
    /// to other sites (`same-origin`: under `no-referrer` a browser sends
    /// its form posts with `Origin: null`, which the CSRF check refuses).
    fn page(&self, status: StatusCode, template: &impl Template) -> Response {
        match template.render() {
            Ok(html) => {
                let mut response = (status, axum::response::Html(html)).into_response();
                let h = response.headers_mut();
                private(
                    h,
                    "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
                );
                h.insert(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("same-origin"),
                );
                if let Some(c) = self.csrf_cookie() {
                    h.append(
                        header::SET_COOKIE,
                        HeaderValue::from_str(&c).expect("ASCII"),
                    );
                }
                response
            }
            Err(e) => {
                tracing::error!(error = %e, "a page template failed to render");
                (StatusCode::INTERNAL_SERVER_ERROR, self.t.error_internal).into_response()
            }
        }
    }

    fn error(&self, status: StatusCode, message: &str) -> Response {
        self.page(
            status,
            &ErrorPage {
                c: self.chrome("/"),
                message: message.to_owned(),
            },
        )
    }

    /// The refusal of a form from another site, or whose token is not
    /// the session's (signed in) or the cookie's (signed out).
    fn csrf_refusal(&self, submitted: &str) -> Option<Response> {
        let token_ok = match &self.session {
            Some(s) => session::csrf_ok(Some(&s.csrf), submitted),
            None => !self.new_csrf && session::csrf_ok(Some(&self.cookie_csrf), submitted),
        };
        if self.same_origin && token_ok {
            None
        } else {
            tracing::info!(
                same_origin = self.same_origin,
                "a form was refused: not from this site, or its CSRF token did not match"
            );
            Some(self.error(StatusCode::FORBIDDEN, self.t.error_csrf))
        }
    }
}

/// Headers for a response that may show personal data: never cached or
/// sniffed, and restricted by `csp`.
fn private(h: &mut HeaderMap, csp: &'static str) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
}

/// For signed-out people: the redirect to the sign-in page.
fn signed_out(ctx: &Ctx) -> Option<Response> {
    ctx.session.is_none().then(|| {
        see_other(
            "/signin",
            &ctx.csrf_cookie().into_iter().collect::<Vec<_>>(),
        )
    })
}

/// A request from a signed-in person; signed-out people are answered with
/// the redirect to the sign-in page before the handler runs.
struct SignedIn(Ctx);

impl FromRequestParts<App> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Response> {
        let ctx = ctx(app, &parts.headers);
        match signed_out(&ctx) {
            Some(redirect) => Err(redirect),
            None => Ok(SignedIn(ctx)),
        }
    }
}

/// A form posted by a signed-in person with the right CSRF token: the
/// context and the fields. A wrong token is refused (403) and a signed-out
/// person sent to sign in, before the handler runs.
struct PostedForm {
    ctx: Ctx,
    values: BTreeMap<String, String>,
}

impl FromRequest<App> for PostedForm {
    type Rejection = Response;

    async fn from_request(request: Request, app: &App) -> Result<Self, Response> {
        let ctx = ctx(app, request.headers());
        let action = request.uri().path().to_owned();
        let owner_cookie = request
            .headers()
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|c| session::cookie(c, session::DRAFT_COOKIE))
            .map(str::to_owned);
        let Form(fields) = Form::<Vec<(String, String)>>::from_request(request, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let values: BTreeMap<String, String> = fields.into_iter().collect();
        let csrf = values.get("csrf").map_or("", String::as_str);
        if let Some(kept) = drafts::keep(app, &ctx, action, owner_cookie.as_deref(), &values).await
        {
            return Err(kept);
        }
        if let Some(refusal) = ctx.csrf_refusal(csrf) {
            return Err(refusal);
        }
        if let Some(redirect) = signed_out(&ctx) {
            return Err(redirect);
        }
        Ok(PostedForm { ctx, values })
    }
}

/// The case number people read and quote: the id's last eight hex digits,
/// in capitals. Case ids are UUIDv7, whose leading digits are a timestamp
/// shared by cases filed close together; the trailing ones are random. The
/// full id is in the case page's URL and title.
fn short_id(id: &str) -> String {
    let hex: Vec<char> = id.chars().filter(char::is_ascii_hexdigit).collect();
    hex[hex.len().saturating_sub(8)..]
        .iter()
        .collect::<String>()
        .to_uppercase()
}

/// A moment as a page shows it: on Swedish clocks for people
/// (`2026-11-23 10:00`, summer time included), and the instant itself for
/// machines (`<time datetime="2026-11-23T09:00:00Z">`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct When {
    /// The instant, RFC 3339 in UTC.
    pub(crate) utc: String,
    text: String,
}

impl std::fmt::Display for When {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A time as people here read it, on Swedish clocks: `2026-11-23 10:00`.
fn local_time(t: chrono::DateTime<chrono::Utc>) -> When {
    When {
        utc: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        text: varna_workflow::local::local(t)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
    }
}

/// A case id from a URL, or `None` (the page answers 404).
fn case_id(id: &str) -> Option<varna_app::CaseId> {
    varna_app::CaseId::parse(id)
}

fn see_other(to: &str, cookies: &[String]) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response();
    for c in cookies {
        response
            .headers_mut()
            .append(header::SET_COOKIE, HeaderValue::from_str(c).expect("ASCII"));
    }
    response
}

fn role_label(role: Role, lang: Lang) -> &'static str {
    let (sv, en) = match role {
        Role::Reporter => ("medarbetare", "staff member"),
        Role::UnitManager => ("enhetschef", "unit manager"),
        Role::OperationsManager => ("verksamhetschef", "operations manager"),
        Role::Sas => ("SAS", "SAS"),
        Role::Mas => ("MAS", "MAS"),
        Role::Mar => ("MAR", "MAR"),
        Role::Committee => ("nämnd", "committee"),
        Role::Auditor => ("granskare", "auditor"),
        Role::Admin => ("systemförvaltare", "administrator"),
        Role::System => ("Varna", "Varna"),
        Role::Sender => ("anonym avsändare", "anonymous sender"),
    };
    match lang {
        Lang::Sv => sv,
        Lang::En => en,
    }
}

/// A page's own read failed: not found or not allowed (both look the same,
/// so a case's existence is not revealed), or an internal error.
fn refused(ctx: &Ctx, e: &AppError) -> Response {
    if matches!(e.code, Code::Forbidden | Code::NotFound) {
        ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found)
    } else {
        tracing::error!(code = e.code.as_str(), "a page's read failed");
        ctx.error(StatusCode::INTERNAL_SERVER_ERROR, ctx.t.error_internal)
    }
}

// ---------------------------------------------------------------- sign-in

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    c: Chrome,
    people: Vec<PersonView>,
    /// Sign-in through the municipality's provider is configured.
    oidc: bool,
    /// The link to the public form, when it is offered (for those without an account).
    public_link: Option<String>,
}

struct PersonView {
    user_id: String,
    name: String,
    title: String,
    role: String,
    units: String,
}

/// The address the request came from, when the server knows it.
struct Peer(Option<std::net::SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}

/// Demo sign-in (no password) serves only this machine: a loopback peer
/// that no proxy forwarded for someone else.
fn demo_reachable(peer: &Peer, headers: &HeaderMap) -> bool {
    peer.0.is_some_and(|a| a.ip().is_loopback())
        && !headers.contains_key("x-forwarded-for")
        && !headers.contains_key(header::FORWARDED)
}

/// `?draft=1`: sent here with a form's text kept.
#[derive(Deserialize, Default)]
struct SignInQuery {
    #[serde(default)]
    draft: Option<String>,
}

async fn sign_in_page(
    State(app): State<App>,
    peer: Peer,
    headers: HeaderMap,
    Query(query): Query<SignInQuery>,
) -> Response {
    let ctx = ctx(&app, &headers);
    let demo = demo_reachable(&peer, &headers);
    let people = app
        .demo_people
        .iter()
        .filter(|_| demo)
        .map(|p| PersonView {
            user_id: p.user_id.clone(),
            name: p.name.clone(),
            title: p.title.clone(),
            role: role_label(p.role, ctx.lang).to_owned(),
            units: p.units.join(", "),
        })
        .collect();
    ctx.page(
        StatusCode::OK,
        &SignInPage {
            c: Chrome {
                notice: query.draft.is_some().then(|| ctx.t.draft_kept.to_owned()),
                ..ctx.chrome("/signin")
            },
            people,
            oidc: app.oidc.is_some(),
            public_link: app
                .public_form
                .then(|| ctx.lang.public().sign_in_link.to_owned()),
        },
    )
}

#[derive(Deserialize)]
struct SignInForm {
    csrf: String,
    user: String,
}

async fn sign_in(
    State(app): State<App>,
    peer: Peer,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let ctx = ctx(&app, &headers);
    if let Some(r) = ctx.csrf_refusal(&form.csrf) {
        return r;
    }
    if !demo_reachable(&peer, &headers) {
        tracing::warn!("a demo sign-in from another machine was refused");
        return ctx.error(StatusCode::FORBIDDEN, ctx.t.error_forbidden);
    }
    let Some(person) = app.demo_people.iter().find(|p| p.user_id == form.user) else {
        return ctx.error(StatusCode::FORBIDDEN, ctx.t.error_forbidden);
    };
    let session = Session::new(
        varna_app::Principal {
            user_id: person.user_id.clone(),
            role: person.role,
            units: person
                .units
                .iter()
                .map(varna_workflow::UnitId::new)
                .collect(),
        },
        person.name.clone(),
        person.title.clone(),
        chrono::Utc::now(),
    );
    tracing::info!(user = %person.user_id, role = person.role.as_str(), "signed in (demo)");
    let next = drafts::after_sign_in(&app, &person.user_id).await;
    see_other(&next, &drafts::sign_in_cookies(&app, &session))
}

/// Sends the browser to the provider, with the flow cookie.
async fn oidc_start(State(app): State<App>, headers: HeaderMap) -> Response {
    let ctx = ctx(&app, &headers);
    let Some(oidc) = &app.oidc else {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.sign_in_not_configured);
    };
    let (url, flow) = oidc.start(&app.session_key, chrono::Utc::now());
    see_other(
        &url,
        &[crate::oidc::flow_cookie(&flow, false, app.secure_cookies)],
    )
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "signed_in.html")]
struct SignedInPage {
    c: Chrome,
    /// Where to go on: the page of a kept draft, or my work.
    next: String,
}

/// The provider's redirect back: a signed-in person, or a clear refusal.
async fn oidc_callback(
    State(app): State<App>,
    headers: HeaderMap,
    Query(back): Query<Callback>,
) -> Response {
    let ctx = ctx(&app, &headers);
    let Some(oidc) = &app.oidc else {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.sign_in_not_configured);
    };
    let cookies = headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let flow = session::cookie(cookies, crate::oidc::FLOW_COOKIE);
    let result = match (&back.error, &back.code, &back.state) {
        (Some(error), _, _) => Err(crate::oidc::OidcError::Provider(error.clone())),
        (None, Some(code), Some(state)) => oidc.finish(&app.session_key, flow, state, code).await,
        _ => Err(crate::oidc::OidcError::State),
    };
    let clear_flow = crate::oidc::flow_cookie("", true, app.secure_cookies);
    match result {
        Ok((principal, name)) => {
            tracing::info!(user = %principal.user_id, role = principal.role.as_str(), "signed in (OpenID Connect)");
            let name = name.unwrap_or_else(|| principal.user_id.clone());
            let session = Session::new(principal, name, String::new(), chrono::Utc::now());
            let next = drafts::after_sign_in(&app, &session.principal.user_id).await;
            let cookies = drafts::sign_in_cookies(&app, &session);
            let mut ctx = ctx;
            ctx.session = Some(session);
            // A page, not a redirect: the session cookie is SameSite=Strict,
            // and a redirect chain begun at the provider counts as cross-site.
            let mut response = ctx.page(
                StatusCode::OK,
                &SignedInPage {
                    c: ctx.chrome("/"),
                    next,
                },
            );
            for c in cookies.into_iter().chain([clear_flow]) {
                response.headers_mut().append(
                    header::SET_COOKIE,
                    HeaderValue::from_str(&c).expect("ASCII"),
                );
            }
            response
        }
        Err(e) => {
            tracing::warn!(error = %e, "an OpenID Connect sign-in failed");
            let message = match e {
                crate::oidc::OidcError::State => ctx.t.error_sign_in_state,
                _ => ctx.t.error_sign_in_failed,
            };
            let mut response = ctx.error(StatusCode::FORBIDDEN, message);
            response.headers_mut().append(
                header::SET_COOKIE,
                HeaderValue::from_str(&clear_flow).expect("ASCII"),
            );
            response
        }
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    csrf: String,
}

async fn sign_out(
    State(app): State<App>,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let ctx = ctx(&app, &headers);
    if let Some(r) = ctx.csrf_refusal(&form.csrf) {
        return r;
    }
    // Ended on the server too: a copy of the cookie no longer signs in,
    // on any server of the database.
    if let Some(s) = &ctx.session {
        if let Err(e) = app.revocations.revoke_session(&s.id, s.expires_at()).await {
            tracing::error!(error = %e, "signing out could not be recorded");
            return ctx.error(StatusCode::INTERNAL_SERVER_ERROR, ctx.t.error_internal);
        }
        tracing::info!(user = %s.principal.user_id, "signed out");
    }
    see_other(
        "/signin",
        &[session::set_cookie(
            SESSION_COOKIE,
            "",
            0,
            app.secure_cookies,
        )],
    )
}

#[derive(Deserialize)]
struct LanguageForm {
    csrf: String,
    lang: String,
    back: String,
}

async fn language(
    State(app): State<App>,
    headers: HeaderMap,
    Form(form): Form<LanguageForm>,
) -> Response {
    let ctx = ctx(&app, &headers);
    if let Some(r) = ctx.csrf_refusal(&form.csrf) {
        return r;
    }
    let lang = Lang::from_cookie(Some(&form.lang));
    let back = local_path(&form.back).unwrap_or("/");
    see_other(
        back,
        &[session::set_cookie(
            LANG_COOKIE,
            lang.code(),
            365 * 24 * 3600,
            app.secure_cookies,
        )],
    )
}

/// `back` when it is a path of this site and nothing else: it starts with
/// one `/`, and has no backslash, no white space and no control character
/// (a browser drops tabs and newlines, so `/\t/evil.example` would become
/// `//evil.example`, another site).
fn local_path(back: &str) -> Option<&str> {
    let mut chars = back.chars();
    let ok = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !back
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    ok.then_some(back)
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    message: String,
}

/// Any other address: Varna's own page saying there is no such page (not
/// the browser's bare 404), in the reader's language.
async fn no_such_page(State(app): State<App>, headers: HeaderMap) -> Response {
    let ctx = ctx(&app, &headers);
    ctx.error(StatusCode::NOT_FOUND, ctx.t.error_no_such_page)
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/varna.css"),
    )
        .into_response()
}
