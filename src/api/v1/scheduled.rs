//! `/api/v1/scheduled_statuses`: list, show, move and cancel statuses waiting to be posted
//! (they are scheduled with `scheduled_at` on `POST /api/v1/statuses`).

use axum::extract::{OriginalUri, Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::auth::Auth;
use crate::api::entities::{Ctx, media_to_api};
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{Params, Query, de};
use crate::app::App;
use crate::error::Error;
use crate::queries::media as mq;
use crate::queries::scheduled::{self as q, ScheduledRow};

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/scheduled_statuses", get(index))
        .route(
            "/api/v1/scheduled_statuses/{id}",
            get(show).put(update).delete(cancel),
        )
}

/// `scheduled_at` as clients send it (RFC 3339), in milliseconds.
pub fn parse_time(raw: &str) -> Result<i64, Error> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.timestamp_millis())
        .map_err(|_| Error::Validation(format!("scheduled_at {raw} is not a date and time")))
}

pub async fn scheduled_to_api(app: &App, s: &ScheduledRow) -> Result<Value, Error> {
    let ctx = Ctx::new(&app.config);
    let mut media = Vec::new();
    {
        let mut conn = app.db.pool.acquire().await?;
        for id in &s.params.media_ids {
            if let Some(m) = mq::by_id(&mut conn, *id).await? {
                media.push(media_to_api(&m, &ctx));
            }
        }
    }
    let p = &s.params;
    Ok(json!({
        "id": s.id.to_string(),
        "scheduled_at": crate::time::iso(s.scheduled_at),
        "params": {
            "text": p.text,
            "spoiler_text": p.spoiler_text,
            "visibility": p.visibility,
            "sensitive": p.sensitive,
            "language": p.language,
            "in_reply_to_id": p.in_reply_to_id,
            "media_ids": p.media_ids.iter().map(i64::to_string).collect::<Vec<_>>(),
            "poll": p.poll.as_ref().map(|poll| json!({
                "options": poll.options, "expires_in": poll.expires_in.to_string(),
                "multiple": poll.multiple, "hide_totals": poll.hide_totals,
            })),
            "scheduled_at": null,
            "idempotency": null,
            "application_id": 0,
            "with_rate_limit": false,
        },
        "media_attachments": media,
    }))
}

async fn index(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:statuses")?;
    let rows = {
        let mut conn = app.db.pool.acquire().await?;
        q::of_account(&mut conn, me.id(), &p.page(20, 40)).await?
    };
    let cursors = rows.first().zip(rows.last()).map(|(a, b)| (a.id, b.id));
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        items.push(scheduled_to_api(&app, r).await?);
    }
    Ok(Paged::new(items, &app.config.base_url(), &uri, cursors))
}

async fn own(app: &App, owner: i64, raw: &str) -> Result<ScheduledRow, Error> {
    let mut conn = app.db.pool.acquire().await?;
    q::own(&mut conn, owner, id(raw)?)
        .await?
        .ok_or(Error::NotFound)
}

async fn show(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:statuses")?;
    let row = own(&app, me.id(), &raw).await?;
    Ok(Json(scheduled_to_api(&app, &row).await?))
}

#[derive(Deserialize)]
struct UpdateParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    scheduled_at: Option<String>,
}

async fn update(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<UpdateParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:statuses")?;
    let row = own(&app, me.id(), &raw).await?;
    let at = parse_time(
        p.scheduled_at
            .as_deref()
            .ok_or_else(|| Error::Validation("scheduled_at can't be blank".into()))?,
    )?;
    app.reschedule(me.id(), row.id, at).await?;
    let row = own(&app, me.id(), &raw).await?;
    Ok(Json(scheduled_to_api(&app, &row).await?))
}

async fn cancel(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:statuses")?;
    let row = own(&app, me.id(), &raw).await?;
    app.cancel_scheduled(me.id(), row.id).await?;
    Ok(Json(json!({})))
}
