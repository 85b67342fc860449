//! A SQLite file worked in place with rusqlite, for the long walks over
//! the whole log (audit verification, the projection rebuild). Through
//! sqlx every value of every row is copied out of SQLite and the row sent
//! across its worker thread's channel, and every statement's values go
//! the other way; here a blocking thread reads and writes each row where
//! SQLite holds it, with the same SQLite library sqlx links.
//!
//! Values are written as text exactly as sqlx writes them (times in RFC
//! 3339, dates as `YYYY-MM-DD`, booleans as 0 and 1), so rows written
//! here and rows written through the pool are the same bytes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{Type, Value as Sql};
use rusqlite::{Connection, OpenFlags, Row};
use sea_orm::sea_query::Value;
use sea_orm::{ActiveModelTrait, ActiveValue, EntityName, EntityTrait, Iterable, Statement};

use crate::error::{Error, Result};

/// How long a connection waits for another one's lock, as the pool's do.
const BUSY: Duration = Duration::from_secs(30);

/// A store's SQLite file and the settings its pool connects with.
#[derive(Debug, Clone)]
pub(crate) struct File {
    pub(crate) path: PathBuf,
    /// Each connection's page cache in MiB; `None` for SQLite's default.
    pub(crate) cache_mib: Option<u32>,
    /// `synchronous = FULL` rather than `NORMAL`.
    pub(crate) synchronous_full: bool,
}

/// A read-only connection to the file, in a read transaction: whatever
/// it reads is one state of the file, however long that takes.
pub(crate) fn open_read(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(failed)?;
    conn.busy_timeout(BUSY).map_err(failed)?;
    conn.execute_batch("BEGIN").map_err(failed)?;
    Ok(conn)
}

/// A connection to the file for the rebuild, with the pool's settings
/// (deleted content zeroed, the same `synchronous` and page cache) but
/// for foreign keys, which the rebuild checks once at its end, in a write
/// transaction begun at once (`BEGIN IMMEDIATE`, as every command's): no
/// other writer runs until it ends.
pub(crate) fn open_write(file: &File) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        &file.path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(failed)?;
    conn.busy_timeout(BUSY).map_err(failed)?;
    let synchronous = if file.synchronous_full {
        "FULL"
    } else {
        "NORMAL"
    };
    let mut pragmas = format!(
        "PRAGMA foreign_keys = OFF; PRAGMA secure_delete = ON; PRAGMA synchronous = {synchronous};"
    );
    if let Some(mib) = file.cache_mib {
        // A negative cache_size is in KiB.
        pragmas.push_str(&format!(" PRAGMA cache_size = -{};", u64::from(mib) * 1024));
    }
    pragmas.push_str(" BEGIN IMMEDIATE");
    conn.execute_batch(&pragmas).map_err(failed)?;
    Ok(conn)
}

/// Runs a statement built for SQLite (its values bound as sqlx binds them).
pub(crate) fn execute(conn: &Connection, statement: &Statement) -> Result<()> {
    let mut prepared = conn.prepare(&statement.sql).map_err(failed)?;
    if let Some(values) = &statement.values {
        for (i, v) in values.0.iter().enumerate() {
            prepared
                .raw_bind_parameter(i + 1, sql_value(v.clone())?)
                .map_err(failed)?;
        }
    }
    prepared.raw_execute().map_err(failed)?;
    Ok(())
}

/// Rows for one table, each as the values of every column in order, ready
/// to be bound: made on one thread, inserted on another.
#[derive(Default)]
pub(crate) struct Rows {
    sql: String,
    rows: Vec<Vec<Sql>>,
}

impl Rows {
    /// Each row's values.
    pub(crate) fn values(&self) -> &[Vec<Sql>] {
        &self.rows
    }

    /// Each row's values, to be put in another order.
    pub(crate) fn values_mut(&mut self) -> &mut [Vec<Sql>] {
        &mut self.rows
    }

    /// Each row's values, taken.
    pub(crate) fn into_values(self) -> Vec<Vec<Sql>> {
        self.rows
    }
}

/// `models` as rows to insert. Every column must be set.
pub(crate) fn rows<A>(models: Vec<A>) -> Result<Rows>
where
    A: ActiveModelTrait,
{
    let table = A::Entity::default().table_name();
    let columns: Vec<_> = <A::Entity as EntityTrait>::Column::iter().collect();
    let names = self::columns::<A::Entity>();
    let quoted: Vec<String> = names.iter().map(|c| format!("\"{c}\"")).collect();
    let sql = format!(
        "INSERT INTO \"{table}\" ({}) VALUES ({})",
        quoted.join(", "),
        vec!["?"; names.len()].join(", ")
    );
    let mut rows = Vec::with_capacity(models.len());
    for mut model in models {
        let mut row = Vec::with_capacity(columns.len());
        for column in &columns {
            match model.take(*column) {
                ActiveValue::Set(v) | ActiveValue::Unchanged(v) => row.push(sql_value(v)?),
                ActiveValue::NotSet => {
                    return Err(Error::Corrupt(format!(
                        "a row for {table} without its column {}",
                        sea_orm::IdenStatic::as_str(column)
                    )));
                }
            }
        }
        rows.push(row);
    }
    Ok(Rows { sql, rows })
}

/// The columns of `E`'s table, in the order of its rows' values.
pub(crate) fn columns<E: EntityTrait>() -> Vec<&'static str> {
    E::Column::iter()
        .map(|c| sea_orm::IdenStatic::as_str(&c))
        .collect()
}

/// Inserts `rows`, each through one prepared statement.
pub(crate) fn insert(conn: &Connection, rows: &Rows) -> Result<()> {
    let mut prepared = conn.prepare(&rows.sql).map_err(failed)?;
    for row in &rows.rows {
        for (i, value) in row.iter().enumerate() {
            prepared.raw_bind_parameter(i + 1, value).map_err(failed)?;
        }
        prepared.raw_execute().map_err(failed)?;
    }
    Ok(())
}

/// A value as sqlx writes it to SQLite.
fn sql_value(value: Value) -> Result<Sql> {
    fn or_null<T>(v: Option<T>, f: impl FnOnce(T) -> Sql) -> Sql {
        v.map_or(Sql::Null, f)
    }
    Ok(match value {
        Value::Bool(v) => or_null(v, |b| Sql::Integer(i64::from(b))),
        Value::TinyInt(v) => or_null(v, |n| Sql::Integer(i64::from(n))),
        Value::SmallInt(v) => or_null(v, |n| Sql::Integer(i64::from(n))),
        Value::Int(v) => or_null(v, |n| Sql::Integer(i64::from(n))),
        Value::BigInt(v) => or_null(v, Sql::Integer),
        Value::TinyUnsigned(v) => or_null(v, |n| Sql::Integer(i64::from(n))),
        Value::SmallUnsigned(v) => or_null(v, |n| Sql::Integer(i64::from(n))),
        Value::Unsigned(v) => or_null(v, |n| Sql::Integer(i64::from(n))),
        Value::Float(v) => or_null(v, |n| Sql::Real(f64::from(n))),
        Value::Double(v) => or_null(v, Sql::Real),
        Value::String(v) => or_null(v, Sql::Text),
        Value::Bytes(v) => or_null(v, Sql::Blob),
        Value::ChronoDate(v) => or_null(v, |d| Sql::Text(d.format("%F").to_string())),
        Value::ChronoDateTimeUtc(v) => or_null(v, |t| {
            Sql::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
        }),
        // No column of the projections has another type; the value itself
        // is not named, as it may be personal data.
        _ => {
            return Err(Error::Corrupt(
                "a value of a type the in-place writer does not write".into(),
            ));
        }
    })
}

/// A text column that must have a value.
pub(crate) fn text<'r>(r: &'r Row<'_>, i: usize) -> Result<&'r str> {
    optional_text(r, i)?
        .ok_or_else(|| Error::Corrupt(format!("an event has no value in column {i}")))
}

/// A text column, `None` for NULL.
pub(crate) fn optional_text<'r>(r: &'r Row<'_>, i: usize) -> Result<Option<&'r str>> {
    r.get_ref(i).map_err(failed)?.as_str_or_null().map_err(|e| {
        failed(rusqlite::Error::FromSqlConversionFailure(
            i,
            Type::Text,
            Box::new(e),
        ))
    })
}

/// A time column as sqlx writes it.
pub(crate) fn time(r: &Row<'_>, i: usize) -> Result<DateTime<Utc>> {
    let text = text(r, i)?;
    parse_time(text)
        .ok_or_else(|| Error::Corrupt(format!("an event's time is not a time: {text:?}")))
}

/// A time as sqlx writes it (RFC 3339), through chrono's quicker parser
/// first; `None` when the text is not a time.
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    utc_time(text).or_else(|| rfc3339(text))
}

/// The form sqlx writes a UTC time in, `2026-03-02T09:00:00.123456+00:00`
/// (the fraction left out when zero), read field by field.
fn utc_time(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    let micros = match b.len() {
        25 => 0,
        32 if b[19] == b'.' => number(&b[20..26])?,
        _ => return None,
    };
    let tail = &b[b.len() - 6..];
    if tail != b"+00:00" || [b[4], b[7], b[10], b[13], b[16]] != *b"--T::" {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(number(&b[0..4])?).ok()?,
        number(&b[5..7])?,
        number(&b[8..10])?,
    )?;
    let time = chrono::NaiveTime::from_hms_micro_opt(
        number(&b[11..13])?,
        number(&b[14..16])?,
        number(&b[17..19])?,
        micros,
    )?;
    Some(date.and_time(time).and_utc())
}

/// The number ASCII digits spell; `None` for anything else.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &d| {
        d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
    })
}

/// Any RFC 3339 time, or any chrono reads.
fn rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| text.parse())
        .ok()
}

/// A rusqlite error as the store's.
pub(crate) fn failed(e: rusqlite::Error) -> Error {
    Error::Database(sea_orm::DbErr::Custom(format!(
        "working on the SQLite file in place: {e}"
    )))
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times_read_quickly_as_sqlx_writes_them_and_otherwise_as_rfc3339() {
        for text in [
            "2026-03-02T09:00:00+00:00",
            "2026-03-02T09:00:00.123456+00:00",
            "1999-12-31T23:59:59.000001+00:00",
            "2026-03-02T10:00:00.5+01:00",
            "2026-03-02T09:00:00.123456789Z",
            "2024-02-29T00:00:00+00:00",
        ] {
            let slow = chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&chrono::Utc))
                .ok();
            assert!(slow.is_some(), "{text}");
            assert_eq!(parse_time(text), slow, "{text}");
        }
        for text in [
            "2026-02-30T09:00:00+00:00",
            "2026-03-02T24:00:00+00:00",
            "2026-03-02T09:00:00.12345x+00:00",
            "2026-03-02 09:00:00+00:00x",
            "not a time",
        ] {
            assert_eq!(parse_time(text), None, "{text}");
        }
    }
}
