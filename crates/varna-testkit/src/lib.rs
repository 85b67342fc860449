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
//! - [`shipped_catalog`]: the lifecycles in the repository's `workflows/`;
//!   [`catalog_with`]: those and files of the test's own.
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

pub mod org;

use std::path::Path;

pub use cluster::{PgCluster, PgClusterBuilder};
pub use error::PgError;
pub use smtp::{Mail, SmtpSink};
pub use webhook::{Received, WebhookReceiver};
pub use ws::GraphqlWs;

/// The lifecycles as shipped in the repository's `workflows/` folder.
pub fn shipped_catalog() -> varna_workflow::Catalog {
    catalog_with(&[])
}

/// The shipped lifecycles and `extra` files beside them (paths), as a
/// municipality's own folder holds them.
pub fn catalog_with(extra: &[&Path]) -> varna_workflow::Catalog {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../workflows");
    // Every file in the folder: a new lifecycle needs no change here.
    let sources: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|entry| {
            let path = entry.expect("a readable entry").path();
            let name = path.file_name()?.to_string_lossy().into_owned();
            name.ends_with(".toml").then(|| {
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
                (name, text)
            })
        })
        .chain(extra.iter().map(|path| {
            let text =
                std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path.display().to_string(), text)
        }))
        .collect();
    varna_workflow::Catalog::from_sources(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .unwrap_or_else(|e| panic!("the definitions are invalid:\n{e}"))
}

/// A lex Sarah report for `unit` as a reporter there files it (SoL; what
/// happened, when, the affected person's gender): the filing and its actor.
pub fn lex_sarah_report(unit: &str) -> (varna_workflow::FileCase, varna_workflow::Actor) {
    use varna_workflow::{Actor, ActorId, FileCase, Lagrum, Role, UnitId, Value};
    let fields = [
        ("what_happened", LEX_SARAH_TEXT),
        ("occurred_on", "2026-03-01"),
        ("affected_gender", "kvinna"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), Value::Text(v.to_owned())))
    .collect();
    let filing = FileCase {
        lagrum: Lagrum::Sol,
        unit: UnitId::new(unit),
        fields,
    };
    let reporter = Actor {
        id: ActorId::new(format!("reporter-{unit}")),
        role: Role::Reporter,
        units: [UnitId::new(unit)].into(),
    };
    (filing, reporter)
}

/// The case text [`lex_sarah_report`] files (tests check it never leaks).
pub const LEX_SARAH_TEXT: &str = "Brukaren lämnades utan tillsyn";
