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
    // Only local accounts are notified; a remote one learns through federation.
    sqlx::query(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at) \
         SELECT $1, $2, $3, $4, $5, $6 FROM local_users WHERE account_id = $2 ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(from_account_id)
    .bind(kind)
    .bind(status_id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
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
