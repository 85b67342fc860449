//! "New since you last looked" on the work list: each person's visits to
//! it. A visit is a run of looks less than [`VISIT_GAP`] apart, so paging
//! through the list or coming back from a case keeps the same marks; the
//! next visit marks what changed since this one ended.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use sea_orm::sea_query::OnConflict;

use crate::Store;
use crate::entities::work_look;
use crate::error::Result;

/// Looks closer together than this are one visit.
pub const VISIT_GAP: Duration = Duration::minutes(30);

impl Store {
    /// Records that `user_id` looks at their work list `now`, and returns
    /// the moment from which a case counts as new to them: the end of
    /// their previous visit (`None` on their first, when nothing is
    /// marked).
    pub async fn look_at_work(
        &self,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>> {
        let row = work_look::Entity::find_by_id(user_id.to_owned())
            .one(&self.db)
            .await?;
        let previous = match &row {
            None => None,
            Some(r) if now - r.last_at >= VISIT_GAP => Some(r.last_at),
            Some(r) => r.previous_at,
        };
        work_look::Entity::insert(work_look::ActiveModel {
            user_id: Set(user_id.to_owned()),
            last_at: Set(now),
            previous_at: Set(previous),
        })
        .on_conflict(
            OnConflict::column(work_look::Column::UserId)
                .update_columns([work_look::Column::LastAt, work_look::Column::PreviousAt])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(previous)
    }
}
