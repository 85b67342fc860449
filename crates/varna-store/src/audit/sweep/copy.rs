//! The one pass's reader of PostgreSQL: the events as one binary `COPY`
//! in global order, then the head and the case rows, all in one read-only
//! repeatable-read transaction. In binary each value comes with its
//! length: nothing is escaped, numbers and times arrive as they are
//! stored, and a text is copied once, from the message into its batch.

use futures_util::StreamExt;
use sea_orm::sqlx::postgres::{PgConnection, PgPool};

use super::{Cell, NUMBERS, Out, Proof, Read, TIMES, id_key};
use crate::audit::postgres::{database, end, snapshot};
use crate::error::Result;

/// The columns of [`super::COLUMNS`], numbers widened to 8 bytes and
/// times as `timestamptz`, in global order.
const EVENTS: &str = "COPY (SELECT case_id, sequence::int8, global_seq::int8, event_type, \
     event_version::int8, payload, payload_digest, payload_salt, actor_id, actor_role, \
     occurred_at::timestamptz, recorded_at::timestamptz, prev_hash, hash, global_hash \
     FROM event ORDER BY global_seq) TO STDOUT (FORMAT binary)";

const CASES: &str = "COPY (SELECT id FROM cases) TO STDOUT (FORMAT binary)";

/// What starts a binary `COPY`: its signature, then flags and the length
/// of an extension area (32-bit each).
const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// PostgreSQL counts time from 2000-01-01 UTC: that instant in
/// microseconds since 1970.
const Y2K_MICROS: i64 = 946_684_800_000_000;

/// Reads the log in the database behind `pool` into `out`.
pub(super) async fn read(pool: &PgPool, mut out: Out<'_>) -> Result<Read> {
    let mut conn = snapshot(pool).await?;
    let copied = copy_rows::<15>(&mut conn, EVENTS, |values| {
        out.push(|i| match values[i] {
            None => Cell::Null,
            Some(value) if TIMES.contains(&i) => number(value)
                .and_then(|m| m.checked_add(Y2K_MICROS))
                .map_or(Cell::Other, Cell::Micros),
            Some(value) if NUMBERS.contains(&i) => number(value).map_or(Cell::Other, Cell::Int),
            Some(value) => Cell::Text(value),
        })
    })
    .await?;
    if let Err(why) = copied {
        return Ok(Err(why));
    }
    let head: Option<(i64, String)> =
        sea_orm::sqlx::query_as("SELECT global_seq, global_hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(database)?;
    let events = match out.finish(head) {
        Ok(events) => events,
        Err(why) => return Ok(Err(why)),
    };
    let mut ids = Vec::new();
    let copied = copy_rows::<1>(&mut conn, CASES, |[id]| {
        ids.push(id_key(id.unwrap_or_default())?);
        Ok(())
    })
    .await?;
    if let Err(why) = copied {
        return Ok(Err(why));
    }
    end(&mut conn).await?;
    Ok(Ok((events, ids)))
}

/// A big-endian 64-bit number.
fn number(value: &[u8]) -> Option<i64> {
    <[u8; 8]>::try_from(value).ok().map(i64::from_be_bytes)
}

/// Streams the rows of the binary `COPY` `sql`, each row's `N` values
/// (`None` for NULL) to `each`, until the last (`Ok(Ok(()))`) or until
/// `each` or the format says no (`Ok(Err(why))`: the copy is left
/// unfinished and the connection unusable, so the snapshot's connection
/// is closed rather than given back).
async fn copy_rows<const N: usize>(
    conn: &mut PgConnection,
    sql: &str,
    mut each: impl FnMut(&[Option<&[u8]>; N]) -> Proof<()>,
) -> Result<Proof<()>> {
    let mut stream = conn.copy_out_raw(sql).await.map_err(database)?;
    let mut rows = Rows::<N>::default();
    // A row that a message ended in the middle of, with what follows it.
    let mut rest: Vec<u8> = Vec::new();
    while let Some(message) = stream.next().await {
        let message = message.map_err(database)?;
        let taken = if rest.is_empty() {
            let used = rows.take(&message, &mut each);
            used.map(|used| rest.extend_from_slice(&message[used..]))
        } else {
            rest.extend_from_slice(&message);
            let used = rows.take(&rest, &mut each);
            used.map(|used| drop(rest.drain(..used)))
        };
        if let Err(why) = taken {
            return Ok(Err(why));
        }
    }
    if !rows.ended || !rest.is_empty() {
        return Ok(Err("the copy of the log ended in the middle of a row"));
    }
    Ok(Ok(()))
}

/// Where a binary `COPY` stands: before its header, among its rows, or
/// past its end.
#[derive(Debug, Default)]
struct Rows<const N: usize> {
    started: bool,
    ended: bool,
}

impl<const N: usize> Rows<N> {
    /// Hands each whole row at the start of `data` to `each`: the bytes
    /// taken (what is left is the start of a row that goes on in the next
    /// message).
    fn take(
        &mut self,
        data: &[u8],
        each: &mut impl FnMut(&[Option<&[u8]>; N]) -> Proof<()>,
    ) -> Proof<usize> {
        let mut at = 0;
        if !self.started {
            match header(data) {
                Some(length) => {
                    self.started = true;
                    at = length?;
                }
                None => return Ok(0),
            }
        }
        let mut values = [None; N];
        while at < data.len() {
            if self.ended {
                return Err("the copy of the log goes on past its end");
            }
            match row(&data[at..], &mut values) {
                Next::Row(length) => {
                    each(&values)?;
                    at += length;
                }
                Next::End => {
                    self.ended = true;
                    at += 2;
                }
                Next::More => break,
                Next::Bad(why) => return Err(why),
            }
        }
        Ok(at)
    }
}

/// The length of the header at the start of `data`, `None` if it goes on
/// past it.
fn header(data: &[u8]) -> Option<Proof<usize>> {
    let fixed = SIGNATURE.len() + 8;
    let start = data.get(..fixed)?;
    if !start.starts_with(SIGNATURE) {
        return Some(Err(
            "the copy of the log is not in PostgreSQL's binary form",
        ));
    }
    let extension = u32::from_be_bytes([start[15], start[16], start[17], start[18]]);
    let length = fixed + usize::try_from(extension).ok()?;
    (data.len() >= length).then_some(Ok(length))
}

/// What starts a binary `COPY`'s data after its header.
enum Next {
    /// A row of this length, its values put in place.
    Row(usize),
    /// The end of the copy (two bytes).
    End,
    /// A row that goes on past the data.
    More,
    /// Not a row of the expected form.
    Bad(&'static str),
}

/// The row at the start of `data`: its `N` values into `values`.
fn row<'d, const N: usize>(data: &'d [u8], values: &mut [Option<&'d [u8]>; N]) -> Next {
    let Some(&[high, low]) = data.get(..2) else {
        return Next::More;
    };
    match i16::from_be_bytes([high, low]) {
        -1 => return Next::End,
        count if usize::try_from(count) == Ok(N) => {}
        _ => return Next::Bad("a row of the log has another number of columns"),
    }
    let mut at = 2;
    for value in values.iter_mut() {
        let Some(&[a, b, c, d]) = data.get(at..at + 4) else {
            return Next::More;
        };
        at += 4;
        let length = i32::from_be_bytes([a, b, c, d]);
        if length == -1 {
            *value = None;
            continue;
        }
        let Ok(length) = usize::try_from(length) else {
            return Next::Bad("a value of the log has a negative length");
        };
        let Some(bytes) = data.get(at..at + length) else {
            return Next::More;
        };
        *value = Some(bytes);
        at += length;
    }
    Next::Row(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A binary copy of `rows`, `None` for NULL.
    fn copy_of(rows: &[[Option<&[u8]>; 2]]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&4u32.to_be_bytes());
        out.extend_from_slice(b"ext!");
        for row in rows {
            out.extend_from_slice(&2i16.to_be_bytes());
            for value in row {
                match value {
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                    Some(v) => {
                        out.extend_from_slice(
                            &i32::try_from(v.len()).expect("short").to_be_bytes(),
                        );
                        out.extend_from_slice(v);
                    }
                }
            }
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    /// The rows read from `data` cut into messages of `size` bytes.
    fn read_in_pieces(data: &[u8], size: usize) -> Proof<Vec<Vec<Option<Vec<u8>>>>> {
        let mut rows = Rows::<2>::default();
        let mut got = Vec::new();
        let mut rest = Vec::new();
        for piece in data.chunks(size) {
            rest.extend_from_slice(piece);
            let used = rows.take(&rest, &mut |values: &[Option<&[u8]>; 2]| {
                got.push(values.iter().map(|v| v.map(<[u8]>::to_vec)).collect());
                Ok(())
            })?;
            rest.drain(..used);
        }
        if rows.ended && rest.is_empty() {
            Ok(got)
        } else {
            Err("unfinished")
        }
    }

    #[test]
    fn binary_rows_read_whole_however_the_messages_cut_them() {
        let rows: [[Option<&[u8]>; 2]; 3] = [
            [Some(b"019aa000"), None],
            [Some(b""), Some(b"tab\there\\")],
            [None, Some(&[0, 0, 0, 0, 0, 0, 0, 7])],
        ];
        let data = copy_of(&rows);
        let want: Vec<Vec<Option<Vec<u8>>>> = rows
            .iter()
            .map(|r| r.iter().map(|v| v.map(<[u8]>::to_vec)).collect())
            .collect();
        for size in [1, 2, 3, 7, 19, 23, data.len()] {
            assert_eq!(read_in_pieces(&data, size), Ok(want.clone()), "{size}");
        }
        // Cut short, or with something after its end, it is not read whole.
        assert!(read_in_pieces(&data[..data.len() - 2], 5).is_err());
        let mut longer = data.clone();
        longer.extend_from_slice(&(-1i16).to_be_bytes());
        assert!(read_in_pieces(&longer, 64).is_err());
        // Another number of columns, or another format, is refused.
        let mut three = data.clone();
        three[SIGNATURE.len() + 12..SIGNATURE.len() + 14].copy_from_slice(&3i16.to_be_bytes());
        assert!(read_in_pieces(&three, 64).is_err());
        assert!(read_in_pieces(b"case_id\tsequence\n\\.\n", 64).is_err());
    }
}
