//! Drafts: the text of a form posted after the person's sign-in ended,
//! kept for them (by the identity their ended session proves) until they
//! sign in again and come back to the form — one per person and page, for
//! [`DRAFT_DAYS`] at most, and gone once restored.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::Store;
use crate::entities::draft;
use crate::error::{Error, Result};

/// How long a draft is kept.
pub const DRAFT_DAYS: i64 = 7;

/// A form's text as it was posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The page the form is on.
    pub page: String,
    /// Where the form posts.
    pub action: String,
    /// The fields as typed.
    pub fields: BTreeMap<String, String>,
    /// When it was kept.
    pub saved_at: DateTime<Utc>,
}

impl Store {
    /// Keeps `draft` for `user_id` (replacing one for the same page), and
    /// removes drafts past their time.
    pub async fn save_draft(&self, user_id: &str, draft: &Draft) -> Result<()> {
        self.forget_old_drafts(draft.saved_at).await?;
        let fields = serde_json::to_string(&draft.fields)
            .map_err(|e| Error::Corrupt(format!("a draft does not serialise: {e}")))?;
        draft::Entity::insert(draft::ActiveModel {
            user_id: Set(user_id.to_owned()),
            page: Set(draft.page.clone()),
            action: Set(draft.action.clone()),
            fields: Set(fields),
            saved_at: Set(draft.saved_at),
        })
        .on_conflict(
            OnConflict::columns([draft::Column::UserId, draft::Column::Page])
                .update_columns([
                    draft::Column::Action,
                    draft::Column::Fields,
                    draft::Column::SavedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// The page of `user_id`'s newest draft still kept, if any.
    pub async fn draft_page(&self, user_id: &str, now: DateTime<Utc>) -> Result<Option<String>> {
        Ok(draft::Entity::find()
            .filter(draft::Column::UserId.eq(user_id.to_owned()))
            .filter(draft::Column::SavedAt.gt(now - Duration::days(DRAFT_DAYS)))
            .order_by_desc(draft::Column::SavedAt)
            .one(&self.db)
            .await?
            .map(|d| d.page))
    }

    /// Takes `user_id`'s draft for `page` (it is removed), if one is kept.
    pub async fn take_draft(
        &self,
        user_id: &str,
        page: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Draft>> {
        let Some(row) = draft::Entity::find_by_id((user_id.to_owned(), page.to_owned()))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        draft::Entity::delete_by_id((user_id.to_owned(), page.to_owned()))
            .exec(&self.db)
            .await?;
        if row.saved_at <= now - Duration::days(DRAFT_DAYS) {
            return Ok(None);
        }
        let fields = serde_json::from_str(&row.fields)
            .map_err(|e| Error::Corrupt(format!("a draft does not parse: {e}")))?;
        Ok(Some(Draft {
            page: row.page,
            action: row.action,
            fields,
            saved_at: row.saved_at,
        }))
    }

    async fn forget_old_drafts(&self, now: DateTime<Utc>) -> Result<()> {
        draft::Entity::delete_many()
            .filter(draft::Column::SavedAt.lte(now - Duration::days(DRAFT_DAYS)))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
