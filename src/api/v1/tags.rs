//! Hashtags: `/api/v1/tags/:name` (follow, unfollow), `/api/v1/followed_tags`,
//! `/api/v1/featured_tags` and an account's featured tags, and `/api/v1/trends`.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::auth::{Auth, MaybeAuth};
use crate::api::entities::{Ctx, card_to_api, status_to_api};
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{Params, Query, de};
use crate::app::App;
use crate::app::tags::normalise_tag;
use crate::db::Conn;
use crate::error::Error;
use crate::queries::cards as cq;
use crate::queries::statuses as sq;
use crate::queries::tags::{self as q, FeaturedRow};
use crate::time::{self, iso};

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/tags/{name}", get(show))
        .route("/api/v1/tags/{name}/follow", post(follow))
        .route("/api/v1/tags/{name}/unfollow", post(unfollow))
        .route("/api/v1/followed_tags", get(followed))
        .route("/api/v1/featured_tags", get(my_featured).post(feature))
        .route("/api/v1/featured_tags/suggestions", get(suggestions))
        .route("/api/v1/featured_tags/{id}", delete(unfeature))
        .route("/api/v1/accounts/{id}/featured_tags", get(featured_of))
        .route("/api/v1/trends", get(trending_tags))
        .route("/api/v1/trends/tags", get(trending_tags))
        .route("/api/v1/trends/statuses", get(trending_statuses))
        .route("/api/v1/trends/links", get(trending_links))
}

/// Tag entities for `names`, with their week of history, and `following`/`featuring`
/// when a user asks.
async fn tags_to_api(
    app: &App,
    conn: &mut Conn,
    names: &[String],
    viewer: Option<i64>,
) -> Result<Vec<Value>, Error> {
    let history = q::history(conn, names, time::now_ms()).await?;
    let flags = match viewer {
        Some(v) => Some(q::flags(conn, v, names).await?),
        None => None,
    };
    let base = app.config.base_url();
    Ok(names
        .iter()
        .map(|name| {
            let days: Vec<Value> = history
                .get(name)
                .into_iter()
                .flatten()
                .map(day_to_api)
                .collect();
            let mut tag = json!({
                "id": name,
                "name": name,
                "url": format!("{base}/tags/{name}"),
                "history": days,
            });
            if let Some((following, featuring)) = &flags {
                tag["following"] = json!(following.contains(name));
                tag["featuring"] = json!(featuring.contains(name));
            }
            tag
        })
        .collect())
}

async fn one_tag(app: &App, name: &str, viewer: Option<i64>) -> Result<Json<Value>, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let mut tags = tags_to_api(app, &mut conn, &[name.to_string()], viewer).await?;
    tags.pop().map(Json).ok_or(Error::NotFound)
}

async fn show(
    State(app): State<App>,
    auth: MaybeAuth,
    Path(name): Path<String>,
) -> Result<Json<Value>, Error> {
    let viewer = auth.viewer_id("read:follows")?;
    let tag = normalise_tag(&name).map_err(|_| Error::NotFound)?;
    one_tag(&app, &tag, viewer).await
}

async fn follow(
    State(app): State<App>,
    auth: Auth,
    Path(name): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:follows")?;
    let tag = app.follow_tag(me.id(), &name, true).await?;
    one_tag(&app, &tag, Some(me.id())).await
}

async fn unfollow(
    State(app): State<App>,
    auth: Auth,
    Path(name): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:follows")?;
    let tag = app.follow_tag(me.id(), &name, false).await?;
    one_tag(&app, &tag, Some(me.id())).await
}

async fn followed(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:follows")?;
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::followed(&mut conn, me.id(), &p.page(100, 200)).await?;
    let cursors = rows.first().zip(rows.last()).map(|(a, b)| (a.0, b.0));
    let names: Vec<String> = rows.into_iter().map(|(_, t)| t).collect();
    let items = tags_to_api(&app, &mut conn, &names, Some(me.id())).await?;
    Ok(Paged::new(items, &app.config.base_url(), &uri, cursors))
}

fn featured_to_api(account_url: &str, f: &FeaturedRow) -> Value {
    json!({
        "id": f.id.to_string(),
        "name": f.tag,
        "url": format!("{account_url}/tagged/{}", f.tag),
        "statuses_count": f.statuses_count.to_string(),
        "last_status_at": f.last_status_at.map(|at| iso(at)[..10].to_string()),
    })
}

async fn featured_list(app: &App, account_id: i64) -> Result<Json<Value>, Error> {
    let account = app.visible_account(account_id).await?;
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::featured(&mut conn, account.id).await?;
    Ok(Json(json!(
        rows.iter()
            .map(|f| featured_to_api(&account.url, f))
            .collect::<Vec<_>>()
    )))
}

async fn my_featured(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    let me = auth.require("read:accounts")?;
    featured_list(&app, me.id()).await
}

async fn featured_of(
    State(app): State<App>,
    auth: MaybeAuth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    auth.viewer("read:accounts")?;
    featured_list(&app, id(&raw)?).await
}

#[derive(Deserialize)]
struct FeatureParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    name: Option<String>,
}

async fn feature(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<FeatureParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:accounts")?;
    let name = p
        .name
        .ok_or_else(|| Error::Validation("Name can't be blank".into()))?;
    let featured_id = app.feature_tag(me.id(), &name).await?;
    let mut conn = app.db.pool.acquire().await?;
    let row = q::featured(&mut conn, me.id())
        .await?
        .into_iter()
        .find(|f| f.id == featured_id)
        .ok_or(Error::NotFound)?;
    Ok(Json(featured_to_api(&me.account.url, &row)))
}

async fn unfeature(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:accounts")?;
    app.unfeature_tag(me.id(), id(&raw)?).await?;
    Ok(Json(json!({})))
}

async fn suggestions(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    let me = auth.require("read:accounts")?;
    let mut conn = app.db.pool.acquire().await?;
    let names = q::suggestions(&mut conn, me.id()).await?;
    Ok(Json(json!(
        tags_to_api(&app, &mut conn, &names, Some(me.id())).await?
    )))
}

#[derive(Deserialize)]
struct TrendParams {
    #[serde(default, deserialize_with = "de::opt_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    offset: Option<i64>,
}

impl TrendParams {
    fn bounds(&self, default: i64, max: i64) -> (i64, i64) {
        (
            self.limit.unwrap_or(default).clamp(1, max),
            self.offset.unwrap_or(0).max(0),
        )
    }
}

async fn trending_tags(
    State(app): State<App>,
    auth: MaybeAuth,
    Query(p): Query<TrendParams>,
) -> Result<Json<Value>, Error> {
    let viewer = auth.viewer_id("read")?;
    let (limit, offset) = p.bounds(10, 20);
    let mut conn = app.db.pool.acquire().await?;
    let names = q::trending(&mut conn, time::now_ms(), limit, offset).await?;
    Ok(Json(json!(
        tags_to_api(&app, &mut conn, &names, viewer).await?
    )))
}

async fn trending_statuses(
    State(app): State<App>,
    auth: MaybeAuth,
    Query(p): Query<TrendParams>,
) -> Result<Json<Value>, Error> {
    let viewer = auth.viewer_id("read:statuses")?;
    let (limit, offset) = p.bounds(20, 40);
    let mut conn = app.db.pool.acquire().await?;
    let ids = q::trending_statuses(&mut conn, time::now_ms(), limit, offset).await?;
    let found = sq::visible_by_ids(&mut conn, viewer, &ids).await?;
    let ctx = Ctx::new(&app.config);
    Ok(Json(json!(
        ids.iter()
            .filter_map(|id| found.get(id))
            .map(|s| status_to_api(s, &ctx))
            .collect::<Vec<_>>()
    )))
}

/// Links shared in the week's public posts, as preview cards with their history.
async fn trending_links(
    State(app): State<App>,
    auth: MaybeAuth,
    Query(p): Query<TrendParams>,
) -> Result<Json<Value>, Error> {
    auth.viewer("read")?;
    let (limit, offset) = p.bounds(10, 20);
    let now = time::now_ms();
    let mut conn = app.db.pool.acquire().await?;
    let urls = cq::trending(&mut conn, now, limit, offset).await?;
    let cards = cq::by_urls(&mut conn, &urls).await?;
    let history = cq::history(&mut conn, &urls, now).await?;
    let ctx = Ctx::new(&app.config);
    Ok(Json(json!(
        urls.iter()
            .filter_map(|url| {
                let mut link = card_to_api(cards.get(url)?, &ctx);
                link["history"] = json!(
                    history
                        .get(url)
                        .into_iter()
                        .flatten()
                        .map(day_to_api)
                        .collect::<Vec<_>>()
                );
                Some(link)
            })
            .collect::<Vec<_>>()
    )))
}

fn day_to_api(d: &q::Day) -> Value {
    json!({"day": d.day.to_string(), "uses": d.uses.to_string(), "accounts": d.accounts.to_string()})
}
