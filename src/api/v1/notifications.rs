//! `/api/v1/notifications`: list, show, clear, dismiss.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::auth::Auth;
use crate::api::entities::{Ctx, notification_to_api};
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{Query, de};
use crate::app::App;
use crate::domain::account::{self, Account};
use crate::error::Error;
use crate::eventlog::local_actor;
use crate::queries::notifications::{self as q, Filter};

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/notifications", get(list))
        .route("/api/v1/notifications/clear", post(clear))
        .route("/api/v1/notifications/{id}", get(show))
        .route("/api/v1/notifications/{id}/dismiss", post(dismiss))
}

#[derive(Deserialize)]
struct ListParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "de::string_list")]
    types: Vec<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    exclude_types: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    account_id: Option<String>,
    /// Also the notifications filtered into requests (a client shows one request's with
    /// `account_id` and this).
    #[serde(default, deserialize_with = "de::opt_bool")]
    include_filtered: Option<bool>,
}

async fn list(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<ListParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:notifications")?;
    let Some(mut filter) = Filter::asked(p.types, p.exclude_types, p.account_id.as_deref()) else {
        return Ok(Paged::new(vec![], &app.config.base_url(), &uri, None));
    };
    filter.include_filtered = p.include_filtered.unwrap_or(false);
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::list(&mut conn, me.id(), &filter, &p.page.page(40, 80)).await?;
    let ctx = Ctx::new(&app.config);
    let cursors = rows
        .first()
        .zip(rows.last())
        .map(|(a, b)| (a.row.id, b.row.id));
    // Notifications about statuses a `hide` filter matches are left out; others carry the
    // match on their status.
    let filters = crate::queries::filters::Filters::new(
        crate::queries::filters::active(&mut conn, me.id(), "notifications").await?,
    );
    let rows: Vec<_> = rows
        .into_iter()
        .filter_map(|mut n| {
            let kept = n.status.as_mut().is_none_or(|status| filters.keep(status));
            kept.then_some(n)
        })
        .collect();
    Ok(Paged::new(
        rows.iter().map(|n| notification_to_api(n, &ctx)).collect(),
        &app.config.base_url(),
        &uri,
        cursors,
    ))
}

async fn show(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:notifications")?;
    let mut conn = app.db.pool.acquire().await?;
    let n = q::get(&mut conn, me.id(), id(&raw)?)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(notification_to_api(&n, &Ctx::new(&app.config))))
}

async fn clear(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    let me = auth.require("write:notifications")?;
    app.execute::<Account>(
        &account::stream(me.id()),
        &local_actor(me.id()),
        None,
        account::Command::ClearNotifications,
    )
    .await?;
    Ok(Json(json!({})))
}

async fn dismiss(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:notifications")?;
    let notification_id = id(&raw)?;
    let mut conn = app.db.pool.acquire().await?;
    q::get(&mut conn, me.id(), notification_id)
        .await?
        .ok_or(Error::NotFound)?;
    drop(conn);
    let cmd = account::Command::DismissNotification(notification_id);
    app.execute::<Account>(&account::stream(me.id()), &local_actor(me.id()), None, cmd)
        .await?;
    Ok(Json(json!({})))
}
