//! `/api/v1/statuses`: post, show, delete, context, favourite, reblog, bookmark, pin and
//! who did; `/api/v1/bookmarks` and `/api/v1/favourites`.

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::accounts::accounts_page;
use crate::api::auth::{Auth, MaybeAuth};
use crate::api::entities::{Ctx, account_to_api, deleted_status_to_api, status_to_api};
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{IdList, Params, Query, de};
use crate::app::App;
use crate::app::statuses::{NewStatus, StatusChange};
use crate::error::Error;
use crate::events::AppRef;
use crate::oauth::store;
use crate::queries::accounts as aq;
use crate::queries::statuses as q;

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/statuses", post(create).get(several))
        .route("/api/v1/statuses/{id}", get(show).delete(delete).put(edit))
        .route("/api/v1/statuses/{id}/history", get(history))
        .route("/api/v1/statuses/{id}/source", get(source))
        .route("/api/v1/statuses/{id}/context", get(context))
        .route("/api/v1/statuses/{id}/favourite", post(favourite))
        .route("/api/v1/statuses/{id}/unfavourite", post(unfavourite))
        .route("/api/v1/statuses/{id}/bookmark", post(bookmark))
        .route("/api/v1/statuses/{id}/mute", post(mute))
        .route("/api/v1/statuses/{id}/unmute", post(unmute))
        .route("/api/v1/statuses/{id}/unbookmark", post(unbookmark))
        .route("/api/v1/bookmarks", get(bookmarks))
        .route("/api/v1/favourites", get(favourites))
        .route("/api/v1/statuses/{id}/pin", post(pin))
        .route("/api/v1/statuses/{id}/unpin", post(unpin))
        .route("/api/v1/statuses/{id}/reblog", post(reblog))
        .route("/api/v1/statuses/{id}/unreblog", post(unreblog))
        .route("/api/v1/statuses/{id}/favourited_by", get(favourited_by))
        .route("/api/v1/statuses/{id}/reblogged_by", get(reblogged_by))
}

#[derive(Deserialize)]
struct CreateParams {
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    status: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    in_reply_to_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    visibility: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    media_ids: Vec<String>,
    #[serde(default)]
    poll: Option<Value>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scheduled_at: Option<String>,
}

#[derive(Deserialize)]
struct PollParams {
    #[serde(default, deserialize_with = "de::string_list")]
    options: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    expires_in: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    multiple: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    hide_totals: Option<bool>,
}

/// `poll[options][]`, `poll[expires_in]` ... as forms and JSON send them.
fn new_poll(raw: Option<Value>) -> Result<Option<crate::app::statuses::NewPoll>, Error> {
    let Some(raw) = raw.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let p: PollParams =
        serde_json::from_value(raw).map_err(|e| Error::Validation(format!("Poll: {e}")))?;
    Ok(Some(crate::app::statuses::NewPoll {
        options: p.options,
        expires_in_secs: p
            .expires_in
            .ok_or_else(|| Error::Validation("Poll expires_in can't be blank".into()))?,
        multiple: p.multiple.unwrap_or(false),
        hide_totals: p.hide_totals.unwrap_or(false),
    }))
}

/// `media_ids[]` as given; an id that is not a number is no attachment of yours.
fn media_ids(raw: &[String]) -> Result<Vec<i64>, Error> {
    raw.iter()
        .map(|r| {
            crate::ids::parse(r).ok_or_else(|| {
                Error::Validation(format!(
                    "Media {r} is not one of your attachments waiting to be posted"
                ))
            })
        })
        .collect()
}

async fn view(app: &App, viewer: Option<i64>, status_id: i64) -> Result<Value, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let v = q::visible(&mut conn, viewer, status_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(status_to_api(&v, &Ctx::new(&app.config)))
}

async fn create(
    State(app): State<App>,
    auth: Auth,
    headers: HeaderMap,
    Params(p): Params<CreateParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:statuses")?;
    let in_reply_to_id = match &p.in_reply_to_id {
        Some(raw) => Some(id(raw)?),
        None => None,
    };
    let application = {
        let mut conn = app.db.pool.acquire().await?;
        store::app_by_id(&mut conn, auth.token.app_id)
            .await?
            .map(|a| AppRef {
                name: a.name,
                website: a.website,
            })
    };
    let language = p
        .language
        .filter(|l| l.len() <= 16 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    let idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| k.chars().take(128).collect());
    if let Some(at) = p.scheduled_at.as_deref() {
        let at = super::scheduled::parse_time(at)?;
        let poll = new_poll(p.poll)?;
        let params = crate::events::ScheduledParams {
            text: p.status.unwrap_or_default(),
            spoiler_text: p.spoiler_text.unwrap_or_default(),
            visibility: p.visibility.unwrap_or_else(|| "public".into()),
            sensitive: p.sensitive.unwrap_or(false),
            language,
            in_reply_to_id,
            media_ids: media_ids(&p.media_ids)?,
            poll: poll.map(|poll| crate::events::ScheduledPoll {
                options: poll.options,
                expires_in: poll.expires_in_secs,
                multiple: poll.multiple,
                hide_totals: poll.hide_totals,
            }),
            application,
        };
        let scheduled_id = app.schedule_status(me.id(), at, params).await?;
        let mut conn = app.db.pool.acquire().await?;
        let row = crate::queries::scheduled::own(&mut conn, me.id(), scheduled_id)
            .await?
            .ok_or(Error::NotFound)?;
        drop(conn);
        return Ok(Json(super::scheduled::scheduled_to_api(&app, &row).await?));
    }
    let posted = app
        .post_status(
            &me.account,
            NewStatus {
                text: p.status.unwrap_or_default(),
                spoiler_text: p.spoiler_text.unwrap_or_default(),
                visibility: p.visibility.unwrap_or_else(|| "public".into()),
                sensitive: p.sensitive.unwrap_or(false),
                language,
                in_reply_to_id,
                application,
                idempotency_key,
                media_ids: media_ids(&p.media_ids)?,
                poll: new_poll(p.poll)?,
            },
        )
        .await?;
    let view = app.posted_view(me.id(), posted).await?;
    Ok(Json(status_to_api(&view, &Ctx::new(&app.config))))
}

async fn show(
    State(app): State<App>,
    auth: MaybeAuth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let viewer = auth.viewer_id("read:statuses")?;
    Ok(Json(view(&app, viewer, id(&raw)?).await?))
}

/// `GET /api/v1/statuses?id[]=…`: those the caller may see, in the order asked (at most
/// 40; unknown and hidden ones are left out).
async fn several(
    State(app): State<App>,
    auth: MaybeAuth,
    Query(p): Query<IdList>,
) -> Result<Json<Value>, Error> {
    let viewer = auth.viewer_id("read:statuses")?;
    let ids = p.ids(40);
    let mut conn = app.db.pool.acquire().await?;
    let mut found = q::visible_by_ids(&mut conn, viewer, &ids).await?;
    let ctx = Ctx::new(&app.config);
    Ok(Json(Value::Array(
        ids.iter()
            .filter_map(|id| found.remove(id))
            .map(|v| status_to_api(&v, &ctx))
            .collect(),
    )))
}

#[derive(Deserialize)]
struct DeleteParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    delete_media: Option<bool>,
}

/// The status goes; its attachments stay as uploads that can be posted again ("delete and
/// redraft"), unless `delete_media=true` (Mastodon 4.4) deletes them too.
async fn delete(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Query(p): Query<DeleteParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:statuses")?;
    let status_id = id(&raw)?;
    let before = {
        let mut conn = app.db.pool.acquire().await?;
        q::visible(&mut conn, Some(me.id()), status_id)
            .await?
            .ok_or(Error::NotFound)?
    };
    app.delete_status(me.id(), status_id).await?;
    if p.delete_media == Some(true) {
        for m in &before.media {
            app.delete_media(me.id(), m.id).await?;
        }
    }
    Ok(Json(deleted_status_to_api(&before, &Ctx::new(&app.config))))
}

async fn context(
    State(app): State<App>,
    auth: MaybeAuth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let viewer = auth.viewer_id("read:statuses")?;
    let mut conn = app.db.pool.acquire().await?;
    let row = q::visible_row(&mut conn, viewer, id(&raw)?)
        .await?
        .ok_or(Error::NotFound)?;
    let (ancestors, descendants) = q::context(&mut conn, viewer, &row).await?;
    let ancestors = crate::queries::filters::apply(&mut conn, viewer, "thread", ancestors).await?;
    let descendants =
        crate::queries::filters::apply(&mut conn, viewer, "thread", descendants).await?;
    let ctx = Ctx::new(&app.config);
    Ok(Json(json!({
        "ancestors": ancestors.iter().map(|s| status_to_api(s, &ctx)).collect::<Vec<_>>(),
        "descendants": descendants.iter().map(|s| status_to_api(s, &ctx)).collect::<Vec<_>>(),
    })))
}

async fn favourite(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:favourites")?;
    let target = app.favourite(me.id(), id(&raw)?, true).await?;
    Ok(Json(view(&app, Some(me.id()), target).await?))
}

async fn unfavourite(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:favourites")?;
    let target = app.favourite(me.id(), id(&raw)?, false).await?;
    Ok(Json(view(&app, Some(me.id()), target).await?))
}

async fn bookmark(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:bookmarks")?;
    let target = app.bookmark(me.id(), id(&raw)?, true).await?;
    Ok(Json(view(&app, Some(me.id()), target).await?))
}

async fn unbookmark(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:bookmarks")?;
    let target = app.bookmark(me.id(), id(&raw)?, false).await?;
    Ok(Json(view(&app, Some(me.id()), target).await?))
}

/// Mute the notifications of the status's conversation.
async fn mute(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:mutes")?;
    let target = app.mute_thread(me.id(), id(&raw)?, true).await?;
    Ok(Json(view(&app, Some(me.id()), target).await?))
}

async fn unmute(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:mutes")?;
    let target = app.mute_thread(me.id(), id(&raw)?, false).await?;
    Ok(Json(view(&app, Some(me.id()), target).await?))
}

/// The caller's bookmarks, newest first; the Link header pages by bookmark.
async fn bookmarks(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:bookmarks")?;
    marked(&app, me.id(), q::Marks::Bookmarks, &uri, &p).await
}

/// The caller's favourites, newest first; the Link header pages by favourite.
async fn favourites(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    let me = auth.require("read:favourites")?;
    marked(&app, me.id(), q::Marks::Favourites, &uri, &p).await
}

async fn marked(
    app: &App,
    viewer: i64,
    marks: q::Marks,
    uri: &axum::http::Uri,
    p: &PageParams,
) -> Result<Paged, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let marked = q::marked(&mut conn, viewer, marks, &p.page(20, 40)).await?;
    let ctx = Ctx::new(&app.config);
    let cursors = marked.first().zip(marked.last()).map(|(a, b)| (a.0, b.0));
    Ok(Paged::new(
        marked.iter().map(|(_, v)| status_to_api(v, &ctx)).collect(),
        &app.config.base_url(),
        uri,
        cursors,
    ))
}

async fn pin(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:accounts")?;
    let target = app.pin(me.id(), id(&raw)?, true).await?;
    Ok(Json(view(&app, Some(me.id()), target).await?))
}

async fn unpin(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:accounts")?;
    let target = app.pin(me.id(), id(&raw)?, false).await?;
    Ok(Json(view(&app, Some(me.id()), target).await?))
}

#[derive(Deserialize)]
struct ReblogParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    visibility: Option<String>,
}

async fn reblog(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<ReblogParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:statuses")?;
    let target = app.reblog(me.id(), id(&raw)?, true, p.visibility).await?;
    // Mastodon answers with the reblog, wrapping the original.
    let mut conn = app.db.pool.acquire().await?;
    let reblog_id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM statuses WHERE account_id = $1 AND reblog_of_id = $2")
            .bind(me.id())
            .bind(target)
            .fetch_optional(&mut *conn)
            .await?;
    drop(conn);
    Ok(Json(
        view(&app, Some(me.id()), reblog_id.unwrap_or(target)).await?,
    ))
}

async fn unreblog(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:statuses")?;
    let target = app.reblog(me.id(), id(&raw)?, false, None).await?;
    Ok(Json(view(&app, Some(me.id()), target).await?))
}

async fn favourited_by(
    State(app): State<App>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Path(raw): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    who(&app, &auth, &uri, &raw, &p, aq::StatusAction::Favourited).await
}

async fn reblogged_by(
    State(app): State<App>,
    auth: MaybeAuth,
    OriginalUri(uri): OriginalUri,
    Path(raw): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    who(&app, &auth, &uri, &raw, &p, aq::StatusAction::Reblogged).await
}

async fn who(
    app: &App,
    auth: &MaybeAuth,
    uri: &axum::http::Uri,
    raw: &str,
    p: &PageParams,
    action: aq::StatusAction,
) -> Result<Paged, Error> {
    let viewer = auth.viewer_id("read:accounts")?;
    let mut conn = app.db.pool.acquire().await?;
    let status = q::visible_row(&mut conn, viewer, id(raw)?)
        .await?
        .ok_or(Error::NotFound)?;
    let rows = aq::who(&mut conn, status.id, action, &p.page(40, 80)).await?;
    Ok(accounts_page(app, uri, rows))
}

#[derive(Deserialize)]
struct EditParams {
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    status: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    media_ids: Vec<String>,
    #[serde(default)]
    poll: Option<Value>,
}

async fn edit(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<EditParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:statuses")?;
    let status_id = id(&raw)?;
    if p.poll.as_ref().is_some_and(|v| !v.is_null()) {
        return Err(Error::Validation("Polls are not supported yet".into()));
    }
    let current = {
        let mut conn = app.db.pool.acquire().await?;
        q::visible(&mut conn, Some(me.id()), status_id)
            .await?
            .ok_or(Error::NotFound)?
    };
    // Clients send the attachments with every edit; only changing them is not built yet.
    if !p.media_ids.is_empty() {
        let mut asked = media_ids(&p.media_ids)?;
        let mut has: Vec<i64> = current.media.iter().map(|m| m.id).collect();
        asked.sort_unstable();
        has.sort_unstable();
        if asked != has {
            return Err(Error::Validation(
                "Changing the attachments of a posted status is not supported yet".into(),
            ));
        }
    }
    let current = current.row;
    let language = p
        .language
        .filter(|l| l.len() <= 16 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    app.edit_status(
        &me.account,
        status_id,
        StatusChange {
            text: p.status.unwrap_or(current.text),
            spoiler_text: p.spoiler_text.unwrap_or(current.spoiler_text),
            sensitive: p.sensitive.unwrap_or(current.sensitive != 0),
            language,
        },
    )
    .await?;
    view(&app, Some(me.id()), status_id).await.map(Json)
}

/// Every version of a status, oldest first; one entry when it was never edited.
async fn history(
    State(app): State<App>,
    auth: MaybeAuth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let viewer = auth.viewer_id("read:statuses")?;
    let status_id = id(&raw)?;
    let mut conn = app.db.pool.acquire().await?;
    let v = q::visible(&mut conn, viewer, status_id)
        .await?
        .ok_or(Error::NotFound)?;
    let ctx = Ctx::new(&app.config);
    let account = account_to_api(&v.account, &ctx);
    let versions = q::edits(&mut conn, status_id).await?;
    let entry = |created_at: i64, content: &str, spoiler: &str, sensitive: bool| {
        serde_json::json!({
            "content": content,
            "spoiler_text": spoiler,
            "sensitive": sensitive,
            "created_at": crate::time::iso(created_at),
            "account": account,
            "poll": null,
            "media_attachments": [],
            "emojis": [],
        })
    };
    let list: Vec<Value> = if versions.is_empty() {
        vec![entry(
            v.row.created_at,
            &v.row.content,
            &v.row.spoiler_text,
            v.row.sensitive != 0,
        )]
    } else {
        versions
            .iter()
            .map(|e| entry(e.edited_at, &e.content, &e.spoiler_text, e.sensitive != 0))
            .collect()
    };
    Ok(Json(Value::Array(list)))
}

/// The text as written, for editing; only the author's own statuses have one.
async fn source(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:statuses")?;
    let status_id = id(&raw)?;
    let mut conn = app.db.pool.acquire().await?;
    let row = q::visible_row(&mut conn, Some(me.id()), status_id)
        .await?
        .filter(|r| r.account_id == me.id())
        .ok_or(Error::NotFound)?;
    Ok(Json(serde_json::json!({
        "id": row.id.to_string(),
        "text": row.text,
        "spoiler_text": row.spoiler_text,
    })))
}
