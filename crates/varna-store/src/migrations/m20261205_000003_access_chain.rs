//! The access log gets its own hash chain, so that a deleted read shows:
//! `chain_seq`, `prev_hash` and `hash` on each row written from now on
//! (rows from before stay unchained: nothing committed to them), and the
//! chain's end in `access_head`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum AccessLog {
    Table,
    ChainSeq,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AccessHead {
    Table,
    Id,
    Seq,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for column in [
            ColumnDef::new(AccessLog::ChainSeq)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(AccessLog::PrevHash)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(AccessLog::Hash).string().null().to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AccessLog::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("access_log_chain_seq")
                    .table(AccessLog::Table)
                    .col(AccessLog::ChainSeq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccessHead::Table)
                    .col(
                        ColumnDef::new(AccessHead::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AccessHead::Seq).big_integer().not_null())
                    .col(ColumnDef::new(AccessHead::Hash).string().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AccessHead::Table)
                    .columns([AccessHead::Id, AccessHead::Seq, AccessHead::Hash])
                    .values_panic([1.into(), 0i64.into(), varna_chain::GENESIS.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AccessHead::Table).to_owned())
            .await
    }
}
