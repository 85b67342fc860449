//! `case_person`: the affected person's personnummer, apart from case text.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_person")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_id: String,
    pub personnummer: String,
    /// The case's `opened_epoch`, so "the same person within 90 days" is one
    /// index range.
    pub opened_epoch: i64,
    /// The commitment's salt (hex), `None` on rows from before commitments.
    pub salt: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
