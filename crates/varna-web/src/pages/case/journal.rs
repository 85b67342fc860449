//! The utredning journal on the case page: the entries, numbered in journal
//! order (the numbers structured entries name), with what an entry on a
//! structured topic carries — the cause an action addresses, its owner and
//! date; the action a follow-up follows up — and the form that adds one.
//! Which topic carries what is the lifecycle's `[[journal.structured]]`;
//! nothing here names a topic.

use std::collections::BTreeMap;
use std::str::FromStr;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use varna_app::{AppError, CaseView, Reads};
use varna_workflow::definition::StructuredTopic;
use varna_workflow::{Author, EntryKind, JournalEntry};

use super::super::file::idempotency_key;
use super::{Posted, answer, expect, refuse};
use crate::form::{self, Definitions, or_list};
use crate::pages::{App, Ctx, PostedForm, case_id};
use crate::text::Text;

/// One entry as the page lists it.
pub(super) struct JournalRow {
    /// Its number, 1-based in journal order: what structured entries name.
    pub(super) number: u32,
    /// Its topic, in the lifecycle's words.
    pub(super) topic: String,
    pub(super) text: String,
    pub(super) source: String,
    pub(super) fact: bool,
    pub(super) on: String,
    pub(super) author: String,
    /// What a structured entry names, in words: "Åtgärdar orsak nr 2 ·
    /// Ansvarig: … · Klart senast: …", "Följer upp åtgärd nr 4".
    pub(super) structure: Option<String>,
    /// An entry that is to be followed up and has not been yet.
    pub(super) open: bool,
}

/// The form that adds an entry, with what was posted and refused.
pub(super) struct JournalForm {
    /// (words, topic, selected).
    pub(super) topics: Vec<(String, String, bool)>,
    pub(super) kind_fact: bool,
    pub(super) source: String,
    pub(super) text: String,
    pub(super) on: String,
    pub(super) author_name: String,
    pub(super) author_title: String,
    pub(super) errors: BTreeMap<String, String>,
    pub(super) error: Option<String>,
    pub(super) refused: bool,
    pub(super) idempotency_key: String,
    /// The entry an action addresses, where a topic's entries name one.
    pub(super) addresses: Option<StructuredInput>,
    /// Who owns it, where a topic's entries name one.
    pub(super) owner: Option<StructuredInput>,
    /// By when, where a topic's entries state it.
    pub(super) due_on: Option<StructuredInput>,
    /// The entry a follow-up follows up, where a topic's entries name one.
    pub(super) follows_up: Option<StructuredInput>,
}

/// A part of a structured entry that the form offers.
pub(super) struct StructuredInput {
    /// For which topics it is filled in, in words.
    pub(super) hint: String,
    /// What was typed or chosen.
    pub(super) value: String,
    /// For a choice of entries: (number, words, selected).
    pub(super) entries: Vec<(u32, String, bool)>,
}

/// The fields of the form, as the engine names them in its refusals.
const FORM_FIELDS: [&str; 10] = [
    "topic",
    "text",
    "source",
    "documented_on",
    "author.name",
    "author.title",
    "addresses",
    "owner",
    "due_on",
    "follows_up",
];

fn structured(case: &CaseView) -> &[StructuredTopic] {
    case.def.journal.as_ref().map_or(&[], |j| &j.structured)
}

/// The numbers of the entries still waiting for a follow-up, on every
/// topic that some topic follows up.
pub(super) fn open_entries(case: &CaseView) -> Vec<u32> {
    structured(case)
        .iter()
        .filter_map(|s| s.follows_up.as_deref())
        .flat_map(|topic| case.record.case.not_followed_up(topic))
        .collect()
}

/// The journal's entries, for readers who see the investigation.
pub(super) fn rows(case: &CaseView, defs: &Definitions, t: &Text) -> Vec<JournalRow> {
    let Ok(journal) = case.journal() else {
        return Vec::new();
    };
    let open = open_entries(case);
    (1u32..)
        .zip(journal)
        .map(|(number, j)| {
            let parts: Vec<String> = [
                j.addresses
                    .map(|n| format!("{} {} {n}", t.entry_addresses, t.number_short)),
                j.owner.as_ref().map(|o| format!("{}: {o}", t.entry_owner)),
                j.due_on.map(|d| format!("{}: {d}", t.entry_due_on)),
                j.follows_up
                    .map(|n| format!("{} {} {n}", t.entry_follows_up, t.number_short)),
            ]
            .into_iter()
            .flatten()
            .collect();
            JournalRow {
                number,
                topic: defs.label_of(&j.topic),
                text: j.text.clone(),
                source: j.source.clone(),
                fact: j.kind == EntryKind::Fact,
                on: j.documented_on.to_string(),
                author: format!("{}, {}", j.author.name, j.author.title),
                structure: (!parts.is_empty()).then(|| parts.join(" · ")),
                open: open.contains(&number),
            }
        })
        .collect()
}

/// An entry as a choice in a list: "nr 3: its first words …".
fn entry_words(number: u32, entry: &JournalEntry, t: &Text) -> String {
    const SHOWN: usize = 60;
    let text = entry.text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(SHOWN).collect();
    let more = if chars.next().is_some() { " …" } else { "" };
    format!("{} {number}: {}{more}", t.number_short, head.trim_end())
}

/// The topics whose entries carry a part (`wants`), in words.
fn for_topics(
    case: &CaseView,
    defs: &Definitions,
    t: &Text,
    wants: impl Fn(&StructuredTopic) -> bool,
) -> Option<String> {
    let topics: Vec<String> = structured(case)
        .iter()
        .filter(|s| wants(s))
        .map(|s| defs.label_of(&s.topic))
        .collect();
    (!topics.is_empty()).then(|| format!("{} {}", t.structured_hint, or_list(&topics, t)))
}

/// The errors of a refused entry, each under its input: a structured part
/// given for a topic that does not carry it says which topics do.
pub(super) fn place_errors(
    case: &CaseView,
    errors: &[AppError],
    t: &Text,
    defs: &Definitions,
) -> (BTreeMap<String, String>, Option<String>) {
    let (mut at_field, general) = form::place_errors(errors, t, defs);
    for e in errors {
        if e.detail.problem != Some("NOT_ACCEPTED") {
            continue;
        }
        let Some(field) = e.detail.field.as_deref() else {
            continue;
        };
        let hint = match field {
            "addresses" => for_topics(case, defs, t, |s| s.addresses.is_some()),
            "owner" => for_topics(case, defs, t, |s| s.owner),
            "due_on" => for_topics(case, defs, t, |s| s.due),
            "follows_up" => for_topics(case, defs, t, |s| s.follows_up.is_some()),
            _ => None,
        };
        if let Some(hint) = hint {
            at_field.insert(
                field.to_owned(),
                format!("{} {hint}", t.problem_not_accepted),
            );
        }
    }
    (at_field, general)
}

/// The form, with `mine` (this form, posted and refused) put back.
pub(super) fn form(
    ctx: &Ctx,
    case: &CaseView,
    defs: &Definitions,
    mine: Option<&Posted>,
) -> JournalForm {
    let t = ctx.t;
    let (errors, error) =
        mine.map_or_else(Default::default, |p| place_errors(case, &p.errors, t, defs));
    let get = |k: &str| mine.and_then(|p| p.values.get(k).cloned());
    let session = ctx.me();
    let topic = get("topic").unwrap_or_default();
    let journal = case.journal().unwrap_or_default();
    let numbered = || (1u32..).zip(journal);
    // A choice of the entries on the topics `names` picks, in `order`.
    let choice = |field: &str, names: &dyn Fn(&StructuredTopic) -> Option<&String>| {
        let hint = for_topics(case, defs, t, |s| names(s).is_some())?;
        let on: Vec<&String> = structured(case).iter().filter_map(names).collect();
        let value = get(field).unwrap_or_default();
        let entries = numbered()
            .filter(|(_, e)| on.contains(&&e.topic))
            .map(|(n, e)| (n, entry_words(n, e, t), value == n.to_string()))
            .collect();
        Some(StructuredInput {
            hint,
            value,
            entries,
        })
    };
    let text_input = |field: &str, wants: &dyn Fn(&StructuredTopic) -> bool| {
        Some(StructuredInput {
            hint: for_topics(case, defs, t, wants)?,
            value: get(field).unwrap_or_default(),
            entries: Vec::new(),
        })
    };
    // The actions still to follow up first, then those that are.
    let open = open_entries(case);
    let follows_up = choice("follows_up", &|s| s.follows_up.as_ref()).map(|mut input| {
        input.entries.sort_by_key(|(n, _, _)| !open.contains(n));
        for (n, words, _) in &mut input.entries {
            if !open.contains(n) {
                words.push(' ');
                words.push_str(t.followed_up_mark);
            }
        }
        input
    });
    JournalForm {
        topics: case
            .journal_topics()
            .iter()
            .map(|id| (defs.label_of(id), id.clone(), *id == topic))
            .collect(),
        kind_fact: get("kind").is_none_or(|k| k != "ASSESSMENT"),
        source: get("source").unwrap_or_default(),
        text: get("text").unwrap_or_default(),
        on: get("documented_on")
            .unwrap_or_else(|| varna_workflow::local::date(chrono::Utc::now()).to_string()),
        author_name: get("author_name").unwrap_or_else(|| session.name.clone()),
        author_title: get("author_title").unwrap_or_else(|| session.title.clone()),
        error: error.or_else(|| {
            errors
                .iter()
                .find(|(k, _)| !FORM_FIELDS.contains(&k.as_str()))
                .map(|(_, v)| v.clone())
        }),
        addresses: choice("addresses", &|s| s.addresses.as_ref()),
        owner: text_input("owner", &|s| s.owner),
        due_on: text_input("due_on", &|s| s.due),
        follows_up,
        errors,
        refused: mine.is_some(),
        idempotency_key: mine.map_or_else(
            || uuid::Uuid::new_v4().to_string(),
            |p| idempotency_key(&p.values),
        ),
    }
}

/// A posted value that may be left empty, parsed; a malformed one is the
/// error of its field.
fn optional<T: FromStr>(
    values: &BTreeMap<String, String>,
    field: &str,
) -> Result<Option<T>, AppError> {
    let text = values.get(field).map_or("", |v| v.trim());
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| AppError::invalid(field, "WRONG_TYPE", format!("{field} is not well-formed")))
}

pub(in crate::pages) async fn add_entry(
    State(app): State<App>,
    Path(id): Path<String>,
    PostedForm { ctx, values }: PostedForm,
) -> Response {
    let Some(case) = case_id(&id) else {
        return ctx.error(StatusCode::NOT_FOUND, ctx.t.error_not_found);
    };
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let posted = Posted::new("journal", values.clone());
    let documented_on = match optional::<NaiveDate>(&values, "documented_on") {
        Ok(Some(day)) => Ok(day),
        Ok(None) => Err(AppError::invalid(
            "documented_on",
            "EMPTY",
            "documented_on is not a date",
        )),
        Err(e) => Err(e),
    };
    let parsed = (
        documented_on,
        optional::<u32>(&values, "addresses"),
        optional::<u32>(&values, "follows_up"),
        optional::<NaiveDate>(&values, "due_on"),
    );
    let (documented_on, addresses, follows_up, due_on) = match parsed {
        (Ok(on), Ok(addresses), Ok(follows_up), Ok(due_on)) => (on, addresses, follows_up, due_on),
        (on, addresses, follows_up, due_on) => {
            let errors = [on.err(), addresses.err(), follows_up.err(), due_on.err()]
                .into_iter()
                .flatten()
                .collect();
            return refuse(&app, &ctx, &id, posted.refused(errors)).await;
        }
    };
    let mut entry = JournalEntry::new(
        get("topic"),
        get("text"),
        get("source"),
        if get("kind") == "ASSESSMENT" {
            EntryKind::Assessment
        } else {
            EntryKind::Fact
        },
        documented_on,
        Author {
            name: get("author_name"),
            title: get("author_title"),
        },
    );
    let owner = get("owner");
    entry.addresses = addresses;
    entry.owner = (!owner.is_empty()).then_some(owner);
    entry.due_on = due_on;
    entry.follows_up = follows_up;
    let reads = Reads::default();
    let result = app
        .app
        .session(ctx.principal(), &reads)
        .add_journal_entry(&case, entry, expect(&values))
        .await;
    answer(&app, &ctx, &id, posted, result).await
}
