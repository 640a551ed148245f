//! What other servers read: WebFinger, host-meta, NodeInfo, and the ActivityPub documents
//! of local actors and statuses, with content negotiation (ActivityPub JSON for servers,
//! a web page for browsers). Inboxes arrive with federation's ingress queue.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, LOCATION, VARY};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;
use tessera_federation::documents::{self, ActorInput};
use tessera_federation::webfinger::{self, Resource};
use tessera_federation::{nodeinfo, wants_activity_json};

use super::params::{Query, de};
use crate::app::App;
use crate::error::Error;
use crate::federate::publish::{actor_document, note_document};
use crate::queries::accounts::{self as aq, AccountRow};
use crate::queries::statuses::{self as sq, StatusView};
use crate::queries::{Page, activitypub as q};
use crate::time::iso;
use crate::web::page::PageError;
use crate::web::profile::ProfileParams;
use crate::web::session::Visit;

pub fn router() -> Router<App> {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/host-meta", get(host_meta))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/{version}", get(nodeinfo))
        .route("/actor", get(instance_actor))
        .route("/users/{username}", get(actor))
        .route("/users/{username}/outbox", get(outbox))
        .route("/users/{username}/followers", get(followers))
        .route("/users/{username}/following", get(following))
        .route("/users/{username}/collections/featured", get(featured))
        .route("/users/{username}/collections/tags", get(featured_tags))
        .route("/users/{username}/statuses/{id}", get(status))
        .route("/{handle}", get(profile_page))
        .route("/{handle}/{id}", get(status_page))
}

/// ActivityPub JSON, varying on Accept so caches keep the HTML and JSON apart.
fn activity_json(body: Value) -> Response {
    (
        [
            (CONTENT_TYPE, "application/activity+json; charset=utf-8"),
            (VARY, "Accept"),
            (CACHE_CONTROL, "public, max-age=60"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// With `TESSERA_AUTHORIZED_FETCH`, ActivityPub documents (not web pages, not discovery,
/// not the instance actor) are served only to signed GETs from actors we can verify.
pub struct SignedFetch;

impl axum::extract::FromRequestParts<App> for SignedFetch {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &App,
    ) -> Result<Self, Self::Rejection> {
        if !app.config.authorized_fetch || !wants_json(&parts.headers) {
            return Ok(SignedFetch);
        }
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let from = match parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            Some(ConnectInfo(peer)) => super::ratelimit::client_key(*peer, &parts.headers),
            None => String::new(),
        };
        let verified =
            crate::federate::inbox::verify_fetch(app, &from, &parts.method, path, &parts.headers);
        match verified.await {
            Ok(_) => Ok(SignedFetch),
            Err(e) => Err(e.into_response()),
        }
    }
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(wants_activity_json)
}

fn redirect(to: &str) -> Response {
    (
        StatusCode::FOUND,
        [(LOCATION, to.to_string()), (VARY, "Accept".to_string())],
    )
        .into_response()
}

async fn local_account(app: &App, username: &str) -> Result<AccountRow, Error> {
    let mut conn = app.db.pool.acquire().await?;
    aq::local_by_username(&mut conn, username)
        .await?
        .filter(|a| a.suspended == 0)
        .ok_or(Error::NotFound)
}

#[derive(Deserialize)]
struct WebfingerParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    resource: Option<String>,
}

async fn webfinger(
    State(app): State<App>,
    Query(p): Query<WebfingerParams>,
) -> Result<Response, Error> {
    let raw = p
        .resource
        .ok_or_else(|| Error::BadRequest("resource is required".into()))?;
    let resource = Resource::parse(&raw)
        .ok_or_else(|| Error::BadRequest(format!("unrecognised resource: {raw}")))?;
    let base = app.config.base_url();
    let username = match resource {
        Resource::Acct(h)
            if h.domain
                .as_deref()
                .is_some_and(|d| app.config.is_own_host(d)) =>
        {
            h.username
        }
        Resource::Acct(_) => return Err(Error::NotFound),
        Resource::Url(u) => {
            let url = u.as_str().trim_end_matches('/');
            url.strip_prefix(&format!("{base}/users/"))
                .or_else(|| url.strip_prefix(&format!("{base}/@")))
                .filter(|rest| !rest.contains('/'))
                .map(str::to_string)
                .ok_or(Error::NotFound)?
        }
    };
    let account = local_account(&app, &username).await?;
    let jrd = webfinger::account(
        &account.username,
        &app.config.domain,
        &account.uri,
        &account.url,
        &base,
    );
    Ok((
        [
            (CONTENT_TYPE, "application/jrd+json; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        Json(jrd),
    )
        .into_response())
}

async fn host_meta(State(app): State<App>) -> Response {
    (
        [(CONTENT_TYPE, "application/xrd+xml; charset=utf-8")],
        webfinger::host_meta(&app.config.base_url()),
    )
        .into_response()
}

async fn nodeinfo_links(State(app): State<App>) -> Json<Value> {
    Json(nodeinfo::discovery(&app.config.base_url()))
}

async fn nodeinfo(State(app): State<App>, Path(version): Path<String>) -> Result<Response, Error> {
    if version != "2.0" && version != "2.1" {
        return Err(Error::NotFound);
    }
    let mut conn = app.db.pool.acquire().await?;
    let usage = q::usage(&mut conn).await?;
    let doc = nodeinfo::document(
        &version,
        env!("CARGO_PKG_VERSION"),
        "4.5.0",
        app.config.registrations != crate::config::Registrations::Closed,
        &usage,
        &app.config.instance_title,
    );
    let profile = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
    );
    Ok(([(CONTENT_TYPE, profile)], doc.to_string()).into_response())
}

async fn instance_actor(State(app): State<App>) -> Result<Response, Error> {
    let public_key_pem = crate::app::instance_actor::public_key(&app).await?;
    let base = app.config.base_url();
    let id = format!("{base}/actor");
    let about = format!("{base}/about");
    Ok(activity_json(documents::actor(&ActorInput {
        kind: "Application",
        id: &id,
        username: &app.config.domain,
        display_name: &app.config.instance_title,
        summary_html: "",
        url: &about,
        public_key_pem: &public_key_pem,
        manually_approves_followers: true,
        discoverable: false,
        published: &iso(0),
        fields: &[],
        shared_inbox: &format!("{base}/inbox"),
        icon: None,
        image: None,
    })))
}

async fn actor(
    State(app): State<App>,
    _signed: SignedFetch,
    headers: HeaderMap,
    Path(username): Path<String>,
) -> Result<Response, Error> {
    let account = local_account(&app, &username).await?;
    if !wants_json(&headers) {
        return Ok(redirect(&account.url));
    }
    let mut conn = app.db.pool.acquire().await?;
    let pem = q::public_key(&mut conn, account.id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(activity_json(actor_document(&app, &account, &pem)))
}

#[derive(Deserialize)]
struct CollectionParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    page: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    max_id: Option<i64>,
}

const COLLECTION_PAGE: i64 = 20;

fn next_link(id: &str, last_cursor: Option<i64>, full: bool) -> Option<String> {
    last_cursor
        .filter(|_| full)
        .map(|c| format!("{id}?page=true&max_id={c}"))
}

async fn outbox(
    State(app): State<App>,
    _signed: SignedFetch,
    Path(username): Path<String>,
    Query(p): Query<CollectionParams>,
) -> Result<Response, Error> {
    let account = local_account(&app, &username).await?;
    let id = format!("{}/outbox", account.uri);
    let mut conn = app.db.pool.acquire().await?;
    if p.page != Some(true) {
        let total = q::public_status_count(&mut conn, account.id).await?;
        return Ok(activity_json(documents::collection(
            &id,
            total,
            Some(&format!("{id}?page=true")),
        )));
    }
    let page = Page {
        max_id: p.max_id,
        limit: COLLECTION_PAGE,
        ..Page::default()
    };
    let filter = sq::AccountStatusesFilter {
        exclude_replies: false,
        exclude_reblogs: true,
        only_media: false,
        tagged: None,
    };
    let views = sq::of_account(&mut conn, None, account.id, &filter, &page).await?;
    let parent_ids: Vec<i64> = views.iter().filter_map(|v| v.row.in_reply_to_id).collect();
    let parents = q::parent_uris(&mut conn, &parent_ids).await?;
    let items: Vec<Value> = views
        .iter()
        .map(|v| documents::create(&note_document(&app, v, &parents)))
        .collect();
    let full = i64::try_from(items.len()).unwrap_or(0) == COLLECTION_PAGE;
    let page_id = match p.max_id {
        Some(m) => format!("{id}?page=true&max_id={m}"),
        None => format!("{id}?page=true"),
    };
    let next = next_link(&id, views.last().map(|v| v.row.id), full);
    Ok(activity_json(documents::collection_page(
        &page_id,
        &id,
        items,
        next.as_deref(),
    )))
}

async fn follow_collection(
    app: &App,
    username: &str,
    p: &CollectionParams,
    side: aq::FollowSide,
    name: &str,
) -> Result<Response, Error> {
    let account = local_account(app, username).await?;
    let id = format!("{}/{name}", account.uri);
    if p.page != Some(true) {
        let total = match side {
            aq::FollowSide::Followers => account.followers_count,
            aq::FollowSide::Following => account.following_count,
        };
        return Ok(activity_json(documents::collection(
            &id,
            total,
            Some(&format!("{id}?page=true")),
        )));
    }
    let mut conn = app.db.pool.acquire().await?;
    let page = Page {
        max_id: p.max_id,
        limit: COLLECTION_PAGE,
        ..Page::default()
    };
    let rows = aq::follow_list(&mut conn, account.id, side, &page).await?;
    let full = i64::try_from(rows.len()).unwrap_or(0) == COLLECTION_PAGE;
    let next = next_link(&id, rows.last().map(|r| r.cursor), full);
    let items = rows
        .iter()
        .map(|r| Value::String(r.item.uri.clone()))
        .collect();
    Ok(activity_json(documents::collection_page(
        &format!("{id}?page=true"),
        &id,
        items,
        next.as_deref(),
    )))
}

async fn followers(
    State(app): State<App>,
    _signed: SignedFetch,
    Path(username): Path<String>,
    Query(p): Query<CollectionParams>,
) -> Result<Response, Error> {
    follow_collection(&app, &username, &p, aq::FollowSide::Followers, "followers").await
}

async fn following(
    State(app): State<App>,
    _signed: SignedFetch,
    Path(username): Path<String>,
    Query(p): Query<CollectionParams>,
) -> Result<Response, Error> {
    follow_collection(&app, &username, &p, aq::FollowSide::Following, "following").await
}

/// The pinned posts anyone may see, as notes inline (most recently pinned first).
async fn featured(
    State(app): State<App>,
    _signed: SignedFetch,
    Path(username): Path<String>,
) -> Result<Response, Error> {
    let account = local_account(&app, &username).await?;
    let mut conn = app.db.pool.acquire().await?;
    let views = sq::pinned_of(&mut conn, None, account.id).await?;
    let parent_ids: Vec<i64> = views.iter().filter_map(|v| v.row.in_reply_to_id).collect();
    let parents = q::parent_uris(&mut conn, &parent_ids).await?;
    let items = views
        .iter()
        .map(|v| note_document(&app, v, &parents))
        .collect();
    Ok(activity_json(documents::collection_of(
        &format!("{}/collections/featured", account.uri),
        items,
    )))
}

/// The hashtags the account features on its profile, as `Hashtag` objects (Mastodon's).
async fn featured_tags(
    State(app): State<App>,
    _signed: SignedFetch,
    Path(username): Path<String>,
) -> Result<Response, Error> {
    let account = local_account(&app, &username).await?;
    let mut conn = app.db.pool.acquire().await?;
    let base = app.config.base_url();
    let items = crate::queries::tags::featured(&mut conn, account.id)
        .await?
        .iter()
        .map(|f| {
            serde_json::json!({
                "type": "Hashtag",
                "href": format!("{base}/tags/{}", f.tag),
                "name": format!("#{}", f.tag),
            })
        })
        .collect();
    Ok(activity_json(documents::collection_of(
        &format!("{}/collections/tags", account.uri),
        items,
    )))
}

/// A public or unlisted status of `username`, as anyone may see it.
/// With the ActivityPub id of the status it replies to, for `inReplyTo`.
async fn public_status(
    app: &App,
    username: &str,
    raw_id: &str,
) -> Result<(StatusView, HashMap<i64, String>), Error> {
    let account = local_account(app, username).await?;
    let id = super::id(raw_id)?;
    let mut conn = app.db.pool.acquire().await?;
    let view = sq::visible(&mut conn, None, id)
        .await?
        .filter(|v| v.row.account_id == account.id && v.row.reblog_of_id.is_none())
        .ok_or(Error::NotFound)?;
    let parent_ids: Vec<i64> = view.row.in_reply_to_id.into_iter().collect();
    let parents = q::parent_uris(&mut conn, &parent_ids).await?;
    Ok((view, parents))
}

async fn status(
    State(app): State<App>,
    _signed: SignedFetch,
    headers: HeaderMap,
    Path((username, id)): Path<(String, String)>,
) -> Result<Response, Error> {
    let (view, parents) = public_status(&app, &username, &id).await?;
    if !wants_json(&headers) {
        return Ok(redirect(view.row.url.as_deref().unwrap_or(&view.row.uri)));
    }
    Ok(activity_json(note_document(&app, &view, &parents)))
}

fn handle_username(handle: &str) -> Result<&str, Error> {
    handle
        .strip_prefix('@')
        .filter(|u| !u.is_empty() && !u.contains('@'))
        .ok_or(Error::NotFound)
}

/// `/@username`: the actor for servers, the profile page for browsers.
async fn profile_page(
    State(app): State<App>,
    _signed: SignedFetch,
    visit: Visit,
    headers: HeaderMap,
    Path(handle): Path<String>,
    Query(params): Query<ProfileParams>,
) -> Result<Response, Response> {
    let username = handle_username(&handle).map_err(IntoResponse::into_response)?;
    if let Some((username, kind)) = crate::web::feeds::Kind::split(username) {
        return crate::web::feeds::profile(&app, &headers, username, kind)
            .await
            .map_err(IntoResponse::into_response);
    }
    if wants_json(&headers) {
        let json = async {
            let account = local_account(&app, username).await?;
            let mut conn = app.db.pool.acquire().await?;
            let pem = q::public_key(&mut conn, account.id)
                .await?
                .ok_or(Error::NotFound)?;
            Ok::<_, Error>(activity_json(actor_document(&app, &account, &pem)))
        };
        return json.await.map_err(IntoResponse::into_response);
    }
    crate::web::profile::profile(&app, &visit, &headers, username, &params)
        .await
        .map_err(IntoResponse::into_response)
}

/// `/@username/:id`: the note for servers, the permalink page for browsers.
async fn status_page(
    State(app): State<App>,
    _signed: SignedFetch,
    visit: Visit,
    headers: HeaderMap,
    Path((handle, id)): Path<(String, String)>,
) -> Result<Response, Response> {
    let username = handle_username(&handle).map_err(IntoResponse::into_response)?;
    if wants_json(&headers) {
        let json = async {
            let (view, parents) = public_status(&app, username, &id).await?;
            Ok::<_, Error>(activity_json(note_document(&app, &view, &parents)))
        };
        return json.await.map_err(IntoResponse::into_response);
    }
    let id = super::id(&id).map_err(|e| PageError(e).into_response())?;
    crate::web::profile::status(&app, &visit, &headers, username, id)
        .await
        .map_err(IntoResponse::into_response)
}
