//! Mastodon 4.3's notification policy (stream `notification_policy:<account>`) and the
//! requests it files notifications into, one per sender
//! (`notification_request:<account>:<sender>`): accepted once for good, dismissed as often
//! as new ones come.

use super::{Aggregate, Rejection, invalid};
use crate::events::{Event, NotificationPolicy as Saved, NotificationRequestRef};

pub const ACTIONS: [&str; 3] = ["accept", "filter", "drop"];

pub fn stream(account_id: i64) -> String {
    format!("notification_policy:{account_id}")
}

pub fn request_stream(account_id: i64, from_account_id: i64) -> String {
    format!("notification_request:{account_id}:{from_account_id}")
}

/// Mastodon's defaults: private mentions from strangers and limited accounts are filtered.
pub fn default_policy(account_id: i64) -> Saved {
    Saved {
        account_id,
        for_not_following: "accept".into(),
        for_not_followers: "accept".into(),
        for_new_accounts: "accept".into(),
        for_private_mentions: "filter".into(),
        for_limited_accounts: "filter".into(),
        at: 0,
    }
}

#[derive(Debug, Default, Clone)]
pub struct NotificationPolicy {
    pub current: Option<Saved>,
}

impl Aggregate for NotificationPolicy {
    type Command = Saved;

    fn evolve(mut self, event: &Event) -> Self {
        if let Event::NotificationPolicySaved(e) = event {
            self.current = Some(e.clone());
        }
        self
    }

    fn decide(&self, new: Saved) -> Result<Vec<Event>, Rejection> {
        for (name, value) in [
            ("for_not_following", &new.for_not_following),
            ("for_not_followers", &new.for_not_followers),
            ("for_new_accounts", &new.for_new_accounts),
            ("for_private_mentions", &new.for_private_mentions),
            ("for_limited_accounts", &new.for_limited_accounts),
        ] {
            if !ACTIONS.contains(&value.as_str()) {
                return Err(invalid(format!(
                    "{name} must be accept, filter or drop, not {value:?}"
                )));
            }
        }
        let old = self
            .current
            .clone()
            .unwrap_or_else(|| default_policy(new.account_id));
        Ok(if (Saved { at: new.at, ..old }) == new {
            vec![]
        } else {
            vec![Event::NotificationPolicySaved(new)]
        })
    }
}

#[derive(Debug, Default, Clone)]
pub struct NotificationRequest {
    pub accepted: bool,
}

#[derive(Debug, Clone)]
pub enum RequestCommand {
    Accept(NotificationRequestRef),
    Dismiss(NotificationRequestRef),
}

impl Aggregate for NotificationRequest {
    type Command = RequestCommand;

    fn evolve(mut self, event: &Event) -> Self {
        if let Event::NotificationRequestAccepted(_) = event {
            self.accepted = true;
        }
        self
    }

    fn decide(&self, command: RequestCommand) -> Result<Vec<Event>, Rejection> {
        Ok(match command {
            RequestCommand::Accept(_) if self.accepted => vec![],
            RequestCommand::Accept(r) => vec![Event::NotificationRequestAccepted(r)],
            RequestCommand::Dismiss(r) => vec![Event::NotificationRequestDismissed(r)],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    #[test]
    fn saving_the_defaults_changes_nothing_and_nonsense_is_refused() {
        let same = Saved {
            at: 5,
            ..default_policy(1)
        };
        assert!(
            given_when::<NotificationPolicy>(&[], same.clone())
                .unwrap()
                .is_empty()
        );
        let dropping = Saved {
            for_not_following: "drop".into(),
            ..same.clone()
        };
        assert_eq!(
            given_when::<NotificationPolicy>(&[], dropping.clone()).unwrap(),
            vec![Event::NotificationPolicySaved(dropping)]
        );
        let nonsense = Saved {
            for_new_accounts: "maybe".into(),
            ..same
        };
        assert!(given_when::<NotificationPolicy>(&[], nonsense).is_err());
    }

    #[test]
    fn a_request_is_accepted_once() {
        let r = NotificationRequestRef {
            account_id: 1,
            from_account_id: 2,
            at: 3,
        };
        let given = [Event::NotificationRequestAccepted(r.clone())];
        assert!(
            given_when::<NotificationRequest>(&given, RequestCommand::Accept(r.clone()))
                .unwrap()
                .is_empty()
        );
    }
}
