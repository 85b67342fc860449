//! Loggkontroll (access logs are checked
//! systematically): the unusual reads of a period — outside working hours
//! (Swedish time, weekends and public holidays included), many cases in a
//! short time, cases at units outside the reader's own — and the record
//! that a check was done, by whom, and what was followed up.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, Timelike, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::Store;
use crate::entities::org::user_role;
use crate::entities::{access_log, cases, log_review};
use crate::error::Result;

/// What makes a read unusual.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewRules {
    /// Working hours, Swedish time: from this hour …
    pub day_starts: u32,
    /// … to this one (exclusive), on working days.
    pub day_ends: u32,
    /// This many different cases …
    pub burst_cases: usize,
    /// … read by one person within this time.
    pub burst_window: Duration,
}

impl Default for ReviewRules {
    fn default() -> Self {
        ReviewRules {
            day_starts: 7,
            day_ends: 19,
            burst_cases: 20,
            burst_window: Duration::minutes(10),
        }
    }
}

/// Why reads were picked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FindingKind {
    /// Cases at units the reader is not registered for.
    OutsideUnits,
    /// Many different cases in a short time.
    ManyCases,
    /// Outside working hours, at a weekend or on a public holiday.
    OutsideWorkingHours,
}

impl FindingKind {
    /// A stable word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::OutsideUnits => "outside_units",
            FindingKind::ManyCases => "many_cases",
            FindingKind::OutsideWorkingHours => "outside_working_hours",
        }
    }
}

/// One person's unusual reads of one kind in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Why.
    pub kind: FindingKind,
    /// Who read.
    pub user_id: String,
    /// In which role.
    pub role: String,
    /// How many reads.
    pub reads: u64,
    /// The cases read (at most 20 named).
    pub case_ids: Vec<String>,
    /// The first and last of those reads.
    pub first: DateTime<Utc>,
    /// The last.
    pub last: DateTime<Utc>,
}

/// A recorded check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogReview {
    /// Its number.
    pub id: i64,
    /// Who checked.
    pub reviewed_by: String,
    /// When.
    pub reviewed_at: DateTime<Utc>,
    /// The period checked: from …
    pub period_from: DateTime<Utc>,
    /// … to (exclusive).
    pub period_to: DateTime<Utc>,
    /// How many findings the check showed.
    pub findings: i64,
    /// What was followed up, in the reviewer's words.
    pub note: String,
}

/// One read: when, which case.
type Read = (DateTime<Utc>, String);

/// The most cases a finding names.
const NAMED: usize = 20;
/// Rows read per page of the log.
const PAGE: u64 = 10_000;

fn working_time(at: DateTime<Utc>, rules: &ReviewRules) -> bool {
    let local = varna_workflow::local::local(at);
    varna_workflow::workdays::is_working_day(local.date_naive())
        && (rules.day_starts..rules.day_ends).contains(&local.hour())
}

impl Store {
    /// The unusual reads of `[from, to)`, by kind and person.
    pub async fn log_review_findings(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        rules: &ReviewRules,
    ) -> Result<Vec<Finding>> {
        // Every read of the period, per person and role, in time order.
        let mut reads: BTreeMap<(String, String), Vec<Read>> = BTreeMap::new();
        let mut after = 0i64;
        loop {
            let rows = access_log::Entity::find()
                .filter(access_log::Column::At.gte(from))
                .filter(access_log::Column::At.lt(to))
                .filter(access_log::Column::Id.gt(after))
                .order_by_asc(access_log::Column::Id)
                .limit(PAGE)
                .all(&self.db)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            for r in rows {
                reads
                    .entry((r.actor_id, r.actor_role))
                    .or_default()
                    .push((r.at, r.case_id));
            }
        }
        let case_ids: BTreeSet<&String> = reads.values().flatten().map(|(_, c)| c).collect();
        let mut unit_of: HashMap<String, String> = HashMap::new();
        let ids: Vec<String> = case_ids.into_iter().cloned().collect();
        for chunk in ids.chunks(500) {
            let rows: Vec<(String, String)> = cases::Entity::find()
                .select_only()
                .columns([cases::Column::Id, cases::Column::UnitId])
                .filter(cases::Column::Id.is_in(chunk.iter().cloned()))
                .into_tuple()
                .all(&self.db)
                .await?;
            unit_of.extend(rows);
        }
        let mut units_of: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
        for r in user_role::Entity::find().all(&self.db).await? {
            units_of
                .entry((r.user_id, r.role))
                .or_default()
                .insert(r.unit_id);
        }
        let mut findings = Vec::new();
        for ((user, role), mut list) in reads {
            list.sort();
            let finding = |kind, picked: Vec<&Read>| {
                let first = picked.first().map(|r| r.0)?;
                let last = picked.last().map(|r| r.0)?;
                let mut named: Vec<String> = picked.iter().map(|r| r.1.clone()).collect();
                named.sort();
                named.dedup();
                named.truncate(NAMED);
                Some(Finding {
                    kind,
                    user_id: user.clone(),
                    role: role.clone(),
                    reads: picked.len() as u64,
                    case_ids: named,
                    first,
                    last,
                })
            };
            // A unit-scoped registration: reads of cases at other units.
            if let Some(units) = units_of
                .get(&(user.clone(), role.clone()))
                .filter(|u| !u.contains(""))
            {
                let outside: Vec<_> = list
                    .iter()
                    .filter(|(_, c)| unit_of.get(c).is_some_and(|u| !units.contains(u)))
                    .collect();
                findings.extend(finding(FindingKind::OutsideUnits, outside));
            }
            // Many different cases within the window, anywhere in the period.
            let mut start = 0;
            let mut burst: Vec<&Read> = Vec::new();
            for end in 0..list.len() {
                while list[end].0 - list[start].0 > rules.burst_window {
                    start += 1;
                }
                let distinct: BTreeSet<&String> = list[start..=end].iter().map(|r| &r.1).collect();
                if distinct.len() >= rules.burst_cases {
                    burst.extend(list[start..=end].iter());
                }
            }
            burst.sort();
            burst.dedup();
            findings.extend(finding(FindingKind::ManyCases, burst));
            let late: Vec<_> = list
                .iter()
                .filter(|(at, _)| !working_time(*at, rules))
                .collect();
            findings.extend(finding(FindingKind::OutsideWorkingHours, late));
        }
        findings.sort_by(|a, b| (a.kind, &a.user_id).cmp(&(b.kind, &b.user_id)));
        Ok(findings)
    }

    /// Records that the access log of `[from, to)` was checked.
    pub async fn record_log_review(
        &self,
        reviewed_by: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        findings: i64,
        note: &str,
    ) -> Result<i64> {
        let row = log_review::ActiveModel {
            id: NotSet,
            reviewed_by: Set(reviewed_by.to_owned()),
            reviewed_at: Set(crate::chain::normalise(Utc::now())),
            period_from: Set(from),
            period_to: Set(to),
            findings: Set(findings),
            note: Set(note.to_owned()),
        };
        let done = log_review::Entity::insert(row).exec(&self.db).await?;
        tracing::info!(by = reviewed_by, findings, "a log review was recorded");
        Ok(done.last_insert_id)
    }

    /// The recorded checks, newest first.
    pub async fn log_reviews(&self) -> Result<Vec<LogReview>> {
        Ok(log_review::Entity::find()
            .order_by_desc(log_review::Column::Id)
            .limit(500)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| LogReview {
                id: m.id,
                reviewed_by: m.reviewed_by,
                reviewed_at: m.reviewed_at,
                period_from: m.period_from,
                period_to: m.period_to,
                findings: m.findings,
                note: m.note,
            })
            .collect())
    }
}
