//! `event`: the append-only log. Never deleted; a row is updated only
//! by a disposal (gallring), which replaces its payload with what is kept
//! and records the change in a `content_disposed` event.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sequence: i64,
    pub global_seq: i64,
    pub event_type: String,
    pub event_version: i32,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// `sha256:` and hex of the salt and the payload's canonical JSON as
    /// the event was written: what a version 2 event's hash covers. `None`
    /// on a version 1 event until a disposal records it.
    pub payload_digest: Option<String>,
    /// The random salt of `payload_digest` (hex), removed by a disposal.
    pub payload_salt: Option<String>,
    pub actor_id: String,
    pub actor_role: String,
    pub occurred_at: DateTimeUtc,
    pub recorded_at: DateTimeUtc,
    pub prev_hash: String,
    pub hash: String,
    pub global_hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
