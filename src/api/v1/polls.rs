//! `GET /api/v1/polls/:id` and `POST /api/v1/polls/:id/votes`.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use crate::api::auth::{Auth, MaybeAuth};
use crate::api::entities::poll_to_api;
use crate::api::id;
use crate::api::params::{Params, de};
use crate::app::App;
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::queries::polls as q;
use crate::queries::statuses as sq;

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/polls/{id}", get(show))
        .route("/api/v1/polls/{id}/votes", post(vote))
}

async fn show(
    State(app): State<App>,
    auth: MaybeAuth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let viewer = auth.viewer_id("read:statuses")?;
    let mut conn = app.db.pool.acquire().await?;
    let poll = q::by_id(&mut conn, id(&raw)?, viewer)
        .await?
        .ok_or(Error::NotFound)?;
    // A poll is seen by whoever may see its status.
    sq::visible_row(&mut conn, viewer, poll.status_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(poll_to_api(&poll, viewer.is_some())))
}

#[derive(Deserialize)]
struct VoteParams {
    #[serde(default, deserialize_with = "de::string_list")]
    choices: Vec<String>,
}

async fn vote(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<VoteParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:statuses")?;
    let choices = p
        .choices
        .iter()
        .map(|c| {
            c.parse::<usize>()
                .map_err(|_| Error::Validation(format!("{c} is not an option of this poll")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let poll = app
        .vote(me.id(), id(&raw)?, choices, None, &local_actor(me.id()))
        .await?;
    Ok(Json(poll_to_api(&poll, true)))
}
