//! The report's counts (`case_tally`) count a case in the year and month
//! it was filed in Swedish time, no longer UTC (a case filed at 00:30 on
//! 1 January belongs to the new year). No table changes; a database that
//! had cases before this migration gets its projections rebuilt from the
//! event log when it is first opened (`backend::connect`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

/// This migration's name, which `backend::connect` looks for among the
/// pending ones.
pub(crate) const NAME: &str = "m20261205_000001_swedish_calendar";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
