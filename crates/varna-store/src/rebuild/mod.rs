//! `rebuild_projections`: recomputes the `cases`, `case_deadline`,
//! `journal_entry`, `case_link` and `case_tally` tables from the event log
//! alone, inside one write transaction (no command runs meanwhile). A
//! SQLite file is rebuilt in place ([`sqlite`]), anything else through
//! the pool.
//! `check_projections`: the same replay, compared row by row with the
//! tables as they are, in one read transaction, changing nothing: a
//! SQLite file in place ([`compare`]), anything else through the pool
//! ([`compare_pool`]).

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QueryTrait, Statement, TryIntoModel,
};
use varna_workflow::{Case, Event, WorkflowDefinition, replay};

use crate::audit::events_in_case_order;
use crate::backend::begin_write;
use crate::entities::{case_deadline, case_link, case_tally, cases, journal_entry};
use crate::error::{Error, Result};
use crate::projections::{CaseRows, case_row};
use crate::queries::LogEvent;
use crate::tally::{self, TallyDelta};
use crate::{CaseId, Store};

mod compare;
mod compare_pool;
mod sqlite;

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    /// Cases rebuilt.
    pub cases: u64,
    /// Events replayed.
    pub events: u64,
}

/// The projection tables a rebuild writes, each with the order its rows
/// are compared in. Counts that fell to zero stay as rows until a rebuild,
/// so they are left out of the comparison.
const PROJECTIONS: [(&str, &str, &str); 6] = [
    ("cases", "", "id"),
    ("case_deadline", "", "case_id, deadline_id"),
    ("journal_entry", "", "case_id, sequence"),
    ("case_link", "", "case_id, sequence"),
    (
        "case_tally",
        "WHERE n <> 0",
        "year, month, unit_id, kind, lagrum, dimension, value",
    ),
    ("case_person", "", "case_id, personnummer"),
];

/// The statements that empty the tables a rebuild writes.
fn clearing(backend: DatabaseBackend) -> [Statement; 5] {
    [
        case_deadline::Entity::delete_many().build(backend),
        journal_entry::Entity::delete_many().build(backend),
        case_link::Entity::delete_many().build(backend),
        cases::Entity::delete_many().build(backend),
        case_tally::Entity::delete_many().build(backend),
    ]
}

/// After the cases are written: the personnummer rows are kept, not
/// rebuilt, and their copy of the opening time follows the cases.
const PERSONS_FOLLOW: &str = "UPDATE case_person SET opened_epoch = \
     (SELECT c.opened_epoch FROM cases c WHERE c.id = case_person.case_id) \
     WHERE EXISTS (SELECT 1 FROM cases c WHERE c.id = case_person.case_id)";

/// What `check_projections` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionCheck {
    /// What the check replayed.
    pub rebuilt: RebuildReport,
    /// The tables whose rows differ from a rebuild, with their row counts
    /// as stored and as rebuilt. Empty when the projections are right.
    pub differing: Vec<TableDifference>,
    /// The personnummer rows (kept, not rebuilt) against the commitments
    /// their filings carry.
    pub persons: crate::PersonCheck,
    /// The frozen documents against the digests their events name.
    pub documents: crate::DocumentCheck,
}

impl ProjectionCheck {
    /// Every read table agrees with the events.
    pub fn agrees(&self) -> bool {
        self.differing.is_empty() && self.persons.agrees() && self.documents.changed == 0
    }
}

/// One projection table that differs from its rebuild (counts only: no row
/// content, which may be personal data, leaves the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDifference {
    /// The table's name.
    pub table: String,
    /// Rows as stored.
    pub stored_rows: u64,
    /// Rows a rebuild would write.
    pub rebuilt_rows: u64,
}

impl Store {
    /// Deletes and recomputes every projection row from the events.
    pub async fn rebuild_projections(
        &self,
        progress: impl FnMut(RebuildReport),
    ) -> Result<RebuildReport> {
        let report = match &self.file {
            Some(file) => self.rebuild_file(file, progress).await?,
            None => {
                let (txn, _head) = begin_write(&self.db).await?;
                let report = self.rebuild_in(&txn, progress).await?;
                txn.commit().await?;
                report
            }
        };
        self.refresh_statistics().await;
        tracing::info!(
            cases = report.cases,
            events = report.events,
            "projections rebuilt"
        );
        Ok(report)
    }

    /// Compares the read tables row by row with what a rebuild from the
    /// event log would write: the answer to "are the read tables exactly
    /// what the event log says?" without changing anything. One read
    /// transaction (a SQLite file read in place, anything else through
    /// the pool); commands go on meanwhile.
    pub async fn check_projections(
        &self,
        progress: impl FnMut(RebuildReport),
    ) -> Result<ProjectionCheck> {
        let check = match &self.file {
            Some(file) => self.check_file(&file.path, progress).await?,
            None => self.check_read_only(progress).await?,
        };
        tracing::info!(
            cases = check.rebuilt.cases,
            differing = check.differing.len(),
            persons_changed = check.persons.changed + check.persons.removed,
            documents_changed = check.documents.changed,
            "projections checked against a rebuild"
        );
        Ok(check)
    }

    /// Checks one case's read rows against its events: the case row (state,
    /// fields, clocks, the indexed columns), its journal rows, its clock rows
    /// and its link rows, each as a rebuild would write them, and its
    /// personnummer row against the filing's commitment. Returns the parts
    /// that differ (`case`, `journal`, `deadlines`, `links`, `person`,
    /// `documents`: a frozen document against its event's digest), empty
    /// when all agree; `NotFound` for a case without events. Changes nothing.
    pub async fn check_case(&self, id: &CaseId) -> Result<Vec<&'static str>> {
        let events: Vec<Event> = self
            .history(id)
            .await?
            .into_iter()
            .map(|e| e.event)
            .collect();
        if events.is_empty() {
            return Err(Error::NotFound(id.to_string()));
        }
        let key = id.to_string();
        let case: Case = replay(&events).map_err(|e| Error::Corrupt(format!("case {key}: {e}")))?;
        let def = self
            .definitions
            .by_hash(&self.db, &case.workflow.hash)
            .await?;
        let updated_at = events.last().map_or(case.opened_at, |e| e.occurred_at);
        let model = |row: cases::ActiveModel| {
            row.try_into_model()
                .map_err(|e| Error::Corrupt(format!("case {key}: {e}")))
        };
        let expected = model(case_row(&key, &case, &def, updated_at))?;
        let stored = cases::Entity::find_by_id(key.clone()).one(&self.db).await?;
        let mut differing = Vec::new();
        // The snapshot as a case (its JSON text may order keys differently),
        // and every indexed column but the write time.
        let same_case = stored.as_ref().is_some_and(|s| {
            serde_json::from_str::<Case>(&s.snapshot).is_ok_and(|c| c == case)
                && cases::Model {
                    snapshot: String::new(),
                    updated_at: expected.updated_at,
                    ..s.clone()
                } == cases::Model {
                    snapshot: String::new(),
                    ..expected.clone()
                }
        });
        if !same_case {
            differing.push("case");
        }
        let (journal, links) = crate::projections::event_rows(&key, 1, &events);
        let deadlines = crate::projections::deadline_rows(&key, &case);
        use case_deadline::Column as D;
        use case_link::Column as L;
        use journal_entry::Column as J;
        if self.differs(&key, journal, J::CaseId, J::Sequence).await? {
            differing.push("journal");
        }
        if self
            .differs(&key, deadlines, D::CaseId, D::DeadlineId)
            .await?
        {
            differing.push("deadlines");
        }
        if self.differs(&key, links, L::CaseId, L::Sequence).await? {
            differing.push("links");
        }
        if !crate::person::check(&self.db, Some(&key)).await?.agrees() {
            differing.push("person");
        }
        if crate::documents::check(&self.db, Some(&key)).await?.changed > 0 {
            differing.push("documents");
        }
        Ok(differing)
    }

    /// Whether a case's stored rows of one table, in `order`, differ from
    /// `expected`, the rows a rebuild would write.
    async fn differs<A>(
        &self,
        key: &str,
        expected: Vec<A>,
        case_id: <A::Entity as EntityTrait>::Column,
        order: <A::Entity as EntityTrait>::Column,
    ) -> Result<bool>
    where
        A: ActiveModelTrait + TryIntoModel<<A::Entity as EntityTrait>::Model> + Send,
        <A::Entity as EntityTrait>::Model: PartialEq,
    {
        let expected: Vec<<A::Entity as EntityTrait>::Model> = expected
            .into_iter()
            .map(TryIntoModel::try_into_model)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Corrupt(format!("case {key}: {e}")))?;
        let stored = A::Entity::find()
            .filter(case_id.eq(key))
            .order_by_asc(order)
            .all(&self.db)
            .await?;
        Ok(stored != expected)
    }

    async fn rebuild_in(
        &self,
        txn: &DatabaseTransaction,
        mut progress: impl FnMut(RebuildReport),
    ) -> Result<RebuildReport> {
        for statement in clearing(ConnectionTrait::get_database_backend(txn)) {
            txn.execute_raw(statement).await?;
        }
        let defs = Arc::new(self.definitions.all_stored(txn).await?);
        // Each page is replayed on a blocking thread while the rows of the
        // page before are written and the next page is read; the case a
        // page ends in is carried over to the next.
        let mut replayed = Replayed::default();
        let mut to_write = CaseRows::default();
        let mut page = events_in_case_order(txn, None).await?;
        while let Some(tail) = page.last() {
            let cursor = (tail.case_id.clone(), tail.sequence);
            let (defs, carried) = (Arc::clone(&defs), std::mem::take(&mut replayed));
            let events = std::mem::take(&mut page)
                .into_iter()
                .map(LogEvent::from)
                .collect();
            let replaying =
                tokio::task::spawn_blocking(move || replay_page(events, carried, &defs));
            std::mem::take(&mut to_write).write(txn).await?;
            page = events_in_case_order(txn, Some(&cursor)).await?;
            replayed = replaying
                .await
                .map_err(|e| Error::Corrupt(format!("the replay stopped: {e}")))??;
            to_write = std::mem::take(&mut replayed.rows);
            progress(RebuildReport {
                cases: replayed.cases,
                events: replayed.events,
            });
        }
        let (rows, tallies, report) = Replayed {
            rows: to_write,
            ..replayed
        }
        .finish(&defs)?;
        rows.write(txn).await?;
        tally::apply(txn, tallies).await?;
        txn.execute_unprepared(PERSONS_FOLLOW).await?;
        progress(report);
        Ok(report)
    }
}

/// The replay so far: the rows of the cases the last page completed (not
/// yet written), the case still open at its end, the counts.
#[derive(Default)]
struct Replayed {
    rows: CaseRows,
    open: Option<(String, Vec<Event>)>,
    tallies: TallyDelta,
    cases: u64,
    events: u64,
}

impl Replayed {
    /// Ends the replay: the rows not yet written plus the last case's,
    /// the counts, and the totals.
    fn finish(
        self,
        defs: &HashMap<String, Arc<WorkflowDefinition>>,
    ) -> Result<(CaseRows, TallyDelta, RebuildReport)> {
        let Replayed {
            mut rows,
            open,
            mut tallies,
            mut cases,
            events,
        } = self;
        if let Some((id, so_far)) = open {
            add_case(&mut rows, &id, &so_far, &mut tallies, defs)?;
            cases += 1;
        }
        Ok((rows, tallies, RebuildReport { cases, events }))
    }
}

/// Replays the cases `page` completes, after what `before` left open.
fn replay_page(
    page: Vec<LogEvent>,
    before: Replayed,
    defs: &HashMap<String, Arc<WorkflowDefinition>>,
) -> Result<Replayed> {
    let Replayed {
        mut open,
        mut tallies,
        mut cases,
        mut events,
        ..
    } = before;
    let mut rows = CaseRows::default();
    for row in page {
        match &mut open {
            Some((id, so_far)) if *id == row.case_id => so_far.push(row.event()?),
            _ => {
                if let Some((id, so_far)) = open.take() {
                    add_case(&mut rows, &id, &so_far, &mut tallies, defs)?;
                    cases += 1;
                }
                let case_id = row.case_id.clone();
                open = Some((case_id, vec![row.event()?]));
            }
        }
        events += 1;
    }
    Ok(Replayed {
        rows,
        open,
        tallies,
        cases,
        events,
    })
}

/// Replays one case and adds its rows to `rows` and its counts to
/// `tallies`.
fn add_case(
    rows: &mut CaseRows,
    id: &str,
    events: &[Event],
    tallies: &mut TallyDelta,
    defs: &HashMap<String, Arc<WorkflowDefinition>>,
) -> Result<()> {
    let case: Case = replay(events).map_err(|e| Error::Corrupt(format!("case {id}: {e}")))?;
    let def = defs
        .get(&case.workflow.hash)
        .ok_or_else(|| Error::MissingDefinition(case.workflow.hash.clone()))?;
    tally::count(tallies, &case, def, 1);
    rows.add(id, &case, def, events);
    Ok(())
}
