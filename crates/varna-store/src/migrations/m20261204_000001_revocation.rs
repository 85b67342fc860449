//! Revoked sign-ins: a web session or token ended before it expired, or
//! every sign-in of a person issued before a moment (an administrator
//! ended their sessions). Every server reads the table, so a revocation
//! holds across several servers on one database. A row may go once
//! `until` has passed: whatever it revoked has expired by then.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Revocation {
    Table,
    Kind,
    Subject,
    RevokedAt,
    Until,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Revocation::Table)
                    .col(ColumnDef::new(Revocation::Kind).string().not_null())
                    .col(ColumnDef::new(Revocation::Subject).string().not_null())
                    .col(
                        ColumnDef::new(Revocation::RevokedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Revocation::Until)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(Revocation::Kind)
                            .col(Revocation::Subject),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Revocation::Table).to_owned())
            .await
    }
}
