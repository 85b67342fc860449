//! `journal_entry`: the attributed utredning journal (projection).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "journal_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub sequence: i64,
    pub topic: String,
    pub entry_kind: String,
    pub documented_on: Date,
    #[sea_orm(column_type = "Text")]
    pub source: String,
    pub author_name: String,
    pub author_title: String,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    pub recorded_by: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
