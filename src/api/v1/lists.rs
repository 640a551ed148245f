//! `/api/v1/lists`: CRUD, members, the lists an account is in, and the list timeline.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::accounts::accounts_page;
use super::timelines::page_of;
use crate::api::auth::Auth;
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{Params, Query, de};
use crate::app::App;
use crate::app::lists::ListSettings;
use crate::error::Error;
use crate::queries::accounts as aq;
use crate::queries::lists::{self as q, ListRow};
use crate::queries::statuses as sq;

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/lists", get(index).post(create))
        .route("/api/v1/lists/{id}", get(show).put(update).delete(delete))
        .route(
            "/api/v1/lists/{id}/accounts",
            get(members).post(add).delete(remove),
        )
        .route("/api/v1/accounts/{id}/lists", get(containing))
        .route("/api/v1/timelines/list/{id}", get(timeline))
}

pub fn list_to_api(l: &ListRow) -> Value {
    json!({
        "id": l.id.to_string(),
        "title": l.title,
        "replies_policy": l.replies_policy,
        "exclusive": l.exclusive != 0,
    })
}

#[derive(Deserialize)]
struct SettingsParams {
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    title: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    replies_policy: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    exclusive: Option<bool>,
}

impl From<SettingsParams> for ListSettings {
    fn from(p: SettingsParams) -> Self {
        ListSettings {
            title: p.title,
            replies_policy: p.replies_policy,
            exclusive: p.exclusive,
        }
    }
}

async fn index(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    let me = auth.require("read:lists")?;
    let mut conn = app.db.pool.acquire().await?;
    let lists = q::of_account(&mut conn, me.id()).await?;
    Ok(Json(lists.iter().map(list_to_api).collect()))
}

async fn create(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<SettingsParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:lists")?;
    let list_id = app.create_list(me.id(), p.into()).await?;
    Ok(Json(list_to_api(&app.own_list(me.id(), list_id).await?)))
}

async fn show(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:lists")?;
    Ok(Json(list_to_api(&app.own_list(me.id(), id(&raw)?).await?)))
}

async fn update(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<SettingsParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:lists")?;
    let list_id = id(&raw)?;
    app.update_list(me.id(), list_id, p.into()).await?;
    Ok(Json(list_to_api(&app.own_list(me.id(), list_id).await?)))
}

async fn delete(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:lists")?;
    app.delete_list(me.id(), id(&raw)?).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct MembersParams {
    #[serde(default, deserialize_with = "de::string_list")]
    account_ids: Vec<String>,
}

fn account_ids(p: &MembersParams) -> Result<Vec<i64>, Error> {
    if p.account_ids.is_empty() {
        return Err(Error::Validation("account_ids can't be blank".into()));
    }
    p.account_ids.iter().map(|r| id(r)).collect()
}

/// `limit=0` lists every member, as Mastodon's does.
async fn members(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Path(raw): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:lists")?;
    let list = app.own_list(me.id(), id(&raw)?).await?;
    let all = p.limit.is_some_and(|l| l == 0);
    let page = if all {
        crate::queries::Page {
            limit: crate::domain::list::MAX_MEMBERS as i64,
            ..Default::default()
        }
    } else {
        p.page(40, 80)
    };
    let mut conn = app.db.pool.acquire().await?;
    let rows = aq::list_members(&mut conn, list.id, me.id(), &page).await?;
    Ok(accounts_page(&app, &uri, rows))
}

async fn add(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<MembersParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:lists")?;
    app.add_to_list(me.id(), id(&raw)?, account_ids(&p)?)
        .await?;
    Ok(Json(json!({})))
}

async fn remove(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<MembersParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:lists")?;
    app.remove_from_list(me.id(), id(&raw)?, account_ids(&p)?)
        .await?;
    Ok(Json(json!({})))
}

async fn containing(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:lists")?;
    let mut conn = app.db.pool.acquire().await?;
    let lists = q::containing(&mut conn, me.id(), id(&raw)?).await?;
    Ok(Json(lists.iter().map(list_to_api).collect()))
}

async fn timeline(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Path(raw): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:lists")?;
    let list = app.own_list(me.id(), id(&raw)?).await?;
    let mut conn = app.db.pool.acquire().await?;
    let views = sq::list_timeline(&mut conn, &list, &p.page(20, 40)).await?;
    page_of(&app, &mut conn, &uri, Some(me.id()), "home", views).await
}
