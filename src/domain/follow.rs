//! The follow relationship from one account to another, including follow requests to
//! locked accounts. Stream `follow:<follower>:<target>`, so a request being authorised and
//! cancelled at once cannot both win.

use super::{Aggregate, Rejection};
use crate::events::{Event, Follow as Rel};

pub fn stream(account_id: i64, target_account_id: i64) -> String {
    format!("follow:{account_id}:{target_account_id}")
}

#[derive(Debug, Default, Clone, PartialEq)]
pub enum Follow {
    #[default]
    None,
    Requested(Rel),
    Following(Rel),
}

#[derive(Debug, Clone)]
pub enum Command {
    /// `target_locked` comes from the target's profile, looked up by the use case.
    Follow {
        rel: Rel,
        target_locked: bool,
    },
    Unfollow,
    Authorize,
    Reject,
    /// The followed account removes the follower.
    RemoveFollower,
}

impl Aggregate for Follow {
    type Command = Command;

    fn evolve(self, event: &Event) -> Self {
        match event {
            Event::FollowRequested(r) => Follow::Requested(r.clone()),
            Event::Followed(r) | Event::FollowRequestAuthorized(r) => Follow::Following(r.clone()),
            Event::FollowRequestRejected(_)
            | Event::FollowRequestCancelled(_)
            | Event::Unfollowed(_)
            | Event::FollowerRemoved(_) => Follow::None,
            _ => self,
        }
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        match (command, self) {
            (Command::Follow { rel, .. }, _) if rel.account_id == rel.target_account_id => {
                Err(Rejection::Forbidden("You cannot follow yourself".into()))
            }
            (
                Command::Follow {
                    rel,
                    target_locked: true,
                },
                Follow::None,
            ) => Ok(vec![Event::FollowRequested(rel)]),
            (
                Command::Follow {
                    rel,
                    target_locked: false,
                },
                Follow::None,
            ) => Ok(vec![Event::Followed(rel)]),
            (Command::Follow { .. }, _) => Ok(vec![]),
            (Command::Unfollow, Follow::Following(r)) => Ok(vec![Event::Unfollowed(r.clone())]),
            (Command::Unfollow, Follow::Requested(r)) => {
                Ok(vec![Event::FollowRequestCancelled(r.clone())])
            }
            (Command::Unfollow, Follow::None) => Ok(vec![]),
            (Command::Authorize, Follow::Requested(r)) => {
                Ok(vec![Event::FollowRequestAuthorized(r.clone())])
            }
            (Command::Reject, Follow::Requested(r)) => {
                Ok(vec![Event::FollowRequestRejected(r.clone())])
            }
            (Command::RemoveFollower, Follow::Following(r)) => {
                Ok(vec![Event::FollowerRemoved(r.clone())])
            }
            (Command::RemoveFollower, _) => Ok(vec![]),
            (Command::Authorize | Command::Reject, _) => Err(Rejection::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn rel() -> Rel {
        Rel {
            follow_id: 1,
            account_id: 2,
            target_account_id: 3,
            created_at: 4,
            uri: None,
        }
    }
    fn follow(locked: bool) -> Command {
        Command::Follow {
            rel: rel(),
            target_locked: locked,
        }
    }

    #[test]
    fn following_an_open_account_follows_at_once() {
        assert_eq!(
            given_when::<Follow>(&[], follow(false)).unwrap(),
            vec![Event::Followed(rel())]
        );
    }

    #[test]
    fn following_a_locked_account_requests_and_waits_for_authorisation() {
        assert_eq!(
            given_when::<Follow>(&[], follow(true)).unwrap(),
            vec![Event::FollowRequested(rel())]
        );
        let given = [Event::FollowRequested(rel())];
        assert!(
            given_when::<Follow>(&given, follow(true))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            given_when::<Follow>(&given, Command::Authorize).unwrap(),
            vec![Event::FollowRequestAuthorized(rel())]
        );
        assert_eq!(
            given_when::<Follow>(&given, Command::Reject).unwrap(),
            vec![Event::FollowRequestRejected(rel())]
        );
        assert_eq!(
            given_when::<Follow>(&given, Command::Unfollow).unwrap(),
            vec![Event::FollowRequestCancelled(rel())]
        );
    }

    #[test]
    fn authorising_without_a_request_is_not_found() {
        assert_eq!(
            given_when::<Follow>(&[Event::Followed(rel())], Command::Authorize),
            Err(Rejection::NotFound)
        );
    }

    #[test]
    fn following_yourself_is_forbidden() {
        let me = Rel {
            target_account_id: 2,
            ..rel()
        };
        let r = given_when::<Follow>(
            &[],
            Command::Follow {
                rel: me,
                target_locked: false,
            },
        );
        assert!(matches!(r, Err(Rejection::Forbidden(_))));
    }

    #[test]
    fn unfollowing_ends_the_follow() {
        let given = [Event::Followed(rel())];
        assert_eq!(
            given_when::<Follow>(&given, Command::Unfollow).unwrap(),
            vec![Event::Unfollowed(rel())]
        );
        let given = [Event::Followed(rel()), Event::Unfollowed(rel())];
        assert!(
            given_when::<Follow>(&given, Command::Unfollow)
                .unwrap()
                .is_empty()
        );
    }
}
