//! Web Push delivery. A reactor follows the event log behind the notifications projector
//! and queues one push job per new notification and subscription that wants it; the push
//! worker encrypts the notification for the subscription (RFC 8291), signs for it with the
//! VAPID key (RFC 8292) and POSTs it to the endpoint through the safe client.

use http::{HeaderMap, HeaderValue, Method};
use serde_json::json;
use tessera_federation::webpush::{self, SubscriptionKeys};
use tessera_workers::{JobOutcome, PushJob, WebPush, retry};

use super::FedError;
use crate::api::entities::{Ctx, profile_images};
use crate::app::App;
use crate::domain::push::Command;
use crate::domain::text::html_to_text;
use crate::projections::runner::{Checkpointed, position};
use crate::queries::Sql;
use crate::queries::notifications::{self as nq, NotificationView};

pub const CHECKPOINT: &str = "web_push";
const BATCH: i64 = 500;
/// How long a push service keeps an undelivered message (two days, as Mastodon).
const TTL_SECS: &str = "172800";

/// Queue the pushes for one batch of events; the number of events read.
pub async fn step(app: &App) -> Result<usize, FedError> {
    let mut conn = app.db.pool.acquire().await?;
    let from = position(&mut conn, CHECKPOINT).await?;
    // Notifications exist once their projector has passed the event.
    let until = position(&mut conn, Checkpointed::Notifications.name()).await?;
    if until <= from {
        return Ok(0);
    }
    let batch: Vec<_> = app
        .recent
        .read_after(&mut conn, from, BATCH)
        .await
        .map_err(|e| FedError::Internal(e.to_string()))?
        .into_iter()
        .filter(|r| r.seq <= until)
        .collect();
    let Some(last) = batch.last().map(|r| r.seq) else {
        return Ok(0);
    };
    let ids: Vec<i64> = batch.iter().map(|r| r.id).collect();
    // Each notification of the batch, with the live subscriptions of its account whose
    // policy lets its sender through.
    let mut sql = Sql::new(
        "SELECT n.id, n.account_id, n.type, p.token_id, p.endpoint, p.alerts FROM notifications n \
         JOIN push_subscriptions p ON p.account_id = n.account_id \
         JOIN oauth_tokens t ON t.id = p.token_id AND t.revoked_at IS NULL \
         WHERE p.policy <> 'none' AND n.filtered = 0 AND n.id IN (",
    );
    sql.ints(&ids).push(
        ") AND (p.policy = 'all' \
         OR (p.policy = 'followed' AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = n.account_id AND f.target_account_id = n.from_account_id)) \
         OR (p.policy = 'follower' AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = n.from_account_id AND f.target_account_id = n.account_id))) \
         AND NOT EXISTS (SELECT 1 FROM statuses ns JOIN muted_threads mt ON mt.thread_id = ns.thread_id \
         WHERE ns.id = n.status_id AND mt.account_id = n.account_id)",
    );
    let rows: Vec<(i64, i64, String, i64, String, String)> = sql.fetch_all(&mut conn).await?;
    let jobs: Vec<PushJob> = rows
        .into_iter()
        .filter(|(_, _, kind, _, _, alerts)| {
            serde_json::from_str::<Vec<String>>(alerts).is_ok_and(|a| a.contains(kind))
        })
        .map(
            |(notification_id, account_id, _, token_id, endpoint, _)| PushJob {
                activity_id: format!("webpush:{notification_id}:{token_id}"),
                inbox: endpoint,
                web_push: Some(WebPush {
                    notification_id,
                    account_id,
                    token_id,
                }),
            },
        )
        .collect();
    drop(conn);
    if !jobs.is_empty() {
        app.federation
            .queues()?
            .enqueue_push(jobs)
            .await
            .map_err(|e| FedError::Internal(e.to_string()))?;
    }
    super::reactor::advance(app, CHECKPOINT, from, last).await?;
    Ok(batch.len())
}

/// Follow the log in the background, every second. On its first run the reactor starts
/// from now: notifications older than Web Push support are not pushed.
pub fn spawn(app: App) -> tokio::task::JoinHandle<()> {
    super::reactor::spawn(
        app,
        "web push",
        |app| async move {
            let now = {
                let mut conn = app.db.pool.acquire().await?;
                position(&mut conn, Checkpointed::Notifications.name()).await?
            };
            super::reactor::start_at(&app, CHECKPOINT, now).await
        },
        |app| async move { step(&app).await },
    )
}

/// Deliver one notification to one subscription.
pub async fn deliver(app: &App, job: &PushJob, w: &WebPush) -> Result<JobOutcome, FedError> {
    let subscription: Option<(String, String, String)> = sqlx::query_as(
        "SELECT p.endpoint, p.p256dh, p.auth FROM push_subscriptions p \
         JOIN oauth_tokens t ON t.id = p.token_id AND t.revoked_at IS NULL WHERE p.token_id = $1",
    )
    .bind(w.token_id)
    .fetch_optional(&app.db.pool)
    .await?;
    let Some((endpoint, p256dh, auth)) = subscription.filter(|(e, _, _)| *e == job.inbox) else {
        return Ok(JobOutcome::Fail(
            "the subscription has changed or gone".into(),
        ));
    };
    let notification = {
        let mut conn = app.db.pool.acquire().await?;
        nq::get(&mut conn, w.account_id, w.notification_id).await?
    };
    let Some(notification) = notification else {
        return Ok(JobOutcome::Fail("the notification is gone".into()));
    };
    let keys =
        SubscriptionKeys::parse(&p256dh, &auth).map_err(|e| FedError::rejected(e.to_string()))?;
    let body = webpush::encrypt(&keys, payload(app, &notification).as_bytes())
        .map_err(|e| FedError::rejected(e.to_string()))?;
    let vapid = app.vapid_key().await?;
    let authorization = vapid
        .authorization(
            &endpoint,
            &app.config.base_url(),
            crate::time::now_ms() / 1000,
        )
        .map_err(|e| FedError::rejected(e.to_string()))?;
    let mut headers = HeaderMap::new();
    let header = |v: &str| HeaderValue::from_str(v).map_err(|e| FedError::rejected(e.to_string()));
    headers.insert(
        http::header::CONTENT_ENCODING,
        HeaderValue::from_static("aes128gcm"),
    );
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert("ttl", HeaderValue::from_static(TTL_SECS));
    headers.insert("urgency", HeaderValue::from_static("normal"));
    headers.insert(http::header::AUTHORIZATION, header(&authorization)?);
    let answer = app
        .federation
        .client
        .send(Method::POST, &endpoint, headers, Some(body))
        .await?;
    let code = answer.status;
    if matches!(code, 404 | 410) {
        // The push service says the subscription is gone: so it is here.
        app.push_command(w.token_id, w.account_id, Command::Remove)
            .await?;
        return Ok(JobOutcome::Fail(format!(
            "{endpoint} answered {code}: unsubscribed"
        )));
    }
    Ok(retry::outcome_of_status(
        code,
        answer.retry_after(),
        format!("{endpoint} answered {code}"),
    ))
}

/// The message, as Mastodon's: enough for a client to show it, and the id to fetch it by.
fn payload(app: &App, n: &NotificationView) -> String {
    let ctx = Ctx::new(&app.config);
    let name = if n.from.display_name.is_empty() {
        n.from.username.clone()
    } else {
        n.from.display_name.clone()
    };
    let title = match n.row.kind.as_str() {
        "mention" => format!("{name} mentioned you"),
        "follow" => format!("{name} followed you"),
        "follow_request" => format!("{name} requested to follow you"),
        "favourite" => format!("{name} favourited your post"),
        "reblog" => format!("{name} boosted your post"),
        other => format!("{name}: {other}"),
    };
    let text = match &n.status {
        Some(s) if !s.row.spoiler_text.is_empty() => s.row.spoiler_text.clone(),
        Some(s) => html_to_text(&s.row.content),
        None => html_to_text(&n.from.note_html),
    };
    let body: String = text.trim().chars().take(140).collect();
    let (icon, _) = profile_images(&n.from, &ctx);
    json!({
        "notification_id": n.row.id,
        "notification_type": n.row.kind,
        "preferred_locale": "en",
        "title": title,
        "body": body,
        "icon": icon,
    })
    .to_string()
}
