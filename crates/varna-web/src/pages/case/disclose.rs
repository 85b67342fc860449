//! Utlämnande from the case page: offered to the roles the lifecycle's
//! `[disclosure]` names. After the sekretessprövning the person writes to
//! whom and on which decision, and chooses what to mask (preselected: what
//! the lifecycle marks secret); the answer is the PDF to hand out, and the
//! case's history records the disclosure. A refused form shows the page
//! again with what was typed kept.

use std::collections::BTreeSet;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use varna_app::{AppError, CaseView, Code, Reads};
use varna_workflow::DisclosureRequest;

use super::documents::pdf_response;
use super::{Posted, refuse};
use crate::form::label;
use crate::pages::{App, PostedForm, case_id, refused};
use crate::text::{Lang, Text};

/// The form's name in [`Posted`].
pub(super) const FORM: &str = "disclose";
/// The input the error summary points to.
pub(super) const INPUT: &str = "disclose-recipient";
/// The prefix of a mask choice's name (`mask.<field>`).
const MASK: &str = "mask.";

/// One field the case holds, as a mask choice.
pub(super) struct MaskChoice {
    pub(super) name: String,
    pub(super) label: String,
    pub(super) checked: bool,
    pub(super) secret: bool,
}

/// The form as the page shows it.
pub(super) struct DiscloseForm {
    pub(super) recipient: String,
    pub(super) decision: String,
    pub(super) choices: Vec<MaskChoice>,
    pub(super) error: Option<String>,
}

/// The form, for those who may disclose the case; what was posted is kept.
pub(super) fn form(
    t: &Text,
    lang: Lang,
    view: &CaseView,
    may: bool,
    posted: Option<&Posted>,
) -> Option<DiscloseForm> {
    if !may {
        return None;
    }
    let secret = view.def.secret_fields();
    let value = |key: &str| {
        posted
            .and_then(|p| p.values.get(key))
            .cloned()
            .unwrap_or_default()
    };
    let choices = view
        .def
        .fields
        .iter()
        // What the case holds: a value, or journal entries on the topic.
        .filter(|f| {
            let case = &view.record.case;
            case.fields.contains_key(&f.name) || case.journal.iter().any(|e| e.topic == f.name)
        })
        .map(|f| MaskChoice {
            checked: match posted {
                Some(p) => p.values.contains_key(&format!("{MASK}{}", f.name)),
                None => secret.contains(&f.name),
            },
            secret: secret.contains(&f.name),
            name: f.name.clone(),
            label: label(&f.label, lang),
        })
        .collect();
    Some(DiscloseForm {
        recipient: value("recipient"),
        decision: value("decision"),
        choices,
        error: posted.and_then(|p| p.errors.first()).map(|e| message(t, e)),
    })
}

/// A refusal in the words of this form.
pub(super) fn message(t: &Text, e: &AppError) -> String {
    match e.code {
        Code::InvalidInput => t.disclose_missing,
        Code::Conflict => t.error_conflict,
        _ => t.error_not_now,
    }
    .to_owned()
}

/// `POST /cases/{id}/disclose`: the PDF to hand out.
pub(in crate::pages) async fn disclose(
    State(app): State<App>,
    Path(id): Path<String>,
    PostedForm { ctx, values }: PostedForm,
) -> Response {
    let Some(case) = case_id(&id) else {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found);
    };
    let mask: BTreeSet<String> = values
        .keys()
        .filter_map(|k| k.strip_prefix(MASK))
        .map(str::to_owned)
        .collect();
    let request = DisclosureRequest {
        recipient: values.get("recipient").cloned().unwrap_or_default(),
        decision: values.get("decision").cloned().unwrap_or_default(),
        mask: Some(mask),
    };
    let reads = Reads::default();
    let result = app
        .app
        .session(ctx.principal(), &reads)
        .disclose(&case, &request)
        .await;
    match result {
        Ok(file) => pdf_response(file),
        Err(e) if e.code == Code::InvalidInput || e.code == Code::Conflict => {
            refuse(&app, &ctx, &id, Posted::new(FORM, values).refused(vec![e])).await
        }
        Err(e) => refused(&ctx, &e),
    }
}
