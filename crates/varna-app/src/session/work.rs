//! "My work": the person's open cases that wait for something their role
//! can do, most urgent first, a page at a time, with what changed since
//! their previous visit marked.

use chrono::{DateTime, Utc};
use varna_store::queries::CaseFilter;

use super::{Purpose, Session};
use crate::error::{AppError, Code, Result};
use crate::view::{CaseView, DeadlineView};

/// A case waiting for the reader, with what is due next.
#[derive(Debug)]
pub struct WorkItem {
    /// The case.
    pub case: CaseView,
    /// The earliest running deadline, if any.
    pub next_deadline: Option<DeadlineView>,
    /// Whether that deadline has passed.
    pub overdue: bool,
    /// Changed since the person's previous visit to the list.
    pub new: bool,
}

/// Narrows the list: one lifecycle, state or unit (`None`: any).
#[derive(Debug, Clone, Default)]
pub struct WorkQuery {
    /// Lifecycle name.
    pub kind: Option<String>,
    /// State id.
    pub state: Option<String>,
    /// Unit code.
    pub unit: Option<String>,
}

/// One page of the work list.
#[derive(Debug)]
pub struct WorkPage {
    /// The cases, most urgent first.
    pub items: Vec<WorkItem>,
    /// How many cases the list holds in all (with the query).
    pub total: u64,
    /// What the unnarrowed list holds, as (lifecycle, state, unit) of each
    /// case, the first 200: the choices a narrowing offers.
    pub choices: Vec<(String, String, String)>,
    /// Cases changed after this moment are marked new (`None` on the
    /// person's first visit).
    pub new_since: Option<DateTime<Utc>>,
}

/// `first` within the page sizes a work list takes.
fn check_first(first: u64) -> Result<()> {
    if (1..=100).contains(&first) {
        Ok(())
    } else {
        Err(AppError::new(
            Code::InvalidInput,
            "first must be between 1 and 100",
        ))
    }
}

/// The most cases the choices are drawn from.
const CHOICES_FROM: u64 = 200;

impl Session<'_> {
    /// The (lifecycle, state) pairs the person's role acts in.
    fn actionable(&self) -> Result<Vec<(String, String)>> {
        let mut actionable = Vec::new();
        for def in self.workflows()? {
            actionable.extend(
                def.states_acted_in_by(self.principal.role)
                    .into_iter()
                    .map(|s| (def.name().to_owned(), s.as_str().to_owned())),
            );
        }
        Ok(actionable)
    }

    /// "My work": the person's open cases that wait for something their
    /// role can do (a transition, or an utredning entry), most urgent
    /// first; at most `first` (1–100).
    pub async fn my_work(&self, first: u64) -> Result<Vec<WorkItem>> {
        check_first(first)?;
        let scope = self.app.policy.scope(self.principal, CaseFilter::default());
        self.work_items(&scope, &self.actionable()?, first, 0, None)
            .await
    }

    /// The work queue's cases `offset..offset + first` as the person reads
    /// them (one logged read for the page), marked new after `new_since`.
    async fn work_items(
        &self,
        filter: &CaseFilter,
        actionable: &[(String, String)],
        first: u64,
        offset: u64,
        new_since: Option<DateTime<Utc>>,
    ) -> Result<Vec<WorkItem>> {
        let summaries = self
            .store()
            .work_queue_page(filter, actionable, first, offset)
            .await?;
        let ids: Vec<_> = summaries.iter().map(|s| s.id.clone()).collect();
        let views = self.cases_by_id(&ids, Purpose::List).await?;
        Ok(views
            .into_iter()
            .map(|case| {
                let next_deadline = case.next_deadline();
                WorkItem {
                    overdue: next_deadline.as_ref().is_some_and(|d| d.overdue),
                    next_deadline,
                    new: new_since.is_some_and(|t| case.record.summary.updated_at > t),
                    case,
                }
            })
            .collect())
    }

    /// A page of "my work": `first` (1–100) cases from the `offset`-th,
    /// narrowed by `query`. This counts as the person looking at the list:
    /// what changed since their previous visit is marked.
    pub async fn work_page(&self, query: &WorkQuery, first: u64, offset: u64) -> Result<WorkPage> {
        check_first(first)?;
        let store = self.store();
        let actionable = self.actionable()?;
        let scope = self.app.policy.scope(self.principal, CaseFilter::default());
        let mut filter = scope.clone();
        filter.kinds.extend(query.kind.clone());
        filter.states.extend(query.state.clone());
        if let Some(unit) = &query.unit {
            filter.units = Some(match filter.units.take() {
                Some(units) => units.into_iter().filter(|u| u == unit).collect(),
                None => vec![unit.clone()],
            });
        }
        let new_since = store
            .look_at_work(&self.principal.user_id, Utc::now())
            .await?;
        let items = self
            .work_items(&filter, &actionable, first, offset, new_since)
            .await?;
        let total = store.count_work_queue(&filter, &actionable).await?;
        let choices = store
            .work_queue(&scope, &actionable, CHOICES_FROM)
            .await?
            .into_iter()
            .map(|s| (s.kind, s.state, s.unit_id))
            .collect();
        Ok(WorkPage {
            items,
            total,
            choices,
            new_since,
        })
    }
}

impl Session<'_> {
    /// What the person's role has been told about the cases they may
    /// read (new reports, steps taken, clocks passed), newest first,
    /// `first` (1–200) at most. Notifications carry no case content.
    pub async fn notifications(&self, first: u64) -> Result<Vec<varna_store::Notification>> {
        if !(1..=200).contains(&first) {
            return Err(AppError::new(
                Code::InvalidInput,
                "first must be between 1 and 200",
            ));
        }
        let scope = self.app.policy.scope(self.principal, CaseFilter::default());
        Ok(self
            .store()
            .notifications_for(
                &self.principal.user_id,
                self.principal.role.as_str(),
                &scope,
                first,
            )
            .await?)
    }
}
