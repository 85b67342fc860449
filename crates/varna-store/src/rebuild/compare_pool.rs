//! `check_projections` through the pool (PostgreSQL, a SQLite database in
//! memory), read-only: one read-only transaction (repeatable read on
//! PostgreSQL) replays the log page by page and compares the rows of the
//! cases each page completes with the stored rows of the same range of
//! case ids, as [`super::compare`] does for a SQLite file. The stored rows
//! are read as models and bound as the rebuild binds its own, both sides
//! put in the same order (the database may order text by its collation).
//! It took the write lock before, rebuilding every table and rolling back;
//! now commands go on meanwhile.

use std::sync::Arc;

use rusqlite::types::{Value as Sql, ValueRef};
use sea_orm::{
    AccessMode, ActiveModelTrait, ColumnTrait, Condition, DatabaseTransaction, EntityTrait,
    IntoActiveModel, IsolationLevel, PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};

use super::compare::{Counted, column, follows, opened};
use super::{PROJECTIONS, ProjectionCheck, RebuildReport, Replayed, TableDifference, replay_page};
use crate::Store;
use crate::audit::events_in_case_order;
use crate::entities::{case_deadline, case_link, case_person, case_tally, cases, journal_entry};
use crate::error::{Error, Result};
use crate::in_place;
use crate::queries::LogEvent;
use crate::tally;

impl Store {
    /// Checks the projections against the log through the pool, in one
    /// read-only transaction.
    pub(super) async fn check_read_only(
        &self,
        mut progress: impl FnMut(RebuildReport),
    ) -> Result<ProjectionCheck> {
        let txn = match self.backend() {
            crate::Backend::Postgres => {
                self.db
                    .begin_with_config(
                        Some(IsolationLevel::RepeatableRead),
                        Some(AccessMode::ReadOnly),
                    )
                    .await?
            }
            crate::Backend::Sqlite => self.db.begin().await?,
        };
        let defs = Arc::new(self.definitions.all_stored(&txn).await?);
        let mut tables = Tables::new()?;
        let mut replayed = Replayed::default();
        let mut page = events_in_case_order(&txn, None).await?;
        while let Some(tail) = page.last() {
            let cursor = (tail.case_id.clone(), tail.sequence);
            let events = page.into_iter().map(LogEvent::from).collect();
            // On a blocking thread, as the rebuild through the pool does.
            let (defs, carried) = (Arc::clone(&defs), replayed);
            replayed = tokio::task::spawn_blocking(move || replay_page(events, carried, &defs))
                .await
                .map_err(|e| Error::Corrupt(format!("the replay stopped: {e}")))??;
            let rows = std::mem::take(&mut replayed.rows).in_place()?;
            tables.compare(&txn, rows).await?;
            progress(RebuildReport {
                cases: replayed.cases,
                events: replayed.events,
            });
            page = events_in_case_order(&txn, Some(&cursor)).await?;
        }
        let (rows, tallies, rebuilt) = replayed.finish(&defs)?;
        tables.compare(&txn, rows.in_place()?).await?;
        progress(rebuilt);
        let differing = tables.finish(&txn, tally::rows(tallies)).await?;
        let persons = crate::person::check(&txn, None).await?;
        let documents = crate::documents::check(&txn, None).await?;
        txn.rollback().await?;
        Ok(ProjectionCheck {
            rebuilt,
            differing,
            persons,
            documents,
        })
    }
}

/// The comparison of every projection table so far.
struct Tables {
    /// `cases`, `case_deadline`, `journal_entry`, `case_link`.
    counted: [Counted; 4],
    tally: Counted,
    persons: bool,
    /// Where the case id and its opening time are in a `cases` row.
    opened: (usize, usize),
    /// The last case compared.
    last: Option<String>,
}

impl Tables {
    fn new() -> Result<Tables> {
        let [cases, deadlines, journal, links, tallies, _] = PROJECTIONS;
        let counted = |(name, _, order): (&'static str, &str, &str), columns: &[&str]| {
            Counted::new(name, columns, order)
        };
        let case_columns = in_place::columns::<cases::Entity>();
        Ok(Tables {
            counted: [
                counted(cases, &case_columns)?,
                counted(deadlines, &in_place::columns::<case_deadline::Entity>())?,
                counted(journal, &in_place::columns::<journal_entry::Entity>())?,
                counted(links, &in_place::columns::<case_link::Entity>())?,
            ],
            tally: counted(tallies, &in_place::columns::<case_tally::Entity>())?,
            persons: false,
            opened: (
                column(&case_columns, "id")?,
                column(&case_columns, "opened_epoch")?,
            ),
            last: None,
        })
    }

    /// Compares the rows of the cases a page completed (`rows`: cases,
    /// clocks, journal, links) with the stored ones.
    async fn compare(
        &mut self,
        txn: &DatabaseTransaction,
        mut rows: [in_place::Rows; 4],
    ) -> Result<()> {
        let (id, epoch) = self.opened;
        let Some(Sql::Text(to)) = rows[0].values().last().map(|row| row[id].clone()) else {
            // A page inside one long case completes no case.
            return Ok(());
        };
        let from = self.last.take();
        let bounds = (from.as_deref(), Some(to.as_str()));
        against(&mut self.counted, txn, bounds, &mut rows).await?;
        let opened = opened(rows[0].values(), (id, epoch));
        let persons: Vec<(String, i64)> = in_range(
            case_person::Entity::find()
                .select_only()
                .column(case_person::Column::CaseId)
                .column(case_person::Column::OpenedEpoch),
            case_person::Column::CaseId,
            bounds,
        )
        .into_tuple()
        .all(txn)
        .await?;
        for (case, stored) in persons {
            if !follows(&opened, case.as_bytes(), ValueRef::Integer(stored)) {
                self.persons = true;
            }
        }
        self.last = Some(to);
        Ok(())
    }

    /// The rows of cases after the last one the log holds, the counts
    /// against `tallies`: the tables that differ.
    async fn finish(
        mut self,
        txn: &DatabaseTransaction,
        tallies: Vec<case_tally::ActiveModel>,
    ) -> Result<Vec<TableDifference>> {
        let after = self.last.take();
        let mut nothing = std::array::from_fn(|_| in_place::Rows::default());
        against(
            &mut self.counted,
            txn,
            (after.as_deref(), None),
            &mut nothing,
        )
        .await?;
        let nonzero = Condition::all().add(case_tally::Column::N.ne(0));
        let col = case_tally::Column::Year;
        let stored = stored_rows::<case_tally::Entity>(txn, col, (None, None), nonzero).await?;
        self.tally
            .compare(stored, in_place::rows(tallies)?.values_mut());
        let persons = if self.persons {
            let n = case_person::Entity::find().count(txn).await?;
            Some(TableDifference {
                table: PROJECTIONS[5].0.to_owned(),
                stored_rows: n,
                rebuilt_rows: n,
            })
        } else {
            None
        };
        Ok(self
            .counted
            .into_iter()
            .chain([self.tally])
            .map(Counted::difference)
            .chain([persons])
            .flatten()
            .collect())
    }
}

/// The stored rows of the four tables (`cases`, `case_deadline`,
/// `journal_entry`, `case_link`) in `bounds` against `rows`.
async fn against(
    counted: &mut [Counted; 4],
    txn: &DatabaseTransaction,
    bounds: (Option<&str>, Option<&str>),
    rows: &mut [in_place::Rows; 4],
) -> Result<()> {
    let [cases, deadlines, journal, links] = counted;
    let [c, d, j, l] = rows;
    let all = Condition::all();
    let stored = stored_rows::<cases::Entity>(txn, cases::Column::Id, bounds, all.clone()).await?;
    cases.compare(stored, c.values_mut());
    let col = case_deadline::Column::CaseId;
    let stored = stored_rows::<case_deadline::Entity>(txn, col, bounds, all.clone()).await?;
    deadlines.compare(stored, d.values_mut());
    let col = journal_entry::Column::CaseId;
    let stored = stored_rows::<journal_entry::Entity>(txn, col, bounds, all.clone()).await?;
    journal.compare(stored, j.values_mut());
    let stored =
        stored_rows::<case_link::Entity>(txn, case_link::Column::CaseId, bounds, all).await?;
    links.compare(stored, l.values_mut());
    Ok(())
}

/// `select` limited to the cases after `from` up to `to` (by `range`).
fn in_range<S: QueryFilter>(
    select: S,
    range: impl ColumnTrait,
    (from, to): (Option<&str>, Option<&str>),
) -> S {
    let mut select = select;
    if let Some(from) = from {
        select = select.filter(range.gt(from));
    }
    if let Some(to) = to {
        select = select.filter(range.lte(to));
    }
    select
}

/// The stored rows of `E` matching `filter` of the cases in `bounds` (by
/// `range`), each bound as the rebuild binds its rows.
async fn stored_rows<E>(
    txn: &DatabaseTransaction,
    range: E::Column,
    bounds: (Option<&str>, Option<&str>),
    filter: Condition,
) -> Result<Vec<Vec<Sql>>>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E>,
{
    let models = in_range(E::find().filter(filter), range, bounds)
        .all(txn)
        .await?;
    let rows: Vec<E::ActiveModel> = models
        .into_iter()
        .map(IntoActiveModel::into_active_model)
        .collect();
    Ok(in_place::rows(rows)?.into_values())
}
