//! The store's errors: refusals from the engine, concurrency conflicts,
//! bad references, and internal failures (whose details stay in the
//! source chain, never in the message).

use sea_orm::DbErr;
use varna_workflow::{PersonnummerError, Rejection};

/// Anything a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The workflow engine refused the command; nothing was written.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// Another command changed the case first (or `expected_version` was stale).
    #[error("the case has changed: it is at version {actual}, the command expected {expected}")]
    Conflict {
        /// The version the command expected.
        expected: u64,
        /// The case's version now.
        actual: u64,
    },
    /// No case with that id.
    #[error("no case with id {0}")]
    NotFound(String),
    /// A report asked for a verksamhetsområde or unit that is not registered.
    #[error("no {0} is registered")]
    UnknownScope(String),
    /// The idempotency key was used before by this actor for a different command.
    #[error("the idempotency key was already used for a different command")]
    IdempotencyKeyReused,
    /// The unit is not registered.
    #[error("unknown unit \"{0}\"")]
    UnknownUnit(String),
    /// The unit is closed: it takes no new cases.
    #[error("the unit \"{0}\" is closed and takes no new cases")]
    UnitClosed(String),
    /// A change to the organisation was refused.
    #[error(transparent)]
    Org(#[from] crate::organisation::OrgRefusal),
    /// No loaded workflow has that name.
    #[error("unknown workflow \"{0}\"")]
    UnknownWorkflow(String),
    /// A case is pinned to a definition the store does not have.
    #[error("the workflow definition {0} that the case runs under is not registered")]
    MissingDefinition(String),
    /// A personnummer failed validation.
    #[error("invalid personnummer: {0}")]
    Personnummer(#[from] PersonnummerError),
    /// A case cannot be disposed of (gallring): it is open, or was
    /// disposed of before.
    #[error("the case cannot be disposed of: {0}")]
    NotDisposable(String),
    /// A list query's cursor is not one the store issued.
    #[error("the page cursor is invalid")]
    InvalidCursor,
    /// Stored data could not be read back (for example a snapshot that does not parse).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The operation is not available here (for example a SQLite backup on PostgreSQL).
    #[error("{0}")]
    Unsupported(String),
    /// The database failed.
    #[error("database error")]
    Database(#[from] DbErr),
}

/// Results of store calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;
