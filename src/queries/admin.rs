//! What moderators read: accounts with their users, and reports.

use super::accounts::{ACCOUNT_COLUMNS, AccountRow, UserRow};
use super::{Page, Sql};
use crate::db::Conn;

/// The filters of `GET /api/v2/admin/accounts` (v1's map onto them).
#[derive(Debug, Default, Clone)]
pub struct AccountFilter {
    /// `local` or `remote`.
    pub origin: Option<String>,
    /// `active`, `pending`, `disabled`, `silenced` or `suspended`.
    pub status: Option<String>,
    /// Only moderators and admins.
    pub staff: bool,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub by_domain: Option<String>,
    pub email: Option<String>,
}

/// `LIKE` text matching `s` anywhere, wildcards in `s` taken literally (with `ESCAPE '\'`).
fn contains(s: &str) -> String {
    let e = s
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{e}%")
}

pub async fn accounts(
    conn: &mut Conn,
    f: &AccountFilter,
    page: &Page,
) -> Result<Vec<(AccountRow, Option<UserRow>)>, sqlx::Error> {
    let mut sql = Sql::new(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts a LEFT JOIN local_users u ON u.account_id = a.id \
         WHERE a.id <> 0"
    ));
    match f.origin.as_deref() {
        Some("local") => {
            sql.push(" AND a.domain IS NULL");
        }
        Some("remote") => {
            sql.push(" AND a.domain IS NOT NULL");
        }
        _ => {}
    }
    match f.status.as_deref() {
        Some("active") => {
            sql.push(" AND a.suspended = 0 AND (u.account_id IS NULL OR (u.approved = 1 AND u.disabled = 0))");
        }
        Some("pending") => {
            sql.push(" AND u.approved = 0");
        }
        Some("disabled") => {
            sql.push(" AND u.disabled = 1");
        }
        Some("silenced") => {
            sql.push(" AND a.silenced <> 0");
        }
        Some("suspended") => {
            sql.push(" AND a.suspended <> 0");
        }
        _ => {}
    }
    if f.staff {
        sql.push(" AND u.role IN ('moderator', 'admin')");
    }
    if let Some(v) = &f.username {
        sql.push(" AND a.username_lower LIKE ")
            .text(&contains(v))
            .push(" ESCAPE '\\'");
    }
    if let Some(v) = &f.display_name {
        sql.push(" AND LOWER(a.display_name) LIKE ")
            .text(&contains(v))
            .push(" ESCAPE '\\'");
    }
    if let Some(v) = &f.by_domain {
        sql.push(" AND a.domain LIKE ")
            .text(&contains(v))
            .push(" ESCAPE '\\'");
    }
    if let Some(v) = &f.email {
        sql.push(" AND u.email_lower LIKE ")
            .text(&contains(v))
            .push(" ESCAPE '\\'");
    }
    page.apply(&mut sql, "a.id");
    let rows: Vec<AccountRow> = page.finish(sql.fetch_all(conn).await?);
    with_users(conn, rows).await
}

/// Accounts with their local users (`None` for remote accounts).
pub async fn with_users(
    conn: &mut Conn,
    rows: Vec<AccountRow>,
) -> Result<Vec<(AccountRow, Option<UserRow>)>, sqlx::Error> {
    let ids: Vec<i64> = rows.iter().map(|a| a.id).collect();
    let mut sql = Sql::new(
        "SELECT account_id, email, role, approved, confirmed, locale, created_at, disabled \
         FROM local_users WHERE account_id IN (",
    );
    sql.ints(&ids).push(")");
    let mut users: Vec<UserRow> = sql.fetch_all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|a| {
            let user = users
                .iter()
                .position(|u| u.account_id == a.id)
                .map(|i| users.swap_remove(i));
            (a, user)
        })
        .collect())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub status_ids: String,
    pub comment: String,
    pub uri: Option<String>,
    pub created_at: i64,
    pub category: String,
    pub forwarded: i64,
    pub assigned_account_id: Option<i64>,
    pub action_taken_at: Option<i64>,
    pub action_taken_by_account_id: Option<i64>,
    pub updated_at: i64,
}

impl ReportRow {
    pub fn status_ids(&self) -> Vec<i64> {
        serde_json::from_str(&self.status_ids).unwrap_or_default()
    }

    /// Every account the report names, for one look-up.
    pub fn account_ids(&self) -> Vec<i64> {
        [Some(self.account_id), Some(self.target_account_id)]
            .into_iter()
            .chain([self.assigned_account_id, self.action_taken_by_account_id])
            .flatten()
            .collect()
    }
}

const REPORT_COLUMNS: &str = "id, account_id, target_account_id, status_ids, comment, uri, created_at, \
     category, forwarded, assigned_account_id, action_taken_at, action_taken_by_account_id, updated_at";

#[derive(Debug, Default, Clone)]
pub struct ReportFilter {
    pub resolved: bool,
    pub account_id: Option<i64>,
    pub target_account_id: Option<i64>,
}

pub async fn reports(
    conn: &mut Conn,
    f: &ReportFilter,
    page: &Page,
) -> Result<Vec<ReportRow>, sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT {REPORT_COLUMNS} FROM reports WHERE "));
    sql.push(if f.resolved {
        "action_taken_at IS NOT NULL"
    } else {
        "action_taken_at IS NULL"
    });
    if let Some(id) = f.account_id {
        sql.push(" AND account_id = ").int(id);
    }
    if let Some(id) = f.target_account_id {
        sql.push(" AND target_account_id = ").int(id);
    }
    page.apply(&mut sql, "id");
    Ok(page.finish(sql.fetch_all(conn).await?))
}

pub async fn report(conn: &mut Conn, id: i64) -> Result<Option<ReportRow>, sqlx::Error> {
    sqlx::query_as(crate::sqlf!(
        "SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}
