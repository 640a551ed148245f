//! Streams that hold one fact, recorded once: a tombstone (`tombstone:<uri>`). Recording
//! it again changes nothing.

use super::{Aggregate, Rejection};
use crate::events::Event;

#[derive(Debug, Default, Clone)]
pub struct Once {
    pub recorded: bool,
}

impl Aggregate for Once {
    type Command = Event;

    fn evolve(mut self, _event: &Event) -> Self {
        self.recorded = true;
        self
    }

    fn decide(&self, event: Event) -> Result<Vec<Event>, Rejection> {
        Ok(if self.recorded { vec![] } else { vec![event] })
    }
}

pub fn tombstone_stream(uri: &str) -> String {
    format!("tombstone:{uri}")
}
