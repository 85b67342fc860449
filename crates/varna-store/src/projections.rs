//! The read projections of a case — the `cases` row with its snapshot, its
//! clocks, journal entries and links — computed from the case and its
//! events alone, so `varna projections rebuild` gives identical rows.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use varna_workflow::{Case, DeadlineStatus, Event, EventKind, Value, WorkflowDefinition};

use crate::entities::{case_deadline, case_link, cases, journal_entry};
use crate::error::Result;
use crate::in_place;
use crate::writes::Writes;

/// Field names that feed the statistics columns when a lifecycle has them.
pub(crate) const AFFECTED_GENDER_FIELD: &str = "affected_gender";
pub(crate) const CATEGORY_FIELD: &str = "category";

fn text_field(case: &Case, name: &str) -> Option<String> {
    case.fields
        .get(name)
        .and_then(Value::as_text)
        .map(str::to_owned)
}

/// The `cases` row for `case` after its latest event at `updated_at`.
pub(crate) fn case_row(
    id: &str,
    case: &Case,
    def: &WorkflowDefinition,
    updated_at: DateTime<Utc>,
) -> cases::ActiveModel {
    let next_due_at = case
        .deadlines
        .values()
        .filter(|d| d.is_running())
        .map(DeadlineStatus::due_at)
        .min();
    let closed_at = match &case.status {
        varna_workflow::Status::Closed { closed_at, .. } => Some(*closed_at),
        varna_workflow::Status::Open { .. } => None,
    };
    cases::ActiveModel {
        id: Set(id.to_owned()),
        kind: Set(case.workflow.name.clone()),
        workflow_version: Set(i32::try_from(case.workflow.version).unwrap_or(i32::MAX)),
        workflow_hash: Set(case.workflow.hash.clone()),
        lagrum: Set(case.lagrum.as_str().to_owned()),
        unit_id: Set(case.unit.as_str().to_owned()),
        state: Set(case.state().as_str().to_owned()),
        is_closed: Set(case.is_closed()),
        outcome: Set(def.outcome_field().and_then(|f| text_field(case, &f.name))),
        affected_gender: Set(text_field(case, AFFECTED_GENDER_FIELD)),
        category: Set(text_field(case, CATEGORY_FIELD)),
        opened_at: Set(case.opened_at),
        opened_epoch: Set(case.opened_at.timestamp()),
        closed_at: Set(closed_at),
        next_due_at: Set(next_due_at),
        filed_by: Set(case.filed_by.id.as_str().to_owned()),
        version: Set(i64::try_from(case.version).unwrap_or(i64::MAX)),
        updated_at: Set(updated_at),
        snapshot: Set(serde_json::to_string(case).expect("a case always serialises")),
        search_text: Set(Some(search_text(case, def))),
    }
}

/// What free-text search looks in: the case's text fields that do not
/// identify a person, lower-cased (so that "Fall" and "FALL", "Ö" and "ö"
/// match alike), one per line. Names and other personal fields are left
/// out, so a search cannot tell anyone whose case it is.
pub(crate) fn search_text(case: &Case, def: &WorkflowDefinition) -> String {
    def.fields
        .iter()
        .filter(|f| !f.personal && f.kind == varna_workflow::definition::FieldKind::Text)
        .filter_map(|f| text_field(case, &f.name))
        .map(|t| t.to_lowercase())
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn deadline_rows(id: &str, case: &Case) -> Vec<case_deadline::ActiveModel> {
    case.deadlines
        .iter()
        .map(|(deadline_id, status)| case_deadline::ActiveModel {
            case_id: Set(id.to_owned()),
            deadline_id: Set(deadline_id.clone()),
            due_at: Set(status.due_at()),
            status: Set(status.label().to_owned()),
            ended_at: Set(status.ended_at()),
        })
        .collect()
}

/// The journal entry and link rows that the events `first_sequence..` add.
pub(crate) fn event_rows(
    id: &str,
    first_sequence: i64,
    events: &[Event],
) -> (Vec<journal_entry::ActiveModel>, Vec<case_link::ActiveModel>) {
    let mut journal = Vec::new();
    let mut links = Vec::new();
    for (offset, event) in events.iter().enumerate() {
        let sequence = first_sequence + offset as i64;
        match &event.kind {
            EventKind::JournalEntryAdded { entry } => journal.push(journal_entry::ActiveModel {
                case_id: Set(id.to_owned()),
                sequence: Set(sequence),
                topic: Set(entry.topic.clone()),
                entry_kind: Set(enum_text(&entry.kind)),
                documented_on: Set(entry.documented_on),
                source: Set(entry.source.clone()),
                author_name: Set(entry.author.name.clone()),
                author_title: Set(entry.author.title.clone()),
                text: Set(entry.text.clone()),
                recorded_by: Set(event.actor.id.as_str().to_owned()),
                recorded_at: Set(event.occurred_at),
            }),
            EventKind::Linked {
                other_case,
                link,
                end,
            } => links.push(case_link::ActiveModel {
                case_id: Set(id.to_owned()),
                sequence: Set(sequence),
                other_case_id: Set(other_case.clone()),
                link_kind: Set(enum_text(link)),
                link_end: Set(enum_text(end)),
            }),
            EventKind::Filed { .. }
            | EventKind::Imported { .. }
            | EventKind::Transitioned { .. }
            | EventKind::DeadlinePassed { .. }
            | EventKind::AttachmentAdded { .. }
            | EventKind::Assigned { .. }
            | EventKind::ContentDisposed { .. }
            | EventKind::Disclosed { .. } => {}
        }
    }
    (journal, links)
}

/// Stages the rows that the events `first_sequence..` add: journal
/// entries and links, plus, when `replace_deadlines`, the case's clocks
/// (replaced whole: a case has few).
pub(crate) fn stage_event_rows(
    writes: &mut Writes,
    id: &str,
    case: &Case,
    first_sequence: i64,
    events: &[Event],
    replace_deadlines: bool,
) {
    let (journal, links) = event_rows(id, first_sequence, events);
    if !journal.is_empty() {
        writes.push(&journal_entry::Entity::insert_many(journal));
    }
    if !links.is_empty() {
        writes.push(&case_link::Entity::insert_many(links));
    }
    if replace_deadlines {
        writes.push(
            &case_deadline::Entity::delete_many().filter(case_deadline::Column::CaseId.eq(id)),
        );
        let rows = deadline_rows(id, case);
        if !rows.is_empty() {
            writes.push(&case_deadline::Entity::insert_many(rows));
        }
    }
}

/// Rows per INSERT: well under SQLite's and PostgreSQL's parameter limits
/// for the widest table.
const ROWS_PER_INSERT: usize = 1_000;

/// Inserts `rows`, many to a statement.
pub(crate) async fn insert_chunked<A, D>(db: &D, rows: Vec<A>) -> Result<()>
where
    A: sea_orm::ActiveModelTrait + Send,
    D: ConnectionTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The read rows of whole cases (case row, clocks, journal, links),
/// gathered to be written many to a statement: the import's and the
/// rebuild's way of writing, where the cases are new to the tables.
#[derive(Default)]
pub(crate) struct CaseRows {
    cases: Vec<cases::ActiveModel>,
    deadlines: Vec<case_deadline::ActiveModel>,
    journal: Vec<journal_entry::ActiveModel>,
    links: Vec<case_link::ActiveModel>,
}

impl CaseRows {
    /// Adds the rows of the case `id`, `case` as replayed from all its `events`.
    pub(crate) fn add(
        &mut self,
        id: &str,
        case: &Case,
        def: &WorkflowDefinition,
        events: &[Event],
    ) {
        let updated_at = events.last().map_or(case.opened_at, |e| e.occurred_at);
        self.cases.push(case_row(id, case, def, updated_at));
        self.deadlines.extend(deadline_rows(id, case));
        let (journal, links) = event_rows(id, 1, events);
        self.journal.extend(journal);
        self.links.extend(links);
    }

    /// Writes them all.
    pub(crate) async fn write(self, db: &impl ConnectionTrait) -> Result<()> {
        insert_chunked(db, self.cases).await?;
        insert_chunked(db, self.deadlines).await?;
        insert_chunked(db, self.journal).await?;
        insert_chunked(db, self.links).await
    }

    /// Them all as rows to insert into a SQLite file in place.
    pub(crate) fn in_place(self) -> Result<[in_place::Rows; 4]> {
        Ok([
            in_place::rows(self.cases)?,
            in_place::rows(self.deadlines)?,
            in_place::rows(self.journal)?,
            in_place::rows(self.links)?,
        ])
    }
}

/// The serde name of a unit-like enum value (`fact`, `escalated_from`, …).
pub(crate) fn enum_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
