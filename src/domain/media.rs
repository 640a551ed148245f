//! One uploaded attachment. Stream `media:<id>`: uploaded (with its files, or processed
//! later, once), and described or deleted until it is posted.

use super::{Aggregate, Rejection, invalid};
use crate::events::{Event, MediaDeleted, MediaDescribed, MediaProcessed, MediaUploaded};

/// Mastodon's limit on an attachment's description.
pub const MAX_DESCRIPTION_CHARS: usize = 1500;
/// Attachments on one status.
pub const MAX_ATTACHMENTS: usize = 4;

pub fn stream(media_id: i64) -> String {
    format!("media:{media_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Media {
    pub owner: Option<i64>,
    pub processed: bool,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub enum Command {
    Upload(Box<MediaUploaded>),
    Process(Box<MediaProcessed>),
    Describe {
        by: i64,
        described: MediaDescribed,
    },
    /// `attached`: a status carries it (looked up by the caller).
    Delete {
        media_id: i64,
        by: i64,
        attached: bool,
    },
}

impl Aggregate for Media {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::MediaUploaded(u) => {
                self.owner = Some(u.account_id);
                self.processed = u.files.is_some();
            }
            Event::MediaProcessed(_) => self.processed = true,
            Event::MediaDeleted(_) => self.deleted = true,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        match command {
            Command::Upload(u) => {
                if self.owner.is_some() {
                    return Err(Rejection::Conflict("The media already exists".into()));
                }
                check(u.description.as_deref(), u.focus)?;
                Ok(vec![Event::MediaUploaded(*u)])
            }
            Command::Process(p) => match self.owner {
                None => Err(Rejection::NotFound),
                // Processing twice (two processes resuming the same upload), or an upload
                // deleted while it was processed, changes nothing.
                Some(_) if self.processed || self.deleted => Ok(vec![]),
                Some(_) => Ok(vec![Event::MediaProcessed(*p)]),
            },
            Command::Describe { by, described } => {
                if self.owner != Some(by) || self.deleted {
                    return Err(Rejection::NotFound);
                }
                check(described.description.as_deref(), described.focus)?;
                Ok(vec![Event::MediaDescribed(described)])
            }
            Command::Delete {
                media_id,
                by,
                attached,
            } => {
                if self.owner != Some(by) || self.deleted {
                    return Err(Rejection::NotFound);
                }
                if attached {
                    return Err(invalid("Media attachment is currently used by a status"));
                }
                Ok(vec![Event::MediaDeleted(MediaDeleted {
                    media_id,
                    account_id: by,
                })])
            }
        }
    }
}

/// The limits on what describes an attachment.
pub fn check(description: Option<&str>, focus: Option<(f64, f64)>) -> Result<(), Rejection> {
    if description.is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS) {
        return Err(invalid(format!(
            "Description is too long (maximum is {MAX_DESCRIPTION_CHARS} characters)"
        )));
    }
    if let Some((x, y)) = focus
        && !((-1.0..=1.0).contains(&x) && (-1.0..=1.0).contains(&y))
    {
        return Err(invalid("Focus must be two numbers from -1.0 to 1.0"));
    }
    Ok(())
}

/// `"x,y"` as Mastodon's clients send the focal point.
pub fn parse_focus(raw: &str) -> Result<(f64, f64), Rejection> {
    let bad = || invalid("Focus must be two numbers from -1.0 to 1.0, as \"x,y\"");
    let (x, y) = raw.split_once(',').ok_or_else(bad)?;
    let x: f64 = x.trim().parse().map_err(|_| bad())?;
    let y: f64 = y.trim().parse().map_err(|_| bad())?;
    if !(x.is_finite() && y.is_finite()) {
        return Err(bad());
    }
    Ok((x, y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;
    use crate::events::MediaFiles;

    fn uploaded(files: bool) -> MediaUploaded {
        MediaUploaded {
            media_id: 1,
            account_id: 2,
            kind: "image".into(),
            upload_key: (!files).then(|| "media/1/upload".into()),
            files: files.then(files_),
            description: None,
            focus: None,
            created_at: 3,
        }
    }

    fn files_() -> MediaFiles {
        MediaFiles {
            file_key: "media/1/original.png".into(),
            mime: "image/png".into(),
            width: 2,
            height: 2,
            size: 10,
            preview_key: "media/1/small.png".into(),
            preview_width: 2,
            preview_height: 2,
            blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj".into(),
        }
    }

    #[test]
    fn an_upload_is_processed_once() {
        let given = [Event::MediaUploaded(uploaded(false))];
        let p = MediaProcessed {
            media_id: 1,
            files: files_(),
        };
        assert_eq!(
            given_when::<Media>(&given, Command::Process(Box::new(p.clone()))).unwrap(),
            vec![Event::MediaProcessed(p.clone())]
        );
        let done = [given[0].clone(), Event::MediaProcessed(p.clone())];
        assert!(
            given_when::<Media>(&done, Command::Process(Box::new(p)))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn only_the_owner_describes_and_within_limits() {
        let given = [Event::MediaUploaded(uploaded(true))];
        let described = |d: &str, focus| MediaDescribed {
            media_id: 1,
            description: Some(d.into()),
            focus,
        };
        assert!(
            given_when::<Media>(
                &given,
                Command::Describe {
                    by: 2,
                    described: described("a cat", Some((0.5, -0.5)))
                }
            )
            .is_ok()
        );
        assert_eq!(
            given_when::<Media>(
                &given,
                Command::Describe {
                    by: 9,
                    described: described("a cat", None)
                }
            ),
            Err(Rejection::NotFound)
        );
        assert!(matches!(
            given_when::<Media>(
                &given,
                Command::Describe {
                    by: 2,
                    described: described(&"x".repeat(1501), None)
                }
            ),
            Err(Rejection::Invalid(_))
        ));
        assert!(matches!(
            given_when::<Media>(
                &given,
                Command::Describe {
                    by: 2,
                    described: described("a", Some((2.0, 0.0)))
                }
            ),
            Err(Rejection::Invalid(_))
        ));
    }

    #[test]
    fn focus_is_read_as_mastodon_sends_it() {
        assert_eq!(parse_focus("0.5,-0.25"), Ok((0.5, -0.25)));
        assert!(parse_focus("nan,1").is_err());
        assert!(parse_focus("1").is_err());
    }

    #[test]
    fn only_the_owner_deletes_an_upload_and_never_a_posted_one() {
        let given = [Event::MediaUploaded(uploaded(true))];
        let delete = |by, attached| Command::Delete {
            media_id: 1,
            by,
            attached,
        };
        assert_eq!(
            given_when::<Media>(&given, delete(2, false)),
            Ok(vec![Event::MediaDeleted(MediaDeleted {
                media_id: 1,
                account_id: 2
            })])
        );
        assert_eq!(
            given_when::<Media>(&given, delete(9, false)),
            Err(Rejection::NotFound)
        );
        assert!(matches!(
            given_when::<Media>(&given, delete(2, true)),
            Err(Rejection::Invalid(_))
        ));
        let gone = [
            given[0].clone(),
            Event::MediaDeleted(MediaDeleted {
                media_id: 1,
                account_id: 2,
            }),
        ];
        assert_eq!(
            given_when::<Media>(&gone, delete(2, false)),
            Err(Rejection::NotFound)
        );
    }
}
