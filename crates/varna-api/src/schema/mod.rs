//! The GraphQL schema: queries for cases, lists and lifecycles; mutations
//! for filing, transitions, utredning entries and escalation. Resolvers only
//! translate between GraphQL and the application layer's [`Session`]; every
//! rule lives in the engine or in `varna_app`.

pub mod case;
pub mod live;
pub mod mutation;
pub mod organisation;
pub mod query;
pub mod report;
pub mod report_model;
pub mod types;
pub mod workflow;

use std::sync::Arc;

use async_graphql::{Context, ID, Result, Schema};
use varna_app::{App, Expect, Reads, Session};
use varna_store::{CaseId, Store};
use varna_workflow::Fields;

use crate::auth::{AuthConfig, Principal};
use crate::error::{Code, Gql, error};
pub use mutation::{CommandResult, MutationRoot};
pub use query::{CaseConnection, CaseEdge, Me, PageInfo, QueryRoot, WorkItem};
use types::FieldsInput;

/// The schema type.
pub type VarnaSchema = Schema<QueryRoot, MutationRoot, live::SubscriptionRoot>;

/// Limits that keep hostile queries cheap.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest selection nesting.
    pub max_depth: usize,
    /// Highest complexity score (each field counts 1; lists of cases count
    /// per item; reports, exports and histories cost more).
    pub max_complexity: usize,
    /// Filings per caller and minute (`0`: no limit).
    pub filings_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Deep enough for the standard introspection query of GraphQL
            // tools (graphql-js, graphql-core: nine levels of `ofType`);
            // the complexity limit bounds what any depth can cost.
            max_depth: 20,
            max_complexity: 1_000,
            filings_per_minute: 60,
        }
    }
}

/// What the expensive fields cost against [`Limits::max_complexity`]: a
/// request may build at most two reports, or one report and one export.
pub const REPORT_COST: usize = 400;
/// The export renders the report as well as building it.
pub const EXPORT_COST: usize = 500;
/// A case's history or access log: a read of every event or access row.
pub const HISTORY_COST: usize = 20;

/// Builds the schema over a store (without `endSessions`: see [`build_schema_for`]).
pub fn build_schema(store: Arc<Store>, limits: Limits) -> VarnaSchema {
    let app = Arc::new(App::new(store, limits.filings_per_minute));
    builder(app, limits).finish()
}

/// Builds the schema over the application the web pages share (so both
/// count filings and reports against the same bounds), with the server's
/// token verification, whose revocation list `endSessions` writes to.
/// `limits.filings_per_minute` is the `app`'s own.
pub fn build_schema_for(app: Arc<App>, limits: Limits, auth: Arc<AuthConfig>) -> VarnaSchema {
    builder(app, limits).data(auth).finish()
}

fn builder(
    app: Arc<App>,
    limits: Limits,
) -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, live::SubscriptionRoot> {
    Schema::build(QueryRoot, MutationRoot, live::SubscriptionRoot)
        .data(app)
        .extension(crate::guard::OperationGuard)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
}

/// The schema's SDL (what `varna schema` prints and `schema/schema.graphql` holds).
pub fn sdl() -> String {
    without_data().sdl()
}

/// The schema with no store attached: enough for the SDL and introspection.
pub fn without_data() -> VarnaSchema {
    Schema::build(QueryRoot, MutationRoot, live::SubscriptionRoot).finish()
}

pub(crate) fn principal<'a>(ctx: &Context<'a>) -> Result<&'a Principal> {
    ctx.data_opt::<Principal>()
        .ok_or_else(|| error(Code::Unauthenticated, "missing bearer token"))
}

pub(crate) fn store<'a>(ctx: &Context<'a>) -> &'a Arc<Store> {
    ctx.data_unchecked::<Arc<App>>().store()
}

/// The caller's session: the application layer, the caller, and this
/// operation's record of reads (every operation gets one: `guard`).
pub(crate) fn session<'a>(ctx: &Context<'a>) -> Result<Session<'a>> {
    let app = ctx.data_unchecked::<Arc<App>>();
    Ok(app.session(principal(ctx)?, ctx.data_unchecked::<Reads>()))
}

pub(crate) fn case_id(id: &ID) -> Result<CaseId> {
    CaseId::parse(id.as_str())
        .ok_or_else(|| error(Code::InvalidInput, "caseId is not a case id (a UUID)"))
}

pub(crate) fn expect(version: Option<i64>, key: Option<String>) -> Result<Expect> {
    let version = version
        .map(|v| {
            u64::try_from(v)
                .map_err(|_| error(Code::InvalidInput, "expectedVersion must not be negative"))
        })
        .transpose()?;
    Ok(Expect {
        version,
        idempotency_key: key,
    })
}

pub(crate) fn fields(input: &FieldsInput) -> Result<Fields> {
    varna_app::fields_from_json(&input.0).gql()
}
