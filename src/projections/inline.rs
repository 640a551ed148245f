//! The read models updated in the append transaction: accounts, statuses, follows,
//! favourites and their counters, pins, bookmarks, plus the author's own home-feed row.

use super::{federated, moderation, relations};
use crate::db::{Conn, flag};
use crate::eventlog::Recorded;
use crate::events::*;

pub async fn apply(conn: &mut Conn, rec: &Recorded) -> Result<(), sqlx::Error> {
    match &rec.event {
        Event::AccountRegistered(e) => account_registered(conn, e).await,
        Event::AccountProfileUpdated(e) => profile_updated(conn, e).await,
        Event::AccountSuspended(e) => suspend(conn, e.account_id, true).await,
        Event::AccountUnsuspended(e) => suspend(conn, e.account_id, false).await,
        Event::AccountSilenced(e) => silence(conn, e.account_id, true).await,
        Event::AccountUnsilenced(e) => silence(conn, e.account_id, false).await,
        Event::AccountDisabled(e) => moderation::set_disabled(conn, e.account_id, true).await,
        Event::AccountEnabled(e) => moderation::set_disabled(conn, e.account_id, false).await,
        Event::ReportAssigned(e) => moderation::report_assigned(conn, e).await,
        Event::ReportResolved(e) => moderation::report_resolved(conn, e, true).await,
        Event::ReportReopened(e) => moderation::report_resolved(conn, e, false).await,
        Event::DomainBlockSaved(e) => moderation::domain_block_saved(conn, e).await,
        Event::DomainBlockRemoved(e) => moderation::domain_block_removed(conn, e).await,
        Event::AccountConfirmed(e) => {
            sqlx::query("UPDATE local_users SET confirmed = 1 WHERE account_id = $1")
                .bind(e.account_id)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
        Event::AccountApproved(e) => {
            sqlx::query("UPDATE local_users SET approved = 1 WHERE account_id = $1")
                .bind(e.account_id)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
        Event::StatusPosted(e) => {
            status_posted(conn, e).await?;
            // A new status has no emoji rows to replace: no statement for most posts.
            if !e.emojis.is_empty() {
                super::emojis::of_status(conn, e.status_id, &e.emojis).await?;
            }
            super::search::posted(conn, e).await
        }
        Event::StatusDeleted(e) => {
            status_deleted(conn, e).await?;
            super::emojis::of_status(conn, e.status_id, &[]).await?;
            super::search::deleted(conn, e.status_id).await
        }
        Event::StatusFavourited(e) => favourited(conn, e).await,
        Event::StatusUnfavourited(e) => unfavourited(conn, e).await,
        Event::StatusReblogged(e) => reblogged(conn, e).await,
        Event::StatusUnreblogged(e) => unreblogged(conn, e).await,
        Event::Followed(e) | Event::FollowRequestAuthorized(e) => followed(conn, e).await,
        Event::FollowRequested(e) => {
            sqlx::query("INSERT INTO follow_requests (id, account_id, target_account_id, created_at, uri) VALUES ($1, $2, $3, $4, $5)")
                .bind(e.follow_id)
                .bind(e.account_id)
                .bind(e.target_account_id)
                .bind(e.created_at)
                .bind(e.uri.as_deref())
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
        Event::FollowRequestRejected(e) | Event::FollowRequestCancelled(e) => {
            delete_request(conn, e).await
        }
        Event::Unfollowed(e) | Event::FollowerRemoved(e) => unfollowed(conn, e).await,
        Event::AccountNoteSet(e) => relations::note_set(conn, e).await,
        Event::AccountEndorsed(e) => relations::endorsed(conn, e, true).await,
        Event::AccountUnendorsed(e) => relations::endorsed(conn, e, false).await,
        Event::UserDomainBlocked(e) => relations::domain_blocked(conn, e, true).await,
        Event::UserDomainUnblocked(e) => relations::domain_blocked(conn, e, false).await,
        Event::PushSubscribed(e) => relations::push_subscribed(conn, e).await,
        Event::PushSubscriptionRemoved(e) => relations::push_removed(conn, e.token_id).await,
        Event::TagFollowed(e) => relations::tag_followed(conn, e, true).await,
        Event::TagUnfollowed(e) => relations::tag_followed(conn, e, false).await,
        Event::FeaturedTagAdded(e) => relations::tag_featured(conn, e, true).await,
        Event::FeaturedTagRemoved(e) => relations::tag_featured(conn, e, false).await,
        Event::SuggestionDismissed(e) => relations::suggestion_dismissed(conn, e).await,
        Event::ConversationMuted(e) => relations::thread_muted(conn, e, true).await,
        Event::ConversationUnmuted(e) => relations::thread_muted(conn, e, false).await,
        Event::CustomEmojiAdded(e) => super::emojis::added(conn, e).await,
        Event::CustomEmojiRemoved(e) => super::emojis::removed(conn, &e.shortcode).await,
        Event::AnnouncementSaved(e) => super::announcements::saved(conn, e).await,
        Event::AnnouncementDeleted(e) => super::announcements::deleted(conn, e).await,
        Event::AnnouncementDismissed(e) => super::announcements::read(conn, e).await,
        Event::AnnouncementReactionAdded(e) => super::announcements::reacted(conn, e, true).await,
        Event::AnnouncementReactionRemoved(e) => {
            super::announcements::reacted(conn, e, false).await
        }
        // Judged and applied in order by the notifications projector, with the notifications.
        Event::NotificationPolicySaved(_)
        | Event::NotificationRequestAccepted(_)
        | Event::NotificationRequestDismissed(_) => Ok(()),
        Event::StatusCardUpdated(e) => super::cards::updated(conn, e).await,
        // Deleted at once so the client sees it gone; the notifications projector agrees.
        Event::NotificationDismissed(e) => super::notifications::dismiss(conn, e).await,
        Event::NotificationsCleared(e) => {
            super::notifications::clear(conn, e.account_id, rec.id).await
        }
        Event::RemoteAccountFetched(e) => federated::remote_account(conn, e).await,
        Event::RemoteAccountDeleted(e) => federated::account_deleted(conn, e.account_id).await,
        Event::AccountDeleted(e) => federated::account_deleted(conn, e.account_id).await,
        Event::AccountMoved(e) => federated::moved(conn, e).await,
        Event::StatusEdited(e) => {
            federated::status_edited(conn, e).await?;
            super::emojis::of_status(conn, e.status_id, &e.emojis).await?;
            super::search::edited(conn, e).await
        }
        Event::Blocked(e) => federated::blocked(conn, e).await,
        Event::Unblocked(e) => federated::unblocked(conn, e).await,
        Event::ObjectTombstoned(e) => federated::tombstoned(conn, e).await,
        Event::ReportFiled(e) => federated::report_filed(conn, e).await,
        Event::PollVoted(e) => super::polls::voted(conn, e).await,
        Event::FilterSaved(e) => super::filters::saved(conn, e).await,
        Event::StatusScheduled(e) | Event::ScheduledStatusChanged(e) => {
            super::scheduled::saved(conn, e).await
        }
        Event::ScheduledStatusCancelled(e) => super::scheduled::cancelled(conn, e).await,
        Event::ScheduledStatusPublished(e) => super::scheduled::gone(conn, e.scheduled_id).await,
        Event::ConversationRead(e) => super::conversations::read(conn, e).await,
        Event::ConversationRemoved(e) => super::conversations::removed(conn, e).await,
        Event::FilterDeleted(e) => super::filters::deleted(conn, e).await,
        Event::ListSaved(e) => super::lists::saved(conn, e).await,
        Event::ListDeleted(e) => super::lists::deleted(conn, e).await,
        Event::ListAccountsAdded(e) => super::lists::added(conn, e).await,
        Event::ListAccountsRemoved(e) => super::lists::removed(conn, e).await,
        Event::MediaUploaded(e) => super::media::uploaded(conn, e).await,
        Event::MediaProcessed(e) => super::media::processed(conn, e).await,
        Event::MediaDescribed(e) => super::media::described(conn, e).await,
        Event::MediaDeleted(e) => super::media::deleted(conn, e.media_id).await,
        Event::StatusPinned(e) => super::showcase::pinned(conn, e).await,
        Event::ShowcaseReordered(e) => super::showcase::reordered(conn, e).await,
        Event::ProfileLinkVerified(e) => link_verified(conn, e).await,
        Event::StatusBookmarked(e) => {
            sqlx::query(
                "INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (account_id, status_id) DO NOTHING",
            )
            .bind(e.bookmark_id)
            .bind(e.account_id)
            .bind(e.status_id)
            .bind(e.created_at)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }
        Event::StatusUnbookmarked(e) => {
            sqlx::query("DELETE FROM bookmarks WHERE account_id = $1 AND status_id = $2")
                .bind(e.account_id)
                .bind(e.status_id)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
        Event::AccountMuted(e) => {
            sqlx::query(
                "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, target_account_id) DO UPDATE SET \
                 id = $1, hide_notifications = $4, expires_at = $5, created_at = $6",
            )
            .bind(e.mute_id)
            .bind(e.account_id)
            .bind(e.target_account_id)
            .bind(i64::from(e.notifications))
            .bind(e.expires_at)
            .bind(e.created_at)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }
        Event::AccountUnmuted(e) => {
            sqlx::query("DELETE FROM mutes WHERE account_id = $1 AND target_account_id = $2")
                .bind(e.account_id)
                .bind(e.target_account_id)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
        Event::MarkerSaved(e) => {
            sqlx::query(
                "INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, timeline) DO UPDATE SET \
                 last_read_id = $3, version = $4, updated_at = $5",
            )
            .bind(e.account_id)
            .bind(&e.timeline)
            .bind(&e.last_read_id)
            .bind(e.version)
            .bind(e.updated_at)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }
        Event::StatusUnpinned(e) => {
            sqlx::query("DELETE FROM status_pins WHERE account_id = $1 AND status_id = $2")
                .bind(e.account_id)
                .bind(e.status_id)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
    }
}

async fn account_registered(conn: &mut Conn, e: &AccountRegistered) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO accounts (id, username, username_lower, domain, display_name, note, note_html, fields, \
         locked, bot, discoverable, uri, url, public_key_pem, suspended, created_at, followers_count, \
         following_count, statuses_count, last_status_at) \
         VALUES ($1, $2, $3, NULL, $4, '', '', '[]', 0, 0, 1, $5, $6, $7, 0, $8, 0, 0, 0, NULL)",
    )
    .bind(e.account_id)
    .bind(&e.username)
    .bind(e.username.to_lowercase())
    .bind(&e.display_name)
    .bind(&e.uri)
    .bind(&e.url)
    .bind(&e.public_key_pem)
    .bind(e.created_at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO local_users (account_id, email, email_lower, role, approved, confirmed, locale, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.account_id)
    .bind(&e.email)
    .bind(e.email.to_lowercase())
    .bind(&e.role)
    .bind(flag(e.approved))
    .bind(flag(e.confirmed))
    .bind(&e.locale)
    .bind(e.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn profile_updated(conn: &mut Conn, e: &AccountProfileUpdated) -> Result<(), sqlx::Error> {
    let fields = match &e.fields {
        Some(f) => {
            Some(serde_json::to_string(f).map_err(|err| sqlx::Error::Encode(Box::new(err)))?)
        }
        None => None,
    };
    sqlx::query(
        "UPDATE accounts SET display_name = COALESCE($2, display_name), note = COALESCE($3, note), \
         note_html = COALESCE($4, note_html), fields = COALESCE($5, fields), locked = COALESCE($6, locked), \
         bot = COALESCE($7, bot), discoverable = COALESCE($8, discoverable), \
         avatar_key = NULLIF(COALESCE($9, avatar_key), ''), header_key = NULLIF(COALESCE($10, header_key), ''), \
         headline = COALESCE($11, headline) WHERE id = $1",
    )
    .bind(e.account_id)
    .bind(e.display_name.as_deref())
    .bind(e.note.as_deref())
    .bind(e.note_html.as_deref())
    .bind(fields)
    .bind(e.locked.map(flag))
    .bind(e.bot.map(flag))
    .bind(e.discoverable.map(flag))
    .bind(e.avatar_key.as_deref())
    .bind(e.header_key.as_deref())
    .bind(e.headline.as_deref())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The fields are kept as JSON; a verified link's field gains `verified_at`.
async fn link_verified(conn: &mut Conn, e: &crate::events::ProfileLink) -> Result<(), sqlx::Error> {
    let fields: Option<String> = sqlx::query_scalar("SELECT fields FROM accounts WHERE id = $1")
        .bind(e.account_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(mut fields) =
        fields.and_then(|f| serde_json::from_str::<Vec<serde_json::Value>>(&f).ok())
    else {
        return Ok(());
    };
    for f in &mut fields {
        if f["value"].as_str().map(str::trim) == Some(e.url.as_str()) {
            f["verified_at"] = serde_json::json!(e.verified_at);
        }
    }
    let json = serde_json::to_string(&fields).map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
    sqlx::query("UPDATE accounts SET fields = $2 WHERE id = $1")
        .bind(e.account_id)
        .bind(json)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn suspend(conn: &mut Conn, account_id: i64, on: bool) -> Result<(), sqlx::Error> {
    moderation::set_bit(conn, "suspended", account_id, moderation::BY_MODERATOR, on).await
}

async fn silence(conn: &mut Conn, account_id: i64, on: bool) -> Result<(), sqlx::Error> {
    moderation::set_bit(conn, "silenced", account_id, moderation::BY_MODERATOR, on).await
}

async fn status_posted(conn: &mut Conn, e: &StatusPosted) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO statuses (id, account_id, uri, url, text, content, spoiler_text, visibility, sensitive, \
         language, in_reply_to_id, in_reply_to_account_id, reblog_of_id, application_name, application_website, \
         local, created_at, replies_count, reblogs_count, favourites_count, thread_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, $13, $14, $16, $15, 0, 0, 0, \
         COALESCE((SELECT p.thread_id FROM statuses p WHERE p.id = $11), $1))",
    )
    .bind(e.status_id)
    .bind(e.account_id)
    .bind(&e.uri)
    .bind(&e.url)
    .bind(&e.text)
    .bind(&e.content)
    .bind(&e.spoiler_text)
    .bind(&e.visibility)
    .bind(flag(e.sensitive))
    .bind(e.language.as_deref())
    .bind(e.in_reply_to_id)
    .bind(e.in_reply_to_account_id)
    .bind(e.application.as_ref().map(|a| a.name.as_str()))
    .bind(e.application.as_ref().and_then(|a| a.website.as_deref()))
    .bind(e.created_at)
    .bind(flag(!e.remote))
    .execute(&mut *conn)
    .await?;
    mentions_and_tags(conn, e.status_id, &e.mentions, &e.tags, e.created_at).await?;
    super::media::attach(conn, e).await?;
    super::polls::posted(conn, e).await?;
    super::conversations::posted(conn, e).await?;
    sqlx::query("UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = $2 WHERE id = $1")
        .bind(e.account_id)
        .bind(e.created_at)
        .execute(&mut *conn)
        .await?;
    if let Some(parent) = e.in_reply_to_id {
        sqlx::query("UPDATE statuses SET replies_count = replies_count + 1 WHERE id = $1")
            .bind(parent)
            .execute(&mut *conn)
            .await?;
    }
    if e.remote {
        return Ok(());
    }
    super::home::insert(conn, e.account_id, e.status_id, e.account_id, None).await
}

pub async fn mentions_and_tags(
    conn: &mut Conn,
    status_id: i64,
    mentions: &[i64],
    tags: &[String],
    at: i64,
) -> Result<(), sqlx::Error> {
    for account_id in mentions {
        sqlx::query("INSERT INTO status_mentions (status_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(status_id)
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    for tag in tags {
        let name = tag.to_lowercase();
        sqlx::query("INSERT INTO tags (name, display_name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
            .bind(&name)
            .bind(tag)
            .bind(at)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "INSERT INTO status_tags (status_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(status_id)
        .bind(&name)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn status_deleted(conn: &mut Conn, e: &StatusDeleted) -> Result<(), sqlx::Error> {
    let parent: Option<Option<i64>> =
        sqlx::query_scalar("SELECT in_reply_to_id FROM statuses WHERE id = $1")
            .bind(e.status_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(parent) = parent else { return Ok(()) };
    // Reblogs of a deleted status go with it, as in Mastodon.
    let reblogs: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, account_id FROM statuses WHERE reblog_of_id = $1")
            .bind(e.status_id)
            .fetch_all(&mut *conn)
            .await?;
    for (reblog_id, account_id) in reblogs {
        sqlx::query("DELETE FROM statuses WHERE id = $1")
            .bind(reblog_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE accounts SET statuses_count = statuses_count - 1 WHERE id = $1")
            .bind(account_id)
            .execute(&mut *conn)
            .await?;
    }
    for sql in [
        "DELETE FROM statuses WHERE id = $1",
        "DELETE FROM status_mentions WHERE status_id = $1",
        "DELETE FROM status_tags WHERE status_id = $1",
        "DELETE FROM favourites WHERE status_id = $1",
        "DELETE FROM status_pins WHERE status_id = $1",
        "DELETE FROM bookmarks WHERE status_id = $1",
        // Our own uploads become uploads again, to be posted anew ("delete and redraft")
        // or deleted; a remote status's attachments go with it.
        "UPDATE media_attachments SET status_id = NULL, position = 0 \
         WHERE status_id = $1 AND remote_url IS NULL",
        "DELETE FROM media_attachments WHERE status_id = $1",
    ] {
        sqlx::query(sql)
            .bind(e.status_id)
            .execute(&mut *conn)
            .await?;
    }
    super::polls::status_deleted(conn, e.status_id).await?;
    sqlx::query("UPDATE accounts SET statuses_count = statuses_count - 1 WHERE id = $1")
        .bind(e.account_id)
        .execute(&mut *conn)
        .await?;
    if let Some(parent) = parent {
        sqlx::query("UPDATE statuses SET replies_count = replies_count - 1 WHERE id = $1")
            .bind(parent)
            .execute(&mut *conn)
            .await?;
    }
    super::home::remove_status(conn, e.status_id).await
}

async fn favourited(conn: &mut Conn, e: &Favourite) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO favourites (id, account_id, status_id, created_at, uri) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(e.favourite_id)
    .bind(e.account_id)
    .bind(e.status_id)
    .bind(e.created_at)
    .bind(e.uri.as_deref())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = $1")
        .bind(e.status_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn unfavourited(conn: &mut Conn, e: &Favourite) -> Result<(), sqlx::Error> {
    let gone = sqlx::query("DELETE FROM favourites WHERE account_id = $1 AND status_id = $2")
        .bind(e.account_id)
        .bind(e.status_id)
        .execute(&mut *conn)
        .await?;
    if gone.rows_affected() > 0 {
        sqlx::query("UPDATE statuses SET favourites_count = favourites_count - 1 WHERE id = $1")
            .bind(e.status_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn reblogged(conn: &mut Conn, e: &Reblog) -> Result<(), sqlx::Error> {
    let original: Option<(String,)> = sqlx::query_as("SELECT uri FROM statuses WHERE id = $1")
        .bind(e.status_id)
        .fetch_optional(&mut *conn)
        .await?;
    // The original was deleted before this reblog reached the log: nothing to show.
    let Some((original_uri,)) = original else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO statuses (id, account_id, uri, url, text, content, spoiler_text, visibility, sensitive, \
         language, in_reply_to_id, in_reply_to_account_id, reblog_of_id, application_name, application_website, \
         local, created_at, replies_count, reblogs_count, favourites_count, activity_uri) \
         VALUES ($1, $2, $3, NULL, '', '', '', $4, 0, NULL, NULL, NULL, $5, NULL, NULL, $7, $6, 0, 0, 0, $8)",
    )
    .bind(e.reblog_id)
    .bind(e.account_id)
    .bind(format!("{original_uri}#reblog-{}", e.reblog_id))
    .bind(&e.visibility)
    .bind(e.status_id)
    .bind(e.created_at)
    .bind(flag(e.uri.is_none()))
    .bind(e.uri.as_deref())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE statuses SET reblogs_count = reblogs_count + 1 WHERE id = $1")
        .bind(e.status_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = $2 WHERE id = $1")
        .bind(e.account_id)
        .bind(e.created_at)
        .execute(&mut *conn)
        .await?;
    if e.uri.is_some() {
        return Ok(());
    }
    super::home::insert(
        conn,
        e.account_id,
        e.reblog_id,
        e.account_id,
        Some(e.status_id),
    )
    .await
}

async fn unreblogged(conn: &mut Conn, e: &Reblog) -> Result<(), sqlx::Error> {
    let gone = sqlx::query("DELETE FROM statuses WHERE id = $1")
        .bind(e.reblog_id)
        .execute(&mut *conn)
        .await?;
    if gone.rows_affected() > 0 {
        sqlx::query("UPDATE statuses SET reblogs_count = reblogs_count - 1 WHERE id = $1")
            .bind(e.status_id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE accounts SET statuses_count = statuses_count - 1 WHERE id = $1")
            .bind(e.account_id)
            .execute(&mut *conn)
            .await?;
    }
    super::home::remove_status(conn, e.reblog_id).await
}

async fn followed(conn: &mut Conn, e: &Follow) -> Result<(), sqlx::Error> {
    delete_request(conn, e).await?;
    sqlx::query("INSERT INTO follows (id, account_id, target_account_id, created_at, uri) VALUES ($1, $2, $3, $4, $5)")
        .bind(e.follow_id)
        .bind(e.account_id)
        .bind(e.target_account_id)
        .bind(e.created_at)
        .bind(e.uri.as_deref())
        .execute(&mut *conn)
        .await?;
    follow_counts(conn, e, 1).await
}

async fn unfollowed(conn: &mut Conn, e: &Follow) -> Result<(), sqlx::Error> {
    let gone = sqlx::query("DELETE FROM follows WHERE account_id = $1 AND target_account_id = $2")
        .bind(e.account_id)
        .bind(e.target_account_id)
        .execute(&mut *conn)
        .await?;
    if gone.rows_affected() > 0 {
        follow_counts(conn, e, -1).await?;
    }
    Ok(())
}

async fn follow_counts(conn: &mut Conn, e: &Follow, delta: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET following_count = following_count + $2 WHERE id = $1")
        .bind(e.account_id)
        .bind(delta)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE accounts SET followers_count = followers_count + $2 WHERE id = $1")
        .bind(e.target_account_id)
        .bind(delta)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn delete_request(conn: &mut Conn, e: &Follow) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM follow_requests WHERE account_id = $1 AND target_account_id = $2")
        .bind(e.account_id)
        .bind(e.target_account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
