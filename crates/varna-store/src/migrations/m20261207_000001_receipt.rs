//! `receipt`: the public form's receipt codes, by the SHA-256 of the code
//! (the code itself is shown once to the sender and never stored), with
//! the case it opens and the sender's actor id.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Receipt {
    Table,
    CodeHash,
    CaseId,
    SenderId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Receipt::Table)
                    .col(
                        ColumnDef::new(Receipt::CodeHash)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Receipt::CaseId).string().not_null())
                    .col(ColumnDef::new(Receipt::SenderId).string().not_null())
                    .col(
                        ColumnDef::new(Receipt::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("receipt_case")
                    .table(Receipt::Table)
                    .col(Receipt::CaseId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Receipt::Table).to_owned())
            .await
    }
}
