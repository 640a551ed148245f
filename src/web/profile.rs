//! Public pages of a local account: its profile (showcase, posts, posts and replies,
//! media) and a post's permalink; and the two halves of following from another server
//! (sending a visitor to their own server, and answering a visitor sent here).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use tessera_federation::handle::Handle;

use super::page::{self, PageError};
use super::session::{SignedIn, Visit};
use crate::api::params::Query;
use crate::app::App;
use crate::error::Error;
use crate::queries::accounts as aq;
use crate::queries::statuses::{self as sq, AccountStatusesFilter, StatusView};

pub fn router() -> Router<App> {
    Router::new()
        .route("/users/{username}/remote_follow", get(remote_follow))
        .route("/authorize_interaction", get(authorize_interaction))
}

#[derive(Deserialize, Default)]
pub struct ProfileParams {
    #[serde(default)]
    tab: Option<String>,
    #[serde(default)]
    max_id: Option<String>,
}

const TABS: [(&str, &str); 4] = [
    ("showcase", "Showcase"),
    ("posts", "Posts"),
    ("replies", "Posts & replies"),
    ("media", "Media"),
];

/// `/@username` for a browser.
pub async fn profile(
    app: &App,
    visit: &Visit,
    headers: &HeaderMap,
    username: &str,
    params: &ProfileParams,
) -> Result<Response, PageError> {
    let mut conn = app.db.pool.acquire().await?;
    let account = aq::local_by_username(&mut conn, username)
        .await?
        .ok_or(Error::NotFound)?;
    if account.suspended != 0 {
        drop(conn);
        let html = super::render(
            app,
            visit,
            "profile.html",
            minijinja::context! {
                suspended => true,
                deleted => crate::projections::moderation::is_deleted(account.suspended),
                account => super::account_value(app, &account),
            },
        );
        return Ok(page::private(visit, StatusCode::GONE, html));
    }
    let viewer = visit.me_id();
    let asked = params
        .tab
        .as_deref()
        .filter(|t| TABS.iter().any(|(name, _)| name == t));
    // The showcase is read only for its tab, which is the default when it has posts.
    let showcase = match asked {
        None | Some("showcase") => sq::pinned_of(&mut conn, viewer, account.id).await?,
        Some(_) => Vec::new(),
    };
    let tab = match asked {
        Some(t) => t,
        None if showcase.is_empty() => "posts",
        None => "showcase",
    };
    let headline = aq::headline(&mut conn, account.id).await?;
    let mut posts = Vec::new();
    let mut next_page = None;
    if tab != "showcase" {
        let filter = AccountStatusesFilter {
            exclude_replies: tab != "replies",
            exclude_reblogs: tab == "media",
            only_media: tab == "media",
            tagged: None,
        };
        let page = super::page_before(params.max_id.as_deref());
        let views = sq::of_account(&mut conn, viewer, account.id, &filter, &page).await?;
        next_page = super::next_page(
            views.len(),
            views.last().map(|v| v.row.id),
            &format!("{}?tab={tab}", account.url),
        );
        posts = views.iter().map(|v| super::status_value(app, v)).collect();
    }
    let (following, requested) = match viewer {
        Some(me) if me != account.id => {
            let r = aq::relationships(&mut conn, me, &[account.id]).await?;
            r.first()
                .map_or((false, false), |r| (r.following, r.requested))
        }
        _ => (false, false),
    };
    drop(conn);
    let tabs: Vec<Value> = TABS
        .iter()
        .map(|(name, label)| {
            json!({
                "href": if *name == "showcase" { account.url.clone() } else { format!("{}?tab={name}", account.url) },
                "label": label,
                "current": *name == tab,
            })
        })
        .collect();
    let tab_label = TABS.iter().find(|(n, _)| *n == tab).map_or("", |(_, l)| *l);
    let api = super::account_value(app, &account);
    let description = if headline.is_empty() {
        super::first_line(&account.note_html, 200)
    } else {
        headline.clone()
    };
    let html = super::render(
        app,
        visit,
        "profile.html",
        minijinja::context! {
            account => api,
            actor => account.uri,
            headline => headline,
            description => description,
            showcase => showcase.iter().map(|v| super::status_value(app, v)).collect::<Vec<_>>(),
            posts => posts,
            next_page => next_page,
            tab => tab,
            tab_label => tab_label,
            tabs => tabs,
            following => following,
            requested => requested,
        },
    );
    let updated = account.last_status_at.unwrap_or(account.created_at);
    Ok(with_alternate(
        page::public(visit, headers, html, Some(updated)),
        &account.uri,
    ))
}

/// `/@username/:id` for a browser: the post in its thread, as far as the visitor may see.
pub async fn status(
    app: &App,
    visit: &Visit,
    headers: &HeaderMap,
    username: &str,
    id: i64,
) -> Result<Response, PageError> {
    let viewer = visit.me_id();
    let mut conn = app.db.pool.acquire().await?;
    let author = aq::local_by_username(&mut conn, username)
        .await?
        .filter(|a| a.suspended == 0)
        .ok_or(Error::NotFound)?;
    let view: StatusView = sq::visible(&mut conn, viewer, id)
        .await?
        .filter(|v| v.row.account_id == author.id && v.row.reblog_of_id.is_none())
        .ok_or(Error::NotFound)?;
    let (ancestors, descendants) = sq::context(&mut conn, viewer, &view.row).await?;
    drop(conn);
    let value = super::status_value(app, &view);
    let image = value["media_attachments"]
        .as_array()
        .and_then(|m| m.first())
        .map(|m| json!({"url": m["url"], "description": m["description"]}));
    let summary = super::cut(
        crate::domain::text::html_to_text(&view.row.content)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .as_str(),
        200,
    );
    let summary = match view.row.spoiler_text.as_str() {
        "" => summary,
        cw => format!("Content warning: {cw}"),
    };
    let mut status = value;
    status["account"] = super::account_value(app, &view.account);
    let html = super::render(
        app,
        visit,
        "status.html",
        minijinja::context! {
            status => status,
            author_name => if author.display_name.is_empty() { author.username.clone() } else { author.display_name.clone() },
            summary => summary,
            image => image,
            note_uri => view.row.uri,
            ancestors => ancestors.iter().map(|v| super::status_value(app, v)).collect::<Vec<_>>(),
            descendants => descendants.iter().map(|v| super::status_value(app, v)).collect::<Vec<_>>(),
        },
    );
    let updated = view.row.edited_at.unwrap_or(view.row.created_at);
    Ok(with_alternate(
        page::public(visit, headers, html, Some(updated)),
        &view.row.uri,
    ))
}

/// `Link: <uri>; rel="alternate"; type="application/activity+json"`, as Mastodon sends,
/// so a fetcher given the page finds the ActivityPub document without parsing HTML.
fn with_alternate(mut response: Response, uri: &str) -> Response {
    let link = format!("<{uri}>; rel=\"alternate\"; type=\"application/activity+json\"");
    if let Ok(v) = axum::http::HeaderValue::from_str(&link) {
        response.headers_mut().append(axum::http::header::LINK, v);
    }
    response
}

#[derive(Deserialize, Default)]
struct RemoteFollowParams {
    #[serde(default)]
    acct: String,
}

/// The profile's follow form for visitors: look the visitor's handle up on their server,
/// and send them to its page for following (Mastodon's `authorize_interaction`).
async fn remote_follow(
    State(app): State<App>,
    Path(username): Path<String>,
    Query(p): Query<RemoteFollowParams>,
) -> Result<Response, PageError> {
    let mut conn = app.db.pool.acquire().await?;
    let account = aq::local_by_username(&mut conn, &username)
        .await?
        .filter(|a| a.suspended == 0)
        .ok_or(Error::NotFound)?;
    drop(conn);
    let handle = Handle::parse(p.acct.trim().trim_start_matches('@'))
        .filter(|h| h.domain.is_some())
        .ok_or_else(|| {
            Error::Validation("Enter your full handle, such as @you@example.social".into())
        })?;
    let domain = handle.domain.clone().unwrap_or_default();
    let template = subscribe_template(&app, &handle, &domain)
        .await
        .unwrap_or_else(|| format!("https://{domain}/authorize_interaction?uri={{uri}}"));
    let uri: String = url::form_urlencoded::byte_serialize(account.uri.as_bytes()).collect();
    let to = template.replace("{uri}", &uri);
    if !(to.starts_with("https://") || to.starts_with("http://")) {
        return Err(
            Error::Validation("That server did not give a page to follow from".into()).into(),
        );
    }
    Ok(page::see_other(&to, None))
}

/// The visitor's server's "subscribe" link template, from WebFinger.
async fn subscribe_template(app: &App, handle: &Handle, domain: &str) -> Option<String> {
    let jrd = crate::federate::actors::webfinger(app, handle, domain)
        .await
        .ok()?;
    jrd.links
        .into_iter()
        .find(|l| l.rel == "http://ostatus.org/schema/1.0/subscribe")
        .and_then(|l| l.template)
}

#[derive(Deserialize, Default)]
struct InteractionParams {
    #[serde(default)]
    uri: String,
}

/// Sent here from another server to follow someone: a local account's page, or a
/// remote account fetched and offered to follow.
async fn authorize_interaction(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    Query(p): Query<InteractionParams>,
) -> Result<Response, PageError> {
    let uri = p.uri.trim().trim_start_matches("acct:");
    if let Some(local) = crate::federate::actors::local_by_uri(&app, uri)
        .await
        .map_err(|e| Error::internal(e.to_string()))?
    {
        let url = format!("{}/@{}", app.config.base_url(), local.username);
        return Ok(page::see_other(&url, None));
    }
    let actor = if let Some(handle) =
        Handle::parse(uri).filter(|h| h.domain.is_some() && !uri.contains('/'))
    {
        crate::federate::actors::resolve_handle(&app, &handle).await
    } else {
        crate::federate::actors::resolve(&app, uri).await
    }
    .map_err(|_| Error::Validation(format!("{uri} could not be found")))?;
    let mut conn = app.db.pool.acquire().await?;
    let account = aq::by_id(&mut conn, actor.id)
        .await?
        .ok_or(Error::NotFound)?;
    let following = aq::relationships(&mut conn, me.id, &[account.id])
        .await?
        .first()
        .is_some_and(|r| r.following || r.requested);
    drop(conn);
    let html = super::render(
        &app,
        &visit,
        "interaction.html",
        minijinja::context! { account => super::account_value(&app, &account), following => following },
    );
    Ok(page::private(&visit, StatusCode::OK, html))
}
