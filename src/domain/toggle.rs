//! Small per-user relations with no rule beyond "once": a note on an account
//! (`note:<account>:<target>`), an endorsement (`endorse:<account>:<target>`), a
//! user-level domain block (`user_domain_block:<account>:<domain>`), a followed hashtag
//! (`tag_follow:<account>:<tag>`), a featured one (`featured_tag:<account>:<tag>`), a
//! dismissed follow suggestion (`suggestion_dismissal:<account>:<target>`) and a muted
//! conversation (`thread_mute:<account>:<thread>`); an announcement read or reacted to
//! (see [`super::announcement`]).

use super::{Aggregate, Rejection, validate};
use crate::events::{AccountNote, Event};

/// As Mastodon's limit on account notes.
pub const NOTE_MAX: usize = 2000;

pub fn note_stream(account_id: i64, target: i64) -> String {
    format!("note:{account_id}:{target}")
}

pub fn endorse_stream(account_id: i64, target: i64) -> String {
    format!("endorse:{account_id}:{target}")
}

pub fn tag_follow_stream(account_id: i64, tag: &str) -> String {
    format!("tag_follow:{account_id}:{tag}")
}

pub fn featured_tag_stream(account_id: i64, tag: &str) -> String {
    format!("featured_tag:{account_id}:{tag}")
}

pub fn thread_mute_stream(account_id: i64, thread_id: i64) -> String {
    format!("thread_mute:{account_id}:{thread_id}")
}

pub fn dismissal_stream(account_id: i64, target: i64) -> String {
    format!("suggestion_dismissal:{account_id}:{target}")
}

pub fn domain_block_stream(account_id: i64, domain: &str) -> String {
    format!("user_domain_block:{account_id}:{domain}")
}

#[derive(Debug, Default, Clone)]
pub struct Toggle {
    pub on: bool,
    pub note: String,
}

#[derive(Debug, Clone)]
pub enum Command {
    /// Record the event (AccountEndorsed, UserDomainBlocked) unless already on.
    On(Event),
    /// Record the event (AccountUnendorsed, UserDomainUnblocked) only when on.
    Off(Event),
    Note(AccountNote),
}

impl Aggregate for Toggle {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::AccountEndorsed(_)
            | Event::UserDomainBlocked(_)
            | Event::TagFollowed(_)
            | Event::FeaturedTagAdded(_)
            | Event::SuggestionDismissed(_)
            | Event::ConversationMuted(_)
            | Event::AnnouncementDismissed(_)
            | Event::AnnouncementReactionAdded(_)
            | Event::CustomEmojiAdded(_) => self.on = true,
            Event::AccountUnendorsed(_)
            | Event::UserDomainUnblocked(_)
            | Event::TagUnfollowed(_)
            | Event::FeaturedTagRemoved(_)
            | Event::ConversationUnmuted(_)
            | Event::AnnouncementReactionRemoved(_)
            | Event::CustomEmojiRemoved(_) => self.on = false,
            Event::AccountNoteSet(n) => self.note = n.note.clone(),
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        Ok(match command {
            Command::On(e) if !self.on => vec![e],
            Command::Off(e) if self.on => vec![e],
            Command::On(_) | Command::Off(_) => vec![],
            Command::Note(n) => {
                validate::max_chars("Note", &n.note, NOTE_MAX)?;
                if n.note == self.note {
                    vec![]
                } else {
                    vec![Event::AccountNoteSet(n)]
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;
    use crate::events::AccountPair;

    fn pair() -> AccountPair {
        AccountPair {
            account_id: 1,
            target_account_id: 2,
            at: 0,
        }
    }

    #[test]
    fn given_an_endorsement_when_endorsing_again_then_nothing_and_unendorsing_works() {
        let given = [Event::AccountEndorsed(pair())];
        assert!(
            given_when::<Toggle>(&given, Command::On(Event::AccountEndorsed(pair())))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            given_when::<Toggle>(&given, Command::Off(Event::AccountUnendorsed(pair()))).unwrap(),
            vec![Event::AccountUnendorsed(pair())]
        );
    }

    #[test]
    fn given_nothing_when_a_note_is_too_long_then_invalid() {
        let note = AccountNote {
            account_id: 1,
            target_account_id: 2,
            note: "x".repeat(NOTE_MAX + 1),
        };
        assert!(matches!(
            given_when::<Toggle>(&[], Command::Note(note)),
            Err(Rejection::Invalid(_))
        ));
    }
}
