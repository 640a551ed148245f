//! One account's bookmark of one status. Stream `bookmark:<account>:<status>`; bookmarking
//! twice changes nothing.

use super::{Aggregate, Rejection};
use crate::events::{Bookmark as Mark, Event};

pub fn stream(account_id: i64, status_id: i64) -> String {
    format!("bookmark:{account_id}:{status_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Bookmark {
    pub current: Option<Mark>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Bookmark(Mark),
    Unbookmark,
}

impl Aggregate for Bookmark {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::StatusBookmarked(b) => self.current = Some(b.clone()),
            Event::StatusUnbookmarked(_) => self.current = None,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        Ok(match (command, &self.current) {
            (Command::Bookmark(b), None) => vec![Event::StatusBookmarked(b)],
            (Command::Unbookmark, Some(b)) => vec![Event::StatusUnbookmarked(b.clone())],
            _ => vec![],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn mark() -> Mark {
        Mark {
            bookmark_id: 1,
            account_id: 2,
            status_id: 3,
            created_at: 4,
        }
    }

    #[test]
    fn bookmarking_twice_appends_once_and_unbookmarking_needs_a_bookmark() {
        assert_eq!(
            given_when::<Bookmark>(&[], Command::Bookmark(mark())).unwrap(),
            vec![Event::StatusBookmarked(mark())]
        );
        assert!(
            given_when::<Bookmark>(
                &[Event::StatusBookmarked(mark())],
                Command::Bookmark(mark())
            )
            .unwrap()
            .is_empty()
        );
        assert!(
            given_when::<Bookmark>(&[], Command::Unbookmark)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            given_when::<Bookmark>(&[Event::StatusBookmarked(mark())], Command::Unbookmark)
                .unwrap(),
            vec![Event::StatusUnbookmarked(mark())]
        );
    }
}
