//! `/metrics` in Prometheus text format, kept from the public: on the main
//! address only behind a bearer token (`--metrics-token`) or when the
//! server listens on loopback alone; or on an address of its own
//! (`--metrics-listen`, e.g. an internal interface for the scraper).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Where and how `/metrics` is served.
#[derive(Debug, Clone, Default)]
pub(crate) struct MetricsSettings {
    /// A bearer token every scrape must send.
    pub(crate) token: Option<String>,
    /// An address of its own for `/metrics` (then not on the main one).
    pub(crate) listen: Option<SocketAddr>,
}

#[derive(Clone)]
struct Scrape {
    app: Arc<varna_api::App>,
    token: Option<Arc<str>>,
}

/// The `/metrics` route, to merge into a router.
pub(crate) fn router(app: Arc<varna_api::App>, token: Option<&str>) -> axum::Router {
    axum::Router::new()
        .route("/metrics", get(scrape))
        .with_state(Scrape {
            app,
            token: token.map(Arc::from),
        })
}

/// Whether the main address serves `/metrics`: not when it has an address
/// of its own, and on a non-loopback address only with a token.
pub(crate) fn on_main_address(settings: &MetricsSettings, listen: SocketAddr) -> bool {
    settings.listen.is_none() && (settings.token.is_some() || listen.ip().is_loopback())
}

async fn scrape(State(scrape): State<Scrape>, headers: HeaderMap) -> Response {
    if let Some(expected) = &scrape.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !same(given.as_bytes(), expected.as_bytes()) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "the metrics token is missing or wrong\n",
            )
                .into_response();
        }
    }
    match scrape.app.metrics_text().await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not read the metrics");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database did not answer\n",
            )
                .into_response()
        }
    }
}

/// Compares in time independent of where the first difference lies.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_address_serves_metrics_only_on_loopback_or_with_a_token() {
        let loopback: SocketAddr = "127.0.0.1:8080".parse().expect("an address");
        let everywhere: SocketAddr = "0.0.0.0:8080".parse().expect("an address");
        let open = MetricsSettings::default();
        let token = MetricsSettings {
            token: Some("t".into()),
            listen: None,
        };
        let own = MetricsSettings {
            token: None,
            listen: Some("127.0.0.1:9100".parse().expect("an address")),
        };
        assert!(on_main_address(&open, loopback));
        assert!(
            !on_main_address(&open, everywhere),
            "never public without a token"
        );
        assert!(on_main_address(&token, everywhere));
        assert!(!on_main_address(&own, loopback), "on its own address only");
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }
}
