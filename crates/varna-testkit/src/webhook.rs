//! A webhook receiver on loopback that records every request and answers
//! as told: fail the first N requests, fail all, or answer slowly.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

/// One request as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The `x-varna-notification-id` header.
    pub id: String,
    /// The `idempotency-key` header.
    pub idempotency_key: String,
    /// The `x-varna-signature` header.
    pub signature: String,
    /// The raw body.
    pub body: Vec<u8>,
    /// The answer given.
    pub answered: u16,
}

#[derive(Debug, Default)]
struct Inner {
    received: Vec<Received>,
    fail_first: usize,
    always_fail: bool,
    delay: Duration,
}

/// A running receiver; stops when dropped.
#[derive(Debug)]
pub struct WebhookReceiver {
    url: String,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::JoinHandle<()>,
}

impl WebhookReceiver {
    /// Starts a receiver on `127.0.0.1` at a free port that answers 200.
    pub async fn start() -> WebhookReceiver {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let url = format!("http://{}/hook", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("receiver serves");
        });
        WebhookReceiver { url, inner, task }
    }

    /// The URL to post to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Answer 503 to the next `n` requests.
    pub fn fail_next(&self, n: usize) {
        self.inner.lock().expect("lock").fail_first = n;
    }

    /// Answer 500 to every request (or stop doing so).
    pub fn fail_always(&self, on: bool) {
        self.inner.lock().expect("lock").always_fail = on;
    }

    /// Record each request at once, but answer only after `delay`.
    pub fn answer_after(&self, delay: Duration) {
        self.inner.lock().expect("lock").delay = delay;
    }

    /// Every request so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().expect("lock").received.clone()
    }

    /// The notification ids of requests answered with 2xx: what a receiver
    /// that drops repeats by id has processed, each once.
    pub fn processed_ids(&self) -> BTreeSet<String> {
        self.received()
            .into_iter()
            .filter(|r| (200..300).contains(&r.answered))
            .map(|r| r.id)
            .collect()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (status, delay) = {
        let mut inner = inner.lock().expect("lock");
        let status = if inner.always_fail {
            StatusCode::INTERNAL_SERVER_ERROR
        } else if inner.fail_first > 0 {
            inner.fail_first -= 1;
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        };
        inner.received.push(Received {
            id: header("x-varna-notification-id"),
            idempotency_key: header("idempotency-key"),
            signature: header("x-varna-signature"),
            body: body.to_vec(),
            answered: status.as_u16(),
        });
        (status, inner.delay)
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    status
}
