//! Projections turn the log into read models. [`inline`] runs inside the append
//! transaction, so a client reads its own writes at once; the [`Checkpointed`] projectors
//! (home-feed fan-out, notifications) follow the log from a checkpoint in the background.
//! Every projector is idempotent and convergent: applying the log in order, at any lag,
//! ends in the same state, which is what `tessera replay` checks.

pub mod announcements;
pub mod cards;
pub mod conversations;
pub mod emojis;
pub mod federated;
pub mod filters;
pub mod home;
pub mod inline;
pub mod lists;
pub mod media;
pub mod moderation;
pub mod notifications;
pub mod polls;
pub mod relations;
pub mod runner;
pub mod scheduled;
pub mod search;
pub mod showcase;

use crate::db::Conn;
use crate::eventlog::Recorded;

pub use runner::{Checkpointed, catch_up, spawn};

/// Every table a projection writes, in the order replay copies them.
pub const READ_MODELS: &[&str] = &[
    "accounts",
    "local_users",
    "statuses",
    "status_mentions",
    "tags",
    "status_tags",
    "follows",
    "follow_requests",
    "favourites",
    "status_pins",
    "bookmarks",
    "markers",
    "mutes",
    "media_attachments",
    "lists",
    "list_accounts",
    "polls",
    "poll_votes",
    "filters",
    "account_conversations",
    "scheduled_statuses",
    "home_feed",
    "notifications",
    "status_edits",
    "blocks",
    "tombstones",
    "reports",
    "domain_blocks",
    "status_search",
    "account_notes",
    "endorsements",
    "user_domain_blocks",
    "push_subscriptions",
    "followed_tags",
    "featured_tags",
    "suggestion_dismissals",
    "muted_threads",
    "announcements",
    "announcement_reads",
    "announcement_reactions",
    "custom_emojis",
    "status_emojis",
    "notification_policies",
    "notification_permissions",
    "preview_cards",
];

/// Apply one event to every projection, inline first: replay's order, and live's at zero lag.
pub async fn apply_all(conn: &mut Conn, rec: &Recorded) -> Result<(), sqlx::Error> {
    inline::apply(conn, rec).await?;
    for p in Checkpointed::ALL {
        p.apply(conn, rec).await?;
    }
    Ok(())
}
