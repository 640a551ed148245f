//! The web: server-rendered pages for people in browsers. Profiles with their showcase and
//! permalinks are answered beside the ActivityPub documents (`api::activitypub`, by
//! content negotiation); the rest are here: signing up and in, settings, and a small
//! client. Every page works without JavaScript; every form carries the session's CSRF token.

pub mod apps;
pub mod assets;
pub mod auth;
pub mod client;
pub mod data;
pub mod feeds;
pub mod form;
pub mod moderation;
pub mod page;
pub mod profile;
pub mod public;
pub mod session;
pub mod settings;

use axum::Router;
use minijinja::Value;
use serde_json::json;

use crate::api::entities::{Ctx, account_to_api, status_to_api};
use crate::app::App;
use crate::queries::Page;
use crate::queries::accounts::AccountRow;
use crate::queries::statuses::StatusView;
use session::Visit;

pub fn router() -> Router<App> {
    Router::new()
        .merge(assets::router())
        .merge(auth::router())
        .merge(settings::router())
        .merge(client::router())
        .merge(profile::router())
        .merge(public::router())
        .merge(apps::router())
        .merge(data::router())
        .merge(moderation::router())
}

/// Render a page with what every page shows: the site, who is signed in, the form token.
pub fn render(app: &App, visit: &Visit, name: &str, ctx: Value) -> String {
    let me = visit.me.as_ref().map(|a| {
        minijinja::context! {
            id => a.id.to_string(),
            username => a.username,
            display_name => a.display_name,
            staff => visit.staff,
        }
    });
    let base = minijinja::context! {
        site => minijinja::context! {
            title => app.config.instance_title,
            domain => app.config.domain,
            asset_version => assets::VERSION.as_str(),
        },
        me => me,
        csrf => visit.csrf(),
    };
    crate::server::pages::render(name, minijinja::value::merge_maps([ctx, base]))
}

/// Posts (or notifications) on one page of a list.
pub const PAGE_SIZE: i64 = 20;

/// One page of a list, older than `max_id` when the link asked for that.
pub fn page_before(max_id: Option<&str>) -> Page {
    Page {
        max_id: max_id.and_then(|v| v.parse().ok()),
        limit: PAGE_SIZE,
        ..Page::default()
    }
}

/// The "older" link of a full page: `path` (which may have a query already) and the last
/// id shown.
pub fn next_page(shown: usize, last_id: Option<i64>, path: &str) -> Option<String> {
    let sep = if path.contains('?') { '&' } else { '?' };
    (shown as i64 == PAGE_SIZE)
        .then_some(last_id)
        .flatten()
        .map(|id| format!("{path}{sep}max_id={id}"))
}

/// An account as the templates show it: the API entity, with the full handle for ours.
pub fn account_value(app: &App, a: &AccountRow) -> serde_json::Value {
    let mut v = account_to_api(a, &Ctx::new(&app.config));
    if a.domain.is_none() {
        v["acct"] = json!(format!("{}@{}", a.username, app.config.domain));
    }
    v
}

/// A status as the templates use it: the API entity, plus its page address, a one-line
/// title and a visibility label.
pub fn status_value(app: &App, view: &StatusView) -> serde_json::Value {
    let ctx = Ctx::new(&app.config);
    let mut v = status_to_api(view, &ctx);
    decorate(&mut v);
    if let Some(inner) = v.get_mut("reblog").filter(|r| !r.is_null()) {
        decorate(inner);
    }
    v
}

fn decorate(v: &mut serde_json::Value) {
    let url = v["url"]
        .as_str()
        .or(v["uri"].as_str())
        .unwrap_or_default()
        .to_string();
    let title = match v["spoiler_text"].as_str().filter(|s| !s.is_empty()) {
        Some(cw) => cw.to_string(),
        None => first_line(v["content"].as_str().unwrap_or_default(), 80),
    };
    let label = match v["visibility"].as_str() {
        Some("public") => "Public",
        Some("unlisted") => "Unlisted",
        Some("private") => "Followers only",
        _ => "Mentioned people only",
    };
    v["web_url"] = json!(url);
    v["title"] = json!(if title.is_empty() {
        "Untitled post".into()
    } else {
        title
    });
    v["visibility_label"] = json!(label);
}

/// The plain text of a post's first paragraph or line, cut at a word to `max` characters.
pub fn first_line(html: &str, max: usize) -> String {
    let text = crate::domain::text::html_to_text(html);
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    cut(line, max)
}

pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max).collect();
    let at = head
        .rfind(char::is_whitespace)
        .filter(|i| *i > max / 2)
        .unwrap_or(head.len());
    format!("{}…", head[..at].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_the_first_line_cut_at_a_word() {
        assert_eq!(
            first_line("<p>Hello <b>world</b></p><p>more</p>", 80),
            "Hello world"
        );
        assert_eq!(first_line("<p></p><p>first<br>second</p>", 80), "first");
        assert_eq!(cut("one two three four", 12), "one two…");
    }
}
