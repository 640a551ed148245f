//! Notifications for local accounts: mention, favourite, reblog, follow, follow_request.
//! A notification's id is the id of the event that caused it. Each is accepted, filtered
//! into a notification request, or dropped, by the recipient's notification policy; the
//! policy and the accepted senders are kept here too, so that every notification is judged
//! by the policy of its moment, live and in replay.

use crate::db::Conn;
use crate::domain::notification_policy::default_policy;
use crate::eventlog::Recorded;
use crate::events::*;

pub async fn apply(conn: &mut Conn, rec: &Recorded) -> Result<(), sqlx::Error> {
    let at = rec.recorded_at;
    match &rec.event {
        Event::StatusPosted(e) => {
            for mentioned in e.mentions.iter().filter(|m| **m != e.account_id) {
                // A private mention that is not an answer to the recipient.
                let private =
                    e.visibility == "direct" && e.in_reply_to_account_id != Some(*mentioned);
                let n = New {
                    id: rec.id,
                    account_id: *mentioned,
                    from_account_id: e.account_id,
                    kind: "mention",
                    status_id: Some(e.status_id),
                    at,
                };
                notify_judged(conn, &n, private).await?;
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
        Event::NotificationPolicySaved(e) => policy_saved(conn, e).await,
        Event::NotificationRequestAccepted(e) => {
            sqlx::query(
                "INSERT INTO notification_permissions (account_id, from_account_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(e.account_id)
            .bind(e.from_account_id)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "UPDATE notifications SET filtered = 0 WHERE account_id = $1 AND from_account_id = $2 AND filtered = 1",
            )
            .bind(e.account_id)
            .bind(e.from_account_id)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }
        Event::NotificationRequestDismissed(e) => {
            // What was filtered until now goes; later ones make a new request.
            sqlx::query(
                "DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND filtered = 1 AND id < $3",
            )
            .bind(e.account_id)
            .bind(e.from_account_id)
            .bind(rec.id)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A notification to be made.
struct New<'a> {
    id: i64,
    account_id: i64,
    from_account_id: i64,
    kind: &'a str,
    status_id: Option<i64>,
    at: i64,
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
    let n = New {
        id,
        account_id,
        from_account_id,
        kind,
        status_id,
        at,
    };
    notify_judged(conn, &n, false).await
}

/// Judge `n` by its recipient's policy, then record it (filtered or not) unless dropped.
async fn notify_judged(
    conn: &mut Conn,
    n: &New<'_>,
    private_mention: bool,
) -> Result<(), sqlx::Error> {
    let filtered = match judge(conn, n, private_mention).await? {
        Verdict::Drop => return Ok(()),
        Verdict::Filter => 1_i64,
        Verdict::Accept => 0,
    };
    let group_key = group_key(conn, n.account_id, n.kind, n.status_id, n.at).await?;
    // Only local accounts are notified; a remote one learns through federation.
    sqlx::query(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at, group_key, filtered) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM local_users WHERE account_id = $2 ON CONFLICT DO NOTHING",
    )
    .bind(n.id)
    .bind(n.account_id)
    .bind(n.from_account_id)
    .bind(n.kind)
    .bind(n.status_id)
    .bind(n.at)
    .bind(group_key)
    .bind(filtered)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Accept,
    Filter,
    Drop,
}

fn verdict(action: &str) -> Verdict {
    match action {
        "drop" => Verdict::Drop,
        "filter" => Verdict::Filter,
        _ => Verdict::Accept,
    }
}

/// Mastodon 4.3's rules: a sender the recipient accepted, a local moderator or admin, is let
/// through; otherwise the strictest action among the kinds of sender this one is: not
/// followed, not a follower (of 3 days or more), an account younger than 30 days, a
/// private mention from someone not followed, a limited (silenced) account not followed.
async fn judge(
    conn: &mut Conn,
    n: &New<'_>,
    private_mention: bool,
) -> Result<Verdict, sqlx::Error> {
    const DAY: i64 = 86_400_000;
    let policy: Option<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT for_not_following, for_not_followers, for_new_accounts, for_private_mentions, for_limited_accounts \
         FROM notification_policies WHERE account_id = $1",
    )
    .bind(n.account_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (not_following, not_followers, new_accounts, private_mentions, limited) = policy
        .unwrap_or_else(|| {
            let d = default_policy(n.account_id);
            (
                d.for_not_following,
                d.for_not_followers,
                d.for_new_accounts,
                d.for_private_mentions,
                d.for_limited_accounts,
            )
        });
    let all_accept = [
        &not_following,
        &not_followers,
        &new_accounts,
        &private_mentions,
        &limited,
    ]
    .iter()
    .all(|a| a.as_str() == "accept");
    if all_accept {
        return Ok(Verdict::Accept);
    }
    let facts: Option<(i64, i64, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT a.created_at, a.silenced, \
         (SELECT COUNT(*) FROM notification_permissions p WHERE p.account_id = $1 AND p.from_account_id = a.id) \
         + (SELECT COUNT(*) FROM local_users u WHERE u.account_id = a.id AND u.role IN ('moderator', 'admin')), \
         (SELECT COUNT(*) FROM follows f WHERE f.account_id = $1 AND f.target_account_id = a.id), \
         (SELECT MIN(f.created_at) FROM follows f WHERE f.account_id = a.id AND f.target_account_id = $1) \
         FROM accounts a WHERE a.id = $2",
    )
    .bind(n.account_id)
    .bind(n.from_account_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((created_at, silenced, trusted, following, follower_since)) = facts else {
        return Ok(Verdict::Accept);
    };
    if trusted > 0 {
        return Ok(Verdict::Accept);
    }
    let not_followed = following == 0;
    let not_follower = follower_since.is_none_or(|since| since > n.at - 3 * DAY);
    let new_account = created_at > n.at - 30 * DAY;
    let mut worst = Verdict::Accept;
    for (applies, action) in [
        (not_followed, &not_following),
        (not_follower, &not_followers),
        (new_account, &new_accounts),
        (private_mention && not_followed, &private_mentions),
        (silenced != 0 && not_followed, &limited),
    ] {
        if applies {
            worst = worst.max(verdict(action));
        }
    }
    Ok(worst)
}

async fn policy_saved(conn: &mut Conn, e: &NotificationPolicy) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notification_policies (account_id, for_not_following, for_not_followers, for_new_accounts, \
         for_private_mentions, for_limited_accounts) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (account_id) DO UPDATE SET for_not_following = $2, for_not_followers = $3, \
         for_new_accounts = $4, for_private_mentions = $5, for_limited_accounts = $6",
    )
    .bind(e.account_id)
    .bind(&e.for_not_following)
    .bind(&e.for_not_followers)
    .bind(&e.for_new_accounts)
    .bind(&e.for_private_mentions)
    .bind(&e.for_limited_accounts)
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
