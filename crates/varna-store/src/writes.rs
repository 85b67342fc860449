//! A command's writes sent together. On SQLite they go to the driver as one
//! query of several statements, so the command's inserts and updates cost
//! one hand-off to the driver's worker thread instead of one each (the
//! driver binds the arguments in order across the statements). PostgreSQL's
//! extended protocol takes one statement per query, so there they are sent
//! one after another, as before.

use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult, QueryTrait, Statement, Values};

use crate::error::Result;

/// Statements to send together, in order.
pub(crate) struct Writes {
    backend: DatabaseBackend,
    statements: Vec<Statement>,
}

impl Writes {
    /// No statements yet, for `backend`.
    pub(crate) fn new(backend: DatabaseBackend) -> Self {
        Writes {
            backend,
            statements: Vec::new(),
        }
    }

    /// Adds `query`, built for the backend.
    pub(crate) fn push(&mut self, query: &impl QueryTrait) {
        self.statements.push(query.build(self.backend));
    }

    /// Sends them; the rows their `RETURNING` clauses gave, in order.
    pub(crate) async fn send(self, db: &impl ConnectionTrait) -> Result<Vec<QueryResult>> {
        if self.backend != DatabaseBackend::Sqlite || self.statements.len() < 2 {
            let mut rows = Vec::new();
            for statement in self.statements {
                rows.extend(db.query_all_raw(statement).await?);
            }
            return Ok(rows);
        }
        let mut sql = String::new();
        let mut values = Vec::new();
        for statement in self.statements {
            if !sql.is_empty() {
                sql.push_str(";\n");
            }
            sql.push_str(&statement.sql);
            values.extend(statement.values.map(|v| v.0).unwrap_or_default());
        }
        let one = Statement {
            sql,
            values: Some(Values(values)),
            db_backend: self.backend,
        };
        Ok(db.query_all_raw(one).await?)
    }
}
