//! `Query`: who the caller is, one case, a page of cases, my work, the
//! quality report and the lifecycles. Each resolver is one call on the
//! caller's `Session`.

use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use varna_app::{AsOf, Purpose};
use varna_store::queries::CaseFilter;

use super::case::CaseView;
use super::organisation::{Area, OrganisationChange};
use super::types::CaseFilterInput;
use super::workflow::{Workflow, workflow_info};
use super::{EXPORT_COST, REPORT_COST, case_id, principal, report, report_model, session};
use crate::error::{Code, Gql, error};

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

/// A page of the access log across cases, newest first.
#[derive(Debug, SimpleObject)]
pub struct AccessLogConnection {
    /// The reads, newest first.
    pub nodes: Vec<AccessLogEntry>,
    /// Where this page ends.
    pub page_info: PageInfo,
    /// How many reads match in all.
    pub total_count: i64,
}

/// One read of a case.
#[derive(Debug, SimpleObject)]
pub struct AccessLogEntry {
    /// The case read.
    pub case_id: ID,
    /// Who read.
    pub user_id: String,
    /// In which role.
    pub role: String,
    /// Why (see `Case.accessLog`).
    pub purpose: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A page of events across cases, newest first.
#[derive(Debug, SimpleObject)]
pub struct EventConnection {
    /// The events, newest first.
    pub nodes: Vec<CaseEvent>,
    /// Where this page ends.
    pub page_info: PageInfo,
    /// How many events match in all.
    pub total_count: i64,
}

/// One event of a case, found across cases.
#[derive(Debug, SimpleObject)]
pub struct CaseEvent {
    /// The case.
    pub case_id: ID,
    /// The event itself, as in the case's history.
    pub event: super::case::HistoryEvent,
}

/// Which events to find across cases; every condition narrows.
#[derive(Debug, Default, async_graphql::InputObject)]
pub struct EventFilterInput {
    /// By this user.
    pub user_id: Option<String>,
    /// In these roles (`sas`, `unit_manager`, …).
    pub roles: Option<Vec<String>>,
    /// Of these types: `filed`, `transitioned`, `journal_entry_added`, `linked`, `deadline_passed`, `content_disposed` (a gallring).
    pub event_types: Option<Vec<String>>,
    /// Taking one of these transitions (e.g. a ruling's step).
    pub transitions: Option<Vec<String>>,
    /// Of cases of these lifecycles, by name.
    pub workflows: Option<Vec<String>>,
    /// Of cases at these units.
    pub units: Option<Vec<String>>,
    /// Recorded at or after.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before.
    pub to: Option<DateTime<Utc>>,
}

/// Which reads to find; every condition narrows.
#[derive(Debug, Default, async_graphql::InputObject)]
pub struct AccessLogFilter {
    /// Reads by this user.
    pub user_id: Option<String>,
    /// Reads of this case.
    pub case_id: Option<ID>,
    /// Reads of cases at these units (at most 100).
    pub units: Option<Vec<String>>,
    /// Reads of cases about this person: a personnummer or samordningsnummer in any accepted form. Send it as a variable; it is never logged.
    pub personnummer: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
}

/// A case waiting for the caller, with what is due next.
#[derive(Debug, SimpleObject)]
pub struct WorkItem {
    /// The case.
    pub case: CaseView,
    /// The earliest running deadline, if any.
    pub next_deadline: Option<super::case::Deadline>,
    /// Whether that deadline has passed.
    pub overdue: bool,
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

    /// One case. NOT_FOUND when it does not exist or the caller may not see it. With `asOf` or `atEvent`: the case as it stood then, replayed from its events (state, fields, journal, clocks, outcome, history up to then; nothing can be done on it) — for those who read its investigation (FORBIDDEN to others); NOT_FOUND when it had not been filed by then.
    async fn case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case's id.")] id: ID,
        #[graphql(desc = "As it stood at this moment (the events recorded by then).")]
        as_of: Option<DateTime<Utc>>,
        #[graphql(
            desc = "As it stood right after its event with this sequence (see `history { sequence }`)."
        )]
        at_event: Option<i32>,
    ) -> Result<CaseView> {
        let session = session(ctx)?;
        let id = case_id(&id)?;
        let view = match (as_of, at_event) {
            // Asked for with its history: the case and its events in one read.
            (None, None) if ctx.look_ahead().field("history").exists() => session
                .case_with_history(&id, Purpose::CaseView)
                .await
                .gql()?,
            (None, None) => session.case(&id, Purpose::CaseView).await.gql()?,
            (Some(at), None) => session.case_as_of(&id, AsOf::Time(at)).await.gql()?,
            (None, Some(n)) if n >= 1 => session
                .case_as_of(&id, AsOf::Event(n.unsigned_abs().into()))
                .await
                .gql()?,
            (None, Some(_)) => {
                return Err(error(
                    Code::InvalidInput,
                    "atEvent is an event's sequence, from 1",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(error(Code::InvalidInput, "give asOf or atEvent, not both"));
            }
        };
        Ok(CaseView(view))
    }

    /// Auditors: the access log across cases, newest first — who read which case, reads by one user, reads of cases about one person or at some units, in a time range. The search is itself logged: a row for every case it names. FORBIDDEN to other roles.
    #[graphql(complexity = "first.unwrap_or(100).clamp(1, 500) as usize")]
    async fn access_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions; omitted ones do not narrow.")] filter: Option<
            AccessLogFilter,
        >,
        #[graphql(desc = "Page size, 1–500 (default 100).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<AccessLogConnection> {
        let f = filter.unwrap_or_default();
        if f.units.as_ref().is_some_and(|u| u.len() > 100) {
            return Err(error(Code::InvalidInput, "units: at most 100"));
        }
        let query = varna_app::AccessQuery {
            user_id: f.user_id,
            case_id: f.case_id.as_ref().map(case_id).transpose()?,
            units: f.units,
            personnummer: f.personnummer,
            from: f.from,
            to: f.to,
        };
        let first = u64::try_from(first.unwrap_or(100)).unwrap_or(0);
        let page = session(ctx)?
            .access_log(query, first, after.as_deref())
            .await
            .gql()?;
        Ok(AccessLogConnection {
            page_info: PageInfo {
                has_next_page: page.end_cursor.is_some(),
                end_cursor: page.end_cursor,
            },
            total_count: i64::try_from(page.total).unwrap_or(i64::MAX),
            nodes: page
                .items
                .into_iter()
                .map(|r| AccessLogEntry {
                    case_id: ID(r.case_id),
                    user_id: r.actor_id,
                    role: r.role,
                    purpose: r.purpose,
                    at: r.at,
                })
                .collect(),
        })
    }

    /// Auditors: events across cases, newest first — everything a user did, every ruling of a lifecycle in a year, the steps of one role at some units. Personal values masked as in a case's history; the search is logged against every case it names. FORBIDDEN to other roles.
    #[graphql(complexity = "first.unwrap_or(100).clamp(1, 500) as usize")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions; omitted ones do not narrow.")] filter: Option<
            EventFilterInput,
        >,
        #[graphql(desc = "Page size, 1–500 (default 100).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> Result<EventConnection> {
        let f = filter.unwrap_or_default();
        for list in [
            &f.roles,
            &f.event_types,
            &f.transitions,
            &f.workflows,
            &f.units,
        ] {
            if list.as_ref().is_some_and(|l| l.len() > 100) {
                return Err(error(
                    Code::InvalidInput,
                    "a filter list holds at most 100 entries",
                ));
            }
        }
        let filter = varna_app::EventFilter {
            actor_id: f.user_id,
            roles: f.roles,
            event_types: f.event_types,
            transitions: f.transitions,
            workflows: f.workflows,
            units: f.units,
            from: f.from,
            to: f.to,
        };
        let first = u64::try_from(first.unwrap_or(100)).unwrap_or(0);
        let page = session(ctx)?
            .events(filter, first, after.as_deref())
            .await
            .gql()?;
        Ok(EventConnection {
            page_info: PageInfo {
                has_next_page: page.end_cursor.is_some(),
                end_cursor: page.end_cursor,
            },
            total_count: i64::try_from(page.total).unwrap_or(i64::MAX),
            nodes: page
                .items
                .into_iter()
                .map(|(case_id, e)| CaseEvent {
                    case_id: ID(case_id),
                    event: super::case::HistoryEvent::from(e),
                })
                .collect(),
        })
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
            case_number: None,
            text: f.text,
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

    /// The verksamhetsområden by name, each with its units (open and closed) by name.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Vec<Area>> {
        let areas = session(ctx)?.organisation().await.gql()?;
        Ok(areas.into_iter().map(Area::from).collect())
    }

    /// Administrators and auditors: the recorded changes to the organisation, newest first (at most 500).
    async fn organisation_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, newest first (1–500).", default = 100)] first: i32,
    ) -> Result<Vec<OrganisationChange>> {
        let first = u64::try_from(first.clamp(1, 500)).unwrap_or(100);
        let changes = session(ctx)?.organisation_changes(first).await.gql()?;
        Ok(changes.into_iter().map(OrganisationChange::from).collect())
    }

    /// The lifecycles cases can be filed under, as defined in `workflows/`.
    async fn workflows(&self, ctx: &Context<'_>) -> Result<Vec<Workflow>> {
        let defs = session(ctx)?.workflows().gql()?;
        Ok(defs.iter().map(|d| workflow_info(d)).collect())
    }
}
