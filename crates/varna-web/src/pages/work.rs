//! "My work": the signed-in person's open cases, most urgent first.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{App, Chrome, SignedIn, internal, local_time, short_id};
use crate::form::{label, str_of};
use crate::gql;

#[derive(Template)]
#[template(path = "my_work.html")]
struct MyWorkPage {
    c: Chrome,
    items: Vec<WorkRow>,
    kinds: Vec<(String, String, bool)>,
    states: Vec<(String, String, bool)>,
    units: Vec<(String, bool)>,
    /// The list was cut at its limit: say where the rest are.
    more: bool,
}

struct WorkRow {
    id: String,
    case_number: String,
    kind: String,
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
/// (A page of 50 stays within the API's complexity limit.)
const MY_WORK_LIMIT: usize = 50;
const MY_WORK: &str = "query { myWork(first: 50) { overdue nextDeadline { labelSv dueAt } case { id kind unit workflow { name } state { id labelSv labelEn } } } workflows { name labelSv labelEn } }";

pub(super) async fn my_work(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Query(filter): Query<WorkFilter>,
) -> Response {
    let data = match gql::run(&app.schema, ctx.principal(), MY_WORK, json!({})).await {
        Ok(d) => d,
        Err(e) => return internal(&ctx, &e),
    };
    let workflow_label: BTreeMap<String, String> = data["workflows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| (str_of(&w["name"]), label(w, ctx.lang)))
        .collect();
    let all: Vec<&Value> = data["myWork"].as_array().into_iter().flatten().collect();
    let more = all.len() >= MY_WORK_LIMIT;
    let state_label = |case: &Value| label(&case["state"], ctx.lang);
    // The choices of each filter: what occurs among the person's cases.
    let choices = |value: &dyn Fn(&Value) -> (String, String), wanted: &Option<String>| {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for i in &all {
            let (id, label) = value(&i["case"]);
            seen.insert(id, label);
        }
        seen.into_iter()
            .map(|(id, label)| {
                let selected = wanted.as_deref() == Some(id.as_str());
                (id, label, selected)
            })
            .collect::<Vec<_>>()
    };
    let kind_of = |case: &Value| {
        let name = str_of(&case["workflow"]["name"]);
        let label = workflow_label
            .get(&name)
            .cloned()
            .unwrap_or_else(|| name.clone());
        (name, label)
    };
    let state_of = |case: &Value| (str_of(&case["state"]["id"]), state_label(case));
    let unit_of = |case: &Value| (str_of(&case["unit"]), str_of(&case["unit"]));
    let kinds = choices(&kind_of, &filter.kind);
    let states = choices(&state_of, &filter.state);
    let units = choices(&unit_of, &filter.unit)
        .into_iter()
        .map(|(id, _, selected)| (id, selected))
        .collect();
    let keep = |v: String, wanted: &Option<String>| {
        wanted.as_deref().is_none_or(|w| w.is_empty() || w == v)
    };
    let items = all
        .iter()
        .filter(|i| keep(kind_of(&i["case"]).0, &filter.kind))
        .filter(|i| keep(state_of(&i["case"]).0, &filter.state))
        .filter(|i| keep(unit_of(&i["case"]).0, &filter.unit))
        .map(|i| {
            let case = &i["case"];
            WorkRow {
                id: str_of(&case["id"]),
                case_number: short_id(&str_of(&case["id"])),
                kind: kind_of(case).1,
                state: state_label(case),
                unit: str_of(&case["unit"]),
                due: i["nextDeadline"]["dueAt"].as_str().map(local_time),
                due_label: str_of(&i["nextDeadline"]["labelSv"]),
                overdue: i["overdue"].as_bool().unwrap_or(false),
            }
        })
        .collect();
    let page = MyWorkPage {
        c: ctx.chrome("/"),
        items,
        kinds,
        states,
        units,
        more,
    };
    ctx.page(StatusCode::OK, &page)
}
