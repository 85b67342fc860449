//! Bounds that keep one caller from crowding out the rest, whatever the
//! transport: one quality report at a time per caller and a few at a time
//! in all ([`Expensive`]), and filings per caller and minute
//! ([`FilingRate`]). Kept per server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bounds on expensive operations (the quality report and its export):
/// one at a time per caller, `global` at a time in all, so one person's
/// reports cannot starve everyone else's reads.
#[derive(Debug)]
pub struct Expensive {
    global: Arc<Semaphore>,
    callers: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Expensive {
    /// At most `global` expensive operations at once.
    pub fn new(global: usize) -> Self {
        Expensive {
            global: Arc::new(Semaphore::new(global.max(1))),
            callers: Mutex::default(),
        }
    }

    /// Waits for a turn for `caller`; the turn ends when the permits drop.
    pub async fn turn(&self, caller: &str) -> (OwnedSemaphorePermit, OwnedSemaphorePermit) {
        let mine = {
            let mut callers = self.callers.lock().expect("never poisoned");
            // Forget callers with no turn running or waiting.
            callers.retain(|_, s| Arc::strong_count(s) > 1);
            Arc::clone(
                callers
                    .entry(caller.to_owned())
                    .or_insert_with(|| Arc::new(Semaphore::new(1))),
            )
        };
        let own = mine.acquire_owned().await.expect("never closed");
        let global = Arc::clone(&self.global)
            .acquire_owned()
            .await
            .expect("never closed");
        (own, global)
    }
}

/// Filings per caller and minute, as a token bucket (a burst of a minute's
/// worth, then a steady rate); `0` turns the limit off. Kept per server.
#[derive(Debug)]
pub struct FilingRate {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, std::time::Instant)>>,
}

impl FilingRate {
    /// At most `per_minute` filings per caller and minute (0: no limit).
    pub fn new(per_minute: u32) -> Self {
        FilingRate {
            per_minute,
            buckets: Mutex::default(),
        }
    }

    /// Takes one filing from `caller`'s bucket; false when it is empty.
    pub fn allow(&self, caller: &str) -> bool {
        self.bucket(caller, 1.0)
    }

    /// Whether `caller`'s bucket holds a turn, without taking it (for a
    /// bucket that only failures empty: wrong receipt codes).
    pub fn has_turn(&self, caller: &str) -> bool {
        self.bucket(caller, 0.0)
    }

    /// Refills `caller`'s bucket and takes `take` from it when it holds a
    /// whole turn; whether it did.
    fn bucket(&self, caller: &str, take: f64) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let now = std::time::Instant::now();
        let mut buckets = self.buckets.lock().expect("never poisoned");
        if buckets.len() > 10_000 {
            // Forget callers whose bucket has refilled: they lose nothing.
            buckets.retain(|_, (left, at)| {
                *left + now.duration_since(*at).as_secs_f64() * per_second < capacity
            });
        }
        let (left, at) = buckets.entry(caller.to_owned()).or_insert((capacity, now));
        *left = (*left + now.duration_since(*at).as_secs_f64() * per_second).min(capacity);
        *at = now;
        if *left >= 1.0 {
            *left -= take;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn expensive_work_runs_one_at_a_time_per_caller_and_a_few_in_all() {
        let expensive = Expensive::new(2);
        let wait = Duration::from_millis(100);
        let first = expensive.turn("sas-1").await;
        assert!(
            tokio::time::timeout(wait, expensive.turn("sas-1"))
                .await
                .is_err(),
            "the same caller waits for their first report"
        );
        let other = tokio::time::timeout(wait, expensive.turn("mas-1"))
            .await
            .expect("another caller has a turn");
        assert!(
            tokio::time::timeout(wait, expensive.turn("auditor-1"))
                .await
                .is_err(),
            "two at a time in all"
        );
        drop(first);
        let again = tokio::time::timeout(wait, expensive.turn("sas-1"))
            .await
            .expect("a turn once the first ended");
        drop((other, again));
        assert!(
            expensive.callers.lock().expect("lock").len() <= 3,
            "callers are forgotten when idle"
        );
    }

    #[test]
    fn filings_are_counted_per_caller_with_a_steady_refill() {
        let rate = FilingRate::new(2);
        assert!(rate.allow("a") && rate.allow("a"));
        assert!(!rate.allow("a"), "a third within the minute");
        assert!(rate.allow("b"), "another caller");
        assert!(rate.has_turn("b") && rate.has_turn("b") && rate.allow("b"));
        assert!(!rate.has_turn("b"), "looking takes no turn, taking does");
        let off = FilingRate::new(0);
        assert!((0..1000).all(|_| off.allow("a")), "0 turns the limit off");
    }
}
