//! Inline projections of what federation adds: remote accounts, edits, blocks,
//! tombstones and reports.

use crate::db::{Conn, flag};
use crate::events::*;

pub async fn remote_account(conn: &mut Conn, e: &RemoteAccount) -> Result<(), sqlx::Error> {
    let fields =
        serde_json::to_string(&e.fields).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query(
        "INSERT INTO accounts (id, username, username_lower, domain, display_name, note, note_html, fields, \
         locked, bot, discoverable, uri, url, public_key_pem, suspended, created_at, followers_count, \
         following_count, statuses_count, last_status_at, inbox_url, shared_inbox_url, followers_url, \
         outbox_url, featured_url, key_id, avatar_url, header_url, fetched_at) \
         VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $9, $10, $11, $12, $13, 0, $14, 0, 0, 0, NULL, \
         $15, $16, $17, $18, $19, $20, $21, $22, $23) \
         ON CONFLICT (id) DO UPDATE SET username = $2, username_lower = $3, domain = $4, display_name = $5, \
         note_html = $6, fields = $7, locked = $8, bot = $9, discoverable = $10, url = $12, public_key_pem = $13, \
         inbox_url = $15, shared_inbox_url = $16, followers_url = $17, outbox_url = $18, featured_url = $19, \
         key_id = $20, avatar_url = $21, header_url = $22, fetched_at = $23",
    )
    .bind(e.account_id)
    .bind(&e.username)
    .bind(e.username.to_lowercase())
    .bind(&e.domain)
    .bind(&e.display_name)
    .bind(&e.note_html)
    .bind(fields)
    .bind(flag(e.locked))
    .bind(flag(e.bot))
    .bind(flag(e.discoverable))
    .bind(&e.uri)
    .bind(&e.url)
    .bind(&e.public_key_pem)
    .bind(e.created_at)
    .bind(&e.inbox_url)
    .bind(e.shared_inbox_url.as_deref())
    .bind(e.followers_url.as_deref())
    .bind(e.outbox_url.as_deref())
    .bind(e.featured_url.as_deref())
    .bind(&e.key_id)
    .bind(e.avatar_url.as_deref())
    .bind(e.header_url.as_deref())
    .bind(e.fetched_at)
    .execute(&mut *conn)
    .await?;
    super::moderation::remote_account_seen(conn, e.account_id, &e.domain).await
}

/// An account deleted, here or at its origin: hidden at once (the `DELETED` bit), its
/// profile emptied, its follows ended and its posts out of home feeds, as in Mastodon. A
/// local account's posts are purged afterwards, by events of their own.
pub async fn account_deleted(conn: &mut Conn, account_id: i64) -> Result<(), sqlx::Error> {
    super::moderation::set_bit(
        conn,
        "suspended",
        account_id,
        super::moderation::DELETED,
        true,
    )
    .await?;
    end_follows_between(conn, account_id, None).await?;
    for sql in [
        "UPDATE accounts SET display_name = '', note = '', note_html = '', fields = '[]', \
         headline = '', avatar_key = NULL, header_key = NULL, avatar_url = NULL, header_url = NULL \
         WHERE id = $1",
        "DELETE FROM home_feed WHERE author_id = $1 OR account_id = $1",
        "DELETE FROM push_subscriptions WHERE account_id = $1",
    ] {
        sqlx::query(sql)
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn moved(conn: &mut Conn, e: &AccountMoved) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET moved_to_uri = $2 WHERE id = $1")
        .bind(e.account_id)
        .bind(&e.target_uri)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Keeps every version: the original (at its creation time) on the first edit, then each
/// new one, so the history endpoint lists them oldest first.
pub async fn status_edited(conn: &mut Conn, e: &StatusEdited) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO status_edits (status_id, edited_at, account_id, content, spoiler_text, sensitive) \
         SELECT id, created_at, account_id, content, spoiler_text, sensitive FROM statuses \
         WHERE id = $1 AND edited_at IS NULL ON CONFLICT DO NOTHING",
    )
    .bind(e.status_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO status_edits (status_id, edited_at, account_id, content, spoiler_text, sensitive) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(e.status_id)
    .bind(e.edited_at)
    .bind(e.account_id)
    .bind(&e.content)
    .bind(&e.spoiler_text)
    .bind(flag(e.sensitive))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE statuses SET text = $2, content = $3, spoiler_text = $4, sensitive = $5, language = $6, \
         edited_at = $7 WHERE id = $1",
    )
    .bind(e.status_id)
    .bind(&e.text)
    .bind(&e.content)
    .bind(&e.spoiler_text)
    .bind(flag(e.sensitive))
    .bind(e.language.as_deref())
    .bind(e.edited_at)
    .execute(&mut *conn)
    .await?;
    for sql in [
        "DELETE FROM status_mentions WHERE status_id = $1",
        "DELETE FROM status_tags WHERE status_id = $1",
    ] {
        sqlx::query(sql)
            .bind(e.status_id)
            .execute(&mut *conn)
            .await?;
    }
    super::inline::mentions_and_tags(conn, e.status_id, &e.mentions, &e.tags, e.edited_at).await
}

/// A block ends follows both ways (the use case appends their `Unfollowed` first; this
/// catches a follow that raced it) and clears the blocked account's posts from the feed.
pub async fn blocked(conn: &mut Conn, e: &Block) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO blocks (id, account_id, target_account_id, uri, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT DO NOTHING",
    )
    .bind(e.block_id)
    .bind(e.account_id)
    .bind(e.target_account_id)
    .bind(e.uri.as_deref())
    .bind(e.created_at)
    .execute(&mut *conn)
    .await?;
    end_follows_between(conn, e.account_id, Some(e.target_account_id)).await?;
    sqlx::query("DELETE FROM home_feed WHERE account_id = $1 AND author_id = $2")
        .bind(e.account_id)
        .bind(e.target_account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn unblocked(conn: &mut Conn, e: &Block) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM blocks WHERE account_id = $1 AND target_account_id = $2")
        .bind(e.account_id)
        .bind(e.target_account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Remove follows and requests between `a` and `b` (or between `a` and anyone), keeping
/// the counters right.
async fn end_follows_between(conn: &mut Conn, a: i64, b: Option<i64>) -> Result<(), sqlx::Error> {
    let pairs: Vec<(i64, i64)> = match b {
        Some(b) => sqlx::query_as(
            "SELECT account_id, target_account_id FROM follows \
             WHERE (account_id = $1 AND target_account_id = $2) OR (account_id = $2 AND target_account_id = $1)",
        )
        .bind(a)
        .bind(b)
        .fetch_all(&mut *conn)
        .await?,
        None => sqlx::query_as(
            "SELECT account_id, target_account_id FROM follows WHERE account_id = $1 OR target_account_id = $1",
        )
        .bind(a)
        .fetch_all(&mut *conn)
        .await?,
    };
    for (follower, target) in pairs {
        sqlx::query("DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2")
            .bind(follower)
            .bind(target)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE accounts SET following_count = following_count - 1 WHERE id = $1")
            .bind(follower)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE accounts SET followers_count = followers_count - 1 WHERE id = $1")
            .bind(target)
            .execute(&mut *conn)
            .await?;
    }
    let b = b.unwrap_or(a);
    sqlx::query(
        "DELETE FROM follow_requests WHERE (account_id = $1 AND (target_account_id = $2 OR $1 = $2)) \
         OR (target_account_id = $1 AND (account_id = $2 OR $1 = $2))",
    )
    .bind(a)
    .bind(b)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn tombstoned(conn: &mut Conn, e: &Tombstone) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO tombstones (uri, deleted_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(&e.uri)
        .bind(e.deleted_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn report_filed(conn: &mut Conn, e: &Report) -> Result<(), sqlx::Error> {
    let status_ids =
        serde_json::to_string(&e.status_ids).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query(
        "INSERT INTO reports (id, account_id, target_account_id, status_ids, comment, uri, created_at, \
         category, forwarded) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.report_id)
    .bind(e.account_id)
    .bind(e.target_account_id)
    .bind(status_ids)
    .bind(&e.comment)
    .bind(e.uri.as_deref())
    .bind(e.created_at)
    .bind(e.category.as_deref().unwrap_or("other"))
    .bind(crate::db::flag(e.forward))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
