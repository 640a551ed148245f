//! A status's lifecycle. Stream `status:<id>`.

use super::{Aggregate, Rejection, invalid};
use crate::events::{Event, StatusDeleted, StatusEdited, StatusPosted};

pub fn stream(status_id: i64) -> String {
    format!("status:{status_id}")
}

pub const VISIBILITIES: [&str; 4] = ["public", "unlisted", "private", "direct"];

#[derive(Debug, Default, Clone)]
pub struct Status {
    pub id: Option<i64>,
    pub account_id: i64,
    pub deleted: bool,
    pub has_media: bool,
}

#[derive(Debug, Clone)]
pub enum Command {
    /// `max_chars` is the instance limit; the use case rendered `content` and resolved mentions.
    Post {
        status: Box<StatusPosted>,
        max_chars: usize,
    },
    Delete {
        by_account_id: i64,
    },
    /// Only the author may edit; `max_chars` applies to local edits.
    Edit {
        edit: Box<StatusEdited>,
        max_chars: usize,
        remote: bool,
    },
}

/// Text may be empty only when the post has attachments, as in Mastodon.
fn check_text(
    text: &str,
    spoiler_text: &str,
    max_chars: usize,
    has_media: bool,
) -> Result<(), Rejection> {
    if text.trim().is_empty() && !has_media {
        return Err(invalid("Text can't be blank"));
    }
    let length = super::text::counted_length(text) + spoiler_text.chars().count();
    if length > max_chars {
        return Err(invalid(format!(
            "Text character limit of {max_chars} exceeded"
        )));
    }
    Ok(())
}

impl Aggregate for Status {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::StatusPosted(e) => {
                self.id = Some(e.status_id);
                self.account_id = e.account_id;
                self.has_media = !e.media.is_empty();
            }
            Event::StatusDeleted(_) => self.deleted = true,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        match command {
            Command::Post { status, max_chars } => {
                if self.id.is_some() {
                    return Err(Rejection::Conflict("Status already exists".into()));
                }
                // Other servers set their own limits; their posts may even be empty
                // (attachments only).
                if !status.remote {
                    check_text(
                        &status.text,
                        &status.spoiler_text,
                        max_chars,
                        !status.media.is_empty(),
                    )?;
                }
                if !VISIBILITIES.contains(&status.visibility.as_str()) {
                    return Err(invalid("Visibility is not included in the list"));
                }
                Ok(vec![Event::StatusPosted(*status)])
            }
            Command::Delete { by_account_id } => match self.id {
                Some(status_id) if !self.deleted => {
                    if self.account_id != by_account_id {
                        return Err(Rejection::Forbidden("This action is not allowed".into()));
                    }
                    Ok(vec![Event::StatusDeleted(StatusDeleted {
                        status_id,
                        account_id: self.account_id,
                    })])
                }
                _ => Err(Rejection::NotFound),
            },
            Command::Edit {
                edit,
                max_chars,
                remote,
            } => match self.id {
                Some(status_id) if !self.deleted && status_id == edit.status_id => {
                    if self.account_id != edit.account_id {
                        return Err(Rejection::Forbidden("This action is not allowed".into()));
                    }
                    if !remote {
                        check_text(&edit.text, &edit.spoiler_text, max_chars, self.has_media)?;
                    }
                    Ok(vec![Event::StatusEdited(*edit)])
                }
                _ => Err(Rejection::NotFound),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn posted(text: &str) -> StatusPosted {
        StatusPosted {
            status_id: 10,
            account_id: 1,
            uri: "u".into(),
            url: "u".into(),
            text: text.into(),
            content: format!("<p>{text}</p>"),
            spoiler_text: String::new(),
            visibility: "public".into(),
            sensitive: false,
            language: None,
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            mentions: vec![],
            tags: vec![],
            application: None,
            created_at: 0,
            remote: false,
            media: vec![],
            poll: None,
            emojis: vec![],
        }
    }

    #[test]
    fn given_nothing_when_posting_then_posted() {
        let e = given_when::<Status>(
            &[],
            Command::Post {
                status: Box::new(posted("hi")),
                max_chars: 500,
            },
        )
        .unwrap();
        assert_eq!(e, vec![Event::StatusPosted(posted("hi"))]);
    }

    #[test]
    fn given_nothing_when_posting_too_much_then_refused() {
        let r = given_when::<Status>(
            &[],
            Command::Post {
                status: Box::new(posted(&"x".repeat(501))),
                max_chars: 500,
            },
        );
        assert_eq!(r, Err(invalid("Text character limit of 500 exceeded")));
    }

    #[test]
    fn given_nothing_when_posting_blank_or_unknown_visibility_then_refused() {
        assert!(
            given_when::<Status>(
                &[],
                Command::Post {
                    status: Box::new(posted("  ")),
                    max_chars: 500
                }
            )
            .is_err()
        );
        let mut s = posted("hi");
        s.visibility = "secret".into();
        assert!(
            given_when::<Status>(
                &[],
                Command::Post {
                    status: Box::new(s),
                    max_chars: 500
                }
            )
            .is_err()
        );
    }

    #[test]
    fn given_a_status_when_its_author_deletes_then_deleted_once() {
        let given = [Event::StatusPosted(posted("hi"))];
        let e = given_when::<Status>(&given, Command::Delete { by_account_id: 1 }).unwrap();
        assert_eq!(
            e,
            vec![Event::StatusDeleted(StatusDeleted {
                status_id: 10,
                account_id: 1
            })]
        );
        let given = [Event::StatusPosted(posted("hi")), e[0].clone()];
        assert_eq!(
            given_when::<Status>(&given, Command::Delete { by_account_id: 1 }),
            Err(Rejection::NotFound)
        );
    }

    #[test]
    fn given_a_status_when_someone_else_deletes_then_forbidden() {
        let given = [Event::StatusPosted(posted("hi"))];
        assert!(matches!(
            given_when::<Status>(&given, Command::Delete { by_account_id: 2 }),
            Err(Rejection::Forbidden(_))
        ));
    }
}
