//! One account's favourite of one status. Stream `favourite:<account>:<status>`, so
//! favourites by different accounts never contend, and a repeated favourite changes nothing.

use super::{Aggregate, Rejection};
use crate::events::{Event, Favourite as Fav};

pub fn stream(account_id: i64, status_id: i64) -> String {
    format!("favourite:{account_id}:{status_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Favourite {
    pub current: Option<Fav>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Favourite(Fav),
    Unfavourite,
}

impl Aggregate for Favourite {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::StatusFavourited(f) => self.current = Some(f.clone()),
            Event::StatusUnfavourited(_) => self.current = None,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        Ok(match (command, &self.current) {
            (Command::Favourite(f), None) => vec![Event::StatusFavourited(f)],
            (Command::Unfavourite, Some(f)) => vec![Event::StatusUnfavourited(f.clone())],
            _ => vec![],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn fav() -> Fav {
        Fav {
            favourite_id: 1,
            account_id: 2,
            status_id: 3,
            status_account_id: 4,
            created_at: 5,
            uri: None,
        }
    }

    #[test]
    fn favouriting_twice_records_once() {
        assert_eq!(
            given_when::<Favourite>(&[], Command::Favourite(fav())).unwrap(),
            vec![Event::StatusFavourited(fav())]
        );
        assert!(
            given_when::<Favourite>(&[Event::StatusFavourited(fav())], Command::Favourite(fav()))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn unfavouriting_undoes_the_favourite_that_exists() {
        assert!(
            given_when::<Favourite>(&[], Command::Unfavourite)
                .unwrap()
                .is_empty()
        );
        let given = [Event::StatusFavourited(fav())];
        assert_eq!(
            given_when::<Favourite>(&given, Command::Unfavourite).unwrap(),
            vec![Event::StatusUnfavourited(fav())]
        );
    }
}
