//! The quality report's projections: `case_tally`, pre-aggregated counts
//! kept in the same transaction as every command (docs/storage.md,
//! "Tables"), and `cases.opened_epoch` so "an earlier case within 90 days"
//! is integer arithmetic on both backends (also on `case_person`, filled
//! from `cases`). Existing rows are filled by the projection rebuild the
//! store runs right after this migration.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum CaseTally {
    Table,
    Year,
    Month,
    UnitId,
    Kind,
    Lagrum,
    Dimension,
    Value,
    N,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    Kind,
    OpenedEpoch,
    UnitId,
    Category,
}

#[derive(DeriveIden)]
enum CasePerson {
    Table,
    CaseId,
    Personnummer,
    OpenedEpoch,
}

/// The name the store looks for to know that the new projections need
/// filling from the event log.
pub(crate) const NAME: &str = "m20261123_000002_report";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let text = |iden: CaseTally| ColumnDef::new(iden).string().not_null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(CaseTally::Table)
                    .col(ColumnDef::new(CaseTally::Year).integer().not_null())
                    .col(ColumnDef::new(CaseTally::Month).integer().not_null())
                    .col(text(CaseTally::UnitId))
                    .col(text(CaseTally::Kind))
                    .col(text(CaseTally::Lagrum))
                    .col(text(CaseTally::Dimension))
                    .col(text(CaseTally::Value))
                    .col(ColumnDef::new(CaseTally::N).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(CaseTally::Year)
                            .col(CaseTally::UnitId)
                            .col(CaseTally::Kind)
                            .col(CaseTally::Lagrum)
                            .col(CaseTally::Dimension)
                            .col(CaseTally::Value)
                            .col(CaseTally::Month),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Cases::Table)
                    .add_column(
                        ColumnDef::new(Cases::OpenedEpoch)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_case_unit_category_epoch")
                    .table(Cases::Table)
                    .col(Cases::UnitId)
                    .col(Cases::Category)
                    .col(Cases::OpenedEpoch)
                    // Covering: the repeat search reads no case rows.
                    .col(Cases::Id)
                    .col(Cases::Kind)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CasePerson::Table)
                    .add_column(
                        ColumnDef::new(CasePerson::OpenedEpoch)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_case_person_personnummer")
                    .table(CasePerson::Table)
                    .col(CasePerson::Personnummer)
                    .col(CasePerson::OpenedEpoch)
                    .col(CasePerson::CaseId)
                    .to_owned(),
            )
            .await?;
        // Covering for the earlier case of a same-person repeat.
        manager
            .create_index(
                Index::create()
                    .name("ix_case_id_epoch_kind")
                    .table(Cases::Table)
                    .col(Cases::Id)
                    .col(Cases::OpenedEpoch)
                    .col(Cases::Kind)
                    .to_owned(),
            )
            .await?;
        // The whole-organisation report reads one year's rows of a few
        // dimensions from this index alone.
        manager
            .create_index(
                Index::create()
                    .name("ix_tally_year_dimension")
                    .table(CaseTally::Table)
                    .col(CaseTally::Year)
                    .col(CaseTally::Dimension)
                    .col(CaseTally::UnitId)
                    .col(CaseTally::Kind)
                    .col(CaseTally::Lagrum)
                    .col(CaseTally::Value)
                    .col(CaseTally::Month)
                    .col(CaseTally::N)
                    .to_owned(),
            )
            .await
    }
}
