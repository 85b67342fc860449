//! The `Case` object and what hangs off it: a thin adapter over the
//! application layer's [`varna_app::CaseView`], which has already checked
//! the read, logged it and masked what this reader may not see.

use async_graphql::{Context, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use varna_workflow::definition::Label;

use super::session;
use super::types::{CaseKind, Handlaggare, Lagrum};
use crate::error::Gql;

/// A case as its reader may see it.
#[derive(Debug)]
pub struct CaseView(pub(crate) varna_app::CaseView);

fn json(v: &varna_workflow::Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// A typed value's serde word (`escalated_from`, `origin`, `fact`…).
fn word<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn state_info(n: varna_app::view::Named) -> StateInfo {
    let Label { sv, en } = n.label;
    StateInfo {
        id: n.id,
        label_sv: sv,
        label_en: en,
    }
}

impl From<varna_app::view::DeadlineView> for Deadline {
    fn from(d: varna_app::view::DeadlineView) -> Self {
        Deadline {
            id: d.id,
            label_sv: d.label.sv,
            due_at: d.due_at,
            status: d.status.to_owned(),
            ended_at: d.ended_at,
            overdue: d.overdue,
            term: d.term,
            legal_references: d.references,
        }
    }
}

/// A case: an avvikelse, lex Sarah report, lex Maria event or complaint.
#[Object(name = "Case")]
impl CaseView {
    /// The case's id (a UUID).
    async fn id(&self) -> ID {
        ID(self.0.id())
    }
    /// What kind of case (one of the four first lifecycles; null for the others).
    #[graphql(deprecation = "use `workflow { name }`; it covers every lifecycle")]
    async fn kind(&self) -> Option<CaseKind> {
        CaseKind::from_workflow(self.0.workflow())
    }
    /// The lifecycle definition the case runs under (pinned when filed).
    async fn workflow(&self) -> WorkflowVersion {
        let s = &self.0.record.summary;
        WorkflowVersion {
            name: s.kind.clone(),
            version: s.workflow_version as i32,
            hash: s.workflow_hash.clone(),
        }
    }
    /// The law the case falls under.
    async fn lagrum(&self) -> Lagrum {
        Lagrum::from_text(&self.0.record.summary.lagrum)
    }
    /// The unit (enhet) code.
    async fn unit(&self) -> &str {
        &self.0.record.summary.unit_id
    }
    /// The current state.
    async fn state(&self) -> StateInfo {
        state_info(self.0.state())
    }
    /// Whether the case is closed (in a terminal state).
    async fn closed(&self) -> bool {
        self.0.record.summary.is_closed
    }
    /// The severity ruling (bedömning), once made.
    async fn outcome(&self) -> Option<OutcomeInfo> {
        self.0.outcome().map(|o| OutcomeInfo {
            id: o.named.id,
            label_sv: o.named.label.sv,
            label_en: o.named.label.en,
            reportable: o.reportable,
        })
    }
    /// When it was filed.
    async fn opened_at(&self) -> DateTime<Utc> {
        self.0.record.summary.opened_at
    }
    /// When it was closed.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.record.summary.closed_at
    }
    /// For a case read with `asOf` or `atEvent`: the moment it shows (when its last event then was recorded); null for the case now.
    async fn as_of(&self) -> Option<DateTime<Utc>> {
        self.0.past.then_some(self.0.record.summary.updated_at)
    }
    /// The number of events so far; pass it as `expectedVersion` to guard against concurrent changes.
    async fn version(&self) -> i64 {
        self.0.record.summary.version as i64
    }
    /// The user id of whoever filed it.
    async fn filed_by(&self) -> &str {
        &self.0.record.summary.filed_by
    }
    /// The handläggare named to work the case, for roles that read the investigation; null when none is named (or for other roles).
    async fn handlaggare(&self, ctx: &Context<'_>) -> Result<Option<Handlaggare>> {
        let session = session(ctx)?;
        if !varna_app::policy::sees_investigation(session.principal()) {
            return Ok(None);
        }
        Ok(session
            .handlaggare(&self.0)
            .await
            .gql()?
            .map(|p| Handlaggare {
                id: p.id,
                name: p.name,
                title: p.title,
                role: p.role.as_str().to_owned(),
            }))
    }
    /// The earliest open deadline.
    async fn next_due_at(&self) -> Option<DateTime<Utc>> {
        self.0.record.summary.next_due_at
    }
    /// The case's field values. Fields that identify a person are masked (value null, `masked` true) for roles that do not need them; a reporter sees only the fields a report is filed with.
    async fn fields(&self) -> Vec<FieldValue> {
        self.0
            .fields()
            .into_iter()
            .map(|f| FieldValue {
                name: f.name,
                label: f.label.sv,
                value: f.value.as_ref().map(|v| Json(json(v))),
                masked: f.masked,
            })
            .collect()
    }
    /// The affected person's personnummer: in full for roles that investigate, as `********-****` for others (no date of birth); null when none was filed.
    async fn personnummer(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        self.0.personnummer(&session(ctx)?).await.gql()
    }
    /// What the caller may do now, with the fields each transition still needs.
    async fn available_transitions(&self, ctx: &Context<'_>) -> Result<Vec<AvailableTransition>> {
        Ok(self
            .0
            .available_transitions(&session(ctx)?)
            .into_iter()
            .map(|a| AvailableTransition {
                name: a.name,
                label_sv: a.label.sv,
                label_en: a.label.en,
                to: a.to.id,
                required_fields: a.requires.iter().map(ToString::to_string).collect(),
                accepted_fields: a.accepts,
                missing_fields: a.missing.iter().map(ToString::to_string).collect(),
                legal_references: a.references,
            })
            .collect())
    }
    /// Whether the caller may add utredning journal entries now.
    async fn can_add_utredning_entry(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.0.can_add_journal_entry(&session(ctx)?))
    }
    /// The risk score (sannolikhet × konsekvens) against the lifecycle's threshold, once scored; null for lifecycles without a risk matrix.
    async fn risk(&self) -> Option<RiskInfo> {
        self.0.risk().map(|r| RiskInfo {
            score: r.score,
            escalate_from: r.escalate_from,
            high: r.high,
        })
    }
    /// The case's clocks: what is due when, and whether it was met.
    async fn deadlines(&self) -> Vec<Deadline> {
        self.0.deadlines().into_iter().map(Into::into).collect()
    }
    /// Cases this one was escalated or spawned from, opened, is related to, duplicates or is duplicated by.
    async fn links(&self) -> Vec<CaseLinkInfo> {
        self.0
            .links()
            .into_iter()
            .map(|l| CaseLinkInfo {
                other_case_id: ID(l.other_case_id),
                kind: word(&l.kind),
                this_case_is: word(&l.this_case_is),
            })
            .collect()
    }
    /// The utredning journal: every documented item with its date, source, fact-or-assessment and author. Not for the reporter (FORBIDDEN).
    async fn utredning_journal(&self) -> Result<Vec<JournalEntry>> {
        Ok(self
            .0
            .journal()
            .gql()?
            .iter()
            .zip(1..)
            .map(|(e, number)| JournalEntry {
                number,
                addresses: e.addresses.and_then(|n| i32::try_from(n).ok()),
                owner: e.owner.clone(),
                due_on: e.due_on,
                follows_up: e.follows_up.and_then(|n| i32::try_from(n).ok()),
                topic: e.topic.clone(),
                text: e.text.clone(),
                source: e.source.clone(),
                kind: word(&e.kind),
                documented_on: e.documented_on,
                author_name: e.author.name.clone(),
                author_title: e.author.title.clone(),
            })
            .collect())
    }
    /// Every event of the case, in order, with its place in the hash chain. Personal field values are masked as in `fields`. Not for the reporter (FORBIDDEN).
    #[graphql(complexity = "super::HISTORY_COST + child_complexity")]
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<HistoryEvent>> {
        Ok(self
            .0
            .history(&session(ctx)?)
            .await
            .gql()?
            .into_iter()
            .map(HistoryEvent::from)
            .collect())
    }
    /// Auditors only: whether the case's hash chain is intact (each event's hash recomputed).
    async fn audit_chain(&self, ctx: &Context<'_>) -> Result<AuditChainStatus> {
        let status = self.0.audit_chain(&session(ctx)?).await.gql()?;
        Ok(AuditChainStatus {
            intact: status.intact,
            events_checked: status.events_checked as i64,
            first_break: status.first_break,
            differing_projections: status.differing.iter().map(|d| (*d).to_owned()).collect(),
        })
    }
    /// Auditors only: every read of this case (who, when, why).
    #[graphql(complexity = "super::HISTORY_COST + child_complexity")]
    async fn access_log(&self, ctx: &Context<'_>) -> Result<Vec<AccessEntry>> {
        Ok(self
            .0
            .access_log(&session(ctx)?)
            .await
            .gql()?
            .into_iter()
            .map(|r| AccessEntry {
                user_id: r.user_id,
                role: r.role,
                purpose: r.purpose,
                at: r.at,
            })
            .collect())
    }
}

/// The definition a case runs under.
#[derive(Debug, SimpleObject)]
pub struct WorkflowVersion {
    /// Lifecycle name.
    pub name: String,
    /// Version number.
    pub version: i32,
    /// SHA-256 of the definition text.
    pub hash: String,
}

/// A state of a lifecycle.
#[derive(Debug, SimpleObject)]
pub struct StateInfo {
    /// State id.
    pub id: String,
    /// Name in Swedish.
    pub label_sv: String,
    /// Name in English.
    pub label_en: String,
}

/// A severity outcome.
#[derive(Debug, SimpleObject)]
pub struct OutcomeInfo {
    /// Outcome id, e.g. `serious_missforhallande`.
    pub id: String,
    /// Name in Swedish.
    pub label_sv: String,
    /// English name.
    pub label_en: String,
    /// Whether it obliges an anmälan to IVO.
    pub reportable: bool,
}

/// One field's value.
#[derive(Debug, SimpleObject)]
pub struct FieldValue {
    /// Field name.
    pub name: String,
    /// Field name in Swedish.
    pub label: String,
    /// The value (null when masked).
    pub value: Option<Json<serde_json::Value>>,
    /// Whether the value is hidden from this reader.
    pub masked: bool,
}

/// A transition the caller may take now.
#[derive(Debug, SimpleObject)]
pub struct AvailableTransition {
    /// Transition name, for the `transition` mutation.
    pub name: String,
    /// Name in Swedish.
    pub label_sv: String,
    /// English name.
    pub label_en: String,
    /// The state it leads to.
    pub to: String,
    /// Fields it requires (`one of (a | b)` for alternatives).
    pub required_fields: Vec<String>,
    /// Further fields it accepts.
    pub accepted_fields: Vec<String>,
    /// Required fields the case does not have yet: the command must supply them.
    pub missing_fields: Vec<String>,
    /// The legal references in force today that the step rests on.
    pub legal_references: Vec<String>,
}

/// A case's risk score against its lifecycle's matrix.
#[derive(Debug, SimpleObject)]
pub struct RiskInfo {
    /// Sannolikhet × konsekvens.
    pub score: i64,
    /// The score from which escalation to lex Sarah or lex Maria is the default.
    pub escalate_from: i64,
    /// Whether the score is at or above it (a plain closing is then not offered).
    pub high: bool,
}

/// A clock on the case.
#[derive(Debug, SimpleObject)]
pub struct Deadline {
    /// Deadline id.
    pub id: String,
    /// What is due, in Swedish.
    pub label_sv: String,
    /// When it is (was) due.
    pub due_at: DateTime<Utc>,
    /// `open`, `passed` (due time gone, still to be done; the responsible roles were told), `met` or `cancelled` (the case closed first).
    pub status: String,
    /// When it was met or ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Running (open or passed) and past its due time.
    pub overdue: bool,
    /// The legal time word it stands for (`snarast`, `genast`…), if any.
    pub term: Option<String>,
    /// The legal references in force today that the clock rests on.
    pub legal_references: Vec<String>,
}

/// A link to another case.
#[derive(Debug, SimpleObject)]
pub struct CaseLinkInfo {
    /// The other case.
    pub other_case_id: ID,
    /// `escalated_from`, `spawned_by`, `related_to` or `duplicate_of`, read from the newer case's side.
    pub kind: String,
    /// `origin` (this case came first; of a duplicate pair, the original) or `opened` (this case was opened from the other; of a duplicate pair, the duplicate).
    pub this_case_is: String,
}

/// One documented item of the utredning.
#[derive(Debug, SimpleObject)]
pub struct JournalEntry {
    /// Its number in the journal (1-based), by which actions name causes and follow-ups name actions.
    pub number: i32,
    /// For an action: the number of the cause entry it addresses.
    pub addresses: Option<i32>,
    /// For an action: who owns it.
    pub owner: Option<String>,
    /// For an action: by when.
    pub due_on: Option<NaiveDate>,
    /// For a follow-up: the number of the action it follows up.
    pub follows_up: Option<i32>,
    /// What it documents (a field of the lifecycle).
    pub topic: String,
    /// The text.
    pub text: String,
    /// Where it came from.
    pub source: String,
    /// `fact` or `assessment`.
    pub kind: String,
    /// When it was documented.
    pub documented_on: NaiveDate,
    /// Who documented it.
    pub author_name: String,
    /// Their title.
    pub author_title: String,
}

/// One event in a case's history.
#[derive(Debug, SimpleObject)]
pub struct HistoryEvent {
    /// 1-based position.
    pub sequence: i64,
    /// `filed`, `transitioned`, `journal_entry_added` or `linked`.
    pub event_type: String,
    /// Who (user id).
    pub actor_id: String,
    /// In which role.
    pub actor_role: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// When it was stored.
    pub recorded_at: DateTime<Utc>,
    /// The transition taken, for `transitioned`.
    pub transition: Option<String>,
    /// State before, for `transitioned`.
    pub from_state: Option<String>,
    /// State after, for `filed` and `transitioned`.
    pub to_state: Option<String>,
    /// The full event (personal values masked for roles that do not see them).
    pub payload: Json<serde_json::Value>,
    /// Its hash in the case's chain.
    pub hash: String,
    /// The previous event's hash.
    pub prev_hash: String,
}

impl From<varna_app::view::HistoryItem> for HistoryEvent {
    fn from(e: varna_app::view::HistoryItem) -> Self {
        HistoryEvent {
            sequence: e.sequence as i64,
            event_type: e.event_type.to_owned(),
            actor_id: e.actor_id,
            actor_role: e.actor_role.as_str().to_owned(),
            occurred_at: e.occurred_at,
            recorded_at: e.recorded_at,
            transition: e.transition,
            from_state: e.from_state,
            to_state: e.to_state,
            payload: Json(e.payload),
            hash: e.hash,
            prev_hash: e.prev_hash,
        }
    }
}

/// Whether a case's chain is intact.
#[derive(Debug, SimpleObject)]
pub struct AuditChainStatus {
    /// True when every event recomputes and links.
    pub intact: bool,
    /// Events checked before a break (all when intact).
    pub events_checked: i64,
    /// The first break, described.
    pub first_break: Option<String>,
    /// The read rows that differ from what the events say: `case` (state, fields, clocks), `journal`, `deadlines`, `links`. Empty when what is shown is what the chain holds.
    pub differing_projections: Vec<String>,
}

/// One read of a case.
#[derive(Debug, SimpleObject)]
pub struct AccessEntry {
    /// Who read.
    pub user_id: String,
    /// In which role.
    pub role: String,
    /// Why: `case_view` (a single read), `list` (a row of a list), `command_result` (returned by a change), `report` (named in the quality report), `case_as_of` (the case as it stood earlier) or `access_log` (named in an auditor's search of this log).
    pub purpose: String,
    /// When.
    pub at: DateTime<Utc>,
}
