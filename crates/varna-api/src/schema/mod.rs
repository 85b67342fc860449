//! The GraphQL schema: queries for cases, lists and lifecycles; mutations
//! for filing, transitions, utredning entries and escalation. Resolvers only
//! translate between GraphQL and the store; every rule lives in the engine
//! or in `policy`.

pub mod case;
pub mod live;
pub mod report;
pub mod report_model;
pub mod types;
pub mod workflow;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::{Context, ErrorExtensions, ID, Object, Result, Schema, SimpleObject};
use chrono::Utc;
use varna_store::queries::CaseFilter;
use varna_store::{Applied, CaseId, CommandOptions, Store};
use varna_workflow::{
    Author, Command, Fields, FileCase, JournalEntryInput, Personnummer, UnitId, Value,
};

use crate::auth::{AuthConfig, Principal};
use crate::error::{Code, error, from_store};
use crate::policy;
use case::{CaseView, Purpose, load, load_many};
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
    builder(store, limits).finish()
}

/// Builds the schema over a store with the server's token verification,
/// whose revocation list `endSessions` writes to.
pub fn build_schema_for(store: Arc<Store>, limits: Limits, auth: Arc<AuthConfig>) -> VarnaSchema {
    builder(store, limits).data(auth).finish()
}

fn builder(
    store: Arc<Store>,
    limits: Limits,
) -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, live::SubscriptionRoot> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    Schema::build(QueryRoot, MutationRoot, live::SubscriptionRoot)
        .data(store)
        .data(crate::guard::Expensive::new(cores.div_ceil(2)))
        .data(crate::guard::FilingRate::new(limits.filings_per_minute))
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
    ctx.data_unchecked::<Arc<Store>>()
}

fn case_id(id: &ID) -> Result<CaseId> {
    CaseId::parse(id.as_str())
        .ok_or_else(|| error(Code::InvalidInput, "caseId is not a case id (a UUID)"))
}

fn version(v: Option<i64>) -> Result<Option<u64>> {
    v.map(|v| {
        u64::try_from(v)
            .map_err(|_| error(Code::InvalidInput, "expectedVersion must not be negative"))
    })
    .transpose()
}

fn fields(input: &FieldsInput) -> Result<Fields> {
    input
        .0
        .iter()
        .map(|(name, v)| {
            let value = match v {
                serde_json::Value::Bool(b) => Value::Bool(*b),
                serde_json::Value::String(s) => Value::Text(s.clone()),
                serde_json::Value::Number(n) => Value::Integer(n.as_i64().ok_or_else(|| {
                    wrong_type(name, format!("field \"{name}\" must be a whole number"))
                })?),
                _ => {
                    return Err(wrong_type(
                        name,
                        format!("field \"{name}\" must be text, a number or true/false"),
                    ));
                }
            };
            Ok((name.clone(), value))
        })
        .collect()
}

/// An `INVALID_INPUT` for a field value of the wrong JSON type, with the
/// field and the `WRONG_TYPE` problem code as the engine's refusals carry.
fn wrong_type(name: &str, message: String) -> async_graphql::Error {
    let field = name.to_owned();
    error(Code::InvalidInput, message).extend_with(move |_, x| {
        x.set("field", field.clone());
        x.set("problem", "WRONG_TYPE");
    })
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
        load(ctx, &case_id(&id)?, Purpose::CaseView).await
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
        let p = principal(ctx)?;
        let f = filter.unwrap_or_default();
        f.check_bounds()?;
        let now = Utc::now();
        let filter = CaseFilter {
            kinds: f
                .kinds
                .unwrap_or_default()
                .into_iter()
                .map(|k| k.workflow().to_owned())
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
        let filter = policy::scope(p, filter);
        let first = u64::try_from(first.unwrap_or(20))
            .map_err(|_| error(Code::InvalidInput, "first must be between 1 and 200"))?;
        if !(1..=200).contains(&first) {
            return Err(error(Code::InvalidInput, "first must be between 1 and 200"));
        }
        let store = store(ctx);
        let page = store
            .cases(&filter, first, after.as_deref())
            .await
            .map_err(from_store)?;
        let total = store.count_cases(&filter).await.map_err(from_store)?;
        let ids: Vec<_> = page.items.iter().map(|s| s.id.clone()).collect();
        let mut edges: Vec<CaseEdge> = load_many(ctx, &ids, Purpose::List)
            .await?
            .into_iter()
            .map(|node| CaseEdge {
                cursor: String::new(),
                node,
            })
            .collect();
        // Cursors are per item: recompute from each summary (the store's format).
        for edge in &mut edges {
            edge.cursor = format!(
                "{}_{}",
                edge.node.record.summary.opened_at.timestamp_micros(),
                edge.node.record.id
            );
        }
        Ok(CaseConnection {
            edges,
            page_info: PageInfo {
                has_next_page: page.has_next_page,
                end_cursor: page.end_cursor,
            },
            total_count: total as i64,
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
        let p = principal(ctx)?;
        let first = first.unwrap_or(20);
        if !(1..=100).contains(&first) {
            return Err(error(Code::InvalidInput, "first must be between 1 and 100"));
        }
        let store = store(ctx);
        let mut actionable = Vec::new();
        for name in store.workflows() {
            let def = store.definition(&name).map_err(from_store)?;
            actionable.extend(
                def.states_acted_in_by(p.role)
                    .into_iter()
                    .map(|s| (name.clone(), s.as_str().to_owned())),
            );
        }
        let filter = policy::scope(p, CaseFilter::default());
        let summaries = store
            .work_queue(&filter, &actionable, first as u64)
            .await
            .map_err(from_store)?;
        let mut items = Vec::with_capacity(summaries.len());
        for summary in summaries {
            let case = load(ctx, &summary.id, Purpose::List).await?;
            let next_deadline = case.next_deadline();
            items.push(WorkItem {
                overdue: next_deadline.as_ref().is_some_and(|d| d.overdue),
                next_deadline,
                case,
            });
        }
        Ok(items)
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
        principal(ctx)?;
        let store = store(ctx);
        store
            .workflows()
            .iter()
            .map(|name| {
                store
                    .definition(name)
                    .map(|d| workflow_info(&d))
                    .map_err(from_store)
            })
            .collect()
    }
}

/// Changes. Each takes an optional `idempotencyKey` and, on existing cases, an `expectedVersion`.
#[derive(Debug, Default)]
pub struct MutationRoot;

async fn result(ctx: &Context<'_>, outcome: Applied) -> Result<CommandResult> {
    let case = match load(ctx, &outcome.case_id, Purpose::CommandResult).await {
        Ok(view) => Some(view),
        Err(e)
            if e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .is_some_and(|c| *c == async_graphql::Value::from(Code::NotFound.as_str())) =>
        {
            None
        }
        Err(e) => return Err(e),
    };
    Ok(CommandResult {
        case,
        case_id: ID(outcome.case_id.to_string()),
        version: outcome.version as i64,
        opened: outcome.opened.iter().map(|id| ID(id.to_string())).collect(),
        replayed: outcome.replayed,
    })
}

/// Changes to cases. Each takes an optional `idempotencyKey` and, on existing cases, an `expectedVersion`.
#[Object(name = "Mutation")]
impl MutationRoot {
    /// File a new case: an avvikelse, a lex Sarah report, a lex Maria event or a complaint.
    async fn file_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: FileCaseInput,
    ) -> Result<CommandResult> {
        let p = principal(ctx)?;
        if !ctx
            .data_unchecked::<crate::guard::FilingRate>()
            .allow(&p.user_id)
        {
            tracing::info!(
                role = p.role.as_str(),
                "a filing was refused: over the rate limit"
            );
            return Err(error(
                Code::RateLimited,
                "too many filings in a short time: wait a minute and try again",
            ));
        }
        let today = Utc::now().date_naive();
        let personnummer = input
            .personnummer
            .as_deref()
            .map(|s| {
                Personnummer::parse(s, today).map_err(|e| {
                    error(Code::InvalidInput, e.to_string()).extend_with(|_, x| {
                        x.set("field", "personnummer");
                        x.set("problem", "INVALID_PERSONNUMMER");
                    })
                })
            })
            .transpose()?;
        let command = FileCase {
            lagrum: input.lagrum.into(),
            unit: UnitId::new(input.unit),
            fields: fields(&input.fields)?,
        };
        let options = CommandOptions {
            idempotency_key: input.idempotency_key,
            ..CommandOptions::default()
        };
        let outcome = store(ctx)
            .file_case(
                input.kind.workflow(),
                command,
                personnummer.as_ref(),
                &p.actor(),
                options,
            )
            .await
            .map_err(from_store)?;
        result(ctx, outcome).await
    }

    /// Take a named transition (see `Case.availableTransitions`) with the fields it needs.
    async fn transition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: TransitionInput,
    ) -> Result<CommandResult> {
        let id = case_id(&input.case_id)?;
        let command = Command::Transition {
            name: input.transition,
            fields: fields(&input.fields)?,
        };
        execute(
            ctx,
            &id,
            command,
            input.expected_version,
            input.idempotency_key,
        )
        .await
    }

    /// Add an attributed entry to the utredning journal (append-only).
    async fn add_utredning_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: UtredningEntryInput,
    ) -> Result<CommandResult> {
        let id = case_id(&input.case_id)?;
        let command = Command::AddJournalEntry(JournalEntryInput {
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
        });
        execute(
            ctx,
            &id,
            command,
            input.expected_version,
            input.idempotency_key,
        )
        .await
    }

    /// Link two cases that concern the same matter. The link is recorded on both, and both must be cases the caller may read and act on.
    async fn link_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: LinkCasesInput,
    ) -> Result<CommandResult> {
        let p = principal(ctx)?;
        let (a, b) = (case_id(&input.case_id)?, case_id(&input.other_case_id)?);
        ensure_readable(ctx, &a).await?;
        ensure_readable(ctx, &b).await?;
        let options = CommandOptions {
            expected_version: version(input.expected_version)?,
            idempotency_key: input.idempotency_key,
            now: None,
        };
        let outcome = store(ctx)
            .link_cases(&a, &b, &p.actor(), options)
            .await
            .map_err(from_store)?;
        result(ctx, outcome).await
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
        let name = match input.to {
            EscalationTarget::LexSarah => "escalate_to_lex_sarah",
            EscalationTarget::LexMaria => "escalate_to_lex_maria",
        };
        let mut set = BTreeMap::new();
        set.insert("escalation_reason".to_owned(), Value::Text(input.reason));
        set.insert(
            "affected_gender".to_owned(),
            Value::Text(input.affected_gender.value().to_owned()),
        );
        execute(
            ctx,
            &id,
            Command::Transition {
                name: name.into(),
                fields: set,
            },
            input.expected_version,
            input.idempotency_key,
        )
        .await
    }
}

/// NOT_FOUND unless the caller may read the case: existence is not revealed.
async fn ensure_readable(ctx: &Context<'_>, id: &CaseId) -> Result<()> {
    let record = store(ctx)
        .case(id)
        .await
        .map_err(from_store)?
        .ok_or_else(crate::error::not_found)?;
    if policy::may_read(principal(ctx)?, &record.summary) {
        Ok(())
    } else {
        Err(crate::error::not_found())
    }
}

async fn execute(
    ctx: &Context<'_>,
    id: &CaseId,
    command: Command,
    expected: Option<i64>,
    key: Option<String>,
) -> Result<CommandResult> {
    let p = principal(ctx)?;
    ensure_readable(ctx, id).await?;
    let options = CommandOptions {
        expected_version: version(expected)?,
        idempotency_key: key,
        now: None,
    };
    let outcome = store(ctx)
        .execute(id, command, &p.actor(), options)
        .await
        .map_err(from_store)?;
    result(ctx, outcome).await
}
