//! The auditor's log review (loggkontroll): who read cases
//! about a person, or what a user read, across every case. The search is
//! sent as a form (POST), so a personnummer never lands in an address or
//! a server log; the search itself is logged against the cases it names.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike as _, NaiveDate};
use varna_app::{AccessQuery, Code, FindingKind, Reads};

use super::{App, Chrome, Ctx, PostedForm, SignedIn, local_time, refused, role_label, short_id};

#[derive(Template)]
#[template(path = "access.html")]
struct AccessPage {
    c: Chrome,
    user: String,
    from: String,
    to: String,
    /// Whether a personnummer was given (it is never shown back).
    searched: bool,
    rows: Vec<Row>,
    total: i64,
    more: bool,
    error: Option<String>,
}

struct Row {
    at: crate::pages::When,
    user: String,
    role: String,
    case_id: String,
    case_number: String,
    purpose: &'static str,
}

/// Reads per page.
const PAGE: u64 = 200;

fn page(ctx: &Ctx) -> AccessPage {
    AccessPage {
        c: ctx.chrome("/audit/access"),
        user: String::new(),
        from: String::new(),
        to: String::new(),
        searched: false,
        rows: Vec::new(),
        total: 0,
        more: false,
        error: None,
    }
}

pub(super) async fn access_page(SignedIn(ctx): SignedIn) -> Response {
    if !varna_app::policy::sees_audit(ctx.principal()) {
        return ctx.error(StatusCode::FORBIDDEN, ctx.t.access_not_for_role);
    }
    ctx.page(StatusCode::OK, &page(&ctx))
}

pub(super) async fn access_search(
    State(app): State<App>,
    PostedForm { ctx, values }: PostedForm,
) -> Response {
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut shown = page(&ctx);
    shown.user = get("user");
    shown.from = get("from");
    shown.to = get("to");
    let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    let (from, to) = (day(&shown.from), day(&shown.to));
    if from.is_some_and(|f| to.is_some_and(|t| f > t)) {
        shown.error = Some(ctx.t.access_bad_dates.to_owned());
        return ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &shown);
    }
    let person = get("personnummer");
    let query = AccessQuery {
        user_id: (!shown.user.is_empty()).then(|| shown.user.clone()),
        personnummer: (!person.is_empty()).then_some(person),
        from: from.map(varna_workflow::local::day_start),
        to: to
            .and_then(|t| t.succ_opt())
            .map(varna_workflow::local::day_start),
        ..AccessQuery::default()
    };
    shown.searched = query.personnummer.is_some();
    let reads = Reads::default();
    let result = app
        .app
        .session(ctx.principal(), &reads)
        .access_log(query, PAGE, None)
        .await;
    match result {
        Ok(found) => {
            shown.total = i64::try_from(found.total).unwrap_or(i64::MAX);
            shown.more = found.end_cursor.is_some();
            shown.rows = found
                .items
                .into_iter()
                .map(|r| Row {
                    at: local_time(r.at),
                    role: r.role.parse().map_or_else(
                        |_| r.role.clone(),
                        |role| role_label(role, ctx.lang).to_owned(),
                    ),
                    user: r.actor_id,
                    case_number: short_id(&r.case_id),
                    case_id: r.case_id,
                    purpose: crate::text::purpose(ctx.t, &r.purpose),
                })
                .collect();
            ctx.page(StatusCode::OK, &shown)
        }
        Err(e) if e.code == Code::Forbidden => {
            ctx.error(StatusCode::FORBIDDEN, ctx.t.access_not_for_role)
        }
        Err(e) if e.code == Code::InvalidInput => {
            shown.error = Some(ctx.t.problem_personnummer.to_owned());
            ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &shown)
        }
        Err(e) => refused(&ctx, &e),
    }
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    c: Chrome,
    from: String,
    to: String,
    findings: Vec<FindingRow>,
    done: Vec<DoneRow>,
    note: String,
    error: Option<String>,
}

struct FindingRow {
    kind: &'static str,
    user: String,
    role: String,
    reads: u64,
    first: crate::pages::When,
    last: crate::pages::When,
    /// (id, case number)
    cases: Vec<(String, String)>,
}

struct DoneRow {
    at: crate::pages::When,
    by: String,
    period: String,
    findings: i64,
    note: String,
}

/// `?from=&to=` (days, inclusive); the last full month by default.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct Period {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// Back from recording a check.
    #[serde(default)]
    recorded: Option<String>,
}

impl Period {
    /// The days as given, or the last full month; and as UTC bounds.
    fn days(&self) -> Option<(NaiveDate, NaiveDate)> {
        let day = |text: &str| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
        match (day(&self.from), day(&self.to)) {
            (Some(f), Some(t)) => Some((f, t)),
            (None, None) if self.from.trim().is_empty() && self.to.trim().is_empty() => {
                let today = varna_workflow::local::date(chrono::Utc::now());
                let this_month = today.with_day(1)?;
                let last = this_month.pred_opt()?;
                Some((last.with_day(1)?, last))
            }
            _ => None,
        }
    }
}

fn bounds(
    from: NaiveDate,
    to: NaiveDate,
) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
    (
        varna_workflow::local::day_start(from),
        varna_workflow::local::day_start(to.succ_opt().unwrap_or(to)),
    )
}

async fn review(
    app: &App,
    ctx: &Ctx,
    period: &Period,
    note: String,
    error: Option<String>,
) -> Result<ReviewPage, Response> {
    let mut page = ReviewPage {
        c: ctx.chrome("/audit/review"),
        from: period.from.clone(),
        to: period.to.clone(),
        findings: Vec::new(),
        done: Vec::new(),
        note,
        error,
    };
    let Some((from, to)) = period.days().filter(|(f, t)| f <= t) else {
        page.error = Some(ctx.t.access_bad_dates.to_owned());
        return Ok(page);
    };
    page.from = from.to_string();
    page.to = to.to_string();
    let (start, end) = bounds(from, to);
    let reads = Reads::default();
    let (findings, done) = app
        .app
        .session(ctx.principal(), &reads)
        .log_review(start, end)
        .await
        .map_err(|e| match e.code {
            Code::Forbidden => ctx.error(StatusCode::FORBIDDEN, ctx.t.access_not_for_role),
            _ => refused(ctx, &e),
        })?;
    let t = ctx.t;
    page.findings = findings
        .into_iter()
        .map(|f| FindingRow {
            kind: match f.kind {
                FindingKind::OutsideUnits => t.review_outside_units,
                FindingKind::ManyCases => t.review_many_cases,
                FindingKind::OutsideWorkingHours => t.review_outside_hours,
            },
            role: f
                .role
                .parse()
                .map_or_else(|_| f.role.clone(), |r| role_label(r, ctx.lang).to_owned()),
            user: f.user_id,
            reads: f.reads,
            first: local_time(f.first),
            last: local_time(f.last),
            cases: f
                .case_ids
                .into_iter()
                .map(|id| (short_id(&id), id))
                .map(|(n, id)| (id, n))
                .collect(),
        })
        .collect();
    page.done = done
        .into_iter()
        .map(|d| DoneRow {
            at: local_time(d.reviewed_at),
            by: d.reviewed_by,
            period: format!(
                "{} – {}",
                varna_workflow::local::date(d.period_from),
                varna_workflow::local::date(d.period_to - chrono::Duration::seconds(1))
            ),
            findings: d.findings,
            note: d.note,
        })
        .collect();
    Ok(page)
}

/// A CSV field: quoted, quotes doubled, and a leading `=`, `+`, `-` or `@`
/// neutralised so that a spreadsheet never reads it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// `GET /audit/review.csv?from=&to=`: the loggkontroll's findings as a
/// file for the auditor's report (semicolons, as Swedish spreadsheets read
/// them; times in Swedish time). The cases named are logged as read, as on
/// the page.
pub(super) async fn review_csv(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    axum::extract::Query(period): axum::extract::Query<Period>,
) -> Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse as _;
    if !varna_app::policy::sees_audit(ctx.principal()) {
        return ctx.error(StatusCode::FORBIDDEN, ctx.t.access_not_for_role);
    }
    let page = match review(&app, &ctx, &period, String::new(), None).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if page.error.is_some() {
        return ctx.error(StatusCode::UNPROCESSABLE_ENTITY, ctx.t.access_bad_dates);
    }
    let t = ctx.t;
    let mut out = String::new();
    let header_row = [
        t.review_kind,
        t.access_who,
        t.role,
        t.review_reads,
        t.review_first,
        t.review_last,
        t.col_case,
    ];
    out.push_str(&header_row.map(csv_field).join(";"));
    out.push_str("\r\n");
    for f in &page.findings {
        let cases: Vec<&str> = f.cases.iter().map(|(_, n)| n.as_str()).collect();
        let row = [
            f.kind.to_owned(),
            f.user.clone(),
            f.role.clone(),
            f.reads.to_string(),
            f.first.to_string(),
            f.last.to_string(),
            cases.join(" "),
        ];
        out.push_str(&row.map(|c| csv_field(&c)).join(";"));
        out.push_str("\r\n");
    }
    let mut response = out.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    super::private(h, "default-src 'none'; frame-ancestors 'none'");
    let name = format!(
        "attachment; filename=\"loggkontroll-{}-{}.csv\"",
        page.from, page.to
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

pub(super) async fn review_page(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    axum::extract::Query(period): axum::extract::Query<Period>,
) -> Response {
    if !varna_app::policy::sees_audit(ctx.principal()) {
        return ctx.error(StatusCode::FORBIDDEN, ctx.t.access_not_for_role);
    }
    match review(&app, &ctx, &period, String::new(), None).await {
        Ok(mut page) => {
            if period.recorded.is_some() {
                page.c.notice = Some(ctx.t.review_recorded.to_owned());
            }
            let status = if page.error.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            ctx.page(status, &page)
        }
        Err(r) => r,
    }
}

pub(super) async fn review_record(
    State(app): State<App>,
    PostedForm { ctx, values }: PostedForm,
) -> Response {
    if !varna_app::policy::sees_audit(ctx.principal()) {
        return ctx.error(StatusCode::FORBIDDEN, ctx.t.access_not_for_role);
    }
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let period = Period {
        from: get("from"),
        to: get("to"),
        recorded: None,
    };
    let note = get("note");
    let again = |error: &str| {
        let (app, ctx, period, note) = (&app, &ctx, &period, note.clone());
        let error = error.to_owned();
        async move {
            match review(app, ctx, period, note, Some(error)).await {
                Ok(page) => ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page),
                Err(r) => r,
            }
        }
    };
    let Some((from, to)) = period.days().filter(|(f, t)| f <= t) else {
        return again(ctx.t.access_bad_dates).await;
    };
    if note.is_empty() {
        return again(ctx.t.review_note_empty).await;
    }
    let (start, end) = bounds(from, to);
    let reads = Reads::default();
    let recorded = app
        .app
        .session(ctx.principal(), &reads)
        .record_log_review(start, end, &note)
        .await;
    match recorded {
        Ok(_) => super::see_other(
            &format!("/audit/review?from={from}&to={to}&recorded=1"),
            &[],
        ),
        Err(e) if e.code == Code::InvalidInput => again(ctx.t.review_note_empty).await,
        Err(e) => refused(&ctx, &e),
    }
}
