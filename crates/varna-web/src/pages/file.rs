//! Filing: the avvikelse form, the separate lex Sarah form, and the receipt.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::{App, Chrome, Ctx, PostedForm, SignedIn, internal, see_other, short_id};
use crate::WebConfig;
use crate::form::{self, Definitions, FieldView, WORKFLOW_PARTS, str_of};
use crate::gql::{self, GqlError};

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

    fn graphql(self) -> &'static str {
        match self {
            Kind::Avvikelse => "AVVIKELSE",
            Kind::LexSarah => "LEX_SARAH",
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

/// The filing form's definition, read through the API.
struct FormSpec {
    kind: Kind,
    units: Vec<String>,
    lagrum: Vec<String>,
    defs: Definitions,
    /// (field, required), required first.
    fields: Vec<(String, bool)>,
}

async fn form_spec(app: &WebConfig, ctx: &Ctx, kind: Kind) -> Result<FormSpec, Response> {
    let query = format!(
        "query {{ me {{ units }} workflows {{ {WORKFLOW_PARTS} filing {{ requires accepts }} }} }}"
    );
    let data = gql::run(&app.schema, ctx.principal(), &query, json!({}))
        .await
        .map_err(|e| internal(ctx, &e))?;
    let workflow = form::workflow(&data, kind.workflow());
    let list =
        |v: &Value| -> Vec<String> { v.as_array().into_iter().flatten().map(str_of).collect() };
    let (fields, _) = form::fields_of(
        &workflow["filing"]["requires"],
        &workflow["filing"]["accepts"],
    );
    Ok(FormSpec {
        kind,
        units: list(&data["me"]["units"]),
        lagrum: list(&workflow["lagrum"]),
        defs: Definitions::of(workflow, ctx.lang),
        fields,
    })
}

fn file_page(
    ctx: &Ctx,
    spec: &FormSpec,
    values: &BTreeMap<String, String>,
    errors: &[GqlError],
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
    let spec = match form_spec(app, ctx, kind).await {
        Ok(s) => s,
        Err(r) => return r,
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

const FILE_CASE: &str = "mutation($input: FileCaseInput!) { fileCase(input: $input) { caseId } }";

async fn submit(app: &WebConfig, posted: PostedForm, kind: Kind) -> Response {
    let PostedForm { ctx, values } = posted;
    let spec = match form_spec(app, &ctx, kind).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    // Unit and lagrum are part of the request's shape: without them the API
    // refuses the whole request, so say so at the controls first.
    let unchosen: Vec<GqlError> = ["unit", "lagrum"]
        .into_iter()
        .filter(|k| get(k).is_empty())
        .map(|k| GqlError {
            code: "INVALID_INPUT".into(),
            field: Some(k.into()),
            problem: Some("EMPTY".into()),
            ..GqlError::default()
        })
        .collect();
    let key = idempotency_key(&values);
    if !unchosen.is_empty() {
        let page = file_page(&ctx, &spec, &values, &unchosen, key);
        return ctx.page(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let names: Vec<String> = spec.fields.iter().map(|(n, _)| n.clone()).collect();
    let fields = form::typed_fields(&spec.defs, &names, &values);
    let pnr = get("personnummer");
    let input = json!({
        "kind": kind.graphql(),
        // The workflow says `SoL`; the API's enum is `SOL`.
        "lagrum": get("lagrum").to_uppercase(),
        "unit": get("unit"),
        "fields": fields,
        "personnummer": if pnr.is_empty() { Value::Null } else { json!(pnr) },
        "idempotencyKey": key,
    });
    match gql::run(
        &app.schema,
        ctx.principal(),
        FILE_CASE,
        json!({ "input": input }),
    )
    .await
    {
        Ok(data) => {
            let id = str_of(&data["fileCase"]["caseId"]);
            see_other(&format!("/cases/{id}/receipt"), &[])
        }
        Err(errors) => {
            let page = file_page(&ctx, &spec, &values, &errors, key);
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
    if uuid::Uuid::parse_str(&id).is_err() {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found);
    }
    let q = "query($id: ID!) { case(id: $id) { id kind unit state { labelSv labelEn } } workflows { name labelSv labelEn } }";
    let data = match gql::run(&app.schema, ctx.principal(), q, json!({ "id": id })).await {
        Ok(d) => d,
        Err(e) => return internal(&ctx, &e),
    };
    let case = &data["case"];
    let is_sarah = case["kind"] == "LEX_SARAH";
    let workflow = if is_sarah { "lex-sarah" } else { "avvikelse" };
    let kind = form::label(form::workflow(&data, workflow), ctx.lang);
    let page = ReceiptPage {
        c: ctx.chrome("/"),
        case_number: short_id(&str_of(&case["id"])),
        case_id: str_of(&case["id"]),
        kind,
        state: form::label(&case["state"], ctx.lang),
        unit: str_of(&case["unit"]),
        told: if is_sarah {
            ctx.t.receipt_told_sas
        } else {
            ctx.t.receipt_told_manager
        },
    };
    ctx.page(StatusCode::OK, &page)
}
