//! Forward-only schema migrations, one file each, in sea-orm-migration's
//! portable DSL so the same set runs on SQLite and PostgreSQL. A migration
//! that has been released is never edited; a change is a new file.

use sea_orm_migration::prelude::*;

mod m20261122_000001_initial;
mod m20261123_000001_delivery;
pub(crate) mod m20261123_000002_report;
mod m20261204_000001_revocation;
pub(crate) mod m20261205_000001_swedish_calendar;
mod m20261205_000002_log_review;
mod m20261205_000003_access_chain;
mod m20261205_000004_person_commitment;
mod m20261205_000005_document;
mod m20261205_000006_work_look;
pub(crate) mod m20261205_000007_search_text;
mod m20261205_000008_draft;
mod m20261205_000009_attachment;
mod m20261205_000010_outbox_recipient;
mod m20261206_000001_org_change;
mod m20261206_000002_import_file;
mod m20261207_000001_receipt;
mod m20261208_000001_payload_digest;

/// All migrations, in order.
#[derive(Debug)]
pub(crate) struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_initial::Migration),
            Box::new(m20261123_000001_delivery::Migration),
            Box::new(m20261123_000002_report::Migration),
            Box::new(m20261204_000001_revocation::Migration),
            Box::new(m20261205_000001_swedish_calendar::Migration),
            Box::new(m20261205_000002_log_review::Migration),
            Box::new(m20261205_000003_access_chain::Migration),
            Box::new(m20261205_000004_person_commitment::Migration),
            Box::new(m20261205_000005_document::Migration),
            Box::new(m20261205_000006_work_look::Migration),
            Box::new(m20261205_000007_search_text::Migration),
            Box::new(m20261205_000008_draft::Migration),
            Box::new(m20261205_000009_attachment::Migration),
            Box::new(m20261205_000010_outbox_recipient::Migration),
            Box::new(m20261206_000001_org_change::Migration),
            Box::new(m20261206_000002_import_file::Migration),
            Box::new(m20261207_000001_receipt::Migration),
            Box::new(m20261208_000001_payload_digest::Migration),
        ]
    }
}
