//! `attachment`: the bytes of the files added to cases (photos, scanned
//! letters); the `attachment_added` event names each by its SHA-256.
//! Append-only.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Attachment {
    Table,
    CaseId,
    Id,
    MediaType,
    Digest,
    Content,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attachment::Table)
                    .col(ColumnDef::new(Attachment::CaseId).string().not_null())
                    .col(ColumnDef::new(Attachment::Id).string().not_null())
                    .col(ColumnDef::new(Attachment::MediaType).string().not_null())
                    .col(ColumnDef::new(Attachment::Digest).string().not_null())
                    .col(ColumnDef::new(Attachment::Content).binary().not_null())
                    .primary_key(Index::create().col(Attachment::CaseId).col(Attachment::Id))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Attachment::Table).to_owned())
            .await
    }
}
