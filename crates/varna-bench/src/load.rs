//! Running N concurrent clients for a fixed time and summarising what they
//! measured: operations per second and latency percentiles.

use std::future::Future;
use std::time::{Duration, Instant};

use anyhow::Context;

/// What a timed run of concurrent clients measured.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub(crate) clients: usize,
    pub(crate) secs: f64,
    /// One latency per completed operation, sorted.
    pub(crate) latencies: Vec<Duration>,
}

impl Sample {
    pub(crate) fn ops(&self) -> usize {
        self.latencies.len()
    }

    pub(crate) fn rate(&self) -> f64 {
        self.ops() as f64 / self.secs.max(1e-9)
    }

    /// The `p`-th percentile latency in milliseconds (nearest rank).
    pub(crate) fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        let i = rank.clamp(1, self.latencies.len()) - 1;
        self.latencies[i].as_secs_f64() * 1_000.0
    }
}

/// Runs `clients` copies of `client(number, deadline)` at once; each runs
/// operations until the deadline and returns their latencies. An error in
/// any client ends the run with that error.
pub(crate) async fn drive<F, Fut>(
    clients: usize,
    run_for: Duration,
    client: F,
) -> anyhow::Result<Sample>
where
    F: Fn(usize, Instant) -> Fut,
    Fut: Future<Output = anyhow::Result<Vec<Duration>>> + Send + 'static,
{
    let started = Instant::now();
    let deadline = started + run_for;
    let tasks: Vec<_> = (0..clients)
        .map(|n| tokio::spawn(client(n, deadline)))
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.context("a benchmark client panicked")??);
    }
    let secs = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    Ok(Sample {
        clients,
        secs,
        latencies,
    })
}

/// Times one operation, appending its latency.
pub(crate) async fn timed<T>(
    latencies: &mut Vec<Duration>,
    op: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let started = Instant::now();
    let out = op.await?;
    latencies.push(started.elapsed());
    Ok(out)
}

/// A table row: label, clients, operations, ops/s, p50 and p99 in ms.
pub(crate) fn row(label: &str, s: &Sample) -> String {
    format!(
        "{label:<34} {:>7} {:>9} {:>10.0} {:>9.2} {:>9.2}",
        s.clients,
        s.ops(),
        s.rate(),
        s.percentile_ms(50.0),
        s.percentile_ms(99.0)
    )
}

/// The header matching [`row`].
pub(crate) fn header(first: &str) -> String {
    format!(
        "{first:<34} {:>7} {:>9} {:>10} {:>9} {:>9}",
        "clients", "ops", "ops/s", "p50 ms", "p99 ms"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let s = Sample {
            clients: 1,
            secs: 2.0,
            latencies: (1..=100).map(Duration::from_millis).collect(),
        };
        assert_eq!(s.ops(), 100);
        assert!((s.rate() - 50.0).abs() < 1e-9);
        assert!((s.percentile_ms(50.0) - 50.0).abs() < 1e-9);
        assert!((s.percentile_ms(99.0) - 99.0).abs() < 1e-9);
        assert!((s.percentile_ms(100.0) - 100.0).abs() < 1e-9);
    }

    #[tokio::test]
    async fn every_client_runs_until_the_deadline() {
        let s = drive(3, Duration::from_millis(50), |_, deadline| async move {
            let mut l = Vec::new();
            while Instant::now() < deadline {
                timed(&mut l, async {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    Ok(())
                })
                .await?;
            }
            Ok(l)
        })
        .await
        .expect("runs");
        assert_eq!(s.clients, 3);
        assert!(s.ops() >= 3 * 5, "{} operations", s.ops());
        assert!(s.secs >= 0.05);
    }
}
