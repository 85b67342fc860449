//! The axum router: `/graphql` (GraphiQL in a browser on GET, queries on
//! POST with a bearer token), `/graphql/ws` (subscriptions over WebSocket,
//! graphql-transport-ws, the token in the connection_init payload),
//! `/health` (the process answers) and `/ready` (the database answers). Requests without a valid token get HTTP 401 with
//! a GraphQL-shaped error body before any resolver runs.

use std::sync::Arc;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLProtocol, GraphQLResponse, GraphQLWebSocket};
use axum::body::Bytes;
use axum::extract::WebSocketUpgrade;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use varna_store::Store;

use crate::auth::{AuthConfig, AuthError};
use crate::error::Code;
use crate::schema::VarnaSchema;
use crate::schema::case::RequestReads;

/// The largest request body accepted (a GraphQL document with variables).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    /// The schema.
    pub schema: VarnaSchema,
    /// How tokens are verified.
    pub auth: Arc<AuthConfig>,
    /// The store (for readiness).
    pub store: Arc<Store>,
}

impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

/// The HTTP routes.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/graphql/ws", get(graphql_ws))
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn graphiql() -> Html<String> {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .title("Varna GraphQL")
            .finish(),
    )
}

async fn ready(State(state): State<ApiState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer",
            )
                .into_response()
        }
    }
}

fn bearer(headers: &HeaderMap) -> Result<&str, AuthError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(AuthError::Missing)?;
    let value = value.to_str().map_err(|_| AuthError::Invalid)?;
    strip_bearer(value).ok_or(AuthError::Missing)
}

/// The token of a `Bearer <token>` value (either capitalisation).
fn strip_bearer(value: &str) -> Option<&str> {
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

fn unauthorized(e: AuthError) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": e.to_string(), "extensions": { "code": Code::Unauthenticated.as_str() } }]
    });
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        Json(body),
    )
        .into_response()
}

/// A body over `MAX_BODY_BYTES` is refused with 413 by the `Bytes`
/// extractor (which honours `DefaultBodyLimit`) before it is parsed.
async fn graphql(State(state): State<ApiState>, headers: HeaderMap, body: Bytes) -> Response {
    let principal = match bearer(&headers).and_then(|t| state.auth.verify(t)) {
        Ok(p) => p,
        Err(e) => return unauthorized(e),
    };
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => {
            let body = serde_json::json!({
                "errors": [{ "message": "the body is not a GraphQL request: send JSON {\"query\": \"…\", \"variables\": {…}}", "extensions": { "code": Code::InvalidInput.as_str() } }]
            });
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
    };
    let request = request.data(principal).data(RequestReads::default());
    let mut response = state.schema.execute(request).await;
    // Parse, validation and limit errors come from async-graphql without a
    // code; they are all the client's to fix. Every error carries one.
    for e in &mut response.errors {
        if e.extensions.as_ref().and_then(|x| x.get("code")).is_none() {
            e.extensions
                .get_or_insert_with(Default::default)
                .set("code", Code::InvalidInput.as_str());
        }
    }
    GraphQLResponse::from(response).into_response()
}

/// Subscriptions: the socket is accepted, but no operation runs until the
/// connection_init payload carries a valid token
/// (`{"Authorization": "Bearer …"}`); otherwise the server closes it.
async fn graphql_ws(
    State(state): State<ApiState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let auth = Arc::clone(&state.auth);
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            GraphQLWebSocket::new(socket, state.schema.clone(), protocol)
                .on_connection_init(move |payload| async move {
                    let token = ["Authorization", "authorization"]
                        .iter()
                        .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
                        .map(|v| strip_bearer(v).unwrap_or(v.trim()).to_owned())
                        .ok_or_else(|| async_graphql::Error::new(AuthError::Missing.to_string()))?;
                    let (principal, expires) = auth
                        .verify_session(&token)
                        .map_err(|e| async_graphql::Error::new(e.to_string()))?;
                    let mut data = async_graphql::Data::default();
                    data.insert(principal);
                    data.insert(crate::schema::live::SessionExpiry(expires));
                    data.insert(RequestReads::default());
                    Ok(data)
                })
                .serve()
        })
}
