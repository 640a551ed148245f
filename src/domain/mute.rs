//! One account's mute of another. Stream `mute:<account>:<target>`. Muting again with
//! other settings replaces the mute; with the same settings it changes nothing.

use super::{Aggregate, Rejection, invalid};
use crate::events::{Event, Mute as Muted};

pub fn stream(account_id: i64, target_id: i64) -> String {
    format!("mute:{account_id}:{target_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Mute {
    pub current: Option<Muted>,
}

#[derive(Debug, Clone)]
pub enum Command {
    Mute(Muted),
    Unmute,
}

impl Aggregate for Mute {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::AccountMuted(m) => self.current = Some(m.clone()),
            Event::AccountUnmuted(_) => self.current = None,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        Ok(match (command, &self.current) {
            (Command::Mute(m), _) if m.account_id == m.target_account_id => {
                return Err(invalid("You cannot mute yourself"));
            }
            (Command::Mute(m), Some(now))
                if now.notifications == m.notifications && now.expires_at == m.expires_at =>
            {
                vec![]
            }
            (Command::Mute(m), _) => vec![Event::AccountMuted(m)],
            (Command::Unmute, Some(m)) => vec![Event::AccountUnmuted(m.clone())],
            (Command::Unmute, None) => vec![],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn mute(notifications: bool) -> Muted {
        Muted {
            mute_id: 1,
            account_id: 2,
            target_account_id: 3,
            notifications,
            expires_at: None,
            created_at: 4,
        }
    }

    #[test]
    fn muting_again_changes_only_what_differs() {
        let given = [Event::AccountMuted(mute(true))];
        assert!(
            given_when::<Mute>(&given, Command::Mute(mute(true)))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            given_when::<Mute>(&given, Command::Mute(mute(false))).unwrap(),
            vec![Event::AccountMuted(mute(false))]
        );
        assert_eq!(
            given_when::<Mute>(&given, Command::Unmute).unwrap(),
            vec![Event::AccountUnmuted(mute(true))]
        );
        let mut me = mute(true);
        me.target_account_id = me.account_id;
        assert!(given_when::<Mute>(&[], Command::Mute(me)).is_err());
    }
}
