//! An account's filters, and which of them a status matches.

use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};

use super::statuses::StatusView;
use crate::db::Conn;
use crate::events::{FilterKeyword, FilterStatus};

#[derive(Debug, Clone)]
pub struct FilterRow {
    pub id: i64,
    pub account_id: i64,
    pub title: String,
    pub context: Vec<String>,
    pub action: String,
    pub expires_at: Option<i64>,
    pub keywords: Vec<FilterKeyword>,
    pub statuses: Vec<FilterStatus>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    account_id: i64,
    title: String,
    context: String,
    action: String,
    expires_at: Option<i64>,
    keywords: String,
    statuses: String,
}

impl From<Row> for FilterRow {
    fn from(r: Row) -> Self {
        FilterRow {
            id: r.id,
            account_id: r.account_id,
            title: r.title,
            context: serde_json::from_str(&r.context).unwrap_or_default(),
            action: r.action,
            expires_at: r.expires_at,
            keywords: serde_json::from_str(&r.keywords).unwrap_or_default(),
            statuses: serde_json::from_str(&r.statuses).unwrap_or_default(),
        }
    }
}

const COLUMNS: &str = "id, account_id, title, context, action, expires_at, keywords, statuses";

pub async fn of_account(conn: &mut Conn, owner: i64) -> Result<Vec<FilterRow>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM filters WHERE account_id = $1 ORDER BY id"
    ))
    .bind(owner)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(FilterRow::from).collect())
}

pub async fn own(conn: &mut Conn, owner: i64, id: i64) -> Result<Option<FilterRow>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(crate::sqlf!(
        "SELECT {COLUMNS} FROM filters WHERE account_id = $1 AND id = $2"
    ))
    .bind(owner)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(FilterRow::from))
}

/// The filters of `owner` in force in `context` now.
pub async fn active(
    conn: &mut Conn,
    owner: i64,
    context: &str,
) -> Result<Vec<FilterRow>, sqlx::Error> {
    let now = crate::time::now_ms();
    Ok(of_account(conn, owner)
        .await?
        .into_iter()
        .filter(|f| f.expires_at.is_none_or(|at| at > now))
        .filter(|f| f.context.iter().any(|c| c == context))
        .collect())
}

/// A filter a status matched, and by what.
#[derive(Debug, Clone)]
pub struct FilterMatch {
    pub filter: FilterRow,
    pub keyword_matches: Vec<String>,
    pub status_matches: Vec<String>,
}

static MARKUP: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"<[^>]*>").ok());

/// The text a keyword is looked for in: content without markup, the content warning,
/// attachment descriptions and poll options.
fn searchable(v: &StatusView) -> String {
    let plain = match MARKUP.as_ref() {
        Some(re) => re.replace_all(&v.row.content, " ").into_owned(),
        None => v.row.content.clone(),
    };
    let mut text = plain
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'");
    text.push('\n');
    text.push_str(&v.row.spoiler_text);
    for m in &v.media {
        if let Some(d) = &m.description {
            text.push('\n');
            text.push_str(d);
        }
    }
    if let Some(p) = &v.poll {
        for o in &p.options {
            text.push('\n');
            text.push_str(o);
        }
    }
    text
}

/// An account's filters for one context, their keywords compiled once for a whole page.
pub struct Filters {
    compiled: Vec<(FilterRow, Vec<(String, Regex)>)>,
}

impl Filters {
    /// Keywords match as Mastodon matches them: case-insensitive, at word boundaries for
    /// whole-word keywords.
    pub fn new(filters: Vec<FilterRow>) -> Filters {
        let compiled = filters
            .into_iter()
            .map(|f| {
                let keywords = f
                    .keywords
                    .iter()
                    .filter_map(|k| {
                        let escaped = regex::escape(&k.keyword);
                        let pattern = if k.whole_word {
                            format!(r"(?:^|\W){escaped}(?:$|\W)")
                        } else {
                            escaped
                        };
                        RegexBuilder::new(&pattern)
                            .case_insensitive(true)
                            .size_limit(1 << 20)
                            .build()
                            .ok()
                            .map(|re| (k.keyword.clone(), re))
                    })
                    .collect();
                (f, keywords)
            })
            .collect();
        Filters { compiled }
    }

    /// Which filters match a status (for a boost, the boosted status).
    pub fn matches(&self, v: &StatusView) -> Vec<FilterMatch> {
        if self.compiled.is_empty() {
            return Vec::new();
        }
        let target = v.reblog.as_deref().unwrap_or(v);
        let text = searchable(target);
        let id = target.row.id;
        self.compiled
            .iter()
            .filter_map(|(f, keywords)| {
                let keyword_matches: Vec<String> = keywords
                    .iter()
                    .filter(|(_, re)| re.is_match(&text))
                    .map(|(k, _)| k.clone())
                    .collect();
                let status_matches: Vec<String> = f
                    .statuses
                    .iter()
                    .filter(|s| s.status_id == id)
                    .map(|s| s.status_id.to_string())
                    .collect();
                (!keyword_matches.is_empty() || !status_matches.is_empty()).then(|| FilterMatch {
                    filter: f.clone(),
                    keyword_matches,
                    status_matches,
                })
            })
            .collect()
    }

    /// Judge one status: `false` when a `hide` filter matches it (leave it out); otherwise
    /// it now carries what matched it.
    pub fn keep(&self, v: &mut StatusView) -> bool {
        let found = self.matches(v);
        if found.iter().any(|m| m.filter.action == "hide") {
            return false;
        }
        v.filtered = found;
        true
    }
}

/// Apply `viewer`'s filters for `context` to a page of statuses.
pub async fn apply(
    conn: &mut Conn,
    viewer: Option<i64>,
    context: &str,
    views: Vec<StatusView>,
) -> Result<Vec<StatusView>, sqlx::Error> {
    let Some(viewer) = viewer else {
        return Ok(views);
    };
    let filters = Filters::new(active(conn, viewer, context).await?);
    Ok(views
        .into_iter()
        .filter_map(|mut v| filters.keep(&mut v).then_some(v))
        .collect())
}
