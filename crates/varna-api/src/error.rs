//! The one mapping from the application layer's errors to GraphQL errors
//! with a stable `extensions.code` (and `field`, `problem`, `missing`,
//! `failed`, `expectedVersion`/`actualVersion` where they apply). The
//! codes themselves are the application layer's ([`Code`]).

use async_graphql::{Error, ErrorExtensions};
use varna_app::AppError;
pub use varna_app::Code;

/// An error with its code.
pub fn error(code: Code, message: impl Into<String>) -> Error {
    Error::new(message).extend_with(|_, e| e.set("code", code.as_str()))
}

/// An application error as a GraphQL error, its details as extensions.
pub fn from_app(e: AppError) -> Error {
    let (code, detail) = (e.code, e.detail);
    error(code, e.message).extend_with(move |_, x| {
        if let Some(field) = &detail.field {
            x.set("field", field.as_str());
        }
        if let Some(problem) = detail.problem {
            x.set("problem", problem);
        }
        if code == Code::GuardFailed {
            x.set(
                "missing",
                detail
                    .missing
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
            );
            x.set(
                "failed",
                detail
                    .failed
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
            );
        }
        if let Some((expected, actual)) = detail.versions {
            x.set("expectedVersion", expected);
            x.set("actualVersion", actual);
        }
    })
}

/// Maps a store error (including engine refusals).
pub fn from_store(e: varna_store::Error) -> Error {
    from_app(e.into())
}

/// `.gql()?` on an application result: the error with its extensions (a
/// bare `?` would keep only the message).
pub(crate) trait Gql<T> {
    /// The result with a GraphQL error.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> Gql<T> for Result<T, AppError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(from_app)
    }
}
