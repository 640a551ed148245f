//! One participant's view of a direct-message conversation. Stream
//! `conversation:<account>:<conversation>`: marked read, removed from the list (a new
//! message brings it back). The use case checks that the conversation is the account's.

use super::{Aggregate, Rejection};
use crate::events::{ConversationRef, Event};

pub fn stream(account_id: i64, conversation_id: i64) -> String {
    format!("conversation:{account_id}:{conversation_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Conversation;

#[derive(Debug, Clone)]
pub enum Command {
    Read(ConversationRef),
    Remove(ConversationRef),
}

impl Aggregate for Conversation {
    type Command = Command;

    fn evolve(self, _event: &Event) -> Self {
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        Ok(vec![match command {
            Command::Read(c) => Event::ConversationRead(c),
            Command::Remove(c) => Event::ConversationRemoved(c),
        }])
    }
}
