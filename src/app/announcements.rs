//! Operator announcements (made with `tessera admin announcements`), read and reacted to by
//! users.

use crate::domain::announcement::{self as domain, Announcement, Command, REACTIONS_MAX};
use crate::domain::toggle::{self, Toggle};
use crate::error::Error;
use crate::eventlog::{SYSTEM_ACTOR, local_actor};
use crate::events::{self, AnnouncementReaction, AnnouncementRead, Event};
use crate::{ids, time};

use super::App;

/// What an operator asks for; times in ms since the epoch.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub text: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub all_day: bool,
    pub published: bool,
}

impl App {
    pub async fn create_announcement(&self, draft: Draft) -> Result<i64, Error> {
        let announcement_id = ids::next_id();
        self.save_announcement(announcement_id, draft).await?;
        Ok(announcement_id)
    }

    /// Replace an announcement's text, period and whether it is published.
    pub async fn save_announcement(&self, announcement_id: i64, d: Draft) -> Result<(), Error> {
        self.execute::<Announcement>(
            &domain::stream(announcement_id),
            SYSTEM_ACTOR,
            None,
            Command::Save(events::Announcement {
                announcement_id,
                text: d.text,
                starts_at: d.starts_at,
                ends_at: d.ends_at,
                all_day: d.all_day,
                published: d.published,
                at: time::now_ms(),
            }),
        )
        .await?;
        Ok(())
    }

    /// Publish an announcement (again), or take it down without deleting it.
    pub async fn publish_announcement(&self, announcement_id: i64, on: bool) -> Result<(), Error> {
        let draft = self.announcement_draft(announcement_id).await?;
        self.save_announcement(
            announcement_id,
            Draft {
                published: on,
                ..draft
            },
        )
        .await
    }

    /// An announcement as last saved, for changing one thing about it.
    async fn announcement_draft(&self, announcement_id: i64) -> Result<Draft, Error> {
        type Row = (String, Option<i64>, Option<i64>, i64, i64);
        let row: Option<Row> = sqlx::query_as(
            "SELECT text, starts_at, ends_at, all_day, published FROM announcements WHERE id = $1",
        )
        .bind(announcement_id)
        .fetch_optional(&self.db.pool)
        .await?;
        let (text, starts_at, ends_at, all_day, published) = row.ok_or(Error::NotFound)?;
        Ok(Draft {
            text,
            starts_at,
            ends_at,
            all_day: all_day != 0,
            published: published != 0,
        })
    }

    pub async fn delete_announcement(&self, announcement_id: i64) -> Result<(), Error> {
        self.execute::<Announcement>(
            &domain::stream(announcement_id),
            SYSTEM_ACTOR,
            None,
            Command::Delete { at: time::now_ms() },
        )
        .await?;
        Ok(())
    }

    /// Users see, read and react to published announcements only.
    async fn published_announcement(&self, announcement_id: i64) -> Result<(), Error> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM announcements WHERE id = $1 AND published = 1")
                .bind(announcement_id)
                .fetch_optional(&self.db.pool)
                .await?;
        found.map(|_| ()).ok_or(Error::NotFound)
    }

    pub async fn dismiss_announcement(&self, me: i64, announcement_id: i64) -> Result<(), Error> {
        self.published_announcement(announcement_id).await?;
        self.execute::<Toggle>(
            &domain::read_stream(me, announcement_id),
            &local_actor(me),
            None,
            toggle::Command::On(Event::AnnouncementDismissed(AnnouncementRead {
                announcement_id,
                account_id: me,
                at: time::now_ms(),
            })),
        )
        .await?;
        Ok(())
    }

    /// Add (or take back) a reaction: a Unicode emoji, or a local custom emoji's shortcode.
    pub async fn react_to_announcement(
        &self,
        me: i64,
        announcement_id: i64,
        name: &str,
        on: bool,
    ) -> Result<(), Error> {
        self.published_announcement(announcement_id).await?;
        let reaction = AnnouncementReaction {
            announcement_id,
            account_id: me,
            name: name.to_string(),
            at: time::now_ms(),
        };
        let command = if on {
            self.check_reaction(announcement_id, name).await?;
            toggle::Command::On(Event::AnnouncementReactionAdded(reaction))
        } else {
            toggle::Command::Off(Event::AnnouncementReactionRemoved(reaction))
        };
        self.execute::<Toggle>(
            &domain::reaction_stream(announcement_id, me, name),
            &local_actor(me),
            None,
            command,
        )
        .await?;
        Ok(())
    }

    async fn check_reaction(&self, announcement_id: i64, name: &str) -> Result<(), Error> {
        if emojis::get(name).is_none() && !self.custom_emoji_exists(name).await? {
            return Err(Error::Validation(format!(
                "{name:?} is neither an emoji nor a custom emoji of this server"
            )));
        }
        let (distinct, already): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(DISTINCT name), COUNT(DISTINCT CASE WHEN name = $2 THEN name END) \
             FROM announcement_reactions WHERE announcement_id = $1",
        )
        .bind(announcement_id)
        .bind(name)
        .fetch_one(&self.db.pool)
        .await?;
        if already == 0 && distinct >= REACTIONS_MAX {
            return Err(Error::Validation(format!(
                "An announcement has at most {REACTIONS_MAX} different reactions"
            )));
        }
        Ok(())
    }
}
