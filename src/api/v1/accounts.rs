//! `/api/v1/accounts`: registration, credentials, profiles, statuses, follows.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::auth::{Auth, MaybeAuth};
use crate::api::entities::{
    Ctx, account_to_api, credential_account_to_api, relationship_to_api, token_to_api,
};
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{IdList, Params, Query, WithFiles, de};
use crate::app::App;
use crate::app::accounts::{Registration, fields_from};
use crate::config::Registrations;
use crate::domain::account::ProfileChange;
use crate::error::Error;
use crate::oauth::store;
use crate::queries::accounts::{self as q, Paged as Row};
use crate::queries::statuses::{self as sq, AccountStatusesFilter};

/// Routes that take image files, under the media body limit.
pub fn upload_router() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/accounts/update_credentials",
            patch(update_credentials),
        )
        .route(
            "/api/v1/profile/avatar",
            axum::routing::delete(delete_avatar),
        )
        .route(
            "/api/v1/profile/header",
            axum::routing::delete(delete_header),
        )
}

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/accounts", post(register))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(verify_credentials),
        )
        .route("/api/v1/accounts/lookup", get(lookup))
        .route("/api/v1/preferences", get(preferences))
        .route("/api/v1/accounts/relationships", get(relationships))
        .route(
            "/api/v1/accounts/familiar_followers",
            get(familiar_followers),
        )
        .route("/api/v1/accounts/{id}", get(show))
        .route("/api/v1/accounts/{id}/statuses", get(statuses))
        .route("/api/v1/accounts/{id}/followers", get(followers))
        .route("/api/v1/accounts/{id}/following", get(following))
        .route("/api/v1/accounts/{id}/follow", post(follow))
        .route("/api/v1/accounts/{id}/unfollow", post(unfollow))
        .route("/api/v1/accounts/{id}/block", post(block))
        .route("/api/v1/accounts/{id}/mute", post(mute))
        .route("/api/v1/accounts/{id}/unmute", post(unmute))
        .route("/api/v1/mutes", get(mutes))
        .route("/api/v1/blocks", get(blocks))
        .route("/api/v1/accounts/{id}/unblock", post(unblock))
}

#[derive(Deserialize)]
struct RegisterParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    email: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    agreement: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    locale: Option<String>,
}

async fn register(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<RegisterParams>,
) -> Result<Json<Value>, Error> {
    auth.require_scope("write:accounts")?;
    if app.config.registrations == Registrations::Closed {
        return Err(Error::Forbidden(
            "Registrations are currently closed".into(),
        ));
    }
    if p.agreement != Some(true) {
        return Err(Error::Validation("Agreement must be accepted".into()));
    }
    let account_id = app
        .register(Registration {
            username: p.username.unwrap_or_default(),
            email: p.email.clone().unwrap_or_default(),
            password: p.password.unwrap_or_default(),
            display_name: String::new(),
            locale: p.locale.unwrap_or_else(|| "en".into()),
            role: "user".into(),
            approved: app.config.registrations == Registrations::Open,
            confirmed: !app.config.email_confirmation,
        })
        .await?;
    if app.config.email_confirmation {
        let email = p.email.clone().unwrap_or_default();
        app.send_confirmation(account_id, &email).await?;
    }
    let mut conn = app.db.pool.acquire().await?;
    let token = store::issue_token(
        &mut conn,
        auth.token.app_id,
        Some(account_id),
        &auth.scopes.join(" "),
    )
    .await?;
    Ok(Json(token_to_api(&token)))
}

async fn credential_view(app: &App, account_id: i64) -> Result<Value, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let account = q::by_id(&mut conn, account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let user = q::user(&mut conn, account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let requests: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM follow_requests WHERE target_account_id = $1")
            .bind(account_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(credential_account_to_api(
        &account,
        &user,
        requests,
        &Ctx::new(&app.config),
    ))
}

async fn verify_credentials(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    // Mastodon accepts `profile` here as well as `read:accounts`.
    let me = match auth.require("profile") {
        Ok(me) => me,
        Err(_) => auth.require("read:accounts")?,
    };
    Ok(Json(credential_view(&app, me.id()).await?))
}

/// The posting defaults of the account's `source`, and the reading ones (which no setting
/// changes yet).
async fn preferences(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    let me = auth.require("read:accounts")?;
    let account = credential_view(&app, me.id()).await?;
    let source = &account["source"];
    Ok(Json(serde_json::json!({
        "posting:default:visibility": source["privacy"],
        "posting:default:sensitive": source["sensitive"],
        "posting:default:language": source["language"],
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    })))
}

#[derive(Deserialize)]
struct UpdateParams {
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    note: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    locked: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    bot: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    discoverable: Option<bool>,
    #[serde(default)]
    fields_attributes: Option<Value>,
}

async fn update_credentials(
    State(app): State<App>,
    auth: Auth,
    mut form: WithFiles<UpdateParams>,
) -> Result<Json<Value>, Error> {
    use crate::app::media::{AVATAR_SIZE, HEADER_SIZE};
    let me = auth.require("write:accounts")?;
    let p = &form.params;
    let fields = p.fields_attributes.as_ref().map(fields_from).transpose()?;
    let mut change = ProfileChange {
        display_name: p.display_name.as_ref().map(|n| n.trim().to_string()),
        note: None,
        fields,
        locked: p.locked,
        bot: p.bot,
        discoverable: p.discoverable,
        avatar_key: None,
        header_key: None,
        headline: None,
    };
    let note = p.note.clone();
    // Both images are checked before either is kept.
    let avatar = form.take("avatar");
    let header = form.take("header");
    if let Some(bytes) = avatar {
        change.avatar_key = Some(
            app.store_profile_image(me.id(), "avatar", bytes, AVATAR_SIZE)
                .await?,
        );
    }
    if let Some(bytes) = header {
        change.header_key = Some(
            app.store_profile_image(me.id(), "header", bytes, HEADER_SIZE)
                .await?,
        );
    }
    app.update_profile(me.id(), change, note).await?;
    Ok(Json(credential_view(&app, me.id()).await?))
}

/// `DELETE /api/v1/profile/avatar` and `/header`: back to the stand-in image.
async fn delete_avatar(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    remove_image(app, auth, true).await
}

async fn delete_header(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    remove_image(app, auth, false).await
}

async fn remove_image(app: App, auth: Auth, avatar: bool) -> Result<Json<Value>, Error> {
    let me = auth.require("write:accounts")?;
    let removed = Some(String::new());
    let has = if avatar {
        me.account.avatar_key.is_some()
    } else {
        me.account.header_key.is_some()
    };
    if has {
        let change = if avatar {
            ProfileChange {
                avatar_key: removed,
                ..Default::default()
            }
        } else {
            ProfileChange {
                header_key: removed,
                ..Default::default()
            }
        };
        app.update_profile(me.id(), change, None).await?;
    }
    Ok(Json(credential_view(&app, me.id()).await?))
}

#[derive(Deserialize)]
struct LookupParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    acct: Option<String>,
}

async fn lookup(
    State(app): State<App>,
    auth: MaybeAuth,
    Query(p): Query<LookupParams>,
) -> Result<Json<Value>, Error> {
    auth.viewer("read:accounts")?;
    let handle = p
        .acct
        .as_deref()
        .and_then(tessera_federation::handle::Handle::parse)
        .ok_or(Error::NotFound)?
        .local_to(&app.config.domain);
    if handle.domain.is_some() {
        let found = crate::federate::actors::resolve_handle(&app, &handle)
            .await
            .map_err(|e| {
                tracing::debug!(error = %e, "lookup of a remote account failed");
                Error::NotFound
            })?;
        let mut conn = app.db.pool.acquire().await?;
        let account = q::by_id(&mut conn, found.id)
            .await?
            .filter(|a| a.suspended == 0)
            .ok_or(Error::NotFound)?;
        return Ok(Json(account_to_api(&account, &Ctx::new(&app.config))));
    }
    let mut conn = app.db.pool.acquire().await?;
    let account = q::local_by_username(&mut conn, &handle.username)
        .await?
        .filter(|a| a.suspended == 0)
        .ok_or(Error::NotFound)?;
    Ok(Json(account_to_api(&account, &Ctx::new(&app.config))))
}

async fn relationships(
    State(app): State<App>,
    auth: Auth,
    Query(p): Query<IdList>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:follows")?;
    let ids = p.ids(40);
    let mut conn = app.db.pool.acquire().await?;
    let found = q::by_ids(&mut conn, &ids).await?;
    let ids: Vec<i64> = ids.into_iter().filter(|i| found.contains_key(i)).collect();
    let rels = q::relationships(&mut conn, me.id(), &ids).await?;
    Ok(Json(Value::Array(
        rels.iter().map(relationship_to_api).collect(),
    )))
}

/// For each account asked about, the accounts the caller follows that follow it.
async fn familiar_followers(
    State(app): State<App>,
    auth: Auth,
    Query(p): Query<IdList>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:follows")?;
    let ids = p.ids(40);
    let mut conn = app.db.pool.acquire().await?;
    let mut found = q::familiar_followers(&mut conn, me.id(), &ids, 40).await?;
    let ctx = Ctx::new(&app.config);
    Ok(Json(Value::Array(
        ids.iter()
            .map(|id| {
                let accounts = found.remove(id).unwrap_or_default();
                json!({
                    "id": id.to_string(),
                    "accounts": accounts.iter().map(|a| account_to_api(a, &ctx)).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )))
}

async fn show(
    State(app): State<App>,
    auth: MaybeAuth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    auth.viewer("read:accounts")?;
    let account = app.visible_account(id(&raw)?).await?;
    Ok(Json(account_to_api(&account, &Ctx::new(&app.config))))
}

#[derive(Deserialize)]
struct StatusesParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pinned: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    exclude_replies: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    exclude_reblogs: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    only_media: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    tagged: Option<String>,
}

async fn statuses(
    State(app): State<App>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Path(raw): Path<String>,
    Query(p): Query<StatusesParams>,
) -> Result<Paged, Error> {
    let viewer = auth.viewer_id("read:statuses")?;
    let account = app.visible_account(id(&raw)?).await?;
    let base = app.config.base_url();
    if p.pinned == Some(true) {
        // A handful at most: one page, no links, as Mastodon.
        let mut conn = app.db.pool.acquire().await?;
        let views = sq::pinned_of(&mut conn, viewer, account.id).await?;
        let ctx = Ctx::new(&app.config);
        let items = views
            .iter()
            .map(|v| crate::api::entities::status_to_api(v, &ctx))
            .collect();
        return Ok(Paged::new(items, &base, &uri, None));
    }
    let filter = AccountStatusesFilter {
        exclude_replies: p.exclude_replies.unwrap_or(false),
        exclude_reblogs: p.exclude_reblogs.unwrap_or(false),
        only_media: p.only_media.unwrap_or(false),
        tagged: p.tagged,
    };
    let mut conn = app.db.pool.acquire().await?;
    let views =
        sq::of_account(&mut conn, viewer, account.id, &filter, &p.page.page(20, 40)).await?;
    super::timelines::page_of(&app, &mut conn, &uri, viewer, "account", views).await
}

pub fn accounts_page(app: &App, uri: &axum::http::Uri, rows: Vec<Row<q::AccountRow>>) -> Paged {
    let ctx = Ctx::new(&app.config);
    let cursors = rows
        .first()
        .zip(rows.last())
        .map(|(a, b)| (a.cursor, b.cursor));
    Paged::new(
        rows.iter().map(|r| account_to_api(&r.item, &ctx)).collect(),
        &app.config.base_url(),
        uri,
        cursors,
    )
}

async fn followers(
    State(app): State<App>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Path(raw): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    follow_list(&app, &auth, &uri, &raw, &p, q::FollowSide::Followers).await
}

async fn following(
    State(app): State<App>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Path(raw): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    follow_list(&app, &auth, &uri, &raw, &p, q::FollowSide::Following).await
}

async fn follow_list(
    app: &App,
    auth: &MaybeAuth,
    uri: &axum::http::Uri,
    raw: &str,
    p: &PageParams,
    side: q::FollowSide,
) -> Result<Paged, Error> {
    auth.viewer("read:accounts")?;
    let account = app.visible_account(id(raw)?).await?;
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::follow_list(&mut conn, account.id, side, &p.page(40, 80)).await?;
    Ok(accounts_page(app, uri, rows))
}

pub async fn relationship_with(app: &App, me: i64, other: i64) -> Result<Json<Value>, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let rel = q::relationships(&mut conn, me, &[other])
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    Ok(Json(relationship_to_api(&rel)))
}

async fn follow(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:follows")?;
    let target = id(&raw)?;
    app.follow(me.id(), target).await?;
    relationship_with(&app, me.id(), target).await
}

async fn unfollow(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:follows")?;
    let target = id(&raw)?;
    app.unfollow(me.id(), target).await?;
    relationship_with(&app, me.id(), target).await
}

async fn block(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:blocks")?;
    let target = id(&raw)?;
    app.block(me.id(), target).await?;
    relationship_with(&app, me.id(), target).await
}

#[derive(Deserialize)]
struct MuteParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    notifications: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    duration: Option<i64>,
}

async fn mute(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<MuteParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:mutes")?;
    let target = id(&raw)?;
    app.mute(
        me.id(),
        target,
        p.notifications.unwrap_or(true),
        p.duration.unwrap_or(0),
    )
    .await?;
    relationship_with(&app, me.id(), target).await
}

async fn unmute(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:mutes")?;
    let target = id(&raw)?;
    app.unmute(me.id(), target).await?;
    relationship_with(&app, me.id(), target).await
}

async fn mutes(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:mutes")?;
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::muted(&mut conn, me.id(), &p.page(40, 80)).await?;
    Ok(accounts_page(&app, &uri, rows))
}

async fn blocks(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:blocks")?;
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::blocked(&mut conn, me.id(), &p.page(40, 80)).await?;
    Ok(accounts_page(&app, &uri, rows))
}

async fn unblock(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:blocks")?;
    let target = id(&raw)?;
    app.unblock(me.id(), target).await?;
    relationship_with(&app, me.id(), target).await
}
