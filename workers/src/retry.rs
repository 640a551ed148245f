//! When to try a failed job again. Mastodon retries 16 times over about two days; we do
//! the same with exponential back-off and jitter, honour `Retry-After` up to a cap, and
//! treat client errors other than 401, 408 and 429 as final.

use std::time::Duration;

use crate::JobOutcome;

pub const MAX_ATTEMPTS: u32 = 16;
/// No `Retry-After` makes us wait longer than this.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(6 * 3600);

/// Back-off before attempt `attempt + 1` (attempt counts from 1): (attempt⁴ + 15 + jitter)
/// seconds, as Sidekiq's default, which spreads 16 attempts over about two days.
pub fn backoff(attempt: u32, jitter_unit: f64) -> Duration {
    let a = u64::from(attempt);
    let jitter = (jitter_unit.clamp(0.0, 1.0) * 30.0 * (a + 1) as f64) as u64;
    Duration::from_secs(a.pow(4) + 15 + jitter)
}

/// What an HTTP status answering a job's request means for the job.
pub fn outcome_of_status(code: u16, retry_after: Option<Duration>, reason: String) -> JobOutcome {
    match code {
        200..=299 => JobOutcome::Done,
        401 | 408 | 429 | 500.. => JobOutcome::Retry {
            after: retry_after,
            reason,
        },
        _ => JobOutcome::Fail(reason),
    }
}

/// Whether attempt `attempt` (from 1) was the last one allowed.
pub fn gives_up(attempt: u32) -> bool {
    attempt >= MAX_ATTEMPTS
}

/// How long to wait before trying again: the peer's `Retry-After`, capped, or the
/// back-off multiplied by `scale`.
pub fn wait_before_retry(
    attempt: u32,
    retry_after: Option<Duration>,
    scale: f64,
    jitter_unit: f64,
) -> Duration {
    match retry_after {
        Some(after) => after.min(RETRY_AFTER_CAP),
        None => backoff(attempt, jitter_unit).mul_f64(scale),
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
        assert!(!gives_up(MAX_ATTEMPTS - 1));
        assert!(gives_up(MAX_ATTEMPTS));
    }

    #[test]
    fn client_errors_are_final_except_401_408_429() {
        let of = |code| outcome_of_status(code, None, format!("answered {code}"));
        assert_eq!(of(404), JobOutcome::Fail("answered 404".into()));
        assert_eq!(of(410), JobOutcome::Fail("answered 410".into()));
        for code in [401, 408, 429, 500, 503] {
            assert!(matches!(of(code), JobOutcome::Retry { .. }), "{code}");
        }
        assert_eq!(of(202), JobOutcome::Done);
    }

    #[test]
    fn retry_after_is_honoured_up_to_a_cap() {
        let two_minutes = Some(Duration::from_secs(120));
        assert_eq!(
            wait_before_retry(1, two_minutes, 1.0, 0.0),
            Duration::from_secs(120)
        );
        assert_eq!(
            wait_before_retry(1, Some(Duration::from_secs(10 * 24 * 3600)), 1.0, 0.0),
            RETRY_AFTER_CAP
        );
        assert_eq!(wait_before_retry(2, None, 1.0, 0.0), backoff(2, 0.0));
        assert_eq!(
            wait_before_retry(2, None, 0.5, 0.0),
            backoff(2, 0.0).mul_f64(0.5)
        );
    }
}
