//! `case_person.salt`: the random salt of the commitment to the
//! personnummer that a case's filing event carries (`person`). Rows from
//! before it keep no salt: their personnummer were filed without a
//! commitment, and `audit verify` counts them as unproven.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum CasePerson {
    Table,
    Salt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CasePerson::Table)
                    .add_column(ColumnDef::new(CasePerson::Salt).string().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CasePerson::Table)
                    .drop_column(CasePerson::Salt)
                    .to_owned(),
            )
            .await
    }
}
