//! The `Case` object and what hangs off it. Every case served to a person
//! is written to the access log (`load`); personal data is masked for roles
//! that do not need it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_graphql::{Context, ID, Json, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use varna_store::NewAccess;
use varna_store::queries::CaseRecord;
use varna_workflow::{DeadlineStatus, EventKind, Value, WorkflowDefinition};

use super::types::{CaseKind, Lagrum};
use super::{principal, store};
use crate::error::{Code, error, from_store};
use crate::policy;

/// The cases whose content this request has read. Each is logged once: the
/// first field to read a case writes the row, and every other field of the
/// request (resolved concurrently) waits for that write, so an `accessLog`
/// in the same request already shows it.
#[derive(Debug, Default)]
pub struct RequestReads(Mutex<BTreeMap<String, Arc<tokio::sync::OnceCell<()>>>>);

/// A case as its reader may see it.
#[derive(Debug)]
pub struct CaseView {
    pub(crate) record: CaseRecord,
    pub(crate) def: Arc<WorkflowDefinition>,
}

impl CaseView {
    /// One clock as the API shows it.
    fn deadline_view(&self, id: &str, status: &DeadlineStatus, now: DateTime<Utc>) -> Deadline {
        let def = self.def.deadlines.iter().find(|d| d.id == id);
        Deadline {
            id: id.to_owned(),
            label_sv: def.map_or(id.to_owned(), |d| d.label.sv.clone()),
            due_at: status.due_at(),
            status: status.label().to_owned(),
            ended_at: status.ended_at(),
            overdue: status.is_running() && status.due_at() < now,
            term: def.and_then(|d| d.term.clone()),
        }
    }

    /// The earliest clock still running (open or passed), if any.
    pub(crate) fn next_deadline(&self) -> Option<Deadline> {
        self.record
            .case
            .deadlines
            .iter()
            .filter(|(_, status)| status.is_running())
            .min_by_key(|(_, status)| status.due_at())
            .map(|(id, status)| self.deadline_view(id, status, Utc::now()))
    }

    fn masks(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(!policy::sees_personal_data(principal(ctx)?))
    }

    fn label(&self, field: &str) -> (String, bool) {
        self.def
            .field(field)
            .map_or((field.to_owned(), false), |f| {
                (f.label.sv.clone(), f.personal)
            })
    }
}

fn json(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

/// A case: an avvikelse, lex Sarah report, lex Maria event or complaint.
#[Object(name = "Case")]
impl CaseView {
    /// The case's id (a UUID).
    async fn id(&self) -> ID {
        ID(self.record.id.to_string())
    }
    /// What kind of case.
    async fn kind(&self) -> Option<CaseKind> {
        CaseKind::from_workflow(&self.record.summary.kind)
    }
    /// The lifecycle definition the case runs under (pinned when filed).
    async fn workflow(&self) -> WorkflowVersion {
        WorkflowVersion {
            name: self.record.summary.kind.clone(),
            version: self.record.summary.workflow_version as i32,
            hash: self.record.summary.workflow_hash.clone(),
        }
    }
    /// The law the case falls under.
    async fn lagrum(&self) -> Lagrum {
        Lagrum::from_text(&self.record.summary.lagrum)
    }
    /// The unit (enhet) code.
    async fn unit(&self) -> &str {
        &self.record.summary.unit_id
    }
    /// The current state.
    async fn state(&self) -> StateInfo {
        let id = self.record.summary.state.clone();
        let state = self.def.state(&varna_workflow::StateId::new(id.clone()));
        StateInfo {
            label_sv: state.map_or(id.clone(), |s| s.label.sv.clone()),
            label_en: state.map_or(id.clone(), |s| s.label.en.clone()),
            id,
        }
    }
    /// Whether the case is closed (in a terminal state).
    async fn closed(&self) -> bool {
        self.record.summary.is_closed
    }
    /// The severity ruling (bedömning), once made.
    async fn outcome(&self) -> Option<OutcomeInfo> {
        let id = self.record.summary.outcome.clone()?;
        let o = self.def.outcome(&id);
        Some(OutcomeInfo {
            label_sv: o.map_or(id.clone(), |o| o.label.sv.clone()),
            label_en: o.map_or(id.clone(), |o| o.label.en.clone()),
            reportable: o.is_some_and(|o| o.reportable),
            id,
        })
    }
    /// When it was filed.
    async fn opened_at(&self) -> DateTime<Utc> {
        self.record.summary.opened_at
    }
    /// When it was closed.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.record.summary.closed_at
    }
    /// The number of events so far; pass it as `expectedVersion` to guard against concurrent changes.
    async fn version(&self) -> i64 {
        self.record.summary.version as i64
    }
    /// The user id of whoever filed it.
    async fn filed_by(&self) -> &str {
        &self.record.summary.filed_by
    }
    /// The earliest open deadline.
    async fn next_due_at(&self) -> Option<DateTime<Utc>> {
        self.record.summary.next_due_at
    }
    /// The case's field values. Fields that identify a person are masked (value null, `masked` true) for roles that do not need them; a reporter sees only the fields a report is filed with.
    async fn fields(&self, ctx: &Context<'_>) -> Result<Vec<FieldValue>> {
        let masks = self.masks(ctx)?;
        let filing_only = !policy::sees_investigation(principal(ctx)?);
        let filing = &self.def.filing;
        Ok(self
            .record
            .case
            .fields
            .iter()
            .filter(|(name, _)| {
                !filing_only
                    || filing.accepts.contains(name)
                    || filing.requires.iter().any(|r| r.fields().contains(name))
            })
            .map(|(name, value)| {
                let (label, personal) = self.label(name);
                let masked = masks && personal;
                FieldValue {
                    name: name.clone(),
                    label,
                    value: if masked {
                        None
                    } else {
                        Some(Json(json(value)))
                    },
                    masked,
                }
            })
            .collect())
    }
    /// The affected person's personnummer: in full for roles that investigate, as `********-****` for others (no date of birth); null when none was filed.
    async fn personnummer(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let Some(digits) = store(ctx)
            .personnummer(&self.record.id)
            .await
            .map_err(from_store)?
        else {
            return Ok(None);
        };
        Ok(Some(if self.masks(ctx)? {
            MASKED_PERSONNUMMER.to_owned()
        } else {
            let (date, rest) = digits.split_at(8.min(digits.len()));
            format!("{date}-{rest}")
        }))
    }
    /// What the caller may do now, with the fields each transition still needs.
    async fn available_transitions(&self, ctx: &Context<'_>) -> Result<Vec<AvailableTransition>> {
        let actor = principal(ctx)?.actor();
        Ok(
            varna_workflow::available_transitions(&self.def, &self.record.case, &actor)
                .into_iter()
                .map(|a| AvailableTransition {
                    name: a.transition.name.clone(),
                    label_sv: a.transition.label.sv.clone(),
                    label_en: a.transition.label.en.clone(),
                    to: a.transition.to.as_str().to_owned(),
                    required_fields: a
                        .transition
                        .requires
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                    accepted_fields: a.transition.accepts.clone(),
                    missing_fields: a.missing.iter().map(ToString::to_string).collect(),
                })
                .collect(),
        )
    }
    /// Whether the caller may add utredning journal entries now.
    async fn can_add_utredning_entry(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(varna_workflow::can_add_journal_entry(
            &self.def,
            &self.record.case,
            &principal(ctx)?.actor(),
        ))
    }
    /// The case's clocks: what is due when, and whether it was met.
    async fn deadlines(&self) -> Vec<Deadline> {
        let now = Utc::now();
        self.record
            .case
            .deadlines
            .iter()
            .map(|(id, status)| self.deadline_view(id, status, now))
            .collect()
    }
    /// Cases this one was escalated or spawned from, or opened.
    async fn links(&self) -> Result<Vec<CaseLinkInfo>> {
        Ok(self
            .record
            .case
            .links
            .iter()
            .map(|l| CaseLinkInfo {
                other_case_id: ID(l.other_case.clone()),
                kind: varna_store_enum(&l.link),
                this_case_is: varna_store_enum(&l.end),
            })
            .collect())
    }
    /// The utredning journal: every documented item with its date, source, fact-or-assessment and author. Not for the reporter (FORBIDDEN).
    async fn utredning_journal(&self, ctx: &Context<'_>) -> Result<Vec<JournalEntry>> {
        investigators_only(ctx)?;
        Ok(self
            .record
            .case
            .journal
            .iter()
            .map(|e| JournalEntry {
                topic: e.topic.clone(),
                text: e.text.clone(),
                source: e.source.clone(),
                kind: varna_store_enum(&e.kind),
                documented_on: e.documented_on,
                author_name: e.author.name.clone(),
                author_title: e.author.title.clone(),
            })
            .collect())
    }
    /// Every event of the case, in order, with its place in the hash chain. Personal field values are masked as in `fields`. Not for the reporter (FORBIDDEN).
    #[graphql(complexity = "super::HISTORY_COST + child_complexity")]
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<HistoryEvent>> {
        investigators_only(ctx)?;
        let masks = self.masks(ctx)?;
        let events = store(ctx)
            .history(&self.record.id)
            .await
            .map_err(from_store)?;
        Ok(events
            .into_iter()
            .map(|e| {
                let (transition, from_state, to_state) = match &e.event.kind {
                    EventKind::Transitioned {
                        transition,
                        from,
                        to,
                        ..
                    } => (
                        Some(transition.clone()),
                        Some(from.as_str().to_owned()),
                        Some(to.as_str().to_owned()),
                    ),
                    EventKind::Filed { state, .. } => (None, None, Some(state.as_str().to_owned())),
                    _ => (None, None, None),
                };
                let mut payload = serde_json::to_value(&e.event.kind).unwrap_or_default();
                if masks
                    && let Some(fields) = payload.get_mut("fields").and_then(|f| f.as_object_mut())
                {
                    for (name, value) in fields.iter_mut() {
                        if self.label(name).1 {
                            *value = serde_json::Value::String("***".into());
                        }
                    }
                }
                HistoryEvent {
                    sequence: e.sequence as i64,
                    event_type: e.event.kind.type_name().to_owned(),
                    actor_id: e.event.actor.id.as_str().to_owned(),
                    actor_role: e.event.actor.role.as_str().to_owned(),
                    occurred_at: e.event.occurred_at,
                    recorded_at: e.recorded_at,
                    transition,
                    from_state,
                    to_state,
                    payload: Json(payload),
                    hash: e.hash,
                    prev_hash: e.prev_hash,
                }
            })
            .collect())
    }
    /// Auditors only: whether the case's hash chain is intact (each event's hash recomputed).
    async fn audit_chain(&self, ctx: &Context<'_>) -> Result<AuditChainStatus> {
        if !policy::sees_audit(principal(ctx)?) {
            return Err(error(
                Code::Forbidden,
                "only auditors see the audit chain status",
            ));
        }
        let (events, problem) = store(ctx)
            .verify_case(&self.record.id)
            .await
            .map_err(from_store)?;
        Ok(AuditChainStatus {
            intact: problem.is_none(),
            events_checked: events as i64,
            first_break: problem.map(|p| p.to_string()),
        })
    }
    /// Auditors only: every read of this case (who, when, why).
    #[graphql(complexity = "super::HISTORY_COST + child_complexity")]
    async fn access_log(&self, ctx: &Context<'_>) -> Result<Vec<AccessEntry>> {
        if !policy::sees_audit(principal(ctx)?) {
            return Err(error(Code::Forbidden, "only auditors see the access log"));
        }
        let rows = store(ctx)
            .access_log_for_case(&self.record.id)
            .await
            .map_err(from_store)?;
        Ok(rows
            .into_iter()
            .map(|r| AccessEntry {
                user_id: r.actor_id,
                role: r.role,
                purpose: r.purpose,
                at: r.at,
            })
            .collect())
    }
}

/// A personnummer as roles that do not need it see it: not even the date of birth.
const MASKED_PERSONNUMMER: &str = "********-****";

/// FORBIDDEN for a reporter: the investigation is not theirs to read.
fn investigators_only(ctx: &Context<'_>) -> Result<()> {
    if policy::sees_investigation(principal(ctx)?) {
        Ok(())
    } else {
        Err(error(
            Code::Forbidden,
            "a reporter reads their report and its status, not the investigation",
        ))
    }
}

fn varna_store_enum<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
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
}

/// A link to another case.
#[derive(Debug, SimpleObject)]
pub struct CaseLinkInfo {
    /// The other case.
    pub other_case_id: ID,
    /// `escalated_from` or `spawned_by`, read from the newer case's side.
    pub kind: String,
    /// `origin` (this case came first) or `opened` (this case was opened from the other).
    pub this_case_is: String,
}

/// One documented item of the utredning.
#[derive(Debug, SimpleObject)]
pub struct JournalEntry {
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

/// Whether a case's chain is intact.
#[derive(Debug, SimpleObject)]
pub struct AuditChainStatus {
    /// True when every event recomputes and links.
    pub intact: bool,
    /// Events checked before a break (all when intact).
    pub events_checked: i64,
    /// The first break, described.
    pub first_break: Option<String>,
}

/// One read of a case.
#[derive(Debug, SimpleObject)]
pub struct AccessEntry {
    /// Who read.
    pub user_id: String,
    /// In which role.
    pub role: String,
    /// Why: `case_view` (a single read), `list` (a row of a list), `command_result` (returned by a change) or `report` (named in the quality report).
    pub purpose: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Why a case was served to a person (the access log's `purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// `case(id)`.
    CaseView,
    /// A row of `cases`.
    List,
    /// The case returned by a mutation.
    CommandResult,
    /// Named in the quality report (a repeat event).
    Report,
}

impl Purpose {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Purpose::CaseView => "case_view",
            Purpose::List => "list",
            Purpose::CommandResult => "command_result",
            Purpose::Report => "report",
        }
    }
}

/// Loads the views of a page of cases in one query and logs every read in
/// one write, marking them as read for the rest of the request (so that no
/// field logs them again). Any case the principal may not read: NOT_FOUND.
pub(crate) async fn load_many(
    ctx: &Context<'_>,
    ids: &[varna_store::CaseId],
    purpose: Purpose,
) -> Result<Vec<CaseView>> {
    let p = principal(ctx)?;
    let store = store(ctx);
    let records = store.cases_by_id(ids).await.map_err(from_store)?;
    if records.len() != ids.len() || !records.iter().all(|r| policy::may_read(p, &r.summary)) {
        return Err(crate::error::not_found());
    }
    let reads = ctx.data_opt::<RequestReads>();
    let unlogged: Vec<&CaseRecord> = records
        .iter()
        .filter(|r| {
            reads.is_none_or(|reads| {
                reads
                    .0
                    .lock()
                    .expect("never poisoned")
                    .get(&r.id.to_string())
                    .is_none_or(|cell| !cell.initialized())
            })
        })
        .collect();
    let now = Utc::now();
    store
        .record_accesses(
            unlogged
                .iter()
                .map(|r| NewAccess {
                    actor_id: p.user_id.clone(),
                    role: p.role,
                    case_id: r.id.clone(),
                    purpose: purpose.as_str().to_owned(),
                    at: now,
                })
                .collect(),
        )
        .await
        .map_err(from_store)?;
    if let Some(reads) = reads {
        let mut map = reads.0.lock().expect("never poisoned");
        for r in &unlogged {
            let cell = map.entry(r.id.to_string()).or_default();
            let _ = cell.set(());
        }
    }
    let mut views = Vec::with_capacity(records.len());
    for record in records {
        let def = store
            .definition_by_hash(&record.summary.workflow_hash)
            .await
            .map_err(from_store)?;
        views.push(CaseView { record, def });
    }
    Ok(views)
}

/// Loads the view of a case the principal may read, or NOT_FOUND, and logs
/// the read: every case served to a person is in the access log, once per
/// request (concurrent resolvers of one request wait for that one write).
pub(crate) async fn load(
    ctx: &Context<'_>,
    id: &varna_store::CaseId,
    purpose: Purpose,
) -> Result<CaseView> {
    let p = principal(ctx)?;
    let store = store(ctx);
    let record = store
        .case(id)
        .await
        .map_err(from_store)?
        .ok_or_else(crate::error::not_found)?;
    if !policy::may_read(p, &record.summary) {
        return Err(crate::error::not_found());
    }
    let record_read = || async {
        store
            .record_access(NewAccess {
                actor_id: p.user_id.clone(),
                role: p.role,
                case_id: id.clone(),
                purpose: purpose.as_str().to_owned(),
                at: Utc::now(),
            })
            .await
            .map_err(from_store)
    };
    match ctx.data_opt::<RequestReads>() {
        Some(reads) => {
            let cell = Arc::clone(
                reads
                    .0
                    .lock()
                    .expect("never poisoned")
                    .entry(id.to_string())
                    .or_default(),
            );
            cell.get_or_try_init(record_read).await?;
        }
        None => record_read().await?,
    }
    let def = store
        .definition_by_hash(&record.summary.workflow_hash)
        .await
        .map_err(from_store)?;
    Ok(CaseView { record, def })
}
