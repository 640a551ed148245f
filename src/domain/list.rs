//! One account's list of accounts it follows. Stream `list:<id>`: created, renamed or
//! re-set, members added and removed, deleted.

use std::collections::BTreeSet;

use super::{Aggregate, Rejection, invalid};
use crate::events::{Event, ListChanged, ListDeleted, ListMembers};

pub const MAX_TITLE_CHARS: usize = 100;
/// Lists an account may have, as Mastodon's limit.
pub const MAX_LISTS: i64 = 50;
/// Accounts in one list.
pub const MAX_MEMBERS: usize = 500;
pub const REPLIES_POLICIES: [&str; 3] = ["followed", "list", "none"];

pub fn stream(list_id: i64) -> String {
    format!("list:{list_id}")
}

#[derive(Debug, Default, Clone)]
pub struct List {
    pub id: i64,
    pub owner: Option<i64>,
    pub deleted: bool,
    pub members: BTreeSet<i64>,
}

#[derive(Debug, Clone)]
pub enum Command {
    /// Create (the first time) or change title, replies policy and exclusivity.
    Save {
        by: i64,
        list: ListChanged,
    },
    Delete {
        by: i64,
    },
    /// `following`: which of the accounts the owner follows (looked up by the use case).
    Add {
        by: i64,
        accounts: Vec<i64>,
        following: BTreeSet<i64>,
    },
    Remove {
        by: i64,
        accounts: Vec<i64>,
    },
}

impl Aggregate for List {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::ListSaved(l) => {
                self.id = l.list_id;
                self.owner = Some(l.account_id);
            }
            Event::ListDeleted(_) => self.deleted = true,
            Event::ListAccountsAdded(m) => self.members.extend(&m.account_ids),
            Event::ListAccountsRemoved(m) => {
                for a in &m.account_ids {
                    self.members.remove(a);
                }
            }
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        let own = |by: i64| {
            if self.deleted || self.owner.is_some_and(|o| o != by) {
                Err(Rejection::NotFound)
            } else {
                Ok(())
            }
        };
        match command {
            Command::Save { by, list } => {
                own(by)?;
                if self.owner.is_none() && list.account_id != by {
                    return Err(Rejection::NotFound);
                }
                let title = list.title.trim();
                if title.is_empty() {
                    return Err(invalid("Title can't be blank"));
                }
                if title.chars().count() > MAX_TITLE_CHARS {
                    return Err(invalid(format!(
                        "Title is too long (maximum is {MAX_TITLE_CHARS} characters)"
                    )));
                }
                if !REPLIES_POLICIES.contains(&list.replies_policy.as_str()) {
                    return Err(invalid(
                        "Replies policy must be one of followed, list, none",
                    ));
                }
                Ok(vec![Event::ListSaved(ListChanged {
                    title: title.to_string(),
                    ..list
                })])
            }
            Command::Delete { by } => {
                if self.owner != Some(by) || self.deleted {
                    return Err(Rejection::NotFound);
                }
                Ok(vec![Event::ListDeleted(ListDeleted {
                    list_id: self.id,
                    account_id: by,
                })])
            }
            Command::Add {
                by,
                accounts,
                following,
            } => {
                if self.owner != Some(by) || self.deleted {
                    return Err(Rejection::NotFound);
                }
                if let Some(a) = accounts.iter().find(|a| !following.contains(a)) {
                    return Err(invalid(format!(
                        "Account {a} is not followed: lists hold accounts you follow"
                    )));
                }
                let new: Vec<i64> = accounts
                    .into_iter()
                    .filter(|a| !self.members.contains(a))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                if self.members.len() + new.len() > MAX_MEMBERS {
                    return Err(invalid(format!(
                        "A list holds at most {MAX_MEMBERS} accounts"
                    )));
                }
                Ok(if new.is_empty() {
                    vec![]
                } else {
                    vec![Event::ListAccountsAdded(ListMembers {
                        list_id: self.id,
                        account_ids: new,
                    })]
                })
            }
            Command::Remove { by, accounts } => {
                if self.owner != Some(by) || self.deleted {
                    return Err(Rejection::NotFound);
                }
                let gone: Vec<i64> = accounts
                    .into_iter()
                    .filter(|a| self.members.contains(a))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                Ok(if gone.is_empty() {
                    vec![]
                } else {
                    vec![Event::ListAccountsRemoved(ListMembers {
                        list_id: self.id,
                        account_ids: gone,
                    })]
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn saved(title: &str) -> ListChanged {
        ListChanged {
            list_id: 7,
            account_id: 1,
            title: title.into(),
            replies_policy: "list".into(),
            exclusive: false,
        }
    }

    #[test]
    fn lists_are_titled_and_only_their_owner_changes_them() {
        assert!(matches!(
            given_when::<List>(
                &[],
                Command::Save {
                    by: 1,
                    list: saved("  ")
                }
            ),
            Err(Rejection::Invalid(_))
        ));
        let created = given_when::<List>(
            &[],
            Command::Save {
                by: 1,
                list: saved(" Work "),
            },
        )
        .unwrap();
        assert_eq!(created, vec![Event::ListSaved(saved("Work"))]);
        assert_eq!(
            given_when::<List>(
                &created,
                Command::Save {
                    by: 2,
                    list: saved("Mine now")
                }
            ),
            Err(Rejection::NotFound)
        );
        assert_eq!(
            given_when::<List>(&created, Command::Delete { by: 2 }),
            Err(Rejection::NotFound)
        );
    }

    #[test]
    fn members_must_be_followed_and_are_added_once() {
        let given = [Event::ListSaved(saved("Work"))];
        let following = BTreeSet::from([5, 6]);
        assert!(matches!(
            given_when::<List>(
                &given,
                Command::Add {
                    by: 1,
                    accounts: vec![5, 9],
                    following: following.clone()
                }
            ),
            Err(Rejection::Invalid(_))
        ));
        let added = given_when::<List>(
            &given,
            Command::Add {
                by: 1,
                accounts: vec![6, 5, 5],
                following: following.clone(),
            },
        )
        .unwrap();
        assert_eq!(
            added,
            vec![Event::ListAccountsAdded(ListMembers {
                list_id: 7,
                account_ids: vec![5, 6]
            })]
        );
        let all = [given[0].clone(), added[0].clone()];
        assert!(
            given_when::<List>(
                &all,
                Command::Add {
                    by: 1,
                    accounts: vec![5],
                    following
                }
            )
            .unwrap()
            .is_empty()
        );
        assert_eq!(
            given_when::<List>(
                &all,
                Command::Remove {
                    by: 1,
                    accounts: vec![6, 8]
                }
            )
            .unwrap(),
            vec![Event::ListAccountsRemoved(ListMembers {
                list_id: 7,
                account_ids: vec![6]
            })]
        );
    }
}
