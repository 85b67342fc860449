//! The organisation administered in Varna: `unit.closed_at` (a closed unit
//! takes no new cases, its history stays), and `org_change`, the
//! append-only record of every unit and verksamhetsområde added, renamed,
//! moved, closed or reopened, on its own hash chain ending in `org_head`.
//! The record also tells the quality report which verksamhetsområde a
//! unit belonged to in an earlier year.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Unit {
    Table,
    ClosedAt,
}

#[derive(DeriveIden)]
enum OrgChange {
    Table,
    Seq,
    Change,
    Subject,
    Name,
    AreaId,
    FromAreaId,
    ActorId,
    ActorRole,
    At,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum OrgHead {
    Table,
    Id,
    Seq,
    Hash,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Unit::Table)
                    .add_column(
                        ColumnDef::new(Unit::ClosedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrgChange::Table)
                    .col(
                        ColumnDef::new(OrgChange::Seq)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(OrgChange::Change).string().not_null())
                    .col(ColumnDef::new(OrgChange::Subject).string().not_null())
                    .col(ColumnDef::new(OrgChange::Name).string().not_null())
                    .col(ColumnDef::new(OrgChange::AreaId).string().not_null())
                    .col(ColumnDef::new(OrgChange::FromAreaId).string().not_null())
                    .col(ColumnDef::new(OrgChange::ActorId).string().not_null())
                    .col(ColumnDef::new(OrgChange::ActorRole).string().not_null())
                    .col(
                        ColumnDef::new(OrgChange::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(OrgChange::PrevHash).string().not_null())
                    .col(ColumnDef::new(OrgChange::Hash).string().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("org_change_subject")
                    .table(OrgChange::Table)
                    .col(OrgChange::Subject)
                    .col(OrgChange::Seq)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrgHead::Table)
                    .col(
                        ColumnDef::new(OrgHead::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(OrgHead::Seq).big_integer().not_null())
                    .col(ColumnDef::new(OrgHead::Hash).string().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(OrgHead::Table)
                    .columns([OrgHead::Id, OrgHead::Seq, OrgHead::Hash])
                    .values_panic([1.into(), 0i64.into(), varna_chain::GENESIS.into()])
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OrgHead::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(OrgChange::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Unit::Table)
                    .drop_column(Unit::ClosedAt)
                    .to_owned(),
            )
            .await
    }
}
