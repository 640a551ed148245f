//! `/api/v1/announcements`: the operator's published announcements, marked read and
//! reacted to by users. Operators make them with `tessera admin announcements`.

use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::api::auth::Auth;
use crate::api::entities::{Ctx, announcement_to_api};
use crate::api::id;
use crate::app::App;
use crate::error::Error;
use crate::queries::announcements as q;

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/announcements", get(index))
        .route("/api/v1/announcements/{id}/dismiss", post(dismiss))
        .route(
            "/api/v1/announcements/{id}/reactions/{name}",
            put(react).delete(unreact),
        )
}

/// Every published announcement, read or not (`read` says which), as Mastodon lists them.
async fn index(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    let me = auth.require("read")?;
    Ok(Json(json!(render(&app, me.id(), None).await?)))
}

/// The published announcements (or the one asked for) as entities for `viewer`.
pub async fn render(app: &App, viewer: i64, only: Option<i64>) -> Result<Vec<Value>, Error> {
    let rows = {
        let mut conn = app.db.pool.acquire().await?;
        q::published(&mut conn, viewer, only).await?
    };
    let ctx = Ctx::new(&app.config);
    let mut out = Vec::with_capacity(rows.len());
    for a in &rows {
        let emojis = app.emojis_in(&[&a.text]).await?;
        out.push(announcement_to_api(a, &emojis, &ctx));
    }
    Ok(out)
}

async fn dismiss(
    State(app): State<App>,
    auth: Auth,
    Path(announcement): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:accounts")?;
    app.dismiss_announcement(me.id(), id(&announcement)?)
        .await?;
    Ok(Json(json!({})))
}

async fn react(
    State(app): State<App>,
    auth: Auth,
    Path((announcement, name)): Path<(String, String)>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:favourites")?;
    app.react_to_announcement(me.id(), id(&announcement)?, &name, true)
        .await?;
    Ok(Json(json!({})))
}

async fn unreact(
    State(app): State<App>,
    auth: Auth,
    Path((announcement, name)): Path<(String, String)>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:favourites")?;
    app.react_to_announcement(me.id(), id(&announcement)?, &name, false)
        .await?;
    Ok(Json(json!({})))
}
