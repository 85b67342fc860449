//! Pages of cases, newest first (`opened_at`, then id), with keyset
//! cursors; a page of whole cases carries how many match in all, counted
//! in the same query.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    Condition, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QueryResult,
    QuerySelect,
};

use super::{CaseFilter, CasePage, CaseSummary, MAX_PAGE, RecordPage, record_of, summaries};
use crate::entities::cases;
use crate::error::{Error, Result};
use crate::{CaseId, Store};

/// The cursor that continues a page after `s` (what `end_cursor` is for
/// the page's last case).
pub fn cursor_of(s: &CaseSummary) -> String {
    format!("{}_{}", s.opened_at.timestamp_micros(), s.id)
}

fn decode_cursor(cursor: &str) -> Result<(DateTime<Utc>, String)> {
    let (micros, id) = cursor.split_once('_').ok_or(Error::InvalidCursor)?;
    let micros: i64 = micros.parse().map_err(|_| Error::InvalidCursor)?;
    let at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or(Error::InvalidCursor)?;
    let id = CaseId::parse(id).ok_or(Error::InvalidCursor)?;
    Ok((at, id.to_string()))
}

/// The name of the column that carries the count on every row of a page.
const TOTAL: &str = "varna_page_total";

/// A row of a page with how many cases the page's filter matches in all.
struct Counted<M> {
    row: M,
    total: i64,
}

impl<M: FromQueryResult> FromQueryResult for Counted<M> {
    fn from_query_result(res: &QueryResult, pre: &str) -> std::result::Result<Self, DbErr> {
        Ok(Counted {
            row: M::from_query_result(res, pre)?,
            total: res.try_get(pre, TOTAL)?,
        })
    }
}

impl Store {
    /// [`Store::cases`] as whole cases (snapshot and all) and how many
    /// cases match `filter` in all, in one query: a page that shows cases
    /// needs no second read by id, nor a second query for its count.
    pub async fn case_records(
        &self,
        filter: &CaseFilter,
        first: u64,
        after: Option<&str>,
    ) -> Result<RecordPage> {
        // The count is a subquery of its own, independent of the page's
        // rows: both databases compute it once for the statement.
        let count = Query::select()
            .expr(Expr::col((cases::Entity, cases::Column::Id)).count())
            .from(cases::Entity)
            .cond_where(filter.condition())
            .to_owned();
        let select =
            cases::Entity::find().expr_as(Expr::SubQuery(None, Box::new(count.into())), TOTAL);
        let (rows, has_next_page) = self
            .newest_first::<Counted<cases::Model>>(select, filter, first, after)
            .await?;
        let total = match rows.first() {
            Some(row) => u64::try_from(row.total).unwrap_or_default(),
            // No row to carry the count: none match at all, unless the
            // cursor is past the last of them.
            None if after.is_none() => 0,
            None => self.count_cases(filter).await?,
        };
        let items = rows
            .into_iter()
            .map(|Counted { row, .. }| record_of(&row))
            .collect::<Result<Vec<_>>>()?;
        Ok(RecordPage {
            end_cursor: items.last().map(|r| cursor_of(&r.summary)),
            items,
            has_next_page,
            total,
        })
    }

    /// One page of cases matching `filter`, newest first.
    pub async fn cases(
        &self,
        filter: &CaseFilter,
        first: u64,
        after: Option<&str>,
    ) -> Result<CasePage> {
        let (rows, has_next_page) = self.newest_first(summaries(), filter, first, after).await?;
        let items = rows
            .into_iter()
            .map(CaseSummary::from_summary)
            .collect::<Result<Vec<_>>>()?;
        Ok(CasePage {
            end_cursor: items.last().map(cursor_of),
            items,
            has_next_page,
        })
    }

    /// The cases `filter` matches, newest first (`opened_at`, then id),
    /// after the page that ended at `after`: the first `first` of them
    /// (at most [`MAX_PAGE`]) as `select` reads them, and whether more
    /// follow (one more row is read to know).
    async fn newest_first<M>(
        &self,
        select: sea_orm::Select<cases::Entity>,
        filter: &CaseFilter,
        first: u64,
        after: Option<&str>,
    ) -> Result<(Vec<M>, bool)>
    where
        M: FromQueryResult + Send + Sync,
    {
        let limit = first.clamp(1, MAX_PAGE);
        let mut rows = select
            .filter(page_condition(filter, after)?)
            .order_by_desc(cases::Column::OpenedAt)
            .order_by_desc(cases::Column::Id)
            .limit(limit + 1)
            .into_model::<M>()
            .all(&self.db)
            .await?;
        let has_next_page = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok((rows, has_next_page))
    }
}

/// The cases `filter` matches, after the page that ended at `after`
/// (newest first: `opened_at`, then id).
fn page_condition(filter: &CaseFilter, after: Option<&str>) -> Result<Condition> {
    let mut condition = filter.condition();
    if let Some(cursor) = after {
        let (at, id) = decode_cursor(cursor)?;
        // A row value, which PostgreSQL starts its index scan at; spelt
        // with OR it walked the index from the newest case and filtered
        // (14.5 ms against 0.2 ms for a page 15,000 cases deep).
        condition = condition.add(
            Expr::tuple([
                Expr::col(cases::Column::OpenedAt),
                Expr::col(cases::Column::Id),
            ])
            .lt(Expr::tuple([Expr::value(at), Expr::value(id)])),
        );
    }
    Ok(condition)
}
