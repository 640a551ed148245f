//! A status scheduled for later. Stream `scheduled:<id>`: scheduled, moved, then either
//! cancelled or published, once.

use super::{Aggregate, Rejection, invalid};
use crate::events::{Event, ScheduledPublished, ScheduledRef, ScheduledStatus};

/// Mastodon's rules: at least five minutes ahead, at most 300 waiting per account.
pub const MIN_AHEAD_MS: i64 = 5 * 60 * 1000;
pub const MAX_WAITING: i64 = 300;

pub fn stream(scheduled_id: i64) -> String {
    format!("scheduled:{scheduled_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Scheduled {
    pub current: Option<ScheduledStatus>,
    pub done: bool,
}

#[derive(Debug, Clone)]
pub enum Command {
    Schedule {
        status: Box<ScheduledStatus>,
        now: i64,
    },
    Reschedule {
        by: i64,
        at: i64,
        now: i64,
    },
    Cancel {
        by: i64,
    },
    Publish {
        status_id: i64,
    },
}

fn ahead(at: i64, now: i64) -> Result<(), Rejection> {
    if at < now + MIN_AHEAD_MS {
        return Err(invalid(
            "Scheduled time must be at least 5 minutes in the future",
        ));
    }
    Ok(())
}

impl Aggregate for Scheduled {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::StatusScheduled(s) | Event::ScheduledStatusChanged(s) => {
                self.current = Some(s.clone())
            }
            Event::ScheduledStatusCancelled(_) | Event::ScheduledStatusPublished(_) => {
                self.done = true
            }
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        let waiting = self.current.as_ref().filter(|_| !self.done);
        match command {
            Command::Schedule { status, now } => {
                if self.current.is_some() {
                    return Err(Rejection::Conflict("Already scheduled".into()));
                }
                ahead(status.scheduled_at, now)?;
                Ok(vec![Event::StatusScheduled(*status)])
            }
            Command::Reschedule { by, at, now } => match waiting {
                Some(s) if s.account_id == by => {
                    ahead(at, now)?;
                    Ok(vec![Event::ScheduledStatusChanged(ScheduledStatus {
                        scheduled_at: at,
                        ..s.clone()
                    })])
                }
                _ => Err(Rejection::NotFound),
            },
            Command::Cancel { by } => match waiting {
                Some(s) if s.account_id == by => {
                    Ok(vec![Event::ScheduledStatusCancelled(ScheduledRef {
                        scheduled_id: s.scheduled_id,
                        account_id: by,
                    })])
                }
                _ => Err(Rejection::NotFound),
            },
            // Published once, whichever worker gets there first.
            Command::Publish { status_id } => Ok(match waiting {
                Some(s) => vec![Event::ScheduledStatusPublished(ScheduledPublished {
                    scheduled_id: s.scheduled_id,
                    account_id: s.account_id,
                    status_id,
                })],
                None => vec![],
            }),
        }
    }
}
