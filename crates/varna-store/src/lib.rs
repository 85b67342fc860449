//! Varna's store: every command accepted by the workflow engine is appended
//! to an append-only, hash-chained event log and reflected in the read
//! projections in one transaction, on SQLite (default) or PostgreSQL.
//!
//! Architecture invariant: this is the only crate that names `sea_orm` or
//! writes SQL. Its public API speaks in `varna_workflow` types and the view
//! structs of `queries`, never in entities.
//!
//! - [`Store::file_case`], [`Store::execute`]: the atomic command path ([`commands`]).
//! - [`Store::verify_audit`]: walk both hash chains ([`audit`]).
//! - [`Store::rebuild_projections`]: recompute every projection from the log.
//! - [`Store::case`], [`Store::history`], [`Store::cases`], …: reads ([`queries`]).
//! - [`Store::record_access`]: the access log.
#![forbid(unsafe_code)]

mod access;
mod archive;
pub mod audit;
mod backend;
mod backup;
mod changes;
mod commands;
mod deadlines;
mod definitions;
mod delivery;
mod documents;
mod drafts;
#[allow(unreachable_pub)] // sea-orm derives `pub` items inside the private module
mod entities;
mod error;
mod gauges;
mod import;
mod in_place;
mod looks;
mod migrations;
mod org;
mod organisation;
mod person;
// Bench-only: the raw single-row yardstick, for `varna-bench` alone.
#[cfg(feature = "probe")]
mod probe;
mod projections;
pub mod queries;
mod rebuild;
mod receipts;
mod report;
mod retention;
pub mod review;
mod revocation;
mod tally;
mod wal;
mod writes;

/// The canonical event encoding and the hash chains (the `varna-chain` crate).
pub use varna_chain as chain;

use std::fmt;

use sea_orm::{DatabaseBackend, DatabaseConnection};
use varna_workflow::Catalog;

pub use access::{AccessFilter, AccessRecord, NewAccess};
pub use archive::{ArchivedEvent, GlobalLink};
pub use backend::StoreConfig;
pub use changes::CaseChange;
pub use commands::{Applied, CommandOptions, Disclosed, Disposal, Disposed};
pub use deadlines::{SCHEDULER_ID, SweepReport};
pub use delivery::{ClaimedDelivery, DeliveryCount, DeliveryRow, Notification, RetryPolicy};
pub use documents::{DocumentCheck, StoredAttachment, StoredDocument};
pub use drafts::{DRAFT_DAYS, Draft};
pub use error::{Error, Result};
pub use gauges::Gauges;
pub use import::{ImportedCase, ImportedFile};
pub use looks::VISIT_GAP;
pub use org::{NewUnit, NewUser, RolePerson};
pub use organisation::{
    AreaEntry, DEFAULT_ORGANISATION, OrgChange, OrgEdit, OrgRefusal, UnitEntry, valid_code,
};
pub use person::PersonCheck;
pub use rebuild::{ProjectionCheck, RebuildReport, TableDifference};
pub use receipts::Receipt;
pub use report::{REPEAT_WINDOW_DAYS, ReportReader};
pub use retention::{DisposalRecord, Planned, PlannedRule};
pub use revocation::{Revocation, RevocationKind};
pub use varna_report::input::{ReportData, Scope as ReportScope};

/// A case's id: a UUID v7 (time-ordered), written hyphenated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaseId(uuid::Uuid);

impl CaseId {
    /// A fresh id, ordered by the time it is made.
    pub fn generate() -> Self {
        CaseId(uuid::Uuid::now_v7())
    }

    /// Parses an id; `None` if it is not a UUID.
    pub fn parse(text: &str) -> Option<CaseId> {
        uuid::Uuid::parse_str(text).ok().map(CaseId)
    }

    /// The case number people read and quote: the id's last eight hex
    /// digits, in capitals. Ids are UUIDv7, whose leading digits are a
    /// timestamp shared by cases filed close together; the trailing ones
    /// are random.
    pub fn number(&self) -> String {
        let hex = self.0.simple().to_string();
        hex[hex.len() - 8..].to_uppercase()
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A connection pool plus the workflow definitions the store decides with.
#[derive(Debug)]
pub struct Store {
    db: DatabaseConnection,
    /// What commands write through: on a SQLite file a connection of its
    /// own (see [`backend::connect_writer`]), else the pool.
    writer: DatabaseConnection,
    definitions: definitions::Definitions,
    changes: changes::Changes,
    access: access::AccessWriter,
    /// Commands waiting for the writer, and the slot (group commit).
    group: commands::Group,
    /// The SQLite file, when the store is one (`audit verify` reads it in
    /// place, `projections rebuild` writes it in place); `None` on
    /// PostgreSQL and for a database in memory.
    file: Option<in_place::File>,
    /// On a SQLite file, the task that checkpoints the log after commits.
    checkpoints: wal::Checkpoints,
}

impl Store {
    /// Connects (creating a SQLite file if needed), applies pending
    /// migrations and registers the current workflow definitions.
    pub async fn open(config: &StoreConfig, catalog: &Catalog) -> Result<Store> {
        let mut store = Store::connect(config).await?;
        if store.backend() == Backend::Postgres {
            store.changes.listen_to(&config.url);
        }
        store.definitions.register(&store.db, catalog).await?;
        tracing::info!(database = %config.redacted_url(), workflows = catalog.len(), "store ready");
        Ok(store)
    }

    /// Connects and migrates without registering definitions: for maintenance
    /// commands (`audit verify`, `projections rebuild`) that only need the
    /// definitions saved in the database.
    pub async fn connect(config: &StoreConfig) -> Result<Store> {
        let (db, fill_projections) = backend::connect(config).await?;
        let file = backend::sqlite_file(config);
        let (writer, checkpoints) = match file {
            Some(_) => (
                backend::connect_writer(config).await?,
                wal::Checkpoints::spawn(db.clone()),
            ),
            None => (db.clone(), wal::Checkpoints::default()),
        };
        let store = Store {
            // The access log's rows go through the same connection as the
            // commands: SQLite takes one writer at a time anyway, and so
            // they queue for it rather than retry on a busy lock, and
            // neither drops the other's page cache.
            access: access::AccessWriter::spawn(writer.clone(), checkpoints.clone()),
            writer,
            db,
            definitions: definitions::Definitions::default(),
            changes: changes::Changes::new(),
            group: commands::Group::default(),
            file,
            checkpoints,
        };
        if fill_projections {
            tracing::info!("filling the new report projections from the event log");
            store
                .rebuild_projections(|r| tracing::info!(cases = r.cases, "rebuilding projections"))
                .await?;
        }
        Ok(store)
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self.db.get_database_backend() {
            DatabaseBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// The names of the lifecycles new cases can be filed under.
    pub fn workflows(&self) -> Vec<String> {
        self.definitions.names()
    }

    /// The current definition of a lifecycle.
    pub fn definition(
        &self,
        name: &str,
    ) -> Result<std::sync::Arc<varna_workflow::WorkflowDefinition>> {
        self.definitions.current(name)
    }

    /// The current definitions as a catalog (for labels).
    pub fn catalog(&self) -> Result<Catalog> {
        let defs: Vec<_> = self
            .definitions
            .names()
            .iter()
            .filter_map(|n| self.definitions.current(n).ok())
            .collect();
        Catalog::from_sources(defs.iter().map(|d| (d.name(), d.source.as_str())))
            .map_err(|e| Error::Corrupt(format!("registered definitions: {e}")))
    }

    /// The definition a case is pinned to (by content hash).
    pub async fn definition_by_hash(
        &self,
        hash: &str,
    ) -> Result<std::sync::Arc<varna_workflow::WorkflowDefinition>> {
        self.definitions.by_hash(&self.db, hash).await
    }

    /// A live feed of every event appended from now on, by this server or
    /// (on PostgreSQL) any other on the same database. See [`CaseChange`].
    pub fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<CaseChange> {
        self.changes.subscribe()
    }

    /// Waits (at most `timeout`) until change notices flow: at once on
    /// SQLite, once the `LISTEN` connection is up on PostgreSQL.
    pub async fn changes_ready(&self, timeout: std::time::Duration) -> bool {
        self.changes.ready(timeout).await
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        self.db.ping().await?;
        Ok(())
    }

    /// Brings the planner's statistics up to date after a bulk load (an
    /// import, a rebuild of the projections). On PostgreSQL this is
    /// `ANALYZE`: until autovacuum comes to a freshly filled table the
    /// planner takes it for nearly empty, and a page of twenty cases of a
    /// unit was read by sorting all of the unit's cases (4.3 ms against
    /// 0.4 ms with statistics, BENCHMARKS.md). SQLite keeps no statistics
    /// unless asked, and plans Varna's queries from its indexes alone; it
    /// is left as it is. A failure is logged, not returned: what was
    /// loaded is committed, and autovacuum analyses the tables in time.
    pub async fn refresh_statistics(&self) {
        use sea_orm::ConnectionTrait;
        if self.db.get_database_backend() != sea_orm::DbBackend::Postgres {
            return;
        }
        if let Err(e) = self.db.execute_unprepared("ANALYZE").await {
            tracing::warn!(
                error = %e,
                "the planner's statistics were not refreshed; autovacuum will"
            );
        }
    }

    /// Closes the pool and the writer's connection.
    pub async fn close(self) -> Result<()> {
        self.checkpoints.stop();
        // Where the writer is the pool itself, closing it twice is closing
        // it once.
        self.writer.close().await?;
        self.db.close().await?;
        Ok(())
    }
}
