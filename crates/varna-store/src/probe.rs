//! The benchmark harness's yardstick: single-row insert transactions on a
//! scratch table, through the store's own pool with its own pragmas (WAL,
//! `synchronous`, `BEGIN IMMEDIATE` on SQLite), so that command throughput
//! can be compared with what the same database does at best. Compiled only
//! with the `probe` feature, which only `varna-bench` enables.

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::Store;
use crate::backend::begin_raw_write;
use crate::error::Result;

/// The scratch table; nothing else reads it.
const TABLE: &str = "bench_probe";

impl Store {
    /// Creates (or empties) the scratch table `bench_probe`.
    pub async fn probe_reset(&self) -> Result<()> {
        let id = match self.db.get_database_backend() {
            DatabaseBackend::Postgres => "BIGSERIAL PRIMARY KEY",
            _ => "INTEGER PRIMARY KEY AUTOINCREMENT",
        };
        self.db
            .execute_unprepared(&format!(
                "CREATE TABLE IF NOT EXISTS {TABLE} (id {id}, client INTEGER NOT NULL, payload TEXT NOT NULL)"
            ))
            .await?;
        self.db
            .execute_unprepared(&format!("DELETE FROM {TABLE}"))
            .await?;
        Ok(())
    }

    /// One transaction that inserts one row and commits: the unit of work
    /// of a raw-insert benchmark (pgbench's "one INSERT per transaction").
    pub async fn probe_insert(&self, client: i64, payload: &str) -> Result<()> {
        let txn = begin_raw_write(&self.db).await?;
        let backend = txn.get_database_backend();
        let sql = match backend {
            DatabaseBackend::Postgres => {
                format!("INSERT INTO {TABLE} (client, payload) VALUES ($1, $2)")
            }
            _ => format!("INSERT INTO {TABLE} (client, payload) VALUES (?, ?)"),
        };
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [client.into(), payload.into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Drops the scratch table.
    pub async fn probe_drop(&self) -> Result<()> {
        self.db
            .execute_unprepared(&format!("DROP TABLE IF EXISTS {TABLE}"))
            .await?;
        Ok(())
    }
}
