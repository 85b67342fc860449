//! The axum router: `/graphql` (GraphiQL in a browser on GET unless turned
//! off, queries on POST with a bearer token), `/graphql/ws` (subscriptions
//! over WebSocket, graphql-transport-ws, the token in the connection_init
//! payload), `/health` (the process answers) and `/ready` (the database
//! answers). Requests without a valid token get HTTP 401 with a
//! GraphQL-shaped error body before any resolver runs.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_graphql::http::{WebSocket as GqlWebSocket, WebSocketProtocols, WsMessage};
use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{DefaultBodyLimit, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::{SinkExt, StreamExt};
use tower_http::catch_panic::CatchPanicLayer;
use varna_store::Store;

use crate::auth::{AuthConfig, AuthError};
use crate::documents::Documents;
use crate::error::Code;
use crate::guard::SocketToken;
use crate::schema::VarnaSchema;

/// The largest request body accepted (a GraphQL document with variables),
/// and the largest WebSocket message.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The largest GraphQL answer sent; a larger one is replaced by a
/// `TOO_LARGE` error (ask for less: fewer fields, smaller pages).
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// How long a WebSocket may stay open without a `connection_init`, by default.
pub const DEFAULT_WS_INIT_TIMEOUT: Duration = Duration::from_secs(10);

/// graphql-transport-ws close codes: the sign-in no longer holds (expired),
/// it was ended (revoked), or no `connection_init` came in time.
const CLOSE_UNAUTHORIZED: u16 = 4401;
const CLOSE_FORBIDDEN: u16 = 4403;
const CLOSE_INIT_TIMEOUT: u16 = 4408;

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    /// The schema.
    pub schema: VarnaSchema,
    /// How tokens are verified.
    pub auth: Arc<AuthConfig>,
    /// The store (for readiness).
    pub store: Arc<Store>,
    /// Serve GraphiQL at `GET /graphql` (operators may turn it off).
    pub graphiql: bool,
    /// How long a WebSocket may stay open without a `connection_init`.
    pub ws_init_timeout: Duration,
    /// Parsed GraphQL documents by their text.
    documents: Arc<Documents>,
}

impl ApiState {
    /// The state with GraphiQL on and the default WebSocket timeout.
    pub fn new(schema: VarnaSchema, auth: Arc<AuthConfig>, store: Arc<Store>) -> Self {
        ApiState {
            schema,
            auth,
            store,
            graphiql: true,
            ws_init_timeout: DEFAULT_WS_INIT_TIMEOUT,
            documents: Arc::default(),
        }
    }

    /// How many parsed GraphQL documents are kept for the queries sent
    /// again.
    pub fn documents_kept(&self) -> usize {
        self.documents.len()
    }
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
        .route("/graphql/graphiql.js", get(graphiql_script))
        .route("/graphql/graphiql.css", get(graphiql_style))
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

/// GraphiQL's page loads exact versions from the CDN with subresource
/// integrity, and its own starter script from here; the CSP allows
/// nothing else (no inline script, no other origin, no framing).
const GRAPHIQL_CSP: &str = "default-src 'none'; script-src 'self' https://unpkg.com; \
    style-src 'self' https://unpkg.com 'unsafe-inline'; font-src 'self' data: https://unpkg.com; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// GraphiQL's files: the page, its starter script and its style.
const GRAPHIQL_FILES: [(&str, &str, &str); 3] = [
    (
        "graphiql.html",
        "text/html; charset=utf-8",
        include_str!("../static/graphiql.html"),
    ),
    (
        "graphiql.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/graphiql.js"),
    ),
    (
        "graphiql.css",
        "text/css; charset=utf-8",
        include_str!("../static/graphiql.css"),
    ),
];

async fn graphiql(State(state): State<ApiState>) -> Response {
    graphiql_file(&state, "graphiql.html")
}

async fn graphiql_script(State(state): State<ApiState>) -> Response {
    graphiql_file(&state, "graphiql.js")
}

async fn graphiql_style(State(state): State<ApiState>) -> Response {
    graphiql_file(&state, "graphiql.css")
}

/// One of [`GRAPHIQL_FILES`], or 404 when GraphiQL is turned off.
fn graphiql_file(state: &ApiState, name: &str) -> Response {
    let file = GRAPHIQL_FILES.iter().find(|(n, _, _)| *n == name);
    match file {
        Some((_, media_type, body)) if state.graphiql => graphiql_asset(media_type, body),
        _ => (
            StatusCode::NOT_FOUND,
            "GraphiQL is turned off on this server; send GraphQL requests with POST /graphql",
        )
            .into_response(),
    }
}

fn graphiql_asset(media_type: &'static str, body: &'static str) -> Response {
    let mut response = ([(header::CONTENT_TYPE, media_type)], body).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(GRAPHIQL_CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
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
    let mut request = request.data(principal);
    state.documents.prepare(&mut request);
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
    answer(&response)
}

/// The JSON answer, never cached (it carries personal data), and bounded
/// by [`MAX_RESPONSE_BYTES`].
fn answer(response: &async_graphql::Response) -> Response {
    let body = match serde_json::to_vec(response) {
        Ok(body) if body.len() <= MAX_RESPONSE_BYTES => body,
        Ok(body) => {
            tracing::warn!(
                bytes = body.len(),
                "an answer over the size limit was refused"
            );
            serde_json::to_vec(&serde_json::json!({
                "errors": [{
                    "message": format!("the answer is over {} MiB: ask for fewer fields or a smaller page", MAX_RESPONSE_BYTES / (1024 * 1024)),
                    "extensions": { "code": Code::TooLarge.as_str() }
                }]
            }))
            .expect("JSON")
        }
        Err(e) => {
            tracing::error!(error = %e, "an answer could not be encoded");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// Subscriptions: the socket is accepted, but no operation runs until the
/// connection_init payload carries a valid token
/// (`{"Authorization": "Bearer …"}`), which must come within
/// [`ApiState::ws_init_timeout`]. Every operation is checked against that token
/// again when it starts ([`crate::guard`]), and the server closes the
/// socket the moment the token expires (4401) or is revoked (4403).
async fn graphql_ws(
    State(state): State<ApiState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let Some(protocol) = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|p| p.trim().parse::<WebSocketProtocols>().ok())
        })
    else {
        return (
            StatusCode::BAD_REQUEST,
            "ask for the graphql-transport-ws subprotocol",
        )
            .into_response();
    };
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(MAX_BODY_BYTES)
        .on_upgrade(move |socket| serve_socket(socket, state, protocol))
}

async fn serve_socket(socket: WebSocket, state: ApiState, protocol: WebSocketProtocols) {
    let (mut sink, stream) = socket.split();
    let signed_in: Arc<OnceLock<SocketToken>> = Arc::default();
    let input = stream
        .take_while(|r| std::future::ready(r.is_ok()))
        .filter_map(|r| {
            std::future::ready(match r {
                Ok(m @ (Message::Text(_) | Message::Binary(_))) => Some(m.into_data()),
                _ => None,
            })
        });
    let auth = Arc::clone(&state.auth);
    let init = Arc::clone(&signed_in);
    let mut messages = GqlWebSocket::new(state.schema.clone(), input, protocol).on_connection_init(
        move |payload| async move {
            let token = ["Authorization", "authorization"]
                .iter()
                .find_map(|k| payload.get(*k).and_then(|v| v.as_str()))
                .map(|v| strip_bearer(v).unwrap_or(v.trim()).to_owned())
                .ok_or_else(|| async_graphql::Error::new(AuthError::Missing.to_string()))?;
            let sign_in = auth
                .sign_in(&token)
                .map_err(|e| async_graphql::Error::new(e.to_string()))?;
            let (principal, expires) = (sign_in.principal.clone(), sign_in.expires);
            let socket = SocketToken { sign_in, auth };
            let _ = init.set(socket.clone());
            let mut data = async_graphql::Data::default();
            data.insert(principal);
            data.insert(crate::schema::live::SessionExpiry(expires));
            data.insert(socket);
            Ok(data)
        },
    );
    let opened = tokio::time::Instant::now();
    let mut check = tokio::time::interval(Duration::from_millis(250));
    let close = loop {
        tokio::select! {
            message = messages.next() => match message {
                Some(WsMessage::Text(text)) => {
                    if sink.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Some(WsMessage::Close(code, reason)) => break Some((code, reason)),
                None => break None,
            },
            _ = check.tick() => match signed_in.get() {
                None if opened.elapsed() >= state.ws_init_timeout => {
                    break Some((CLOSE_INIT_TIMEOUT, "connection_init was not sent in time".to_owned()));
                }
                None => {}
                Some(socket) => match socket.check() {
                    Ok(_) => {}
                    Err(AuthError::Revoked) => {
                        break Some((CLOSE_FORBIDDEN, AuthError::Revoked.to_string()));
                    }
                    Err(e) => break Some((CLOSE_UNAUTHORIZED, e.to_string())),
                },
            },
        }
    };
    if let Some((code, reason)) = close {
        tracing::debug!(code, "closing a WebSocket");
        let _ = sink
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
    }
    let _ = sink.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    #[tokio::test]
    async fn an_answer_over_the_size_limit_is_refused_with_too_large() {
        let big = async_graphql::Value::String("x".repeat(MAX_RESPONSE_BYTES + 1));
        let response = answer(&async_graphql::Response::new(big));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response
                .headers()
                .get(header::CACHE_CONTROL)
                .map(|v| v.as_bytes()),
            Some(&b"no-store"[..])
        );
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("a small body");
        let body: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
        assert_eq!(body["errors"][0]["extensions"]["code"], "TOO_LARGE");
    }

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
