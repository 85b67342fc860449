//! "Aviseringar": what the person's role has been told about the cases
//! they may read — a new report, a step taken, a clock passed — newest
//! first, each linked to its case. The same notices go out by e-mail or
//! webhook; here they are in the app, with no case content in them.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use varna_app::{Notification, Reads};
use varna_workflow::Notice;

use super::{App, Chrome, SignedIn, local_time, refused, short_id};
use crate::form::label;
use crate::text::Lang;

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    c: Chrome,
    rows: Vec<NoticeRow>,
}

struct NoticeRow {
    at: crate::pages::When,
    what: String,
    case_id: String,
    case_number: String,
    kind: String,
    unit: String,
}

/// The newest this many.
const SHOWN: u64 = 100;

/// What a notice says, in the words of the case's lifecycle.
fn what(
    n: &Notification,
    defs: &BTreeMap<String, std::sync::Arc<varna_workflow::WorkflowDefinition>>,
    t: &crate::text::Text,
    lang: Lang,
) -> String {
    let def = defs.get(&n.kind);
    match &n.notice {
        Notice::Filed => t.notice_filed.to_owned(),
        Notice::Assigned => t.notice_assigned.to_owned(),
        Notice::Transitioned { transition } => format!(
            "{}: {}",
            t.notice_step,
            def.and_then(|d| d.transition(transition))
                .map_or_else(|| transition.clone(), |tr| label(&tr.label, lang))
        ),
        Notice::DeadlinePassed { deadline } => format!(
            "{}: {}",
            t.notice_deadline,
            def.and_then(|d| d.deadlines.iter().find(|x| &x.id == deadline))
                .map_or_else(|| deadline.clone(), |d| label(&d.label, lang))
        ),
    }
}

/// `GET /notifications`.
pub(super) async fn notices(State(app): State<App>, SignedIn(ctx): SignedIn) -> Response {
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    let (notes, names) = match (
        session.notifications(SHOWN).await,
        session.unit_names().await,
    ) {
        (Ok(n), Ok(u)) => (n, u),
        (Err(e), _) | (_, Err(e)) => return refused(&ctx, &e),
    };
    let defs = session.workflows_by_name();
    let rows = notes
        .iter()
        .map(|n| NoticeRow {
            at: local_time(n.created_at),
            what: what(n, &defs, ctx.t, ctx.lang),
            case_number: short_id(&n.case_id),
            case_id: n.case_id.clone(),
            kind: defs
                .get(&n.kind)
                .map_or_else(|| n.kind.clone(), |d| label(&d.label, ctx.lang)),
            unit: names
                .get(&n.unit)
                .cloned()
                .unwrap_or_else(|| n.unit.clone()),
        })
        .collect();
    ctx.page(
        StatusCode::OK,
        &NoticesPage {
            c: ctx.chrome("/notifications"),
            rows,
        },
    )
}
