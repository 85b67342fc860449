//! Varna's web interface: server-rendered HTML for the people who file and
//! work cases, served by `varna serve` beside the GraphQL API.
//!
//! Architecture invariant: every page reads and writes through the
//! application layer (`varna_app::Session`, with the signed-in person as
//! principal), never through the store, so every rule, access check and
//! access-log entry of the API applies unchanged — because the API calls
//! the same `Session`. Templates are compiled into the binary (askama); no
//! personal data goes into a URL.
//!
//! - [`session`]: the signed session cookie and the CSRF token.
//! - [`text`]: the interface's words in Swedish and English.
//! - `pages`: the handlers; `form`: forms built from the lifecycles.
#![forbid(unsafe_code)]

mod form;
pub mod oidc;
mod pages;
pub mod session;
pub mod text;

use std::sync::Arc;

use axum::Router;
use varna_workflow::Role;

/// Someone one may sign in as on a demo installation.
#[derive(Debug, Clone)]
pub struct DemoPerson {
    /// User id (the token subject).
    pub user_id: String,
    /// Display name (made up for the demo).
    pub name: String,
    /// Job title.
    pub title: String,
    /// The role they act in.
    pub role: Role,
    /// Their units.
    pub units: Vec<String>,
}

/// What the web interface needs.
pub struct WebConfig {
    /// The application layer every page goes through (shared with the API).
    pub app: Arc<varna_app::App>,
    /// Signs session cookies (HS256); at least 32 bytes. A new random key
    /// at every start signs everyone out on restart, which is acceptable.
    pub session_key: Vec<u8>,
    /// On a demo installation: the people listed on the sign-in page.
    /// Empty otherwise (then sign-in goes through OpenID Connect).
    pub demo_people: Vec<DemoPerson>,
    /// Mark cookies `Secure` (Varna is reached over HTTPS, e.g. behind a
    /// TLS-terminating proxy).
    pub secure_cookies: bool,
    /// Sign-in through the municipality's OpenID Connect provider.
    pub oidc: Option<oidc::Oidc>,
    /// Ended sign-ins: a signed-out session is refused on every server.
    pub revocations: Arc<varna_api::auth::Revocations>,
    /// Offer the public form at `/anonym` (no sign-in): the lifecycles
    /// with a `[public]` table, and following a case with a receipt code.
    pub public_form: bool,
    /// Count the public form's limits by the last address in
    /// `X-Forwarded-For` (set this only behind a proxy that writes it).
    pub trust_forwarded_for: bool,
}

impl std::fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebConfig")
            .field("demo_people", &self.demo_people.len())
            .field("secure_cookies", &self.secure_cookies)
            .field("oidc", &self.oidc)
            .field("public_form", &self.public_form)
            .finish_non_exhaustive()
    }
}

/// The pages, to be merged with the API's router.
pub fn router(config: WebConfig) -> Router {
    varna_api::harden(pages::routes(Arc::new(config)))
}
