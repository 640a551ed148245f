//! The streaming API's machinery: the [`hub`] of open streams in this process, and the
//! [`dispatch`] that follows the event log and sends each subscriber what it may see. The
//! routes are in `api::streaming`. With `REDIS_URL`, [`wake`] tells every process at once
//! that the log moved; without it, each looks every 250 ms.

pub mod dispatch;
pub mod hub;
pub mod wake;

use tokio::sync::watch;

pub struct Streaming {
    pub hub: hub::Hub,
    /// Counts this process's projector catching up with new events.
    pub projected: watch::Sender<u64>,
    /// Counts wake-ups from other processes (through Redis).
    pub elsewhere: watch::Sender<u64>,
    /// Cancelled when the server stops: open streams end, so shutting down never waits on
    /// a client that would listen for ever.
    pub closing: tokio_util::sync::CancellationToken,
}

impl Default for Streaming {
    fn default() -> Self {
        Streaming {
            hub: hub::Hub::default(),
            projected: watch::Sender::new(0),
            elsewhere: watch::Sender::new(0),
            closing: tokio_util::sync::CancellationToken::new(),
        }
    }
}
