//! When to try a failed delivery again. Mastodon retries 16 times over about two days;
//! we do the same with exponential back-off and jitter, honour `Retry-After` up to a cap,
//! and treat client errors other than 401, 408 and 429 as final.

use std::time::Duration;

pub const MAX_ATTEMPTS: u32 = 16;
/// No `Retry-After` makes us wait longer than this.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(6 * 3600);

/// What a delivery attempt came back with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptResult {
    Delivered,
    Status {
        code: u16,
        retry_after: Option<Duration>,
    },
    /// Connection refused, time-out, TLS failure and the like.
    Unreachable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Done,
    RetryAfter(Duration),
    GiveUp,
}

/// Back-off before attempt `attempt + 1` (attempt counts from 1): (attempt⁴ + 15 + jitter)
/// seconds, as Sidekiq's default, which spreads 16 attempts over about two days.
pub fn backoff(attempt: u32, jitter_unit: f64) -> Duration {
    let a = u64::from(attempt);
    let jitter = (jitter_unit.clamp(0.0, 1.0) * 30.0 * (a + 1) as f64) as u64;
    Duration::from_secs(a.pow(4) + 15 + jitter)
}

pub fn decide(attempt: u32, result: AttemptResult, jitter_unit: f64) -> Decision {
    let retry = |wait: Duration| {
        if attempt >= MAX_ATTEMPTS {
            Decision::GiveUp
        } else {
            Decision::RetryAfter(wait)
        }
    };
    match result {
        AttemptResult::Delivered => Decision::Done,
        AttemptResult::Status { code, .. } if (200..300).contains(&code) => Decision::Done,
        AttemptResult::Status { code, retry_after }
            if matches!(code, 401 | 408 | 429) || code >= 500 =>
        {
            let wait = backoff(attempt, jitter_unit);
            retry(retry_after.map_or(wait, |ra| ra.min(RETRY_AFTER_CAP).max(wait.min(ra))))
        }
        AttemptResult::Status { .. } => Decision::GiveUp,
        AttemptResult::Unreachable => retry(backoff(attempt, jitter_unit)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_attempts_span_about_two_days() {
        let total: u64 = (1..MAX_ATTEMPTS).map(|a| backoff(a, 0.5).as_secs()).sum();
        assert!(
            (36 * 3600..60 * 3600).contains(&total),
            "total back-off {total}s"
        );
    }

    #[test]
    fn client_errors_are_final_except_401_408_429() {
        let status = |code| AttemptResult::Status {
            code,
            retry_after: None,
        };
        assert_eq!(decide(1, status(404), 0.0), Decision::GiveUp);
        assert_eq!(decide(1, status(410), 0.0), Decision::GiveUp);
        assert!(matches!(
            decide(1, status(429), 0.0),
            Decision::RetryAfter(_)
        ));
        assert!(matches!(
            decide(1, status(401), 0.0),
            Decision::RetryAfter(_)
        ));
        assert!(matches!(
            decide(1, status(503), 0.0),
            Decision::RetryAfter(_)
        ));
        assert_eq!(decide(1, status(202), 0.0), Decision::Done);
        assert_eq!(
            decide(MAX_ATTEMPTS, AttemptResult::Unreachable, 0.0),
            Decision::GiveUp
        );
    }

    #[test]
    fn retry_after_is_honoured_up_to_a_cap() {
        let ra = |secs| AttemptResult::Status {
            code: 429,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(
            decide(1, ra(120), 0.0),
            Decision::RetryAfter(Duration::from_secs(120))
        );
        assert_eq!(
            decide(1, ra(10 * 24 * 3600), 0.0),
            Decision::RetryAfter(RETRY_AFTER_CAP)
        );
    }
}
