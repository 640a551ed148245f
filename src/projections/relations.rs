//! Inline projections of a user's notes on accounts, endorsements, domain blocks, Web
//! Push subscriptions, and followed and featured hashtags.

use crate::db::Conn;
use crate::events::{AccountNote, AccountPair, UserDomainBlock};

pub async fn note_set(conn: &mut Conn, e: &AccountNote) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM account_notes WHERE account_id = $1 AND target_account_id = $2")
        .bind(e.account_id)
        .bind(e.target_account_id)
        .execute(&mut *conn)
        .await?;
    if !e.note.is_empty() {
        sqlx::query(
            "INSERT INTO account_notes (account_id, target_account_id, note) VALUES ($1, $2, $3)",
        )
        .bind(e.account_id)
        .bind(e.target_account_id)
        .bind(&e.note)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn endorsed(conn: &mut Conn, e: &AccountPair, on: bool) -> Result<(), sqlx::Error> {
    let query = if on {
        sqlx::query(
            "INSERT INTO endorsements (account_id, target_account_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(e.account_id)
        .bind(e.target_account_id)
        .bind(e.at)
    } else {
        sqlx::query("DELETE FROM endorsements WHERE account_id = $1 AND target_account_id = $2")
            .bind(e.account_id)
            .bind(e.target_account_id)
    };
    query.execute(&mut *conn).await?;
    Ok(())
}

pub async fn domain_blocked(
    conn: &mut Conn,
    e: &UserDomainBlock,
    on: bool,
) -> Result<(), sqlx::Error> {
    let query = if on {
        sqlx::query(
            "INSERT INTO user_domain_blocks (account_id, domain, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(e.account_id)
        .bind(&e.domain)
        .bind(e.at)
    } else {
        sqlx::query("DELETE FROM user_domain_blocks WHERE account_id = $1 AND domain = $2")
            .bind(e.account_id)
            .bind(&e.domain)
    };
    query.execute(&mut *conn).await?;
    Ok(())
}

pub async fn push_subscribed(
    conn: &mut Conn,
    e: &crate::events::PushSubscription,
) -> Result<(), sqlx::Error> {
    let alerts =
        serde_json::to_string(&e.alerts).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query(
        "INSERT INTO push_subscriptions (token_id, id, account_id, endpoint, p256dh, auth, alerts, policy, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (token_id) DO UPDATE SET id = $2, \
         account_id = $3, endpoint = $4, p256dh = $5, auth = $6, alerts = $7, policy = $8, created_at = $9",
    )
    .bind(e.token_id)
    .bind(e.subscription_id)
    .bind(e.account_id)
    .bind(&e.endpoint)
    .bind(&e.p256dh)
    .bind(&e.auth)
    .bind(alerts)
    .bind(&e.policy)
    .bind(e.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn push_removed(conn: &mut Conn, token_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM push_subscriptions WHERE token_id = $1")
        .bind(token_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn tag_followed(
    conn: &mut Conn,
    e: &crate::events::TagFollow,
    on: bool,
) -> Result<(), sqlx::Error> {
    let query = if on {
        sqlx::query(
            "INSERT INTO followed_tags (account_id, tag, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(e.account_id)
        .bind(&e.tag)
        .bind(e.at)
    } else {
        sqlx::query("DELETE FROM followed_tags WHERE account_id = $1 AND tag = $2")
            .bind(e.account_id)
            .bind(&e.tag)
    };
    query.execute(&mut *conn).await?;
    Ok(())
}

pub async fn tag_featured(
    conn: &mut Conn,
    e: &crate::events::FeaturedTag,
    on: bool,
) -> Result<(), sqlx::Error> {
    let query = if on {
        sqlx::query(
            "INSERT INTO featured_tags (id, account_id, tag, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(e.featured_tag_id)
        .bind(e.account_id)
        .bind(&e.tag)
        .bind(e.at)
    } else {
        sqlx::query("DELETE FROM featured_tags WHERE account_id = $1 AND tag = $2")
            .bind(e.account_id)
            .bind(&e.tag)
    };
    query.execute(&mut *conn).await?;
    Ok(())
}

pub async fn suggestion_dismissed(conn: &mut Conn, e: &AccountPair) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO suggestion_dismissals (account_id, target_account_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )
    .bind(e.account_id)
    .bind(e.target_account_id)
    .bind(e.at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn thread_muted(
    conn: &mut Conn,
    e: &crate::events::ThreadMute,
    on: bool,
) -> Result<(), sqlx::Error> {
    let query = if on {
        sqlx::query(
            "INSERT INTO muted_threads (account_id, thread_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(e.account_id)
        .bind(e.thread_id)
        .bind(e.at)
    } else {
        sqlx::query("DELETE FROM muted_threads WHERE account_id = $1 AND thread_id = $2")
            .bind(e.account_id)
            .bind(e.thread_id)
    };
    query.execute(&mut *conn).await?;
    Ok(())
}
