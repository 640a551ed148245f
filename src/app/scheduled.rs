//! Scheduled statuses: checked when scheduled, posted when due by the worker processes
//! (whichever gets there first; the post's idempotency key makes a second one a no-op).

use std::time::Duration;

use crate::domain::scheduled::{self, MAX_WAITING, Scheduled};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::events::{ScheduledParams, ScheduledStatus};
use crate::queries::accounts as aq;
use crate::queries::scheduled as q;
use crate::{ids, time};

use super::App;
use super::statuses::{NewPoll, NewStatus};

/// How often the workers look for due statuses.
const LOOK_EVERY: Duration = Duration::from_secs(5);

impl App {
    pub async fn schedule_status(
        &self,
        account_id: i64,
        scheduled_at: i64,
        params: ScheduledParams,
    ) -> Result<i64, Error> {
        {
            let mut conn = self.db.pool.acquire().await?;
            if q::count_of(&mut conn, account_id).await? >= MAX_WAITING {
                return Err(Error::Validation(format!(
                    "You can have at most {MAX_WAITING} scheduled statuses"
                )));
            }
        }
        // What can be checked now is: the attachments and the poll.
        self.media_to_attach(account_id, &params.media_ids).await?;
        if let Some(p) = &params.poll {
            crate::domain::poll::check_new(&p.options, p.expires_in)?;
        }
        if !crate::domain::status::VISIBILITIES.contains(&params.visibility.as_str()) {
            return Err(Error::Validation(
                "Visibility is not included in the list".into(),
            ));
        }
        let scheduled_id = ids::next_id();
        self.execute::<Scheduled>(
            &scheduled::stream(scheduled_id),
            &local_actor(account_id),
            None,
            scheduled::Command::Schedule {
                status: Box::new(ScheduledStatus {
                    scheduled_id,
                    account_id,
                    scheduled_at,
                    params,
                }),
                now: time::now_ms(),
            },
        )
        .await?;
        Ok(scheduled_id)
    }

    pub async fn reschedule(&self, by: i64, scheduled_id: i64, at: i64) -> Result<(), Error> {
        self.execute::<Scheduled>(
            &scheduled::stream(scheduled_id),
            &local_actor(by),
            None,
            scheduled::Command::Reschedule {
                by,
                at,
                now: time::now_ms(),
            },
        )
        .await?;
        Ok(())
    }

    pub async fn cancel_scheduled(&self, by: i64, scheduled_id: i64) -> Result<(), Error> {
        self.execute::<Scheduled>(
            &scheduled::stream(scheduled_id),
            &local_actor(by),
            None,
            scheduled::Command::Cancel { by },
        )
        .await?;
        Ok(())
    }

    /// Post everything due by `now`. A status that can no longer be posted (its author
    /// suspended, its reply gone) is cancelled and logged.
    pub async fn publish_due(&self, now: i64) -> Result<usize, Error> {
        let due = {
            let mut conn = self.db.pool.acquire().await?;
            q::due(&mut conn, now, 50).await?
        };
        let mut posted = 0;
        for s in due {
            let author = {
                let mut conn = self.db.pool.acquire().await?;
                aq::by_id(&mut conn, s.account_id).await?
            };
            let p = s.params;
            let result = match author.filter(|a| a.suspended == 0) {
                Some(author) => {
                    self.post_status(
                        &author,
                        NewStatus {
                            text: p.text,
                            spoiler_text: p.spoiler_text,
                            visibility: p.visibility,
                            sensitive: p.sensitive,
                            language: p.language,
                            in_reply_to_id: p.in_reply_to_id,
                            application: p.application,
                            idempotency_key: Some(format!("scheduled:{}", s.id)),
                            media_ids: p.media_ids,
                            poll: p.poll.map(|poll| NewPoll {
                                options: poll.options,
                                expires_in_secs: poll.expires_in,
                                multiple: poll.multiple,
                                hide_totals: poll.hide_totals,
                            }),
                        },
                    )
                    .await
                }
                None => Err(Error::NotFound),
            };
            let command = match result {
                Ok(posted) => scheduled::Command::Publish {
                    status_id: posted.id,
                },
                Err(e @ (Error::Unavailable(_) | Error::Internal(_))) => return Err(e),
                Err(e) => {
                    tracing::warn!(scheduled_id = s.id, error = %e, "a scheduled status could not be posted; cancelled");
                    scheduled::Command::Cancel { by: s.account_id }
                }
            };
            let publishing = matches!(command, scheduled::Command::Publish { .. });
            let outcome = self
                .execute::<Scheduled>(
                    &scheduled::stream(s.id),
                    &local_actor(s.account_id),
                    None,
                    command,
                )
                .await?;
            // Another publisher that got there first posted it (the same status, by the
            // idempotency key) and recorded it.
            if publishing && matches!(outcome, super::Outcome::Appended(ref r) if !r.is_empty()) {
                posted += 1;
            }
        }
        Ok(posted)
    }
}

/// Post due statuses until the process ends (run beside the queue workers).
pub fn spawn_publisher(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = app.publish_due(time::now_ms()).await {
                tracing::warn!(error = %e, "publishing scheduled statuses failed; will retry");
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    })
}
