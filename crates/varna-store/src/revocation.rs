//! Sign-ins ended before they expired, and housekeeping of what expires:
//! revocations past their `until`, idempotency keys past their period.
//! The API keeps the revocations in memory and re-reads them from here,
//! so one server's sign-out holds on every server of the database.

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::Store;
use crate::entities::{cases, idempotency_key, revocation};
use crate::error::Result;

/// What a revocation ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationKind {
    /// One sign-in (a web session's or a token's id).
    Session,
    /// Every sign-in of a person issued before `revoked_at`.
    User,
}

impl RevocationKind {
    fn as_str(self) -> &'static str {
        match self {
            RevocationKind::Session => "session",
            RevocationKind::User => "user",
        }
    }
}

/// A sign-in, or all of a person's sign-ins, ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// What it ends.
    pub kind: RevocationKind,
    /// The session id or the user id.
    pub subject: String,
    /// When it was revoked.
    pub revoked_at: DateTime<Utc>,
    /// When whatever it revoked has expired anyway (the row may go then).
    pub until: DateTime<Utc>,
}

impl Store {
    /// Records a revocation; a repeat keeps the latest moment.
    pub async fn revoke(&self, r: Revocation) -> Result<()> {
        revocation::Entity::insert(revocation::ActiveModel {
            kind: Set(r.kind.as_str().to_owned()),
            subject: Set(r.subject),
            revoked_at: Set(r.revoked_at),
            until: Set(r.until),
        })
        .on_conflict(
            OnConflict::columns([revocation::Column::Kind, revocation::Column::Subject])
                .update_columns([revocation::Column::RevokedAt, revocation::Column::Until])
                .to_owned(),
        )
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// The revocations still in force at `now`.
    pub async fn revocations(&self, now: DateTime<Utc>) -> Result<Vec<Revocation>> {
        let rows = revocation::Entity::find()
            .filter(revocation::Column::Until.gte(now))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let kind = match r.kind.as_str() {
                    "session" => RevocationKind::Session,
                    "user" => RevocationKind::User,
                    _ => return None,
                };
                Some(Revocation {
                    kind,
                    subject: r.subject,
                    revoked_at: r.revoked_at,
                    until: r.until,
                })
            })
            .collect())
    }

    /// Removes what has expired: revocations whose `until` passed before
    /// `now`, and idempotency keys recorded before `keys_before` (a retry
    /// after that files anew). Returns how many rows of each went.
    pub async fn purge_expired(
        &self,
        now: DateTime<Utc>,
        keys_before: DateTime<Utc>,
    ) -> Result<(u64, u64)> {
        let revocations = revocation::Entity::delete_many()
            .filter(revocation::Column::Until.lt(now))
            .exec(&self.db)
            .await?
            .rows_affected;
        let keys = idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::CreatedAt.lt(keys_before))
            .exec(&self.db)
            .await?
            .rows_affected;
        Ok((revocations, keys))
    }

    /// Everyone who has filed a case, and every unit that has one (for
    /// `serve --demo`, which refuses a database that holds cases it did not
    /// create itself).
    pub async fn case_filers_and_units(&self) -> Result<(Vec<String>, Vec<String>)> {
        let filers: Vec<String> = cases::Entity::find()
            .select_only()
            .column(cases::Column::FiledBy)
            .distinct()
            .into_tuple()
            .all(&self.db)
            .await?;
        let units: Vec<String> = cases::Entity::find()
            .select_only()
            .column(cases::Column::UnitId)
            .distinct()
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok((filers, units))
    }
}
