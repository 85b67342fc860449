//! sea-orm entities, one per table, private to the store: the public API
//! speaks in `varna_workflow` types and the view structs of `queries`.
//! They mirror `migrations/` exactly; change both together.

pub(crate) mod access_head;
pub(crate) mod access_log;
pub(crate) mod attachment;
pub(crate) mod audit_head;
pub(crate) mod case_deadline;
pub(crate) mod case_link;
pub(crate) mod case_person;
pub(crate) mod case_tally;
pub(crate) mod cases;
pub(crate) mod delivery;
pub(crate) mod document;
pub(crate) mod draft;
pub(crate) mod event;
pub(crate) mod idempotency_key;
pub(crate) mod import_file;
pub(crate) mod journal_entry;
pub(crate) mod log_review;
pub(crate) mod org;
pub(crate) mod outbox;
pub(crate) mod receipt;
pub(crate) mod revocation;
pub(crate) mod work_look;
pub(crate) mod workflow_definition;
