//! `document`: the documents a step froze (the anmälan to IVO, the
//! utredning as sent), kept as the bytes handed out ever after; the event
//! of that step names each by its SHA-256. Append-only.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)] // the column is `document_id`
enum Document {
    Table,
    CaseId,
    Sequence,
    DocumentId,
    Digest,
    Content,
    FrozenAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Document::Table)
                    .col(ColumnDef::new(Document::CaseId).string().not_null())
                    .col(ColumnDef::new(Document::Sequence).big_integer().not_null())
                    .col(ColumnDef::new(Document::DocumentId).string().not_null())
                    .col(ColumnDef::new(Document::Digest).string().not_null())
                    .col(ColumnDef::new(Document::Content).binary().not_null())
                    .col(
                        ColumnDef::new(Document::FrozenAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(Document::CaseId)
                            .col(Document::Sequence)
                            .col(Document::DocumentId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Document::Table).to_owned())
            .await
    }
}
