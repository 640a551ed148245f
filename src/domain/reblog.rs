//! One account's reblog of one status. Stream `reblog:<account>:<status>`.

use super::{Aggregate, Rejection};
use crate::events::{Event, Reblog as Boost};

pub fn stream(account_id: i64, status_id: i64) -> String {
    format!("reblog:{account_id}:{status_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Reblog {
    pub current: Option<Boost>,
}

#[derive(Debug, Clone)]
pub enum Command {
    /// `original_visibility` is the reblogged status's visibility, looked up by the use case.
    Reblog {
        reblog: Boost,
        original_visibility: String,
    },
    Unreblog,
}

impl Aggregate for Reblog {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::StatusReblogged(r) => self.current = Some(r.clone()),
            Event::StatusUnreblogged(_) => self.current = None,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        match (command, &self.current) {
            (
                Command::Reblog {
                    reblog,
                    original_visibility,
                },
                None,
            ) => {
                let own = reblog.account_id == reblog.status_account_id;
                // As Mastodon: direct posts never, followers-only posts only by their author.
                match original_visibility.as_str() {
                    "direct" => {
                        return Err(Rejection::Forbidden("This action is not allowed".into()));
                    }
                    "private" if !own => {
                        return Err(Rejection::Forbidden("This action is not allowed".into()));
                    }
                    _ => {}
                }
                Ok(vec![Event::StatusReblogged(reblog)])
            }
            (Command::Unreblog, Some(r)) => Ok(vec![Event::StatusUnreblogged(r.clone())]),
            _ => Ok(vec![]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn boost(by: i64) -> Boost {
        Boost {
            reblog_id: 9,
            account_id: by,
            status_id: 3,
            status_account_id: 4,
            visibility: "public".into(),
            created_at: 5,
            uri: None,
        }
    }

    #[test]
    fn reblogging_twice_records_once() {
        let cmd = || Command::Reblog {
            reblog: boost(2),
            original_visibility: "public".into(),
        };
        assert_eq!(
            given_when::<Reblog>(&[], cmd()).unwrap(),
            vec![Event::StatusReblogged(boost(2))]
        );
        assert!(
            given_when::<Reblog>(&[Event::StatusReblogged(boost(2))], cmd())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn private_posts_are_reblogged_only_by_their_author_and_direct_never() {
        let private = |by| Command::Reblog {
            reblog: boost(by),
            original_visibility: "private".into(),
        };
        assert!(given_when::<Reblog>(&[], private(2)).is_err());
        assert!(given_when::<Reblog>(&[], private(4)).is_ok());
        let direct = Command::Reblog {
            reblog: boost(4),
            original_visibility: "direct".into(),
        };
        assert!(given_when::<Reblog>(&[], direct).is_err());
    }

    #[test]
    fn unreblogging_undoes_the_reblog() {
        let given = [Event::StatusReblogged(boost(2))];
        assert_eq!(
            given_when::<Reblog>(&given, Command::Unreblog).unwrap(),
            vec![Event::StatusUnreblogged(boost(2))]
        );
    }
}
