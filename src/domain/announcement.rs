//! An operator's announcement, stream `announcement:<id>`: created, changed, published or
//! withdrawn, deleted. Who has read it and who reacted how are [`super::toggle`] streams
//! (`announcement_read:<account>:<id>`, `announcement_reaction:<id>:<account>:<name>`).

use super::{Aggregate, Rejection, invalid, validate};
use crate::events::{Announcement as Saved, AnnouncementRef, Event};

/// Mastodon's announcement text has no limit of its own; this keeps one screenful.
pub const TEXT_MAX: usize = 5000;
/// As Mastodon: at most this many different reactions on one announcement.
pub const REACTIONS_MAX: i64 = 8;

pub fn stream(announcement_id: i64) -> String {
    format!("announcement:{announcement_id}")
}

pub fn read_stream(account_id: i64, announcement_id: i64) -> String {
    format!("announcement_read:{account_id}:{announcement_id}")
}

pub fn reaction_stream(announcement_id: i64, account_id: i64, name: &str) -> String {
    format!("announcement_reaction:{announcement_id}:{account_id}:{name}")
}

#[derive(Debug, Default, Clone)]
pub struct Announcement {
    pub current: Option<Saved>,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub enum Command {
    /// Create, or replace what an existing announcement says and when it is shown.
    Save(Saved),
    Delete {
        at: i64,
    },
}

impl Aggregate for Announcement {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::AnnouncementSaved(e) => self.current = Some(e.clone()),
            Event::AnnouncementDeleted(_) => {
                self.current = None;
                self.deleted = true;
            }
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        if self.deleted {
            return Err(Rejection::NotFound);
        }
        match command {
            Command::Save(new) => {
                check(&new)?;
                let unchanged = self.current.as_ref().is_some_and(|old| {
                    Saved {
                        at: old.at,
                        ..new.clone()
                    } == *old
                });
                Ok(if unchanged {
                    vec![]
                } else {
                    vec![Event::AnnouncementSaved(new)]
                })
            }
            Command::Delete { at } => match &self.current {
                None => Err(Rejection::NotFound),
                Some(a) => Ok(vec![Event::AnnouncementDeleted(AnnouncementRef {
                    announcement_id: a.announcement_id,
                    at,
                })]),
            },
        }
    }
}

fn check(a: &Saved) -> Result<(), Rejection> {
    if a.text.trim().is_empty() {
        return Err(invalid("Text can't be blank"));
    }
    validate::max_chars("Text", &a.text, TEXT_MAX)?;
    if let (Some(starts), Some(ends)) = (a.starts_at, a.ends_at)
        && ends < starts
    {
        return Err(invalid("Ends at must be after starts at"));
    }
    if a.all_day && (a.starts_at.is_none() || a.ends_at.is_none()) {
        return Err(invalid(
            "An all-day announcement needs both starts at and ends at",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn saved(text: &str) -> Saved {
        Saved {
            announcement_id: 1,
            text: text.into(),
            starts_at: None,
            ends_at: None,
            all_day: false,
            published: true,
            at: 10,
        }
    }

    #[test]
    fn given_nothing_when_saving_then_it_is_created_unless_blank() {
        assert_eq!(
            given_when::<Announcement>(&[], Command::Save(saved("Hello"))).unwrap(),
            vec![Event::AnnouncementSaved(saved("Hello"))]
        );
        assert!(given_when::<Announcement>(&[], Command::Save(saved("  "))).is_err());
    }

    #[test]
    fn given_an_announcement_when_saving_the_same_later_then_nothing() {
        let given = [Event::AnnouncementSaved(saved("Hello"))];
        let later = Saved {
            at: 20,
            ..saved("Hello")
        };
        assert!(
            given_when::<Announcement>(&given, Command::Save(later))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_period_must_not_end_before_it_starts_and_all_day_needs_both_ends() {
        let backwards = Saved {
            starts_at: Some(100),
            ends_at: Some(50),
            ..saved("Hello")
        };
        assert!(given_when::<Announcement>(&[], Command::Save(backwards)).is_err());
        let open_all_day = Saved {
            all_day: true,
            starts_at: Some(100),
            ..saved("Hello")
        };
        assert!(given_when::<Announcement>(&[], Command::Save(open_all_day)).is_err());
    }

    #[test]
    fn given_a_deleted_announcement_when_saving_or_deleting_then_not_found() {
        let given = [
            Event::AnnouncementSaved(saved("Hello")),
            Event::AnnouncementDeleted(AnnouncementRef {
                announcement_id: 1,
                at: 11,
            }),
        ];
        assert_eq!(
            given_when::<Announcement>(&given, Command::Save(saved("Again"))),
            Err(Rejection::NotFound)
        );
        assert_eq!(
            given_when::<Announcement>(&given, Command::Delete { at: 12 }),
            Err(Rejection::NotFound)
        );
    }
}
