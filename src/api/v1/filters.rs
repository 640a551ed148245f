//! Filters: `/api/v2/filters` (with keywords and statuses, and their own routes) and the
//! older `/api/v1/filters`, where each keyword is a filter of its own.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::auth::Auth;
use crate::api::entities::filter_to_api;
use crate::api::id;
use crate::api::params::{Params, de};
use crate::app::App;
use crate::app::filters::saved;
use crate::error::Error;
use crate::events::{FilterKeyword, FilterSaved, FilterStatus};
use crate::queries::filters::{self as q, FilterRow};
use crate::{ids, time};

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v2/filters", get(index).post(create))
        .route("/api/v2/filters/{id}", get(show).put(update).delete(delete))
        .route(
            "/api/v2/filters/{id}/keywords",
            get(keywords).post(add_keyword),
        )
        .route(
            "/api/v2/filters/keywords/{id}",
            get(keyword).put(update_keyword).delete(delete_keyword),
        )
        .route(
            "/api/v2/filters/{id}/statuses",
            get(statuses).post(add_status),
        )
        .route(
            "/api/v2/filters/statuses/{id}",
            get(status).delete(delete_status),
        )
        .route("/api/v1/filters", get(v1_index).post(v1_create))
        .route(
            "/api/v1/filters/{id}",
            get(v1_show).put(v1_update).delete(v1_delete),
        )
}

#[derive(Deserialize)]
struct KeywordParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    keyword: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    whole_word: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    _destroy: Option<bool>,
}

#[derive(Deserialize)]
struct FilterParams {
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    title: Option<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    context: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    filter_action: Option<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    expires_in: Option<i64>,
    #[serde(default)]
    keywords_attributes: Option<Value>,
}

fn expires(expires_in: Option<i64>) -> Result<Option<i64>, Error> {
    match expires_in {
        None => Ok(None),
        Some(s) if s > 0 && s <= 10 * 365 * 86_400 => Ok(Some(time::now_ms() + s * 1000)),
        Some(_) => Err(Error::Validation(
            "expires_in must be a number of seconds in the future".into(),
        )),
    }
}

/// `keywords_attributes[]` as forms and JSON send it: a list, or an object keyed by index.
fn keyword_changes(raw: Option<Value>) -> Result<Vec<KeywordParams>, Error> {
    let items: Vec<Value> = match raw {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(Value::Object(map)) => map.into_iter().map(|(_, v)| v).collect(),
        Some(_) => {
            return Err(Error::Validation(
                "keywords_attributes must be a list".into(),
            ));
        }
    };
    items
        .into_iter()
        .map(|v| {
            serde_json::from_value(v)
                .map_err(|e| Error::Validation(format!("keywords_attributes: {e}")))
        })
        .collect()
}

/// Apply keyword additions, changes and removals (`_destroy`) to `keywords`.
fn apply_keywords(
    keywords: &mut Vec<FilterKeyword>,
    changes: Vec<KeywordParams>,
) -> Result<(), Error> {
    for c in changes {
        match c.id.as_deref().map(id).transpose()? {
            Some(kid) => {
                let Some(i) = keywords.iter().position(|k| k.id == kid) else {
                    return Err(Error::NotFound);
                };
                if c._destroy == Some(true) {
                    keywords.remove(i);
                } else {
                    if let Some(w) = c.keyword {
                        keywords[i].keyword = w;
                    }
                    if let Some(w) = c.whole_word {
                        keywords[i].whole_word = w;
                    }
                }
            }
            None if c._destroy != Some(true) => keywords.push(FilterKeyword {
                id: ids::next_id(),
                keyword: c
                    .keyword
                    .ok_or_else(|| Error::Validation("Keyword can't be blank".into()))?,
                whole_word: c.whole_word.unwrap_or(true),
            }),
            None => {}
        }
    }
    Ok(())
}

async fn index(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    let me = auth.require("read:filters")?;
    let mut conn = app.db.pool.acquire().await?;
    let filters = q::of_account(&mut conn, me.id()).await?;
    Ok(Json(filters.iter().map(filter_to_api).collect()))
}

async fn create(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<FilterParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:filters")?;
    let mut keywords = Vec::new();
    apply_keywords(&mut keywords, keyword_changes(p.keywords_attributes)?)?;
    let f = FilterSaved {
        filter_id: ids::next_id(),
        account_id: me.id(),
        title: p.title.unwrap_or_default(),
        context: p.context,
        action: p.filter_action.unwrap_or_else(|| "warn".into()),
        expires_at: expires(p.expires_in)?,
        keywords,
        statuses: Vec::new(),
    };
    Ok(Json(filter_to_api(&app.save_filter(f, true).await?)))
}

async fn show(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:filters")?;
    Ok(Json(filter_to_api(
        &app.own_filter(me.id(), id(&raw)?).await?,
    )))
}

async fn update(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<FilterParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:filters")?;
    let current = app.own_filter(me.id(), id(&raw)?).await?;
    let mut f = saved(&current);
    if let Some(t) = p.title {
        f.title = t;
    }
    if !p.context.is_empty() {
        f.context = p.context;
    }
    if let Some(a) = p.filter_action {
        f.action = a;
    }
    if p.expires_in.is_some() {
        f.expires_at = expires(p.expires_in)?;
    }
    apply_keywords(&mut f.keywords, keyword_changes(p.keywords_attributes)?)?;
    Ok(Json(filter_to_api(&app.save_filter(f, false).await?)))
}

async fn delete(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:filters")?;
    app.delete_filter(me.id(), id(&raw)?).await?;
    Ok(Json(json!({})))
}

fn keyword_to_api(k: &FilterKeyword) -> Value {
    json!({ "id": k.id.to_string(), "keyword": k.keyword, "whole_word": k.whole_word })
}

fn status_to_api(s: &FilterStatus) -> Value {
    json!({ "id": s.id.to_string(), "status_id": s.status_id.to_string() })
}

async fn keywords(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:filters")?;
    let f = app.own_filter(me.id(), id(&raw)?).await?;
    Ok(Json(f.keywords.iter().map(keyword_to_api).collect()))
}

async fn add_keyword(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<KeywordParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:filters")?;
    let mut f = saved(&app.own_filter(me.id(), id(&raw)?).await?);
    let before = f.keywords.len();
    apply_keywords(
        &mut f.keywords,
        vec![KeywordParams {
            id: None,
            _destroy: None,
            ..p
        }],
    )?;
    let added = f.keywords.get(before).cloned().ok_or(Error::NotFound)?;
    app.save_filter(f, false).await?;
    Ok(Json(keyword_to_api(&added)))
}

fn find_keyword(f: &FilterRow, kid: i64) -> Result<FilterKeyword, Error> {
    f.keywords
        .iter()
        .find(|k| k.id == kid)
        .cloned()
        .ok_or(Error::NotFound)
}

async fn keyword(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:filters")?;
    let kid = id(&raw)?;
    let f = app.filter_holding(me.id(), kid).await?;
    Ok(Json(keyword_to_api(&find_keyword(&f, kid)?)))
}

async fn update_keyword(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<KeywordParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:filters")?;
    let kid = id(&raw)?;
    let mut f = saved(&app.filter_holding(me.id(), kid).await?);
    apply_keywords(
        &mut f.keywords,
        vec![KeywordParams {
            id: Some(kid.to_string()),
            _destroy: None,
            ..p
        }],
    )?;
    let row = app.save_filter(f, false).await?;
    Ok(Json(keyword_to_api(&find_keyword(&row, kid)?)))
}

async fn delete_keyword(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:filters")?;
    let kid = id(&raw)?;
    let mut f = saved(&app.filter_holding(me.id(), kid).await?);
    f.keywords.retain(|k| k.id != kid);
    app.save_filter(f, false).await?;
    Ok(Json(json!({})))
}

async fn statuses(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:filters")?;
    let f = app.own_filter(me.id(), id(&raw)?).await?;
    Ok(Json(f.statuses.iter().map(status_to_api).collect()))
}

#[derive(Deserialize)]
struct StatusParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    status_id: Option<String>,
}

async fn add_status(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<StatusParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:filters")?;
    let status_id = id(p.status_id.as_deref().unwrap_or_default())?;
    {
        let mut conn = app.db.pool.acquire().await?;
        crate::queries::statuses::visible_row(&mut conn, Some(me.id()), status_id)
            .await?
            .ok_or(Error::NotFound)?;
    }
    let mut f = saved(&app.own_filter(me.id(), id(&raw)?).await?);
    if let Some(existing) = f.statuses.iter().find(|s| s.status_id == status_id) {
        return Ok(Json(status_to_api(existing)));
    }
    let entry = FilterStatus {
        id: ids::next_id(),
        status_id,
    };
    f.statuses.push(entry.clone());
    app.save_filter(f, false).await?;
    Ok(Json(status_to_api(&entry)))
}

async fn status(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:filters")?;
    let sid = id(&raw)?;
    let f = app.filter_holding(me.id(), sid).await?;
    let entry = f
        .statuses
        .iter()
        .find(|s| s.id == sid)
        .ok_or(Error::NotFound)?;
    Ok(Json(status_to_api(entry)))
}

async fn delete_status(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:filters")?;
    let sid = id(&raw)?;
    let mut f = saved(&app.filter_holding(me.id(), sid).await?);
    f.statuses.retain(|s| s.id != sid);
    app.save_filter(f, false).await?;
    Ok(Json(json!({})))
}

/// A v1 filter: one keyword of a v2 filter, with its filter's context and expiry.
fn v1_to_api(f: &FilterRow, k: &FilterKeyword) -> Value {
    json!({
        "id": k.id.to_string(),
        "phrase": k.keyword,
        "context": f.context,
        "whole_word": k.whole_word,
        "expires_at": f.expires_at.map(crate::time::iso),
        "irreversible": f.action == "hide",
    })
}

async fn v1_index(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    let me = auth.require("read:filters")?;
    let mut conn = app.db.pool.acquire().await?;
    let filters = q::of_account(&mut conn, me.id()).await?;
    Ok(Json(
        filters
            .iter()
            .flat_map(|f| f.keywords.iter().map(move |k| v1_to_api(f, k)))
            .collect(),
    ))
}

#[derive(Deserialize)]
struct V1Params {
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    phrase: Option<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    context: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    irreversible: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    whole_word: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    expires_in: Option<i64>,
}

/// As Mastodon: a v1 filter is a v2 filter titled by its phrase, with that one keyword.
async fn v1_create(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<V1Params>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:filters")?;
    let phrase = p.phrase.unwrap_or_default();
    let keyword = FilterKeyword {
        id: ids::next_id(),
        keyword: phrase.clone(),
        whole_word: p.whole_word.unwrap_or(true),
    };
    let f = FilterSaved {
        filter_id: ids::next_id(),
        account_id: me.id(),
        title: phrase,
        context: p.context,
        action: if p.irreversible == Some(true) {
            "hide".into()
        } else {
            "warn".into()
        },
        expires_at: expires(p.expires_in)?,
        keywords: vec![keyword.clone()],
        statuses: Vec::new(),
    };
    let row = app.save_filter(f, true).await?;
    Ok(Json(v1_to_api(&row, &keyword)))
}

async fn v1_show(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:filters")?;
    let kid = id(&raw)?;
    let f = app.filter_holding(me.id(), kid).await?;
    Ok(Json(v1_to_api(&f, &find_keyword(&f, kid)?)))
}

/// Changes the keyword and, as Mastodon does, the context, action and expiry of the filter
/// holding it; what is not sent stays.
async fn v1_update(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<V1Params>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:filters")?;
    let kid = id(&raw)?;
    let row = app.filter_holding(me.id(), kid).await?;
    let mut f = saved(&row);
    let alone = f.keywords.len() == 1;
    for k in f.keywords.iter_mut().filter(|k| k.id == kid) {
        if let Some(phrase) = &p.phrase {
            k.keyword = phrase.clone();
        }
        if let Some(whole_word) = p.whole_word {
            k.whole_word = whole_word;
        }
    }
    if let Some(phrase) = p.phrase.filter(|_| alone) {
        f.title = phrase;
    }
    if !p.context.is_empty() {
        f.context = p.context;
    }
    if let Some(irreversible) = p.irreversible {
        f.action = if irreversible { "hide" } else { "warn" }.into();
    }
    if p.expires_in.is_some() {
        f.expires_at = expires(p.expires_in)?;
    }
    let row = app.save_filter(f, false).await?;
    Ok(Json(v1_to_api(&row, &find_keyword(&row, kid)?)))
}

/// Removes the keyword, and its filter when it was the last of it.
async fn v1_delete(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:filters")?;
    let kid = id(&raw)?;
    let row = app.filter_holding(me.id(), kid).await?;
    let mut f = saved(&row);
    f.keywords.retain(|k| k.id != kid);
    if f.keywords.is_empty() && f.statuses.is_empty() {
        app.delete_filter(me.id(), row.id).await?;
    } else {
        app.save_filter(f, false).await?;
    }
    Ok(Json(json!({})))
}
