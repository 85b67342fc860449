//! The one mapping from domain and store errors to GraphQL errors with a
//! stable `extensions.code`. Messages name fields, states and roles, never
//! values, SQL or internals; internal failures are logged and reported as
//! `INTERNAL` with a generic message.

use async_graphql::{Error, ErrorExtensions};
use varna_store::Error as StoreError;
use varna_workflow::Rejection;

/// Client-visible error kinds.
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

/// An error with its code.
pub fn error(code: Code, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
}

/// Maps a store error (including engine refusals) to a GraphQL error.
pub fn from_store(e: StoreError) -> Error {
    match e {
        StoreError::Rejected(r) => from_rejection(r),
        StoreError::Conflict { expected, actual } => error(
            Code::Conflict,
            format!(
                "the case has changed: it is at version {actual}, the command expected {expected}"
            ),
        )
        .extend_with(|_, x| {
            x.set("expectedVersion", expected);
            x.set("actualVersion", actual);
        }),
        StoreError::IdempotencyKeyReused => error(
            Code::Conflict,
            "the idempotency key was already used for a different command",
        ),
        StoreError::NotFound(_) => not_found(),
        e @ StoreError::UnknownScope(_) => error(Code::NotFound, e.to_string()),
        e @ (StoreError::UnknownUnit(_)
        | StoreError::UnknownWorkflow(_)
        | StoreError::Personnummer(_)
        | StoreError::InvalidCursor) => error(Code::InvalidInput, e.to_string()),
        e @ (StoreError::MissingDefinition(_)
        | StoreError::Corrupt(_)
        | StoreError::Database(_)) => internal(&e),
    }
}

/// Maps an engine refusal.
pub fn from_rejection(r: Rejection) -> Error {
    let message = r.to_string();
    match r {
        Rejection::Forbidden { .. } | Rejection::OutsideUnits { .. } => {
            error(Code::Forbidden, message)
        }
        Rejection::UnknownTransition { .. }
        | Rejection::InvalidTransition { .. }
        | Rejection::JournalClosed { .. }
        | Rejection::DeadlineNotDue { .. } => error(Code::InvalidTransition, message),
        Rejection::GuardFailed {
            missing, failed, ..
        } => error(Code::GuardFailed, message).extend_with(|_, x| {
            x.set(
                "missing",
                missing.iter().map(ToString::to_string).collect::<Vec<_>>(),
            );
            x.set(
                "failed",
                failed.iter().map(ToString::to_string).collect::<Vec<_>>(),
            );
        }),
        Rejection::InvalidInput {
            ref field,
            ref problem,
        } => {
            let field = field.clone();
            let problem = problem.code();
            error(Code::InvalidInput, message).extend_with(move |_, x| {
                x.set("field", field.clone());
                x.set("problem", problem);
            })
        }
        Rejection::DefinitionMismatch { .. } => internal(&r),
    }
}

/// The case does not exist or the caller may not see it (indistinguishable on purpose).
pub fn not_found() -> Error {
    error(Code::NotFound, "no such case, or not one you may see")
}

/// A failure inside Varna: logged with its cause chain, reported generically.
pub fn internal(e: &dyn std::error::Error) -> Error {
    let mut chain = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    tracing::error!(error = %chain, "internal error");
    error(
        Code::Internal,
        "internal error; the server log has the details",
    )
}
