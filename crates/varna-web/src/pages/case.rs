//! The case page: where the case stands, what is due, what this person may
//! do now (the engine's available transitions, each a form with the fields
//! its guard needs), the utredning journal, linked cases and the history.
//! Actions post back here; a refused action shows the page again with the
//! typed text kept and the errors in that action's form.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::file::idempotency_key;
use super::{
    App, Chrome, Ctx, PostedForm, SignedIn, internal, lagrum_label, local_time, role_label,
    see_other, short_id,
};
use crate::WebConfig;
use crate::form::{self, Definitions, FieldView, WORKFLOW_PARTS, label, str_of};
use crate::gql::{self, GqlError};

fn case_query() -> String {
    format!(
        "query($id: ID!, $auditor: Boolean!, $investigator: Boolean!) {{ case(id: $id) {{ \
         auditChain @include(if: $auditor) {{ intact eventsChecked firstBreak }} \
         accessLog @include(if: $auditor) {{ userId role purpose at }} \
         id kind lagrum unit closed version openedAt closedAt personnummer \
         workflow {{ name }} state {{ id labelSv labelEn }} outcome {{ id labelSv labelEn reportable }} \
         fields {{ name value masked }} \
         availableTransitions {{ name labelSv labelEn to requiredFields acceptedFields missingFields }} \
         canAddUtredningEntry deadlines {{ id labelSv dueAt status overdue }} \
         links {{ otherCaseId kind thisCaseIs }} \
         utredningJournal @include(if: $investigator) {{ topic text source kind documentedOn authorName authorTitle }} \
         history @include(if: $investigator) {{ sequence eventType actorRole occurredAt transition fromState toState }} }} \
         workflows {{ {WORKFLOW_PARTS} states {{ id labelSv labelEn }} transitions {{ name labelSv labelEn }} journalTopics }} }}"
    )
}

/// A form on the page that was posted and refused: which one, what was
/// typed, and what was wrong.
struct Posted {
    /// `act:<transition>` or `journal`.
    form: String,
    values: BTreeMap<String, String>,
    errors: Vec<GqlError>,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    c: Chrome,
    id: String,
    case_number: String,
    kind: String,
    state: String,
    closed: bool,
    lagrum: String,
    unit: String,
    opened_at: String,
    closed_at: Option<String>,
    outcome: Option<(String, bool)>,
    personnummer: Option<String>,
    version: i64,
    deadlines: Vec<DeadlineRow>,
    actions: Vec<Action>,
    journal: Vec<JournalRow>,
    journal_form: Option<JournalForm>,
    links: Vec<LinkRow>,
    fields: Vec<(String, String)>,
    history: Vec<HistoryRow>,
    /// Auditors: whether the hash chain is intact, and how many events.
    chain: Option<(bool, i64)>,
    /// Auditors: every read of the case.
    access: Vec<AccessRow>,
}

struct AccessRow {
    at: String,
    user: String,
    role: String,
    purpose: &'static str,
}

struct DeadlineRow {
    label: String,
    due: String,
    status: String,
    overdue: bool,
}

struct Action {
    name: String,
    label: String,
    /// Where it leads, in words.
    to: String,
    fields: Vec<FieldView>,
    /// Some fields are alternatives: fill in at least one.
    has_alternatives: bool,
    error: Option<String>,
    /// This form was posted and refused (focus and open it).
    refused: bool,
    idempotency_key: String,
    /// The committee's IVO decision, the SAS ruling: say what it means.
    explain: Option<&'static str>,
}

struct JournalRow {
    topic: String,
    text: String,
    source: String,
    fact: bool,
    on: String,
    author: String,
}

struct JournalForm {
    topics: Vec<(String, String, bool)>,
    kind_fact: bool,
    source: String,
    text: String,
    on: String,
    author_name: String,
    author_title: String,
    errors: BTreeMap<String, String>,
    error: Option<String>,
    refused: bool,
    idempotency_key: String,
}

struct LinkRow {
    id: String,
    case_number: String,
    how: &'static str,
}

struct HistoryRow {
    at: String,
    what: String,
    change: Option<String>,
    by: String,
}

async fn load(app: &WebConfig, ctx: &Ctx, id: &str) -> Result<Value, Response> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found));
    }
    let auditor = varna_api::policy::sees_audit(ctx.principal());
    let investigator = varna_api::policy::sees_investigation(ctx.principal());
    let variables = json!({ "id": id, "auditor": auditor, "investigator": investigator });
    gql::run(&app.schema, ctx.principal(), &case_query(), variables)
        .await
        .map_err(|e| internal(ctx, &e))
}

fn render(ctx: &Ctx, data: &Value, posted: Option<&Posted>) -> CasePage {
    let lang = ctx.lang;
    let t = ctx.t;
    let case = &data["case"];
    let workflow = form::workflow(data, &str_of(&case["workflow"]["name"]));
    let defs = Definitions::of(workflow, lang);
    let named = |list: &str, id: &str| {
        workflow[list]
            .as_array()
            .and_then(|xs| xs.iter().find(|x| x["id"] == id || x["name"] == id))
            .map_or_else(|| id.to_owned(), |x| label(x, lang))
    };
    let id = str_of(&case["id"]);
    let posted_to = |form: &str| posted.filter(|p| p.form == form);

    let actions = case["availableTransitions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            let name = str_of(&a["name"]);
            let mine = posted_to(&format!("act:{name}"));
            let (errors, general) =
                mine.map_or_else(Default::default, |p| form::place_errors(&p.errors, t));
            let values = mine.map(|p| p.values.clone()).unwrap_or_default();
            let (names, has_alternatives) =
                form::fields_of(&a["missingFields"], &a["acceptedFields"]);
            let fields = form::controls(&defs, &names, &format!("{name}-"), &values, &errors, lang);
            let unplaced = errors
                .keys()
                .find(|k| !fields.iter().any(|f| &f.name == *k))
                .cloned();
            Action {
                label: label(a, lang),
                to: named("states", &str_of(&a["to"])),
                fields,
                has_alternatives,
                error: general.or_else(|| unplaced.and_then(|k| errors.get(&k).cloned())),
                refused: mine.is_some(),
                idempotency_key: mine.map_or_else(
                    || uuid::Uuid::new_v4().to_string(),
                    |p| idempotency_key(&p.values),
                ),
                explain: match name.as_str() {
                    "decide_ivo_anmalan" => Some(t.explain_ivo_decision),
                    "return_for_reassessment" => Some(t.explain_return),
                    "rule_serious" => Some(t.explain_rule_serious),
                    "rule_not_serious" => Some(t.explain_rule_not_serious),
                    _ => None,
                },
                name,
            }
        })
        .collect();

    let journal_form = case["canAddUtredningEntry"]
        .as_bool()
        .unwrap_or(false)
        .then(|| {
            let mine = posted_to("journal");
            let (errors, error) =
                mine.map_or_else(Default::default, |p| form::place_errors(&p.errors, t));
            let get = |k: &str| mine.and_then(|p| p.values.get(k).cloned());
            let session = ctx.me();
            let topic = get("topic").unwrap_or_default();
            JournalForm {
                topics: workflow["journalTopics"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|x| {
                        let id = str_of(x);
                        let selected = id == topic;
                        (defs.label_of(&id), id, selected)
                    })
                    .collect(),
                kind_fact: get("kind").is_none_or(|k| k != "ASSESSMENT"),
                source: get("source").unwrap_or_default(),
                text: get("text").unwrap_or_default(),
                on: get("documented_on")
                    .unwrap_or_else(|| chrono::Utc::now().date_naive().to_string()),
                author_name: get("author_name").unwrap_or_else(|| session.name.clone()),
                author_title: get("author_title").unwrap_or_else(|| session.title.clone()),
                error: error.or_else(|| {
                    errors
                        .iter()
                        .find(|(k, _)| {
                            ![
                                "topic",
                                "text",
                                "source",
                                "documented_on",
                                "author.name",
                                "author.title",
                            ]
                            .contains(&k.as_str())
                        })
                        .map(|(_, v)| v.clone())
                }),
                errors,
                refused: mine.is_some(),
                idempotency_key: mine.map_or_else(
                    || uuid::Uuid::new_v4().to_string(),
                    |p| idempotency_key(&p.values),
                ),
            }
        });

    let transition_label = |name: &str| {
        workflow["transitions"]
            .as_array()
            .and_then(|xs| xs.iter().find(|x| x["name"] == name))
            .map_or_else(|| name.to_owned(), |x| label(x, lang))
    };
    let history = case["history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let transition = e["transition"].as_str();
            let event = str_of(&e["eventType"]);
            let what = match (transition, event.as_str()) {
                (Some(tr), _) => transition_label(tr),
                (None, "filed") => t.event_filed.to_owned(),
                (None, "journal_entry_added") => t.event_entry.to_owned(),
                (None, "deadline_passed") => t.event_deadline_passed.to_owned(),
                (None, "linked") => t.event_linked.to_owned(),
                (None, other) => other.replace('_', " "),
            };
            let change = match (e["fromState"].as_str(), e["toState"].as_str()) {
                (Some(from), Some(to)) if from != to => Some(format!(
                    "{} → {}",
                    named("states", from),
                    named("states", to)
                )),
                (None, Some(to)) => Some(named("states", to)),
                _ => None,
            };
            HistoryRow {
                at: local_time(&str_of(&e["occurredAt"])),
                what,
                change,
                by: str_of(&e["actorRole"]).parse().map_or_else(
                    |_| str_of(&e["actorRole"]),
                    |r| role_label(r, lang).to_owned(),
                ),
            }
        })
        .collect();

    CasePage {
        c: ctx.chrome(&format!("/cases/{id}")),
        case_number: short_id(&id),
        kind: label(workflow, lang),
        state: label(&case["state"], lang),
        closed: case["closed"].as_bool().unwrap_or(false),
        lagrum: lagrum_label(&str_of(&case["lagrum"])),
        unit: str_of(&case["unit"]),
        opened_at: local_time(&str_of(&case["openedAt"])),
        closed_at: case["closedAt"].as_str().map(local_time),
        outcome: case["outcome"].is_object().then(|| {
            (
                label(&case["outcome"], lang),
                case["outcome"]["reportable"].as_bool().unwrap_or(false),
            )
        }),
        personnummer: case["personnummer"].as_str().map(str::to_owned),
        version: case["version"].as_i64().unwrap_or(0),
        deadlines: case["deadlines"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| DeadlineRow {
                label: str_of(&d["labelSv"]),
                due: local_time(&str_of(&d["dueAt"])),
                status: crate::text::deadline_status(t, &str_of(&d["status"])).to_owned(),
                overdue: d["overdue"].as_bool().unwrap_or(false),
            })
            .collect(),
        actions,
        journal: case["utredningJournal"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|j| JournalRow {
                topic: defs.label_of(&str_of(&j["topic"])),
                text: str_of(&j["text"]),
                source: str_of(&j["source"]),
                fact: j["kind"] == "fact" || j["kind"] == "FACT",
                on: str_of(&j["documentedOn"]),
                author: format!(
                    "{}, {}",
                    str_of(&j["authorName"]),
                    str_of(&j["authorTitle"])
                ),
            })
            .collect(),
        journal_form,
        links: case["links"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| LinkRow {
                id: str_of(&l["otherCaseId"]),
                case_number: short_id(&str_of(&l["otherCaseId"])),
                how: if l["thisCaseIs"] == "origin" {
                    t.link_opened_from_this
                } else {
                    t.link_this_opened_from
                },
            })
            .collect(),
        fields: case["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                let value = if f["masked"].as_bool().unwrap_or(false) {
                    t.masked.to_owned()
                } else {
                    shown(
                        &f["value"],
                        defs.fields
                            .get(&str_of(&f["name"]))
                            .map(|d| d.kind.as_str()),
                        &defs,
                        t,
                    )
                };
                (defs.label_of(&str_of(&f["name"])), value)
            })
            .collect(),
        history,
        chain: case["auditChain"].is_object().then(|| {
            (
                case["auditChain"]["intact"].as_bool().unwrap_or(false),
                case["auditChain"]["eventsChecked"].as_i64().unwrap_or(0),
            )
        }),
        access: case["accessLog"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| AccessRow {
                at: local_time(&str_of(&a["at"])),
                user: str_of(&a["userId"]),
                role: str_of(&a["role"])
                    .parse()
                    .map_or_else(|_| str_of(&a["role"]), |r| role_label(r, lang).to_owned()),
                purpose: crate::text::purpose(t, &str_of(&a["purpose"])),
            })
            .collect(),
        id,
    }
}

/// A field value as a person reads it.
fn shown(value: &Value, kind: Option<&str>, defs: &Definitions, t: &crate::text::Text) -> String {
    match (value, kind) {
        (Value::Bool(b), _) => if *b { t.yes } else { t.no }.to_owned(),
        (Value::String(s), Some("choice")) => varna_report::value_label(s),
        (Value::String(s), Some("outcome")) => defs
            .outcomes
            .iter()
            .find(|o| o.id == *s)
            .map_or_else(|| s.clone(), |o| o.label.clone()),
        (Value::String(s), _) => s.clone(),
        (Value::Null, _) => String::new(),
        (other, _) => other.to_string(),
    }
}

pub(super) async fn case_page(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Path(id): Path<String>,
) -> Response {
    match load(&app, &ctx, &id).await {
        Ok(data) => ctx.page(StatusCode::OK, &render(&ctx, &data, None)),
        Err(r) => r,
    }
}

/// Runs `mutation` for a posted form; on success back to the case page, on
/// refusal the page again with the form's text and errors.
async fn command(
    app: &WebConfig,
    ctx: &Ctx,
    id: &str,
    posted: Posted,
    mutation: &str,
    input: Value,
) -> Response {
    match gql::run(
        &app.schema,
        ctx.principal(),
        mutation,
        json!({ "input": input }),
    )
    .await
    {
        Ok(_) => see_other(&format!("/cases/{id}"), &[]),
        Err(errors) => {
            if errors.iter().any(|e| e.code == "INTERNAL") {
                return internal(ctx, &errors);
            }
            let data = match load(app, ctx, id).await {
                Ok(d) => d,
                Err(r) => return r,
            };
            let posted = Posted { errors, ..posted };
            let status = if posted.errors.iter().any(|e| e.code == "CONFLICT") {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            ctx.page(status, &render(ctx, &data, Some(&posted)))
        }
    }
}

const TRANSITION: &str =
    "mutation($input: TransitionInput!) { transition(input: $input) { caseId } }";

pub(super) async fn act(
    State(app): State<App>,
    Path(id): Path<String>,
    PostedForm { ctx, values }: PostedForm,
) -> Response {
    let data = match load(&app, &ctx, &id).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let name = values.get("transition").cloned().unwrap_or_default();
    let posted = Posted {
        form: format!("act:{name}"),
        values: values.clone(),
        errors: Vec::new(),
    };
    let available = data["case"]["availableTransitions"]
        .as_array()
        .and_then(|xs| xs.iter().find(|x| x["name"] == name.as_str()));
    let Some(available) = available else {
        // Someone else moved the case on, or the form is stale.
        let posted = Posted {
            form: "stale".into(),
            errors: Vec::new(),
            ..posted
        };
        let mut page = render(&ctx, &data, Some(&posted));
        page.c.notice = Some(ctx.t.error_not_now.to_owned());
        return ctx.page(StatusCode::CONFLICT, &page);
    };
    let workflow = form::workflow(&data, &str_of(&data["case"]["workflow"]["name"]));
    let defs = Definitions::of(workflow, ctx.lang);
    let (fields, _) = form::fields_of(&available["missingFields"], &available["acceptedFields"]);
    let names: Vec<String> = fields.into_iter().map(|(name, _)| name).collect();
    let input = json!({
        "caseId": id,
        "transition": name,
        "fields": form::typed_fields(&defs, &names, &values),
        "expectedVersion": values.get("version").and_then(|v| v.parse::<i64>().ok()),
        "idempotencyKey": idempotency_key(&values),
    });
    command(&app, &ctx, &id, posted, TRANSITION, input).await
}

const ADD_ENTRY: &str =
    "mutation($input: UtredningEntryInput!) { addUtredningEntry(input: $input) { caseId } }";

pub(super) async fn add_entry(
    State(app): State<App>,
    Path(id): Path<String>,
    PostedForm { ctx, values }: PostedForm,
) -> Response {
    if uuid::Uuid::parse_str(&id).is_err() {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found);
    }
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let on = get("documented_on");
    let posted = Posted {
        form: "journal".into(),
        values: values.clone(),
        errors: Vec::new(),
    };
    if chrono::NaiveDate::parse_from_str(&on, "%Y-%m-%d").is_err() {
        // The API would refuse the request as a whole; say which field.
        let data = match load(&app, &ctx, &id).await {
            Ok(d) => d,
            Err(r) => return r,
        };
        let posted = Posted {
            errors: vec![GqlError {
                code: "INVALID_INPUT".into(),
                field: Some("documented_on".into()),
                problem: Some(if on.is_empty() { "EMPTY" } else { "WRONG_TYPE" }.into()),
                ..GqlError::default()
            }],
            ..posted
        };
        return ctx.page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &render(&ctx, &data, Some(&posted)),
        );
    }
    let input = json!({
        "caseId": id,
        "topic": get("topic"),
        "text": get("text"),
        "source": get("source"),
        "kind": if get("kind") == "ASSESSMENT" { "ASSESSMENT" } else { "FACT" },
        "documentedOn": on,
        "authorName": get("author_name"),
        "authorTitle": get("author_title"),
        "expectedVersion": values.get("version").and_then(|v| v.parse::<i64>().ok()),
        "idempotencyKey": idempotency_key(&values),
    });
    command(&app, &ctx, &id, posted, ADD_ENTRY, input).await
}
