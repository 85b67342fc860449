//! Case search (everyone sees only what the API lets them see), and the
//! quality report: a page to choose the year, and the report issue's own
//! self-contained HTML file and CSV export.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{App, Chrome, SignedIn, internal, local_time, private, short_id};
use crate::form::{label, str_of};
use crate::gql;

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    c: Chrome,
    kinds: Vec<(String, String, bool)>,
    states: Vec<(String, String, bool)>,
    unit: String,
    status: String,
    from: String,
    to: String,
    rows: Vec<Row>,
    total: i64,
    /// The query string of the next page, if there is one.
    next: Option<String>,
    error: Option<String>,
}

struct Row {
    id: String,
    case_number: String,
    kind: String,
    state: String,
    unit: String,
    opened: String,
    closed: bool,
}

#[derive(Deserialize, Default)]
pub(super) struct SearchForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    unit: String,
    /// `open`, `closed` or empty.
    #[serde(default)]
    status: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    after: String,
}

const SEARCH: &str = "query($filter: CaseFilterInput, $after: String) { \
    cases(filter: $filter, first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } \
      edges { node { id unit closed openedAt workflow { name } state { labelSv labelEn } } } } \
    workflows { name labelSv labelEn states { id labelSv labelEn } } }";

/// A workflow name as the API's `CaseKind` (`lex-sarah` → `LEX_SARAH`).
fn case_kind(workflow: &str) -> String {
    workflow.replace('-', "_").to_uppercase()
}

fn date(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

pub(super) async fn search(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Query(form): Query<SearchForm>,
) -> Response {
    let mut filter = serde_json::Map::new();
    if !form.kind.is_empty() {
        filter.insert("kinds".into(), json!([case_kind(&form.kind)]));
    }
    if !form.state.is_empty() {
        filter.insert("states".into(), json!([form.state]));
    }
    if !form.unit.trim().is_empty() {
        filter.insert("units".into(), json!([form.unit.trim()]));
    }
    match form.status.as_str() {
        "open" => {
            filter.insert("closed".into(), json!(false));
        }
        "closed" => {
            filter.insert("closed".into(), json!(true));
        }
        _ => {}
    }
    let mut error = None;
    for (text, key, end_of_day) in [
        (&form.from, "openedFrom", false),
        (&form.to, "openedBefore", true),
    ] {
        if text.trim().is_empty() {
            continue;
        }
        match date(text) {
            Some(d) => {
                let d = if end_of_day {
                    d.succ_opt().unwrap_or(d)
                } else {
                    d
                };
                filter.insert(key.into(), json!(format!("{d}T00:00:00Z")));
            }
            None => error = Some(ctx.t.problem_wrong_type.to_owned()),
        }
    }
    let after = (!form.after.is_empty()).then(|| form.after.clone());
    let variables = json!({ "filter": filter, "after": after });
    let data = match gql::run(&app.schema, ctx.principal(), SEARCH, variables).await {
        Ok(d) => d,
        Err(e) if e.iter().all(|e| e.code == "INVALID_INPUT") => {
            error = Some(ctx.t.error_invalid.to_owned());
            match gql::run(&app.schema, ctx.principal(), SEARCH, json!({})).await {
                Ok(mut d) => {
                    d["cases"] = json!({ "totalCount": 0, "edges": [], "pageInfo": { "hasNextPage": false } });
                    d
                }
                Err(e) => return internal(&ctx, &e),
            }
        }
        Err(e) => return internal(&ctx, &e),
    };
    let workflows: Vec<&Value> = data["workflows"].as_array().into_iter().flatten().collect();
    let kind_label = |name: &str| {
        workflows
            .iter()
            .find(|w| w["name"] == name)
            .map_or_else(|| name.to_owned(), |w| label(w, ctx.lang))
    };
    let mut states: Vec<(String, String, bool)> = Vec::new();
    for w in &workflows {
        if !form.kind.is_empty() && w["name"] != form.kind.as_str() {
            continue;
        }
        for s in w["states"].as_array().into_iter().flatten() {
            let id = str_of(&s["id"]);
            if !states.iter().any(|(i, _, _)| *i == id) {
                let selected = id == form.state;
                states.push((id, label(s, ctx.lang), selected));
            }
        }
    }
    let cases = &data["cases"];
    let next = (cases["pageInfo"]["hasNextPage"].as_bool() == Some(true)).then(|| {
        let pairs = [
            ("kind", form.kind.as_str()),
            ("state", form.state.as_str()),
            ("unit", form.unit.as_str()),
            ("status", form.status.as_str()),
            ("from", form.from.as_str()),
            ("to", form.to.as_str()),
            (
                "after",
                cases["pageInfo"]["endCursor"].as_str().unwrap_or_default(),
            ),
        ];
        query_string(&pairs)
    });
    let page = SearchPage {
        c: ctx.chrome("/cases"),
        kinds: workflows
            .iter()
            .map(|w| {
                let name = str_of(&w["name"]);
                let selected = name == form.kind;
                (label(w, ctx.lang), name, selected)
            })
            .collect(),
        states,
        rows: cases["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let n = &e["node"];
                Row {
                    id: str_of(&n["id"]),
                    case_number: short_id(&str_of(&n["id"])),
                    kind: kind_label(&str_of(&n["workflow"]["name"])),
                    state: label(&n["state"], ctx.lang),
                    unit: str_of(&n["unit"]),
                    opened: local_time(&str_of(&n["openedAt"])),
                    closed: n["closed"].as_bool().unwrap_or(false),
                }
            })
            .collect(),
        total: cases["totalCount"].as_i64().unwrap_or(0),
        next,
        error,
        unit: form.unit,
        status: form.status,
        from: form.from,
        to: form.to,
    };
    ctx.page(StatusCode::OK, &page)
}

/// `a=1&b=2`, form-encoded; empty values left out.
fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://varna.invalid/cases").expect("a fixed URL");
    url.query_pairs_mut()
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()));
    url.query().unwrap_or_default().to_owned()
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    c: Chrome,
    year: i32,
    years: Vec<i32>,
}

#[derive(Deserialize, Default)]
pub(super) struct YearForm {
    year: Option<i32>,
}

pub(super) async fn report_page(SignedIn(ctx): SignedIn, Query(form): Query<YearForm>) -> Response {
    use chrono::Datelike;
    let this_year = chrono::Utc::now().year();
    let year = form
        .year
        .filter(|y| (1900..=2200).contains(y))
        .unwrap_or(this_year);
    let page = ReportPage {
        c: ctx.chrome("/report"),
        year,
        years: (this_year - 5..=this_year).rev().collect(),
    };
    ctx.page(StatusCode::OK, &page)
}

/// The report file itself: `/report/2026.html` or `/report/2026.csv`.
pub(super) async fn report_file(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Path(file): Path<String>,
) -> Response {
    let Some((year, format)) = file
        .split_once('.')
        .and_then(|(y, ext)| Some((y.parse::<i32>().ok()?, ext)))
        .and_then(|(y, ext)| match ext {
            "html" => Some((y, "HTML")),
            "csv" => Some((y, "CSV")),
            _ => None,
        })
    else {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_no_such_page);
    };
    let q = "query($year: Int!, $format: ReportFormat!) { qualityReportExport(year: $year, format: $format) { filename mediaType content } }";
    let data = match gql::run(
        &app.schema,
        ctx.principal(),
        q,
        json!({ "year": year, "format": format }),
    )
    .await
    {
        Ok(d) => d,
        Err(e) if e.iter().any(|e| e.code == "INVALID_INPUT") => {
            return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_no_such_page);
        }
        Err(e) => return internal(&ctx, &e),
    };
    let export = &data["qualityReportExport"];
    let media = str_of(&export["mediaType"]);
    let mut response = str_of(&export["content"]).into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&media) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // The report is one file with its own inline style and no script.
    private(
        h,
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
    );
    if format == "CSV" {
        let disposition = format!(
            "attachment; filename=\"{}\"",
            str_of(&export["filename"]).replace('"', "")
        );
        if let Ok(v) = HeaderValue::from_str(&disposition) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    response
}
