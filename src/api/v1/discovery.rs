//! `/api/v1/suggestions`, `/api/v2/suggestions` and `/api/v1/directory`.

use axum::extract::{Path, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::auth::{Auth, MaybeAuth};
use crate::api::entities::{Ctx, account_to_api};
use crate::api::id;
use crate::api::params::{Query, de};
use crate::app::App;
use crate::error::Error;
use crate::queries::accounts as aq;
use crate::queries::discovery as q;

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/suggestions", get(suggestions_v1))
        .route("/api/v2/suggestions", get(suggestions_v2))
        .route("/api/v1/suggestions/{id}", delete(dismiss))
        .route("/api/v1/directory", get(directory))
}

#[derive(Deserialize)]
struct LimitParams {
    #[serde(default, deserialize_with = "de::opt_i64")]
    limit: Option<i64>,
}

/// The suggested accounts, in order, with their source.
async fn suggested(
    app: &App,
    me: i64,
    limit: Option<i64>,
) -> Result<Vec<(Value, &'static str)>, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::suggestions(&mut conn, me, limit.unwrap_or(40).clamp(1, 80)).await?;
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let accounts = aq::by_ids(&mut conn, &ids).await?;
    let ctx = Ctx::new(&app.config);
    Ok(rows
        .iter()
        .filter_map(|(id, source)| accounts.get(id).map(|a| (account_to_api(a, &ctx), *source)))
        .collect())
}

async fn suggestions_v1(
    State(app): State<App>,
    auth: Auth,
    Query(p): Query<LimitParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read")?;
    let found = suggested(&app, me.id(), p.limit).await?;
    Ok(Json(json!(
        found.into_iter().map(|(a, _)| a).collect::<Vec<_>>()
    )))
}

async fn suggestions_v2(
    State(app): State<App>,
    auth: Auth,
    Query(p): Query<LimitParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read")?;
    let found = suggested(&app, me.id(), p.limit).await?;
    Ok(Json(json!(
        found
            .into_iter()
            .map(|(account, source)| {
                // v2 names the source twice: `source` (deprecated) and `sources`.
                let legacy = if source == "most_followed" {
                    "global"
                } else {
                    "past_interactions"
                };
                json!({"source": legacy, "sources": [source], "account": account})
            })
            .collect::<Vec<_>>()
    )))
}

async fn dismiss(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read")?;
    let target = app.visible_account(id(&raw)?).await?;
    app.dismiss_suggestion(me.id(), target.id).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct DirectoryParams {
    #[serde(default, deserialize_with = "de::opt_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    offset: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_string")]
    order: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    local: Option<bool>,
}

async fn directory(
    State(app): State<App>,
    auth: MaybeAuth,
    Query(p): Query<DirectoryParams>,
) -> Result<Json<Value>, Error> {
    auth.viewer("read:accounts")?;
    let order_new = match p.order.as_deref() {
        None | Some("active") => false,
        Some("new") => true,
        Some(other) => {
            return Err(Error::Validation(format!(
                "Order {other} is not one of active, new"
            )));
        }
    };
    let mut conn = app.db.pool.acquire().await?;
    let ids = q::directory(
        &mut conn,
        order_new,
        p.local.unwrap_or(false),
        p.limit.unwrap_or(40).clamp(1, 80),
        p.offset.unwrap_or(0).max(0),
    )
    .await?;
    let accounts = aq::by_ids(&mut conn, &ids).await?;
    let ctx = Ctx::new(&app.config);
    Ok(Json(json!(
        ids.iter()
            .filter_map(|id| accounts.get(id))
            .map(|a| account_to_api(a, &ctx))
            .collect::<Vec<_>>()
    )))
}
