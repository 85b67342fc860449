//! The GraphQL schema: queries for cases, lists and lifecycles; mutations
//! for filing, transitions, utredning entries and escalation. Resolvers only
//! translate between GraphQL and the application layer's [`Session`]; every
//! rule lives in the engine or in `varna_app`.

pub mod case;
pub mod live;
pub mod report;
pub mod report_model;
pub mod types;
pub mod workflow;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, Schema, SimpleObject};
use chrono::Utc;
use varna_app::{App, Done, Expect, NewCase, Purpose, Reads, Session, policy};
use varna_store::queries::CaseFilter;
use varna_store::{CaseId, Store};
use varna_workflow::{Author, Fields, JournalEntry, Value};

use crate::auth::{AuthConfig, Principal};
use crate::error::{Code, Gql, error, from_store};
use case::CaseView;
use types::*;
use workflow::{Workflow, workflow_info};

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

fn case_id(id: &ID) -> Result<CaseId> {
    CaseId::parse(id.as_str())
        .ok_or_else(|| error(Code::InvalidInput, "caseId is not a case id (a UUID)"))
}

fn expect(version: Option<i64>, key: Option<String>) -> Result<Expect> {
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

fn fields(input: &FieldsInput) -> Result<Fields> {
    varna_app::fields_from_json(&input.0).gql()
}

/// Who the caller is, as their token says.
#[derive(Debug, SimpleObject)]
pub struct Me {
    /// User id.
    pub user_id: String,
    /// Role id.
    pub role: String,
    /// Unit codes.
    pub units: Vec<String>,
}

/// A page of cases (Relay connection), newest first.
#[derive(Debug, SimpleObject)]
pub struct CaseConnection {
    /// The cases with their cursors.
    pub edges: Vec<CaseEdge>,
    /// Where this page ends.
    pub page_info: PageInfo,
    /// How many cases match in all (within what the caller may see).
    pub total_count: i64,
}

/// One case in a page.
#[derive(Debug, SimpleObject)]
pub struct CaseEdge {
    /// Pass as `after` to continue after this case.
    pub cursor: String,
    /// The case.
    pub node: CaseView,
}

/// Paging state.
#[derive(Debug, SimpleObject)]
pub struct PageInfo {
    /// Whether more cases follow.
    pub has_next_page: bool,
    /// The last cursor of the page.
    pub end_cursor: Option<String>,
}

/// A case waiting for the caller, with what is due next.
#[derive(Debug, SimpleObject)]
pub struct WorkItem {
    /// The case.
    pub case: CaseView,
    /// The earliest running deadline, if any.
    pub next_deadline: Option<case::Deadline>,
    /// Whether that deadline has passed.
    pub overdue: bool,
}

/// What a command did.
#[derive(Debug, SimpleObject)]
pub struct CommandResult {
    /// The case as it is now; null when the caller's role may not read it
    /// (a MAS filing a SoL avvikelse: filed, but not theirs to follow).
    pub case: Option<CaseView>,
    /// The case's id.
    pub case_id: ID,
    /// Its version after the command.
    pub version: i64,
    /// Ids of cases the command opened (an escalation's lex Sarah case…).
    pub opened: Vec<ID>,
    /// True when this repeats an earlier command with the same idempotency key; nothing new was written.
    pub replayed: bool,
}

/// Reads.
#[derive(Debug, Default)]
pub struct QueryRoot;

/// Reads: cases the caller may see, and the lifecycles they run under.
#[Object(name = "Query")]
impl QueryRoot {
    /// Who the caller is.
    async fn me(&self, ctx: &Context<'_>) -> Result<Me> {
        let p = principal(ctx)?;
        Ok(Me {
            user_id: p.user_id.clone(),
            role: p.role.as_str().to_owned(),
            units: p.units.iter().map(|u| u.as_str().to_owned()).collect(),
        })
    }

    /// One case. NOT_FOUND when it does not exist or the caller may not see it.
    async fn case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case's id.")] id: ID,
    ) -> Result<CaseView> {
        let view = session(ctx)?
            .case(&case_id(&id)?, Purpose::CaseView)
            .await
            .gql()?;
        Ok(CaseView(view))
    }

    /// Cases the caller may see, newest first, filtered and paged.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 200) as usize * child_complexity")]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions; omitted ones do not narrow.")] filter: Option<
            CaseFilterInput,
        >,
        #[graphql(desc = "Page size, 1–200 (default 20).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<CaseConnection> {
        let session = session(ctx)?;
        let f = filter.unwrap_or_default();
        f.check_bounds()?;
        let now = Utc::now();
        let filter = CaseFilter {
            kinds: f
                .kinds
                .unwrap_or_default()
                .into_iter()
                .map(|k| k.workflow().to_owned())
                .chain(f.workflows.unwrap_or_default())
                .collect(),
            states: f.states.unwrap_or_default(),
            units: f.units,
            lagrum: f
                .lagrum
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            outcomes: f.outcomes.unwrap_or_default(),
            opened_from: f.opened_from,
            opened_before: f.opened_before,
            closed: f.closed,
            overdue_at: f.overdue.filter(|o| *o).map(|_| now),
            due_before: f.due_before,
            filed_by: None,
        };
        let first = u64::try_from(first.unwrap_or(20))
            .map_err(|_| error(Code::InvalidInput, "first must be between 1 and 200"))?;
        let page = session.cases(filter, first, after.as_deref()).await.gql()?;
        Ok(CaseConnection {
            edges: page
                .items
                .into_iter()
                .map(|(cursor, node)| CaseEdge {
                    cursor,
                    node: CaseView(node),
                })
                .collect(),
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                end_cursor: page.end_cursor,
            },
            total_count: page.total as i64,
        })
    }

    /// "My work": the caller's open cases that wait for something the
    /// caller's role can do (a transition, or an utredning entry), most
    /// urgent first — the earliest running deadline first (overdue ones
    /// lead), then cases without a deadline, oldest first.
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn my_work(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1–100 (default 20).")] first: Option<i32>,
    ) -> Result<Vec<WorkItem>> {
        let first = u64::try_from(first.unwrap_or(20))
            .map_err(|_| error(Code::InvalidInput, "first must be between 1 and 100"))?;
        let items = session(ctx)?.my_work(first).await.gql()?;
        Ok(items
            .into_iter()
            .map(|i| WorkItem {
                overdue: i.overdue,
                next_deadline: i.next_deadline.map(Into::into),
                case: CaseView(i.case),
            })
            .collect())
    }

    /// The yearly quality report (kvalitetsberättelse / patientsäkerhetsberättelse)
    /// for `year` (cases counted by the year they were reported, UTC): cases per
    /// lagrum with the previous year, lex Sarah and lex Maria per verksamhetsområde
    /// and gender, outcomes including "pågående utredning", IVO-anmälningar,
    /// categories, complaints, lead times, deadlines, monthly series, rising units
    /// and repeat events. For the auditor, SAS, MAS and committee roles.
    #[graphql(complexity = "REPORT_COST + child_complexity")]
    async fn quality_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Calendar year, 1900–2200.")] year: i32,
        #[graphql(desc = "An area or a unit; omitted: the whole organisation.")] scope: Option<
            report::ReportScopeInput,
        >,
    ) -> Result<report_model::QualityReport> {
        report::build(ctx, year, scope).await.map(Into::into)
    }

    /// The same report as a file: CSV, JSON, or one self-contained HTML file with charts.
    #[graphql(complexity = "EXPORT_COST + child_complexity")]
    async fn quality_report_export(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Calendar year, 1900–2200.")] year: i32,
        #[graphql(desc = "An area or a unit; omitted: the whole organisation.")] scope: Option<
            report::ReportScopeInput,
        >,
        #[graphql(desc = "CSV, JSON or HTML.")] format: report::ReportFormat,
    ) -> Result<report::ReportExport> {
        let built = report::build(ctx, year, scope).await?;
        Ok(report::export(&built, format))
    }

    /// The lifecycles cases can be filed under, as defined in `workflows/`.
    async fn workflows(&self, ctx: &Context<'_>) -> Result<Vec<Workflow>> {
        let defs = session(ctx)?.workflows().gql()?;
        Ok(defs.iter().map(|d| workflow_info(d)).collect())
    }
}

/// Changes. Each takes an optional `idempotencyKey` and, on existing cases, an `expectedVersion`.
#[derive(Debug, Default)]
pub struct MutationRoot;

fn result(done: Done) -> CommandResult {
    CommandResult {
        case: done.case.map(CaseView),
        case_id: ID(done.applied.case_id.to_string()),
        version: done.applied.version as i64,
        opened: done
            .applied
            .opened
            .iter()
            .map(|id| ID(id.to_string()))
            .collect(),
        replayed: done.applied.replayed,
    }
}

/// Changes to cases. Each takes an optional `idempotencyKey` and, on existing cases, an `expectedVersion`.
#[Object(name = "Mutation")]
impl MutationRoot {
    /// File a new case: an avvikelse, a lex Sarah report, a lex Maria event, a complaint, or a case of any other lifecycle the installation loads.
    async fn file_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: FileCaseInput,
    ) -> Result<CommandResult> {
        let new = NewCase {
            workflow: input.workflow_name()?,
            lagrum: input.lagrum.into(),
            unit: input.unit,
            fields: fields(&input.fields)?,
            personnummer: input.personnummer,
            idempotency_key: input.idempotency_key,
        };
        session(ctx)?.file(new).await.gql().map(result)
    }

    /// Take a named transition (see `Case.availableTransitions`) with the fields it needs.
    async fn transition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: TransitionInput,
    ) -> Result<CommandResult> {
        let id = case_id(&input.case_id)?;
        let fields = fields(&input.fields)?;
        let expect = expect(input.expected_version, input.idempotency_key)?;
        session(ctx)?
            .transition(&id, &input.transition, fields, expect)
            .await
            .gql()
            .map(result)
    }

    /// Add an attributed entry to the utredning journal (append-only).
    async fn add_utredning_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: UtredningEntryInput,
    ) -> Result<CommandResult> {
        let id = case_id(&input.case_id)?;
        let entry = JournalEntry {
            topic: input.topic,
            text: input.text,
            source: input.source,
            kind: match input.kind {
                EntryKind::Fact => varna_workflow::EntryKind::Fact,
                EntryKind::Assessment => varna_workflow::EntryKind::Assessment,
            },
            documented_on: input.documented_on,
            author: Author {
                name: input.author_name,
                title: input.author_title,
            },
        };
        let expect = expect(input.expected_version, input.idempotency_key)?;
        session(ctx)?
            .add_journal_entry(&id, entry, expect)
            .await
            .gql()
            .map(result)
    }

    /// Link two cases that concern the same matter. The link is recorded on both, and both must be cases the caller may read and act on.
    async fn link_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: LinkCasesInput,
    ) -> Result<CommandResult> {
        let (a, b) = (case_id(&input.case_id)?, case_id(&input.other_case_id)?);
        let expect = expect(input.expected_version, input.idempotency_key)?;
        session(ctx)?.link(&a, &b, expect).await.gql().map(result)
    }

    /// Administrators: end every sign-in of a person now — web sessions and
    /// API tokens, on every server of the database. Sign-ins made after
    /// this are not affected. True when done.
    async fn end_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person's user id (the token subject).")] user_id: String,
    ) -> Result<bool> {
        let p = principal(ctx)?;
        if !policy::may_end_sessions(p) {
            return Err(error(
                Code::Forbidden,
                "only an administrator may end someone's sign-ins",
            ));
        }
        if user_id.trim().is_empty() || user_id.len() > 200 {
            return Err(error(
                Code::InvalidInput,
                "userId must be a user id of 1–200 characters",
            ));
        }
        let auth = ctx.data_opt::<Arc<AuthConfig>>().ok_or_else(|| {
            error(
                Code::Internal,
                "this server was started without token verification",
            )
        })?;
        auth.revocations
            .revoke_user(&user_id, auth.max_lifetime)
            .await
            .map_err(from_store)?;
        tracing::info!(by = %p.user_id, "an administrator ended a person's sign-ins");
        Ok(true)
    }

    /// Escalate an avvikelse to lex Sarah (SoL/LSS) or lex Maria (HSL): closes it as escalated and opens the linked investigation.
    async fn escalate_avvikelse(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: EscalateInput,
    ) -> Result<CommandResult> {
        let id = case_id(&input.case_id)?;
        let to = match input.to {
            EscalationTarget::LexSarah => CaseKind::LexSarah,
            EscalationTarget::LexMaria => CaseKind::LexMaria,
        };
        let mut set = BTreeMap::new();
        set.insert("escalation_reason".to_owned(), Value::Text(input.reason));
        set.insert(
            "affected_gender".to_owned(),
            Value::Text(input.affected_gender.value().to_owned()),
        );
        let expect = expect(input.expected_version, input.idempotency_key)?;
        session(ctx)?
            .escalate(&id, to.workflow(), set, expect)
            .await
            .gql()
            .map(result)
    }
}
