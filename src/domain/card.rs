//! A status's preview card (`status_card:<status_id>`): the card of the first link in its
//! text, set when the link's page has been fetched and cleared when an edit removes the
//! link. Setting what is already there records nothing, so a repeated fetch job appends
//! no event.

use super::{Aggregate, Rejection};
use crate::events::{Event, PreviewCard, StatusCard};

pub fn stream(status_id: i64) -> String {
    format!("status_card:{status_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Card {
    pub current: Option<PreviewCard>,
}

/// The card the status should now show.
#[derive(Debug, Clone)]
pub struct Set {
    pub status_id: i64,
    pub card: Option<PreviewCard>,
}

impl Aggregate for Card {
    type Command = Set;

    fn evolve(mut self, event: &Event) -> Self {
        if let Event::StatusCardUpdated(e) = event {
            self.current = e.card.clone();
        }
        self
    }

    fn decide(&self, command: Set) -> Result<Vec<Event>, Rejection> {
        let same = match (&self.current, &command.card) {
            (None, None) => true,
            // A refetch of the same page that found the same preview changes nothing.
            (Some(a), Some(b)) => {
                PreviewCard {
                    fetched_at: 0,
                    ..a.clone()
                } == PreviewCard {
                    fetched_at: 0,
                    ..b.clone()
                }
            }
            _ => false,
        };
        Ok(if same {
            vec![]
        } else {
            vec![Event::StatusCardUpdated(StatusCard {
                status_id: command.status_id,
                card: command.card,
            })]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn card(title: &str, fetched_at: i64) -> PreviewCard {
        PreviewCard {
            url: "https://example.com/a".into(),
            title: title.into(),
            description: String::new(),
            kind: "link".into(),
            author_name: String::new(),
            author_url: String::new(),
            provider_name: String::new(),
            provider_url: String::new(),
            image_key: None,
            width: 0,
            height: 0,
            blurhash: None,
            language: None,
            published_at: None,
            fetched_at,
        }
    }

    fn set(card: Option<PreviewCard>) -> Set {
        Set { status_id: 1, card }
    }

    fn updated(card: Option<PreviewCard>) -> Event {
        Event::StatusCardUpdated(StatusCard { status_id: 1, card })
    }

    #[test]
    fn a_first_card_is_recorded() {
        assert_eq!(
            given_when::<Card>(&[], set(Some(card("A", 1)))),
            Ok(vec![updated(Some(card("A", 1)))])
        );
    }

    #[test]
    fn the_same_preview_fetched_again_records_nothing() {
        assert_eq!(
            given_when::<Card>(&[updated(Some(card("A", 1)))], set(Some(card("A", 2)))),
            Ok(vec![])
        );
    }

    #[test]
    fn a_changed_page_or_a_removed_link_is_recorded() {
        let given = [updated(Some(card("A", 1)))];
        assert_eq!(
            given_when::<Card>(&given, set(Some(card("B", 2)))),
            Ok(vec![updated(Some(card("B", 2)))])
        );
        assert_eq!(
            given_when::<Card>(&given, set(None)),
            Ok(vec![updated(None)])
        );
    }

    #[test]
    fn clearing_a_status_without_a_card_records_nothing() {
        assert_eq!(given_when::<Card>(&[], set(None)), Ok(vec![]));
    }
}
