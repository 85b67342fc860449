//! `cases`: the read projection of a case, with its full snapshot as JSON.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub kind: String,
    pub workflow_version: i32,
    pub workflow_hash: String,
    pub lagrum: String,
    pub unit_id: String,
    pub state: String,
    pub is_closed: bool,
    pub outcome: Option<String>,
    pub affected_gender: Option<String>,
    pub category: Option<String>,
    pub opened_at: DateTimeUtc,
    /// `opened_at` in whole seconds since 1970 (for day arithmetic in SQL).
    pub opened_epoch: i64,
    pub closed_at: Option<DateTimeUtc>,
    pub next_due_at: Option<DateTimeUtc>,
    pub filed_by: String,
    pub version: i64,
    pub updated_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub snapshot: String,
    /// The free text people search (`projections::search_text`).
    #[sea_orm(column_type = "Text", nullable)]
    pub search_text: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
