//! Mastodon 4.3's notification policy (`/api/v2/notifications/policy`) and requests
//! (`/api/v1/notifications/requests`): notifications the policy filtered, one request per
//! sender, accepted or dismissed by the user.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::auth::Auth;
use crate::api::entities::{Ctx, account_to_api, status_to_api};
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{IdList, Params, Query, de};
use crate::app::App;
use crate::app::notification_policy::PolicyChanges;
use crate::error::Error;
use crate::events::NotificationPolicy;
use crate::queries::notifications::{self as q, RequestRow};
use crate::queries::{accounts, statuses};
use crate::time::iso;

pub fn router() -> Router<App> {
    Router::new()
        .route(
            "/api/v2/notifications/policy",
            get(show_policy).patch(change_policy),
        )
        .route("/api/v1/notifications/requests", get(list))
        .route("/api/v1/notifications/requests/merged", get(merged))
        .route("/api/v1/notifications/requests/accept", post(accept_many))
        .route("/api/v1/notifications/requests/dismiss", post(dismiss_many))
        .route("/api/v1/notifications/requests/{id}", get(show))
        .route("/api/v1/notifications/requests/{id}/accept", post(accept))
        .route("/api/v1/notifications/requests/{id}/dismiss", post(dismiss))
}

/// Requests answered at once, at most this many (as Mastodon's bulk endpoints).
const BULK_MAX: usize = 100;

async fn policy_to_api(app: &App, p: &NotificationPolicy) -> Result<Value, Error> {
    let (requests, notifications) = {
        let mut conn = app.db.pool.acquire().await?;
        q::pending(&mut conn, p.account_id).await?
    };
    Ok(json!({
        "for_not_following": p.for_not_following,
        "for_not_followers": p.for_not_followers,
        "for_new_accounts": p.for_new_accounts,
        "for_private_mentions": p.for_private_mentions,
        "for_limited_accounts": p.for_limited_accounts,
        "summary": {
            "pending_requests_count": requests,
            "pending_notifications_count": notifications,
        },
    }))
}

async fn show_policy(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    let me = auth.require("read:notifications")?;
    let policy = app.notification_policy(me.id()).await?;
    Ok(Json(policy_to_api(&app, &policy).await?))
}

#[derive(Deserialize)]
struct PolicyParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    for_not_following: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    for_not_followers: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    for_new_accounts: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    for_private_mentions: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    for_limited_accounts: Option<String>,
}

async fn change_policy(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<PolicyParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:notifications")?;
    let policy = app
        .change_notification_policy(
            me.id(),
            PolicyChanges {
                for_not_following: p.for_not_following,
                for_not_followers: p.for_not_followers,
                for_new_accounts: p.for_new_accounts,
                for_private_mentions: p.for_private_mentions,
                for_limited_accounts: p.for_limited_accounts,
            },
        )
        .await?;
    Ok(Json(policy_to_api(&app, &policy).await?))
}

async fn requests_to_api(app: &App, viewer: i64, rows: &[RequestRow]) -> Result<Vec<Value>, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.from_account_id).collect();
    let senders = accounts::by_ids(&mut conn, &ids).await?;
    let ctx = Ctx::new(&app.config);
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(from) = senders.get(&r.from_account_id) else {
            continue;
        };
        let last_status = match r.last_status_id {
            Some(id) => statuses::visible(&mut conn, Some(viewer), id).await?,
            None => None,
        };
        out.push(json!({
            "id": r.id.to_string(),
            "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at),
            "account": account_to_api(from, &ctx),
            "notifications_count": r.count.to_string(),
            "last_status": last_status.as_ref().map(|s| status_to_api(s, &ctx)),
        }));
    }
    Ok(out)
}

async fn list(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:notifications")?;
    let rows = {
        let mut conn = app.db.pool.acquire().await?;
        q::requests(&mut conn, me.id(), &p.page(40, 80)).await?
    };
    let cursors = rows.first().zip(rows.last()).map(|(a, b)| (a.id, b.id));
    let items = requests_to_api(&app, me.id(), &rows).await?;
    Ok(Paged::new(items, &app.config.base_url(), &uri, cursors))
}

async fn show(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:notifications")?;
    let row = {
        let mut conn = app.db.pool.acquire().await?;
        q::request(&mut conn, me.id(), id(&raw)?).await?
    };
    let row = row.ok_or(Error::NotFound)?;
    let mut items = requests_to_api(&app, me.id(), &[row]).await?;
    items.pop().map(Json).ok_or(Error::NotFound)
}

async fn answer(app: &App, auth: &Auth, raw: &str, accept: bool) -> Result<Json<Value>, Error> {
    let me = auth.require("write:notifications")?;
    app.answer_notification_request(me.id(), id(raw)?, accept)
        .await?;
    Ok(Json(json!({})))
}

async fn accept(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    answer(&app, &auth, &raw, true).await
}

async fn dismiss(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    answer(&app, &auth, &raw, false).await
}

/// Answer each named request that exists; unknown ids are skipped, as Mastodon does.
async fn answer_many(
    app: &App,
    auth: &Auth,
    ids: &IdList,
    accept: bool,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:notifications")?;
    for request in ids.ids(BULK_MAX) {
        match app
            .answer_notification_request(me.id(), request, accept)
            .await
        {
            Ok(()) | Err(Error::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Json(json!({})))
}

async fn accept_many(
    State(app): State<App>,
    auth: Auth,
    Params(ids): Params<IdList>,
) -> Result<Json<Value>, Error> {
    answer_many(&app, &auth, &ids, true).await
}

async fn dismiss_many(
    State(app): State<App>,
    auth: Auth,
    Params(ids): Params<IdList>,
) -> Result<Json<Value>, Error> {
    answer_many(&app, &auth, &ids, false).await
}

/// Whether accepted requests' notifications are back among the others: they are once the
/// notifications projector has caught up with the log.
async fn merged(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    auth.require("read:notifications")?;
    let mut conn = app.db.pool.acquire().await?;
    let head = crate::eventlog::head(&mut conn).await?;
    let done: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM projector_checkpoints WHERE name = $1")
            .bind(crate::projections::Checkpointed::Notifications.name())
            .fetch_optional(&mut *conn)
            .await?;
    Ok(Json(json!({ "merged": done.unwrap_or(0) >= head })))
}
