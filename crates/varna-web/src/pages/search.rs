//! Case search (everyone sees only what the read policy lets them see), and the
//! quality report: a page to choose the year, and the report issue's own
//! self-contained HTML file and CSV export.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use varna_app::{CaseFilter, Code, Format, Reads, Scope};

use super::{App, Chrome, SignedIn, local_time, private, refused, short_id};
use crate::form::label;

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
    number: String,
    text: String,
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
    opened: crate::pages::When,
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
    /// A case number (the id's last eight hex digits, as pages show it).
    #[serde(default)]
    number: String,
    /// Words the case's text contains.
    #[serde(default)]
    text: String,
}

/// Cases per page.
const PAGE: u64 = 50;

fn date(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

pub(super) async fn search(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Query(form): Query<SearchForm>,
) -> Response {
    let mut filter = CaseFilter::default();
    let mut error = None;
    if !form.kind.is_empty() {
        filter.kinds = vec![form.kind.clone()];
    }
    if !form.state.is_empty() {
        filter.states = vec![form.state.clone()];
    }
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    let names = match session.unit_names().await {
        Ok(n) => n,
        Err(e) => return refused(&ctx, &e),
    };
    let number: String = form.number.chars().filter(|c| !c.is_whitespace()).collect();
    let mut unanswerable = false;
    if !number.is_empty() {
        if number.len() == 8 && number.chars().all(|c| c.is_ascii_hexdigit()) {
            filter.case_number = Some(number);
        } else {
            error = Some(ctx.t.case_number_invalid.to_owned());
            unanswerable = true;
        }
    }
    let words = form.text.trim();
    if words.chars().count() > 200 {
        error = Some(ctx.t.search_text_too_long.to_owned());
        unanswerable = true;
    } else if !words.is_empty() {
        filter.text = Some(words.to_owned());
    }
    let wanted = form.unit.trim();
    if !wanted.is_empty() {
        // A unit by its code, or every unit whose name contains the words
        // typed, whatever their case.
        let lower = wanted.to_lowercase();
        let mut units: Vec<String> = names
            .iter()
            .filter(|(id, name)| *id == wanted || name.to_lowercase().contains(&lower))
            .map(|(id, _)| id.clone())
            .collect();
        if units.is_empty() {
            units.push(wanted.to_owned());
        }
        filter.units = Some(units);
    }
    filter.closed = match form.status.as_str() {
        "open" => Some(false),
        "closed" => Some(true),
        _ => None,
    };
    for (text, end_of_day) in [(&form.from, false), (&form.to, true)] {
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
                let at = varna_workflow::local::day_start(d);
                if end_of_day {
                    filter.opened_before = Some(at);
                } else {
                    filter.opened_from = Some(at);
                }
            }
            None => error = Some(ctx.t.problem_wrong_type.to_owned()),
        }
    }
    let reversed = matches!(
        (filter.opened_from, filter.opened_before),
        (Some(from), Some(before)) if from >= before
    );
    if reversed {
        error = Some(ctx.t.search_dates_reversed.to_owned());
    }
    let workflows = match session.workflows() {
        Ok(w) => w,
        Err(e) => return refused(&ctx, &e),
    };
    let after = (!form.after.is_empty()).then_some(form.after.as_str());
    let found = if reversed || unanswerable {
        Ok(varna_app::CasePage {
            items: Vec::new(),
            has_next_page: false,
            end_cursor: None,
            total: 0,
        })
    } else {
        session.cases(filter, PAGE, after).await
    };
    let (rows, total, next_cursor) = match found {
        Ok(page) => (
            page.items,
            page.total,
            page.end_cursor.filter(|_| page.has_next_page),
        ),
        Err(e) if e.code == Code::InvalidInput => {
            error = Some(ctx.t.error_invalid.to_owned());
            (Vec::new(), 0, None)
        }
        Err(e) => return refused(&ctx, &e),
    };
    let mut states: Vec<(String, String, bool)> = Vec::new();
    for w in &workflows {
        if !form.kind.is_empty() && w.name() != form.kind {
            continue;
        }
        for s in &w.states {
            let id = s.id.as_str().to_owned();
            if !states.iter().any(|(i, _, _)| *i == id) {
                let selected = id == form.state;
                states.push((id, label(&s.label, ctx.lang), selected));
            }
        }
    }
    let next = next_cursor.map(|cursor| {
        let pairs = [
            ("kind", form.kind.as_str()),
            ("state", form.state.as_str()),
            ("unit", form.unit.as_str()),
            ("status", form.status.as_str()),
            ("from", form.from.as_str()),
            ("to", form.to.as_str()),
            ("number", form.number.as_str()),
            ("text", form.text.as_str()),
            ("after", cursor.as_str()),
        ];
        query_string(&pairs)
    });
    let page = SearchPage {
        c: ctx.chrome("/cases"),
        kinds: workflows
            .iter()
            .map(|w| {
                let name = w.name().to_owned();
                let selected = name == form.kind;
                (label(&w.label, ctx.lang), name, selected)
            })
            .collect(),
        states,
        rows: rows
            .into_iter()
            .map(|(_, case)| {
                let id = case.id();
                Row {
                    case_number: short_id(&id),
                    id,
                    kind: label(case.workflow_label(), ctx.lang),
                    state: label(&case.state().label, ctx.lang),
                    unit: names
                        .get(&case.record.summary.unit_id)
                        .cloned()
                        .unwrap_or_else(|| case.record.summary.unit_id.clone()),
                    opened: local_time(case.record.summary.opened_at),
                    closed: case.record.summary.is_closed,
                }
            })
            .collect(),
        total: total as i64,
        next,
        error,
        unit: form.unit,
        status: form.status,
        from: form.from,
        to: form.to,
        number: form.number,
        text: form.text,
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
    if !varna_app::policy::reads_report(ctx.principal()) {
        return ctx.error(StatusCode::FORBIDDEN, ctx.t.report_not_for_role);
    }
    let (this_year, _) = varna_workflow::local::year_month(chrono::Utc::now());
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
            "html" => Some((y, Format::Html)),
            "csv" => Some((y, Format::Csv)),
            _ => None,
        })
    else {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_no_such_page);
    };
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    let report = match session.report(year, Scope::Organisation).await {
        Ok(r) => r,
        Err(e) if e.code == Code::InvalidInput => {
            return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_no_such_page);
        }
        Err(e) if e.code == Code::Forbidden => {
            return ctx.error(StatusCode::FORBIDDEN, ctx.t.report_not_for_role);
        }
        Err(e) => return refused(&ctx, &e),
    };
    let export = varna_app::report_file(&report, format);
    let mut response = export.content.into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&export.media_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // The report is one file with its own inline style and no script.
    private(
        h,
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
    );
    if format == Format::Csv {
        let disposition = format!(
            "attachment; filename=\"{}\"",
            export.filename.replace('"', "")
        );
        if let Ok(v) = HeaderValue::from_str(&disposition) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    response
}
