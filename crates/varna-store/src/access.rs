//! The access log: who read which case, when, and for what purpose
//! (SoLPuL 10 §: log access and check the logs systematically).
//! Append-only; queried by case and by user.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use varna_workflow::Role;

use crate::entities::access_log;
use crate::error::{Error, Result};
use crate::{CaseId, Store};

/// A read to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccess {
    /// Who read (user id).
    pub actor_id: String,
    /// In which role.
    pub role: Role,
    /// Which case.
    pub case_id: CaseId,
    /// Why (e.g. `case_view`, `history`, `audit`).
    pub purpose: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A recorded read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    /// Position in the log.
    pub id: i64,
    /// Who read.
    pub actor_id: String,
    /// In which role.
    pub role: String,
    /// Which case.
    pub case_id: String,
    /// Why.
    pub purpose: String,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<access_log::Model> for AccessRecord {
    fn from(m: access_log::Model) -> Self {
        AccessRecord {
            id: m.id,
            actor_id: m.actor_id,
            role: m.actor_role,
            case_id: m.case_id,
            purpose: m.purpose,
            at: m.at,
        }
    }
}

/// The most rows one access-log query returns.
pub(crate) const MAX_ACCESS_ROWS: u64 = 10_000;

impl Store {
    /// Appends one read to the access log.
    pub async fn record_access(&self, access: NewAccess) -> Result<()> {
        access_log::ActiveModel {
            id: NotSet,
            actor_id: Set(access.actor_id),
            actor_role: Set(access.role.as_str().to_owned()),
            case_id: Set(access.case_id.to_string()),
            purpose: Set(access.purpose),
            at: Set(crate::chain::normalise(access.at)),
        }
        .insert(&self.db)
        .await
        .map_err(Error::from)?;
        Ok(())
    }

    /// Every read of one case, oldest first.
    pub async fn access_log_for_case(&self, case_id: &CaseId) -> Result<Vec<AccessRecord>> {
        self.access_log(access_log::Column::CaseId.eq(case_id.to_string()))
            .await
    }

    /// Every read by one user, oldest first.
    pub async fn access_log_for_user(&self, actor_id: &str) -> Result<Vec<AccessRecord>> {
        self.access_log(access_log::Column::ActorId.eq(actor_id))
            .await
    }

    async fn access_log(
        &self,
        condition: sea_orm::sea_query::SimpleExpr,
    ) -> Result<Vec<AccessRecord>> {
        Ok(access_log::Entity::find()
            .filter(condition)
            .order_by_asc(access_log::Column::At)
            .order_by_asc(access_log::Column::Id)
            .limit(MAX_ACCESS_ROWS)
            .all(&self.db)
            .await?
            .into_iter()
            .map(AccessRecord::from)
            .collect())
    }
}
