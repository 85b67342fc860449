//! Varna's GraphQL API: the schema, bearer-token authentication, role- and
//! unit-scoped access, and the axum router that serves them.
//!
//! Architecture invariant: this is the only crate that names
//! `async_graphql`. It translates GraphQL to calls on the application
//! layer's `Session` (`varna_app`), which holds who may read what; it holds
//! no rules of its own.
#![forbid(unsafe_code)]

pub mod auth;
mod documents;
pub mod error;
mod guard;
mod http;
pub mod schema;

pub use auth::{AuthConfig, AuthError, Keys, Principal, mint_hs256};
pub use http::{
    ApiState, DEFAULT_WS_INIT_TIMEOUT, MAX_BODY_BYTES, MAX_RESPONSE_BYTES, harden, router,
};
pub use schema::{Limits, VarnaSchema, build_schema, build_schema_for};
pub use varna_app::{App, Expensive, policy};
