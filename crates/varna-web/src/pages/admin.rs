//! "Enheter och verksamhetsområden": the administrator adds, renames,
//! moves, closes and reopens units, and adds and renames
//! verksamhetsområden; each change is recorded and listed below, newest
//! first. Auditors see the page and the record without the forms.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use varna_app::{AppError, AreaEntry, Code, OrgChange, OrgEdit, Reads};
use varna_workflow::Role;

use super::{App, Chrome, Ctx, PostedForm, SignedIn, When, local_time, see_other};
use crate::text::Text;

/// The newest this many changes are listed.
const SHOWN: u64 = 200;

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    c: Chrome,
    /// The forms are shown (admin), or only the lists (auditor).
    admin: bool,
    areas: Vec<AreaRow>,
    /// Every verksamhetsområde (code, name), for the move and add forms.
    choices: Vec<(String, String)>,
    changes: Vec<ChangeRow>,
    error: Option<String>,
    /// What was typed in the add forms, kept when refused.
    typed: Typed,
}

#[derive(Default)]
struct Typed {
    unit_id: String,
    unit_name: String,
    unit_area: String,
    area_id: String,
    area_name: String,
}

struct AreaRow {
    id: String,
    name: String,
    units: Vec<UnitRow>,
}

struct UnitRow {
    id: String,
    name: String,
    area_id: String,
    closed: Option<When>,
}

struct ChangeRow {
    at: When,
    who: String,
    what: String,
}

#[derive(Deserialize)]
pub(super) struct Shown {
    done: Option<String>,
}

fn may_see(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Auditor)
}

/// A change in words: "Enheten linden flyttades från X till Y".
fn describe(c: &OrgChange, t: &Text, areas: &[AreaEntry]) -> String {
    let area = |id: &str| {
        areas
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| id.to_owned(), |a| a.name.clone())
    };
    let s = &c.subject;
    match c.change.as_str() {
        "area_added" => format!("{} {s}: {}", t.org_area_added, c.name),
        "area_renamed" => format!("{} {s}: {}", t.org_area_renamed, c.name),
        "unit_added" => format!(
            "{} {s}: {} ({})",
            t.org_unit_added,
            c.name,
            area(&c.area_id)
        ),
        "unit_renamed" => format!("{} {s}: {}", t.org_unit_renamed, c.name),
        "unit_moved" => format!(
            "{} {s}: {} → {}",
            t.org_unit_moved,
            area(&c.from_area_id),
            area(&c.area_id)
        ),
        "unit_closed" => format!("{} {s}", t.org_unit_closed),
        _ => format!("{} {s}", t.org_unit_reopened),
    }
}

async fn page(
    app: &App,
    ctx: &Ctx,
    error: Option<String>,
    typed: Typed,
) -> Result<UnitsPage, AppError> {
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    let areas = session.organisation().await?;
    let changes = session.organisation_changes(SHOWN).await?;
    let changes = changes
        .iter()
        .map(|c| ChangeRow {
            at: local_time(c.at),
            who: c.actor_id.clone(),
            what: describe(c, ctx.t, &areas),
        })
        .collect();
    Ok(UnitsPage {
        c: ctx.chrome("/admin/units"),
        admin: session.may_administer(),
        choices: areas
            .iter()
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect(),
        areas: areas
            .into_iter()
            .map(|a| AreaRow {
                id: a.id,
                name: a.name,
                units: a
                    .units
                    .into_iter()
                    .map(|u| UnitRow {
                        id: u.id,
                        name: u.name,
                        area_id: u.area_id,
                        closed: u.closed_at.map(local_time),
                    })
                    .collect(),
            })
            .collect(),
        changes,
        error,
        typed,
    })
}

/// `GET /admin/units`.
pub(super) async fn units_page(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Query(shown): Query<Shown>,
) -> Response {
    if !may_see(ctx.principal().role) {
        return ctx.error(StatusCode::FORBIDDEN, ctx.t.org_not_for_role);
    }
    match page(&app, &ctx, None, Typed::default()).await {
        Ok(mut p) => {
            if shown.done.is_some() {
                p.c.notice = Some(ctx.t.org_saved.to_owned());
            }
            ctx.page(StatusCode::OK, &p)
        }
        Err(e) => super::refused(&ctx, &e),
    }
}

/// The edit a posted form asks for: `action` names it, `id`, `name` and
/// `area` carry it.
fn edit_of(get: &impl Fn(&str) -> String) -> Option<OrgEdit> {
    let (id, name, area) = (get("id"), get("name"), get("area"));
    Some(match get("action").as_str() {
        "add_area" => OrgEdit::AddArea { id, name },
        "rename_area" => OrgEdit::RenameArea { id, name },
        "add_unit" => OrgEdit::AddUnit { id, name, area },
        "rename_unit" => OrgEdit::RenameUnit { id, name },
        "move_unit" => OrgEdit::MoveUnit { id, area },
        "close_unit" => OrgEdit::CloseUnit { id },
        "reopen_unit" => OrgEdit::ReopenUnit { id },
        _ => return None,
    })
}

/// The refusal in the reader's words, naming the field.
fn refusal(t: &Text, e: &AppError) -> String {
    let field = match e.detail.field.as_deref() {
        Some("id") => t.org_code,
        Some("name") => t.org_name,
        Some("area") => t.org_area,
        _ => "",
    };
    let message = match e.code {
        Code::InvalidInput => crate::text::problem(t, e.detail.problem),
        Code::Forbidden => t.error_forbidden,
        _ => t.error_internal,
    };
    if field.is_empty() {
        message.to_owned()
    } else {
        format!("{field}: {message}")
    }
}

/// `POST /admin/units`: one change; on success back to the page with a
/// notice, else the page again with the problem and what was typed.
pub(super) async fn units_change(
    State(app): State<App>,
    PostedForm { ctx, values }: PostedForm,
) -> Response {
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    if !session.may_administer() {
        return ctx.error(StatusCode::FORBIDDEN, ctx.t.org_not_for_role);
    }
    let Some(edit) = edit_of(&get) else {
        return ctx.error(StatusCode::BAD_REQUEST, ctx.t.error_invalid);
    };
    let e = match session.change_organisation(&edit).await {
        Ok(_) => return see_other("/admin/units?done=1", &[]),
        Err(e) => e,
    };
    if e.code == Code::Internal {
        return super::refused(&ctx, &e);
    }
    let typed = match edit {
        OrgEdit::AddUnit { id, name, area } => Typed {
            unit_id: id,
            unit_name: name,
            unit_area: area,
            ..Typed::default()
        },
        OrgEdit::AddArea { id, name } => Typed {
            area_id: id,
            area_name: name,
            ..Typed::default()
        },
        _ => Typed::default(),
    };
    match page(&app, &ctx, Some(refusal(ctx.t, &e)), typed).await {
        Ok(p) => ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &p),
        Err(e) => super::refused(&ctx, &e),
    }
}
