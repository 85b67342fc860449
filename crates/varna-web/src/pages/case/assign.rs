//! Naming the handläggare from the case page: offered on an open case to
//! those whose role works its lifecycle, as a choice among the people who
//! could work it at its unit. The person named is told alone, in their
//! list of notifications.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use varna_app::{AppError, Code, Reads, RolePerson};

use super::super::file::idempotency_key;
use super::{Posted, answer, expect};
use crate::pages::{App, PostedForm, case_id};
use crate::text::Text;

/// The form's name in [`Posted`].
pub(super) const FORM: &str = "assign";
/// The form's one input, as the page and the error summary name it.
pub(super) const INPUT: &str = "assign-person";

/// The form as the page shows it.
pub(super) struct AssignForm {
    /// (user id, "Name, title", chosen).
    pub(super) choices: Vec<(String, String, bool)>,
    pub(super) error: Option<String>,
    pub(super) idempotency_key: String,
}

/// "Name, title" (the name alone when the title is empty).
pub(super) fn name_and_title(p: &RolePerson) -> String {
    if p.title.is_empty() {
        p.name.clone()
    } else {
        format!("{}, {}", p.name, p.title)
    }
}

/// The form, or `None` when nobody could be named; the person named now,
/// or what was posted, is chosen.
pub(super) fn form(
    t: &Text,
    choices: &[RolePerson],
    current: Option<&RolePerson>,
    posted: Option<&Posted>,
) -> Option<AssignForm> {
    if choices.is_empty() {
        return None;
    }
    let chosen = posted
        .and_then(|p| p.values.get("person").cloned())
        .or_else(|| current.map(|c| c.id.clone()))
        .unwrap_or_default();
    Some(AssignForm {
        choices: choices
            .iter()
            .map(|p| (p.id.clone(), name_and_title(p), p.id == chosen))
            .collect(),
        error: posted.and_then(|p| p.errors.first()).map(|e| message(t, e)),
        idempotency_key: posted.map_or_else(
            || uuid::Uuid::new_v4().to_string(),
            |p| idempotency_key(&p.values),
        ),
    })
}

/// A refusal in the words of this form.
pub(super) fn message(t: &Text, e: &AppError) -> String {
    match (e.code, e.detail.problem) {
        (Code::Conflict, _) => t.error_conflict,
        (Code::InvalidInput, Some("NOT_ELIGIBLE" | "EMPTY")) => t.assign_choose,
        (Code::InvalidInput, _) => t.assign_already,
        _ => t.error_not_now,
    }
    .to_owned()
}

/// `POST /cases/{id}/assign`.
pub(in crate::pages) async fn assign(
    State(app): State<App>,
    Path(id): Path<String>,
    PostedForm { ctx, values }: PostedForm,
) -> Response {
    let Some(case) = case_id(&id) else {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found);
    };
    let posted = Posted::new(FORM, values.clone());
    let person = values.get("person").map_or("", |p| p.trim());
    let reads = Reads::default();
    let result = app
        .app
        .session(ctx.principal(), &reads)
        .assign(&case, person, expect(&values))
        .await;
    answer(&app, &ctx, &id, posted, result).await
}
