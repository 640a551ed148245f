//! A report to the moderators: filed once (from the API or a remote `Flag`), then
//! assigned, resolved and reopened by moderators. Stream `report:<id>`.

use super::{Aggregate, Rejection};
use crate::events::{Event, Report as Filed, ReportAssigned, ReportRef};

pub fn stream(report_id: i64) -> String {
    format!("report:{report_id}")
}

#[derive(Debug, Default, Clone)]
pub struct Report {
    pub id: Option<i64>,
    pub assigned: Option<i64>,
    pub resolved: bool,
}

#[derive(Debug, Clone)]
pub enum Command {
    /// Filing again (a redelivered `Flag`) changes nothing.
    File(Filed),
    /// Take the report (`Some(moderator)`) or give it up (`None`).
    Assign {
        to: Option<i64>,
        at: i64,
    },
    Resolve {
        by: i64,
        at: i64,
    },
    Reopen {
        by: i64,
        at: i64,
    },
}

impl Aggregate for Report {
    type Command = Command;

    fn evolve(mut self, event: &Event) -> Self {
        match event {
            Event::ReportFiled(e) => self.id = Some(e.report_id),
            Event::ReportAssigned(e) => self.assigned = e.assigned_account_id,
            Event::ReportResolved(_) => self.resolved = true,
            Event::ReportReopened(_) => self.resolved = false,
            _ => {}
        }
        self
    }

    fn decide(&self, command: Command) -> Result<Vec<Event>, Rejection> {
        let Some(report_id) = self.id else {
            return match command {
                Command::File(r) => Ok(vec![Event::ReportFiled(r)]),
                _ => Err(Rejection::NotFound),
            };
        };
        Ok(match command {
            Command::File(_) => vec![],
            Command::Assign { to, .. } if to == self.assigned => vec![],
            Command::Assign { to, at } => vec![Event::ReportAssigned(ReportAssigned {
                report_id,
                assigned_account_id: to,
                at,
            })],
            Command::Resolve { .. } if self.resolved => vec![],
            Command::Resolve { by, at } => vec![Event::ReportResolved(ReportRef {
                report_id,
                by_account_id: by,
                at,
            })],
            Command::Reopen { .. } if !self.resolved => vec![],
            Command::Reopen { by, at } => vec![Event::ReportReopened(ReportRef {
                report_id,
                by_account_id: by,
                at,
            })],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::given_when;

    fn filed() -> Event {
        Event::ReportFiled(Filed {
            report_id: 7,
            account_id: 1,
            target_account_id: 2,
            status_ids: vec![],
            comment: String::new(),
            uri: None,
            created_at: 0,
            category: None,
            forward: false,
        })
    }

    #[test]
    fn given_no_report_when_resolving_then_not_found() {
        assert_eq!(
            given_when::<Report>(&[], Command::Resolve { by: 1, at: 0 }),
            Err(Rejection::NotFound)
        );
    }

    #[test]
    fn given_a_resolved_report_when_resolving_again_then_nothing_and_reopening_works() {
        let given = [
            filed(),
            Event::ReportResolved(ReportRef {
                report_id: 7,
                by_account_id: 1,
                at: 5,
            }),
        ];
        assert!(
            given_when::<Report>(&given, Command::Resolve { by: 1, at: 6 })
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            given_when::<Report>(&given, Command::Reopen { by: 3, at: 9 }).unwrap(),
            vec![Event::ReportReopened(ReportRef {
                report_id: 7,
                by_account_id: 3,
                at: 9
            })]
        );
    }

    #[test]
    fn given_a_filed_report_when_filed_again_then_nothing() {
        let Event::ReportFiled(again) = filed() else {
            unreachable!()
        };
        assert!(
            given_when::<Report>(&[filed()], Command::File(again))
                .unwrap()
                .is_empty()
        );
    }
}
