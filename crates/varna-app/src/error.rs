//! The one error type of every operation, with a stable [`Code`]: the API
//! turns it into a GraphQL error's `extensions`, the pages into a message
//! in the reader's language next to the field it concerns. Messages name
//! fields, states and roles, never values, SQL or internals; internal
//! failures are logged and reported with a generic message.

use varna_store::Error as StoreError;
use varna_workflow::definition::Requirement;
use varna_workflow::{FailedCondition, Rejection};

/// What kind of error, as clients match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// No or bad token (HTTP 401 before GraphQL runs).
    Unauthenticated,
    /// The role or units do not allow it.
    Forbidden,
    /// No such case, or not one the caller may see.
    NotFound,
    /// Stale `expectedVersion`, a concurrent writer, or a reused idempotency key.
    Conflict,
    /// Required data missing or a condition unmet; `missing` and `failed` say which.
    GuardFailed,
    /// No such transition, or not from the case's state.
    InvalidTransition,
    /// A value or reference is not acceptable.
    InvalidInput,
    /// The caller asked too often (filing per minute); try again shortly.
    RateLimited,
    /// The answer would be too large; ask for less.
    TooLarge,
    /// Something failed inside Varna; details are in the server log.
    Internal,
}

impl Code {
    /// The stable code string.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::Conflict => "CONFLICT",
            Code::GuardFailed => "GUARD_FAILED",
            Code::InvalidTransition => "INVALID_TRANSITION",
            Code::InvalidInput => "INVALID_INPUT",
            Code::RateLimited => "RATE_LIMITED",
            Code::TooLarge => "TOO_LARGE",
            Code::Internal => "INTERNAL",
        }
    }
}

/// Why an operation was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// The kind.
    pub code: Code,
    /// In English, safe to show and to log (no values).
    pub message: String,
    /// What exactly, where the code has details.
    pub detail: Box<Detail>,
}

/// The details of an [`AppError`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detail {
    /// `InvalidInput`: the field at fault, when one is.
    pub field: Option<String>,
    /// `InvalidInput`: what is wrong with it (`EMPTY`, `TOO_LONG`, …).
    pub problem: Option<&'static str>,
    /// `GuardFailed`: the requirements not met.
    pub missing: Vec<Requirement>,
    /// `GuardFailed`: the conditions not met.
    pub failed: Vec<FailedCondition>,
    /// `Conflict` on a stale version: (expected, actual).
    pub versions: Option<(u64, u64)>,
}

/// What every operation returns.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl AppError {
    /// An error of `code` with `message` and no details.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
            detail: Box::default(),
        }
    }

    /// An `InvalidInput` about `field`, with its `problem` code.
    pub fn invalid(field: &str, problem: &'static str, message: impl Into<String>) -> Self {
        AppError::new(Code::InvalidInput, message).with(Detail {
            field: Some(field.to_owned()),
            problem: Some(problem),
            ..Detail::default()
        })
    }

    /// The error with `detail`.
    pub fn with(mut self, detail: Detail) -> Self {
        *self.detail = detail;
        self
    }

    /// The case does not exist or the caller may not see it
    /// (indistinguishable on purpose).
    pub fn not_found() -> Self {
        AppError::new(Code::NotFound, "no such case, or not one you may see")
    }

    /// A failure inside Varna: logged with its cause chain, reported
    /// generically.
    pub fn internal(e: &dyn std::error::Error) -> Self {
        let mut chain = e.to_string();
        let mut source = e.source();
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        tracing::error!(error = %chain, "internal error");
        AppError::new(
            Code::Internal,
            "internal error; the server log has the details",
        )
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Rejected(r) => r.into(),
            StoreError::Conflict { expected, actual } => AppError::new(
                Code::Conflict,
                format!(
                    "the case has changed: it is at version {actual}, the command expected {expected}"
                ),
            )
            .with(Detail {
                versions: Some((expected, actual)),
                ..Detail::default()
            }),
            StoreError::IdempotencyKeyReused => AppError::new(
                Code::Conflict,
                "the idempotency key was already used for a different command",
            ),
            StoreError::NotFound(_) => AppError::not_found(),
            e @ StoreError::UnknownScope(_) => AppError::new(Code::NotFound, e.to_string()),
            e @ StoreError::UnitClosed(_) => AppError::invalid("unit", "CLOSED", e.to_string()),
            StoreError::Org(refusal) => {
                AppError::invalid(refusal.field(), refusal.code(), refusal.to_string())
            }
            e @ (StoreError::UnknownUnit(_)
            | StoreError::UnknownWorkflow(_)
            | StoreError::Personnummer(_)
            | StoreError::InvalidCursor
            | StoreError::NotDisposable(_)) => AppError::new(Code::InvalidInput, e.to_string()),
            e @ (StoreError::MissingDefinition(_)
            | StoreError::Corrupt(_)
            | StoreError::Unsupported(_)
            | StoreError::Database(_)) => AppError::internal(&e),
        }
    }
}

impl From<Rejection> for AppError {
    fn from(r: Rejection) -> Self {
        let message = r.to_string();
        match r {
            Rejection::Forbidden { .. } | Rejection::OutsideUnits { .. } => {
                AppError::new(Code::Forbidden, message)
            }
            Rejection::UnknownTransition { .. }
            | Rejection::InvalidTransition { .. }
            | Rejection::JournalClosed { .. }
            | Rejection::DeadlineNotDue { .. } => AppError::new(Code::InvalidTransition, message),
            Rejection::GuardFailed {
                missing, failed, ..
            } => AppError::new(Code::GuardFailed, message).with(Detail {
                missing,
                failed,
                ..Detail::default()
            }),
            Rejection::InvalidInput { field, problem } => {
                AppError::invalid(&field, problem.code(), message)
            }
            Rejection::DefinitionMismatch { .. } => AppError::internal(&r),
        }
    }
}
