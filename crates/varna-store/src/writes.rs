//! A command's writes sent together, so that its inserts and updates cost
//! one round trip instead of one each.
//!
//! On SQLite they go to the driver as one query of several statements (the
//! driver binds the arguments in order across them). PostgreSQL's extended
//! protocol takes one statement per query, so there they become one
//! statement of data-modifying `WITH` clauses. The parts of one such
//! statement all see the database as it was before it, so a statement that
//! touches a table the statement being built touches already (a case's
//! clocks deleted, then inserted anew) starts the next one: the waves run in
//! order, as the statements were pushed.

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult, QueryTrait, Statement, Values};

use crate::error::Result;

/// The most bind parameters one PostgreSQL statement takes.
const MAX_PARAMETERS: usize = 65_535;

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

    /// Adds a statement built already.
    pub(crate) fn push_statement(&mut self, statement: Statement) {
        self.statements.push(statement);
    }

    /// The statements, in order, to run on a connection of their own (the
    /// in-place rebuild of a SQLite file).
    pub(crate) fn into_statements(self) -> Vec<Statement> {
        self.statements
    }

    /// Sends them; the rows their `RETURNING` clauses gave.
    pub(crate) async fn send(self, db: &impl ConnectionTrait) -> Result<Vec<QueryResult>> {
        let statements = match self.backend {
            DatabaseBackend::Sqlite if self.statements.len() > 1 => {
                vec![one_query(self.backend, self.statements)]
            }
            DatabaseBackend::Postgres => waves(self.statements),
            _ => self.statements,
        };
        let mut rows = Vec::new();
        for statement in statements {
            rows.extend(db.query_all_raw(statement).await?);
        }
        Ok(rows)
    }
}

/// SQLite: the statements as one query, separated by `;`.
fn one_query(backend: DatabaseBackend, statements: Vec<Statement>) -> Statement {
    let mut sql = String::new();
    let mut values = Vec::new();
    for statement in statements {
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        sql.push_str(&statement.sql);
        values.extend(statement.values.map(|v| v.0).unwrap_or_default());
    }
    Statement {
        sql,
        values: Some(Values(values)),
        db_backend: backend,
    }
}

/// PostgreSQL: consecutive statements that touch different tables as one
/// statement each, the last with a `RETURNING` clause (or else the last)
/// its main part and the others its `WITH` clauses. A `SELECT` after
/// writes none of which returns rows becomes their main part (the writes
/// of `WITH` clauses run whether or not the main part reads them).
fn waves(statements: Vec<Statement>) -> Vec<Statement> {
    let mut waves = Vec::new();
    let mut wave: Vec<Statement> = Vec::new();
    let mut tables: HashSet<String> = HashSet::new();
    let mut returning = false;
    let mut parameters = 0;
    for statement in statements {
        let table = written_table(&statement.sql);
        let returns = statement.sql.contains(" RETURNING ");
        let count = statement.values.as_ref().map_or(0, |v| v.0.len());
        let fits = match &table {
            Some(table) => {
                let again = tables.contains(table);
                let second_returning = returns && returning;
                !again && !second_returning && parameters + count <= MAX_PARAMETERS
            }
            // A `SELECT` (the notices) goes with the writes before it,
            // which run to the end whatever it reads, and ends their wave.
            None => statement.sql.starts_with("SELECT ") && parameters + count <= MAX_PARAMETERS,
        };
        if !fits && !wave.is_empty() {
            waves.push(as_one(std::mem::take(&mut wave)));
            tables.clear();
            returning = false;
            parameters = 0;
        }
        match table {
            Some(table) => {
                tables.insert(table);
                returning |= returns;
                parameters += count;
                wave.push(statement);
            }
            None if fits && !wave.is_empty() => {
                wave.push(statement);
                waves.push(as_one(std::mem::take(&mut wave)));
                tables.clear();
                parameters = 0;
            }
            // Not a plain write of one table: alone.
            None => waves.push(statement),
        }
    }
    if !wave.is_empty() {
        waves.push(as_one(wave));
    }
    waves
}

/// The statements of one wave as one: each but the main part a `WITH`
/// clause, their placeholders numbered on. The main part is the statement
/// with a `RETURNING` clause, else a closing `SELECT`, else the last; when
/// the wave has both, the `SELECT` is a clause too and the main part reads
/// the returned rows joined with its one row, so that it runs.
fn as_one(mut wave: Vec<Statement>) -> Statement {
    if wave.len() == 1 {
        return wave.pop().expect("one statement");
    }
    let backend = wave[0].db_backend;
    let returning = wave.iter().position(|s| s.sql.contains(" RETURNING "));
    let closing = wave.last().is_some_and(|s| s.sql.starts_with("SELECT "));
    let main = match (returning, closing) {
        (Some(r), true) => Statement {
            sql: format!("SELECT w{r}.* FROM w{r} CROSS JOIN w{}", wave.len() - 1),
            values: None,
            db_backend: backend,
        },
        (Some(r), false) => wave.remove(r),
        (None, _) => wave.pop().expect("two statements or more"),
    };
    let mut sql = String::new();
    let mut values = Vec::new();
    for (n, part) in wave.into_iter().enumerate() {
        sql.push_str(if n == 0 { "WITH " } else { ", " });
        sql.push_str(&format!("w{n} AS ("));
        sql.push_str(&shift_placeholders(&part.sql, values.len()));
        sql.push(')');
        values.extend(part.values.map(|v| v.0).unwrap_or_default());
    }
    sql.push(' ');
    sql.push_str(&shift_placeholders(&main.sql, values.len()));
    values.extend(main.values.map(|v| v.0).unwrap_or_default());
    Statement {
        sql,
        values: Some(Values(values)),
        db_backend: backend,
    }
}

/// The table an `INSERT`, `UPDATE` or `DELETE` built by the query builder
/// writes (its quoted name); `None` for any other statement.
fn written_table(sql: &str) -> Option<String> {
    let rest = sql
        .strip_prefix("INSERT INTO ")
        .or_else(|| sql.strip_prefix("UPDATE "))
        .or_else(|| sql.strip_prefix("DELETE FROM "))?
        .strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// `sql` with each PostgreSQL placeholder `$n` made `$(n + offset)`; quoted
/// strings and names are left as they are.
fn shift_placeholders(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut quote = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = 0usize;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    n = n * 10 + d as usize;
                    chars.next();
                }
                out.push('$');
                out.push_str(&(n + offset).to_string());
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(sql: &str, values: usize) -> Statement {
        Statement {
            sql: sql.to_owned(),
            values: Some(Values((0..values).map(|n| (n as i64).into()).collect())),
            db_backend: DatabaseBackend::Postgres,
        }
    }

    #[test]
    fn placeholders_are_numbered_on_outside_quotes() {
        assert_eq!(
            shift_placeholders(r#"UPDATE "t" SET "a$1" = $1, b = '$2''s' WHERE c = $10"#, 3),
            r#"UPDATE "t" SET "a$1" = $4, b = '$2''s' WHERE c = $13"#
        );
        assert_eq!(shift_placeholders("SELECT $1", 0), "SELECT $1");
    }

    #[test]
    fn writes_to_other_tables_go_as_one_statement_and_a_table_again_starts_the_next() {
        let waves = waves(vec![
            pg(r#"INSERT INTO "event" ("a") VALUES ($1), ($2)"#, 2),
            pg(
                r#"UPDATE "cases" SET "v" = $1 WHERE "id" = $2 RETURNING "id""#,
                2,
            ),
            pg(r#"DELETE FROM "case_deadline" WHERE "case_id" = $1"#, 1),
            pg(r#"INSERT INTO "case_deadline" ("case_id") VALUES ($1)"#, 1),
            pg("SELECT pg_notify($1, $2)", 2),
            pg(r#"INSERT INTO "outbox" ("x") VALUES ($1)"#, 1),
        ]);
        let sql: Vec<&str> = waves.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                r#"WITH w0 AS (INSERT INTO "event" ("a") VALUES ($1), ($2)), w1 AS (DELETE FROM "case_deadline" WHERE "case_id" = $3) UPDATE "cases" SET "v" = $4 WHERE "id" = $5 RETURNING "id""#,
                r#"WITH w0 AS (INSERT INTO "case_deadline" ("case_id") VALUES ($1)) SELECT pg_notify($2, $3)"#,
                r#"INSERT INTO "outbox" ("x") VALUES ($1)"#,
            ]
        );
        let counts: Vec<usize> = waves
            .iter()
            .map(|s| s.values.as_ref().map_or(0, |v| v.0.len()))
            .collect();
        assert_eq!(counts, [5, 3, 1]);
    }

    #[test]
    fn the_notices_go_with_the_writes_before_them_and_end_their_statement() {
        let returned = waves(vec![
            pg(r#"INSERT INTO "event" ("a") VALUES ($1)"#, 1),
            pg(r#"UPDATE "cases" SET "v" = $1 RETURNING "id""#, 1),
            pg(r#"UPDATE "audit_head" SET "s" = $1"#, 1),
            pg("SELECT pg_notify($1, $2)", 2),
        ]);
        let sql: Vec<&str> = returned.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                r#"WITH w0 AS (INSERT INTO "event" ("a") VALUES ($1)), w1 AS (UPDATE "cases" SET "v" = $2 RETURNING "id"), w2 AS (UPDATE "audit_head" SET "s" = $3), w3 AS (SELECT pg_notify($4, $5)) SELECT w1.* FROM w1 CROSS JOIN w3"#
            ],
            "the case's update returns its row, the notices are sent"
        );
        assert_eq!(returned[0].values.as_ref().map(|v| v.0.len()), Some(5));
        let first = waves(vec![
            pg("SELECT pg_notify($1, $2)", 2),
            pg(r#"INSERT INTO "outbox" ("x") VALUES ($1)"#, 1),
        ]);
        assert_eq!(first.len(), 2, "with no writes before it, alone");
        let ended = waves(vec![
            pg(r#"UPDATE "audit_head" SET "s" = $1"#, 1),
            pg("SELECT pg_notify($1, $2), pg_notify($1, $3)", 3),
            pg(r#"INSERT INTO "outbox" ("x") VALUES ($1)"#, 1),
        ]);
        let sql: Vec<&str> = ended.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                r#"WITH w0 AS (UPDATE "audit_head" SET "s" = $1) SELECT pg_notify($2, $3), pg_notify($2, $4)"#,
                r#"INSERT INTO "outbox" ("x") VALUES ($1)"#,
            ]
        );
    }

    #[test]
    fn two_statements_returning_rows_go_in_two() {
        let waves = waves(vec![
            pg(r#"UPDATE "cases" SET "v" = $1 RETURNING "id""#, 1),
            pg(r#"UPDATE "other" SET "v" = $1 RETURNING "id""#, 1),
        ]);
        assert_eq!(waves.len(), 2);
    }
}
