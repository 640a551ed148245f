//! One account blocking another. Stream `block:<account>:<target>`.

use super::{Aggregate, Rejection};
use crate::events::{Block as Rel, Event};

pub fn stream(account_id: i64, target_account_id: i64) -> String {
    format!("block:{account_id}:{target_account_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Block {
    pub current: Option<Rel>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Block(Rel),
    Unblock,
}

impl Aggregate for Block {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::Blocked(b) => self.current = Some(b.clone()),
            Event::Unblocked(_) => self.current = None,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        match (command, &self.current) {
            (Command::Block(b), _) if b.account_id == b.target_account_id => {
                Err(Rejection::Forbidden("You cannot block yourself".into()))
            }
            (Command::Block(b), None) => Ok(vec![Event::Blocked(b)]),
            (Command::Unblock, Some(b)) => Ok(vec![Event::Unblocked(b.clone())]),
            _ => Ok(vec![]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn rel() -> Rel {
        Rel {
            block_id: 1,
            account_id: 2,
            target_account_id: 3,
            uri: None,
            created_at: 4,
        }
    }

    #[test]
    fn blocking_twice_blocks_once_and_unblocking_undoes_it() {
        assert_eq!(
            given_when::<Block>(&[], Command::Block(rel())).unwrap(),
            vec![Event::Blocked(rel())]
        );
        let given = [Event::Blocked(rel())];
        assert!(
            given_when::<Block>(&given, Command::Block(rel()))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            given_when::<Block>(&given, Command::Unblock).unwrap(),
            vec![Event::Unblocked(rel())]
        );
        assert!(
            given_when::<Block>(&[], Command::Unblock)
                .unwrap()
                .is_empty()
        );
    }
}
