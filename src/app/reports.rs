//! Reports through the API: one account (and some of its statuses) reported to the
//! moderators, and, when asked, to the account's own server.

use crate::domain::report::{self, Report as ReportStream};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::events::Report;
use crate::queries::statuses as sq;
use crate::{ids, time};

use super::App;

pub const MAX_COMMENT_CHARS: usize = 1000;
pub const CATEGORIES: [&str; 3] = ["spam", "legal", "other"];

pub struct NewReport {
    pub target_account_id: i64,
    pub status_ids: Vec<i64>,
    pub comment: String,
    pub category: String,
    pub forward: bool,
}

impl App {
    pub async fn file_report(&self, reporter: i64, r: NewReport) -> Result<i64, Error> {
        if r.target_account_id == reporter {
            return Err(Error::Validation("You cannot report yourself".into()));
        }
        if r.comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(Error::Validation(format!(
                "Comment is too long (maximum is {MAX_COMMENT_CHARS} characters)"
            )));
        }
        if !CATEGORIES.contains(&r.category.as_str()) {
            return Err(Error::Validation(if r.category == "violation" {
                "This server has no rules to report a violation of: use spam, legal or other".into()
            } else {
                format!("Category {} is not one of spam, legal, other", r.category)
            }));
        }
        let target = self.visible_account(r.target_account_id).await?;
        {
            let mut conn = self.db.pool.acquire().await?;
            let found = sq::visible_by_ids(&mut conn, Some(reporter), &r.status_ids).await?;
            if let Some(bad) = r
                .status_ids
                .iter()
                .find(|id| found.get(id).is_none_or(|v| v.row.account_id != target.id))
            {
                return Err(Error::Validation(format!(
                    "Status {bad} is not one of the reported account's"
                )));
            }
        }
        let report_id = ids::next_id();
        self.execute::<ReportStream>(
            &report::stream(report_id),
            &local_actor(reporter),
            None,
            report::Command::File(Report {
                report_id,
                account_id: reporter,
                target_account_id: target.id,
                status_ids: r.status_ids,
                comment: r.comment,
                uri: None,
                created_at: time::now_ms(),
                category: Some(r.category),
                forward: r.forward && target.domain.is_some(),
            }),
        )
        .await?;
        Ok(report_id)
    }
}
