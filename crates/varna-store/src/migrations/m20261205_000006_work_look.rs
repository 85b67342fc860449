//! `work_look`: when each person last looked at their work list, so that
//! what changed since their previous visit can be marked as new. A visit
//! is a run of looks less than a gap apart; `previous_at` is when the
//! previous visit ended.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum WorkLook {
    Table,
    UserId,
    LastAt,
    PreviousAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkLook::Table)
                    .col(
                        ColumnDef::new(WorkLook::UserId)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(WorkLook::LastAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WorkLook::PreviousAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WorkLook::Table).to_owned())
            .await
    }
}
