//! An instance-level block of one domain (and its subdomains). Stream
//! `domain_block:<domain>`: one block per domain, as Mastodon.

use super::{Aggregate, Rejection, invalid, validate};
use crate::events::{DomainBlock as Saved, DomainBlockRef, Event};

pub const SEVERITIES: [&str; 3] = ["silence", "suspend", "noop"];
pub const COMMENT_MAX: usize = 1000;

pub fn stream(domain: &str) -> String {
    format!("domain_block:{domain}")
}

#[derive(Debug, Default, Clone)]
pub struct DomainBlock {
    pub current: Option<Saved>,
}

#[derive(Debug, Clone)]
pub enum Command {
    /// A new block; refused when the domain is already blocked.
    Create(Saved),
    /// New settings for the existing block.
    Change(Saved),
    Remove,
}

impl Aggregate for DomainBlock {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::DomainBlockSaved(e) => self.current = Some(e.clone()),
            Event::DomainBlockRemoved(_) => self.current = None,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        match (command, &self.current) {
            (Command::Create(_), Some(existing)) => Err(Rejection::Conflict(format!(
                "{} is already blocked (block {})",
                existing.domain, existing.block_id
            ))),
            (Command::Create(new), None) => {
                check(&new)?;
                Ok(vec![Event::DomainBlockSaved(new)])
            }
            (Command::Change(_) | Command::Remove, None) => Err(Rejection::NotFound),
            (Command::Change(new), Some(existing)) => {
                check(&new)?;
                // The block keeps its id, domain and creation time.
                let new = Saved {
                    block_id: existing.block_id,
                    domain: existing.domain.clone(),
                    created_at: existing.created_at,
                    ..new
                };
                Ok(if new == *existing {
                    vec![]
                } else {
                    vec![Event::DomainBlockSaved(new)]
                })
            }
            (Command::Remove, Some(existing)) => {
                Ok(vec![Event::DomainBlockRemoved(DomainBlockRef {
                    block_id: existing.block_id,
                    domain: existing.domain.clone(),
                })])
            }
        }
    }
}

fn check(b: &Saved) -> Result<(), Rejection> {
    if !SEVERITIES.contains(&b.severity.as_str()) {
        return Err(invalid(format!(
            "Severity {} is not one of silence, suspend, noop",
            b.severity
        )));
    }
    for c in [&b.private_comment, &b.public_comment]
        .into_iter()
        .flatten()
    {
        validate::max_chars("Comment", c, COMMENT_MAX)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn block(severity: &str) -> Saved {
        Saved {
            block_id: 1,
            domain: "spam.example".into(),
            severity: severity.into(),
            reject_media: false,
            reject_reports: false,
            private_comment: None,
            public_comment: None,
            obfuscate: false,
            created_at: 10,
        }
    }

    #[test]
    fn given_a_block_when_blocking_the_domain_again_then_conflict() {
        let given = [Event::DomainBlockSaved(block("suspend"))];
        assert!(matches!(
            given_when::<DomainBlock>(&given, Command::Create(block("silence"))),
            Err(Rejection::Conflict(_))
        ));
    }

    #[test]
    fn given_a_block_when_changing_it_then_it_keeps_its_id_and_domain() {
        let given = [Event::DomainBlockSaved(block("suspend"))];
        let mut change = block("silence");
        change.block_id = 99;
        change.domain = "other.example".into();
        let events = given_when::<DomainBlock>(&given, Command::Change(change)).unwrap();
        let [Event::DomainBlockSaved(saved)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!(
            (
                saved.block_id,
                saved.domain.as_str(),
                saved.severity.as_str()
            ),
            (1, "spam.example", "silence")
        );
    }

    #[test]
    fn given_nothing_when_creating_with_an_unknown_severity_then_invalid() {
        assert!(matches!(
            given_when::<DomainBlock>(&[], Command::Create(block("obliterate"))),
            Err(Rejection::Invalid(_))
        ));
    }
}
