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
use tower_http::catch_panic::CatchPanicLayer;
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
    let routes = Router::new()
        .route("/graphql", get(graphiql).post(graphql))
        .route("/graphql/ws", get(graphql_ws))
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready))
        .with_state(state);
    harden(routes)
}

/// The layers every route gets: the body limit, and a 500 with an
/// `INTERNAL` GraphQL error should a handler ever panic, instead of a
/// dropped connection. The panic's message is neither returned nor logged
/// here (it may quote request text); the binary's panic hook logs where.
/// The web interface's routes get the same layers.
pub fn harden(routes: Router) -> Router {
    routes
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(panicked))
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked; answered 500 INTERNAL");
    let body = serde_json::json!({
        "errors": [{ "message": "internal error", "extensions": { "code": Code::Internal.as_str() } }]
    });
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_internal_without_its_message() {
        let routes = Router::new().route(
            "/boom",
            get(|| async {
                let text = String::from("1234567é1234");
                // The kind of slip the personnummer fuzz target found.
                let cut = text.len() - 5;
                text[..cut].to_owned()
            }),
        );
        let response = harden(routes)
            .oneshot(Request::get("/boom").body(Body::empty()).expect("request"))
            .await
            .expect("the router answers");
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("body");
        let body: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
        assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL");
        assert!(
            !String::from_utf8_lossy(&bytes).contains("1234"),
            "the panic's message is not returned"
        );
    }
}
