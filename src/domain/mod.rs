//! The pure core: aggregates that decide which events a command causes (`decide`) and fold
//! events into their state (`evolve`). No I/O here: the use cases in `app` look things up
//! first and put what they found into the command.

pub mod account;
pub mod announcement;
pub mod block;
pub mod bookmark;
pub mod card;
pub mod conversation;
pub mod domain_block;
pub mod emoji;
pub mod favourite;
pub mod filter;
pub mod follow;
pub mod list;
pub mod marker;
pub mod media;
pub mod mute;
pub mod notification_policy;
pub mod once;
pub mod password;
pub mod pin;
pub mod poll;
pub mod push;
pub mod reblog;
pub mod report;
pub mod scheduled;
pub mod status;
pub mod text;
pub mod toggle;
pub mod validate;

use crate::events::Event;

/// Why a command was refused. Mapped to HTTP in `error.rs`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
}

pub fn invalid(m: impl Into<String>) -> Rejection {
    Rejection::Invalid(m.into())
}

/// One consistency boundary of the log: a stream's events fold into its state.
pub trait Aggregate: Default + Sized + Send + 'static {
    type Command: Clone + Send + 'static;
    fn evolve(self, event: &Event) -> Self;
    fn decide(&self, command: Self::Command) -> Result<Vec<Event>, Rejection>;

    fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Self {
        events
            .into_iter()
            .fold(Self::default(), |state, e| state.evolve(e))
    }
}

/// Given these events, when this command, then these events (or this rejection).
#[cfg(test)]
pub fn given_when<A: Aggregate>(
    given: &[Event],
    when: A::Command,
) -> Result<Vec<Event>, Rejection> {
    A::from_events(given).decide(when)
}
