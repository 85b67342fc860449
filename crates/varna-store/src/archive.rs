//! What an archive package (`varna archive export`) is made of: a case's
//! event rows exactly as stored (so the package proves itself with the
//! same arithmetic as `audit verify`), the global chain's links from the
//! case's first event to a checkpoint, the case's names, and the closed
//! cases of a year.

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::entities::{cases, event};
use crate::error::Result;
use crate::{CaseId, Store};

/// One event row as the archive keeps it: every column the hashes are made
/// of, timestamps in the canonical form (UTC, six fractional digits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchivedEvent {
    /// The case.
    pub case_id: String,
    /// Its place in the case.
    pub sequence: i64,
    /// Its place in the global chain.
    pub global_seq: i64,
    /// The event's type.
    pub event_type: String,
    /// 1: the hash covers the payload; 2: its salted digest.
    pub event_version: i32,
    /// The payload's text as stored.
    pub payload: String,
    /// Version 2: the digest of the payload as written.
    pub payload_digest: Option<String>,
    /// Version 2: the salt of that digest (hex).
    pub payload_salt: Option<String>,
    /// Who.
    pub actor_id: String,
    /// In which role.
    pub actor_role: String,
    /// When it happened.
    pub occurred_at: String,
    /// When it was stored.
    pub recorded_at: String,
    /// The case's previous event's hash.
    pub prev_hash: String,
    /// Its hash.
    pub hash: String,
    /// The global chain's hash after it.
    pub global_hash: String,
}

/// One link of the global chain: an event's hash and the global hash after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GlobalLink {
    /// Its place in the global chain.
    pub global_seq: i64,
    /// The event's hash.
    pub hash: String,
    /// The global chain's hash after it.
    pub global_hash: String,
}

fn canonical_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl Store {
    /// Every event row of a case, in order, as the archive keeps it.
    pub async fn archived_events(&self, id: &CaseId) -> Result<Vec<ArchivedEvent>> {
        Ok(event::Entity::find()
            .filter(event::Column::CaseId.eq(id.to_string()))
            .order_by_asc(event::Column::Sequence)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| ArchivedEvent {
                case_id: r.case_id,
                sequence: r.sequence,
                global_seq: r.global_seq,
                event_type: r.event_type,
                event_version: r.event_version,
                payload: r.payload,
                payload_digest: r.payload_digest,
                payload_salt: r.payload_salt,
                actor_id: r.actor_id,
                actor_role: r.actor_role,
                occurred_at: canonical_time(r.occurred_at),
                recorded_at: canonical_time(r.recorded_at),
                prev_hash: r.prev_hash,
                hash: r.hash,
                global_hash: r.global_hash,
            })
            .collect())
    }

    /// The global chain's links `from..=to` (global sequences), in order.
    pub async fn global_links(&self, from: i64, to: i64) -> Result<Vec<GlobalLink>> {
        Ok(event::Entity::find()
            .filter(event::Column::GlobalSeq.between(from, to))
            .order_by_asc(event::Column::GlobalSeq)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| GlobalLink {
                global_seq: r.global_seq,
                hash: r.hash,
                global_hash: r.global_hash,
            })
            .collect())
    }

    /// The cases closed in `[from, until)`, of `kind` if given, in id order.
    pub async fn closed_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        kind: Option<&str>,
    ) -> Result<Vec<CaseId>> {
        let mut query = cases::Entity::find()
            .filter(cases::Column::IsClosed.eq(true))
            .filter(cases::Column::ClosedAt.gte(from))
            .filter(cases::Column::ClosedAt.lt(until));
        if let Some(kind) = kind {
            query = query.filter(cases::Column::Kind.eq(kind));
        }
        Ok(query
            .order_by_asc(cases::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|c| CaseId::parse(&c.id))
            .collect())
    }

    /// The names a case's documents carry: (case number, unit, organisation).
    pub async fn case_names(
        &self,
        id: &CaseId,
        case: &varna_workflow::Case,
    ) -> Result<(String, String, String)> {
        let c = crate::documents::context(&self.db, id, case, Utc::now(), false).await?;
        Ok((c.case_number, c.unit_name, c.organisation))
    }
}
