//! `/api/v2/notifications`: notifications grouped as Mastodon 4.3 groups them (favourites
//! and boosts of one status, and follows, within 12 hours), and the unread counts.

use std::collections::BTreeMap;

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::auth::Auth;
use crate::api::entities::{Ctx, account_to_api, status_to_api};
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{Query, de};
use crate::app::App;
use crate::db::Conn;
use crate::domain::account::{self, Account};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::queries::filters::{Filters, active};
use crate::queries::notifications::{self as q, Filter, Group, NotificationView};
use crate::time::iso;

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v2/notifications", get(index))
        .route("/api/v2/notifications/unread_count", get(unread_groups))
        .route("/api/v1/notifications/unread_count", get(unread))
        .route("/api/v2/notifications/{group_key}", get(show))
        .route("/api/v2/notifications/{group_key}/accounts", get(accounts))
        .route("/api/v2/notifications/{group_key}/dismiss", post(dismiss))
}

/// Accounts shown per group, as Mastodon.
const SAMPLE_ACCOUNTS: usize = 8;

#[derive(Deserialize)]
struct IndexParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "de::string_list")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    grouped_types: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    account_id: Option<String>,
}

async fn index(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<IndexParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:notifications")?;
    let grouped = if p.grouped_types.is_empty() {
        q::default_grouped()
    } else {
        p.grouped_types
    };
    let Some(filter) = Filter::asked(p.types, p.exclude_types, p.account_id.as_deref()) else {
        let empty = json!({"accounts": [], "statuses": [], "notification_groups": []});
        return Ok(Paged::of(empty, &app.config.base_url(), &uri, None));
    };
    let mut conn = app.db.pool.acquire().await?;
    let groups = q::grouped(&mut conn, me.id(), &filter, &grouped, &p.page.page(40, 80)).await?;
    let groups = filtered(&mut conn, me.id(), groups).await?;
    // Newer pages start after the newest group; older ones before the oldest row shown.
    let newest = groups
        .iter()
        .filter_map(|g| g.notifications.first())
        .map(|n| n.row.id)
        .max();
    let oldest = groups
        .iter()
        .filter_map(|g| g.notifications.last())
        .map(|n| n.row.id)
        .min();
    let cursors = newest.zip(oldest);
    let body = results(&groups, &Ctx::new(&app.config));
    Ok(Paged::of(body, &app.config.base_url(), &uri, cursors))
}

/// Notifications about statuses a `hide` filter matches are left out, as in v1; groups
/// left empty go.
async fn filtered(conn: &mut Conn, me: i64, groups: Vec<Group>) -> Result<Vec<Group>, Error> {
    let filters = Filters::new(active(conn, me, "notifications").await?);
    Ok(groups
        .into_iter()
        .map(|mut g| {
            g.notifications
                .retain_mut(|n| n.status.as_mut().is_none_or(|s| filters.keep(s)));
            g
        })
        .filter(|g| !g.notifications.is_empty())
        .collect())
}

/// GroupedNotificationsResults: the groups, and each account and status they name once.
fn results(groups: &[Group], ctx: &Ctx) -> Value {
    let mut accounts = BTreeMap::new();
    let mut statuses = BTreeMap::new();
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let (Some(newest), Some(oldest)) = (g.notifications.first(), g.notifications.last()) else {
            continue;
        };
        let mut sample: Vec<&NotificationView> = Vec::new();
        for n in &g.notifications {
            if sample.len() < SAMPLE_ACCOUNTS && !sample.iter().any(|s| s.from.id == n.from.id) {
                sample.push(n);
            }
        }
        for n in &sample {
            accounts
                .entry(n.from.id)
                .or_insert_with(|| account_to_api(&n.from, ctx));
        }
        if let Some(s) = &newest.status {
            statuses
                .entry(s.row.id)
                .or_insert_with(|| status_to_api(s, ctx));
        }
        out.push(json!({
            "group_key": g.key,
            "notifications_count": g.notifications.len(),
            "type": newest.row.kind,
            "most_recent_notification_id": newest.row.id,
            "page_min_id": oldest.row.id.to_string(),
            "page_max_id": newest.row.id.to_string(),
            "latest_page_notification_at": iso(newest.row.created_at),
            "sample_account_ids": sample.iter().map(|n| n.from.id.to_string()).collect::<Vec<_>>(),
            "status_id": newest.status.as_ref().map(|s| s.row.id.to_string()),
        }));
    }
    json!({
        "accounts": accounts.into_values().collect::<Vec<_>>(),
        "statuses": statuses.into_values().collect::<Vec<_>>(),
        "notification_groups": out,
    })
}

async fn group(app: &App, me: i64, key: &str) -> Result<Group, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let notifications = q::in_group(&mut conn, me, key).await?;
    let group = Group {
        key: key.to_string(),
        notifications,
    };
    filtered(&mut conn, me, vec![group])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

async fn show(
    State(app): State<App>,
    auth: Auth,
    Path(key): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:notifications")?;
    let g = group(&app, me.id(), &key).await?;
    Ok(Json(results(&[g], &Ctx::new(&app.config))))
}

/// Every account of the group, newest first.
async fn accounts(
    State(app): State<App>,
    auth: Auth,
    Path(key): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:notifications")?;
    let g = group(&app, me.id(), &key).await?;
    let ctx = Ctx::new(&app.config);
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for n in &g.notifications {
        if !seen.contains(&n.from.id) {
            seen.push(n.from.id);
            out.push(account_to_api(&n.from, &ctx));
        }
    }
    Ok(Json(json!(out)))
}

async fn dismiss(
    State(app): State<App>,
    auth: Auth,
    Path(key): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:notifications")?;
    let ids: Vec<i64> = {
        let mut conn = app.db.pool.acquire().await?;
        q::in_group(&mut conn, me.id(), &key)
            .await?
            .iter()
            .map(|n| n.row.id)
            .collect()
    };
    if ids.is_empty() {
        return Err(Error::NotFound);
    }
    for id in ids {
        app.execute::<Account>(
            &account::stream(me.id()),
            &local_actor(me.id()),
            None,
            account::Command::DismissNotification(id),
        )
        .await?;
    }
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct UnreadParams {
    #[serde(default, deserialize_with = "de::opt_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "de::string_list")]
    grouped_types: Vec<String>,
}

/// Where the user stopped reading notifications (the `notifications` marker), or 0.
async fn last_read(conn: &mut Conn, me: i64) -> Result<i64, Error> {
    let marker: Option<String> = sqlx::query_scalar(
        "SELECT last_read_id FROM markers WHERE account_id = $1 AND timeline = 'notifications'",
    )
    .bind(me)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(marker.and_then(|m| m.parse().ok()).unwrap_or(0))
}

/// `GET /api/v1/notifications/unread_count`: notifications after the marker.
async fn unread(
    State(app): State<App>,
    auth: Auth,
    Query(p): Query<UnreadParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:notifications")?;
    let mut conn = app.db.pool.acquire().await?;
    let after = last_read(&mut conn, me.id()).await?;
    let limit = p.limit.unwrap_or(100).clamp(1, 1000);
    let count = q::unread(&mut conn, me.id(), after, None, limit).await?;
    Ok(Json(json!({ "count": count })))
}

/// `GET /api/v2/notifications/unread_count`: groups with a notification after the marker.
async fn unread_groups(
    State(app): State<App>,
    auth: Auth,
    Query(p): Query<UnreadParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:notifications")?;
    let grouped = if p.grouped_types.is_empty() {
        q::default_grouped()
    } else {
        p.grouped_types
    };
    let mut conn = app.db.pool.acquire().await?;
    let after = last_read(&mut conn, me.id()).await?;
    let limit = p.limit.unwrap_or(100).clamp(1, 1000);
    let count = q::unread(&mut conn, me.id(), after, Some(&grouped), limit).await?;
    Ok(Json(json!({ "count": count })))
}
