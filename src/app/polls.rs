//! Voting: once per account, before the end, in range; a vote on a remote poll is sent to
//! its server by the outbox reactor.

use crate::domain::poll::{self, Vote};
use crate::error::Error;
use crate::events::{PollSpec, PollVote};
use crate::queries::polls::{self as q, PollView};
use crate::queries::statuses as sq;
use crate::time;

use super::App;

impl App {
    /// `voter` votes `choices` on a poll it can see. `uri` names a remote vote.
    pub async fn vote(
        &self,
        voter: i64,
        poll_id: i64,
        choices: Vec<usize>,
        uri: Option<String>,
        actor: &str,
    ) -> Result<PollView, Error> {
        let poll = {
            let mut conn = self.db.pool.acquire().await?;
            let poll = q::by_id(&mut conn, poll_id, Some(voter))
                .await?
                .ok_or(Error::NotFound)?;
            sq::visible_row(&mut conn, Some(voter), poll.status_id)
                .await?
                .ok_or(Error::NotFound)?;
            poll
        };
        let dedupe = uri.as_ref().map(|u| format!("ap:{u}"));
        self.execute::<Vote>(
            &poll::stream(poll_id, voter),
            actor,
            dedupe.as_deref(),
            poll::Command::Vote {
                vote: PollVote {
                    poll_id,
                    status_id: poll.status_id,
                    account_id: voter,
                    choices,
                    created_at: time::now_ms(),
                    uri,
                },
                poll: Box::new(PollSpec {
                    poll_id,
                    options: poll.options.clone(),
                    multiple: poll.multiple,
                    expires_at: poll.expires_at,
                    hide_totals: poll.hide_totals,
                    counts: None,
                    voters_count: None,
                }),
                now: time::now_ms(),
            },
        )
        .await?;
        let mut conn = self.db.pool.acquire().await?;
        q::by_id(&mut conn, poll_id, Some(voter))
            .await?
            .ok_or(Error::NotFound)
    }
}

/// A vote id we send for one choice (Mastodon sends one `Note` per choice).
pub fn vote_uri(voter_uri: &str, poll_id: i64, choice: usize) -> String {
    format!("{voter_uri}#votes/{poll_id}/{choice}")
}
