//! Varna's application layer: a signed-in person's [`Session`] over the
//! store, with typed operations (file, transition, add an utredning entry,
//! link, escalate; read a case, list cases, my work, history, access log,
//! the quality report) that return typed views ([`view`]) and one error
//! type with stable codes ([`AppError`]).
//!
//! Architecture invariant: the rules of who may read what ([`policy`]),
//! masking, access logging and the bounds on filings and reports live here
//! and only here. The GraphQL API and the web pages are adapters over a
//! `Session`; neither reads the store on its own.
#![forbid(unsafe_code)]

pub mod error;
mod limits;
pub mod metrics;
pub mod policy;
mod principal;
mod public;
mod session;
pub mod view;

pub use error::{AppError, Code, Detail, Result};
pub use limits::{Expensive, FilingRate};
pub use principal::Principal;
pub use public::{
    MAX_PUBLIC_TEXT_CHARS, PublicCase, PublicEntry, PublicFiling, PublicReceipt, ReceiptCode,
};
pub use session::{
    AccessPage, AccessQuery, App, AttachmentFile, CasePage, DocumentFile, DocumentStatus, Done,
    EventPage, Expect, MAX_ATTACHMENT_BYTES, MAX_ORG_CHANGES, NewCase, Purpose, Reads, ReportFile,
    Session, WorkItem, WorkPage, WorkQuery, fields_from_json, report_file,
};
pub use view::CaseView;
// The store's and the report's types the operations take, so that callers
// need no other crate for them.
pub use varna_report::{Format, Scope};
pub use varna_store::queries::{AsOf, CaseFilter, EventFilter};
pub use varna_store::review::{Finding, FindingKind, LogReview};
pub use varna_store::{
    AreaEntry, CaseId, Draft, Notification, OrgChange, OrgEdit, OrgRefusal, RolePerson, UnitEntry,
};
