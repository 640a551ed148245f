//! The notification policy and the requests it files notifications into (Mastodon 4.3).

use crate::domain::Aggregate;
use crate::domain::notification_policy::{
    self as domain, NotificationPolicy, NotificationRequest, RequestCommand, default_policy,
};
use crate::error::Error;
use crate::eventlog::{self, local_actor};
use crate::events::{NotificationPolicy as Policy, NotificationRequestRef};
use crate::queries::notifications as q;
use crate::time;

use super::App;

/// What a client asks to change; what it leaves out stays.
#[derive(Debug, Default, Clone)]
pub struct PolicyChanges {
    pub for_not_following: Option<String>,
    pub for_not_followers: Option<String>,
    pub for_new_accounts: Option<String>,
    pub for_private_mentions: Option<String>,
    pub for_limited_accounts: Option<String>,
}

impl App {
    /// The user's policy as last saved (read from its stream, so a change shows at once).
    pub async fn notification_policy(&self, me: i64) -> Result<Policy, Error> {
        let mut conn = self.db.pool.acquire().await?;
        let events = eventlog::read_stream(&mut conn, &domain::stream(me))
            .await
            .map_err(Error::internal)?;
        let state = events
            .iter()
            .fold(NotificationPolicy::default(), |s, r| s.evolve(&r.event));
        Ok(state.current.unwrap_or_else(|| default_policy(me)))
    }

    pub async fn change_notification_policy(
        &self,
        me: i64,
        c: PolicyChanges,
    ) -> Result<Policy, Error> {
        let old = self.notification_policy(me).await?;
        let new = Policy {
            account_id: me,
            for_not_following: c.for_not_following.unwrap_or(old.for_not_following),
            for_not_followers: c.for_not_followers.unwrap_or(old.for_not_followers),
            for_new_accounts: c.for_new_accounts.unwrap_or(old.for_new_accounts),
            for_private_mentions: c.for_private_mentions.unwrap_or(old.for_private_mentions),
            for_limited_accounts: c.for_limited_accounts.unwrap_or(old.for_limited_accounts),
            at: time::now_ms(),
        };
        self.execute::<NotificationPolicy>(
            &domain::stream(me),
            &local_actor(me),
            None,
            new.clone(),
        )
        .await?;
        Ok(new)
    }

    /// Accept (the sender's notifications show, now and from now on) or dismiss (they go)
    /// the request named `request_id`.
    pub async fn answer_notification_request(
        &self,
        me: i64,
        request_id: i64,
        accept: bool,
    ) -> Result<(), Error> {
        let found = {
            let mut conn = self.db.pool.acquire().await?;
            q::request(&mut conn, me, request_id).await?
        };
        let request = found.ok_or(Error::NotFound)?;
        let r = NotificationRequestRef {
            account_id: me,
            from_account_id: request.from_account_id,
            at: time::now_ms(),
        };
        let command = if accept {
            RequestCommand::Accept(r)
        } else {
            RequestCommand::Dismiss(r)
        };
        self.execute::<NotificationRequest>(
            &domain::request_stream(me, request.from_account_id),
            &local_actor(me),
            None,
            command,
        )
        .await?;
        Ok(())
    }
}
