//! RSS 2.0 and Atom feeds of a profile's public posts (`/@username.rss`, `/@username.atom`)
//! and RSS of a hashtag's (`/tags/:name.rss`): the newest 20, without replies or boosts.

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::page::{self, PageError};
use crate::app::App;
use crate::error::Error;
use crate::queries::Page;
use crate::queries::accounts as aq;
use crate::queries::statuses::{self as sq, AccountStatusesFilter, PublicFilter, StatusView};
use crate::time::iso;

const ITEMS: i64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Rss,
    Atom,
}

impl Kind {
    /// `alice.rss` → (`alice`, RSS); a name without a feed suffix is not a feed.
    pub fn split(name: &str) -> Option<(&str, Kind)> {
        if let Some(n) = name.strip_suffix(".rss") {
            Some((n, Kind::Rss))
        } else {
            name.strip_suffix(".atom").map(|n| (n, Kind::Atom))
        }
    }
}

fn rfc2822(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc2822())
        .unwrap_or_default()
}

fn mime_of(url: &str) -> &'static str {
    match url
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        _ => "image/png",
    }
}

fn item(app: &App, v: &StatusView) -> Value {
    let status = super::status_value(app, v);
    let media: Vec<Value> = status["media_attachments"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|a| {
                    let url = a["url"].as_str().unwrap_or_default();
                    json!({"url": url, "type": mime_of(url), "description": a["description"]})
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "uri": v.row.uri,
        "url": status["web_url"],
        "title": status["title"],
        "content": v.row.content,
        "published": iso(v.row.created_at),
        "published_rfc2822": rfc2822(v.row.created_at),
        "updated": iso(v.row.edited_at.unwrap_or(v.row.created_at)),
        "author": if v.account.display_name.is_empty() { v.account.username.clone() } else { v.account.display_name.clone() },
        "author_url": v.account.url,
        "media": media,
        "tags": v.tags.iter().map(|t| t.to_lowercase()).collect::<Vec<_>>(),
    })
}

struct Channel {
    title: String,
    description: String,
    link: String,
    self_url: String,
    image: Option<String>,
}

fn answer(
    app: &App,
    headers: &HeaderMap,
    kind: Kind,
    channel: Channel,
    views: &[StatusView],
) -> Response {
    let newest = views
        .iter()
        .map(|v| v.row.edited_at.unwrap_or(v.row.created_at))
        .max()
        .unwrap_or(0);
    let items: Vec<Value> = views.iter().map(|v| item(app, v)).collect();
    let ctx = minijinja::context! {
        title => channel.title,
        description => channel.description,
        link => channel.link,
        self_url => channel.self_url,
        image => channel.image,
        updated => iso(newest),
        updated_rfc2822 => rfc2822(newest),
        items => items,
    };
    let (template, content_type) = match kind {
        Kind::Rss => ("rss.xml", "application/rss+xml; charset=utf-8"),
        Kind::Atom => ("atom.xml", "application/atom+xml; charset=utf-8"),
    };
    let body = crate::server::pages::render(template, ctx);
    page::cacheable(headers, body, Some(newest), content_type)
}

pub async fn profile(
    app: &App,
    headers: &HeaderMap,
    username: &str,
    kind: Kind,
) -> Result<Response, PageError> {
    let mut conn = app.db.pool.acquire().await?;
    let account = aq::local_by_username(&mut conn, username)
        .await?
        .filter(|a| a.suspended == 0)
        .ok_or(Error::NotFound)?;
    let filter = AccountStatusesFilter {
        exclude_replies: true,
        exclude_reblogs: true,
        only_media: false,
        tagged: None,
    };
    let page = Page {
        limit: ITEMS * 2,
        ..Page::default()
    };
    let views = sq::of_account(&mut conn, None, account.id, &filter, &page).await?;
    drop(conn);
    // Unlisted posts stay out of feeds, as out of public timelines.
    let views: Vec<StatusView> = views
        .into_iter()
        .filter(|v| v.row.visibility == "public")
        .take(ITEMS as usize)
        .collect();
    let api = crate::api::entities::account_to_api(
        &account,
        &crate::api::entities::Ctx::new(&app.config),
    );
    let name = if account.display_name.is_empty() {
        account.username.clone()
    } else {
        account.display_name.clone()
    };
    let suffix = match kind {
        Kind::Rss => "rss",
        Kind::Atom => "atom",
    };
    let channel = Channel {
        title: format!("{name} (@{}@{})", account.username, app.config.domain),
        description: format!(
            "Public posts from @{}@{}",
            account.username, app.config.domain
        ),
        self_url: format!("{}.{suffix}", account.url),
        link: account.url.clone(),
        image: api["avatar"].as_str().map(str::to_string),
    };
    Ok(answer(app, headers, kind, channel, &views))
}

pub async fn tag(app: &App, headers: &HeaderMap, name: &str) -> Result<Response, PageError> {
    let filter = PublicFilter {
        local: false,
        remote: false,
        only_media: false,
        tag: Some(name.to_string()),
    };
    let page = Page {
        limit: ITEMS,
        ..Page::default()
    };
    let mut conn = app.db.pool.acquire().await?;
    let views = sq::public(&mut conn, None, &filter, &page).await?;
    drop(conn);
    let base = app.config.base_url();
    let channel = Channel {
        title: format!("#{name}"),
        description: format!("Public posts with #{name} on {}", app.config.domain),
        link: format!("{base}/tags/{name}"),
        self_url: format!("{base}/tags/{name}.rss"),
        image: None,
    };
    Ok(answer(app, headers, Kind::Rss, channel, &views))
}
