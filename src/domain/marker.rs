//! One account's reading position in one timeline. Stream `marker:<account>:<timeline>`;
//! each save counts up the version, as Mastodon's markers do.

use super::{Aggregate, Rejection, invalid};
use crate::events::{Event, Marker as Saved};

/// The timelines a marker may be set for.
pub const TIMELINES: [&str; 2] = ["home", "notifications"];

pub fn stream(account_id: i64, timeline: &str) -> String {
    format!("marker:{account_id}:{timeline}")
}

#[derive(Debug, Default, Clone)]
pub struct Marker {
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct Save {
    pub account_id: i64,
    pub timeline: String,
    pub last_read_id: String,
    pub at: i64,
}

impl Aggregate for Marker {
    type Command = Save;

    fn evolve(mut self, event: &Event) -> Self {
        if let Event::MarkerSaved(m) = event {
            self.version = m.version;
        }
        self
    }

    fn decide(&self, save: Save) -> Result<Vec<Event>, Rejection> {
        if !TIMELINES.contains(&save.timeline.as_str()) {
            return Err(invalid(format!("Unknown timeline {}", save.timeline)));
        }
        if save.last_read_id.is_empty() || save.last_read_id.len() > 64 {
            return Err(invalid("last_read_id is invalid"));
        }
        Ok(vec![Event::MarkerSaved(Saved {
            account_id: save.account_id,
            timeline: save.timeline,
            last_read_id: save.last_read_id,
            version: self.version + 1,
            updated_at: save.at,
        })])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn save(id: &str) -> Save {
        Save {
            account_id: 1,
            timeline: "home".into(),
            last_read_id: id.into(),
            at: 5,
        }
    }

    #[test]
    fn each_save_counts_up_the_version() {
        let first = given_when::<Marker>(&[], save("10")).unwrap();
        let Event::MarkerSaved(m) = &first[0] else {
            panic!("a marker")
        };
        assert_eq!(m.version, 1);
        let second = given_when::<Marker>(&first, save("11")).unwrap();
        assert!(
            matches!(&second[0], Event::MarkerSaved(m) if m.version == 2 && m.last_read_id == "11")
        );
    }

    #[test]
    fn only_home_and_notifications_have_markers() {
        let mut s = save("1");
        s.timeline = "public".into();
        assert!(given_when::<Marker>(&[], s).is_err());
    }
}
