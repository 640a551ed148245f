//! A user's own relations: notes on accounts, endorsements, removing followers, and the
//! domains they hide (`/api/v1/domain_blocks`).

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::accounts::{accounts_page, relationship_with};
use crate::api::auth::{Auth, MaybeAuth};
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{Params, Query, de};
use crate::app::App;
use crate::error::Error;
use crate::queries::accounts as q;

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/accounts/{id}/note", post(note))
        .route("/api/v1/accounts/{id}/endorse", post(endorse))
        .route("/api/v1/accounts/{id}/pin", post(endorse))
        .route("/api/v1/accounts/{id}/unendorse", post(unendorse))
        .route("/api/v1/accounts/{id}/unpin", post(unendorse))
        .route("/api/v1/accounts/{id}/endorsements", get(endorsements_of))
        .route("/api/v1/endorsements", get(my_endorsements))
        .route(
            "/api/v1/accounts/{id}/remove_from_followers",
            post(remove_from_followers),
        )
        .route(
            "/api/v1/domain_blocks",
            get(hidden_domains).post(hide_domain).delete(show_domain),
        )
}

#[derive(Deserialize)]
struct NoteParams {
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    comment: Option<String>,
}

async fn note(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<NoteParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:accounts")?;
    let target = id(&raw)?;
    app.set_note(me.id(), target, p.comment.unwrap_or_default())
        .await?;
    relationship_with(&app, me.id(), target).await
}

async fn endorse(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:accounts")?;
    let target = id(&raw)?;
    app.endorse(me.id(), target, true).await?;
    relationship_with(&app, me.id(), target).await
}

async fn unendorse(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:accounts")?;
    let target = id(&raw)?;
    app.endorse(me.id(), target, false).await?;
    relationship_with(&app, me.id(), target).await
}

async fn my_endorsements(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:accounts")?;
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::endorsed(&mut conn, me.id(), &p.page(40, 80)).await?;
    Ok(accounts_page(&app, &uri, rows))
}

/// The accounts someone features on their profile: public, as on Mastodon.
async fn endorsements_of(
    State(app): State<App>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Path(raw): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    auth.viewer("read:accounts")?;
    let account = app.visible_account(id(&raw)?).await?;
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::endorsed(&mut conn, account.id, &p.page(40, 80)).await?;
    Ok(accounts_page(&app, &uri, rows))
}

async fn remove_from_followers(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:follows")?;
    let follower = id(&raw)?;
    app.remove_follower(me.id(), follower).await?;
    relationship_with(&app, me.id(), follower).await
}

async fn hidden_domains(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:blocks")?;
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::hidden_domains(&mut conn, me.id(), &p.page(100, 200)).await?;
    let cursors = rows.first().zip(rows.last()).map(|(a, b)| (a.0, b.0));
    Ok(Paged::new(
        rows.into_iter().map(|(_, d)| json!(d)).collect(),
        &app.config.base_url(),
        &uri,
        cursors,
    ))
}

#[derive(Deserialize)]
struct DomainParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    domain: Option<String>,
}

impl DomainParams {
    fn domain(self) -> Result<String, Error> {
        self.domain
            .ok_or_else(|| Error::Validation("Domain can't be blank".into()))
    }
}

async fn hide_domain(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<DomainParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:blocks")?;
    app.hide_domain(me.id(), &p.domain()?, true).await?;
    Ok(Json(json!({})))
}

async fn show_domain(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<DomainParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:blocks")?;
    app.hide_domain(me.id(), &p.domain()?, false).await?;
    Ok(Json(json!({})))
}
