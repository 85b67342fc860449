//! Progress on standard error for long commands (audit verify, rebuilds,
//! the benchmark's seeding): one line, overwritten at most twice a second.

use std::io::Write;
use std::time::Instant;

/// Prints progress at most every half second, overwriting one line on a terminal.
#[derive(Debug)]
pub struct Ticker {
    last: Instant,
    started: Instant,
}

impl Ticker {
    /// A ticker that starts counting now.
    pub fn new() -> Self {
        let now = Instant::now();
        Ticker {
            last: now,
            started: now,
        }
    }

    /// Prints `line()` if half a second has passed since the last line.
    pub fn tick(&mut self, line: impl FnOnce() -> String) {
        if self.last.elapsed().as_millis() >= 500 {
            self.last = Instant::now();
            let mut err = std::io::stderr();
            let _ = write!(err, "\r{}   ", line());
            let _ = err.flush();
        }
    }

    /// Seconds since the ticker started.
    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Ends the progress line; returns the seconds since the start.
    pub fn done(&self) -> f64 {
        if self.last != self.started {
            eprintln!();
        }
        self.started.elapsed().as_secs_f64()
    }
}

impl Default for Ticker {
    fn default() -> Self {
        Ticker::new()
    }
}
