//! One account's pin of one of its statuses. Stream `pin:<account>:<status>`; pinning twice
//! changes nothing. The limit of pins per account is checked by the use case against the
//! read model, as Mastodon's validation does.

use super::{Aggregate, Rejection};
use crate::events::{Event, Pin as PinEvent};

/// Mastodon's `max_pinned_statuses`.
pub const MAX_PINS: i64 = 5;

pub fn stream(account_id: i64, status_id: i64) -> String {
    format!("pin:{account_id}:{status_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Pin {
    pub current: Option<PinEvent>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Pin(PinEvent),
    Unpin,
}

impl Aggregate for Pin {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::StatusPinned(p) => self.current = Some(p.clone()),
            Event::StatusUnpinned(_) => self.current = None,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        Ok(match (command, &self.current) {
            (Command::Pin(p), None) => vec![Event::StatusPinned(p)],
            (Command::Unpin, Some(p)) => vec![Event::StatusUnpinned(p.clone())],
            _ => vec![],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn pin() -> PinEvent {
        PinEvent {
            account_id: 1,
            status_id: 2,
            created_at: 3,
        }
    }

    #[test]
    fn pinning_twice_appends_once_and_unpinning_needs_a_pin() {
        assert_eq!(
            given_when::<Pin>(&[], Command::Pin(pin())).unwrap(),
            vec![Event::StatusPinned(pin())]
        );
        assert!(
            given_when::<Pin>(&[Event::StatusPinned(pin())], Command::Pin(pin()))
                .unwrap()
                .is_empty()
        );
        assert!(given_when::<Pin>(&[], Command::Unpin).unwrap().is_empty());
        assert_eq!(
            given_when::<Pin>(&[Event::StatusPinned(pin())], Command::Unpin).unwrap(),
            vec![Event::StatusUnpinned(pin())]
        );
    }
}
