//! Tessera's durable job queues: `push`, `pull`, `ingress` and `mail`. This crate knows
//! nothing of the application's tables; jobs carry ids, never keys or whole models.

pub mod retry;

use serde::{Deserialize, Serialize};

/// The four queues of DESIGN §1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Queue {
    Push,
    Pull,
    Ingress,
    Mail,
}

impl Queue {
    pub const ALL: [Queue; 4] = [Queue::Push, Queue::Pull, Queue::Ingress, Queue::Mail];

    pub fn name(self) -> &'static str {
        match self {
            Queue::Push => "push",
            Queue::Pull => "pull",
            Queue::Ingress => "ingress",
            Queue::Mail => "mail",
        }
    }

    /// Parse a comma-separated list such as `push,pull` (for `tessera worker --queues`).
    pub fn parse_list(list: &str) -> Result<Vec<Queue>, UnknownQueue> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|name| {
                Queue::ALL
                    .into_iter()
                    .find(|q| q.name() == name)
                    .ok_or_else(|| UnknownQueue(name.to_string()))
            })
            .collect()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown queue `{0}` (expected push, pull, ingress or mail)")]
pub struct UnknownQueue(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_lists_parse_and_reject_unknown_names() {
        assert_eq!(
            Queue::parse_list("push, mail").unwrap(),
            vec![Queue::Push, Queue::Mail]
        );
        assert_eq!(
            Queue::parse_list("push,bogus"),
            Err(UnknownQueue("bogus".into()))
        );
    }
}
