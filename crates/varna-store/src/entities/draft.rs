//! `draft`: a form's text kept across a sign-in that ended.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "draft")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// The page the form is on.
    #[sea_orm(primary_key, auto_increment = false)]
    pub page: String,
    /// Where the form posts.
    pub action: String,
    /// The fields as typed, a JSON object.
    #[sea_orm(column_type = "Text")]
    pub fields: String,
    pub saved_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
