//! One account's pin of one of its statuses (a post in its showcase). Stream
//! `pin:<account>:<status>`; pinning twice changes nothing. The limit of pins per account
//! (`TESSERA_SHOWCASE_LIMIT`) is checked by the use case against the read model, as
//! Mastodon's validation does. The showcase's order is its own stream,
//! `showcase:<account>`.

use std::collections::HashSet;

use super::{Aggregate, Rejection, invalid};
use crate::events::{Event, Pin as PinEvent, ShowcaseOrder};

pub fn stream(account_id: i64, status_id: i64) -> String {
    format!("pin:{account_id}:{status_id}")
}

pub fn showcase_stream(account_id: i64) -> String {
    format!("showcase:{account_id}")
}

/// The order last chosen for an account's showcase.
#[derive(Debug, Default, Clone)]
pub struct Showcase {
    pub order: Vec<i64>,
}

impl Aggregate for Showcase {
    /// The new order; the use case has checked it lists exactly the pinned posts.
    type Command = ShowcaseOrder;

    fn evolve(mut self, event: &Event) -> Self {
        if let Event::ShowcaseReordered(o) = event {
            self.order = o.status_ids.clone();
        }
        self
    }

    fn decide(&self, order: ShowcaseOrder) -> Result<Vec<Event>, Rejection> {
        let distinct: HashSet<i64> = order.status_ids.iter().copied().collect();
        if order.status_ids.is_empty() || distinct.len() != order.status_ids.len() {
            return Err(invalid(
                "The showcase order must list each featured post once",
            ));
        }
        if order.status_ids == self.order {
            return Ok(vec![]);
        }
        Ok(vec![Event::ShowcaseReordered(order)])
    }
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
    fn a_showcase_order_lists_each_post_once_and_repeating_it_changes_nothing() {
        let order = |ids: &[i64]| ShowcaseOrder {
            account_id: 1,
            status_ids: ids.to_vec(),
        };
        assert_eq!(
            given_when::<Showcase>(&[], order(&[3, 1, 2])).unwrap(),
            vec![Event::ShowcaseReordered(order(&[3, 1, 2]))]
        );
        assert!(
            given_when::<Showcase>(
                &[Event::ShowcaseReordered(order(&[3, 1, 2]))],
                order(&[3, 1, 2])
            )
            .unwrap()
            .is_empty()
        );
        assert!(given_when::<Showcase>(&[], order(&[1, 1])).is_err());
        assert!(given_when::<Showcase>(&[], order(&[])).is_err());
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
