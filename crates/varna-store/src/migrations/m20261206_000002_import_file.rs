//! `import_file`: each file `varna import` brought in, by the SHA-256 of
//! its bytes, so the same file is never imported twice.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum ImportFile {
    Table,
    Digest,
    Name,
    Cases,
    Skipped,
    ActorId,
    ImportedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportFile::Table)
                    .col(
                        ColumnDef::new(ImportFile::Digest)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(ImportFile::Name).string().not_null())
                    .col(ColumnDef::new(ImportFile::Cases).big_integer().not_null())
                    .col(ColumnDef::new(ImportFile::Skipped).big_integer().not_null())
                    .col(ColumnDef::new(ImportFile::ActorId).string().not_null())
                    .col(
                        ColumnDef::new(ImportFile::ImportedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportFile::Table).to_owned())
            .await
    }
}
