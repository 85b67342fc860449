//! Filing: the avvikelse form, the separate lex Sarah form, and the receipt.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use varna_app::{AppError, Code, NewCase, Purpose, Reads};
use varna_workflow::Lagrum;

use super::{App, Chrome, Ctx, PostedForm, SignedIn, case_id, refused, see_other, short_id};
use crate::WebConfig;
use crate::form::{self, Definitions, FieldView, label};

/// The kinds of case the pages file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Avvikelse,
    LexSarah,
}

impl Kind {
    fn workflow(self) -> &'static str {
        match self {
            Kind::Avvikelse => "avvikelse",
            Kind::LexSarah => "lex-sarah",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Kind::Avvikelse => "/cases/new",
            Kind::LexSarah => "/cases/new/lex-sarah",
        }
    }
}

#[derive(Template)]
#[template(path = "file.html")]
struct FilePage {
    c: Chrome,
    title: &'static str,
    intro: &'static str,
    action: &'static str,
    units: Vec<(String, bool)>,
    lagrum: Vec<(String, bool)>,
    fields: Vec<FieldView>,
    personnummer: String,
    personnummer_error: Option<String>,
    unit_error: Option<String>,
    lagrum_error: Option<String>,
    form_error: bool,
    general_error: Option<String>,
    idempotency_key: String,
}

/// The filing form's definition, from the lifecycle.
struct FormSpec {
    kind: Kind,
    units: Vec<String>,
    lagrum: Vec<String>,
    defs: Definitions,
    /// (field, required), required first.
    fields: Vec<(String, bool)>,
}

/// The form of `kind`; `NotFound` when no lifecycle of that name is loaded.
fn form_spec(app: &WebConfig, ctx: &Ctx, kind: Kind) -> Result<FormSpec, AppError> {
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    let workflows = session.workflows()?;
    let Some(def) = workflows.iter().find(|w| w.name() == kind.workflow()) else {
        return Err(AppError::new(Code::NotFound, "no such lifecycle"));
    };
    let (fields, _) = form::fields_of(&def.filing.requires, &def.filing.accepts);
    Ok(FormSpec {
        kind,
        units: ctx
            .principal()
            .units
            .iter()
            .map(|u| u.as_str().to_owned())
            .collect(),
        lagrum: def.lagrum.iter().map(|l| l.as_str().to_owned()).collect(),
        defs: Definitions::of(def, ctx.lang),
        fields,
    })
}

fn file_page(
    ctx: &Ctx,
    spec: &FormSpec,
    values: &BTreeMap<String, String>,
    errors: &[AppError],
    key: String,
) -> FilePage {
    let (mut at_field, general) = form::place_errors(errors, ctx.t);
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let unit = get("unit");
    let lagrum = get("lagrum");
    let (title, intro) = match spec.kind {
        Kind::Avvikelse => (ctx.t.file_title, ctx.t.file_intro),
        Kind::LexSarah => (ctx.t.sarah_title, ctx.t.sarah_intro),
    };
    let fields = form::controls(&spec.defs, &spec.fields, "f-", values, &at_field, ctx.lang);
    for f in &fields {
        at_field.remove(&f.name);
    }
    FilePage {
        c: ctx.chrome(spec.kind.path()),
        title,
        intro,
        action: spec.kind.path(),
        units: spec.units.iter().map(|u| (u.clone(), *u == unit)).collect(),
        lagrum: spec
            .lagrum
            .iter()
            .map(|l| (l.clone(), *l == lagrum))
            .collect(),
        fields,
        personnummer: get("personnummer"),
        personnummer_error: at_field.remove("personnummer"),
        unit_error: at_field.remove("unit"),
        lagrum_error: at_field.remove("lagrum"),
        form_error: !errors.is_empty(),
        general_error: general.or_else(|| at_field.into_values().next()),
        idempotency_key: key,
    }
}

pub(super) async fn file_form(State(app): State<App>, SignedIn(ctx): SignedIn) -> Response {
    show(&app, &ctx, Kind::Avvikelse).await
}

pub(super) async fn file_form_sarah(State(app): State<App>, SignedIn(ctx): SignedIn) -> Response {
    show(&app, &ctx, Kind::LexSarah).await
}

pub(super) async fn file_submit(State(app): State<App>, posted: PostedForm) -> Response {
    submit(&app, posted, Kind::Avvikelse).await
}

pub(super) async fn file_submit_sarah(State(app): State<App>, posted: PostedForm) -> Response {
    submit(&app, posted, Kind::LexSarah).await
}

async fn show(app: &WebConfig, ctx: &Ctx, kind: Kind) -> Response {
    let spec = match form_spec(app, ctx, kind) {
        Ok(s) => s,
        Err(e) => return refused(ctx, &e),
    };
    let mut values = BTreeMap::new();
    if let [only] = spec.units.as_slice() {
        values.insert("unit".to_owned(), only.clone());
    }
    if let [only] = spec.lagrum.as_slice() {
        values.insert("lagrum".to_owned(), only.clone());
    }
    let page = file_page(ctx, &spec, &values, &[], uuid::Uuid::new_v4().to_string());
    ctx.page(StatusCode::OK, &page)
}

async fn submit(app: &WebConfig, posted: PostedForm, kind: Kind) -> Response {
    let PostedForm { ctx, values } = posted;
    let spec = match form_spec(app, &ctx, kind) {
        Ok(s) => s,
        Err(e) => return refused(&ctx, &e),
    };
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    // Everything wrong with the choices at once, before the engine runs.
    let lagrum = get("lagrum").parse::<Lagrum>();
    let mut unchosen: Vec<AppError> = Vec::new();
    if get("unit").is_empty() {
        unchosen.push(AppError::invalid("unit", "EMPTY", "choose a unit"));
    }
    if get("lagrum").is_empty() {
        unchosen.push(AppError::invalid("lagrum", "EMPTY", "choose a lagrum"));
    } else if lagrum.is_err() {
        unchosen.push(AppError::invalid("lagrum", "WRONG_TYPE", "not a lagrum"));
    }
    let key = idempotency_key(&values);
    let lagrum = match lagrum {
        Ok(lagrum) if unchosen.is_empty() => lagrum,
        _ => {
            let page = file_page(&ctx, &spec, &values, &unchosen, key);
            return ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let names: Vec<String> = spec.fields.iter().map(|(n, _)| n.clone()).collect();
    let pnr = get("personnummer");
    let new = NewCase {
        workflow: kind.workflow().to_owned(),
        lagrum,
        unit: get("unit"),
        fields: form::typed_fields(&spec.defs, &names, &values),
        personnummer: (!pnr.is_empty()).then_some(pnr),
        idempotency_key: Some(key.clone()),
    };
    let reads = Reads::default();
    match app.app.session(ctx.principal(), &reads).file(new).await {
        Ok(done) => see_other(&format!("/cases/{}/receipt", done.applied.case_id), &[]),
        Err(e) => {
            let page = file_page(&ctx, &spec, &values, &[e], key);
            ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// The form's idempotency key when it is a UUID (as the page made it),
/// else a new one: sending the same form twice files once.
pub(super) fn idempotency_key(values: &BTreeMap<String, String>) -> String {
    values
        .get("idempotency_key")
        .filter(|k| uuid::Uuid::parse_str(k).is_ok())
        .cloned()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    c: Chrome,
    case_number: String,
    case_id: String,
    kind: String,
    state: String,
    unit: String,
    told: &'static str,
}

pub(super) async fn receipt(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Path(id): Path<String>,
) -> Response {
    let Some(id) = case_id(&id) else {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found);
    };
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    let case = match session.case(&id, Purpose::CaseView).await {
        Ok(c) => c,
        Err(e) => return refused(&ctx, &e),
    };
    let is_sarah = case.workflow() == Kind::LexSarah.workflow();
    let page = ReceiptPage {
        c: ctx.chrome("/"),
        case_number: short_id(&case.id()),
        case_id: case.id(),
        kind: label(case.workflow_label(), ctx.lang),
        state: label(&case.state().label, ctx.lang),
        unit: case.record.summary.unit_id.clone(),
        told: if is_sarah {
            ctx.t.receipt_told_sas
        } else {
            ctx.t.receipt_told_manager
        },
    };
    ctx.page(StatusCode::OK, &page)
}
