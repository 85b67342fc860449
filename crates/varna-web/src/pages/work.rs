//! "My work": the signed-in person's open cases, most urgent first.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use varna_app::{CaseView, Reads};

use super::{App, Chrome, SignedIn, local_time, refused, short_id};
use crate::form::label;

#[derive(Template)]
#[template(path = "my_work.html")]
struct MyWorkPage {
    c: Chrome,
    items: Vec<WorkRow>,
    kinds: Vec<(String, String, bool)>,
    states: Vec<(String, String, bool)>,
    /// (id, name, selected).
    units: Vec<(String, String, bool)>,
    /// The list was cut at its limit: say where the rest are.
    more: bool,
    /// A reporter: what they reported, newest first, with where each
    /// stands and whether its feedback has come.
    reports: Vec<ReportRow>,
}

struct ReportRow {
    id: String,
    case_number: String,
    kind: String,
    summary: Option<String>,
    state: String,
    closed: bool,
    /// Feedback written for the reporter has come.
    feedback: bool,
}

struct WorkRow {
    id: String,
    case_number: String,
    kind: String,
    /// What it is about, in a line.
    summary: Option<String>,
    state: String,
    unit: String,
    due: Option<String>,
    due_label: String,
    overdue: bool,
}

#[derive(Deserialize, Default)]
pub(super) struct WorkFilter {
    kind: Option<String>,
    state: Option<String>,
    unit: Option<String>,
}

/// The most urgent this many; the rest are found with the case search.
const MY_WORK_LIMIT: usize = 50;

pub(super) async fn my_work(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Query(filter): Query<WorkFilter>,
) -> Response {
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    let (all, names) = match (
        session.my_work(MY_WORK_LIMIT as u64).await,
        session.unit_names().await,
    ) {
        (Ok(items), Ok(names)) => (items, names),
        (Err(e), _) | (_, Err(e)) => return refused(&ctx, &e),
    };
    let unit_name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let more = all.len() >= MY_WORK_LIMIT;
    let kind_of = |case: &CaseView| {
        (
            case.workflow().to_owned(),
            label(case.workflow_label(), ctx.lang),
        )
    };
    let state_of = |case: &CaseView| {
        let state = case.state();
        (state.id, label(&state.label, ctx.lang))
    };
    let unit_of = |case: &CaseView| {
        let unit = case.record.summary.unit_id.clone();
        let name = unit_name(&unit);
        (unit, name)
    };
    // The choices of each filter: what occurs among the person's cases.
    let choices = |value: &dyn Fn(&CaseView) -> (String, String), wanted: &Option<String>| {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for i in &all {
            let (id, label) = value(&i.case);
            seen.insert(id, label);
        }
        seen.into_iter()
            .map(|(id, label)| {
                let selected = wanted.as_deref() == Some(id.as_str());
                (id, label, selected)
            })
            .collect::<Vec<_>>()
    };
    let kinds = choices(&kind_of, &filter.kind);
    let states = choices(&state_of, &filter.state);
    let units = choices(&unit_of, &filter.unit);
    let keep = |v: String, wanted: &Option<String>| {
        wanted.as_deref().is_none_or(|w| w.is_empty() || w == v)
    };
    let items = all
        .iter()
        .filter(|i| keep(kind_of(&i.case).0, &filter.kind))
        .filter(|i| keep(state_of(&i.case).0, &filter.state))
        .filter(|i| keep(unit_of(&i.case).0, &filter.unit))
        .map(|i| {
            let id = i.case.id();
            WorkRow {
                case_number: short_id(&id),
                id,
                kind: kind_of(&i.case).1,
                summary: i.case.summary(90),
                state: state_of(&i.case).1,
                unit: unit_name(&i.case.record.summary.unit_id),
                due: i.next_deadline.as_ref().map(|d| local_time(d.due_at)),
                due_label: i
                    .next_deadline
                    .as_ref()
                    .map(|d| label(&d.label, ctx.lang))
                    .unwrap_or_default(),
                overdue: i.overdue,
            }
        })
        .collect();
    let reports = if ctx.principal().role == varna_workflow::Role::Reporter {
        match session
            .cases(varna_app::CaseFilter::default(), 20, None)
            .await
        {
            Ok(page) => page
                .items
                .into_iter()
                .map(|(_, case)| {
                    let id = case.id();
                    ReportRow {
                        case_number: short_id(&id),
                        id,
                        kind: label(case.workflow_label(), ctx.lang),
                        summary: case.summary(90),
                        state: label(&case.state().label, ctx.lang),
                        closed: case.record.summary.is_closed,
                        feedback: case.fields().iter().any(|f| {
                            f.value.is_some()
                                && case.def.field(&f.name).is_some_and(|d| d.for_reporter)
                        }),
                    }
                })
                .collect(),
            Err(e) => return refused(&ctx, &e),
        }
    } else {
        Vec::new()
    };
    let page = MyWorkPage {
        c: ctx.chrome("/"),
        items,
        kinds,
        states,
        units,
        more,
        reports,
    };
    ctx.page(StatusCode::OK, &page)
}
