//! The server's measurements for `/metrics`, in Prometheus text format
//! (the Prometheus project's `prometheus-client`): commands and case reads
//! by outcome with latency histograms, counted where every way in (API and
//! pages) passes; and, read from the store at each scrape, the notification
//! backlog and its oldest entry's age, dead deliveries, overdue deadlines,
//! reads waiting for the access-log writer and the connection pool. Labels
//! are fixed words, never ids or names.

use std::sync::atomic::AtomicU64;
use std::time::Instant;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::error::{AppError, Code};

/// What an operation was and how it ended.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Labels {
    /// `file` or `change` for commands; `case` or `list` for reads.
    operation: &'static str,
    /// `ok`, or the error code in lower case (`forbidden`, `conflict`, …).
    outcome: &'static str,
}

fn latency() -> Histogram {
    // 0.5 ms to about 4 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 14))
}

/// The server's counters, histograms and gauges.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    commands: Family<Labels, Counter>,
    command_seconds: Family<Labels, Histogram, fn() -> Histogram>,
    reads: Family<Labels, Counter>,
    read_seconds: Family<Labels, Histogram, fn() -> Histogram>,
    undelivered: Gauge,
    oldest_undelivered: Gauge<f64, AtomicU64>,
    dead_deliveries: Gauge,
    overdue_deadlines: Gauge,
    access_log_queued: Gauge,
    pool_connections: Gauge,
    pool_idle: Gauge,
    commands_waiting: Gauge,
    command_transactions: Counter,
    commands_committed: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// What [`Metrics::measure`] counts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Measured {
    /// A command: `file` or `change`.
    Command(&'static str),
    /// A case read: `case` or `list`.
    Read(&'static str),
}

impl Metrics {
    /// Everything registered, at zero.
    pub fn new() -> Self {
        let mut metrics = Metrics {
            commands: Family::default(),
            command_seconds: Family::new_with_constructor(latency),
            reads: Family::default(),
            read_seconds: Family::new_with_constructor(latency),
            undelivered: Gauge::default(),
            oldest_undelivered: Gauge::default(),
            dead_deliveries: Gauge::default(),
            overdue_deadlines: Gauge::default(),
            access_log_queued: Gauge::default(),
            pool_connections: Gauge::default(),
            pool_idle: Gauge::default(),
            commands_waiting: Gauge::default(),
            command_transactions: Counter::default(),
            commands_committed: Counter::default(),
            registry: Registry::with_prefix("varna"),
        };
        metrics.registry.register(
            "commands",
            "Commands (filings and changes to cases) by outcome",
            metrics.commands.clone(),
        );
        metrics.registry.register_with_unit(
            "command_duration",
            "How long commands took, by outcome",
            Unit::Seconds,
            metrics.command_seconds.clone(),
        );
        metrics.registry.register(
            "case_reads",
            "Reads of case content (one case, or a page of a list) by outcome",
            metrics.reads.clone(),
        );
        metrics.registry.register_with_unit(
            "case_read_duration",
            "How long case reads took, access logging included, by outcome",
            Unit::Seconds,
            metrics.read_seconds.clone(),
        );
        metrics.registry.register(
            "notifications_undelivered",
            "Notifications not yet delivered on every channel (not counting dead deliveries)",
            metrics.undelivered.clone(),
        );
        metrics.registry.register_with_unit(
            "notifications_oldest_undelivered_age",
            "Age of the oldest notification not yet delivered (0 when none)",
            Unit::Seconds,
            metrics.oldest_undelivered.clone(),
        );
        metrics.registry.register(
            "deliveries_dead",
            "Deliveries given up on after their last attempt (varna outbox retry)",
            metrics.dead_deliveries.clone(),
        );
        metrics.registry.register(
            "deadlines_overdue",
            "Deadlines past their due time and not met",
            metrics.overdue_deadlines.clone(),
        );
        metrics.registry.register(
            "access_log_queued_reads",
            "Reads waiting for the access-log writer to commit them",
            metrics.access_log_queued.clone(),
        );
        metrics.registry.register(
            "db_pool_connections",
            "Open database connections in the pool",
            metrics.pool_connections.clone(),
        );
        metrics.registry.register(
            "db_pool_idle_connections",
            "Idle database connections in the pool",
            metrics.pool_idle.clone(),
        );
        metrics.registry.register(
            "commands_waiting_for_writer",
            "Commands queued for the single writer now",
            metrics.commands_waiting.clone(),
        );
        metrics.registry.register(
            "command_transactions",
            "Write transactions commands committed (several waiting commands share one)",
            metrics.command_transactions.clone(),
        );
        metrics.registry.register(
            "commands_committed",
            "Commands committed (divided by command_transactions: commands per commit)",
            metrics.commands_committed.clone(),
        );
        metrics
    }

    /// Runs `work` and counts it, with how long it took, under `measured`
    /// by its outcome.
    pub(crate) async fn measure<T>(
        &self,
        measured: Measured,
        work: impl std::future::Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        let started = Instant::now();
        let result = work.await;
        let (count, seconds, operation) = match measured {
            Measured::Command(op) => (&self.commands, &self.command_seconds, op),
            Measured::Read(op) => (&self.reads, &self.read_seconds, op),
        };
        let labels = Labels {
            operation,
            outcome: outcome(&result),
        };
        count.get_or_create(&labels).inc();
        seconds
            .get_or_create(&labels)
            .observe(started.elapsed().as_secs_f64());
        result
    }

    /// The text a scrape gets, with the store's gauges as given.
    pub fn render(&self, gauges: &varna_store::Gauges) -> String {
        let int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.undelivered.set(int(gauges.undelivered));
        self.oldest_undelivered
            .set(gauges.oldest_undelivered_seconds);
        self.dead_deliveries.set(int(gauges.dead_deliveries));
        self.overdue_deadlines.set(int(gauges.overdue_deadlines));
        self.access_log_queued.set(int(gauges.access_log_queued));
        self.pool_connections
            .set(i64::from(gauges.pool_connections));
        self.pool_idle.set(i64::from(gauges.pool_idle));
        self.commands_waiting.set(int(gauges.commands_waiting));
        // The store counts from its start; the counters catch up to it.
        for (counter, total) in [
            (&self.command_transactions, gauges.command_transactions),
            (&self.commands_committed, gauges.commands_committed),
        ] {
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
            .expect("writing to a String does not fail");
        text
    }
}

fn outcome<T>(result: &Result<T, AppError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) => match e.code {
            Code::Unauthenticated => "unauthenticated",
            Code::Forbidden => "forbidden",
            Code::NotFound => "not_found",
            Code::Conflict => "conflict",
            Code::GuardFailed => "guard_failed",
            Code::InvalidTransition => "invalid_transition",
            Code::InvalidInput => "invalid_input",
            Code::RateLimited => "rate_limited",
            Code::TooLarge => "too_large",
            Code::Internal => "internal",
        },
    }
}
