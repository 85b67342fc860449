//! The case page: where the case stands, what is due, what this person may
//! do now (the engine's available transitions, each a form with the fields
//! its guard needs, what it still needs from the utredning journal, and
//! the law it rests on), the utredning journal (`journal`), linked cases,
//! the documents (`documents`: the frozen anmälan, prints) and the history. Actions post back here; a refused action shows the
//! page again with the typed text kept and the errors in that action's form.

mod assign;
pub(super) mod attachments;
mod disclose;
pub(super) mod documents;
mod duplicate;
mod journal;

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use varna_app::view::{AccessEntry, ChainStatus, HistoryItem, TransitionView};
use varna_app::{AppError, AsOf, CaseView, Code, Expect, Purpose, Reads, policy};
use varna_workflow::definition::LinkKind;
use varna_workflow::{LinkEnd, Value};

pub(super) use assign::assign;
pub(super) use disclose::disclose;
pub(super) use duplicate::mark_duplicate;
pub(super) use journal::add_entry;
use journal::{JournalForm, JournalRow};

use super::file::idempotency_key;
use super::{
    App, Chrome, Ctx, PostedForm, SignedIn, case_id, local_time, refused, role_label, see_other,
    short_id,
};
use crate::WebConfig;
use crate::form::{self, Definitions, FieldView, label, or_list, references_line};
use crate::text::Text;

/// A form on the page that was posted and refused: which one, what was
/// typed, and what was wrong.
#[derive(Clone)]
struct Posted {
    /// `act:<transition>`, `journal` or `duplicate`.
    form: String,
    values: BTreeMap<String, String>,
    errors: Vec<AppError>,
}

impl Posted {
    /// `form` as it was posted with `values`, nothing wrong with it yet.
    fn new(form: impl Into<String>, values: BTreeMap<String, String>) -> Posted {
        Posted {
            form: form.into(),
            values,
            errors: Vec::new(),
        }
    }

    /// The same form refused for `errors`.
    fn refused(self, errors: Vec<AppError>) -> Posted {
        Posted { errors, ..self }
    }
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    c: Chrome,
    /// A refused form's errors at the top, each a link into that form.
    summary: Vec<(String, String)>,
    id: String,
    case_number: String,
    kind: String,
    state: String,
    /// Closed, and the state's own word does not already say so.
    closed_badge: bool,
    lagrum: String,
    unit: String,
    opened_at: crate::pages::When,
    closed_at: Option<crate::pages::When>,
    outcome: Option<(String, bool)>,
    /// The risk score, its threshold and whether it is at or above it.
    risk: Option<(i64, i64, bool)>,
    personnummer: Option<String>,
    /// Who filed it, for the roles allowed to know.
    reported_by: Option<String>,
    /// The handläggare named, for those who read the investigation: name
    /// and title, or `None` when none is named yet.
    handlaggare: Option<Option<String>>,
    /// Offered on an open case to those whose role works it.
    assign_form: Option<assign::AssignForm>,
    version: i64,
    deadlines: Vec<DeadlineRow>,
    actions: Vec<Action>,
    journal: Vec<JournalRow>,
    journal_form: Option<JournalForm>,
    /// Offered on an open case to those who take its steps.
    duplicate_form: Option<duplicate::DuplicateForm>,
    /// The case this one duplicates: (id, case number).
    duplicate_of: Option<(String, String)>,
    links: Vec<LinkRow>,
    fields: Vec<(String, String)>,
    history: Vec<HistoryRow>,
    /// Auditors: whether the hash chain is intact, and how many events.
    chain: Option<(bool, i64)>,
    /// Auditors: the parts of the page that differ from the events
    /// ("the case's data, the utredning journal"), if any.
    differing: Option<String>,
    /// Auditors: every read of the case.
    access: Vec<AccessRow>,
    /// A past view: after which event, and when that was.
    past: Option<(u64, crate::pages::When)>,
    /// The case's documents (the anmälan, the utredning), for those who
    /// read the investigation.
    documents: Vec<documents::DocumentRow>,
    /// The case's files, for those who read the investigation.
    attachments: Vec<attachments::AttachmentRow>,
    /// The form that adds one, for those who may: (its error, its
    /// idempotency key).
    attachment_form: Option<(Option<String>, String)>,
    /// Utlämnande, for the roles the lifecycle names.
    disclose_form: Option<disclose::DiscloseForm>,
}

struct AccessRow {
    at: crate::pages::When,
    user: String,
    role: String,
    purpose: &'static str,
}

struct DeadlineRow {
    label: String,
    due: crate::pages::When,
    status: String,
    overdue: bool,
    /// The law the clock rests on ("Stöd: …"), texts in force today.
    references: Option<String>,
}

struct Action {
    name: String,
    label: String,
    /// Where it leads, in words; `None` when the case stays in its state.
    to: Option<String>,
    fields: Vec<FieldView>,
    /// Some fields are alternatives: fill in at least one.
    has_alternatives: bool,
    /// What it still needs that is written only in the utredning journal:
    /// one line per requirement ("A eller B" where one of them is enough).
    in_journal: Vec<String>,
    /// It was refused for what the utredning journal lacks.
    in_journal_error: Option<String>,
    /// The entries still to be followed up first: "nr 3, nr 5".
    not_followed_up: Option<String>,
    error: Option<String>,
    /// This form was posted and refused (focus and open it).
    refused: bool,
    idempotency_key: String,
    /// What taking it means, from the lifecycle file.
    explain: Option<String>,
    /// The law it rests on ("Stöd: …"), texts in force today.
    references: Option<String>,
}

struct LinkRow {
    id: String,
    case_number: String,
    how: &'static str,
}

struct HistoryRow {
    /// The event's place in the case (for "as it stood then").
    sequence: u64,
    at: crate::pages::When,
    what: String,
    change: Option<String>,
    by: String,
}

/// Everything the page shows, read as the signed-in person.
struct Loaded {
    view: CaseView,
    /// The unit's name.
    unit_name: String,
    actions: Vec<TransitionView>,
    can_add_entry: bool,
    personnummer: Option<String>,
    reported_by: Option<String>,
    /// Investigators (everyone but the reporter).
    history: Vec<HistoryItem>,
    /// Auditors.
    chain: Option<ChainStatus>,
    /// Auditors.
    access: Vec<AccessEntry>,
    /// Those who read the investigation.
    documents: Vec<varna_app::DocumentStatus>,
    /// May add files.
    can_attach: bool,
    /// May disclose the case.
    can_disclose: bool,
    /// The handläggare named.
    handlaggare: Option<varna_app::RolePerson>,
    /// Who could be named (empty: the person may not name one).
    handlaggare_choices: Vec<varna_app::RolePerson>,
}

async fn load(app: &WebConfig, ctx: &Ctx, id: &str) -> Result<Loaded, Response> {
    load_at(app, ctx, id, None).await
}

/// The case now, or as it stood right after its event `at`.
async fn load_at(
    app: &WebConfig,
    ctx: &Ctx,
    id: &str,
    at: Option<u64>,
) -> Result<Loaded, Response> {
    let Some(id) = case_id(id) else {
        return Err(ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found));
    };
    let reads = Reads::default();
    let session = app.app.session(ctx.principal(), &reads);
    let read = async {
        let view = match at {
            // Its history is shown too: the case and its events in one read.
            None if policy::sees_investigation(session.principal()) => {
                session.case_with_history(&id, Purpose::CaseView).await?
            }
            None => session.case(&id, Purpose::CaseView).await?,
            Some(n) => session.case_as_of(&id, AsOf::Event(n)).await?,
        };
        let history = if policy::sees_investigation(session.principal()) {
            view.history(&session).await?
        } else {
            Vec::new()
        };
        let (chain, access) = if policy::sees_audit(session.principal()) {
            (
                Some(view.audit_chain(&session).await?),
                view.access_log(&session).await?,
            )
        } else {
            (None, Vec::new())
        };
        let unit_id = &view.record.summary.unit_id;
        let unit_name = session
            .unit_names()
            .await?
            .remove(unit_id)
            .unwrap_or_else(|| unit_id.clone());
        let documents = session.documents(&view).await?;
        Ok::<_, AppError>(Loaded {
            handlaggare: session.handlaggare(&view).await?,
            handlaggare_choices: session.handlaggare_choices(&view).await?,
            documents,
            can_attach: session.may_attach(&view),
            can_disclose: session.may_disclose(&view),
            unit_name,
            actions: view.available_transitions(&session),
            can_add_entry: view.can_add_journal_entry(&session),
            personnummer: view.personnummer(&session).await?,
            reported_by: view.reported_by(&session).await?,
            history,
            chain,
            access,
            view,
        })
    };
    read.await.map_err(|e| refused(ctx, &e))
}

fn render(ctx: &Ctx, loaded: &Loaded, posted: Option<&Posted>) -> CasePage {
    let lang = ctx.lang;
    let t = ctx.t;
    let case = &loaded.view;
    let summary = &case.record.summary;
    let defs = Definitions::of(&case.def, lang);
    let state_label = |id: &str| label(&case.state_named(id).label, lang);
    let id = case.id();
    let posted_to = |form: &str| posted.filter(|p| p.form == form);

    let topics = case.journal_topics();
    let actions = loaded
        .actions
        .iter()
        .map(|a| {
            let mine = posted_to(&format!("act:{}", a.name));
            let (errors, general) = mine.map_or_else(Default::default, |p| {
                action_errors(&p.errors, t, &defs, topics)
            });
            let values = mine.map(|p| p.values.clone()).unwrap_or_default();
            let needs = form::fields_of(&a.missing, &a.accepts, topics);
            let takes = case
                .def
                .transition(&a.name)
                .and_then(|t| t.when.outcome.as_deref());
            let fields = form::controls_for(
                &defs,
                &needs.inputs,
                &format!("{}-", a.name),
                &values,
                &errors,
                lang,
                takes,
            );
            let in_journal: Vec<String> = needs
                .in_journal
                .iter()
                .map(|group| {
                    let words: Vec<String> = group.iter().map(|n| defs.label_of(n)).collect();
                    or_list(&words, t)
                })
                .collect();
            let in_journal_error = needs
                .in_journal
                .iter()
                .flatten()
                .find_map(|n| errors.get(n).cloned());
            let unplaced = errors
                .keys()
                .find(|k| !fields.iter().any(|f| &f.name == *k) && !topics.contains(k))
                .cloned();
            let waiting: Vec<String> = needs
                .followed_up
                .iter()
                .flat_map(|topic| case.record.case.not_followed_up(topic))
                .map(|n| format!("{} {n}", t.number_short))
                .collect();
            Action {
                label: label(&a.label, lang),
                to: (a.to.id != case.state().id).then(|| label(&a.to.label, lang)),
                fields,
                has_alternatives: needs.alternatives,
                in_journal,
                in_journal_error,
                not_followed_up: (!waiting.is_empty()).then(|| waiting.join(", ")),
                error: general.or_else(|| unplaced.and_then(|k| errors.get(&k).cloned())),
                refused: mine.is_some(),
                idempotency_key: mine.map_or_else(
                    || uuid::Uuid::new_v4().to_string(),
                    |p| idempotency_key(&p.values),
                ),
                explain: a.explain.as_ref().map(|e| label(e, lang)),
                references: references_line(&a.references, t),
                name: a.name.clone(),
            }
        })
        .collect();

    let journal_form = loaded
        .can_add_entry
        .then(|| journal::form(ctx, case, &defs, posted_to("journal")));
    let duplicate_form = (!summary.is_closed && !loaded.actions.is_empty())
        .then(|| duplicate::form(t, posted_to("duplicate")));

    let history = loaded
        .history
        .iter()
        .map(|e| {
            let what = match (&e.transition, e.event_type) {
                (Some(tr), _) => label(&case.transition_label(tr), lang),
                (None, "filed") => t.event_filed.to_owned(),
                (None, "imported") => t.event_imported.to_owned(),
                (None, "journal_entry_added") => t.event_entry.to_owned(),
                (None, "deadline_passed") => t.event_deadline_passed.to_owned(),
                (None, "linked") => t.event_linked.to_owned(),
                (None, "attachment_added") => t.event_attachment.to_owned(),
                (None, "assigned") => t.event_assigned.to_owned(),
                (None, "content_disposed") => t.event_disposed.to_owned(),
                (None, "disclosed") => t.event_disclosed.to_owned(),
                (None, other) => other.replace('_', " "),
            };
            let change = match (&e.from_state, &e.to_state) {
                (Some(from), Some(to)) if from != to => {
                    Some(format!("{} → {}", state_label(from), state_label(to)))
                }
                (None, Some(to)) => Some(state_label(to)),
                _ => None,
            };
            HistoryRow {
                sequence: e.sequence,
                at: local_time(e.occurred_at),
                what,
                change,
                by: role_label(e.actor_role, lang).to_owned(),
            }
        })
        .collect();

    // The refused form's errors, listed at the top of the page: the form
    // may be far down (the journal), and the reader starts at the top.
    let error_summary = posted
        .filter(|p| !p.errors.is_empty())
        .map(|p| {
            if p.form == attachments::FORM {
                return p
                    .errors
                    .first()
                    .map(|e| ("attachment-file".to_owned(), attachments::message(t, e)))
                    .into_iter()
                    .collect();
            }
            if p.form == disclose::FORM {
                return p
                    .errors
                    .first()
                    .map(|e| (disclose::INPUT.to_owned(), disclose::message(t, e)))
                    .into_iter()
                    .collect();
            }
            if p.form == assign::FORM {
                let message = p.errors.first().map(|e| assign::message(t, e));
                return message
                    .map(|m| (assign::INPUT.to_owned(), m))
                    .into_iter()
                    .collect();
            }
            if p.form == "duplicate" {
                let message = p.errors.first().map(|e| duplicate::message(t, e));
                return message
                    .map(|m| (duplicate::INPUT.to_owned(), m))
                    .into_iter()
                    .collect();
            }
            let target = match p.form.strip_prefix("act:") {
                Some(name) => format!("act-{name}"),
                None => "journal-form".to_owned(),
            };
            let (at_field, general) = if p.form == "journal" {
                journal::place_errors(case, &p.errors, t, &defs)
            } else {
                action_errors(&p.errors, t, &defs, topics)
            };
            let mut lines: Vec<(String, String)> = at_field
                .iter()
                .map(|(field, e)| {
                    let name = match field.as_str() {
                        "documented_on" => t.documented_on.to_owned(),
                        "text" => t.entry_text.to_owned(),
                        "source" => t.source.to_owned(),
                        "topic" => t.topic.to_owned(),
                        "author.name" => t.author_name.to_owned(),
                        "author.title" => t.author_title.to_owned(),
                        "addresses" => t.entry_addresses.to_owned(),
                        "owner" => t.entry_owner.to_owned(),
                        "due_on" => t.entry_due_on.to_owned(),
                        "follows_up" => t.entry_follows_up.to_owned(),
                        other => defs.label_of(other),
                    };
                    (target.clone(), format!("{name}: {e}"))
                })
                .collect();
            lines.extend(general.map(|g| (target.clone(), g)));
            lines
        })
        .unwrap_or_default();
    CasePage {
        summary: error_summary,
        c: ctx.chrome(&format!("/cases/{id}")),
        case_number: short_id(&id),
        kind: label(case.workflow_label(), lang),
        state: label(&case.state().label, lang),
        // "Avslutat" beside a state whose own word already says it
        // ("Avslutad", "Closed") is said twice: then only the state.
        closed_badge: summary.is_closed && {
            let state = label(&case.state().label, lang).to_lowercase();
            let closed = t.closed.to_lowercase();
            let stem: String = closed
                .chars()
                .take(closed.chars().count().saturating_sub(1))
                .collect();
            !state.starts_with(&stem)
        },
        lagrum: summary.lagrum.clone(),
        unit: loaded.unit_name.clone(),
        opened_at: local_time(summary.opened_at),
        closed_at: summary.closed_at.map(local_time),
        // "To be reported to IVO" only until it has been: once a step has
        // frozen what it sent (the anmälan), or the case is closed, the
        // state says where it stands.
        outcome: case.outcome().map(|o| {
            (
                label(&o.named.label, lang),
                o.reportable && case.record.case.documents.is_empty() && !summary.is_closed,
            )
        }),
        risk: case.risk().map(|r| (r.score, r.escalate_from, r.high)),
        personnummer: loaded.personnummer.clone(),
        reported_by: loaded.reported_by.clone(),
        handlaggare: policy::sees_investigation(ctx.principal())
            .then(|| loaded.handlaggare.as_ref().map(assign::name_and_title)),
        assign_form: assign::form(
            t,
            &loaded.handlaggare_choices,
            loaded.handlaggare.as_ref(),
            posted_to(assign::FORM),
        ),
        version: summary.version as i64,
        deadlines: case
            .deadlines()
            .into_iter()
            .map(|d| DeadlineRow {
                label: label(&d.label, lang),
                due: local_time(d.due_at),
                status: if d.status == "met" && d.ended_at.is_some_and(|at| at > d.due_at) {
                    t.status_met_late.to_owned()
                } else {
                    crate::text::deadline_status(t, d.status).to_owned()
                },
                overdue: d.overdue,
                references: references_line(&d.references, t),
            })
            .collect(),
        actions,
        journal: journal::rows(case, &defs, t),
        journal_form,
        duplicate_form,
        duplicate_of: case
            .record
            .case
            .duplicate_of()
            .map(|of| (of.to_owned(), short_id(of))),
        links: case
            .links()
            .into_iter()
            .map(|l| LinkRow {
                case_number: short_id(&l.other_case_id),
                how: match (l.kind, l.this_case_is) {
                    (LinkKind::DuplicateOf, LinkEnd::Origin) => t.link_duplicate_of_this,
                    (LinkKind::DuplicateOf, LinkEnd::Opened) => t.link_this_duplicates,
                    (LinkKind::RelatedTo, _) => t.link_related,
                    (_, LinkEnd::Origin) => t.link_opened_from_this,
                    (_, LinkEnd::Opened) => t.link_this_opened_from,
                },
                id: l.other_case_id,
            })
            .collect(),
        fields: case
            .fields()
            .into_iter()
            .map(|f| {
                let value = match &f.value {
                    None => t.masked.to_owned(),
                    Some(v) => shown(&f.name, v, &defs, t),
                };
                (label(&f.label, lang), value)
            })
            .collect(),
        history,
        documents: documents::rows(&loaded.documents, lang, t),
        attachments: if policy::sees_investigation(ctx.principal()) {
            attachments::rows(case, lang)
        } else {
            Vec::new()
        },
        disclose_form: disclose::form(
            t,
            lang,
            case,
            loaded.can_disclose,
            posted_to(disclose::FORM),
        ),
        attachment_form: loaded.can_attach.then(|| {
            let mine = posted_to(attachments::FORM);
            (
                mine.and_then(|p| p.errors.first())
                    .map(|e| attachments::message(t, e)),
                mine.map_or_else(
                    || uuid::Uuid::new_v4().to_string(),
                    |p| idempotency_key(&p.values),
                ),
            )
        }),
        past: case
            .past
            .then(|| (summary.version, local_time(summary.updated_at))),
        chain: loaded
            .chain
            .as_ref()
            .map(|c| (c.intact, c.events_checked as i64)),
        differing: loaded
            .chain
            .as_ref()
            .filter(|c| !c.differing.is_empty())
            .map(|c| {
                let parts: Vec<String> = c
                    .differing
                    .iter()
                    .map(|p| crate::text::projection_part(t, p).to_owned())
                    .collect();
                parts.join(", ")
            }),
        access: loaded
            .access
            .iter()
            .map(|a| AccessRow {
                at: local_time(a.at),
                user: a.user_id.clone(),
                role: a
                    .role
                    .parse()
                    .map_or_else(|_| a.role.clone(), |r| role_label(r, lang).to_owned()),
                purpose: crate::text::purpose(t, &a.purpose),
            })
            .collect(),
        id,
    }
}

/// A refused action's errors placed as its form shows them: a topic only
/// the utredning journal writes is answered by pointing there.
fn action_errors(
    errors: &[AppError],
    t: &Text,
    defs: &Definitions,
    topics: &[String],
) -> (BTreeMap<String, String>, Option<String>) {
    let (mut at_field, general) = form::place_errors(errors, t, defs);
    for (field, message) in &mut at_field {
        if topics.contains(field) {
            *message = t.error_in_journal.to_owned();
        }
    }
    (at_field, general)
}

/// A field value as a person reads it.
fn shown(field: &str, value: &Value, defs: &Definitions, t: &crate::text::Text) -> String {
    let kind = defs.fields.get(field).map(|d| d.kind);
    match (value, kind) {
        (Value::Bool(b), _) => if *b { t.yes } else { t.no }.to_owned(),
        (Value::Text(s), Some("choice")) => defs.value_label(field, s),
        (Value::Text(s), Some("outcome")) => defs
            .outcomes
            .iter()
            .find(|o| o.id == *s)
            .map_or_else(|| s.clone(), |o| o.label.clone()),
        (Value::Text(s), _) => s.clone(),
        (Value::Integer(n), _) => n.to_string(),
    }
}

/// `?vid=N`: the case as it stood right after its event N.
#[derive(Debug, serde::Deserialize)]
pub(super) struct At {
    vid: Option<u64>,
}

pub(super) async fn case_page(
    State(app): State<App>,
    SignedIn(ctx): SignedIn,
    Path(id): Path<String>,
    Query(at): Query<At>,
) -> Response {
    let at = at.vid.filter(|n| *n >= 1);
    let loaded = match load_at(&app, &ctx, &id, at).await {
        Ok(loaded) => loaded,
        Err(r) => return r,
    };
    // Back after the sign-in ended mid-form: that form with its text.
    let draft = if at.is_none() {
        let reads = Reads::default();
        match app
            .app
            .session(ctx.principal(), &reads)
            .take_draft(&format!("/cases/{}", loaded.view.id()))
            .await
        {
            Ok(d) => d,
            Err(e) => return refused(&ctx, &e),
        }
    } else {
        None
    };
    let posted = draft.map(|d| {
        let form = match d.action.rsplit('/').next() {
            Some("act") => format!(
                "act:{}",
                d.fields.get("transition").map_or("", String::as_str)
            ),
            Some(other) => other.to_owned(),
            None => String::new(),
        };
        Posted::new(form, d.fields)
    });
    let mut page = render(&ctx, &loaded, posted.as_ref());
    if posted.is_some() {
        page.c.notice = Some(ctx.t.draft_restored.to_owned());
    }
    ctx.page(StatusCode::OK, &page)
}

/// After a change: on success back to the case page, on refusal the page
/// again with the form's text and errors.
async fn answer(
    app: &WebConfig,
    ctx: &Ctx,
    id: &str,
    posted: Posted,
    result: Result<varna_app::Done, AppError>,
) -> Response {
    match result {
        Ok(_) => see_other(&format!("/cases/{id}"), &[]),
        Err(e) if e.code == Code::Internal => refused(ctx, &e),
        Err(e) => refuse(app, ctx, id, posted.refused(vec![e])).await,
    }
}

/// The page again with `posted`'s text kept and its errors shown.
async fn refuse(app: &WebConfig, ctx: &Ctx, id: &str, posted: Posted) -> Response {
    let loaded = match load(app, ctx, id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let status = if posted.errors.iter().any(|e| e.code == Code::Conflict) {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    ctx.page(status, &render(ctx, &loaded, Some(&posted)))
}

fn expect(values: &BTreeMap<String, String>) -> Expect {
    Expect {
        version: values.get("version").and_then(|v| v.parse().ok()),
        idempotency_key: Some(idempotency_key(values)),
    }
}

pub(super) async fn act(
    State(app): State<App>,
    Path(id): Path<String>,
    PostedForm { ctx, values }: PostedForm,
) -> Response {
    let loaded = match load(&app, &ctx, &id).await {
        Ok(l) => l,
        Err(r) => return r,
    };
    let name = values.get("transition").cloned().unwrap_or_default();
    let posted = Posted::new(format!("act:{name}"), values.clone());
    // A transition no longer on offer may be this very form sent twice (a
    // double click): the command goes to the store anyway, whose
    // idempotency key answers the repeat with the first result; anything
    // else is refused there and shown as the case having moved on.
    let offered = loaded.actions.iter().find(|a| a.name == name);
    let (requires, accepts) = match (offered, loaded.view.def.transition(&name)) {
        (Some(a), _) => (a.missing.clone(), a.accepts.clone()),
        (None, Some(t)) => (t.requires.clone(), t.accepts.clone()),
        (None, None) => (Vec::new(), Vec::new()),
    };
    let defs = Definitions::of(&loaded.view.def, ctx.lang);
    // A journal topic is never sent as a field: only entries write it.
    let needs = form::fields_of(&requires, &accepts, loaded.view.journal_topics());
    let names: Vec<String> = needs.inputs.into_iter().map(|(name, _)| name).collect();
    let fields = form::typed_fields(&defs, &names, &values);
    let reads = Reads::default();
    let result = app
        .app
        .session(ctx.principal(), &reads)
        .transition(&loaded.view.record.id, &name, fields, expect(&values))
        .await;
    if offered.is_none() && result.is_err() {
        // Someone else moved the case on, or the form is stale.
        let posted = Posted {
            form: "stale".into(),
            ..posted
        };
        let mut page = render(&ctx, &loaded, Some(&posted));
        page.c.notice = Some(ctx.t.error_not_now.to_owned());
        return ctx.page(StatusCode::CONFLICT, &page);
    }
    answer(&app, &ctx, &id, posted, result).await
}
