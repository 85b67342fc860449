//! `check_projections` of a SQLite file, in place and read-only. The log
//! is replayed as the in-place rebuild replays it ([`super::sqlite`]), and
//! each page's rows, exactly as the rebuild would write them, are compared
//! with the stored rows of the same cases, read in the same order in one
//! read transaction. Before, the check rebuilt every table inside a write
//! transaction, read each twice and rolled back, and commands waited for
//! it all; here nothing is written and commands go on. The comparison
//! itself ([`Counted`], the personnummer rows' opening times) is shared
//! with the check through the pool ([`super::compare_pool`]).

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::{Connection, Statement, params};
use sea_orm::EntityTrait;

use super::sqlite::{Definitions, Log, blocking, replay_log, reporting};
use super::{PROJECTIONS, ProjectionCheck, RebuildReport, TableDifference};
use crate::Store;
use crate::entities::{case_deadline, case_link, case_tally, cases, journal_entry};
use crate::error::{Error, Result};
use crate::in_place::{self, Rows, failed};
use crate::tally;

impl Store {
    /// Checks the projections of the SQLite file at `path` against its
    /// log, in one read transaction; the personnummer rows against their
    /// filings and the frozen documents against their digests are checked
    /// meanwhile through the pool, in a read transaction of their own.
    pub(super) async fn check_file(
        &self,
        path: &Path,
        progress: impl FnMut(RebuildReport),
    ) -> Result<ProjectionCheck> {
        let path = path.to_owned();
        let conn = blocking(move || {
            let conn = in_place::open_read(&path)?;
            // The snapshot starts with the first read: before the
            // definitions are read, so it holds no case of a definition
            // they lack.
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
                .map_err(failed)?;
            Ok(conn)
        })
        .await?;
        let defs = Arc::new(self.definitions.all_stored(&self.db).await?);
        let comparing = reporting(move |report| compare(&conn, &defs, report), progress);
        let others = async {
            let txn = sea_orm::TransactionTrait::begin(&self.db).await?;
            let persons = crate::person::check(&txn, None).await?;
            let documents = crate::documents::check(&txn, None).await?;
            txn.rollback().await?;
            Ok::<_, Error>((persons, documents))
        };
        let (compared, others) = tokio::join!(comparing, others);
        let (differing, rebuilt) = compared?;
        let (persons, documents) = others?;
        Ok(ProjectionCheck {
            rebuilt,
            differing,
            persons,
            documents,
        })
    }
}

/// Replays the log of `conn` and compares every projection table with
/// what the replay makes of it: the tables that differ.
fn compare(
    conn: &Connection,
    defs: &Arc<Definitions>,
    report: &dyn Fn(RebuildReport),
) -> Result<Vec<TableDifference>> {
    let [cases, deadlines, journal, links, tallies, persons] = PROJECTIONS;
    let mut tables = [
        Table::new::<cases::Entity>(conn, cases, Some("id"))?,
        Table::new::<case_deadline::Entity>(conn, deadlines, Some("case_id"))?,
        Table::new::<journal_entry::Entity>(conn, journal, Some("case_id"))?,
        Table::new::<case_link::Entity>(conn, links, Some("case_id"))?,
    ];
    let mut persons = Persons::new(conn, persons.0)?;
    let id = column(&tables[0].columns, "id")?;
    let epoch = column(&tables[0].columns, "opened_epoch")?;
    let mut last: Option<String> = None;
    let all = replay_log(Log::Shared(conn), defs, |(mut rows, done)| {
        let Some(Sql::Text(to)) = rows[0].values().last().map(|row| row[id].clone()) else {
            // No case (the log is empty): pages end where cases do.
            report(done);
            return Ok(());
        };
        let bounds = (last.as_deref(), Some(to.as_str()));
        for (table, rows) in tables.iter_mut().zip(&mut rows) {
            table.compare(bounds, rows.values_mut())?;
        }
        persons.compare(bounds, &rows[0], (id, epoch))?;
        last = Some(to);
        report(done);
        Ok(())
    })?;
    // The rows of cases after the last one the log holds.
    let after = (last.as_deref(), None);
    for table in &mut tables {
        table.compare(after, &mut [])?;
    }
    // The counts, once every case is replayed: the whole table.
    let mut counted = in_place::rows(tally::rows(all))?;
    let mut tally = Table::new::<case_tally::Entity>(conn, tallies, None)?;
    tally.compare((None, None), counted.values_mut())?;
    let persons = persons.difference(conn)?;
    Ok(tables
        .into_iter()
        .chain([tally])
        .map(Table::difference)
        .chain([persons])
        .flatten()
        .collect())
}

/// Where the column `name` is in `columns`.
pub(super) fn column(columns: &[&str], name: &str) -> Result<usize> {
    columns
        .iter()
        .position(|c| *c == name)
        .ok_or_else(|| Error::Corrupt(format!("the projection check found no column {name}")))
}

/// One projection table's stored rows, read a range of case ids at a time
/// in its order, against the rows a rebuild makes.
struct Table<'c> {
    columns: Vec<&'static str>,
    counted: Counted,
    /// Rows of every case: no range.
    all: Statement<'c>,
    /// Rows of the cases up to `?1`, after `?1` up to `?2`, after `?1`
    /// (for a table read by case id).
    ranges: Option<[Statement<'c>; 3]>,
}

impl<'c> Table<'c> {
    /// The table `name` with its `filter` and `order` (as `PROJECTIONS`
    /// gives them), its rows found by case id in the column `range` (or
    /// only read whole).
    fn new<E: EntityTrait>(
        conn: &'c Connection,
        (name, filter, order): (&'static str, &'static str, &'static str),
        range: Option<&str>,
    ) -> Result<Table<'c>> {
        let columns = in_place::columns::<E>();
        let counted = Counted::new(name, &columns, order)?;
        let list: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
        let select = |bounds: &str| {
            let mut conditions: Vec<&str> = Vec::new();
            if let Some(filter) = filter.strip_prefix("WHERE ") {
                conditions.push(filter);
            }
            let bounds = bounds.replace("{range}", range.unwrap_or_default());
            if !bounds.is_empty() {
                conditions.push(&bounds);
            }
            let filter = if conditions.is_empty() {
                String::new()
            } else {
                format!("WHERE {}", conditions.join(" AND "))
            };
            let sql = format!(
                "SELECT {} FROM \"{name}\" {filter} ORDER BY {order}",
                list.join(", ")
            );
            conn.prepare(&sql).map_err(failed)
        };
        Ok(Table {
            counted,
            all: select("")?,
            ranges: match range {
                Some(_) => Some([
                    select("{range} <= ?1")?,
                    select("{range} > ?1 AND {range} <= ?2")?,
                    select("{range} > ?1")?,
                ]),
                None => None,
            },
            columns,
        })
    }

    /// Compares the stored rows of the cases after `from` up to `to`
    /// (`None`: from the first, to the last) with `expected`, the rows a
    /// rebuild writes for them.
    fn compare(
        &mut self,
        bounds: (Option<&str>, Option<&str>),
        expected: &mut [Vec<Sql>],
    ) -> Result<()> {
        self.counted.expect(expected);
        let mut rows = match (bounds, &mut self.ranges) {
            ((None, None), _) => self.all.query([]),
            ((None, Some(to)), Some([first, _, _])) => first.query(params![to]),
            ((Some(from), Some(to)), Some([_, next, _])) => next.query(params![from, to]),
            ((Some(from), None), Some([_, _, tail])) => tail.query(params![from]),
            (_, None) => {
                return Err(Error::Corrupt(format!(
                    "{}: the projection check reads it only whole",
                    self.counted.name
                )));
            }
        }
        .map_err(failed)?;
        // Stored in the same order (SQLite compares text by its bytes).
        let mut want = expected.iter();
        while let Some(row) = rows.next().map_err(failed)? {
            let wanted = want.next();
            let found = (0..self.columns.len()).map(|i| row.get_ref(i).map_err(failed));
            self.counted.one(found, wanted)?;
        }
        self.counted.rest(want);
        Ok(())
    }

    fn difference(self) -> Option<TableDifference> {
        self.counted.difference()
    }
}

/// What the comparison of one table found so far: its rows as stored and
/// as a rebuild makes them, and whether any differs.
pub(super) struct Counted {
    pub(super) name: &'static str,
    /// The columns the rows are ordered by.
    key: Vec<usize>,
    stored: u64,
    rebuilt: u64,
    differs: bool,
}

impl Counted {
    /// The table `name` of `columns`, its rows ordered by `order`.
    pub(super) fn new(name: &'static str, columns: &[&str], order: &str) -> Result<Counted> {
        let key = order
            .split(", ")
            .map(|c| column(columns, c))
            .collect::<Result<_>>()?;
        Ok(Counted {
            name,
            key,
            stored: 0,
            rebuilt: 0,
            differs: false,
        })
    }

    /// Puts rows in the table's order, text by its bytes.
    fn sort(&self, rows: &mut [Vec<Sql>]) {
        let key = &self.key;
        rows.sort_by(|a, b| {
            key.iter()
                .map(|&i| order(&a[i], &b[i]))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
    }

    /// Takes the rows a rebuild makes of some cases, put in order.
    fn expect(&mut self, rows: &mut [Vec<Sql>]) {
        self.sort(rows);
        self.rebuilt += rows.len() as u64;
    }

    /// One stored row (its values as `found` reads them) against the
    /// rebuilt row in its place, if any.
    fn one<'v>(
        &mut self,
        found: impl Iterator<Item = Result<ValueRef<'v>>>,
        wanted: Option<&Vec<Sql>>,
    ) -> Result<()> {
        self.stored += 1;
        if self.differs {
            return Ok(());
        }
        let Some(wanted) = wanted else {
            self.differs = true;
            return Ok(());
        };
        for (value, bound) in found.zip(wanted) {
            if !same(value?, bound) {
                self.differs = true;
                break;
            }
        }
        Ok(())
    }

    /// The rebuilt rows left over once the stored ones ran out.
    fn rest<'w>(&mut self, mut wanted: impl Iterator<Item = &'w Vec<Sql>>) {
        if wanted.next().is_some() {
            self.differs = true;
        }
    }

    /// `stored` against `expected`, both in any order.
    pub(super) fn compare(&mut self, mut stored: Vec<Vec<Sql>>, expected: &mut [Vec<Sql>]) {
        self.expect(expected);
        self.sort(&mut stored);
        let mut want = expected.iter();
        for row in &stored {
            let wanted = want.next();
            // Infallible: the values are at hand.
            let _ = self.one(row.iter().map(|v| Ok(ValueRef::from(v))), wanted);
        }
        self.rest(want);
    }

    /// The difference, when the stored rows are not the rebuilt ones.
    pub(super) fn difference(self) -> Option<TableDifference> {
        self.differs.then(|| TableDifference {
            table: self.name.to_owned(),
            stored_rows: self.stored,
            rebuilt_rows: self.rebuilt,
        })
    }
}

/// The personnummer rows are kept by a rebuild, not rebuilt; only their
/// copy of the case's opening time follows the rebuilt case row.
struct Persons<'c> {
    name: &'static str,
    first: Statement<'c>,
    next: Statement<'c>,
    differs: bool,
}

impl<'c> Persons<'c> {
    fn new(conn: &'c Connection, name: &'static str) -> Result<Persons<'c>> {
        let select = |bounds: &str| {
            conn.prepare(&format!(
                "SELECT case_id, opened_epoch FROM \"{name}\" WHERE {bounds} ORDER BY case_id"
            ))
            .map_err(failed)
        };
        Ok(Persons {
            name,
            first: select("case_id <= ?1")?,
            next: select("case_id > ?1 AND case_id <= ?2")?,
            differs: false,
        })
    }

    /// Compares the opening times of the personnummer rows of the cases
    /// after `from` up to `to` with the rebuilt `cases` rows (`id` and
    /// `epoch`: where the case id and its opening time are in them).
    fn compare(
        &mut self,
        bounds: (Option<&str>, Option<&str>),
        cases: &Rows,
        (id, epoch): (usize, usize),
    ) -> Result<()> {
        let opened = opened(cases.values(), (id, epoch));
        let mut rows = match bounds {
            (None, Some(to)) => self.first.query(params![to]),
            (Some(from), Some(to)) => self.next.query(params![from, to]),
            _ => return Ok(()),
        }
        .map_err(failed)?;
        while let Some(row) = rows.next().map_err(failed)? {
            let case = row.get_ref(0).map_err(failed)?;
            let ValueRef::Text(case) = case else {
                continue;
            };
            if !follows(&opened, case, row.get_ref(1).map_err(failed)?) {
                self.differs = true;
            }
        }
        Ok(())
    }

    /// The difference, with every row counted as stored and as rebuilt
    /// (a rebuild keeps them all).
    fn difference(self, conn: &Connection) -> Result<Option<TableDifference>> {
        if !self.differs {
            return Ok(None);
        }
        let n: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM \"{}\"", self.name),
                [],
                |r| r.get(0),
            )
            .map_err(failed)?;
        let n = n.unsigned_abs();
        Ok(Some(TableDifference {
            table: self.name.to_owned(),
            stored_rows: n,
            rebuilt_rows: n,
        }))
    }
}

/// The opening time of each rebuilt case row (`id` and `epoch`: where
/// the case id and its opening time are in them).
pub(super) fn opened(cases: &[Vec<Sql>], (id, epoch): (usize, usize)) -> HashMap<&[u8], &Sql> {
    cases
        .iter()
        .filter_map(|row| match &row[id] {
            Sql::Text(case) => Some((case.as_bytes(), &row[epoch])),
            _ => None,
        })
        .collect()
}

/// Whether a personnummer row's opening time is its rebuilt case's (or
/// its case is not among `opened`).
pub(super) fn follows(opened: &HashMap<&[u8], &Sql>, case: &[u8], stored: ValueRef<'_>) -> bool {
    opened.get(case).is_none_or(|epoch| same(stored, epoch))
}

/// Whether a stored value is the value a rebuild binds (every projection
/// column keeps what is bound to it: text in text columns, integers in
/// integer and boolean ones).
fn same(stored: ValueRef<'_>, bound: &Sql) -> bool {
    match (stored, bound) {
        (ValueRef::Null, Sql::Null) => true,
        (ValueRef::Integer(a), Sql::Integer(b)) => a == *b,
        (ValueRef::Real(a), Sql::Real(b)) => a.to_bits() == b.to_bits(),
        (ValueRef::Text(a), Sql::Text(b)) => a == b.as_bytes(),
        (ValueRef::Blob(a), Sql::Blob(b)) => a == b.as_slice(),
        _ => false,
    }
}

/// Two bound values in SQLite's order (NULL, numbers, text by bytes, blobs).
fn order(a: &Sql, b: &Sql) -> Ordering {
    fn rank(v: &Sql) -> u8 {
        match v {
            Sql::Null => 0,
            Sql::Integer(_) | Sql::Real(_) => 1,
            Sql::Text(_) => 2,
            Sql::Blob(_) => 3,
        }
    }
    match (a, b) {
        (Sql::Integer(a), Sql::Integer(b)) => a.cmp(b),
        (Sql::Real(a), Sql::Real(b)) => a.total_cmp(b),
        #[allow(clippy::cast_precision_loss)]
        (Sql::Integer(a), Sql::Real(b)) => (*a as f64).total_cmp(b),
        #[allow(clippy::cast_precision_loss)]
        (Sql::Real(a), Sql::Integer(b)) => a.total_cmp(&(*b as f64)),
        (Sql::Text(a), Sql::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
        (Sql::Blob(a), Sql::Blob(b)) => a.cmp(b),
        _ => rank(a).cmp(&rank(b)),
    }
}
