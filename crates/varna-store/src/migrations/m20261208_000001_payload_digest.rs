//! `event.payload_digest`: `sha256:` and hex of a random salt and the
//! payload's canonical JSON, which a version 2 event's hash commits to
//! instead of the payload itself, so that personal content can be disposed
//! of (gallring) and every link still verifies; `event.payload_salt`, that
//! salt, removed with the content. Version 1 events (written before) keep their hash
//! over the payload and need no value here until a disposal records one;
//! nothing already stored is rewritten, so a database migrates without
//! touching its chains.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Event {
    Table,
    PayloadDigest,
    PayloadSalt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Event::Table)
                    .add_column(ColumnDef::new(Event::PayloadDigest).string().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Event::Table)
                    .add_column(ColumnDef::new(Event::PayloadSalt).string().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Event::Table)
                    .drop_column(Event::PayloadSalt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Event::Table)
                    .drop_column(Event::PayloadDigest)
                    .to_owned(),
            )
            .await
    }
}
