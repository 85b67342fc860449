//! Varna's background work inside `varna serve`: the deadline scheduler and
//! the delivery of notifications by webhook and e-mail.
//!
//! Architecture invariant: this crate does no SQL and knows no GraphQL. It
//! drives the store's sweep, queue, claim and settle calls and talks HTTP
//! (reqwest) and SMTP (lettre) to the outside. What it sends is built from
//! ids and the definitions' labels only: a notification links to the case,
//! never carries its content.
#![forbid(unsafe_code)]

mod email;
mod message;
mod webhook;
mod worker;

pub use email::{EmailConfig, EmailError};
pub use message::Message;
pub use webhook::{SIGNATURE_HEADER, WebhookConfig, sign};
pub use worker::{NotifyConfig, StartError, Worker};
