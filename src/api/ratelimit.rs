//! Failed log-in attempts are limited per login name and per client address, as Mastodon's
//! Rack::Attack rules do, so passwords cannot be guessed at speed. In memory: a restart
//! forgets, and each process counts its own (good enough for one machine; Redis later).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Limiter {
    limit: u32,
    period: Duration,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Limiter {
    pub fn new(limit: u32, period: Duration) -> Limiter {
        Limiter {
            limit,
            period,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` may try again now.
    pub fn allowed(&self, key: &str) -> bool {
        let Ok(windows) = self.windows.lock() else {
            return true;
        };
        match windows.get(key) {
            Some((start, count)) if start.elapsed() < self.period => *count < self.limit,
            _ => true,
        }
    }

    /// Count one failure against `key`.
    pub fn fail(&self, key: &str) {
        let Ok(mut windows) = self.windows.lock() else {
            return;
        };
        if windows.len() > 100_000 {
            let period = self.period;
            windows.retain(|_, (start, _)| start.elapsed() < period);
        }
        let entry = windows
            .entry(key.to_string())
            .or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.period {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }
}

/// The limits the API applies.
pub struct Limits {
    /// Failed log-ins per login name.
    pub login_per_account: Limiter,
    /// Failed log-ins per client address.
    pub login_per_address: Limiter,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            login_per_account: Limiter::new(10, Duration::from_secs(15 * 60)),
            login_per_address: Limiter::new(50, Duration::from_secs(5 * 60)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_beyond_the_limit_are_refused_until_the_window_passes() {
        let l = Limiter::new(2, Duration::from_millis(50));
        assert!(l.allowed("a"));
        l.fail("a");
        l.fail("a");
        assert!(!l.allowed("a"));
        assert!(l.allowed("b"));
        std::thread::sleep(Duration::from_millis(60));
        assert!(l.allowed("a"));
    }
}
