//! "My work": the signed-in person's open cases, most urgent first.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use varna_app::{Reads, WorkQuery};

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
    /// Which cases of how many, and the neighbouring pages.
    paging: Paging,
    /// How many on this page changed since the previous visit.
    new_count: usize,
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
    due: Option<crate::pages::When>,
    due_label: String,
    overdue: bool,
    /// Changed since the person's previous visit.
    new: bool,
}

struct Paging {
    /// (first, last, of all) shown.
    shown: Option<(u64, u64, u64)>,
    previous: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct WorkFilter {
    kind: Option<String>,
    state: Option<String>,
    unit: Option<String>,
    /// 1-based.
    page: Option<u64>,
}

/// Cases a page.
const PAGE_SIZE: u64 = 50;

pub(super) async fn my_work(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Query(filter): Query<WorkFilter>,
) -> Response {
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
    let query = WorkQuery {
        kind: given(&filter.kind),
        state: given(&filter.state),
        unit: given(&filter.unit),
    };
    let page_number = filter.page.unwrap_or(1).max(1);
    let (work, names) = match (
        session
            .work_page(&query, PAGE_SIZE, (page_number - 1) * PAGE_SIZE)
            .await,
        session.unit_names().await,
    ) {
        (Ok(work), Ok(names)) => (work, names),
        (Err(e), _) | (_, Err(e)) => return refused(&ctx, &e),
    };
    let unit_name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let defs = session.workflows_by_name();
    let kind_label = |kind: &str| {
        defs.get(kind)
            .map_or_else(|| kind.to_owned(), |d| label(&d.label, ctx.lang))
    };
    let state_label = |kind: &str, state: &str| {
        defs.get(kind)
            .and_then(|d| d.states.iter().find(|s| s.id.as_str() == state))
            .map_or_else(|| state.to_owned(), |s| label(&s.label, ctx.lang))
    };
    // The choices of each filter: what occurs among the person's cases.
    let mut kinds: BTreeMap<String, String> = BTreeMap::new();
    let mut states: BTreeMap<String, String> = BTreeMap::new();
    let mut units: BTreeMap<String, String> = BTreeMap::new();
    for (kind, state, unit) in &work.choices {
        kinds
            .entry(kind.clone())
            .or_insert_with(|| kind_label(kind));
        states
            .entry(state.clone())
            .or_insert_with(|| state_label(kind, state));
        units.entry(unit.clone()).or_insert_with(|| unit_name(unit));
    }
    let selected = |map: BTreeMap<String, String>, wanted: &Option<String>| {
        map.into_iter()
            .map(|(id, label)| {
                let on = wanted.as_deref() == Some(id.as_str());
                (id, label, on)
            })
            .collect::<Vec<_>>()
    };
    let kinds = selected(kinds, &query.kind);
    let states = selected(states, &query.state);
    let units = selected(units, &query.unit);
    let items = work
        .items
        .iter()
        .map(|i| {
            let id = i.case.id();
            let state = i.case.state();
            WorkRow {
                case_number: short_id(&id),
                id,
                kind: label(i.case.workflow_label(), ctx.lang),
                summary: i.case.summary(90),
                state: label(&state.label, ctx.lang),
                unit: unit_name(&i.case.record.summary.unit_id),
                due: i.next_deadline.as_ref().map(|d| local_time(d.due_at)),
                due_label: i
                    .next_deadline
                    .as_ref()
                    .map(|d| label(&d.label, ctx.lang))
                    .unwrap_or_default(),
                overdue: i.overdue,
                new: i.new,
            }
        })
        .collect::<Vec<_>>();
    // Where the page stands, and links to its neighbours with the filters kept.
    let first_shown = (page_number - 1) * PAGE_SIZE + 1;
    let last_shown = first_shown + items.len() as u64 - 1;
    let link = |n: u64| {
        let mut params = vec![format!("page={n}")];
        for (name, value) in [
            ("kind", &query.kind),
            ("state", &query.state),
            ("unit", &query.unit),
        ] {
            // Codes are lower-case letters, digits, '-' and '_': nothing
            // to escape; anything else is left out of the link.
            if let Some(v) = value.as_deref().filter(|v| {
                v.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            }) {
                params.push(format!("{name}={v}"));
            }
        }
        format!("/?{}", params.join("&"))
    };
    let paging = Paging {
        shown: (!items.is_empty()).then_some((first_shown, last_shown, work.total)),
        previous: (page_number > 1).then(|| link(page_number - 1)),
        next: (last_shown < work.total && !items.is_empty()).then(|| link(page_number + 1)),
    };
    let new_count = work.items.iter().filter(|i| i.new).count();
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
        paging,
        new_count,
        reports,
    };
    ctx.page(StatusCode::OK, &page)
}
