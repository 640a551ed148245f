//! `/api/v1/media` and `/api/v2/media`: upload, show while processing, describe; and
//! `/system/...`, where the files are served.

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::auth::Auth;
use crate::api::entities::{Ctx, media_to_api};
use crate::api::id;
use crate::api::params::{Params, WithFiles, de};
use crate::app::App;
use crate::app::media::{Upload, When};
use crate::domain::media::parse_focus;
use crate::error::Error;
use crate::media::storage;
use crate::queries::media as q;

pub fn upload_router() -> Router<App> {
    Router::new()
        .route("/api/v1/media", post(upload_now))
        .route("/api/v2/media", post(upload_later))
}

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/media/{id}", get(show).put(update).delete(remove))
        .route("/system/{*key}", get(file))
}

#[derive(Deserialize)]
struct UploadParams {
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    description: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    focus: Option<String>,
}

async fn upload_now(
    State(app): State<App>,
    auth: Auth,
    form: WithFiles<UploadParams>,
) -> Result<Response, Error> {
    let media_id = upload(&app, &auth, form, When::Now).await?;
    Ok(Json(media_view(&app, media_id).await?).into_response())
}

/// Answered 202 with `url: null` while the files are made; the client polls
/// `GET /api/v1/media/:id`.
async fn upload_later(
    State(app): State<App>,
    auth: Auth,
    form: WithFiles<UploadParams>,
) -> Result<Response, Error> {
    let media_id = upload(&app, &auth, form, When::Later).await?;
    let view = media_view(&app, media_id).await?;
    let status = if view["url"].is_null() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view)).into_response())
}

async fn upload(
    app: &App,
    auth: &Auth,
    mut form: WithFiles<UploadParams>,
    when: When,
) -> Result<i64, Error> {
    let me = auth.require("write:media")?;
    let bytes = form
        .take("file")
        .ok_or_else(|| Error::Validation("File can't be blank".into()))?;
    let focus = form.params.focus.as_deref().map(parse_focus).transpose()?;
    app.upload_media(
        me.id(),
        Upload {
            bytes,
            description: form.params.description.take(),
            focus,
        },
        when,
    )
    .await
}

async fn media_view(app: &App, media_id: i64) -> Result<Value, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let row = q::by_id(&mut conn, media_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(media_to_api(&row, &Ctx::new(&app.config)))
}

/// 200 once processed, 206 while processing, as Mastodon answers.
async fn show(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Response, Error> {
    let me = auth.require("write:media")?;
    let row = app.own_unattached(me.id(), id(&raw)?).await?;
    let status = if row.processed == 0 {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    Ok((status, Json(media_to_api(&row, &Ctx::new(&app.config)))).into_response())
}

async fn update(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<UploadParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:media")?;
    let focus = p.focus.as_deref().map(parse_focus).transpose()?;
    let row = app
        .describe_media(me.id(), id(&raw)?, p.description, focus)
        .await?;
    Ok(Json(media_to_api(&row, &Ctx::new(&app.config))))
}

/// Mastodon 4.4: an upload not yet posted can be deleted; a posted one is refused (422).
async fn remove(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:media")?;
    app.delete_media(me.id(), id(&raw)?).await?;
    Ok(Json(json!({})))
}

/// A stored file, with its own content type and nothing a browser could run: `nosniff`,
/// and a policy that allows no script, style or frame even if it were opened directly.
async fn file(State(app): State<App>, Path(key): Path<String>) -> Result<Response, Error> {
    if !storage::is_public_key(&key) {
        return Err(Error::NotFound);
    }
    let content_type = storage::content_type(&key).ok_or(Error::NotFound)?;
    let bytes = app.storage.get(&key).await?.ok_or(Error::NotFound)?;
    Ok((
        [
            (CONTENT_TYPE, content_type),
            (HeaderName::from_static("x-content-type-options"), "nosniff"),
            (
                CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox; frame-ancestors 'none'",
            ),
            // Keys are never reused, so a file never changes.
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response())
}
