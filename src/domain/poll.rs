//! Polls: the limits on a new one, and one account's vote. Stream `vote:<poll>:<account>`:
//! an account votes once.

use super::{Aggregate, Rejection, invalid};
use crate::events::{Event, PollSpec, PollVote};

/// Mastodon's limits on local polls.
pub const MAX_OPTIONS: usize = 4;
pub const MAX_OPTION_CHARS: usize = 50;
pub const MIN_EXPIRATION_SECS: i64 = 300;
pub const MAX_EXPIRATION_SECS: i64 = 2_629_746;

pub fn stream(poll_id: i64, account_id: i64) -> String {
    format!("vote:{poll_id}:{account_id}")
}

/// A local poll as asked for: two to four distinct, non-blank options, and an expiry
/// between five minutes and a month.
pub fn check_new(options: &[String], expires_in_secs: i64) -> Result<(), Rejection> {
    if options.len() < 2 {
        return Err(invalid("Poll must have at least 2 options"));
    }
    if options.len() > MAX_OPTIONS {
        return Err(invalid(format!(
            "Poll can have at most {MAX_OPTIONS} options"
        )));
    }
    for o in options {
        if o.trim().is_empty() {
            return Err(invalid("Poll options can't be blank"));
        }
        if o.chars().count() > MAX_OPTION_CHARS {
            return Err(invalid(format!(
                "Poll options are at most {MAX_OPTION_CHARS} characters"
            )));
        }
    }
    let mut seen = options.to_vec();
    seen.sort();
    seen.dedup();
    if seen.len() != options.len() {
        return Err(invalid("Poll options must be different"));
    }
    if !(MIN_EXPIRATION_SECS..=MAX_EXPIRATION_SECS).contains(&expires_in_secs) {
        return Err(invalid(format!(
            "Poll must end between {MIN_EXPIRATION_SECS} seconds and {MAX_EXPIRATION_SECS} seconds from now"
        )));
    }
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct Vote {
    pub chosen: std::collections::BTreeSet<usize>,
}

#[derive(Debug, Clone)]
pub enum Command {
    /// `poll` as posted and `now`, looked up by the use case.
    Vote {
        vote: PollVote,
        poll: Box<PollSpec>,
        now: i64,
    },
}

impl Aggregate for Vote {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        if let Event::PollVoted(v) = event {
            self.chosen.extend(&v.choices);
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        let Command::Vote { vote, poll, now } = command;
        if poll.expires_at.is_some_and(|at| at <= now) {
            return Err(invalid("The poll has already ended"));
        }
        // Other servers send a multiple-choice vote as one note per choice.
        let adding = poll.multiple && vote.uri.is_some();
        if !self.chosen.is_empty() && !adding {
            return Err(invalid("You have already voted on this poll"));
        }
        let mut choices = vote.choices.clone();
        choices.sort_unstable();
        choices.dedup();
        choices.retain(|c| !self.chosen.contains(c));
        if adding && !self.chosen.is_empty() && choices.is_empty() {
            return Ok(vec![]);
        }
        if choices.is_empty() {
            return Err(invalid("Choices can't be blank"));
        }
        if choices.iter().any(|c| *c >= poll.options.len()) {
            return Err(invalid("That is not an option of this poll"));
        }
        if !poll.multiple && choices.len() > 1 {
            return Err(invalid("This poll takes one choice"));
        }
        Ok(vec![Event::PollVoted(PollVote { choices, ..vote })])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn poll(multiple: bool) -> PollSpec {
        PollSpec {
            poll_id: 1,
            options: vec!["a".into(), "b".into(), "c".into()],
            multiple,
            expires_at: Some(1000),
            hide_totals: false,
            counts: None,
            voters_count: None,
        }
    }

    fn vote(choices: Vec<usize>) -> PollVote {
        PollVote {
            poll_id: 1,
            status_id: 2,
            account_id: 3,
            choices,
            created_at: 4,
            uri: None,
        }
    }

    fn when(
        given: &[Event],
        choices: Vec<usize>,
        multiple: bool,
        now: i64,
    ) -> Result<Vec<Event>, Rejection> {
        given_when::<Vote>(
            given,
            Command::Vote {
                vote: vote(choices),
                poll: Box::new(poll(multiple)),
                now,
            },
        )
    }

    #[test]
    fn a_vote_is_once_in_range_and_before_the_end() {
        assert_eq!(
            when(&[], vec![1], false, 10).unwrap(),
            vec![Event::PollVoted(vote(vec![1]))]
        );
        assert!(when(&[], vec![0, 2], false, 10).is_err(), "one choice only");
        assert_eq!(
            when(&[], vec![2, 0, 2], true, 10).unwrap(),
            vec![Event::PollVoted(vote(vec![0, 2]))]
        );
        assert!(when(&[], vec![3], true, 10).is_err(), "out of range");
        assert!(when(&[], vec![], true, 10).is_err(), "no choice");
        assert!(when(&[], vec![0], false, 1000).is_err(), "ended");
        assert!(
            when(&[Event::PollVoted(vote(vec![0]))], vec![1], false, 10).is_err(),
            "twice"
        );
    }

    #[test]
    fn new_polls_are_checked_as_mastodon_does() {
        let opts = |n: usize| (0..n).map(|i| format!("option {i}")).collect::<Vec<_>>();
        assert!(check_new(&opts(2), 300).is_ok());
        assert!(check_new(&opts(20), 3600).is_err());
        assert!(check_new(&opts(1), 3600).is_err());
        assert!(check_new(&opts(2), 60).is_err());
        assert!(check_new(&["x".into(), "x".into()], 3600).is_err());
        assert!(check_new(&["x".repeat(51), "y".into()], 3600).is_err());
    }
}
