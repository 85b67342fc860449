//! Filing: one form per lifecycle (`/cases/new` for the avvikelse,
//! `/cases/new/NAME` for any other), built from its file — heading,
//! introduction, fields — and the receipt with the file's words.

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

/// The lifecycle `/cases/new` files.
const DEFAULT_FORM: &str = "avvikelse";

/// The filing forms `role` may use, for the menu: (path, words), in the
/// catalog's order with the avvikelse first; a lifecycle without menu
/// words in its file is not in the menu (its form is still at its path).
pub(super) fn menu(
    app: &WebConfig,
    role: varna_workflow::Role,
    lang: crate::text::Lang,
) -> Vec<(String, String)> {
    let store = app.app.store();
    let mut names = store.workflows();
    names.sort_by_key(|n| n != DEFAULT_FORM);
    names
        .iter()
        .filter_map(|name| store.definition(name).ok())
        .filter(|d| d.filing.roles.contains(&role))
        .filter_map(|d| {
            let words = d.filing.nav.as_ref()?;
            Some((form_path(d.name()), label(words, lang)))
        })
        .collect()
}

/// Where the form of `workflow` is.
fn form_path(workflow: &str) -> String {
    if workflow == DEFAULT_FORM {
        "/cases/new".to_owned()
    } else {
        format!("/cases/new/{workflow}")
    }
}

#[derive(Template)]
#[template(path = "file.html")]
struct FilePage {
    c: Chrome,
    title: String,
    intro: String,
    /// The law the filing rests on ("Stöd: …"), texts in force today.
    references: Option<String>,
    action: String,
    units: Vec<(String, bool)>,
    lagrum: Vec<(String, bool)>,
    fields: Vec<FieldView>,
    personnummer: String,
    personnummer_error: Option<String>,
    unit_error: Option<String>,
    lagrum_error: Option<String>,
    form_error: bool,
    /// Every error: (control id, what is wrong), in form order.
    summary: Vec<(String, String)>,
    general_error: Option<String>,
    idempotency_key: String,
}

/// The filing form's definition, from the lifecycle.
struct FormSpec {
    workflow: String,
    title: String,
    intro: String,
    references: Option<String>,
    units: Vec<String>,
    lagrum: Vec<String>,
    defs: Definitions,
    /// (field, required), required first.
    fields: Vec<(String, bool)>,
}

/// The form of `workflow`; `NotFound` when no lifecycle of that name is loaded.
async fn form_spec(app: &WebConfig, ctx: &Ctx, workflow: &str) -> Result<FormSpec, AppError> {
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    let workflows = session.workflows()?;
    let Some(def) = workflows.iter().find(|w| w.name() == workflow) else {
        return Err(AppError::new(Code::NotFound, "no such lifecycle"));
    };
    // A filing may carry what the report knows of an utredning topic (the
    // measures taken at once): only a transition is refused one.
    let fields = form::fields_of(&def.filing.requires, &def.filing.accepts, &[]).inputs;
    let own: Vec<String> = ctx
        .principal()
        .units
        .iter()
        .map(|u| u.as_str().to_owned())
        .collect();
    let open_units = session.open_units(&own).await?;
    let today = varna_workflow::local::date(chrono::Utc::now());
    let words =
        |l: &Option<varna_workflow::definition::Label>| l.as_ref().map(|l| label(l, ctx.lang));
    Ok(FormSpec {
        workflow: workflow.to_owned(),
        title: words(&def.filing.title).unwrap_or_else(|| label(&def.label, ctx.lang)),
        intro: words(&def.filing.intro).unwrap_or_else(|| ctx.t.file_intro_generic.to_owned()),
        references: form::references_line(
            &def.references_in_force(&def.filing.legal_refs, today),
            ctx.t,
        ),
        // A closed unit takes no new cases: not offered.
        units: open_units,
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
    let (mut at_field, general) = form::place_errors(errors, ctx.t, &spec.defs);
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let unit = get("unit");
    let lagrum = get("lagrum");
    let mut fields = form::controls(&spec.defs, &spec.fields, "f-", values, &at_field, ctx.lang);
    // A report is where the law is least known: each field says what it rests on.
    for f in &mut fields {
        let references = spec
            .defs
            .fields
            .get(&f.name)
            .map(|d| d.references.as_slice());
        f.hint = form::references_line(references.unwrap_or_default(), ctx.t).unwrap_or_default();
    }
    // The summary at the top lists every error in form order, each a link
    // to its control (the GOV.UK error-summary pattern).
    let mut summary: Vec<(String, String)> = Vec::new();
    let mut note = |id: &str, label: &str, error: Option<&String>| {
        if let Some(e) = error {
            summary.push((id.to_owned(), format!("{label}: {e}")));
        }
    };
    note("unit", ctx.t.unit, at_field.get("unit"));
    note("lagrum", ctx.t.lagrum, at_field.get("lagrum"));
    for f in &fields {
        note(&f.id, &f.label, f.error.as_ref());
    }
    note(
        "personnummer",
        ctx.t.personnummer,
        at_field.get("personnummer"),
    );
    for f in &fields {
        at_field.remove(&f.name);
    }
    FilePage {
        summary,
        c: ctx.chrome(&form_path(&spec.workflow)),
        title: spec.title.clone(),
        intro: spec.intro.clone(),
        references: spec.references.clone(),
        action: form_path(&spec.workflow),
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
    show(&app, &ctx, DEFAULT_FORM).await
}

pub(super) async fn file_form_of(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Path(workflow): Path<String>,
) -> Response {
    show(&app, &ctx, &workflow).await
}

pub(super) async fn file_submit(State(app): State<App>, posted: PostedForm) -> Response {
    submit(&app, posted, DEFAULT_FORM).await
}

pub(super) async fn file_submit_of(
    State(app): State<App>,
    Path(workflow): Path<String>,
    posted: PostedForm,
) -> Response {
    submit(&app, posted, &workflow).await
}

async fn show(app: &WebConfig, ctx: &Ctx, workflow: &str) -> Response {
    let spec = match form_spec(app, ctx, workflow).await {
        Ok(s) => s,
        Err(e) => return refused(ctx, &e),
    };
    // Back after the sign-in ended mid-form: the text as it was typed.
    let reads = Reads::default();
    let draft = match app
        .app
        .session(ctx.principal(), &reads)
        .take_draft(&form_path(workflow))
        .await
    {
        Ok(d) => d,
        Err(e) => return refused(ctx, &e),
    };
    if let Some(draft) = draft {
        let key = idempotency_key(&draft.fields);
        let mut page = file_page(ctx, &spec, &draft.fields, &[], key);
        page.c.notice = Some(ctx.t.draft_restored.to_owned());
        return ctx.page(StatusCode::OK, &page);
    }
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

async fn submit(app: &WebConfig, posted: PostedForm, workflow: &str) -> Response {
    let PostedForm { ctx, values } = posted;
    let spec = match form_spec(app, &ctx, workflow).await {
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
    let names: Vec<String> = spec.fields.iter().map(|(n, _)| n.clone()).collect();
    let pnr = get("personnummer");
    let lagrum_chosen = lagrum.is_ok();
    // Without a lagrum the fields are still checked, under the lifecycle's
    // first (its lagrum error is the one above).
    let Some(lagrum) = lagrum
        .ok()
        .or_else(|| spec.lagrum.first().and_then(|l| l.parse().ok()))
    else {
        let page = file_page(&ctx, &spec, &values, &unchosen, key);
        return ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let new = NewCase {
        workflow: workflow.to_owned(),
        lagrum,
        unit: get("unit"),
        fields: form::typed_fields(&spec.defs, &names, &values),
        personnummer: (!pnr.is_empty()).then_some(pnr),
        idempotency_key: Some(key.clone()),
    };
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    // Every error at once: the choices above, and all the engine would say
    // of the fields and the personnummer.
    let mut errors = unchosen;
    match session.filing_problems(&new) {
        Ok(problems) => errors.extend(
            problems
                .into_iter()
                .filter(|e| lagrum_chosen || e.detail.field.as_deref() != Some("lagrum")),
        ),
        Err(e) => return refused(&ctx, &e),
    }
    if !errors.is_empty() {
        let page = file_page(&ctx, &spec, &values, &errors, key);
        return ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    match session.file(new).await {
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
    told: String,
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
    let page = ReceiptPage {
        c: ctx.chrome("/"),
        case_number: short_id(&case.id()),
        case_id: case.id(),
        kind: label(case.workflow_label(), ctx.lang),
        state: label(&case.state().label, ctx.lang),
        unit: case.record.summary.unit_id.clone(),
        told: case
            .def
            .filing
            .receipt
            .as_ref()
            .map_or_else(|| ctx.t.receipt_generic.to_owned(), |l| label(l, ctx.lang)),
    };
    ctx.page(StatusCode::OK, &page)
}
