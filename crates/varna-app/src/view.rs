//! A case as its reader may see it, and what hangs off it: typed values
//! with the lifecycle's labels, personal data already masked for readers
//! who do not need it. The parts that need another read (personnummer,
//! history, chain status, access log) are methods that take the session.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use varna_store::queries::CaseRecord;
use varna_workflow::definition::{Label, LinkKind, Requirement};
use varna_workflow::{
    DeadlineStatus, EventKind, JournalEntry, LinkEnd, Role, StateId, Value, WorkflowDefinition,
};

use crate::error::{AppError, Code, Result};
use crate::session::Session;

/// A personnummer as roles that do not need it see it: not even the date
/// of birth.
pub const MASKED_PERSONNUMMER: &str = "********-****";

/// A case as its reader may see it.
#[derive(Debug)]
pub struct CaseView {
    /// The case as stored.
    pub record: CaseRecord,
    /// The definition it runs under (pinned when filed).
    pub def: Arc<WorkflowDefinition>,
    /// The reader sees personal data (else it is masked).
    pub(crate) personal: bool,
    /// The reader sees the investigation (journal, history, fields set
    /// after filing).
    pub(crate) investigation: bool,
    /// Not the case now but as it stood then (replayed from its events up
    /// to the time its last one was recorded): nothing can be done on it.
    pub past: bool,
    /// The case's events when they were read with it
    /// ([`crate::Session::case_with_history`]), for the first
    /// [`CaseView::history`] to show.
    pub(crate) events: std::sync::Mutex<Option<Vec<varna_store::queries::StoredEvent>>>,
}

/// A state or outcome with its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// Its id in the lifecycle file.
    pub id: String,
    /// Its names (the id when the lifecycle has none).
    pub label: Label,
}

/// The severity ruling (bedömning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeView {
    /// Id and names.
    pub named: Named,
    /// Whether it obliges an anmälan to IVO.
    pub reportable: bool,
}

/// One field's value.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldValue {
    /// Field name.
    pub name: String,
    /// Its names (the name when the lifecycle has no such field).
    pub label: Label,
    /// The value; `None` when masked.
    pub value: Option<Value>,
    /// Whether the value is hidden from this reader.
    pub masked: bool,
}

/// A transition the reader may take now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionView {
    /// Transition name.
    pub name: String,
    /// Its names.
    pub label: Label,
    /// What taking it means, in plain words, where the lifecycle file says.
    pub explain: Option<Label>,
    /// The state it leads to.
    pub to: Named,
    /// What it requires.
    pub requires: Vec<Requirement>,
    /// Further fields it accepts.
    pub accepts: Vec<String>,
    /// Requirements the case does not meet yet: the command must supply them.
    pub missing: Vec<Requirement>,
    /// The legal references in force today that the step rests on.
    pub references: Vec<String>,
}

/// A case's risk score (sannolikhet × konsekvens) against its lifecycle's
/// threshold for escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskView {
    /// The product of the two scores.
    pub score: i64,
    /// The score from which escalation to lex Sarah or lex Maria is the default.
    pub escalate_from: i64,
    /// Whether the score is at or above it.
    pub high: bool,
}

/// A clock on the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineView {
    /// Deadline id.
    pub id: String,
    /// What is due.
    pub label: Label,
    /// When it is (was) due.
    pub due_at: DateTime<Utc>,
    /// `open`, `passed`, `met` or `cancelled`.
    pub status: &'static str,
    /// When it was met or ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Running (open or passed) and past its due time.
    pub overdue: bool,
    /// The legal time word it stands for (`snarast`, `genast`…), if any.
    pub term: Option<String>,
    /// The legal references in force today that the clock rests on.
    pub references: Vec<String>,
}

/// A link to another case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkView {
    /// The other case's id.
    pub other_case_id: String,
    /// How the two are linked.
    pub kind: LinkKind,
    /// Which end this case is.
    pub this_case_is: LinkEnd,
}

/// One event in a case's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryItem {
    /// 1-based position.
    pub sequence: u64,
    /// `filed`, `transitioned`, `journal_entry_added`, `linked`, …
    pub event_type: &'static str,
    /// Who (user id).
    pub actor_id: String,
    /// In which role.
    pub actor_role: Role,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// When it was stored.
    pub recorded_at: DateTime<Utc>,
    /// The transition taken.
    pub transition: Option<String>,
    /// State before a transition.
    pub from_state: Option<String>,
    /// State after a filing or transition.
    pub to_state: Option<String>,
    /// The full event, personal values masked for readers who do not see them.
    pub payload: serde_json::Value,
    /// Its hash in the case's chain.
    pub hash: String,
    /// The previous event's hash.
    pub prev_hash: String,
}

/// Whether a case's chain is intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainStatus {
    /// Every event recomputes and links.
    pub intact: bool,
    /// Events checked before a break (all when intact).
    pub events_checked: u64,
    /// The first break, described.
    pub first_break: Option<String>,
    /// The read rows that differ from what the events say (`case`,
    /// `journal`, `deadlines`, `links`): empty when what the page shows is
    /// what the chain holds.
    pub differing: Vec<&'static str>,
}

/// One read of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    /// Who read.
    pub user_id: String,
    /// In which role (`sas`, …).
    pub role: String,
    /// Why: `case_view`, `list`, `command_result` or `report`.
    pub purpose: String,
    /// When.
    pub at: DateTime<Utc>,
}

fn label_or_id(label: Option<&Label>, id: &str) -> Label {
    label.cloned().unwrap_or_else(|| Label {
        sv: id.to_owned(),
        en: id.to_owned(),
    })
}

impl CaseView {
    /// The case's id.
    pub fn id(&self) -> String {
        self.record.id.to_string()
    }

    /// The lifecycle's name (`avvikelse`, `lex-sarah`, …).
    pub fn workflow(&self) -> &str {
        &self.record.summary.kind
    }

    /// The lifecycle's names.
    pub fn workflow_label(&self) -> &Label {
        &self.def.label
    }

    /// The current state.
    pub fn state(&self) -> Named {
        self.state_named(&self.record.summary.state)
    }

    /// A state of the case's lifecycle, with its names.
    pub fn state_named(&self, id: &str) -> Named {
        let state = self.def.state(&StateId::new(id.to_owned()));
        Named {
            id: id.to_owned(),
            label: label_or_id(state.map(|s| &s.label), id),
        }
    }

    /// A transition's names (the name when the lifecycle has none).
    pub fn transition_label(&self, name: &str) -> Label {
        label_or_id(self.def.transition(name).map(|t| &t.label), name)
    }

    /// A field's names (the name when the lifecycle has no such field).
    pub fn field_label(&self, name: &str) -> Label {
        label_or_id(self.def.field(name).map(|f| &f.label), name)
    }

    /// The severity ruling, once made.
    pub fn outcome(&self) -> Option<OutcomeView> {
        let id = self.record.summary.outcome.as_deref()?;
        let o = self.def.outcome(id);
        Some(OutcomeView {
            named: Named {
                id: id.to_owned(),
                label: label_or_id(o.map(|o| &o.label), id),
            },
            reportable: o.is_some_and(|o| o.reportable),
        })
    }

    /// The case's risk score against its lifecycle's matrix, once scored.
    pub fn risk(&self) -> Option<RiskView> {
        let matrix = self.def.risk.as_ref()?;
        let fields = &self.record.case.fields;
        let score = matrix.score(fields)?;
        Some(RiskView {
            score,
            escalate_from: matrix.escalate_from,
            high: matrix.level(fields) == varna_workflow::definition::RiskLevel::High,
        })
    }

    /// What the case is about, in a line: the start of the first free-text
    /// field its filing requires that identifies no one (what happened,
    /// what came to light), cut at a word within `max` characters.
    pub fn summary(&self, max: usize) -> Option<String> {
        let name = self
            .def
            .filing
            .requires
            .iter()
            .flat_map(|r| r.fields())
            .filter_map(|n| self.def.field(n))
            .find(|f| f.kind == varna_workflow::definition::FieldKind::Text && !f.personal)?
            .name
            .clone();
        let text = self.record.case.fields.get(&name)?.as_text()?.trim();
        if text.chars().count() <= max {
            return Some(text.to_owned());
        }
        let cut: String = text.chars().take(max).collect();
        let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
        Some(format!("{}…", cut.trim_end_matches([',', '.', ';', ':'])))
    }

    /// Who filed the case — name, title and role — for the readers who see
    /// personal data (who reported a missförhållande is itself sensitive);
    /// `None` for others, and for a case from the public form (its sender
    /// is anonymous: the case's sender kind says so). The id stands for a
    /// name not registered.
    pub async fn reported_by(&self, session: &Session<'_>) -> Result<Option<String>> {
        let filer = &self.record.case.filed_by;
        if !self.personal || filer.role == varna_workflow::Role::Sender {
            return Ok(None);
        }
        let id = filer.id.as_str();
        Ok(Some(match session.store().user_name(id).await? {
            Some((name, title)) if !title.is_empty() => format!("{name}, {title}"),
            Some((name, _)) => name,
            None => id.to_owned(),
        }))
    }

    /// The case's field values, in the order the lifecycle file lists its
    /// fields (its form order). Fields that identify a person are masked
    /// for readers who do not need them; a reporter sees only the fields a
    /// report is filed with.
    pub fn fields(&self) -> Vec<FieldValue> {
        let filing = &self.def.filing;
        let position = |name: &str| {
            self.def
                .fields
                .iter()
                .position(|f| f.name == name)
                .unwrap_or(usize::MAX)
        };
        let mut values: Vec<FieldValue> = self
            .record
            .case
            .fields
            .iter()
            .filter(|(name, _)| {
                self.investigation
                    || filing.accepts.contains(name)
                    || filing.requires.iter().any(|r| r.fields().contains(name))
                    || self.def.field(name).is_some_and(|f| f.for_reporter)
            })
            .map(|(name, value)| {
                let masked = !self.personal && self.def.field(name).is_some_and(|f| f.personal);
                FieldValue {
                    name: name.clone(),
                    label: self.field_label(name),
                    value: (!masked).then(|| value.clone()),
                    masked,
                }
            })
            .collect();
        values.sort_by_key(|f| position(&f.name));
        values
    }

    /// What `session`'s person may do now, with what each transition
    /// still needs.
    pub fn available_transitions(&self, session: &Session<'_>) -> Vec<TransitionView> {
        if self.past {
            return Vec::new();
        }
        varna_workflow::available_transitions(
            &self.def,
            &self.record.case,
            &session.principal().actor(),
        )
        .into_iter()
        .map(|a| TransitionView {
            name: a.transition.name.clone(),
            label: a.transition.label.clone(),
            explain: a.transition.explain.clone(),
            to: self.state_named(a.transition.target(self.record.case.state()).as_str()),
            requires: a.transition.requires.clone(),
            accepts: a.transition.accepts.clone(),
            missing: a.missing,
            references: self.def.references_in_force(
                &a.transition.legal_refs,
                varna_workflow::local::date(Utc::now()),
            ),
        })
        .collect()
    }

    /// Whether `session`'s person may add utredning journal entries now.
    pub fn can_add_journal_entry(&self, session: &Session<'_>) -> bool {
        !self.past
            && varna_workflow::can_add_journal_entry(
                &self.def,
                &self.record.case,
                &session.principal().actor(),
            )
    }

    /// The topics an utredning entry may document.
    pub fn journal_topics(&self) -> &[String] {
        self.def.journal.as_ref().map_or(&[], |j| &j.topics)
    }

    fn deadline_view(&self, id: &str, status: &DeadlineStatus, now: DateTime<Utc>) -> DeadlineView {
        let def = self.def.deadlines.iter().find(|d| d.id == id);
        DeadlineView {
            id: id.to_owned(),
            label: label_or_id(def.map(|d| &d.label), id),
            due_at: status.due_at(),
            status: status.label(),
            ended_at: status.ended_at(),
            overdue: status.is_running() && status.due_at() < now,
            term: def.and_then(|d| d.within_for(self.record.case.lagrum).1.map(str::to_owned)),
            references: def
                .map(|d| {
                    self.def
                        .references_in_force(&d.legal_refs, varna_workflow::local::date(now))
                })
                .unwrap_or_default(),
        }
    }

    /// The case's clocks: what is due when, and whether it was met.
    pub fn deadlines(&self) -> Vec<DeadlineView> {
        let now = self.now();
        self.record
            .case
            .deadlines
            .iter()
            .map(|(id, status)| self.deadline_view(id, status, now))
            .collect()
    }

    /// The moment the view shows: now, or for a past view the time its
    /// last event was recorded.
    pub fn now(&self) -> DateTime<Utc> {
        if self.past {
            self.record.summary.updated_at
        } else {
            Utc::now()
        }
    }

    /// The earliest clock still running (open or passed), if any.
    pub fn next_deadline(&self) -> Option<DeadlineView> {
        self.record
            .case
            .deadlines
            .iter()
            .filter(|(_, status)| status.is_running())
            .min_by_key(|(_, status)| status.due_at())
            .map(|(id, status)| self.deadline_view(id, status, self.now()))
    }

    /// Cases this one was escalated or spawned from, or opened.
    pub fn links(&self) -> Vec<LinkView> {
        self.record
            .case
            .links
            .iter()
            .map(|l| LinkView {
                other_case_id: l.other_case.clone(),
                kind: l.link,
                this_case_is: l.end,
            })
            .collect()
    }

    fn investigators_only(&self) -> Result<()> {
        if self.investigation {
            Ok(())
        } else {
            Err(AppError::new(
                Code::Forbidden,
                "a reporter reads their report and its status, not the investigation",
            ))
        }
    }

    /// The utredning journal. Not for the reporter (`Forbidden`).
    pub fn journal(&self) -> Result<&[JournalEntry]> {
        self.investigators_only()?;
        Ok(&self.record.case.journal)
    }

    /// The affected person's personnummer: in full for readers who see
    /// personal data, as [`MASKED_PERSONNUMMER`] for others; `None` when
    /// none was filed.
    pub async fn personnummer(&self, session: &Session<'_>) -> Result<Option<String>> {
        let Some(digits) = session.store().personnummer(&self.record.id).await? else {
            return Ok(None);
        };
        Ok(Some(if self.personal {
            let (date, rest) = digits.split_at(8.min(digits.len()));
            format!("{date}-{rest}")
        } else {
            MASKED_PERSONNUMMER.to_owned()
        }))
    }

    /// Every event of the case, in order, with its place in the hash chain;
    /// personal values masked as in [`CaseView::fields`]. Not for the
    /// reporter (`Forbidden`).
    pub async fn history(&self, session: &Session<'_>) -> Result<Vec<HistoryItem>> {
        self.investigators_only()?;
        let kept = self.events.lock().expect("never poisoned").take();
        let events = match kept {
            Some(events) => events,
            None => session.store().history(&self.record.id).await?,
        };
        // The events this view is made of (a past view ends earlier; a
        // command that lands meanwhile is for the next read).
        let shown = usize::try_from(self.record.summary.version).unwrap_or(usize::MAX);
        Ok(events
            .into_iter()
            .take(shown)
            .map(|e| history_item(&self.def, self.personal, e))
            .collect())
    }

    /// Auditors only: whether the case's hash chain is intact.
    pub async fn audit_chain(&self, session: &Session<'_>) -> Result<ChainStatus> {
        if !crate::policy::sees_audit(session.principal()) {
            return Err(AppError::new(
                Code::Forbidden,
                "only auditors see the audit chain status",
            ));
        }
        let (events, problem) = session.store().verify_case(&self.record.id).await?;
        let differing = session.store().check_case(&self.record.id).await?;
        Ok(ChainStatus {
            intact: problem.is_none(),
            events_checked: events,
            first_break: problem.map(|p| p.to_string()),
            differing,
        })
    }

    /// Auditors only: every read of this case (who, when, why).
    pub async fn access_log(&self, session: &Session<'_>) -> Result<Vec<AccessEntry>> {
        if !crate::policy::sees_audit(session.principal()) {
            return Err(AppError::new(
                Code::Forbidden,
                "only auditors see the access log",
            ));
        }
        let rows = session.store().access_log_for_case(&self.record.id).await?;
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

/// One stored event as a reader sees it: personal values in its payload
/// masked unless `personal`, by the fields of `def`.
pub(crate) fn history_item(
    def: &WorkflowDefinition,
    personal: bool,
    e: varna_store::queries::StoredEvent,
) -> HistoryItem {
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
        EventKind::Filed { state, .. } | EventKind::Imported { state, .. } => {
            (None, None, Some(state.as_str().to_owned()))
        }
        _ => (None, None, None),
    };
    let mut payload = serde_json::to_value(&e.event.kind).unwrap_or_default();
    // A file's name may name a person.
    if !personal
        && let Some(name) = payload
            .get_mut("attachment")
            .and_then(|a| a.get_mut("name"))
    {
        *name = serde_json::Value::String("***".into());
    }
    if !personal && let Some(fields) = payload.get_mut("fields").and_then(|f| f.as_object_mut()) {
        for (name, value) in fields.iter_mut() {
            if def.field(name).is_some_and(|f| f.personal) {
                *value = serde_json::Value::String("***".into());
            }
        }
    }
    HistoryItem {
        sequence: e.sequence,
        event_type: e.event.kind.type_name(),
        actor_id: e.event.actor.id.as_str().to_owned(),
        actor_role: e.event.actor.role,
        occurred_at: e.event.occurred_at,
        recorded_at: e.recorded_at,
        transition,
        from_state,
        to_state,
        payload,
        hash: e.hash,
        prev_hash: e.prev_hash,
    }
}
