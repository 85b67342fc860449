//! A consistent copy of a SQLite store while servers write to it:
//! SQLite's `VACUUM INTO`, which reads the database in one read
//! transaction (one snapshot of every table, documents and attachments
//! included) and writes a compact new file. Writers go on meanwhile (WAL);
//! a command acknowledged before the copy began is in it. PostgreSQL is
//! backed up with its own `pg_dump` (docs/operations.md).

use sea_orm::{ConnectionTrait, Statement};

use crate::error::Result;
use crate::{Backend, Error, Store};

impl Store {
    /// Writes a consistent copy of this SQLite database to the file `target`,
    /// which must not exist. On PostgreSQL it refuses (use `pg_dump`).
    pub async fn backup_sqlite(&self, target: &std::path::Path) -> Result<()> {
        if self.backend() != Backend::Sqlite {
            return Err(Error::Unsupported(
                "a PostgreSQL database is backed up with pg_dump (see docs/operations.md)".into(),
            ));
        }
        let target = target
            .to_str()
            .ok_or_else(|| Error::Unsupported("the backup's file name must be UTF-8".into()))?;
        self.db
            .execute_raw(Statement::from_sql_and_values(
                self.db.get_database_backend(),
                "VACUUM INTO ?",
                [target.into()],
            ))
            .await?;
        Ok(())
    }
}
