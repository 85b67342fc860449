//! Test support for Varna: throwaway PostgreSQL clusters that test suites of
//! other crates start as a dev-dependency, one temporary directory each.
//!
//! - [`PgCluster::start_or_skip`]: the usual entry point for a test.
//! - [`PgCluster::start`], [`PgCluster::builder`]: start with explicit errors
//!   or settings (such as [`PgClusterBuilder::durable`] for crash tests).
//! - [`PgCluster::available`]: where the server binaries are, if installed.
//! - [`WebhookReceiver`] and [`SmtpSink`]: loopback endpoints that record
//!   what notification delivery sends them, and can be told to fail.
//! - [`GraphqlWs`]: a graphql-transport-ws client for subscription tests.
//!
//! A cluster listens only on `127.0.0.1` (plus a unix socket inside its
//! temporary directory), trusts the superuser `varna`, and is stopped
//! (`pg_ctl -m immediate stop`) and deleted when the [`PgCluster`] is dropped,
//! also when the test panics.
#![forbid(unsafe_code)]

mod cluster;
mod error;
mod locate;
mod run;
mod smtp;
mod webhook;
mod ws;

pub use cluster::{PgCluster, PgClusterBuilder};
pub use error::PgError;
pub use smtp::{Mail, SmtpSink};
pub use webhook::{Received, WebhookReceiver};
pub use ws::GraphqlWs;
