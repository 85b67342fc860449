//! Delivery of notifications: one row per notification and channel
//! (webhook, e-mail), with its attempts, lease and dead-letter state. The
//! `outbox` row stays the record of what was to be told; `delivery` tracks
//! getting it there. docs/storage.md ("Tables") describes both.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Delivery {
    Table,
    NotificationId,
    Channel,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    DeliveredAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    CaseId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let instant = |iden: Delivery| {
            ColumnDef::new(iden)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(Delivery::Table)
                    .col(ColumnDef::new(Delivery::NotificationId).string().not_null())
                    .col(ColumnDef::new(Delivery::Channel).string().not_null())
                    .col(ColumnDef::new(Delivery::Status).string().not_null())
                    .col(ColumnDef::new(Delivery::Attempts).integer().not_null())
                    .col(instant(Delivery::NextAttemptAt))
                    .col(
                        ColumnDef::new(Delivery::LeaseUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(Delivery::LastError).string().null())
                    .col(
                        ColumnDef::new(Delivery::DeliveredAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(instant(Delivery::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Delivery::NotificationId)
                            .col(Delivery::Channel),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_delivery_due")
                    .table(Delivery::Table)
                    .col(Delivery::Status)
                    .col(Delivery::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_case")
                    .table(Outbox::Table)
                    .col(Outbox::CaseId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Varna's migrations are forward-only: restore a backup to go back".into(),
        ))
    }
}
