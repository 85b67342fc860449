//! The auditor's operations on a session: the access log across cases,
//! the loggkontroll and its record, and a case as it stood earlier.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use varna_store::CaseId;
use varna_store::queries::AsOf;
use varna_store::review::{Finding, LogReview, ReviewRules};
use varna_workflow::Personnummer;

use super::{AccessPage, AccessQuery, Purpose, Session};
use crate::error::{AppError, Code, Result};
use crate::policy;
use crate::view::CaseView;

/// A page of events across cases, newest first.
#[derive(Debug)]
pub struct EventPage {
    /// Each event with its case's id, as the auditor sees it.
    pub items: Vec<(String, crate::view::HistoryItem)>,
    /// Pass as `after` for the next page, when there is one.
    pub end_cursor: Option<String>,
    /// How many events match in all.
    pub total: u64,
}

impl Session<'_> {
    /// The auditor's search of the events across cases ("every ruling
    /// changed in 2026", "everything user X did"), newest first, `first`
    /// (1–500) at a time; personal values masked as in a case's history.
    /// The search is logged against every case it names.
    pub async fn events(
        &self,
        filter: varna_store::queries::EventFilter,
        first: u64,
        after: Option<&str>,
    ) -> Result<EventPage> {
        let before = self.auditor_search(
            "the search across cases is for the auditor role",
            first,
            (filter.from, filter.to),
            after,
        )?;
        let store = self.store();
        let (mut found, total) = store.events_search(&filter, first + 1, before).await?;
        let more = found.len() as u64 > first;
        found.truncate(usize::try_from(first).unwrap_or(usize::MAX));
        let end_cursor = more
            .then(|| found.last().map(|(_, e)| e.global_seq.to_string()))
            .flatten();
        let ids: Vec<CaseId> = found
            .iter()
            .map(|(id, _)| id.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter_map(CaseId::parse)
            .collect();
        let records = store.cases_by_id(&ids).await?;
        let mut defs = std::collections::HashMap::new();
        for r in &records {
            let def = store.definition_by_hash(&r.summary.workflow_hash).await?;
            defs.insert(r.id.to_string(), def);
        }
        let personal = policy::sees_personal_data(self.principal);
        self.log_named(found.iter().map(|(id, _)| id.as_str()))
            .await?;
        let items = found
            .into_iter()
            .filter_map(|(id, e)| {
                let def = defs.get(&id)?;
                Some((id, crate::view::history_item(def, personal, e)))
            })
            .collect();
        Ok(EventPage {
            items,
            end_cursor,
            total,
        })
    }
    /// The auditor's search of the access log across cases (who read what,
    /// reads of cases about one person), newest first, `first` (1–500) at a
    /// time. The search is itself logged: a row for every case it names.
    pub async fn access_log(
        &self,
        query: AccessQuery,
        first: u64,
        after: Option<&str>,
    ) -> Result<AccessPage> {
        let before = self.auditor_search(
            "the access log is for the auditor role",
            first,
            (query.from, query.to),
            after,
        )?;
        let today = varna_workflow::local::date(Utc::now());
        let personnummer = query
            .personnummer
            .as_deref()
            .map(|s| {
                Personnummer::parse(s, today)
                    .map(|p| p.digits().to_owned())
                    .map_err(|e| {
                        AppError::invalid("personnummer", "INVALID_PERSONNUMMER", e.to_string())
                    })
            })
            .transpose()?;
        let filter = varna_store::AccessFilter {
            actor_id: query.user_id,
            case_id: query.case_id,
            units: query.units,
            personnummer,
            from: query.from,
            to: query.to,
        };
        let store = self.store();
        // One row more than asked tells whether a next page exists.
        let (mut items, total) = store.access_log_search(&filter, first + 1, before).await?;
        let more = items.len() as u64 > first;
        items.truncate(usize::try_from(first).unwrap_or(usize::MAX));
        self.log_named(items.iter().map(|r| r.case_id.as_str()))
            .await?;
        let end_cursor = more
            .then(|| items.last().map(|r| r.id.to_string()))
            .flatten();
        Ok(AccessPage {
            items,
            end_cursor,
            total,
        })
    }

    /// The loggkontroll of `[from, to)` for auditors: the unusual reads
    /// (outside working hours, many cases in a short time, outside the
    /// reader's units) and the checks recorded so far. The cases the
    /// findings name are logged as read.
    pub async fn log_review(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<(Vec<Finding>, Vec<LogReview>)> {
        self.auditor_period(from, to)?;
        let store = self.store();
        let findings = store
            .log_review_findings(from, to, &ReviewRules::default())
            .await?;
        self.log_named(
            findings
                .iter()
                .flat_map(|f| f.case_ids.iter().map(String::as_str)),
        )
        .await?;
        Ok((findings, store.log_reviews().await?))
    }

    /// Records that the auditor checked the access log of `[from, to)`
    /// and what was followed up; the findings are counted anew here.
    pub async fn record_log_review(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        note: &str,
    ) -> Result<i64> {
        self.auditor_period(from, to)?;
        let note = note.trim();
        if note.is_empty() {
            return Err(AppError::invalid("note", "EMPTY", "note is empty"));
        }
        if note.chars().count() > varna_workflow::MAX_TEXT_CHARS {
            return Err(AppError::invalid("note", "TOO_LONG", "note is too long"));
        }
        let store = self.store();
        let findings = store
            .log_review_findings(from, to, &ReviewRules::default())
            .await?;
        Ok(store
            .record_log_review(
                &self.principal.user_id,
                from,
                to,
                i64::try_from(findings.len()).unwrap_or(i64::MAX),
                note,
            )
            .await?)
    }

    /// What both searches across cases check first: the auditor's role,
    /// a page of 1–500, a time range in order; the `after` cursor as the
    /// position to continue before.
    fn auditor_search(
        &self,
        forbidden: &str,
        first: u64,
        (from, to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
        after: Option<&str>,
    ) -> Result<Option<i64>> {
        if !policy::sees_audit(self.principal) {
            return Err(AppError::new(Code::Forbidden, forbidden));
        }
        if !(1..=500).contains(&first) {
            return Err(AppError::new(
                Code::InvalidInput,
                "first must be between 1 and 500",
            ));
        }
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(AppError::invalid(
                "from",
                "OUT_OF_RANGE",
                "from is after to",
            ));
        }
        after
            .map(|cursor| {
                cursor.parse::<i64>().map_err(|_| {
                    AppError::invalid("after", "WRONG_TYPE", "after is an endCursor of this list")
                })
            })
            .transpose()
    }

    /// Logs a read of every case an auditor's search names (once each).
    async fn log_named<'i>(&self, ids: impl Iterator<Item = &'i str>) -> Result<()> {
        let now = Utc::now();
        let reads = ids
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter_map(CaseId::parse)
            .map(|id| self.access(id, Purpose::AccessLog, now))
            .collect();
        Ok(self.store().record_accesses(reads).await?)
    }

    fn auditor_period(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<()> {
        if !policy::sees_audit(self.principal) {
            return Err(AppError::new(
                Code::Forbidden,
                "the log review is for the auditor role",
            ));
        }
        if from >= to {
            return Err(AppError::invalid(
                "from",
                "OUT_OF_RANGE",
                "from is not before to",
            ));
        }
        if to - from > chrono::Duration::days(400) {
            return Err(AppError::invalid(
                "to",
                "OUT_OF_RANGE",
                "a review covers at most 400 days",
            ));
        }
        Ok(())
    }

    /// One case as it stood at `as_of` (replayed from its events), for
    /// those who may read the case now and its investigation; the read is
    /// logged. `NotFound` when it does not exist, is not theirs to read, or
    /// had not been filed by then.
    pub async fn case_as_of(&self, id: &CaseId, as_of: AsOf) -> Result<CaseView> {
        let now = self.case(id, Purpose::CaseAsOf).await?;
        if !now.investigation {
            return Err(AppError::new(
                Code::Forbidden,
                "a case as it stood earlier is for those who read its investigation",
            ));
        }
        let record = self
            .store()
            .case_as_of(id, as_of)
            .await?
            .ok_or_else(AppError::not_found)?;
        let def = self
            .store()
            .definition_by_hash(&record.summary.workflow_hash)
            .await?;
        Ok(CaseView {
            past: true,
            ..self.view(record, def)
        })
    }
}
