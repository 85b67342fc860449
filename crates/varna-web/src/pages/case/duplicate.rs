//! Marking a case as a duplicate of an earlier one, from the case page:
//! the person gives the earlier case's number, as people quote it; the case
//! is closed where it stands, its clocks stop and it is counted only as a
//! duplicate. Offered on an open case to those who take its steps.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use varna_app::{AppError, CaseFilter, CaseId, Code, Reads};

use super::super::file::idempotency_key;
use super::{Posted, answer, expect, refuse};
use crate::pages::{App, Ctx, PostedForm, case_id};
use crate::text::Text;

/// The form's one input, as the page and the error summary name it.
pub(super) const INPUT: &str = "duplicate-original";

/// The form as the page shows it.
pub(super) struct DuplicateForm {
    /// What was typed, when the form comes back refused.
    pub(super) value: String,
    pub(super) error: Option<String>,
    pub(super) idempotency_key: String,
}

/// The form, with what was posted and why it was refused when it was.
pub(super) fn form(t: &Text, posted: Option<&Posted>) -> DuplicateForm {
    DuplicateForm {
        value: posted
            .and_then(|p| p.values.get("original").cloned())
            .unwrap_or_default(),
        error: posted.and_then(|p| p.errors.first()).map(|e| message(t, e)),
        idempotency_key: posted.map_or_else(
            || uuid::Uuid::new_v4().to_string(),
            |p| idempotency_key(&p.values),
        ),
    }
}

/// A refusal in the words of this form.
pub(super) fn message(t: &Text, e: &AppError) -> String {
    match (e.code, e.detail.problem) {
        (Code::NotFound, _) => t.duplicate_not_found,
        (Code::Conflict, _) => t.error_conflict,
        (Code::InvalidInput, Some("CASE_NUMBER")) => t.case_number_invalid,
        (Code::InvalidInput, Some("NOT_ALLOWED")) => t.duplicate_itself,
        (Code::InvalidInput, Some("OTHER_LIFECYCLE")) => t.duplicate_other_kind,
        (Code::InvalidInput, Some("IS_DUPLICATE")) => t.duplicate_of_duplicate,
        _ => t.error_not_now,
    }
    .to_owned()
}

pub(in crate::pages) async fn mark_duplicate(
    State(app): State<App>,
    Path(id): Path<String>,
    PostedForm { ctx, values }: PostedForm,
) -> Response {
    let Some(case) = case_id(&id) else {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found);
    };
    let posted = Posted::new("duplicate", values.clone());
    let refuse_with =
        |error: AppError| refuse(&app, &ctx, &id, posted.clone().refused(vec![error]));
    let number: String = values
        .get("original")
        .map(|v| v.chars().filter(|c| !c.is_whitespace()).collect())
        .unwrap_or_default();
    if number.len() != 8 || !number.chars().all(|c| c.is_ascii_hexdigit()) {
        return refuse_with(AppError::invalid(
            "original_case",
            "CASE_NUMBER",
            "a case number is eight hex digits",
        ))
        .await;
    }
    let original = match find(&ctx, &app, number).await {
        Ok(original) => original,
        Err(e) => return refuse_with(e).await,
    };
    let reads = Reads::default();
    let result = app
        .app
        .session(ctx.principal(), &reads)
        .mark_duplicate(&case, &original, expect(&values))
        .await;
    answer(&app, &ctx, &id, posted, result).await
}

/// The one case with `number` that the person may read.
async fn find(ctx: &Ctx, app: &App, number: String) -> Result<CaseId, AppError> {
    let reads = Reads::default();
    let filter = CaseFilter {
        case_number: Some(number),
        ..CaseFilter::default()
    };
    let page = app
        .app
        .session(ctx.principal(), &reads)
        .cases(filter, 2, None)
        .await?;
    match page.items.as_slice() {
        [(_, view)] => Ok(view.record.id.clone()),
        _ => Err(AppError::not_found()),
    }
}
