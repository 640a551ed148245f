//! Inline projections of moderation: account flags, report states and instance-level
//! domain blocks. `accounts.suspended` and `accounts.silenced` are bit sets so that an
//! account's own state and its domain's never overwrite each other.

use crate::db::Conn;
use crate::events::*;
use crate::queries::domain_blocks::{covers, like_covered, suffixes};

/// The account itself was suspended or silenced by a moderator.
pub const BY_MODERATOR: i64 = 1;
/// Its domain is blocked with that severity.
pub const BY_DOMAIN: i64 = 2;
/// Deleted at its origin (suspended only).
pub const DELETED: i64 = 4;

/// Whether an account's `suspended` bits say it was deleted (here or at its origin).
pub fn is_deleted(suspended: i64) -> bool {
    suspended & DELETED != 0
}

/// Set or clear `bit` of `column` (`suspended` or `silenced`) for one account.
pub async fn set_bit(
    conn: &mut Conn,
    column: &str,
    account_id: i64,
    bit: i64,
    on: bool,
) -> Result<(), sqlx::Error> {
    // `column` and `bit` are constants of this module, never input.
    let sql = if on {
        crate::sqlf!("UPDATE accounts SET {column} = ({column} | {bit}) WHERE id = $1")
    } else {
        crate::sqlf!("UPDATE accounts SET {column} = ({column} & ~{bit}) WHERE id = $1")
    };
    sqlx::query(sql)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_disabled(conn: &mut Conn, account_id: i64, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE local_users SET disabled = $2 WHERE account_id = $1")
        .bind(account_id)
        .bind(i64::from(on))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn report_assigned(conn: &mut Conn, e: &ReportAssigned) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE reports SET assigned_account_id = $2, updated_at = $3 WHERE id = $1")
        .bind(e.report_id)
        .bind(e.assigned_account_id)
        .bind(e.at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn report_resolved(
    conn: &mut Conn,
    e: &ReportRef,
    resolved: bool,
) -> Result<(), sqlx::Error> {
    let query = if resolved {
        sqlx::query(
            "UPDATE reports SET action_taken_at = $2, action_taken_by_account_id = $3, updated_at = $2 \
             WHERE id = $1",
        )
        .bind(e.report_id)
        .bind(e.at)
        .bind(e.by_account_id)
    } else {
        sqlx::query(
            "UPDATE reports SET action_taken_at = NULL, action_taken_by_account_id = NULL, updated_at = $2 \
             WHERE id = $1",
        )
        .bind(e.report_id)
        .bind(e.at)
    };
    query.execute(&mut *conn).await?;
    Ok(())
}

pub async fn domain_block_saved(conn: &mut Conn, e: &DomainBlock) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO domain_blocks (id, domain, severity, reject_media, reject_reports, private_comment, \
         public_comment, obfuscate, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (id) DO UPDATE SET severity = $3, reject_media = $4, reject_reports = $5, \
         private_comment = $6, public_comment = $7, obfuscate = $8",
    )
    .bind(e.block_id)
    .bind(&e.domain)
    .bind(&e.severity)
    .bind(i64::from(e.reject_media))
    .bind(i64::from(e.reject_reports))
    .bind(e.private_comment.as_deref())
    .bind(e.public_comment.as_deref())
    .bind(i64::from(e.obfuscate))
    .bind(e.created_at)
    .execute(&mut *conn)
    .await?;
    reapply(conn, &e.domain).await
}

pub async fn domain_block_removed(conn: &mut Conn, e: &DomainBlockRef) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM domain_blocks WHERE id = $1")
        .bind(e.block_id)
        .execute(&mut *conn)
        .await?;
    reapply(conn, &e.domain).await
}

/// A remote account seen for the first time takes its domain's block.
pub async fn remote_account_seen(
    conn: &mut Conn,
    account_id: i64,
    domain: &str,
) -> Result<(), sqlx::Error> {
    let hosts = suffixes(domain);
    let mut sql = crate::queries::Sql::new("SELECT severity FROM domain_blocks WHERE domain IN (");
    sql.texts(&hosts).push(")");
    let severities: Vec<(String,)> = sql.fetch_all(&mut *conn).await?;
    let severity = |s: &str| severities.iter().any(|(v,)| v == s);
    set_bit(
        conn,
        "suspended",
        account_id,
        BY_DOMAIN,
        severity("suspend"),
    )
    .await?;
    set_bit(conn, "silenced", account_id, BY_DOMAIN, severity("silence")).await
}

/// Recompute the domain bits of the accounts a block on `domain` may cover, after that
/// block changed, from every block there is now (a parent domain's block still covers a
/// subdomain whose own block was lifted).
async fn reapply(conn: &mut Conn, domain: &str) -> Result<(), sqlx::Error> {
    let blocks: Vec<(String, String)> = sqlx::query_as(
        "SELECT domain, severity FROM domain_blocks WHERE severity IN ('suspend', 'silence')",
    )
    .fetch_all(&mut *conn)
    .await?;
    let [sub, port, sub_port] = like_covered(domain);
    let accounts: Vec<(i64, String, i64, i64)> = sqlx::query_as(
        "SELECT id, domain, suspended, silenced FROM accounts WHERE domain = $1 \
         OR domain LIKE $2 ESCAPE '\\' OR domain LIKE $3 ESCAPE '\\' OR domain LIKE $4 ESCAPE '\\'",
    )
    .bind(domain)
    .bind(sub)
    .bind(port)
    .bind(sub_port)
    .fetch_all(&mut *conn)
    .await?;
    for (id, account_domain, suspended, silenced) in accounts {
        let bit = |severity: &str| {
            if blocks
                .iter()
                .any(|(d, s)| s == severity && covers(d, &account_domain))
            {
                BY_DOMAIN
            } else {
                0
            }
        };
        let new_suspended = (suspended & !BY_DOMAIN) | bit("suspend");
        let new_silenced = (silenced & !BY_DOMAIN) | bit("silence");
        if (new_suspended, new_silenced) != (suspended, silenced) {
            sqlx::query("UPDATE accounts SET suspended = $2, silenced = $3 WHERE id = $1")
                .bind(id)
                .bind(new_suspended)
                .bind(new_silenced)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}
