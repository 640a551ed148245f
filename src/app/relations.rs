//! A user's own relations to accounts and domains: notes, endorsements, removing a
//! follower, and hiding a domain.

use crate::domain::follow::{self, Follow};
use crate::domain::toggle::{self, Toggle};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::events::{AccountNote, AccountPair, Event, ThreadMute, UserDomainBlock};
use crate::time;

use super::App;

impl App {
    pub async fn set_note(&self, me: i64, target: i64, note: String) -> Result<(), Error> {
        self.visible_account(target).await?;
        self.execute::<Toggle>(
            &toggle::note_stream(me, target),
            &local_actor(me),
            None,
            toggle::Command::Note(AccountNote {
                account_id: me,
                target_account_id: target,
                note,
            }),
        )
        .await?;
        Ok(())
    }

    /// Feature an account one follows on one's profile (Mastodon asks that one follows it).
    pub async fn endorse(&self, me: i64, target: i64, on: bool) -> Result<(), Error> {
        self.visible_account(target).await?;
        let pair = AccountPair {
            account_id: me,
            target_account_id: target,
            at: time::now_ms(),
        };
        let command = if on {
            let following: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM follows WHERE account_id = $1 AND target_account_id = $2",
            )
            .bind(me)
            .bind(target)
            .fetch_optional(&self.db.pool)
            .await?;
            if following.is_none() {
                return Err(Error::Validation(
                    "You must be following this account to endorse it".into(),
                ));
            }
            toggle::Command::On(Event::AccountEndorsed(pair))
        } else {
            toggle::Command::Off(Event::AccountUnendorsed(pair))
        };
        self.execute::<Toggle>(
            &toggle::endorse_stream(me, target),
            &local_actor(me),
            None,
            command,
        )
        .await?;
        Ok(())
    }

    /// Stop `follower` following `me`; a remote follower's server is sent a Reject.
    pub async fn remove_follower(&self, me: i64, follower: i64) -> Result<(), Error> {
        self.visible_account(follower).await?;
        self.execute::<Follow>(
            &follow::stream(follower, me),
            &local_actor(me),
            None,
            follow::Command::RemoveFollower,
        )
        .await?;
        Ok(())
    }

    /// Mute (or unmute) the notifications of the conversation `status_id` is in; the
    /// status's id (the original of a boost).
    pub async fn mute_thread(&self, me: i64, status_id: i64, on: bool) -> Result<i64, Error> {
        let target = self.target_status(me, status_id).await?;
        let thread_id: Option<i64> =
            sqlx::query_scalar("SELECT thread_id FROM statuses WHERE id = $1")
                .bind(target.id)
                .fetch_optional(&self.db.pool)
                .await?
                .flatten();
        let mute = ThreadMute {
            account_id: me,
            thread_id: thread_id.unwrap_or(target.id),
            at: time::now_ms(),
        };
        let command = if on {
            toggle::Command::On(Event::ConversationMuted(mute.clone()))
        } else {
            toggle::Command::Off(Event::ConversationUnmuted(mute.clone()))
        };
        self.execute::<Toggle>(
            &toggle::thread_mute_stream(me, mute.thread_id),
            &local_actor(me),
            None,
            command,
        )
        .await?;
        Ok(target.id)
    }

    /// Stop suggesting `target` to `me`.
    pub async fn dismiss_suggestion(&self, me: i64, target: i64) -> Result<(), Error> {
        self.execute::<Toggle>(
            &toggle::dismissal_stream(me, target),
            &local_actor(me),
            None,
            toggle::Command::On(Event::SuggestionDismissed(AccountPair {
                account_id: me,
                target_account_id: target,
                at: time::now_ms(),
            })),
        )
        .await?;
        Ok(())
    }

    /// Hide (or show again) every account of `domain` from `me`.
    pub async fn hide_domain(&self, me: i64, domain: &str, on: bool) -> Result<(), Error> {
        let domain = super::moderation::normalise_domain(domain)?;
        if self.config.is_own_host(&domain) {
            return Err(Error::Validation("You cannot block your own server".into()));
        }
        let block = UserDomainBlock {
            account_id: me,
            domain: domain.clone(),
            at: time::now_ms(),
        };
        let command = if on {
            toggle::Command::On(Event::UserDomainBlocked(block))
        } else {
            toggle::Command::Off(Event::UserDomainUnblocked(block))
        };
        self.execute::<Toggle>(
            &toggle::domain_block_stream(me, &domain),
            &local_actor(me),
            None,
            command,
        )
        .await?;
        Ok(())
    }
}
