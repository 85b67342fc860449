//! Connecting to SQLite or PostgreSQL, and the one place that knows how they
//! differ: SQLite gets WAL, foreign keys, a busy timeout and `BEGIN IMMEDIATE`
//! writers; PostgreSQL serialises writers with a row lock on the chain head.

use std::time::Duration;

use sea_orm::sea_query::Expr;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, SqliteTransactionMode,
    TransactionOptions, TransactionTrait, UpdateMany,
};
use sea_orm_migration::MigratorTrait;

use crate::entities::{audit_head, cases};
use crate::error::{Error, Result};
use crate::migrations::Migrator;

/// How the store connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// `sqlite://varna.db?mode=rwc` or `postgres://user@host:port/db`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
    /// SQLite only: `FULL` (default; an acknowledged write survives power
    /// loss) or `NORMAL` (survives a crash of the process, not of the machine).
    pub sqlite_synchronous_full: bool,
    /// SQLite only: each connection's page cache in MiB (`PRAGMA
    /// cache_size`); `None` keeps SQLite's default of about 2 MiB. A bulk
    /// import into a large database gives it hundreds, so that the
    /// indexes it inserts into are not read from the file again and again.
    pub sqlite_cache_mib: Option<u32>,
}

impl StoreConfig {
    /// A configuration with the defaults for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        StoreConfig {
            url: url.into(),
            max_connections: 8,
            sqlite_synchronous_full: true,
            sqlite_cache_mib: None,
        }
    }

    /// The URL with any password replaced by `***`, for logs.
    pub fn redacted_url(&self) -> String {
        redact(&self.url)
    }
}

fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            if credentials.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                url.to_owned()
            }
        }
        None => url.to_owned(),
    }
}

/// How a pool's connections are used.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    /// Every read and the maintenance work: migrations, imports, reports.
    Pool,
    /// Commands and the access log only (see [`connect_writer`]).
    Writer,
}

/// The pool's options: `connections` at most, SQLite's pragmas.
fn options(config: &StoreConfig, connections: u32, used: Use) -> ConnectOptions {
    let mut options = ConnectOptions::new(config.url.clone());
    options
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(30))
        // No idle reaping or lifetime recycling: sqlx 0.9's reaper loops
        // over its idle count, which a release racing an acquire can leave
        // wrapped below zero for an instant — a loop without end that once
        // hung a test run. The pool keeps the connections it opens instead
        // (so no minimum is needed: one asked for would be opened by a
        // background task racing the migrations for SQLite's lock).
        .min_connections(0)
        .idle_timeout(None::<Duration>)
        .max_lifetime(None::<Duration>)
        .sqlx_logging(false);
    // sqlx pings a connection each time the pool hands it out: one more
    // round trip to the driver's worker thread for every transaction and
    // every query. A SQLite connection is a file handle with no other end
    // to hang up, so it is not pinged. (A PostgreSQL connection can be cut
    // by a restart or a firewall, and pinging it only when idle measured
    // no faster: it is pinged as before.)
    if config.url.starts_with("sqlite:") {
        options.test_before_acquire(false);
    }
    let synchronous = if config.sqlite_synchronous_full {
        SqliteSynchronous::Full
    } else {
        SqliteSynchronous::Normal
    };
    let cache = config.sqlite_cache_mib;
    options.map_sqlx_sqlite_opts(move |o| {
        let o = o
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .foreign_keys(true)
            // Deleted and overwritten content is zeroed in the file, so
            // what a disposal (gallring) removes cannot be read back.
            .pragma("secure_delete", "on")
            .busy_timeout(Duration::from_secs(30))
            .create_if_missing(true);
        let o = match cache {
            // A negative cache_size is in KiB.
            Some(mib) => o.pragma("cache_size", format!("-{}", u64::from(mib) * 1024)),
            None => o,
        };
        match used {
            // Each command of a group runs after a savepoint, whose journal
            // of the pages the command changed goes to a temporary file once
            // it outgrows 64 KiB: it is kept in memory instead. Only the
            // writer: its temporary data is at most one command's pages,
            // where the pool's (a migration's index built, a large sort)
            // could be the size of the database.
            //
            // Its commits leave the log's checkpoints to a task beside
            // them (see `wal.rs`), and checkpoint themselves only past a
            // backstop.
            Use::Writer => o
                .pragma("temp_store", "memory")
                .pragma("wal_autocheckpoint", crate::wal::BACKSTOP_PAGES.to_string()),
            Use::Pool => o,
        }
    });
    options
}

/// Opens a pool and applies every pending migration. The flag says that a
/// migration added projections that existing cases must be rebuilt into.
pub(crate) async fn connect(config: &StoreConfig) -> Result<(DatabaseConnection, bool)> {
    let db = Database::connect(options(config, config.max_connections, Use::Pool)).await?;
    let pending = Migrator::get_pending_migrations(&db).await?;
    if !pending.is_empty() {
        tracing::info!(pending = pending.len(), "applying database migrations");
    }
    // Migrations after which the projections are refilled from the log:
    // the report's tables, their move to Swedish time, and the search text.
    let refills = [
        crate::migrations::m20261123_000002_report::NAME,
        crate::migrations::m20261205_000001_swedish_calendar::NAME,
        crate::migrations::m20261205_000007_search_text::NAME,
    ];
    let adds_projections = pending.iter().any(|m| refills.contains(&m.name()));
    Migrator::up(&db, None).await?;
    let has_cases = adds_projections && cases::Entity::find().one(&db).await?.is_some();
    Ok((db, has_cases))
}

/// The connection commands write through on a SQLite file: one of its
/// own, kept open. SQLite drops a connection's page cache whenever another
/// connection has written since it last read, and a pool hands its
/// connections out in turn, so through the pool nearly every command read
/// the pages it touches from the file again; the writer's own commits
/// leave its cache as it is. (On PostgreSQL, and for a database in
/// memory, where a second pool would be another database, commands use
/// the pool itself.)
pub(crate) async fn connect_writer(config: &StoreConfig) -> Result<DatabaseConnection> {
    Ok(Database::connect(options(config, 1, Use::Writer)).await?)
}

/// The SQLite file `config` names, once connected (so it exists); `None`
/// for PostgreSQL and for a database in memory.
pub(crate) fn sqlite_file(config: &StoreConfig) -> Option<crate::in_place::File> {
    if !config.url.starts_with("sqlite:") || config.url.contains("mode=memory") {
        return None;
    }
    let options: SqliteConnectOptions = config.url.parse().ok()?;
    let path = options.get_filename();
    path.is_file().then(|| crate::in_place::File {
        path: path.to_path_buf(),
        cache_mib: config.sqlite_cache_mib,
        synchronous_full: config.sqlite_synchronous_full,
    })
}

/// Begins a plain write transaction, `BEGIN IMMEDIATE` on SQLite like every
/// command's, without the chain-head lock (for the insert probe).
pub(crate) async fn begin_raw_write(db: &DatabaseConnection) -> Result<DatabaseTransaction> {
    Ok(match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?
        }
        _ => db.begin().await?,
    })
}

/// The end of the global hash chain, locked for this transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ChainHead {
    pub(crate) global_seq: i64,
    pub(crate) global_hash: String,
}

impl ChainHead {
    /// The statement that records this head as the end of the global
    /// chain (`audit_head`), to send with other writes.
    pub(crate) fn record(&self) -> UpdateMany<audit_head::Entity> {
        audit_head::Entity::update_many()
            .col_expr(audit_head::Column::GlobalSeq, Expr::value(self.global_seq))
            .col_expr(
                audit_head::Column::GlobalHash,
                Expr::value(self.global_hash.clone()),
            )
            .filter(audit_head::Column::Id.eq(1))
    }

    /// Records this head now; the head row must be there.
    pub(crate) async fn write(&self, db: &impl ConnectionTrait) -> Result<()> {
        if self.record().exec(db).await?.rows_affected != 1 {
            return Err(sea_orm::DbErr::RecordNotUpdated.into());
        }
        Ok(())
    }
}

impl From<audit_head::Model> for ChainHead {
    fn from(head: audit_head::Model) -> Self {
        ChainHead {
            global_seq: head.global_seq,
            global_hash: head.global_hash,
        }
    }
}

/// The end of the global chain as a write transaction knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Head {
    /// Read (on PostgreSQL, and locked, as the transaction began).
    Read(ChainHead),
    /// Not read yet (SQLite: `BEGIN IMMEDIATE` already holds the writer
    /// slot, so the first command reads it with its own first query).
    Unread,
}

impl Head {
    /// The head, read now if it was not.
    pub(crate) async fn read(self, db: &impl ConnectionTrait) -> Result<ChainHead> {
        match self {
            Head::Read(head) => Ok(head),
            Head::Unread => {
                let head = audit_head::Entity::find_by_id(1)
                    .one(db)
                    .await?
                    .ok_or_else(missing_head)?;
                Ok(head.into())
            }
        }
    }

    /// One row of `table` (its `columns`, where `on`), and the head with it
    /// in the same query when it is not read yet. When no row of `table`
    /// matches, the answer is no row, or (with the head) a row whose
    /// `columns` are NULL. `on` names its bind parameters from `params`.
    pub(crate) async fn read_with(
        &mut self,
        db: &impl ConnectionTrait,
        query: (&str, &str, &str),
        params: Params,
    ) -> Result<Option<sea_orm::QueryResult>> {
        let (columns, table, on) = query;
        let backend = db.get_database_backend();
        let values = params.values;
        if let Head::Read(_) = self {
            let sql = format!("SELECT {columns} FROM {table} WHERE {on}");
            return Ok(db
                .query_one_raw(sea_orm::Statement::from_sql_and_values(
                    backend, sql, values,
                ))
                .await?);
        }
        let sql = format!(
            "SELECT h.global_seq AS head_seq, h.global_hash AS head_hash, {columns} \
             FROM audit_head h LEFT JOIN {table} ON {on} WHERE h.id = 1"
        );
        let row = db
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                backend, sql, values,
            ))
            .await?
            .ok_or_else(missing_head)?;
        *self = Head::Read(ChainHead {
            global_seq: row.try_get("", "head_seq")?,
            global_hash: row.try_get("", "head_hash")?,
        });
        Ok(Some(row))
    }
}

fn missing_head() -> Error {
    Error::Corrupt("the audit chain head row is missing".into())
}

/// Begins a write transaction that holds the single writer slot: SQLite
/// `BEGIN IMMEDIATE`; PostgreSQL a `FOR UPDATE` lock on the chain head,
/// read as it is taken. Every append goes through here, so the global
/// chain never forks.
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<(DatabaseTransaction, Head)> {
    let txn = begin_raw_write(db).await?;
    if txn.get_database_backend() != DatabaseBackend::Postgres {
        return Ok((txn, Head::Unread));
    }
    let head = audit_head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(missing_head)?;
    Ok((txn, Head::Read(head.into())))
}

/// Bind parameters with the backend's placeholder syntax.
pub(crate) struct Params {
    backend: DatabaseBackend,
    /// The values bound so far, in placeholder order.
    pub(crate) values: Vec<sea_orm::Value>,
}

impl Params {
    pub(crate) fn new(backend: DatabaseBackend) -> Self {
        Params {
            backend,
            values: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, value: impl Into<sea_orm::Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    pub(crate) fn list(&mut self, values: impl IntoIterator<Item = String>) -> String {
        values
            .into_iter()
            .map(|v| self.push(v))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// For the checks that run over every case or one: ` AND {column} = ?`
/// with the case id bound, or nothing.
pub(crate) fn one_case(
    backend: DatabaseBackend,
    column: &str,
    case: Option<&str>,
) -> (String, Vec<sea_orm::Value>) {
    let mut params = Params::new(backend);
    let filter = case.map_or_else(String::new, |id| {
        format!(" AND {column} = {}", params.push(id.to_owned()))
    });
    (filter, params.values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact("postgres://varna:s3cret@db:5432/varna"),
            "postgres://varna:***@db:5432/varna"
        );
        assert_eq!(
            redact("postgres://varna@db/varna"),
            "postgres://varna@db/varna"
        );
        assert_eq!(
            redact("sqlite://varna.db?mode=rwc"),
            "sqlite://varna.db?mode=rwc"
        );
    }
}
