//! `draft`: what a person had typed into a form when their sign-in ended,
//! kept so that signing in again brings them back to the form with it —
//! one per person and page, for a week at most, removed when used.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Draft {
    Table,
    UserId,
    Page,
    Action,
    Fields,
    SavedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Draft::Table)
                    .col(ColumnDef::new(Draft::UserId).string().not_null())
                    .col(ColumnDef::new(Draft::Page).string().not_null())
                    .col(ColumnDef::new(Draft::Action).string().not_null())
                    .col(ColumnDef::new(Draft::Fields).text().not_null())
                    .col(
                        ColumnDef::new(Draft::SavedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(Index::create().col(Draft::UserId).col(Draft::Page))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Draft::Table).to_owned())
            .await
    }
}
