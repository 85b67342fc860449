//! Work kept across a sign-in that ended: a filing or case-page form
//! posted after the session ran out (or was ended elsewhere) is kept as
//! the person's draft — the `varna_draft` cookie names them, and the form
//! must carry that sign-in's CSRF token — and signing in again leads back
//! to the form.

use std::collections::BTreeMap;

use axum::response::Response;

use super::{Ctx, case_id, local_path, refused, see_other};
use crate::WebConfig;
use crate::session::{self, SESSION_COOKIE, Session};

/// Keeps a form posted by someone signed out as their draft, when it is a
/// form whose text is kept and the draft cookie names them with this
/// form's token: the redirect to the sign-in page that says so. `None`:
/// the form is handled as before (refused, or sent to sign in).
pub(super) async fn keep(
    app: &WebConfig,
    ctx: &Ctx,
    action: String,
    owner_cookie: Option<&str>,
    values: &BTreeMap<String, String>,
) -> Option<Response> {
    let csrf = values.get("csrf").map_or("", String::as_str);
    if ctx.session.is_some() || !ctx.same_origin {
        return None;
    }
    let page = draft_page_of(&action)?;
    let owner = owner_cookie.and_then(|c| session::draft_owner(&app.session_key, c, csrf))?;
    let mut kept = values.clone();
    kept.remove("csrf");
    let draft = varna_app::Draft {
        page,
        action,
        fields: kept,
        saved_at: chrono::Utc::now(),
    };
    Some(match app.app.save_draft(&owner, &draft).await {
        Ok(()) => see_other(
            "/signin?draft=1",
            &ctx.csrf_cookie().into_iter().collect::<Vec<_>>(),
        ),
        Err(e) => refused(ctx, &e),
    })
}

/// The cookies of a new sign-in: the session, and the draft owner that
/// outlives it (so that a form posted after it ends is kept, not lost).
pub(super) fn sign_in_cookies(app: &WebConfig, session: &Session) -> Vec<String> {
    vec![
        session::set_cookie(
            SESSION_COOKIE,
            &session::seal(&app.session_key, session),
            session::SESSION_HOURS * 3600,
            app.secure_cookies,
        ),
        session::set_cookie(
            session::DRAFT_COOKIE,
            &session::seal_draft_owner(&app.session_key, session),
            session::draft_cookie_seconds(),
            app.secure_cookies,
        ),
    ]
}

/// Where a person goes after signing in: back to the form whose text was
/// kept when their last sign-in ended, or to my work.
pub(super) async fn after_sign_in(app: &WebConfig, user_id: &str) -> String {
    match app.app.draft_page(user_id).await {
        Ok(Some(page)) if local_path(&page).is_some() => page,
        Ok(_) => "/".to_owned(),
        Err(e) => {
            tracing::error!(error = %e, "looking for a kept draft failed");
            "/".to_owned()
        }
    }
}

/// The page a form that posts to `action` is on, for the forms whose text
/// is kept as a draft when the sign-in has ended: filing forms and the
/// case page's actions, journal and duplicate forms.
fn draft_page_of(action: &str) -> Option<String> {
    if action == "/cases/new" || action.starts_with("/cases/new/") {
        return Some(action.to_owned());
    }
    let case = action.strip_prefix("/cases/")?;
    let (id, form) = case.split_once('/')?;
    (matches!(form, "act" | "journal" | "duplicate") && case_id(id).is_some())
        .then(|| format!("/cases/{id}"))
}
