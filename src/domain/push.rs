//! One access token's Web Push subscription. Stream `push:<token id>`: subscribing again
//! replaces it, as in Mastodon.

use super::{Aggregate, Rejection, invalid};
use crate::events::{Event, PushSubscription, PushSubscriptionRef};

pub const ALERTS: [&str; 10] = [
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
];
pub const POLICIES: [&str; 4] = ["all", "followed", "follower", "none"];

pub fn stream(token_id: i64) -> String {
    format!("push:{token_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Push {
    pub current: Option<PushSubscription>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Subscribe(PushSubscription),
    /// New alerts and policy for the existing subscription.
    Change {
        alerts: Vec<String>,
        policy: String,
    },
    Remove,
}

impl Aggregate for Push {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::PushSubscribed(e) => self.current = Some(e.clone()),
            Event::PushSubscriptionRemoved(_) => self.current = None,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        match (command, &self.current) {
            (Command::Subscribe(s), _) => {
                check(&s.alerts, &s.policy)?;
                Ok(vec![Event::PushSubscribed(s)])
            }
            (Command::Change { .. }, None) => Err(Rejection::NotFound),
            (Command::Change { alerts, policy }, Some(current)) => {
                check(&alerts, &policy)?;
                if alerts == current.alerts && policy == current.policy {
                    return Ok(vec![]);
                }
                Ok(vec![Event::PushSubscribed(PushSubscription {
                    alerts,
                    policy,
                    ..current.clone()
                })])
            }
            (Command::Remove, None) => Ok(vec![]),
            (Command::Remove, Some(current)) => {
                Ok(vec![Event::PushSubscriptionRemoved(PushSubscriptionRef {
                    token_id: current.token_id,
                    account_id: current.account_id,
                })])
            }
        }
    }
}

fn check(alerts: &[String], policy: &str) -> Result<(), Rejection> {
    if let Some(bad) = alerts.iter().find(|a| !ALERTS.contains(&a.as_str())) {
        return Err(invalid(format!("Alert {bad} is not a notification type")));
    }
    if !POLICIES.contains(&policy) {
        return Err(invalid(format!(
            "Policy {policy} is not one of all, followed, follower, none"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn subscription() -> PushSubscription {
        PushSubscription {
            subscription_id: 1,
            token_id: 2,
            account_id: 3,
            endpoint: "https://push.example/x".into(),
            p256dh: String::new(),
            auth: String::new(),
            alerts: vec!["mention".into()],
            policy: "all".into(),
            created_at: 0,
        }
    }

    #[test]
    fn given_no_subscription_when_changing_then_not_found() {
        assert_eq!(
            given_when::<Push>(
                &[],
                Command::Change {
                    alerts: vec![],
                    policy: "all".into()
                }
            ),
            Err(Rejection::NotFound)
        );
    }

    #[test]
    fn given_a_subscription_when_changing_alerts_then_the_rest_is_kept() {
        let given = [Event::PushSubscribed(subscription())];
        let events = given_when::<Push>(
            &given,
            Command::Change {
                alerts: vec!["follow".into()],
                policy: "followed".into(),
            },
        )
        .unwrap();
        let [Event::PushSubscribed(s)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!(s.endpoint, "https://push.example/x");
        assert_eq!(s.alerts, ["follow"]);
    }

    #[test]
    fn given_nothing_when_subscribing_with_an_unknown_alert_then_invalid() {
        let mut s = subscription();
        s.alerts = vec!["everything".into()];
        assert!(matches!(
            given_when::<Push>(&[], Command::Subscribe(s)),
            Err(Rejection::Invalid(_))
        ));
    }
}
