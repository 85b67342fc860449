//! The one pass's reader of a SQLite file: the events in the order they
//! were written (`ORDER BY rowid`: each page once, first to last), then
//! the head and the case rows, all in one read transaction.

use std::path::Path;

use rusqlite::OptionalExtension;
use rusqlite::types::ValueRef;

use super::{COLUMNS, Cell, Out, Read, id_key};
use crate::error::Result;
use crate::in_place::{failed, open_read};

/// Reads the log at `path` into `out`.
pub(super) fn read(path: &Path, mut out: Out<'_>) -> Result<Read> {
    let conn = open_read(path)?;
    // A table without rowids (made by hand: the store's has them) has no
    // order of writing to read in; the walks read it.
    let Ok(mut statement) = conn.prepare(&format!("SELECT {COLUMNS} FROM event ORDER BY rowid"))
    else {
        return Ok(Err("the events have no order of writing to read them in"));
    };
    let mut rows = statement.raw_query();
    while let Some(r) = rows.next().map_err(failed)? {
        let cell = |i: usize| match r.get_ref(i) {
            Ok(ValueRef::Text(t)) => Cell::Text(t),
            Ok(ValueRef::Integer(n)) => Cell::Int(n),
            Ok(ValueRef::Null) => Cell::Null,
            _ => Cell::Other,
        };
        if let Err(why) = out.push(cell) {
            return Ok(Err(why));
        }
    }
    drop(rows);
    let head: Option<(i64, String)> = conn
        .query_row(
            "SELECT global_seq, global_hash FROM audit_head WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(failed)?;
    let events = match out.finish(head) {
        Ok(events) => events,
        Err(why) => return Ok(Err(why)),
    };
    let mut statement = conn.prepare("SELECT id FROM cases").map_err(failed)?;
    let mut rows = statement.raw_query();
    let mut ids = Vec::new();
    while let Some(r) = rows.next().map_err(failed)? {
        let id = match r.get_ref(0).map_err(failed)? {
            ValueRef::Text(id) => id_key(id),
            _ => id_key(&[]),
        };
        match id {
            Ok(id) => ids.push(id),
            Err(why) => return Ok(Err(why)),
        }
    }
    Ok(Ok((events, ids)))
}
