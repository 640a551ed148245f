//! From committed events to stream messages. The tail follows the event log behind the
//! checkpointed projectors, so the home feed and notifications an event causes exist when
//! it is dispatched; every process tails the log itself, so a post made through one
//! process reaches streams held by any other.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::hub::{Listener, Message, Stream};
use crate::api::entities::{Ctx, notification_to_api, status_to_api};
use crate::app::App;
use crate::db::Conn;
use crate::error::Error;
use crate::eventlog::{self, Recorded};
use crate::events::Event;
use crate::queries::notifications as nq;
use crate::queries::statuses::{self as sq, StatusView};
use crate::queries::{Sql, filters};

const BATCH: i64 = 500;
/// Without a wake-up (another process committed, and no Redis), look this often.
const POLL: Duration = Duration::from_millis(250);

/// Follow the log from its head now until the process ends.
pub fn spawn(app: App) -> JoinHandle<()> {
    let mut projected = app.streaming.projected.subscribe();
    let mut elsewhere = app.streaming.elsewhere.subscribe();
    tokio::spawn(async move {
        let mut position = match start(&app).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "streaming cannot read the event log");
                return;
            }
        };
        loop {
            tokio::select! {
                changed = projected.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                _ = elsewhere.changed() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
            match catch_up(&app, position).await {
                Ok(p) => position = p,
                Err(Error::Unavailable(_)) if app.db.pool.is_closed() => return,
                Err(e) => tracing::warn!(error = %e, "streaming dispatch failed; will retry"),
            }
        }
    })
}

async fn start(app: &App) -> Result<i64, Error> {
    let mut conn = app.db.pool.acquire().await?;
    Ok(eventlog::head(&mut conn).await?)
}

/// Dispatch everything the projectors have finished with; returns the new position.
async fn catch_up(app: &App, mut position: i64) -> Result<i64, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let until = projected_until(&mut conn).await?;
    if app.streaming.hub.is_empty() {
        // Nobody listens: nothing to render, only the place to keep.
        return Ok(until.max(position));
    }
    while position < until {
        let batch: Vec<Arc<Recorded>> = app
            .recent
            .read_after(&mut conn, position, BATCH)
            .await
            .map_err(Error::internal)?
            .into_iter()
            .filter(|r| r.seq <= until)
            .collect();
        let Some(last) = batch.last().map(|r| r.seq) else {
            break;
        };
        dispatch(app, &mut conn, &batch).await?;
        position = last;
    }
    Ok(position)
}

/// Where every checkpointed projector has got to (0 before they first run).
async fn projected_until(conn: &mut Conn) -> Result<i64, sqlx::Error> {
    let names: Vec<&str> = crate::projections::Checkpointed::ALL
        .iter()
        .map(|p| p.name())
        .collect();
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT name, seq FROM projector_checkpoints")
        .fetch_all(&mut *conn)
        .await?;
    let seqs: HashMap<String, i64> = rows.into_iter().collect();
    Ok(names
        .iter()
        .map(|n| seqs.get(*n).copied().unwrap_or(0))
        .min()
        .unwrap_or(0))
}

async fn dispatch(app: &App, conn: &mut Conn, batch: &[Arc<Recorded>]) -> Result<(), Error> {
    let listeners = app.streaming.hub.listeners();
    if listeners.is_empty() {
        return Ok(());
    }
    let ctx = Ctx::new(&app.config);
    for rec in batch {
        match &rec.event {
            Event::StatusPosted(e) => {
                status(app, conn, &ctx, &listeners, e.status_id, "update", true).await?;
                if e.visibility == "direct" {
                    conversation(app, conn, &ctx, &listeners, e).await?;
                }
            }
            Event::StatusReblogged(e) => {
                status(app, conn, &ctx, &listeners, e.reblog_id, "update", false).await?
            }
            Event::StatusEdited(e) => {
                status(
                    app,
                    conn,
                    &ctx,
                    &listeners,
                    e.status_id,
                    "status.update",
                    true,
                )
                .await?
            }
            Event::StatusDeleted(e) => {
                deleted(app, conn, &listeners, e.status_id, e.account_id).await?
            }
            Event::StatusUnreblogged(e) => {
                deleted(app, conn, &listeners, e.reblog_id, e.account_id).await?
            }
            Event::AccountSuspended(e) | Event::AccountDisabled(e) => {
                app.streaming.hub.disconnect_account(e.account_id)
            }
            Event::AccountDeleted(e) => app.streaming.hub.disconnect_account(e.account_id),
            Event::FilterSaved(e) => filters_changed(app, &listeners, e.account_id),
            Event::FilterDeleted(e) => filters_changed(app, &listeners, e.account_id),
            Event::AnnouncementSaved(e) => {
                let payload = if e.published {
                    crate::api::v1::announcements::render(app, 0, Some(e.announcement_id))
                        .await?
                        .pop()
                        .map(|a| ("announcement", a.to_string()))
                } else {
                    // Withdrawn: clients take it down as if deleted.
                    Some(("announcement.delete", e.announcement_id.to_string()))
                };
                if let Some((event, payload)) = payload {
                    to_every_user(app, &listeners, event, payload);
                }
            }
            Event::AnnouncementDeleted(e) => to_every_user(
                app,
                &listeners,
                "announcement.delete",
                e.announcement_id.to_string(),
            ),
            Event::AnnouncementReactionAdded(e) | Event::AnnouncementReactionRemoved(e) => {
                let count =
                    crate::queries::announcements::reaction_count(conn, e.announcement_id, &e.name)
                        .await?;
                let payload = serde_json::json!({
                    "name": e.name,
                    "count": count,
                    "announcement_id": e.announcement_id.to_string(),
                });
                to_every_user(
                    app,
                    &listeners,
                    "announcement.reaction",
                    payload.to_string(),
                );
            }
            _ => {}
        }
    }
    notifications(app, conn, &ctx, &listeners, batch).await
}

/// The account's filters changed: its `user` streams are told, so clients reload them.
fn filters_changed(app: &App, listeners: &[Listener], account_id: i64) {
    for l in listeners
        .iter()
        .filter(|l| l.account_id == Some(account_id))
    {
        if l.streams.contains(&Stream::User) {
            app.streaming.hub.send(
                l.id,
                Message {
                    stream: Stream::User.names(),
                    event: "filters_changed",
                    payload: Arc::from(""),
                },
            );
        }
    }
}

/// An instance-wide event (announcements) to every signed-in `user` stream.
fn to_every_user(app: &App, listeners: &[Listener], event: &'static str, payload: String) {
    let payload: Arc<str> = Arc::from(payload);
    for l in listeners.iter().filter(|l| l.account_id.is_some()) {
        if l.streams.contains(&Stream::User) {
            app.streaming.hub.send(
                l.id,
                Message {
                    stream: Stream::User.names(),
                    event,
                    payload: payload.clone(),
                },
            );
        }
    }
}

fn connected_accounts(listeners: &[Listener]) -> Vec<i64> {
    let mut ids: Vec<i64> = listeners.iter().filter_map(|l| l.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Among `accounts`, those who mute or block `author`, or whom it blocks: they are not sent
/// its posts, on any stream.
async fn shut_out(
    conn: &mut Conn,
    author: i64,
    accounts: &[i64],
) -> Result<HashSet<i64>, sqlx::Error> {
    if accounts.is_empty() {
        return Ok(HashSet::new());
    }
    let mut sql = Sql::new("SELECT account_id FROM mutes WHERE target_account_id = ");
    sql.int(author)
        .push(" AND (expires_at IS NULL OR expires_at > ")
        .int(crate::time::now_ms())
        .push(") AND account_id IN (")
        .ints(accounts)
        .push(") UNION SELECT account_id FROM blocks WHERE target_account_id = ")
        .int(author)
        .push(" AND account_id IN (")
        .ints(accounts)
        .push(") UNION SELECT target_account_id FROM blocks WHERE account_id = ")
        .int(author)
        .push(" AND target_account_id IN (")
        .ints(accounts)
        .push(
            ") UNION SELECT b.account_id FROM user_domain_blocks b JOIN accounts a ON a.domain = b.domain \
             WHERE a.id = ",
        )
        .int(author)
        .push(" AND b.account_id IN (")
        .ints(accounts)
        .push(")");
    let rows: Vec<(i64,)> = sql.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// Among `accounts`, those with `status_id` in their home feed.
async fn in_home_of(
    conn: &mut Conn,
    status_id: i64,
    accounts: &[i64],
) -> Result<HashSet<i64>, sqlx::Error> {
    if accounts.is_empty() {
        return Ok(HashSet::new());
    }
    let mut sql = Sql::new("SELECT account_id FROM home_feed WHERE status_id = ");
    sql.int(status_id)
        .push(" AND account_id IN (")
        .ints(accounts)
        .push(")");
    let rows: Vec<(i64,)> = sql.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// The public streams a status belongs on: public, not a boost, not a reply to someone
/// else, not by a silenced account.
fn public_streams(v: &StatusView) -> impl Fn(&Stream) -> bool + '_ {
    let r = &v.row;
    // A silenced author's posts stay off the public streams, as off the public timelines.
    let public = r.visibility == "public" && r.reblog_of_id.is_none() && v.account.silenced == 0;
    let timeline = public
        && r.in_reply_to_account_id
            .is_none_or(|other| other == r.account_id);
    let local = v.account.domain.is_none();
    let media = !v.media.is_empty();
    let tags: HashSet<String> = v.tags.iter().map(|t| t.to_lowercase()).collect();
    move |s: &Stream| match s {
        Stream::Public { media: m } => timeline && (!m || media),
        Stream::PublicLocal { media: m } => timeline && local && (!m || media),
        Stream::PublicRemote { media: m } => timeline && !local && (!m || media),
        Stream::Hashtag(t) => public && tags.contains(t),
        Stream::HashtagLocal(t) => public && local && tags.contains(t),
        Stream::User | Stream::UserNotification | Stream::List(_) | Stream::Direct => false,
    }
}

/// A new or edited status (or a boost) to the home streams that have it and the public
/// streams it belongs on. Rendered once, without a viewer, as Mastodon does.
async fn status(
    app: &App,
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    listeners: &[Listener],
    status_id: i64,
    event: &'static str,
    to_public: bool,
) -> Result<(), Error> {
    let Some(row) = sq::row_any(conn, status_id).await? else {
        return Ok(());
    };
    let Some(view) = sq::hydrate(conn, None, vec![row]).await?.pop() else {
        return Ok(());
    };
    let accounts = connected_accounts(listeners);
    let homes = in_home_of(conn, status_id, &accounts).await?;
    let author = view.row.account_id;
    let mut excluded = shut_out(conn, author, &accounts).await?;
    if let Some(original) = &view.reblog {
        excluded.extend(shut_out(conn, original.row.account_id, &accounts).await?);
    }
    let lists = lists_showing(conn, listeners, &view).await?;
    let payload: Arc<str> = Arc::from(status_to_api(&view, ctx).to_string());
    let on_public = public_streams(&view);
    let filtering = with_filters(conn, &accounts).await?;
    let mut personal = Personal {
        view: &view,
        shared: payload.clone(),
        done: HashMap::new(),
    };
    for l in listeners {
        if l.account_id.is_some_and(|a| excluded.contains(&a)) {
            continue;
        }
        for s in &l.streams {
            let wanted = match s {
                Stream::User => l.account_id.is_some_and(|a| homes.contains(&a)),
                Stream::List(list) => {
                    l.account_id.is_some_and(|a| homes.contains(&a)) && lists.contains(list)
                }
                Stream::UserNotification | Stream::Direct => false,
                other => to_public && on_public(other),
            };
            if !wanted {
                continue;
            }
            let payload = match l.account_id.filter(|a| filtering.contains(a)) {
                None => payload.clone(),
                Some(account) => {
                    let context = match s {
                        Stream::User | Stream::List(_) => "home",
                        _ => "public",
                    };
                    match personal.payload(conn, ctx, account, context).await? {
                        Some(p) => p,
                        // A `hide` filter matched: not sent, as not listed.
                        None => continue,
                    }
                }
            };
            app.streaming.hub.send(
                l.id,
                Message {
                    stream: s.names(),
                    event,
                    payload,
                },
            );
        }
    }
    Ok(())
}

/// Among `accounts`, those with filters: only they need a status judged for them.
async fn with_filters(conn: &mut Conn, accounts: &[i64]) -> Result<HashSet<i64>, sqlx::Error> {
    if accounts.is_empty() {
        return Ok(HashSet::new());
    }
    let mut sql = Sql::new("SELECT DISTINCT account_id FROM filters WHERE account_id IN (");
    sql.ints(accounts).push(")");
    let rows: Vec<(i64,)> = sql.fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(a,)| a).collect())
}

/// A status as one account's filters make it, per context: hidden, the shared rendering,
/// or one of its own carrying `filtered`, as the timelines show it.
struct Personal<'a> {
    view: &'a StatusView,
    shared: Arc<str>,
    done: HashMap<(i64, &'static str), Option<Arc<str>>>,
}

impl Personal<'_> {
    async fn payload(
        &mut self,
        conn: &mut Conn,
        ctx: &Ctx<'_>,
        account: i64,
        context: &'static str,
    ) -> Result<Option<Arc<str>>, sqlx::Error> {
        if let Some(done) = self.done.get(&(account, context)) {
            return Ok(done.clone());
        }
        let filters = filters::Filters::new(filters::active(conn, account, context).await?);
        let mut view = self.view.clone();
        let result = if !filters.keep(&mut view) {
            None
        } else if view.filtered.is_empty() {
            Some(self.shared.clone())
        } else {
            Some(Arc::from(status_to_api(&view, ctx).to_string()))
        };
        self.done.insert((account, context), result.clone());
        Ok(result)
    }
}

/// A direct status, as the conversation it updates, to each participant's `direct` stream.
async fn conversation(
    app: &App,
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    listeners: &[Listener],
    e: &crate::events::StatusPosted,
) -> Result<(), Error> {
    let participants: HashSet<i64> = e.mentions.iter().copied().chain([e.account_id]).collect();
    for l in listeners {
        let Some(me) = l.account_id.filter(|a| participants.contains(a)) else {
            continue;
        };
        if !l.streams.contains(&Stream::Direct) {
            continue;
        }
        let rows = crate::queries::conversations::with_last_status(conn, me, e.status_id).await?;
        if let Some(view) = crate::queries::conversations::hydrate(conn, me, rows)
            .await?
            .pop()
        {
            app.streaming.hub.send(
                l.id,
                Message {
                    stream: Stream::Direct.names(),
                    event: "conversation",
                    payload: Arc::from(
                        crate::api::entities::conversation_to_api(&view, ctx).to_string(),
                    ),
                },
            );
        }
    }
    Ok(())
}

/// Of the lists subscribed to, those that show this status: its author is a member, and
/// the list's replies policy lets a reply through (`followed` is the home feed's own rule).
async fn lists_showing(
    conn: &mut Conn,
    listeners: &[Listener],
    v: &StatusView,
) -> Result<HashSet<i64>, sqlx::Error> {
    let mut subscribed: Vec<i64> = listeners
        .iter()
        .flat_map(|l| l.streams.iter())
        .filter_map(|s| match s {
            Stream::List(id) => Some(*id),
            _ => None,
        })
        .collect();
    if subscribed.is_empty() {
        return Ok(HashSet::new());
    }
    subscribed.sort_unstable();
    subscribed.dedup();
    let r = &v.row;
    let mut sql = Sql::new(
        "SELECT l.id, l.replies_policy, (SELECT COUNT(*) FROM list_accounts m WHERE m.list_id = l.id AND m.account_id = ",
    );
    sql.int(r.in_reply_to_account_id.unwrap_or(0))
        .push(") FROM lists l JOIN list_accounts la ON la.list_id = l.id WHERE la.account_id = ")
        .int(r.account_id)
        .push(" AND l.id IN (")
        .ints(&subscribed)
        .push(")");
    let rows: Vec<(i64, String, i64)> = sql.fetch_all(conn).await?;
    let reply_to_other = r
        .in_reply_to_account_id
        .filter(|other| *other != r.account_id);
    Ok(rows
        .into_iter()
        .filter(
            |(_, policy, reply_target_is_member)| match policy.as_str() {
                "none" => r.in_reply_to_id.is_none(),
                "list" => reply_to_other.is_none() || *reply_target_is_member > 0,
                _ => true,
            },
        )
        .map(|(id, _, _)| id)
        .collect())
}

/// A deleted status's id, to whoever may have been shown it: the public streams when it was
/// public, and the home streams of its author and the author's followers.
async fn deleted(
    app: &App,
    conn: &mut Conn,
    listeners: &[Listener],
    status_id: i64,
    author: i64,
) -> Result<(), Error> {
    let was_public = eventlog::read_stream(conn, &crate::domain::status::stream(status_id))
        .await
        .map_err(Error::internal)?
        .iter()
        .any(|r| matches!(&r.event, Event::StatusPosted(p) if p.visibility == "public"));
    let accounts = connected_accounts(listeners);
    let mut audience: HashSet<i64> = HashSet::from([author]);
    if !accounts.is_empty() {
        let mut sql = Sql::new("SELECT account_id FROM follows WHERE target_account_id = ");
        sql.int(author)
            .push(" AND account_id IN (")
            .ints(&accounts)
            .push(")");
        let rows: Vec<(i64,)> = sql.fetch_all(conn).await?;
        audience.extend(rows.into_iter().map(|(a,)| a));
    }
    let payload: Arc<str> = Arc::from(status_id.to_string());
    for l in listeners {
        for s in &l.streams {
            let wanted = match s {
                Stream::User | Stream::List(_) | Stream::Direct => {
                    l.account_id.is_some_and(|a| audience.contains(&a))
                }
                Stream::UserNotification => false,
                _ => was_public,
            };
            if wanted {
                app.streaming.hub.send(
                    l.id,
                    Message {
                        stream: s.names(),
                        event: "delete",
                        payload: payload.clone(),
                    },
                );
            }
        }
    }
    Ok(())
}

/// The notifications this batch caused (they take their event's id), to their recipients'
/// `user` and `user:notification` streams, unless muted.
async fn notifications(
    app: &App,
    conn: &mut Conn,
    ctx: &Ctx<'_>,
    listeners: &[Listener],
    batch: &[Arc<Recorded>],
) -> Result<(), Error> {
    let accounts = connected_accounts(listeners);
    if accounts.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = batch.iter().map(|r| r.id).collect();
    // Notifications filtered into requests are not streamed, as Mastodon.
    let mut sql = Sql::new(
        "SELECT n.id, n.account_id FROM notifications n WHERE n.filtered = 0 AND n.id IN (",
    );
    sql.ints(&ids)
        .push(") AND n.account_id IN (")
        .ints(&accounts)
        .push(
            ") AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = n.account_id \
             AND m.target_account_id = n.from_account_id AND m.hide_notifications = 1 \
             AND (m.expires_at IS NULL OR m.expires_at > ",
        )
        .int(crate::time::now_ms())
        .push(
            ")) AND NOT EXISTS (SELECT 1 FROM statuses ns JOIN muted_threads mt ON mt.thread_id = ns.thread_id \
             WHERE ns.id = n.status_id AND mt.account_id = n.account_id)",
        );
    let found: Vec<(i64, i64)> = sql.fetch_all(&mut *conn).await?;
    for (id, account_id) in found {
        let Some(view) = nq::get(conn, account_id, id).await? else {
            continue;
        };
        let payload: Arc<str> = Arc::from(notification_to_api(&view, ctx).to_string());
        for l in listeners
            .iter()
            .filter(|l| l.account_id == Some(account_id))
        {
            for s in &l.streams {
                if matches!(s, Stream::User | Stream::UserNotification) {
                    app.streaming.hub.send(
                        l.id,
                        Message {
                            stream: s.names(),
                            event: "notification",
                            payload: payload.clone(),
                        },
                    );
                }
            }
        }
    }
    Ok(())
}
