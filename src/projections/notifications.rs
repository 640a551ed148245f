//! Notifications for local accounts: mention, favourite, reblog, follow, follow_request.
//! A notification's id is the id of the event that caused it.

use crate::db::Conn;
use crate::eventlog::Recorded;
use crate::events::*;

pub async fn apply(conn: &mut Conn, rec: &Recorded) -> Result<(), sqlx::Error> {
    let at = rec.recorded_at;
    match &rec.event {
        Event::StatusPosted(e) => {
            for mentioned in e.mentions.iter().filter(|m| **m != e.account_id) {
                notify(
                    conn,
                    rec.id,
                    *mentioned,
                    e.account_id,
                    "mention",
                    Some(e.status_id),
                    at,
                )
                .await?;
            }
            Ok(())
        }
        Event::StatusFavourited(e) if e.account_id != e.status_account_id => {
            notify(
                conn,
                rec.id,
                e.status_account_id,
                e.account_id,
                "favourite",
                Some(e.status_id),
                at,
            )
            .await
        }
        Event::StatusReblogged(e) if e.account_id != e.status_account_id => {
            notify(
                conn,
                rec.id,
                e.status_account_id,
                e.account_id,
                "reblog",
                Some(e.status_id),
                at,
            )
            .await
        }
        Event::Followed(e) => {
            notify(
                conn,
                rec.id,
                e.target_account_id,
                e.account_id,
                "follow",
                None,
                at,
            )
            .await
        }
        Event::FollowRequested(e) => {
            notify(
                conn,
                rec.id,
                e.target_account_id,
                e.account_id,
                "follow_request",
                None,
                at,
            )
            .await
        }
        Event::StatusDeleted(e) => {
            sqlx::query("DELETE FROM notifications WHERE status_id = $1")
                .bind(e.status_id)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
        Event::NotificationDismissed(e) => dismiss(conn, e).await,
        Event::NotificationsCleared(e) => clear(conn, e.account_id, rec.id).await,
        _ => Ok(()),
    }
}

async fn notify(
    conn: &mut Conn,
    id: i64,
    account_id: i64,
    from_account_id: i64,
    kind: &str,
    status_id: Option<i64>,
    at: i64,
) -> Result<(), sqlx::Error> {
    let group_key = group_key(conn, account_id, kind, status_id, at).await?;
    // Only local accounts are notified; a remote one learns through federation.
    sqlx::query(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at, group_key) \
         SELECT $1, $2, $3, $4, $5, $6, $7 FROM local_users WHERE account_id = $2 ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(from_account_id)
    .bind(kind)
    .bind(status_id)
    .bind(at)
    .bind(group_key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A group lasts this long from its first notification, as in Mastodon.
const GROUP_SPAN_HOURS: i64 = 12;

/// Mastodon's group key: `<type>[-<status>]-<hour>`, where the hour is the group's start,
/// reused while the new notification comes within 12 hours of it. Mentions and follow
/// requests are not grouped. It depends only on earlier rows, so replay gives the same.
async fn group_key(
    conn: &mut Conn,
    account_id: i64,
    kind: &str,
    status_id: Option<i64>,
    at: i64,
) -> Result<Option<String>, sqlx::Error> {
    let prefix = match (kind, status_id) {
        ("favourite" | "reblog", Some(status)) => format!("{kind}-{status}"),
        ("follow", _) => "follow".to_string(),
        _ => return Ok(None),
    };
    let hour = at.div_euclid(3_600_000);
    let previous: Option<String> = sqlx::query_scalar(
        "SELECT group_key FROM notifications WHERE account_id = $1 AND group_key LIKE $2 \
         ORDER BY id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(format!("{prefix}-%"))
    .fetch_optional(&mut *conn)
    .await?
    .flatten();
    let start = previous
        .as_deref()
        .and_then(|k| k.rsplit('-').next())
        .and_then(|h| h.parse::<i64>().ok())
        .filter(|start| hour < start + GROUP_SPAN_HOURS)
        .unwrap_or(hour);
    Ok(Some(format!("{prefix}-{start}")))
}

pub async fn dismiss(conn: &mut Conn, e: &NotificationDismissed) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND id = $2")
        .bind(e.account_id)
        .bind(e.notification_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Clears what was notified before the clearing event (ids are event ids, so time-ordered).
pub async fn clear(
    conn: &mut Conn,
    account_id: i64,
    clear_event_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND id < $2")
        .bind(account_id)
        .bind(clear_event_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
