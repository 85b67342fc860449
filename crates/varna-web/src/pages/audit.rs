//! The auditor's log review (loggkontroll, SoLPuL 10 §): who read cases
//! about a person, or what a user read, across every case. The search is
//! sent as a form (POST), so a personnummer never lands in an address or
//! a server log; the search itself is logged against the cases it names.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use varna_app::{AccessQuery, Code, Reads};

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
    at: String,
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
