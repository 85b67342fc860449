//! Reading cases: one case (with its history in the same query when it is
//! asked for), several by id, and pages of them; every case served is
//! checked against the policy and its read logged before it is shown.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use varna_store::NewAccess;
use varna_store::queries::{CaseFilter, CaseRecord, cursor_of};
use varna_workflow::WorkflowDefinition;

use super::{CaseId, CasePage, Purpose, Session};
use crate::error::{AppError, Code, Result};
use crate::metrics::Measured;
use crate::policy;
use crate::view::CaseView;

impl Session<'_> {
    /// The view of `record` for this person: what they see of personal
    /// data and of the investigation.
    pub(super) fn view(&self, record: CaseRecord, def: Arc<WorkflowDefinition>) -> CaseView {
        CaseView {
            record,
            def,
            personal: policy::sees_personal_data(self.principal),
            investigation: policy::sees_investigation(self.principal),
            past: false,
            events: std::sync::Mutex::new(None),
        }
    }

    /// One case the person may read, its read logged; `NotFound` when it
    /// does not exist or is not theirs to read.
    pub async fn case(&self, id: &CaseId, purpose: Purpose) -> Result<CaseView> {
        let work = self.case_unmeasured(id, purpose);
        self.app.metrics.measure(Measured::Read("case"), work).await
    }

    async fn case_unmeasured(&self, id: &CaseId, purpose: Purpose) -> Result<CaseView> {
        let record = self
            .store()
            .case(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        self.logged_view(record, purpose).await
    }

    /// [`Session::case`] with every event of the case read in the same
    /// query, for a reader who asks for its history as well: one round
    /// trip fewer. [`CaseView::history`] then shows these events.
    pub async fn case_with_history(&self, id: &CaseId, purpose: Purpose) -> Result<CaseView> {
        let work = async {
            let (record, events) = self
                .store()
                .case_with_history(id)
                .await?
                .ok_or_else(AppError::not_found)?;
            let view = self.logged_view(record, purpose).await?;
            *view.events.lock().expect("never poisoned") = Some(events);
            Ok(view)
        };
        self.app.metrics.measure(Measured::Read("case"), work).await
    }

    /// The view of `record`, its read logged for `purpose` (once per
    /// request); `NotFound` when it is not the person's to read.
    async fn logged_view(&self, record: CaseRecord, purpose: Purpose) -> Result<CaseView> {
        let store = self.store();
        let id = &record.id;
        if !self.app.policy.may_read(self.principal, &record.summary) {
            return Err(AppError::not_found());
        }
        let record_read = || async {
            store
                .record_access(self.access(id.clone(), purpose, Utc::now()))
                .await
                .map_err(AppError::from)
        };
        let cell = Arc::clone(
            self.reads
                .0
                .lock()
                .expect("never poisoned")
                .entry(id.to_string())
                .or_default(),
        );
        cell.get_or_try_init(record_read).await?;
        let def = store
            .definition_by_hash(&record.summary.workflow_hash)
            .await?;
        Ok(self.view(record, def))
    }

    pub(super) fn access(&self, case_id: CaseId, purpose: Purpose, at: DateTime<Utc>) -> NewAccess {
        NewAccess {
            actor_id: self.principal.user_id.clone(),
            role: self.principal.role,
            case_id,
            purpose: purpose.as_str().to_owned(),
            at,
        }
    }

    /// Several cases in one query, every read logged in one write; any case
    /// the person may not read: `NotFound`.
    pub async fn cases_by_id(&self, ids: &[CaseId], purpose: Purpose) -> Result<Vec<CaseView>> {
        let records = self.store().cases_by_id(ids).await?;
        if records.len() != ids.len() {
            return Err(AppError::not_found());
        }
        self.views_of(records, purpose).await
    }

    /// Views of `records`, each read logged for `purpose` (once per
    /// request); `NotFound` when any of them is not the person's to read.
    async fn views_of(&self, records: Vec<CaseRecord>, purpose: Purpose) -> Result<Vec<CaseView>> {
        if !records
            .iter()
            .all(|r| self.app.policy.may_read(self.principal, &r.summary))
        {
            return Err(AppError::not_found());
        }
        let store = self.store();
        let unlogged: Vec<&CaseRecord> = records
            .iter()
            .filter(|r| {
                self.reads
                    .0
                    .lock()
                    .expect("never poisoned")
                    .get(&r.id.to_string())
                    .is_none_or(|cell| !cell.initialized())
            })
            .collect();
        let now = Utc::now();
        store
            .record_accesses(
                unlogged
                    .iter()
                    .map(|r| self.access(r.id.clone(), purpose, now))
                    .collect(),
            )
            .await?;
        {
            let mut map = self.reads.0.lock().expect("never poisoned");
            for r in &unlogged {
                let _ = map.entry(r.id.to_string()).or_default().set(());
            }
        }
        let mut views = Vec::with_capacity(records.len());
        for record in records {
            let def = store
                .definition_by_hash(&record.summary.workflow_hash)
                .await?;
            views.push(self.view(record, def));
        }
        Ok(views)
    }

    /// The cases the person may read that match `filter`, newest first,
    /// `first` (1–200) after the cursor `after`.
    pub async fn cases(
        &self,
        filter: CaseFilter,
        first: u64,
        after: Option<&str>,
    ) -> Result<CasePage> {
        let work = self.cases_unmeasured(filter, first, after);
        self.app.metrics.measure(Measured::Read("list"), work).await
    }

    async fn cases_unmeasured(
        &self,
        filter: CaseFilter,
        first: u64,
        after: Option<&str>,
    ) -> Result<CasePage> {
        if !(1..=200).contains(&first) {
            return Err(AppError::new(
                Code::InvalidInput,
                "first must be between 1 and 200",
            ));
        }
        let filter = self.app.policy.scope(self.principal, filter);
        let store = self.store();
        // The page as whole cases, with its count, in one query.
        let page = store.case_records(&filter, first, after).await?;
        let total = page.total;
        let cursors: Vec<String> = page.items.iter().map(|r| cursor_of(&r.summary)).collect();
        let views = self.views_of(page.items, Purpose::List).await?;
        Ok(CasePage {
            items: cursors.into_iter().zip(views).collect(),
            has_next_page: page.has_next_page,
            end_cursor: page.end_cursor,
            total,
        })
    }
}
