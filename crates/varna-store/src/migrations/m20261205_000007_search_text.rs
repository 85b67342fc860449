//! `cases.search_text`: the case's free text, lower-cased, for search —
//! the text fields that do not identify a person. Filled for existing
//! cases by a projection refill right after this migration.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

/// This migration's name, which `backend::connect` looks for among the
/// pending ones.
pub(crate) const NAME: &str = "m20261205_000007_search_text";

#[derive(DeriveIden)]
enum Cases {
    Table,
    SearchText,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .add_column(ColumnDef::new(Cases::SearchText).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .drop_column(Cases::SearchText)
                    .to_owned(),
            )
            .await
    }
}
