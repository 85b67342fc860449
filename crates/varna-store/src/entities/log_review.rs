//! `log_review`: a recorded check of the access log. Append-only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "log_review")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub reviewed_by: String,
    pub reviewed_at: DateTimeUtc,
    pub period_from: DateTimeUtc,
    pub period_to: DateTimeUtc,
    pub findings: i64,
    #[sea_orm(column_type = "Text")]
    pub note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
