//! Status use cases: post, delete, favourite, reblog.

use crate::domain::bookmark::{self, Bookmark};
use crate::domain::favourite::{self, Favourite};
use crate::domain::pin::{self, Pin, Showcase};
use crate::domain::reblog::{self, Reblog};
use crate::domain::status::{self, Status};
use crate::domain::text;
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::events::{self, AppRef, Event, StatusPosted};
use crate::queries::accounts::AccountRow;
use crate::queries::statuses::{self as q, StatusRow};
use crate::{ids, time};

use super::{App, Outcome};

pub struct NewStatus {
    pub text: String,
    pub spoiler_text: String,
    pub visibility: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    pub application: Option<AppRef>,
    pub idempotency_key: Option<String>,
    /// Uploads to attach, in order.
    pub media_ids: Vec<i64>,
    pub poll: Option<NewPoll>,
}

/// A poll as the client asked for it.
pub struct NewPoll {
    pub options: Vec<String>,
    pub expires_in_secs: i64,
    pub multiple: bool,
    pub hide_totals: bool,
}

/// What an edit sets.
pub struct StatusChange {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: Option<String>,
}

/// What posting a status appended.
pub struct Posted {
    pub id: i64,
    /// Its row, when this call posted it (not a repeat of an earlier request).
    row: Option<StatusRow>,
}

impl App {
    /// Post a status; returns its id (the earlier one when the idempotency key was used).
    pub async fn post_status(&self, author: &AccountRow, new: NewStatus) -> Result<Posted, Error> {
        let parent = match new.in_reply_to_id {
            Some(id) => {
                let mut conn = self.db.pool.acquire().await?;
                Some(
                    q::visible_row(&mut conn, Some(author.id), id)
                        .await?
                        .ok_or(Error::NotFound)?,
                )
            }
            None => None,
        };
        let media = self.media_to_attach(author.id, &new.media_ids).await?;
        let now = time::now_ms();
        let poll = match new.poll {
            Some(p) => {
                if !media.is_empty() {
                    return Err(Error::Validation(
                        "A post cannot have both attachments and a poll".into(),
                    ));
                }
                crate::domain::poll::check_new(&p.options, p.expires_in_secs)?;
                Some(events::PollSpec {
                    poll_id: ids::next_id(),
                    options: p.options.iter().map(|o| o.trim().to_string()).collect(),
                    multiple: p.multiple,
                    expires_at: Some(now + p.expires_in_secs * 1000),
                    hide_totals: p.hide_totals,
                    counts: None,
                    voters_count: None,
                })
            }
            None => None,
        };
        let (content, mentioned) = self.render_text(&new.text).await?;
        let emojis = self.status_emojis(&[&new.spoiler_text, &new.text]).await?;
        let status_id = ids::next_id();
        let base = self.config.base_url();
        let posted = StatusPosted {
            status_id,
            account_id: author.id,
            uri: format!("{base}/users/{}/statuses/{status_id}", author.username),
            url: format!("{base}/@{}/{status_id}", author.username),
            content,
            spoiler_text: new.spoiler_text,
            visibility: new.visibility,
            sensitive: new.sensitive,
            language: new.language,
            in_reply_to_id: parent.as_ref().map(|p| p.id),
            in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
            mentions: mentioned.iter().map(|a| a.id).collect(),
            tags: text::hashtags(&new.text),
            text: new.text,
            application: new.application,
            created_at: now,
            remote: false,
            poll,
            emojis,
            media: media
                .into_iter()
                .map(|media_id| events::AttachedMedia {
                    media_id,
                    remote: None,
                })
                .collect(),
        };
        let dedupe = new
            .idempotency_key
            .map(|k| format!("idempotency:{}:{k}", author.id));
        let cmd = status::Command::Post {
            status: Box::new(posted),
            max_chars: self.config.max_status_chars,
        };
        match self
            .execute::<Status>(
                &status::stream(status_id),
                &local_actor(author.id),
                dedupe.as_deref(),
                cmd,
            )
            .await?
        {
            Outcome::Duplicate(first) => match first.event {
                Event::StatusPosted(p) => Ok(Posted {
                    id: p.status_id,
                    row: None,
                }),
                _ => Err(Error::Validation(
                    "Idempotency-Key was already used for another request".into(),
                )),
            },
            Outcome::Appended(recorded) => Ok(Posted {
                id: status_id,
                row: recorded.iter().find_map(|r| match &r.event {
                    Event::StatusPosted(p) => Some(StatusRow::posted(p)),
                    _ => None,
                }),
            }),
        }
    }

    /// A status as its author sees it right after posting. One this call appended is
    /// built from the row its projection wrote, not looked up again; a repeated request
    /// (same Idempotency-Key) reads the status as it is now.
    pub async fn posted_view(&self, author: i64, posted: Posted) -> Result<q::StatusView, Error> {
        let mut conn = self.db.pool.acquire().await?;
        let view = match posted.row {
            Some(row) => q::hydrate(&mut conn, Some(author), vec![row]).await?.pop(),
            None => q::visible(&mut conn, Some(author), posted.id).await?,
        };
        view.ok_or(Error::NotFound)
    }

    /// Delete a status (or undo a reblog, when the id is a reblog). Returns the deleted row.
    pub async fn delete_status(&self, by: i64, status_id: i64) -> Result<StatusRow, Error> {
        let row = {
            let mut conn = self.db.pool.acquire().await?;
            q::visible_row(&mut conn, Some(by), status_id)
                .await?
                .ok_or(Error::NotFound)?
        };
        if row.account_id != by {
            return Err(Error::Forbidden("This action is not allowed".into()));
        }
        if let Some(original) = row.reblog_of_id {
            self.execute::<Reblog>(
                &reblog::stream(by, original),
                &local_actor(by),
                None,
                reblog::Command::Unreblog,
            )
            .await?;
        } else {
            self.execute::<Status>(
                &status::stream(status_id),
                &local_actor(by),
                None,
                status::Command::Delete { by_account_id: by },
            )
            .await?;
        }
        Ok(row)
    }

    /// Edit one of `author`'s statuses: new text, content warning, sensitivity, language.
    pub async fn edit_status(
        &self,
        author: &AccountRow,
        status_id: i64,
        edit: StatusChange,
    ) -> Result<(), Error> {
        let row = {
            let mut conn = self.db.pool.acquire().await?;
            q::row_any(&mut conn, status_id)
                .await?
                .filter(|r| r.reblog_of_id.is_none())
                .ok_or(Error::NotFound)?
        };
        if row.account_id != author.id {
            return Err(Error::Forbidden("This action is not allowed".into()));
        }
        let (content, mentioned) = self.render_text(&edit.text).await?;
        let emojis = self
            .status_emojis(&[&edit.spoiler_text, &edit.text])
            .await?;
        let edited = events::StatusEdited {
            emojis,
            status_id,
            account_id: author.id,
            content,
            spoiler_text: edit.spoiler_text,
            sensitive: edit.sensitive,
            language: edit.language.or(row.language),
            mentions: mentioned.iter().map(|a| a.id).collect(),
            tags: text::hashtags(&edit.text),
            text: edit.text,
            edited_at: time::now_ms(),
        };
        self.execute::<Status>(
            &status::stream(status_id),
            &local_actor(author.id),
            None,
            status::Command::Edit {
                edit: Box::new(edited),
                max_chars: self.config.max_status_chars,
                remote: false,
            },
        )
        .await?;
        Ok(())
    }

    /// The status an action applies to: a reblog's original, if the viewer may see it.
    pub(super) async fn target_status(
        &self,
        viewer: i64,
        status_id: i64,
    ) -> Result<StatusRow, Error> {
        let mut conn = self.db.pool.acquire().await?;
        let row = q::visible_row(&mut conn, Some(viewer), status_id)
            .await?
            .ok_or(Error::NotFound)?;
        match row.reblog_of_id {
            Some(original) => q::visible_row(&mut conn, Some(viewer), original)
                .await?
                .ok_or(Error::NotFound),
            None => Ok(row),
        }
    }

    pub async fn favourite(&self, by: i64, status_id: i64, on: bool) -> Result<i64, Error> {
        let target = self.target_status(by, status_id).await?;
        let cmd = if on {
            favourite::Command::Favourite(events::Favourite {
                favourite_id: ids::next_id(),
                account_id: by,
                status_id: target.id,
                status_account_id: target.account_id,
                created_at: time::now_ms(),
                uri: None,
            })
        } else {
            favourite::Command::Unfavourite
        };
        self.execute::<Favourite>(
            &favourite::stream(by, target.id),
            &local_actor(by),
            None,
            cmd,
        )
        .await?;
        Ok(target.id)
    }

    /// Keep a status one may see for later (a boost's original, as Mastodon).
    pub async fn bookmark(&self, by: i64, status_id: i64, on: bool) -> Result<i64, Error> {
        let target = self.target_status(by, status_id).await?;
        let cmd = if on {
            bookmark::Command::Bookmark(events::Bookmark {
                bookmark_id: ids::next_id(),
                account_id: by,
                status_id: target.id,
                created_at: time::now_ms(),
            })
        } else {
            bookmark::Command::Unbookmark
        };
        self.execute::<Bookmark>(
            &bookmark::stream(by, target.id),
            &local_actor(by),
            None,
            cmd,
        )
        .await?;
        Ok(target.id)
    }

    /// Feature one of one's own posts on the profile (pin it to the showcase). As Mastodon:
    /// not a boost, not a direct post; at most the configured showcase limit.
    pub async fn pin(&self, by: i64, status_id: i64, on: bool) -> Result<i64, Error> {
        let row = {
            let mut conn = self.db.pool.acquire().await?;
            q::visible_row(&mut conn, Some(by), status_id)
                .await?
                .ok_or(Error::NotFound)?
        };
        let cmd = if on {
            if row.account_id != by {
                return Err(Error::Validation(
                    "Someone else's post cannot be pinned".into(),
                ));
            }
            if row.reblog_of_id.is_some() {
                return Err(Error::Validation("A boost cannot be pinned".into()));
            }
            if row.visibility == "direct" {
                return Err(Error::Validation(
                    "Posts that are only visible to mentioned users cannot be pinned".into(),
                ));
            }
            let others: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM status_pins WHERE account_id = $1 AND status_id <> $2",
            )
            .bind(by)
            .bind(row.id)
            .fetch_one(&self.db.pool)
            .await?;
            if others >= self.config.showcase_limit {
                return Err(Error::Validation(
                    "You have already pinned the maximum number of posts".into(),
                ));
            }
            pin::Command::Pin(events::Pin {
                account_id: by,
                status_id: row.id,
                created_at: time::now_ms(),
            })
        } else {
            pin::Command::Unpin
        };
        self.execute::<Pin>(&pin::stream(by, row.id), &local_actor(by), None, cmd)
            .await?;
        Ok(row.id)
    }

    /// The ids of one's showcase, in its order.
    pub async fn showcase_ids(&self, account_id: i64) -> Result<Vec<i64>, Error> {
        let mut conn = self.db.pool.acquire().await?;
        Ok(q::showcase_ids(&mut conn, account_id).await?)
    }

    /// Put one's showcase in a new order, which must list every pinned post once.
    pub async fn reorder_showcase(&self, by: i64, status_ids: Vec<i64>) -> Result<(), Error> {
        let mut current = self.showcase_ids(by).await?;
        let mut asked = status_ids.clone();
        current.sort_unstable();
        asked.sort_unstable();
        if current != asked {
            return Err(Error::Validation(
                "The showcase order must list each featured post once".into(),
            ));
        }
        self.execute::<Showcase>(
            &pin::showcase_stream(by),
            &local_actor(by),
            None,
            events::ShowcaseOrder {
                account_id: by,
                status_ids,
            },
        )
        .await?;
        Ok(())
    }

    /// Move one post of one's showcase a place up (towards the front) or down.
    pub async fn move_in_showcase(&self, by: i64, status_id: i64, up: bool) -> Result<(), Error> {
        let mut order = self.showcase_ids(by).await?;
        let at = order
            .iter()
            .position(|id| *id == status_id)
            .ok_or(Error::NotFound)?;
        let to = if up { at.checked_sub(1) } else { Some(at + 1) };
        match to {
            Some(to) if to < order.len() => order.swap(at, to),
            _ => return Ok(()),
        }
        self.reorder_showcase(by, order).await
    }

    pub async fn reblog(
        &self,
        by: i64,
        status_id: i64,
        on: bool,
        visibility: Option<String>,
    ) -> Result<i64, Error> {
        let target = self.target_status(by, status_id).await?;
        let cmd = if on {
            let visibility = visibility.unwrap_or_else(|| "public".into());
            if !matches!(visibility.as_str(), "public" | "unlisted" | "private") {
                return Err(Error::Validation(
                    "Visibility is not included in the list".into(),
                ));
            }
            reblog::Command::Reblog {
                reblog: events::Reblog {
                    reblog_id: ids::next_id(),
                    account_id: by,
                    status_id: target.id,
                    status_account_id: target.account_id,
                    visibility,
                    created_at: time::now_ms(),
                    uri: None,
                },
                original_visibility: target.visibility.clone(),
            }
        } else {
            reblog::Command::Unreblog
        };
        self.execute::<Reblog>(&reblog::stream(by, target.id), &local_actor(by), None, cmd)
            .await?;
        Ok(target.id)
    }
}
