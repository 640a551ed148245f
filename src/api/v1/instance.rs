//! `GET /api/v1/instance` and `/api/v2/instance` (with and without a trailing slash),
//! `/api/v1/instance/peers` and `/api/v1/instance/activity`, `/api/v1/custom_emojis`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::app::App;
use crate::config::Registrations;
use crate::error::Error;

/// Semver-parsable, as clients compare it: the Mastodon API level first.
pub fn version() -> String {
    format!("4.5.0 (compatible; Tessera {})", env!("CARGO_PKG_VERSION"))
}

/// The Mastodon API version we implement, for `api_versions.mastodon`.
pub const MASTODON_API_VERSION: i64 = 6;

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/instance", get(v1))
        .route("/api/v1/instance/", get(v1))
        .route("/api/v2/instance", get(v2))
        .route("/api/v2/instance/", get(v2))
        .route("/api/v1/instance/peers", get(peers))
        .route("/api/v1/instance/activity", get(activity))
        .route("/api/v1/instance/rules", get(rules))
        .route(
            "/api/v1/instance/extended_description",
            get(extended_description),
        )
        .route("/api/v1/instance/domain_blocks", get(domain_blocks))
        .route("/api/v1/custom_emojis", get(custom_emojis))
}

/// The operator's custom emoji, for the composer's picker; public, as Mastodon.
async fn custom_emojis(State(app): State<App>) -> Result<Json<Value>, Error> {
    let rows = {
        let mut conn = app.db.pool.acquire().await?;
        crate::queries::emojis::all(&mut conn).await?
    };
    let ctx = crate::api::entities::Ctx::new(&app.config);
    Ok(Json(json!(
        rows.iter()
            .map(|r| crate::api::entities::emoji_to_api(
                &r.view(crate::api::entities::file_url(&ctx, &r.image_key))
            ))
            .collect::<Vec<_>>()
    )))
}

fn statuses_config(app: &App) -> Value {
    json!({
        "max_characters": app.config.max_status_chars,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23,
    })
}

fn media_config() -> Value {
    json!({
        "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
        "description_limit": 1500,
        "image_size_limit": 16_777_216,
        "image_matrix_limit": 33_177_600,
        "video_size_limit": 103_809_024,
        "video_frame_rate_limit": 120,
        "video_matrix_limit": 8_294_400,
    })
}

fn polls_config() -> Value {
    json!({ "max_options": 4, "max_characters_per_option": 50, "min_expiration": 300, "max_expiration": 2_629_746 })
}

pub(crate) async fn counts(app: &App) -> Result<(i64, i64), Error> {
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM local_users")
        .fetch_one(&app.db.pool)
        .await?;
    let statuses: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM statuses WHERE local = 1 AND reblog_of_id IS NULL",
    )
    .fetch_one(&app.db.pool)
    .await?;
    Ok((users, statuses))
}

async fn v1(State(app): State<App>) -> Result<Json<Value>, Error> {
    let (users, statuses) = counts(&app).await?;
    let c = &app.config;
    let base = c.base_url();
    Ok(Json(json!({
        "uri": c.domain,
        "title": c.instance_title,
        "short_description": "",
        "description": "",
        "email": c.contact_email,
        "version": version(),
        "urls": { "streaming_api": base.replacen("http", "ws", 1) },
        "stats": { "user_count": users, "status_count": statuses, "domain_count": 0 },
        "thumbnail": null,
        "languages": ["en"],
        "registrations": c.registrations != Registrations::Closed,
        "approval_required": c.registrations == Registrations::Approval,
        "invites_enabled": false,
        "configuration": {
            "accounts": { "max_featured_tags": 10 },
            "statuses": statuses_config(&app),
            "media_attachments": media_config(),
            "polls": polls_config(),
        },
        "contact_account": null,
        "rules": [],
    })))
}

async fn v2(State(app): State<App>) -> Result<Json<Value>, Error> {
    let (users, _) = counts(&app).await?;
    let c = &app.config;
    let base = c.base_url();
    Ok(Json(json!({
        "domain": c.domain,
        "title": c.instance_title,
        "version": version(),
        "source_url": "https://github.com/tessera-social/tessera",
        "description": "",
        "usage": { "users": { "active_month": users } },
        "thumbnail": { "url": format!("{base}/avatars/original/missing.png") },
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": { "streaming": base.replacen("http", "ws", 1), "status": null, "about": format!("{base}/about"), "privacy_policy": null, "terms_of_service": null },
            "vapid": { "public_key": app.vapid_key().await?.public_key() },
            "accounts": { "max_featured_tags": 10, "max_pinned_statuses": 5 },
            "statuses": statuses_config(&app),
            "media_attachments": media_config(),
            "polls": polls_config(),
            "translation": { "enabled": false },
            "limited_federation": false,
        },
        "registrations": {
            "enabled": c.registrations != Registrations::Closed,
            "approval_required": c.registrations == Registrations::Approval,
            "reason_required": false,
            "message": null,
            "min_age": null,
            "url": null,
        },
        "api_versions": { "mastodon": MASTODON_API_VERSION },
        "contact": { "email": c.contact_email, "account": null },
        "rules": [],
    })))
}

/// The server's rules: none can be set yet, so none.
async fn rules() -> Json<Value> {
    Json(json!([]))
}

/// The longer description: none can be written yet, so empty, as Mastodon shows an unset one.
async fn extended_description() -> Json<Value> {
    Json(json!({ "updated_at": crate::time::iso(0), "content": "" }))
}

/// The servers this one limits or refuses, with the reasons the admins gave publicly.
async fn domain_blocks(State(app): State<App>) -> Result<Json<Value>, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let blocks = crate::queries::domain_blocks::all(&mut conn).await?;
    Ok(Json(json!(
        blocks
            .iter()
            .map(super::admin::public_block_to_api)
            .collect::<Vec<_>>()
    )))
}

/// The servers we know accounts on, by domain.
async fn peers(State(app): State<App>) -> Result<Json<Value>, Error> {
    // Servers cut off by a domain block are not peers.
    let domains: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT domain FROM accounts WHERE domain IS NOT NULL AND (suspended & 2) = 0 ORDER BY domain",
    )
    .fetch_all(&app.db.pool)
    .await?;
    // Accounts on a local test port record host:port; peers are host names.
    let mut hosts: Vec<String> = domains
        .into_iter()
        .map(|d| d.split(':').next().unwrap_or_default().to_string())
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    Ok(Json(json!(hosts)))
}

/// The last 12 weeks (Monday to Monday, UTC), newest first: local posts, sign-ins (accounts
/// that were given a token) and registrations, as Mastodon reports them.
async fn activity(State(app): State<App>) -> Result<Json<Value>, Error> {
    use chrono::{Datelike, Duration, Utc};
    const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;
    let today = Utc::now().date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let this_week = monday
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or_default();
    let since = this_week - 11 * WEEK_MS;
    // One query per measure, counted by week (0 = the oldest of the twelve).
    let per_week = |sql: &'static str| {
        sqlx::query_as::<_, (i64, i64)>(sql)
            .bind(since)
            .bind(WEEK_MS)
            .fetch_all(&app.db.pool)
    };
    let statuses = per_week(
        "SELECT (s.created_at - $1) / $2 AS week, COUNT(*) FROM statuses s \
         JOIN accounts a ON a.id = s.account_id \
         WHERE a.domain IS NULL AND s.created_at >= $1 GROUP BY week",
    )
    .await?;
    let logins = per_week(
        "SELECT (created_at - $1) / $2 AS week, COUNT(DISTINCT account_id) FROM oauth_tokens \
         WHERE account_id IS NOT NULL AND created_at >= $1 GROUP BY week",
    )
    .await?;
    let registrations = per_week(
        "SELECT (created_at - $1) / $2 AS week, COUNT(*) FROM accounts \
         WHERE domain IS NULL AND created_at >= $1 GROUP BY week",
    )
    .await?;
    let count = |rows: &[(i64, i64)], week: i64| {
        rows.iter()
            .find(|(w, _)| *w == week)
            .map_or(0, |(_, n)| *n)
            .to_string()
    };
    let weeks: Vec<Value> = (0..12)
        .rev()
        .map(|week| {
            json!({
                "week": ((since + week * WEEK_MS) / 1000).to_string(),
                "statuses": count(&statuses, week),
                "logins": count(&logins, week),
                "registrations": count(&registrations, week),
            })
        })
        .collect();
    Ok(Json(Value::Array(weeks)))
}
