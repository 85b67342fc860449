//! Subscriptions (graphql-transport-ws at `/graphql/ws`): `caseEvents` and
//! `deadlineAlerts`, fed by the store's change notices — in-process on
//! SQLite, from every server on the database via LISTEN/NOTIFY on
//! PostgreSQL.
//!
//! A notice names a case and what happened to it (ids, states, deadline
//! ids), never its content, so sending one is not a read of the case and is
//! not access-logged; opening the case with the `case` query is. Each
//! subscriber only hears of cases its role and units may read
//! ([`Policy::may_read_parts`]).

use std::sync::Arc;

use async_graphql::futures_util::stream::{self, Stream, StreamExt};
use async_graphql::{Context, ID, InputObject, Result, SimpleObject, Subscription};
use chrono::{DateTime, Utc};
use tokio::sync::broadcast::error::RecvError;
use varna_store::{CaseChange, Store};

use crate::auth::Principal;
use crate::policy::Policy;
use crate::schema::types::{CaseKind, Lagrum};
use crate::schema::{principal, store};

/// When the token a WebSocket connection authenticated with expires: its
/// subscriptions end then, and the client must reconnect with a new token.
#[derive(Debug, Clone, Copy)]
pub struct SessionExpiry(pub DateTime<Utc>);

/// The store's notices until the session's token expires.
fn session_changes(ctx: &Context<'_>) -> impl Stream<Item = CaseChange> + use<> {
    let until = ctx
        .data_opt::<SessionExpiry>()
        .map(|e| (e.0 - Utc::now()).to_std().unwrap_or_default());
    let expired = async move {
        match until {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending::<()>().await,
        }
    };
    changes(store(ctx)).take_until(expired)
}

/// Which case events to hear of. Every condition narrows.
#[derive(Debug, Default, Clone, InputObject)]
pub struct CaseEventFilter {
    /// Only these kinds.
    #[graphql(
        deprecation = "filter by lifecycle name with `workflows`; it covers every lifecycle"
    )]
    pub kinds: Option<Vec<CaseKind>>,
    /// Only these lifecycles, by name (with `kinds`: either).
    pub workflows: Option<Vec<String>>,
    /// Only these units.
    pub units: Option<Vec<String>>,
    /// Only this case.
    pub case_id: Option<ID>,
    /// Only these event types (`filed`, `transitioned`, `journal_entry_added`, `linked`, `deadline_passed`, `content_disposed`).
    pub event_types: Option<Vec<String>>,
}

impl CaseEventFilter {
    fn matches(&self, c: &CaseChange) -> bool {
        let by_kind = self
            .kinds
            .as_ref()
            .map(|k| k.iter().any(|k| k.workflow() == c.kind));
        let by_name = self.workflows.as_ref().map(|w| w.contains(&c.kind));
        let lifecycle = match (by_kind, by_name) {
            (None, None) => true,
            (a, b) => a.unwrap_or(false) || b.unwrap_or(false),
        };
        lifecycle
            && self.units.as_ref().is_none_or(|u| u.contains(&c.unit))
            && self
                .case_id
                .as_ref()
                .is_none_or(|id| id.as_str() == c.case_id)
            && self
                .event_types
                .as_ref()
                .is_none_or(|t| t.contains(&c.event_type))
    }
}

/// Something happened to a case. Carries no case content: query the case for that.
#[derive(Debug, Clone, SimpleObject)]
pub struct CaseEventNotice {
    /// The case.
    pub case_id: ID,
    /// The event's place in the case (the case's version after it).
    pub sequence: i64,
    /// `filed`, `transitioned`, `journal_entry_added`, `linked`, `deadline_passed` or `content_disposed`.
    pub event_type: String,
    /// What kind of case (one of the four first lifecycles; null for the others).
    #[graphql(deprecation = "use `workflow`, the lifecycle's name")]
    pub kind: Option<CaseKind>,
    /// The case's lifecycle, by name.
    pub workflow: String,
    /// The case's lagrum.
    pub lagrum: Lagrum,
    /// The case's unit.
    pub unit: String,
    /// The case's state after the event.
    pub state: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// For `deadline_passed`: the deadline's id.
    pub deadline: Option<String>,
}

/// A deadline passed on a case the subscriber is responsible for.
#[derive(Debug, Clone, SimpleObject)]
pub struct DeadlineAlert {
    /// The case.
    pub case_id: ID,
    /// What kind of case (one of the four first lifecycles; null for the others).
    #[graphql(deprecation = "use `workflow`, the lifecycle's name")]
    pub kind: Option<CaseKind>,
    /// The case's lifecycle, by name.
    pub workflow: String,
    /// The case's unit.
    pub unit: String,
    /// The deadline's id.
    pub deadline: String,
    /// What was due, in Swedish.
    pub label_sv: String,
    /// When the scheduler recorded that it passed.
    pub passed_at: DateTime<Utc>,
    /// Roles the definition holds responsible.
    pub responsible: Vec<String>,
}

fn notice(c: &CaseChange) -> CaseEventNotice {
    CaseEventNotice {
        case_id: ID(c.case_id.clone()),
        sequence: c.sequence,
        event_type: c.event_type.clone(),
        kind: CaseKind::from_workflow(&c.kind),
        workflow: c.kind.clone(),
        lagrum: Lagrum::from_text(c.lagrum.as_str()),
        unit: c.unit.clone(),
        state: c.state.clone(),
        occurred_at: c.occurred_at,
        deadline: c.deadline.clone(),
    }
}

fn visible(policy: &Policy, p: &Principal, c: &CaseChange) -> bool {
    policy.may_read_parts(p, &c.kind, c.lagrum.as_str(), &c.unit, &c.filed_by)
}

/// The application's read rules, for a stream that outlives the request.
fn read_rules(ctx: &Context<'_>) -> Policy {
    ctx.data_unchecked::<Arc<varna_app::App>>().policy().clone()
}

/// The store's notices as a stream; a subscriber that lags skips ahead.
fn changes(store: &Arc<Store>) -> impl Stream<Item = CaseChange> + use<> {
    stream::unfold(store.subscribe_changes(), |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(change) => return Some((change, rx)),
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "a subscriber fell behind and skipped notices");
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

/// Live updates.
#[derive(Debug, Default)]
pub struct SubscriptionRoot;

/// Live updates over WebSocket (`/graphql/ws`, graphql-transport-ws; send
/// `{"Authorization": "Bearer …"}` as the connection_init payload). A
/// subscription completes when the token expires.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every event committed from now on to a case the caller may read.
    async fn case_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions; omitted ones do not narrow.")] filter: Option<
            CaseEventFilter,
        >,
    ) -> Result<impl Stream<Item = CaseEventNotice> + use<>> {
        let p = principal(ctx)?.clone();
        let policy = read_rules(ctx);
        let filter = filter.unwrap_or_default();
        crate::schema::types::bounded("kinds", filter.kinds.as_ref())?;
        crate::schema::types::bounded("units", filter.units.as_ref())?;
        crate::schema::types::bounded("eventTypes", filter.event_types.as_ref())?;
        Ok(session_changes(ctx).filter_map(move |c| {
            let keep = visible(&policy, &p, &c) && filter.matches(&c);
            async move { keep.then(|| notice(&c)) }
        }))
    }

    /// Deadlines that pass from now on, on cases the caller may read and
    /// whose definition names the caller's role as responsible.
    async fn deadline_alerts(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = DeadlineAlert> + use<>> {
        let p = principal(ctx)?.clone();
        let policy = read_rules(ctx);
        let store = Arc::clone(store(ctx));
        Ok(session_changes(ctx).filter_map(move |c| {
            let alert = c
                .deadline
                .clone()
                .filter(|_| visible(&policy, &p, &c) && c.responsible.contains(&p.role))
                .map(|deadline| {
                    let label_sv = store
                        .definition(&c.kind)
                        .ok()
                        .and_then(|d| {
                            d.deadlines
                                .iter()
                                .find(|x| x.id == deadline)
                                .map(|x| x.label.sv.clone())
                        })
                        .unwrap_or_else(|| deadline.clone());
                    DeadlineAlert {
                        case_id: ID(c.case_id.clone()),
                        kind: CaseKind::from_workflow(&c.kind),
                        workflow: c.kind.clone(),
                        unit: c.unit.clone(),
                        deadline,
                        label_sv,
                        passed_at: c.occurred_at,
                        responsible: c
                            .responsible
                            .iter()
                            .map(|r| r.as_str().to_owned())
                            .collect(),
                    }
                });
            async move { alert }
        }))
    }
}
