//! `/api/v1/follow_requests`: requests to follow a locked account, and answering them.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use super::accounts::{accounts_page, relationship_with};
use crate::api::auth::Auth;
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::Query;
use crate::app::App;
use crate::error::Error;
use crate::queries::accounts as q;

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/follow_requests", get(list))
        .route("/api/v1/follow_requests/{id}/authorize", post(authorize))
        .route("/api/v1/follow_requests/{id}/reject", post(reject))
}

async fn list(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:follows")?;
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::follow_requests(&mut conn, me.id(), &p.page(40, 80)).await?;
    Ok(accounts_page(&app, &uri, rows))
}

async fn authorize(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    answer(&app, &auth, &raw, true).await
}

async fn reject(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    answer(&app, &auth, &raw, false).await
}

/// Authorise or reject the request from account `raw`; answers with the relationship.
async fn answer(app: &App, auth: &Auth, raw: &str, authorize: bool) -> Result<Json<Value>, Error> {
    let me = auth.require("write:follows")?;
    let requester = id(raw)?;
    app.answer_follow_request(me.id(), requester, authorize)
        .await?;
    relationship_with(app, me.id(), requester).await
}
