//! `/api/v1/timelines`: home, public and hashtag.

use axum::Router;
use axum::extract::{OriginalUri, Path, State};
use axum::routing::get;
use serde::Deserialize;

use crate::api::auth::{Auth, MaybeAuth};
use crate::api::entities::{Ctx, StatusEntity};
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{Query, de};
use crate::app::App;
use crate::error::Error;
use crate::queries::statuses::{self as q, PublicFilter, StatusView};

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/timelines/home", get(home))
        .route("/api/v1/timelines/public", get(public))
        .route("/api/v1/timelines/tag/{hashtag}", get(tag))
}

/// A page of statuses with the viewer's filters for `context` applied; the Link cursors
/// come from the page as read, so statuses a filter hides never make a gap.
pub async fn page_of(
    app: &App,
    conn: &mut crate::db::Conn,
    uri: &axum::http::Uri,
    viewer: Option<i64>,
    context: &str,
    views: Vec<StatusView>,
) -> Result<Paged, Error> {
    let ctx = Ctx::new(&app.config);
    let cursors = views
        .first()
        .zip(views.last())
        .map(|(a, b)| (a.row.id, b.row.id));
    let views = crate::queries::filters::apply(conn, viewer, context, views).await?;
    let entities: Vec<StatusEntity> = views.iter().map(|v| StatusEntity::new(v, &ctx)).collect();
    Paged::typed(&entities, &ctx.base_url, uri, cursors)
        .map_err(|e| Error::Internal(format!("a page of statuses did not serialise: {e}")))
}

async fn home(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:statuses")?;
    let mut conn = app.db.pool.acquire().await?;
    let views = q::home(&mut conn, me.id(), &p.page(20, 40)).await?;
    page_of(&app, &mut conn, &uri, Some(me.id()), "home", views).await
}

#[derive(Deserialize)]
struct PublicParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "de::opt_bool")]
    local: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    remote: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    only_media: Option<bool>,
}

async fn timeline(
    app: &App,
    auth: MaybeAuth,
    uri: &axum::http::Uri,
    p: PublicParams,
    tag: Option<String>,
) -> Result<Paged, Error> {
    let viewer = auth.viewer_id("read:statuses")?;
    let filter = PublicFilter {
        local: p.local.unwrap_or(false),
        remote: p.remote.unwrap_or(false),
        only_media: p.only_media.unwrap_or(false),
        tag,
    };
    let mut conn = app.db.pool.acquire().await?;
    let views = q::public(&mut conn, viewer, &filter, &p.page.page(20, 40)).await?;
    page_of(app, &mut conn, uri, viewer, "public", views).await
}

async fn public(
    State(app): State<App>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PublicParams>,
) -> Result<Paged, Error> {
    timeline(&app, auth, &uri, p, None).await
}

async fn tag(
    State(app): State<App>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Path(hashtag): Path<String>,
    Query(p): Query<PublicParams>,
) -> Result<Paged, Error> {
    timeline(
        &app,
        auth,
        &uri,
        p,
        Some(hashtag.trim_start_matches('#').to_string()),
    )
    .await
}
