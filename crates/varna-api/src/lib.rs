//! Varna's GraphQL API: the schema, bearer-token authentication, role- and
//! unit-scoped access, and the axum router that serves them.
//!
//! Architecture invariant: this is the only crate that names
//! `async_graphql` or defines HTTP routes. It translates GraphQL to store
//! calls; it holds no rules of its own beyond who may read what (`policy`).
#![forbid(unsafe_code)]

pub mod auth;
pub mod error;
mod guard;
mod http;
pub mod policy;
pub mod schema;

pub use auth::{AuthConfig, AuthError, Keys, Principal, mint_hs256};
pub use guard::Expensive;
pub use http::{
    ApiState, DEFAULT_WS_INIT_TIMEOUT, MAX_BODY_BYTES, MAX_RESPONSE_BYTES, harden, router,
};
pub use schema::{Limits, VarnaSchema, build_schema, build_schema_for};
