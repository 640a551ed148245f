//! Time-sortable 64-bit ids, as Mastodon makes them: milliseconds since the epoch in the
//! high 48 bits and a sequence in the low 16, so ids sort by creation time and clients
//! can paginate with `max_id`/`since_id`/`min_id`.

use std::sync::atomic::{AtomicI64, Ordering};

static LAST: AtomicI64 = AtomicI64::new(0);

/// A new id, strictly greater than any this process made before.
pub fn next_id() -> i64 {
    let floor = crate::time::now_ms() << 16;
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        // Start each millisecond at a random offset so two processes rarely collide.
        let candidate = if last >= floor {
            last + 1
        } else {
            floor | i64::from(rand::random::<u8>()) << 7
        };
        match LAST.compare_exchange_weak(last, candidate, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return candidate,
            Err(seen) => last = seen,
        }
    }
}

/// The smallest id that could have been made at `ms`: for time-based pagination bounds.
pub fn id_at(ms: i64) -> i64 {
    ms << 16
}

/// Parse an API id; anything that is not a positive integer is simply not found.
pub fn parse(s: &str) -> Option<i64> {
    s.parse::<i64>().ok().filter(|v| *v > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_and_carry_their_time() {
        let before = crate::time::now_ms();
        let a = next_id();
        let b = next_id();
        assert!(b > a);
        assert!(a >> 16 >= before);
        assert!(a >= id_at(before));
    }

    #[test]
    fn non_numeric_ids_are_rejected() {
        assert_eq!(parse("abc"), None);
        assert_eq!(parse("-5"), None);
        assert_eq!(parse("109"), Some(109));
    }
}
