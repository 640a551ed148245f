//! `GET /api/v2/search`: accounts, hashtags and statuses. With `resolve=true` (signed-in
//! users only, as Mastodon) a handle is looked up by WebFinger and a URL fetched from its
//! origin, so remote accounts and posts can be found and followed or answered.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_federation::handle::Handle;
use tessera_federation::vocab;

use crate::api::auth::MaybeAuth;
use crate::api::entities::{Ctx, account_to_api, status_to_api};
use crate::api::params::{Query, de};
use crate::app::App;
use crate::error::Error;
use crate::federate::{actors, fetch, pull};
use crate::queries::accounts as aq;
use crate::queries::statuses as sq;

pub fn router() -> Router<App> {
    Router::new().route("/api/v2/search", get(search))
}

#[derive(Deserialize)]
struct SearchParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    q: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "de::opt_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    resolve: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    limit: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    offset: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_string")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    max_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    min_id: Option<String>,
}

async fn search(
    State(app): State<App>,
    auth: MaybeAuth,
    Query(p): Query<SearchParams>,
) -> Result<Json<Value>, Error> {
    let viewer = auth.viewer_id("read:search")?;
    let q = p.q.unwrap_or_default().trim().to_string();
    if q.is_empty() {
        return Err(Error::BadRequest("Missing search query".into()));
    }
    let limit = p.limit.unwrap_or(20).clamp(1, 40);
    let offset = p.offset.unwrap_or(0).max(0);
    if offset > 0 && viewer.is_none() {
        return Err(Error::Forbidden(
            "Search queries pagination is not supported without authentication".into(),
        ));
    }
    let wants = |k: &str| p.kind.as_deref().is_none_or(|t| t == k);
    let resolve = p.resolve == Some(true) && viewer.is_some();
    let ctx = Ctx::new(&app.config);
    let mut accounts = Vec::new();
    let mut statuses = Vec::new();
    let mut hashtags = Vec::new();

    if q.starts_with("https://") || q.starts_with("http://") {
        let found = by_url(&app, &q, resolve).await?;
        let mut conn = app.db.pool.acquire().await?;
        match found {
            Some(Found::Account(id)) if wants("accounts") => {
                if let Some(a) = aq::by_id(&mut conn, id).await?.filter(|a| a.suspended == 0) {
                    accounts.push(account_to_api(&a, &ctx));
                }
            }
            Some(Found::Status(id)) if wants("statuses") => {
                if let Some(v) = sq::visible(&mut conn, viewer, id).await? {
                    statuses.push(status_to_api(&v, &ctx));
                }
            }
            _ => {}
        }
    } else {
        let handle = Handle::parse(&q).map(|h| h.local_to(&app.config.domain));
        if wants("accounts") {
            if let Some(h) = handle.as_ref().filter(|h| h.domain.is_some() && resolve)
                && let Ok(found) = actors::resolve_handle(&app, h).await
            {
                let mut conn = app.db.pool.acquire().await?;
                if let Some(a) = aq::by_id(&mut conn, found.id)
                    .await?
                    .filter(|a| a.suspended == 0)
                {
                    accounts.push(account_to_api(&a, &ctx));
                }
            }
            if accounts.is_empty() {
                let term = q.trim_start_matches('@');
                let (user, domain) = term.split_once('@').unwrap_or((term, ""));
                let rows: Vec<(i64,)> = sqlx::query_as(
                    "SELECT id FROM accounts WHERE suspended = 0 AND (username_lower LIKE $1 OR LOWER(display_name) LIKE $1) \
                     AND ($2 = '' OR domain LIKE $2) ORDER BY followers_count DESC, id LIMIT $3 OFFSET $4",
                )
                .bind(format!("{}%", escape_like(&user.to_lowercase())))
                .bind(if domain.is_empty() { String::new() } else { format!("{}%", escape_like(&domain.to_lowercase())) })
                .bind(limit)
                .bind(offset)
                .fetch_all(&app.db.pool)
                .await?;
                let ids: Vec<i64> = rows.into_iter().map(|(id,)| id).collect();
                let mut conn = app.db.pool.acquire().await?;
                let found = aq::by_ids(&mut conn, &ids).await?;
                accounts.extend(
                    ids.iter()
                        .filter_map(|id| found.get(id))
                        .map(|a| account_to_api(a, &ctx)),
                );
            }
        }
        // Full-text search of statuses is for signed-in users, as in Mastodon.
        if wants("statuses")
            && let Some(viewer) = viewer
        {
            let cursor = |v: &Option<String>| v.as_deref().and_then(crate::ids::parse);
            let mut conn = app.db.pool.acquire().await?;
            let found = crate::queries::search::statuses(
                &mut conn,
                app.db.kind,
                &crate::queries::search::StatusSearch {
                    viewer,
                    terms: &q,
                    account_id: p
                        .account_id
                        .as_deref()
                        .map(|v| crate::ids::parse(v).unwrap_or(-1)),
                    max_id: cursor(&p.max_id),
                    min_id: cursor(&p.min_id),
                    limit,
                    offset,
                },
            )
            .await?;
            statuses.extend(found.iter().map(|v| status_to_api(v, &ctx)));
        }
        if wants("hashtags") {
            let tag = q.trim_start_matches('#').to_lowercase();
            let rows: Vec<(String,)> = sqlx::query_as(
                "SELECT name FROM tags WHERE name LIKE $1 ORDER BY name LIMIT $2 OFFSET $3",
            )
            .bind(format!("{}%", escape_like(&tag)))
            .bind(limit)
            .bind(offset)
            .fetch_all(&app.db.pool)
            .await?;
            let base = app.config.base_url();
            hashtags.extend(rows.into_iter().map(|(name,)| {
                json!({ "name": name, "url": format!("{base}/tags/{name}"), "history": [] })
            }));
        }
    }
    Ok(Json(
        json!({ "accounts": accounts, "statuses": statuses, "hashtags": hashtags }),
    ))
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "").replace(['%', '_'], "")
}

enum Found {
    Account(i64),
    Status(i64),
}

/// An account or status known by its id or URL, or (with `resolve`) fetched from its origin.
async fn by_url(app: &App, url: &str, resolve: bool) -> Result<Option<Found>, Error> {
    let known: Option<(i64,)> =
        sqlx::query_as("SELECT id FROM accounts WHERE uri = $1 OR url = $1")
            .bind(url)
            .fetch_optional(&app.db.pool)
            .await?;
    if let Some((id,)) = known {
        return Ok(Some(Found::Account(id)));
    }
    let known: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM statuses WHERE (uri = $1 OR url = $1) AND reblog_of_id IS NULL",
    )
    .bind(url)
    .fetch_optional(&app.db.pool)
    .await?;
    if let Some((id,)) = known {
        return Ok(Some(Found::Status(id)));
    }
    if !resolve {
        return Ok(None);
    }
    let doc = match fetch::object(app, url).await {
        Ok(d) => d,
        Err(e) => {
            tracing::debug!(url, error = %e, "search could not resolve a URL");
            return Ok(None);
        }
    };
    let kind = vocab::type_of(&doc).unwrap_or_default();
    if vocab::ACTOR_TYPES.contains(&kind) {
        return Ok(actors::store(app, &doc)
            .await
            .ok()
            .map(|a| Found::Account(a.id)));
    }
    if vocab::NOTE_TYPES.contains(&kind) {
        let id = doc
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or(url)
            .to_string();
        return Ok(pull::object(app, &id).await.ok().map(Found::Status));
    }
    Ok(None)
}
