//! The outbox reactor: the event log is the outbox. It reads committed events after its
//! checkpoint, turns those that local accounts caused into activities, stores each
//! activity once, queues one `push` job per inbox, and only then moves its checkpoint. A
//! crash anywhere before the checkpoint moves repeats the batch: deliveries are
//! at-least-once, and receivers drop a repeated activity id.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tessera_federation::context::{self, PUBLIC};
use tessera_federation::documents;
use tessera_workers::PushJob;
use tokio::sync::Notify;

use super::FedError;
use super::actors::{self, ActorRow};
use super::publish::{actor_document, note_document};
use crate::app::App;
use crate::eventlog::{self, Recorded};
use crate::events::*;
use crate::projections::runner::{checkpoint, position, set_checkpoint};
use crate::queries::activitypub as q;
use crate::queries::statuses as sq;
use crate::time::iso;

pub const CHECKPOINT: &str = "outbox";
const BATCH: i64 = 200;

/// One activity to deliver, and where.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: String,
    pub account_id: i64,
    pub body: Value,
    pub inboxes: BTreeSet<String>,
}

/// Process one batch; the number of events read (0 when caught up).
pub async fn step(app: &App) -> Result<usize, FedError> {
    let (from, batch) = {
        let mut conn = app.db.pool.acquire().await?;
        let from = position(&mut conn, CHECKPOINT).await?;
        let batch = app
            .recent
            .read_after(&mut conn, from, BATCH)
            .await
            .map_err(|e| FedError::Internal(e.to_string()))?;
        (from, batch)
    };
    let Some(last) = batch.last().map(|r| r.seq) else {
        return Ok(0);
    };
    let mut outgoing = Vec::new();
    for rec in &batch {
        outgoing.extend(activities_for(app, rec).await?);
    }
    if !outgoing.is_empty() {
        store(app, &outgoing).await?;
        // One query for the batch, not one per inbox.
        let unavailable = super::health::unavailable_domains(app).await?;
        let mut jobs = Vec::new();
        for o in &outgoing {
            for inbox in &o.inboxes {
                let domain = tessera_federation::vocab::origin_of(inbox).unwrap_or_default();
                if unavailable.contains(&domain) {
                    continue;
                }
                jobs.push(PushJob {
                    activity_id: o.id.clone(),
                    inbox: inbox.clone(),
                    web_push: None,
                });
            }
        }
        if !jobs.is_empty() {
            app.federation
                .queues()?
                .enqueue_push(jobs)
                .await
                .map_err(|e| FedError::Internal(e.to_string()))?;
        }
    }
    let mut tx = app.db.begin_write().await?;
    // Only forward: another process may have moved it meanwhile.
    let now = checkpoint(&mut tx, CHECKPOINT).await?;
    if now == from {
        set_checkpoint(&mut tx, CHECKPOINT, last).await?;
    }
    tx.commit().await?;
    Ok(batch.len())
}

async fn store(app: &App, outgoing: &[Outgoing]) -> Result<(), FedError> {
    let mut tx = app.db.begin_write().await?;
    for o in outgoing {
        sqlx::query(
            "INSERT INTO outbound_activities (id, account_id, body, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&o.id)
        .bind(o.account_id)
        .bind(o.body.to_string())
        .bind(crate::time::now_ms())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Follow the log in the background, woken after commits and every second.
pub fn spawn(app: App, wake: Arc<Notify>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut failures = 0u32;
        loop {
            match step(&app).await {
                Ok(0) => failures = 0,
                Ok(_) => {
                    failures = 0;
                    continue;
                }
                Err(FedError::Db(sqlx::Error::PoolClosed)) => return,
                Err(e) => {
                    failures = failures.saturating_add(1);
                    tracing::error!(error = %e, failures, "outbox reactor failed; will retry");
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(failures.min(50))))
                        .await;
                    continue;
                }
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    })
}

/// Both accounts of a relationship, when the first is local and the second remote.
async fn local_and_remote(
    app: &App,
    local: i64,
    remote: i64,
) -> Result<Option<(ActorRow, ActorRow)>, FedError> {
    let (Some(l), Some(r)) = (
        actors::by_id(app, local).await?,
        actors::by_id(app, remote).await?,
    ) else {
        return Ok(None);
    };
    Ok((l.is_local() && !r.is_local()).then_some((l, r)))
}

fn inbox_of(a: &ActorRow) -> BTreeSet<String> {
    a.inbox_url.iter().cloned().collect()
}

/// Shared inboxes (or personal ones) of an account's remote followers.
async fn follower_inboxes(app: &App, account_id: i64) -> Result<BTreeSet<String>, FedError> {
    let rows: Vec<(Option<String>,)> = sqlx::query_as(
        "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) FROM follows f \
         JOIN accounts a ON a.id = f.account_id \
         WHERE f.target_account_id = $1 AND a.domain IS NOT NULL AND a.suspended = 0",
    )
    .bind(account_id)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows.into_iter().filter_map(|(i,)| i).collect())
}

/// Inboxes of remote accounts among `ids`.
async fn inboxes_of(app: &App, ids: &[i64]) -> Result<BTreeSet<String>, FedError> {
    let mut out = BTreeSet::new();
    for id in ids {
        if let Some(a) = actors::by_id(app, *id).await?
            && !a.is_local()
            && let Some(inbox) = a.delivery_inbox()
        {
            out.insert(inbox.to_string());
        }
    }
    Ok(out)
}

fn activity(id: String, kind: &str, actor: &str, object: Value) -> Value {
    json!({
        "@context": context::ACTIVITYSTREAMS,
        "id": id,
        "type": kind,
        "actor": actor,
        "object": object,
    })
}

fn undo(inner: &Value) -> Value {
    let mut object = inner.clone();
    if let Some(map) = object.as_object_mut() {
        map.remove("@context");
    }
    let id = format!("{}/undo", inner["id"].as_str().unwrap_or_default());
    activity(
        id,
        "Undo",
        inner["actor"].as_str().unwrap_or_default(),
        object,
    )
}

/// The activities one event causes (none for most).
pub async fn activities_for(app: &App, rec: &Recorded) -> Result<Vec<Outgoing>, FedError> {
    if purge_of_deleted_account(app, &rec.event).await? {
        return Ok(Vec::new());
    }
    let base = app.config.base_url();
    let out = match &rec.event {
        Event::AccountDeleted(e) => actor_deleted(app, e).await?,
        Event::StatusPosted(e) if !e.remote => {
            // Most posts on a small server reach no other server: find that out from
            // the event before the status is loaded and rendered.
            let mut recipients = e.mentions.clone();
            recipients.extend(e.in_reply_to_account_id);
            let inboxes = status_inboxes(app, e.account_id, &e.visibility, &recipients).await?;
            if inboxes.is_empty() {
                None
            } else {
                status_activity(app, e.status_id, e.account_id, None).await?
            }
        }
        Event::StatusEdited(e) => match actors::by_id(app, e.account_id).await? {
            Some(a) if a.is_local() => {
                status_activity(app, e.status_id, e.account_id, Some(e.edited_at)).await?
            }
            _ => None,
        },
        Event::StatusDeleted(e) => status_deleted(app, rec, e).await?,
        Event::StatusFavourited(e) | Event::StatusUnfavourited(e) => {
            match local_and_remote(app, e.account_id, e.status_account_id).await? {
                Some((me, author)) => {
                    let object = status_uri(app, e.status_id).await?;
                    let like = activity(
                        format!("{}#likes/{}", me.uri, e.favourite_id),
                        "Like",
                        &me.uri,
                        json!(object),
                    );
                    let body = if matches!(rec.event, Event::StatusFavourited(_)) {
                        like
                    } else {
                        undo(&like)
                    };
                    Some(outgoing(body, me.id, inbox_of(&author)))
                }
                None => None,
            }
        }
        Event::StatusReblogged(e) | Event::StatusUnreblogged(e) if e.uri.is_none() => {
            reblog_activity(app, rec, e).await?
        }
        Event::FollowRequested(e)
        | Event::Followed(e)
        | Event::FollowRequestAuthorized(e)
        | Event::FollowRequestRejected(e)
        | Event::FollowerRemoved(e) => follow_activity(app, rec, e).await?,
        Event::Unfollowed(e) | Event::FollowRequestCancelled(e) => {
            match local_and_remote(app, e.account_id, e.target_account_id).await? {
                Some((me, target)) => {
                    let follow = follow_document(&base, e, &me.uri, &target.uri);
                    Some(outgoing(undo(&follow), me.id, inbox_of(&target)))
                }
                None => None,
            }
        }
        Event::Blocked(e) | Event::Unblocked(e) => {
            match local_and_remote(app, e.account_id, e.target_account_id).await? {
                Some((me, target)) => {
                    let block = activity(
                        format!("{}#blocks/{}", me.uri, e.block_id),
                        "Block",
                        &me.uri,
                        json!(target.uri),
                    );
                    let body = if matches!(rec.event, Event::Blocked(_)) {
                        block
                    } else {
                        undo(&block)
                    };
                    Some(outgoing(body, me.id, inbox_of(&target)))
                }
                None => None,
            }
        }
        Event::AccountProfileUpdated(e) => profile_update(app, rec, e.account_id).await?,
        Event::StatusPinned(e) | Event::StatusUnpinned(e) => pin_activity(app, rec, e).await?,
        Event::PollVoted(e) if e.uri.is_none() => return vote_activities(app, e).await,
        Event::ReportFiled(e) if e.uri.is_none() && e.forward => flag_activity(app, e).await?,
        _ => None,
    };
    Ok(out.into_iter().collect())
}

/// Removals done by a deleted local account's purge: its peers were sent the Delete of
/// the actor and remove its content themselves, as Mastodon's account deletion does.
async fn purge_of_deleted_account(app: &App, event: &Event) -> Result<bool, FedError> {
    let account_id = match event {
        Event::StatusDeleted(e) => e.account_id,
        Event::StatusUnreblogged(e) => e.account_id,
        Event::StatusUnfavourited(e) => e.account_id,
        _ => return Ok(false),
    };
    Ok(actors::by_id(app, account_id)
        .await?
        .is_some_and(|a| a.is_local() && crate::projections::moderation::is_deleted(a.suspended)))
}

/// The Delete of a deleted local account's actor, to the servers that knew it then.
async fn actor_deleted(app: &App, e: &AccountDeletion) -> Result<Option<Outgoing>, FedError> {
    let Some(me) = actors::by_id(app, e.account_id).await? else {
        return Ok(None);
    };
    if e.inboxes.is_empty() || !me.is_local() {
        return Ok(None);
    }
    let mut body = activity(
        format!("{}#delete", me.uri),
        "Delete",
        &me.uri,
        json!(me.uri),
    );
    body["to"] = json!([PUBLIC]);
    Ok(Some(outgoing(
        body,
        me.id,
        e.inboxes.iter().cloned().collect(),
    )))
}

/// A report sent on to the reported account's server, from the instance actor (so the
/// reporter stays anonymous there), naming the account and the reported statuses.
async fn flag_activity(app: &App, e: &Report) -> Result<Option<Outgoing>, FedError> {
    let Some(target) = actors::by_id(app, e.target_account_id).await? else {
        return Ok(None);
    };
    if target.is_local() {
        return Ok(None);
    }
    let mut objects = vec![json!(target.uri)];
    for id in &e.status_ids {
        if let Ok(uri) = status_uri(app, *id).await {
            objects.push(json!(uri));
        }
    }
    let base = app.config.base_url();
    let mut flag = activity(
        format!("{base}/reports/{}", e.report_id),
        "Flag",
        &format!("{base}/actor"),
        json!(objects),
    );
    flag["content"] = json!(e.comment);
    Ok(Some(outgoing(
        flag,
        super::deliver::INSTANCE_ACTOR,
        inbox_of(&target),
    )))
}

/// A local vote on a remote poll: one `Create(Note)` per choice, to the poll's author.
async fn vote_activities(app: &App, e: &PollVote) -> Result<Vec<Outgoing>, FedError> {
    let found: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT s.account_id, s.uri, p.options FROM polls p JOIN statuses s ON s.id = p.status_id WHERE p.id = $1",
    )
    .bind(e.poll_id)
    .fetch_optional(&app.db.pool)
    .await?;
    let Some((author, question, options)) = found else {
        return Ok(vec![]);
    };
    let Some((me, author)) = local_and_remote(app, e.account_id, author).await? else {
        return Ok(vec![]);
    };
    let options: Vec<String> = serde_json::from_str(&options).unwrap_or_default();
    Ok(e.choices
        .iter()
        .filter_map(|c| options.get(*c).map(|title| (c, title)))
        .map(|(c, title)| {
            let id = crate::app::polls::vote_uri(&me.uri, e.poll_id, *c);
            let note = documents::vote(&id, &me.uri, &question, &author.uri, title);
            outgoing(documents::create(&note), me.id, inbox_of(&author))
        })
        .collect())
}

fn outgoing(body: Value, account_id: i64, inboxes: BTreeSet<String>) -> Outgoing {
    Outgoing {
        id: body["id"].as_str().unwrap_or_default().to_string(),
        account_id,
        body,
        inboxes,
    }
}

async fn status_uri(app: &App, status_id: i64) -> Result<String, FedError> {
    let uri: Option<String> = sqlx::query_scalar("SELECT uri FROM statuses WHERE id = $1")
        .bind(status_id)
        .fetch_optional(&app.db.pool)
        .await?;
    uri.ok_or_else(|| FedError::rejected(format!("status {status_id} is gone")))
}

/// Create (or, after an edit, Update) of a local status, to the author's remote
/// followers (unless direct) and every remote account it mentions or answers.
async fn status_activity(
    app: &App,
    status_id: i64,
    author_id: i64,
    edited_at: Option<i64>,
) -> Result<Option<Outgoing>, FedError> {
    let mut conn = app.db.pool.acquire().await?;
    let Some(view) = sq::visible(&mut conn, Some(author_id), status_id).await? else {
        // Deleted before the reactor came to it: its Delete follows.
        return Ok(None);
    };
    if view.row.reblog_of_id.is_some() || view.account.domain.is_some() {
        return Ok(None);
    }
    let parent_ids: Vec<i64> = view.row.in_reply_to_id.into_iter().collect();
    let parents = q::parent_uris(&mut conn, &parent_ids).await?;
    drop(conn);
    let mut note = note_document(app, &view, &parents);
    let mut recipients: Vec<i64> = view.mentions.iter().map(|m| m.id).collect();
    recipients.extend(view.row.in_reply_to_account_id);
    let inboxes = status_inboxes(app, author_id, &view.row.visibility, &recipients).await?;
    if inboxes.is_empty() {
        return Ok(None);
    }
    let body = match edited_at {
        None => {
            let mut create = documents::create(&note);
            create["@context"] = note["@context"].clone();
            create
        }
        Some(at) => {
            note["updated"] = json!(iso(at));
            let context = note["@context"].clone();
            let mut update = documents::create(&note);
            update["id"] = json!(format!("{}#updates/{at}", view.row.uri));
            update["type"] = json!("Update");
            update["@context"] = context;
            update
        }
    };
    Ok(Some(outgoing(body, author_id, inboxes)))
}

/// Where a status goes: its author's followers' inboxes (unless it is direct), and those
/// of the accounts it mentions or answers.
async fn status_inboxes(
    app: &App,
    author_id: i64,
    visibility: &str,
    recipients: &[i64],
) -> Result<BTreeSet<String>, FedError> {
    let mut inboxes = BTreeSet::new();
    if visibility != "direct" {
        inboxes.extend(follower_inboxes(app, author_id).await?);
    }
    inboxes.extend(inboxes_of(app, recipients).await?);
    Ok(inboxes)
}

/// Delete of a local status, addressed as its Create was. The status row is gone by now,
/// so what it was comes from its own stream.
async fn status_deleted(
    app: &App,
    rec: &Recorded,
    e: &StatusDeleted,
) -> Result<Option<Outgoing>, FedError> {
    let Some(author) = actors::by_id(app, e.account_id).await? else {
        return Ok(None);
    };
    if !author.is_local() {
        return Ok(None);
    }
    let history = {
        let mut conn = app.db.pool.acquire().await?;
        eventlog::read_stream(&mut conn, &rec.stream)
            .await
            .map_err(|e| FedError::Internal(e.to_string()))?
    };
    let Some(posted) = history.iter().find_map(|r| match &r.event {
        Event::StatusPosted(p) => Some(p.clone()),
        _ => None,
    }) else {
        return Ok(None);
    };
    let mut inboxes = BTreeSet::new();
    if posted.visibility != "direct" {
        inboxes.extend(follower_inboxes(app, author.id).await?);
    }
    let mut recipients = posted.mentions.clone();
    recipients.extend(posted.in_reply_to_account_id);
    inboxes.extend(inboxes_of(app, &recipients).await?);
    if inboxes.is_empty() {
        return Ok(None);
    }
    let followers = format!("{}/followers", author.uri);
    let mut body = activity(
        format!("{}#delete", posted.uri),
        "Delete",
        &author.uri,
        json!({ "id": posted.uri, "type": "Tombstone", "atomUri": posted.uri }),
    );
    body["to"] = json!([PUBLIC]);
    body["cc"] = json!([followers]);
    Ok(Some(outgoing(body, author.id, inboxes)))
}

async fn reblog_activity(
    app: &App,
    rec: &Recorded,
    e: &Reblog,
) -> Result<Option<Outgoing>, FedError> {
    let Some(me) = actors::by_id(app, e.account_id).await? else {
        return Ok(None);
    };
    if !me.is_local() || !matches!(e.visibility.as_str(), "public" | "unlisted") {
        return Ok(None);
    }
    let Some(author) = actors::by_id(app, e.status_account_id).await? else {
        return Ok(None);
    };
    let object: Option<String> = sqlx::query_scalar("SELECT uri FROM statuses WHERE id = $1")
        .bind(e.status_id)
        .fetch_optional(&app.db.pool)
        .await?;
    let Some(object) = object else {
        return Ok(None);
    };
    let mut inboxes = follower_inboxes(app, me.id).await?;
    if !author.is_local() {
        inboxes.extend(inbox_of(&author));
    }
    if inboxes.is_empty() {
        return Ok(None);
    }
    let followers = format!("{}/followers", me.uri);
    let mut announce = activity(
        format!("{}/statuses/{}/activity", me.uri, e.reblog_id),
        "Announce",
        &me.uri,
        json!(object),
    );
    let (to, cc) = if e.visibility == "public" {
        (json!([PUBLIC]), json!([author.uri, followers]))
    } else {
        (json!([followers]), json!([author.uri, PUBLIC]))
    };
    announce["to"] = to;
    announce["cc"] = cc;
    announce["published"] = json!(iso(e.created_at));
    let body = if matches!(rec.event, Event::StatusReblogged(_)) {
        announce
    } else {
        undo(&announce)
    };
    Ok(Some(outgoing(body, me.id, inboxes)))
}

fn follow_document(base: &str, e: &Follow, follower: &str, target: &str) -> Value {
    let id = e
        .uri
        .clone()
        .unwrap_or_else(|| format!("{base}/follows/{}", e.follow_id));
    activity(id, "Follow", follower, json!(target))
}

/// A local account's follow of a remote one sends Follow; a remote follow of a local
/// account answered (at once, or later by the user) sends Accept or Reject.
async fn follow_activity(
    app: &App,
    rec: &Recorded,
    e: &Follow,
) -> Result<Option<Outgoing>, FedError> {
    let base = app.config.base_url();
    let sending_follow = matches!(rec.event, Event::FollowRequested(_) | Event::Followed(_));
    if sending_follow
        && let Some((me, target)) = local_and_remote(app, e.account_id, e.target_account_id).await?
    {
        let body = follow_document(&base, e, &me.uri, &target.uri);
        return Ok(Some(outgoing(body, me.id, inbox_of(&target))));
    }
    let answering = matches!(
        rec.event,
        Event::Followed(_)
            | Event::FollowRequestAuthorized(_)
            | Event::FollowRequestRejected(_)
            | Event::FollowerRemoved(_)
    );
    if answering
        && let Some((me, follower)) =
            local_and_remote(app, e.target_account_id, e.account_id).await?
    {
        let follow = follow_document(&base, e, &follower.uri, &me.uri);
        let mut inner = follow.clone();
        if let Some(map) = inner.as_object_mut() {
            map.remove("@context");
        }
        // A removed follower gets a Reject after the Accept, as Mastodon sends.
        let (kind, verb) = if matches!(
            rec.event,
            Event::FollowRequestRejected(_) | Event::FollowerRemoved(_)
        ) {
            ("Reject", "rejects")
        } else {
            ("Accept", "accepts")
        };
        let body = activity(
            format!("{}#{verb}/follows/{}", me.uri, e.follow_id),
            kind,
            &me.uri,
            inner,
        );
        return Ok(Some(outgoing(body, me.id, inbox_of(&follower))));
    }
    Ok(None)
}

/// Add (or Remove) of a local public or unlisted status to the author's `featured`
/// collection, to the followers' servers, as Mastodon does for pins.
async fn pin_activity(
    app: &App,
    rec: &Recorded,
    e: &crate::events::Pin,
) -> Result<Option<Outgoing>, FedError> {
    let Some(me) = actors::by_id(app, e.account_id).await? else {
        return Ok(None);
    };
    if !me.is_local() {
        return Ok(None);
    }
    let status: Option<(String, String)> =
        sqlx::query_as("SELECT uri, visibility FROM statuses WHERE id = $1")
            .bind(e.status_id)
            .fetch_optional(&app.db.pool)
            .await?;
    let Some((uri, visibility)) = status else {
        return Ok(None);
    };
    if !matches!(visibility.as_str(), "public" | "unlisted") {
        return Ok(None);
    }
    let inboxes = follower_inboxes(app, me.id).await?;
    if inboxes.is_empty() {
        return Ok(None);
    }
    let kind = if matches!(rec.event, Event::StatusPinned(_)) {
        "Add"
    } else {
        "Remove"
    };
    let mut body = activity(
        format!("{}#pins/{}/{}", me.uri, e.status_id, rec.seq),
        kind,
        &me.uri,
        json!(uri),
    );
    body["target"] = json!(format!("{}/collections/featured", me.uri));
    body["to"] = json!([PUBLIC]);
    body["cc"] = json!([format!("{}/followers", me.uri)]);
    Ok(Some(outgoing(body, me.id, inboxes)))
}

async fn profile_update(
    app: &App,
    rec: &Recorded,
    account_id: i64,
) -> Result<Option<Outgoing>, FedError> {
    let mut conn = app.db.pool.acquire().await?;
    let Some(account) = crate::queries::accounts::by_id(&mut conn, account_id).await? else {
        return Ok(None);
    };
    if account.domain.is_some() {
        return Ok(None);
    }
    let Some(pem) = q::public_key(&mut conn, account_id).await? else {
        return Ok(None);
    };
    drop(conn);
    let inboxes = follower_inboxes(app, account_id).await?;
    if inboxes.is_empty() {
        return Ok(None);
    }
    let mut person = actor_document(app, &account, &pem);
    let context = person["@context"].clone();
    if let Some(map) = person.as_object_mut() {
        map.remove("@context");
    }
    let mut body = activity(
        format!("{}#updates/{}", account.uri, rec.seq),
        "Update",
        &account.uri,
        person,
    );
    body["@context"] = context;
    body["to"] = json!([PUBLIC]);
    Ok(Some(outgoing(body, account_id, inboxes)))
}
