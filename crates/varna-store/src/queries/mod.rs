//! Reads for the API and the reports: a case with its history, filtered
//! case lists with keyset pagination (newest first), counts for statistics,
//! and a case's journal and links. Every filter here has an index in the
//! initial migration.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, TryIntoModel,
};
use varna_workflow::{Case, Event, EventActor, Lagrum, Role};

use crate::entities::{case_person, cases, event};
use crate::error::{Error, Result};
use crate::{CaseId, Store};

mod page;
mod reach;

pub use page::cursor_of;
pub use reach::CaseReach;

/// A case as the projection holds it, with its full state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    /// Id.
    pub id: CaseId,
    /// The summary columns.
    pub summary: CaseSummary,
    /// The full state (fields, journal, deadlines, links).
    pub case: Case,
}

/// The indexed columns of a case, as lists return them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    /// Id.
    pub id: CaseId,
    /// Lifecycle name (`avvikelse`, `lex-sarah`, …).
    pub kind: String,
    /// Definition version.
    pub workflow_version: u32,
    /// Definition content hash.
    pub workflow_hash: String,
    /// SoL, LSS or HSL.
    pub lagrum: String,
    /// Unit code.
    pub unit_id: String,
    /// Current state.
    pub state: String,
    /// Whether the case is closed.
    pub is_closed: bool,
    /// Severity outcome, once ruled.
    pub outcome: Option<String>,
    /// Affected person's gender, if recorded.
    pub affected_gender: Option<String>,
    /// Category, if recorded.
    pub category: Option<String>,
    /// Filing time.
    pub opened_at: DateTime<Utc>,
    /// Closing time.
    pub closed_at: Option<DateTime<Utc>>,
    /// The earliest open deadline.
    pub next_due_at: Option<DateTime<Utc>>,
    /// Who filed it.
    pub filed_by: String,
    /// Number of events.
    pub version: u64,
    /// Time of the latest event.
    pub updated_at: DateTime<Utc>,
}

/// The columns of `cases` a summary is made of: all but the snapshot and
/// the search text, which a list never needs (a page reads only these).
const SUMMARY_COLUMNS: [cases::Column; 17] = [
    cases::Column::Id,
    cases::Column::Kind,
    cases::Column::WorkflowVersion,
    cases::Column::WorkflowHash,
    cases::Column::Lagrum,
    cases::Column::UnitId,
    cases::Column::State,
    cases::Column::IsClosed,
    cases::Column::Outcome,
    cases::Column::AffectedGender,
    cases::Column::Category,
    cases::Column::OpenedAt,
    cases::Column::ClosedAt,
    cases::Column::NextDueAt,
    cases::Column::FiledBy,
    cases::Column::Version,
    cases::Column::UpdatedAt,
];

/// A `cases` row without its snapshot: what [`SUMMARY_COLUMNS`] select.
#[derive(Debug, sea_orm::FromQueryResult)]
struct SummaryRow {
    id: String,
    kind: String,
    workflow_version: i32,
    workflow_hash: String,
    lagrum: String,
    unit_id: String,
    state: String,
    is_closed: bool,
    outcome: Option<String>,
    affected_gender: Option<String>,
    category: Option<String>,
    opened_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    next_due_at: Option<DateTime<Utc>>,
    filed_by: String,
    version: i64,
    updated_at: DateTime<Utc>,
}

/// Cases without their snapshots, for lists.
fn summaries() -> sea_orm::Select<cases::Entity> {
    cases::Entity::find().select_only().columns(SUMMARY_COLUMNS)
}

impl CaseSummary {
    fn from_row(m: &cases::Model) -> Result<CaseSummary> {
        CaseSummary::from_summary(SummaryRow {
            id: m.id.clone(),
            kind: m.kind.clone(),
            workflow_version: m.workflow_version,
            workflow_hash: m.workflow_hash.clone(),
            lagrum: m.lagrum.clone(),
            unit_id: m.unit_id.clone(),
            state: m.state.clone(),
            is_closed: m.is_closed,
            outcome: m.outcome.clone(),
            affected_gender: m.affected_gender.clone(),
            category: m.category.clone(),
            opened_at: m.opened_at,
            closed_at: m.closed_at,
            next_due_at: m.next_due_at,
            filed_by: m.filed_by.clone(),
            version: m.version,
            updated_at: m.updated_at,
        })
    }

    fn from_summary(m: SummaryRow) -> Result<CaseSummary> {
        Ok(CaseSummary {
            id: CaseId::parse(&m.id)
                .ok_or_else(|| Error::Corrupt("a case id is not a UUID".into()))?,
            kind: m.kind,
            workflow_version: u32::try_from(m.workflow_version).unwrap_or_default(),
            workflow_hash: m.workflow_hash,
            lagrum: m.lagrum,
            unit_id: m.unit_id,
            state: m.state,
            is_closed: m.is_closed,
            outcome: m.outcome,
            affected_gender: m.affected_gender,
            category: m.category,
            opened_at: m.opened_at,
            closed_at: m.closed_at,
            next_due_at: m.next_due_at,
            filed_by: m.filed_by,
            version: u64::try_from(m.version).unwrap_or_default(),
            updated_at: m.updated_at,
        })
    }
}

/// Which events to find across cases; every condition narrows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// By this user.
    pub actor_id: Option<String>,
    /// In these roles.
    pub roles: Option<Vec<String>>,
    /// Of these types (`filed`, `transitioned`, …).
    pub event_types: Option<Vec<String>>,
    /// Taking one of these transitions.
    pub transitions: Option<Vec<String>>,
    /// Of cases of these lifecycles.
    pub workflows: Option<Vec<String>>,
    /// Of cases at these units.
    pub units: Option<Vec<String>>,
    /// Recorded at or after.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before.
    pub to: Option<DateTime<Utc>>,
}

/// A moment in a case's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// As it stood at this time (the events recorded by then).
    Time(DateTime<Utc>),
    /// As it stood right after its event with this sequence.
    Event(u64),
}

/// One stored event with its place in the chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// 1-based position in the case.
    pub sequence: u64,
    /// Position in the global chain.
    pub global_seq: u64,
    /// The event.
    pub event: Event,
    /// When it was stored.
    pub recorded_at: DateTime<Utc>,
    /// Its per-case chain hash.
    pub hash: String,
    /// The previous event's hash.
    pub prev_hash: String,
}

impl StoredEvent {
    pub(crate) fn from_row(mut m: event::Model) -> Result<StoredEvent> {
        let (sequence, global_seq, recorded_at) = (m.sequence, m.global_seq, m.recorded_at);
        let (hash, prev_hash) = (
            std::mem::take(&mut m.hash),
            std::mem::take(&mut m.prev_hash),
        );
        let event = LogEvent::from(m).event()?;
        Ok(StoredEvent {
            sequence: u64::try_from(sequence).unwrap_or_default(),
            global_seq: u64::try_from(global_seq).unwrap_or_default(),
            event,
            recorded_at,
            hash,
            prev_hash,
        })
    }
}

/// The columns of one row of the log that make its event: what a replay
/// reads.
pub(crate) struct LogEvent {
    pub(crate) case_id: String,
    pub(crate) sequence: i64,
    pub(crate) actor_id: String,
    pub(crate) actor_role: String,
    pub(crate) occurred_at: DateTime<Utc>,
    /// The event's JSON as stored.
    pub(crate) payload: String,
}

impl From<event::Model> for LogEvent {
    fn from(m: event::Model) -> LogEvent {
        LogEvent {
            case_id: m.case_id,
            sequence: m.sequence,
            actor_id: m.actor_id,
            actor_role: m.actor_role,
            occurred_at: m.occurred_at,
            payload: m.payload,
        }
    }
}

impl LogEvent {
    /// The event, its payload parsed.
    pub(crate) fn event(self) -> Result<Event> {
        let kind = serde_json::from_str(&self.payload).map_err(|e| {
            Error::Corrupt(format!(
                "event {} of case {}: {e}",
                self.sequence, self.case_id
            ))
        })?;
        let role =
            Role::from_recorded(&self.actor_role).map_err(|e| Error::Corrupt(e.to_string()))?;
        Ok(Event {
            actor: EventActor {
                id: varna_workflow::ActorId::new(self.actor_id),
                role,
            },
            occurred_at: self.occurred_at,
            kind,
        })
    }
}

/// Open cases of these (lifecycle, state) pairs.
fn actionable_states(actionable: &[(String, String)]) -> Condition {
    actionable
        .iter()
        .fold(Condition::any(), |c, (kind, state)| {
            c.add(
                Condition::all()
                    .add(cases::Column::Kind.eq(kind.clone()))
                    .add(cases::Column::State.eq(state.clone())),
            )
        })
}

/// Which cases a list or count covers. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Lifecycle names.
    pub kinds: Vec<String>,
    /// State ids.
    pub states: Vec<String>,
    /// Unit codes. `Some(vec![])` matches nothing (a scope with no units).
    pub units: Option<Vec<String>>,
    /// Lagrum.
    pub lagrum: Vec<Lagrum>,
    /// Severity outcomes.
    pub outcomes: Vec<String>,
    /// Filed at or after.
    pub opened_from: Option<DateTime<Utc>>,
    /// Filed before.
    pub opened_before: Option<DateTime<Utc>>,
    /// Only open (`Some(false)`) or only closed (`Some(true)`) cases.
    pub closed: Option<bool>,
    /// Only open cases with a deadline that passed before this time.
    pub overdue_at: Option<DateTime<Utc>>,
    /// Only open cases whose next deadline falls before this time.
    pub due_before: Option<DateTime<Utc>>,
    /// Only cases filed by this user.
    pub filed_by: Option<String>,
    /// Only the case whose id ends with these hex digits (the case number
    /// people quote: the id's last eight, any case; see `varna-web`).
    pub case_number: Option<String>,
    /// Only cases whose text (the text fields that do not identify a
    /// person) contains each of these words (the first eight), in any case.
    pub text: Option<String>,
}

impl CaseFilter {
    pub(crate) fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if !self.kinds.is_empty() {
            c = c.add(cases::Column::Kind.is_in(self.kinds.clone()));
        }
        if !self.states.is_empty() {
            c = c.add(cases::Column::State.is_in(self.states.clone()));
        }
        if let Some(units) = &self.units {
            c = c.add(if units.is_empty() {
                Expr::val(1).eq(0).into_condition()
            } else {
                cases::Column::UnitId.is_in(units.clone()).into_condition()
            });
        }
        if !self.lagrum.is_empty() {
            c = c.add(cases::Column::Lagrum.is_in(self.lagrum.iter().map(|l| l.as_str())));
        }
        if !self.outcomes.is_empty() {
            c = c.add(cases::Column::Outcome.is_in(self.outcomes.clone()));
        }
        if let Some(t) = self.opened_from {
            c = c.add(cases::Column::OpenedAt.gte(t));
        }
        if let Some(t) = self.opened_before {
            c = c.add(cases::Column::OpenedAt.lt(t));
        }
        if let Some(closed) = self.closed {
            c = c.add(cases::Column::IsClosed.eq(closed));
        }
        if let Some(t) = self.overdue_at.or(self.due_before) {
            let t = match (self.overdue_at, self.due_before) {
                (Some(a), Some(b)) => std::cmp::min(a, b),
                _ => t,
            };
            c = c
                .add(cases::Column::IsClosed.eq(false))
                .add(cases::Column::NextDueAt.lt(t));
        }
        if let Some(user) = &self.filed_by {
            c = c.add(cases::Column::FiledBy.eq(user.clone()));
        }
        if let Some(number) = &self.case_number {
            // Only hex digits reach the pattern: no LIKE wildcard can.
            let digits: String = number
                .chars()
                .filter(char::is_ascii_hexdigit)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            if !digits.is_empty() {
                c = c.add(cases::Column::Id.like(format!("%{digits}")));
            }
        }
        if let Some(text) = self
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            // Every word, anywhere, in any case; LIKE's wildcards typed
            // are matched as themselves.
            for word in text.to_lowercase().split_whitespace().take(8) {
                let escaped = word
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                c =
                    c.add(cases::Column::SearchText.like(
                        sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\'),
                    ));
            }
        }
        c
    }
}

/// The largest page a list returns.
pub const MAX_PAGE: u64 = 200;

/// One page of cases, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePage {
    /// The cases.
    pub items: Vec<CaseSummary>,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<String>,
    /// Whether more cases follow.
    pub has_next_page: bool,
}

/// One page of whole cases, newest first.
#[derive(Debug, Clone)]
pub struct RecordPage {
    /// The cases.
    pub items: Vec<CaseRecord>,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<String>,
    /// Whether more cases follow.
    pub has_next_page: bool,
    /// How many cases match the filter in all, on every page.
    pub total: u64,
}

/// What a count groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// Lifecycle.
    Kind,
    /// SoL / LSS / HSL.
    Lagrum,
    /// State.
    State,
    /// Severity outcome.
    Outcome,
    /// Unit.
    Unit,
    /// Category.
    Category,
    /// Affected person's gender.
    AffectedGender,
}

impl GroupBy {
    fn column(self) -> cases::Column {
        match self {
            GroupBy::Kind => cases::Column::Kind,
            GroupBy::Lagrum => cases::Column::Lagrum,
            GroupBy::State => cases::Column::State,
            GroupBy::Outcome => cases::Column::Outcome,
            GroupBy::Unit => cases::Column::UnitId,
            GroupBy::Category => cases::Column::Category,
            GroupBy::AffectedGender => cases::Column::AffectedGender,
        }
    }
}

impl Store {
    /// A case with its full state, or `None`.
    pub async fn case(&self, id: &CaseId) -> Result<Option<CaseRecord>> {
        let Some(row) = cases::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        record_of(&row).map(Some)
    }

    /// Several cases with their full state, in one query, in the order of
    /// `ids`; ids without a case are left out.
    pub async fn cases_by_id(&self, ids: &[CaseId]) -> Result<Vec<CaseRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = cases::Entity::find()
            .filter(cases::Column::Id.is_in(ids.iter().map(ToString::to_string)))
            .all(&self.db)
            .await?;
        let mut by_id: std::collections::HashMap<String, cases::Model> =
            rows.into_iter().map(|r| (r.id.clone(), r)).collect();
        ids.iter()
            .filter_map(|id| by_id.remove(&id.to_string()))
            .map(|row| record_of(&row))
            .collect()
    }

    /// The case as it stood at `as_of`, replayed from its events (state,
    /// fields, journal, clocks, links); `None` when it does not exist or
    /// had not been filed by then.
    pub async fn case_as_of(&self, id: &CaseId, as_of: AsOf) -> Result<Option<CaseRecord>> {
        let events = self.history(id).await?;
        let upto: Vec<&StoredEvent> = events
            .iter()
            .take_while(|e| match as_of {
                AsOf::Time(at) => e.recorded_at <= at,
                AsOf::Event(n) => e.sequence <= n,
            })
            .collect();
        let Some(last) = upto.last() else {
            return Ok(None);
        };
        let case = varna_workflow::replay(upto.iter().map(|e| &e.event))
            .map_err(|e| Error::Corrupt(format!("the events of case {id} do not replay: {e}")))?;
        let def = self.definition_by_hash(&case.workflow.hash).await?;
        let row = crate::projections::case_row(&id.to_string(), &case, &def, last.recorded_at)
            .try_into_model()
            .map_err(|e| Error::Corrupt(format!("case {id} as of then: {e}")))?;
        Ok(Some(CaseRecord {
            id: id.clone(),
            summary: CaseSummary::from_row(&row)?,
            case,
        }))
    }

    /// Events across cases, newest first, `first` at most, before the
    /// global sequence `before` (the last of the previous page), with each
    /// event's case id; and how many match in all.
    pub async fn events_search(
        &self,
        filter: &EventFilter,
        first: u64,
        before: Option<i64>,
    ) -> Result<(Vec<(String, StoredEvent)>, u64)> {
        let mut c = Condition::all();
        if let Some(actor) = &filter.actor_id {
            c = c.add(event::Column::ActorId.eq(actor.clone()));
        }
        if let Some(roles) = &filter.roles {
            c = c.add(event::Column::ActorRole.is_in(roles.clone()));
        }
        if let Some(types) = &filter.event_types {
            c = c.add(event::Column::EventType.is_in(types.clone()));
        }
        if let Some(names) = &filter.transitions {
            // The payload is canonical JSON: a transition's name stands as
            // "transition":"NAME" (names are lower-case identifiers).
            let mut any = Condition::any();
            for name in names {
                let safe: String = name
                    .chars()
                    .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '_' || *ch == '-')
                    .collect();
                any = any.add(event::Column::Payload.like(format!("%\"transition\":\"{safe}\"%")));
            }
            c = c.add(any);
        }
        let mut cases_condition = Condition::all();
        if let Some(kinds) = &filter.workflows {
            cases_condition = cases_condition.add(cases::Column::Kind.is_in(kinds.clone()));
        }
        if let Some(units) = &filter.units {
            cases_condition = cases_condition.add(cases::Column::UnitId.is_in(units.clone()));
        }
        if filter.workflows.is_some() || filter.units.is_some() {
            c = c.add(
                event::Column::CaseId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(cases::Column::Id)
                        .from(cases::Entity)
                        .cond_where(cases_condition)
                        .to_owned(),
                ),
            );
        }
        if let Some(from) = filter.from {
            c = c.add(event::Column::RecordedAt.gte(from));
        }
        if let Some(to) = filter.to {
            c = c.add(event::Column::RecordedAt.lt(to));
        }
        let total = event::Entity::find()
            .filter(c.clone())
            .count(&self.db)
            .await?;
        let mut page = event::Entity::find().filter(c);
        if let Some(before) = before {
            page = page.filter(event::Column::GlobalSeq.lt(before));
        }
        let rows = page
            .order_by_desc(event::Column::GlobalSeq)
            .limit(first)
            .all(&self.db)
            .await?;
        let events = rows
            .into_iter()
            .map(|m| {
                let case_id = m.case_id.clone();
                StoredEvent::from_row(m).map(|e| (case_id, e))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((events, total))
    }

    /// A case with its full state and every event of it in order, in one
    /// query (its row joined with its events: one round trip where
    /// [`Store::case`] and [`Store::history`] take two); `None` when it
    /// does not exist.
    pub async fn case_with_history(
        &self,
        id: &CaseId,
    ) -> Result<Option<(CaseRecord, Vec<StoredEvent>)>> {
        let mut select = cases::Entity::find_by_id(id.to_string()).select_also(event::Entity);
        QueryTrait::query(&mut select).left_join(
            event::Entity,
            Expr::col((event::Entity, event::Column::CaseId))
                .equals((cases::Entity, cases::Column::Id)),
        );
        let mut rows = select
            .order_by_asc(event::Column::Sequence)
            .all(&self.db)
            .await?
            .into_iter();
        let Some((row, first)) = rows.next() else {
            return Ok(None);
        };
        let record = record_of(&row)?;
        let events = first
            .into_iter()
            .chain(rows.filter_map(|(_, e)| e))
            .map(StoredEvent::from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Some((record, events)))
    }

    /// Every event of a case, in order.
    pub async fn history(&self, id: &CaseId) -> Result<Vec<StoredEvent>> {
        event::Entity::find()
            .filter(event::Column::CaseId.eq(id.to_string()))
            .order_by_asc(event::Column::Sequence)
            .all(&self.db)
            .await?
            .into_iter()
            .map(StoredEvent::from_row)
            .collect()
    }

    /// The affected person's personnummer (twelve digits), if one was filed.
    /// Callers decide whether the reader may see it, and log the read.
    pub async fn personnummer(&self, id: &CaseId) -> Result<Option<String>> {
        Ok(case_person::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .map(|p| p.personnummer))
    }

    /// "My work": open cases matching `filter` that stand in one of the
    /// `actionable` (lifecycle, state) pairs, most urgent first — the
    /// earliest running deadline first, cases without one after them, oldest
    /// first. At most `limit` ([`MAX_PAGE`]).
    pub async fn work_queue(
        &self,
        filter: &CaseFilter,
        actionable: &[(String, String)],
        limit: u64,
    ) -> Result<Vec<CaseSummary>> {
        self.work_queue_page(filter, actionable, limit, 0).await
    }

    /// The work queue from its `offset`-th case on (0: the most urgent),
    /// `limit` at most, in the same order.
    pub async fn work_queue_page(
        &self,
        filter: &CaseFilter,
        actionable: &[(String, String)],
        limit: u64,
        offset: u64,
    ) -> Result<Vec<CaseSummary>> {
        if actionable.is_empty() {
            return Ok(Vec::new());
        }
        let rows = summaries()
            .filter(filter.condition())
            .filter(cases::Column::IsClosed.eq(false))
            .filter(actionable_states(actionable))
            .order_by_with_nulls(
                cases::Column::NextDueAt,
                sea_orm::Order::Asc,
                sea_orm::sea_query::NullOrdering::Last,
            )
            .order_by_asc(cases::Column::OpenedAt)
            .order_by_asc(cases::Column::Id)
            .offset(offset)
            .limit(limit.clamp(1, MAX_PAGE))
            .into_model::<SummaryRow>()
            .all(&self.db)
            .await?;
        rows.into_iter().map(CaseSummary::from_summary).collect()
    }

    /// How many cases the work queue holds in all.
    pub async fn count_work_queue(
        &self,
        filter: &CaseFilter,
        actionable: &[(String, String)],
    ) -> Result<u64> {
        use sea_orm::PaginatorTrait;
        if actionable.is_empty() {
            return Ok(0);
        }
        Ok(cases::Entity::find()
            .filter(filter.condition())
            .filter(cases::Column::IsClosed.eq(false))
            .filter(actionable_states(actionable))
            .count(&self.db)
            .await?)
    }

    /// How many cases match `filter`.
    pub async fn count_cases(&self, filter: &CaseFilter) -> Result<u64> {
        use sea_orm::PaginatorTrait;
        Ok(cases::Entity::find()
            .filter(filter.condition())
            .count(&self.db)
            .await?)
    }

    /// Counts of matching cases per value of one column (`None`: not set).
    pub async fn count_by(
        &self,
        filter: &CaseFilter,
        group: GroupBy,
    ) -> Result<Vec<(Option<String>, u64)>> {
        let column = group.column();
        let rows: Vec<(Option<String>, i64)> = cases::Entity::find()
            .select_only()
            .column(column)
            .column_as(Expr::col(cases::Column::Id).count(), "n")
            .filter(filter.condition())
            .group_by(column)
            .order_by_asc(column)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(k, n)| (k, u64::try_from(n).unwrap_or_default()))
            .collect())
    }
}

/// The case as its row holds it (its id read once, by its summary).
fn record_of(row: &cases::Model) -> Result<CaseRecord> {
    let summary = CaseSummary::from_row(row)?;
    let case: Case = serde_json::from_str(&row.snapshot)
        .map_err(|e| Error::Corrupt(format!("snapshot of case {}: {e}", summary.id)))?;
    Ok(CaseRecord {
        id: summary.id.clone(),
        summary,
        case,
    })
}
