//! `/api/v1/admin/accounts` and `/api/v2/admin/accounts`: find accounts and act on them.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Needs, admin_account_to_api, staff};
use crate::api::auth::Auth;
use crate::api::entities::Ctx;
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{Params, Query, de};
use crate::app::App;
use crate::app::moderation::AccountAction;
use crate::domain::account::Command;
use crate::error::Error;
use crate::queries::accounts as aq;
use crate::queries::admin::{self as q, AccountFilter};

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/admin/accounts", get(index_v1))
        .route("/api/v2/admin/accounts", get(index_v2))
        .route("/api/v1/admin/accounts/{id}", get(show))
        .route("/api/v1/admin/accounts/{id}/action", post(action))
        .route("/api/v1/admin/accounts/{id}/approve", post(approve))
        .route("/api/v1/admin/accounts/{id}/enable", post(enable))
        .route("/api/v1/admin/accounts/{id}/unsilence", post(unsilence))
        .route("/api/v1/admin/accounts/{id}/unsuspend", post(unsuspend))
}

#[derive(Deserialize)]
struct V2Params {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "de::opt_string")]
    origin: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    permissions: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    by_domain: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    email: Option<String>,
}

#[derive(Deserialize)]
struct V1Params {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "de::opt_bool")]
    local: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    remote: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    active: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pending: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    disabled: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    silenced: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    suspended: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    staff: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    by_domain: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    email: Option<String>,
}

const ORIGINS: [&str; 2] = ["local", "remote"];
const STATUSES: [&str; 5] = ["active", "pending", "disabled", "silenced", "suspended"];

async fn index_v2(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<V2Params>,
) -> Result<Paged, Error> {
    staff(&auth, "admin:read:accounts", Needs::Moderator)?;
    let one_of = |v: &Option<String>, allowed: &[&str], what: &str| match v {
        Some(s) if !allowed.contains(&s.as_str()) => Err(Error::Validation(format!(
            "{what} {s} is not one of {}",
            allowed.join(", ")
        ))),
        _ => Ok(()),
    };
    one_of(&p.origin, &ORIGINS, "Origin")?;
    one_of(&p.status, &STATUSES, "Status")?;
    one_of(&p.permissions, &["staff"], "Permissions")?;
    let filter = AccountFilter {
        origin: p.origin,
        status: p.status,
        staff: p.permissions.is_some(),
        username: p.username,
        display_name: p.display_name,
        by_domain: p.by_domain,
        email: p.email,
    };
    listing(&app, &uri, &filter, &p.page).await
}

async fn index_v1(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<V1Params>,
) -> Result<Paged, Error> {
    staff(&auth, "admin:read:accounts", Needs::Moderator)?;
    let flag = |b: Option<bool>| b.unwrap_or(false);
    let origin = if flag(p.local) {
        Some("local")
    } else if flag(p.remote) {
        Some("remote")
    } else {
        None
    };
    let status = [
        (p.active, "active"),
        (p.pending, "pending"),
        (p.disabled, "disabled"),
        (p.silenced, "silenced"),
        (p.suspended, "suspended"),
    ]
    .into_iter()
    .find(|(on, _)| flag(*on))
    .map(|(_, s)| s.to_string());
    let filter = AccountFilter {
        origin: origin.map(str::to_string),
        status,
        staff: flag(p.staff),
        username: p.username,
        display_name: p.display_name,
        by_domain: p.by_domain,
        email: p.email,
    };
    listing(&app, &uri, &filter, &p.page).await
}

async fn listing(
    app: &App,
    uri: &axum::http::Uri,
    filter: &AccountFilter,
    page: &PageParams,
) -> Result<Paged, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::accounts(&mut conn, filter, &page.page(100, 200)).await?;
    let ctx = Ctx::new(&app.config);
    let cursors = rows.first().zip(rows.last()).map(|(a, b)| (a.0.id, b.0.id));
    Ok(Paged::new(
        rows.iter()
            .map(|(a, u)| admin_account_to_api(a, u.as_ref(), &ctx))
            .collect(),
        &app.config.base_url(),
        uri,
        cursors,
    ))
}

async fn one(app: &App, account_id: i64) -> Result<Value, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let account = aq::by_id(&mut conn, account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let (a, u) = q::with_users(&mut conn, vec![account])
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    Ok(admin_account_to_api(&a, u.as_ref(), &Ctx::new(&app.config)))
}

async fn show(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    staff(&auth, "admin:read:accounts", Needs::Moderator)?;
    Ok(Json(one(&app, id(&raw)?).await?))
}

#[derive(Deserialize)]
struct ActionParams {
    #[serde(default, rename = "type", deserialize_with = "de::opt_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    report_id: Option<String>,
}

/// `POST /api/v1/admin/accounts/:id/action`: answers `{}` as Mastodon does.
async fn action(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<ActionParams>,
) -> Result<Json<Value>, Error> {
    let me = staff(&auth, "admin:write:accounts", Needs::Moderator)?;
    let account_id = id(&raw)?;
    one(&app, account_id).await?;
    let kind = AccountAction::parse(p.kind.as_deref().unwrap_or("none"))?;
    let report_id = p
        .report_id
        .as_deref()
        .map(|r| {
            crate::ids::parse(r)
                .ok_or_else(|| Error::Validation(format!("Report {r} is not a report")))
        })
        .transpose()?;
    app.act_on_account(me.id(), account_id, kind, report_id)
        .await?;
    Ok(Json(json!({})))
}

/// The undo routes: each answers the account as it now is.
async fn undo(app: &App, auth: &Auth, raw: &str, command: Command) -> Result<Json<Value>, Error> {
    let me = staff(auth, "admin:write:accounts", Needs::Moderator)?;
    let account_id = id(raw)?;
    one(app, account_id).await?;
    app.moderate_as(me.id(), account_id, command).await?;
    Ok(Json(one(app, account_id).await?))
}

async fn approve(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    undo(&app, &auth, &raw, Command::Approve).await
}

async fn enable(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    undo(&app, &auth, &raw, Command::Enable).await
}

async fn unsilence(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    undo(&app, &auth, &raw, Command::Unsilence).await
}

async fn unsuspend(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    undo(&app, &auth, &raw, Command::Unsuspend).await
}
