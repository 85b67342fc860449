//! `case_tally`: pre-aggregated counts for the quality report (projection).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_tally")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub lagrum: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub dimension: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub value: String,
    pub n: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
