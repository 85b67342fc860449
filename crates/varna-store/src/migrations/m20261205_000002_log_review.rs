//! `log_review`: the record that the access log was checked (loggkontroll,
//! the systematic check the law asks for): who checked which period, when, how many findings
//! there were and what was followed up. Append-only.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum LogReview {
    Table,
    Id,
    ReviewedBy,
    ReviewedAt,
    PeriodFrom,
    PeriodTo,
    Findings,
    Note,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LogReview::Table)
                    .col(
                        ColumnDef::new(LogReview::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(LogReview::ReviewedBy).string().not_null())
                    .col(
                        ColumnDef::new(LogReview::ReviewedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LogReview::PeriodFrom)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LogReview::PeriodTo)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(LogReview::Findings).big_integer().not_null())
                    .col(ColumnDef::new(LogReview::Note).text().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LogReview::Table).to_owned())
            .await
    }
}
