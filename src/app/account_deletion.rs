//! Deleting one's own account: decided at once, its content purged afterwards.
//!
//! The deletion itself is one event: from then on the account is hidden everywhere, its
//! follows are ended, its tokens, sessions and mailed links are void, and the remote
//! servers that knew it are sent a `Delete` of the actor (they remove its posts on their
//! side, as Mastodon and GoToSocial do). Its posts, reblogs, favourites and uploads are
//! then removed one by one by a `pull` job, each through the use case that removes it
//! normally, so every read model and counter follows; the outbox sends none of those.

use tessera_workers::{PullJob, PullPurpose};

use super::{App, SideWrite, blocking};
use crate::domain::account::{self, Account};
use crate::domain::favourite::{self, Favourite};
use crate::domain::password;
use crate::domain::reblog::{self, Reblog};
use crate::domain::status::{self, Status};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::queries::accounts as q;
use crate::time;

/// How many rows the purge reads at a time.
const PURGE_BATCH: i64 = 100;

impl App {
    /// The owner deletes their account, confirming with their password.
    pub async fn delete_account(&self, account_id: i64, password_given: &str) -> Result<(), Error> {
        let (stored, inboxes, images) = {
            let mut conn = self.db.pool.acquire().await?;
            let stored = q::password_hash(&mut conn, account_id)
                .await?
                .unwrap_or_default();
            let inboxes = q::reach_inboxes(&mut conn, account_id).await?;
            let images = q::profile_image_keys(&mut conn, account_id).await?;
            (stored, inboxes, images)
        };
        let given = password_given.to_string();
        if !blocking(move || password::verify(&given, &stored)).await? {
            return Err(Error::Validation("The password is wrong".into()));
        }
        self.execute_with::<Account>(
            &account::stream(account_id),
            &local_actor(account_id),
            None,
            account::Command::Delete {
                at: time::now_ms(),
                inboxes,
            },
            &SideWrite::AccountGone { account_id },
        )
        .await?;
        for key in images {
            if let Err(e) = self.storage.delete(&key).await {
                tracing::warn!(key, error = %e, "profile image of a deleted account not removed");
            }
        }
        // Already hidden: if the job cannot be queued, the content stays hidden and the
        // failure is logged.
        let queued = match self.federation.queues() {
            Ok(queues) => queues
                .enqueue_pull(vec![PullJob {
                    url: String::new(),
                    purpose: PullPurpose::PurgeAccount { account_id },
                }])
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(error) = queued {
            tracing::warn!(
                account_id,
                error,
                "the deleted account's content was not queued for removal"
            );
        }
        Ok(())
    }

    /// Remove what a deleted account posted, reblogged, favourited and uploaded. Safe to
    /// run again: what is gone is not found twice.
    pub async fn purge_account(&self, account_id: i64) -> Result<(), Error> {
        let actor = local_actor(account_id);
        let mut after = 0;
        loop {
            let batch = {
                let mut conn = self.db.pool.acquire().await?;
                q::statuses_after(&mut conn, account_id, after, PURGE_BATCH).await?
            };
            let Some(last) = batch.last().map(|s| s.0) else {
                break;
            };
            for (status_id, reblog_of_id) in batch {
                let removed = match reblog_of_id {
                    Some(original) => {
                        self.execute::<Reblog>(
                            &reblog::stream(account_id, original),
                            &actor,
                            None,
                            reblog::Command::Unreblog,
                        )
                        .await
                    }
                    None => {
                        self.execute::<Status>(
                            &status::stream(status_id),
                            &actor,
                            None,
                            status::Command::Delete {
                                by_account_id: account_id,
                            },
                        )
                        .await
                    }
                };
                skip_refused(removed, status_id)?;
            }
            after = last;
        }
        let mut after = 0;
        loop {
            let favourited = {
                let mut conn = self.db.pool.acquire().await?;
                q::favourited_after(&mut conn, account_id, after, PURGE_BATCH).await?
            };
            let Some(&last) = favourited.last() else {
                break;
            };
            for status_id in favourited {
                let removed = self
                    .execute::<Favourite>(
                        &favourite::stream(account_id, status_id),
                        &actor,
                        None,
                        favourite::Command::Unfavourite,
                    )
                    .await;
                skip_refused(removed, status_id)?;
            }
            after = last;
        }
        let uploads = {
            let mut conn = self.db.pool.acquire().await?;
            q::upload_ids(&mut conn, account_id).await?
        };
        for media_id in uploads {
            skip_refused(self.delete_media(account_id, media_id).await, media_id)?;
        }
        Ok(())
    }
}

/// One item the log refuses to remove (already gone, or never as the read model says) must
/// not stop the rest; a failure of the database does, and the job is tried again.
fn skip_refused<T>(result: Result<T, Error>, id: i64) -> Result<(), Error> {
    match result {
        Ok(_) => Ok(()),
        Err(e @ (Error::NotFound | Error::Validation(_) | Error::Forbidden(_))) => {
            tracing::warn!(id, error = %e, "purging a deleted account: item skipped");
            Ok(())
        }
        Err(e) => Err(e),
    }
}
