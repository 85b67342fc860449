//! The HTTP listener: hyper's HTTP/1.1 server under Varna's own accept
//! loop, so that nobody can hold the server with connections that never
//! send a request. Every connection must send its request headers within
//! `header_timeout` (also the idle limit between keep-alive requests); at
//! most `max_connections` are open at once, and when a new one arrives at
//! the cap, the oldest connection with no request in progress (idle, or
//! still dribbling its headers) is closed to make room. So `/health` and
//! real users get through a flood of idle connections, and a connection
//! serving a request is never cut. Each request carries the peer address
//! (`ConnectInfo`), which demo sign-in checks.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tower::ServiceExt;

/// How connections are bounded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionLimits {
    /// Open connections at most (WebSockets, once upgraded, are not counted).
    pub(crate) max_connections: usize,
    /// Time to send a request's headers, and to start the next request on
    /// a kept-alive connection.
    pub(crate) header_timeout: Duration,
}

/// One open connection, as the accept loop sees it.
#[derive(Debug)]
struct Open {
    id: u64,
    /// Requests being served now.
    in_flight: Arc<AtomicU32>,
    /// Wakes the connection to close it.
    close: Arc<Notify>,
}

/// Raises the soft limit on open files to the hard limit, so the cap on
/// connections is what bounds them, not the process; returns the limit.
pub(crate) fn raise_file_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-file limit");
            rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish (at most 30 s).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let open: Arc<Mutex<VecDeque<Open>>> = Arc::default();
    let (stopping, stop) = watch::channel(false);
    let mut next_id = 0_u64;
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or a connection reset before
                    // it was taken: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if !make_room(&open, limits.max_connections) {
            tracing::warn!("every connection is serving a request; a new one was refused");
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        next_id += 1;
        let id = next_id;
        let in_flight = Arc::new(AtomicU32::new(0));
        let close = Arc::new(Notify::new());
        open.lock().expect("never poisoned").push_back(Open {
            id,
            in_flight: Arc::clone(&in_flight),
            close: Arc::clone(&close),
        });
        let service = {
            let app = app.clone();
            let in_flight = Arc::clone(&in_flight);
            hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                in_flight.fetch_add(1, Ordering::SeqCst);
                let in_flight = Arc::clone(&in_flight);
                let app = app.clone();
                async move {
                    let response = app.oneshot(request).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    response
                }
            })
        };
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let open = Arc::clone(&open);
        let mut stop = stop.clone();
        tokio::spawn(async move {
            tokio::pin!(connection);
            let closing = async {
                tokio::select! {
                    () = close.notified() => true,
                    _ = stop.wait_for(|s| *s) => false,
                }
            };
            tokio::select! {
                _ = connection.as_mut() => {}
                evicted = closing => {
                    if !evicted {
                        // Shutting down: finish the request in flight.
                        connection.as_mut().graceful_shutdown();
                        let _ = connection.as_mut().await;
                    }
                    // Evicted: dropped at once (it had no request in flight).
                }
            }
            open.lock().expect("never poisoned").retain(|o| o.id != id);
        });
    }
    let _ = stopping.send(true);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !open.lock().expect("never poisoned").is_empty() {
        if tokio::time::Instant::now() >= deadline {
            tracing::warn!("requests still in flight after 30 s; stopping anyway");
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Below the cap: nothing to do. At the cap: closes the oldest connection
/// with no request in flight and returns true; false when every open
/// connection is serving a request (the new one must wait its turn).
fn make_room(open: &Mutex<VecDeque<Open>>, max: usize) -> bool {
    let mut open = open.lock().expect("never poisoned");
    if open.len() < max {
        return true;
    }
    let Some(oldest_idle) = open
        .iter()
        .position(|o| o.in_flight.load(Ordering::SeqCst) == 0)
    else {
        return false;
    };
    if let Some(o) = open.remove(oldest_idle) {
        o.close.notify_one();
    }
    true
}
