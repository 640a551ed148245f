//! Preview cards. A reactor follows the log and, for each status posted or edited with a
//! link in its text, queues a `pull` job for the linked page; the job reads the page's
//! OpenGraph and HTML metadata through the safe client, keeps a resized copy of its
//! image, and records the card on the status. A card fetched in the last two weeks is
//! reused for other statuses linking to the same page, as Mastodon does.

use scraper::{Html, Selector};
use tessera_federation::sanitize;
use tessera_workers::{PullJob, PullPurpose};
use url::Url;

use super::FedError;
use crate::app::{App, blocking};
use crate::domain::card::{self, Card, Set};
use crate::eventlog::{self, SYSTEM_ACTOR};
use crate::events::{Event, PreviewCard};
use crate::ids;
use crate::media::process;
use crate::projections::runner::position;
use crate::queries::cards as cq;
use crate::time;

pub const CHECKPOINT: &str = "link_cards";
const BATCH: i64 = 500;
/// How long a fetched page's card is reused before the page is read again.
const FRESH_MS: i64 = 14 * 86_400_000;
const TITLE_MAX: usize = 300;
const DESCRIPTION_MAX: usize = 1000;
const NAME_MAX: usize = 100;
/// A card's image is kept at most this many pixels (about 640×360).
const IMAGE_PIXELS: u32 = 230_400;

/// Queue the page fetches for one batch of events; the number of events read.
pub async fn step(app: &App) -> Result<usize, FedError> {
    let mut conn = app.db.pool.acquire().await?;
    let from = position(&mut conn, CHECKPOINT).await?;
    let batch = app
        .recent
        .read_after(&mut conn, from, BATCH)
        .await
        .map_err(|e| FedError::Internal(e.to_string()))?;
    drop(conn);
    let Some(last) = batch.last().map(|r| r.seq) else {
        return Ok(0);
    };
    let mut jobs = Vec::new();
    for rec in &batch {
        let (status_id, content) = match &rec.event {
            Event::StatusPosted(e)
                if e.visibility != "direct" && e.media.is_empty() && e.poll.is_none() =>
            {
                (e.status_id, &e.content)
            }
            Event::StatusEdited(e) => (e.status_id, &e.content),
            _ => continue,
        };
        match first_link(content, &app.config.domain) {
            Some(url) => jobs.push(PullJob {
                url,
                purpose: PullPurpose::Card { status_id },
            }),
            // An edit that took the link away takes the card with it.
            None if matches!(rec.event, Event::StatusEdited(_)) => {
                set(app, status_id, None).await?;
            }
            None => {}
        }
    }
    if !jobs.is_empty() {
        app.federation
            .queues()?
            .enqueue_pull(jobs)
            .await
            .map_err(|e| FedError::Internal(e.to_string()))?;
    }
    super::reactor::advance(app, CHECKPOINT, from, last).await?;
    Ok(batch.len())
}

/// Follow the log in the background. On its first run the reactor starts from the end of
/// the log: statuses posted before preview cards existed are not crawled.
pub fn spawn(app: App) -> tokio::task::JoinHandle<()> {
    super::reactor::spawn(
        app,
        "preview cards",
        |app| async move {
            let head = {
                let mut conn = app.db.pool.acquire().await?;
                eventlog::head(&mut conn).await?
            };
            super::reactor::start_at(&app, CHECKPOINT, head).await
        },
        |app| async move { step(&app).await },
    )
}

/// The pull job: the card of `url` for `status_id`, if the status still links there.
/// A page that cannot be read or says nothing leaves the status without a card; the job
/// is not retried, as Mastodon does not retry a link crawl.
pub async fn fetch(app: &App, url: &str, status_id: i64) -> Result<(), FedError> {
    // Which statuses get a card is decided here, against the status as it now is, so an
    // edit of a post with media or a poll gets none either.
    let content: Option<String> = sqlx::query_scalar(
        "SELECT s.content FROM statuses s WHERE s.id = $1 AND s.visibility <> 'direct' \
         AND NOT EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id) \
         AND NOT EXISTS (SELECT 1 FROM polls p WHERE p.status_id = s.id)",
    )
    .bind(status_id)
    .fetch_optional(&app.db.pool)
    .await?;
    if content
        .and_then(|c| first_link(&c, &app.config.domain))
        .as_deref()
        != Some(url)
    {
        return Ok(());
    }
    let reused = {
        let mut conn = app.db.pool.acquire().await?;
        cq::fetched_since(&mut conn, url, time::now_ms() - FRESH_MS).await?
    };
    let card = match reused {
        Some(row) => Some(row.to_card()),
        None => match read_page(app, url).await {
            Ok(card) => card,
            Err(e) => {
                tracing::debug!(url, error = %e, "no preview card");
                None
            }
        },
    };
    if card.is_some() {
        set(app, status_id, card).await?;
    }
    Ok(())
}

async fn set(app: &App, status_id: i64, card: Option<PreviewCard>) -> Result<(), FedError> {
    app.execute::<Card>(
        &card::stream(status_id),
        SYSTEM_ACTOR,
        None,
        Set { status_id, card },
    )
    .await?;
    Ok(())
}

async fn read_page(app: &App, url: &str) -> Result<Option<PreviewCard>, FedError> {
    let page = app
        .federation
        .page_client
        .get(url, "text/html, application/xhtml+xml")
        .await?;
    if !(200..300).contains(&page.status) {
        return Err(FedError::Status {
            url: url.to_string(),
            status: page.status,
        });
    }
    let html = page
        .content_type
        .as_deref()
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/xhtml+xml"));
    if !html {
        return Ok(None);
    }
    let text = String::from_utf8_lossy(&page.body).into_owned();
    let base = page.final_url.clone();
    let Some(meta) = blocking(move || Meta::parse(&text, &base)).await? else {
        return Ok(None);
    };
    let image = match &meta.image {
        Some(image_url) => keep_image(app, image_url.as_str()).await.unwrap_or_else(|e| {
            tracing::debug!(url, image = %image_url, error = %e, "preview card without its image");
            None
        }),
        None => None,
    };
    let (image_key, width, height, blurhash) = match image {
        Some(i) => (Some(i.key), i.width, i.height, Some(i.blurhash)),
        None => (None, 0, 0, None),
    };
    Ok(Some(PreviewCard {
        url: page.final_url.to_string(),
        title: meta.title,
        description: meta.description,
        kind: "link".into(),
        author_name: meta.author,
        author_url: String::new(),
        provider_name: meta.site_name,
        provider_url: String::new(),
        image_key,
        width,
        height,
        blurhash,
        language: meta.language,
        published_at: meta.published_at,
        fetched_at: time::now_ms(),
    }))
}

struct KeptImage {
    key: String,
    width: u32,
    height: u32,
    blurhash: String,
}

/// Fetch a card's image, check it as an upload is checked, and keep it resized, so that
/// readers load it from us and never from the linked site.
async fn keep_image(app: &App, url: &str) -> Result<Option<KeptImage>, FedError> {
    let fetched = app.federation.page_client.get(url, "image/*").await?;
    if !(200..300).contains(&fetched.status) {
        return Ok(None);
    }
    let processed = blocking(move || {
        let accepted = process::accept(&fetched.body)?;
        process::card_image(&accepted, IMAGE_PIXELS)
    })
    .await?
    .map_err(|e| FedError::rejected(e.to_string()))?;
    let key = format!(
        "cards/{}/original.{}",
        ids::next_id(),
        processed.image.extension
    );
    let (width, height) = (processed.image.width, processed.image.height);
    app.storage
        .put(&key, processed.image.bytes)
        .await
        .map_err(|e| FedError::Internal(e.to_string()))?;
    Ok(Some(KeptImage {
        key,
        width,
        height,
        blurhash: processed.blurhash,
    }))
}

/// The first link of a status's HTML that is not a mention or a hashtag and leads to
/// another site over http(s).
pub fn first_link(content: &str, own_domain: &str) -> Option<String> {
    let html = Html::parse_fragment(content);
    let links = Selector::parse("a[href]").ok()?;
    html.select(&links).find_map(|a| {
        let el = a.value();
        let classes: Vec<&str> = el.classes().collect();
        let rel_tag = el
            .attr("rel")
            .is_some_and(|r| r.split_whitespace().any(|r| r == "tag"));
        if rel_tag || classes.contains(&"mention") || classes.contains(&"hashtag") {
            return None;
        }
        let url = Url::parse(el.attr("href")?).ok()?;
        let ours = tessera_federation::host::same_host(url.as_str(), own_domain);
        (matches!(url.scheme(), "http" | "https") && !ours).then(|| url.to_string())
    })
}

/// What a page says about itself, OpenGraph first, then Twitter's tags, then plain HTML.
#[derive(Debug, PartialEq)]
struct Meta {
    title: String,
    description: String,
    image: Option<Url>,
    site_name: String,
    author: String,
    language: Option<String>,
    published_at: Option<i64>,
}

impl Meta {
    /// `None` for a page without a title: there is nothing to show.
    fn parse(page: &str, base: &Url) -> Option<Meta> {
        // The HTML parser's work grows with the square of the nesting.
        if sanitize::nests_deeper_than(page, sanitize::MAX_PAGE_DEPTH) {
            return None;
        }
        let html = Html::parse_document(page);
        let meta = |keys: &[&str]| -> Option<String> {
            let selector = Selector::parse("meta[content]").ok()?;
            keys.iter().find_map(|key| {
                html.select(&selector).find_map(|m| {
                    let el = m.value();
                    let named = el.attr("property").or_else(|| el.attr("name"))?;
                    (named.eq_ignore_ascii_case(key))
                        .then(|| clean(el.attr("content").unwrap_or_default()))
                        .filter(|v| !v.is_empty())
                })
            })
        };
        let first_text = |css: &str| -> Option<String> {
            let selector = Selector::parse(css).ok()?;
            html.select(&selector)
                .next()
                .map(|t| clean(&t.text().collect::<String>()))
                .filter(|v| !v.is_empty())
        };
        let title = meta(&["og:title", "twitter:title"]).or_else(|| first_text("title"))?;
        let image = meta(&[
            "og:image",
            "og:image:url",
            "twitter:image",
            "twitter:image:src",
        ])
        .and_then(|i| base.join(&i).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"));
        let language = Selector::parse("html[lang]").ok().and_then(|s| {
            let lang = html.select(&s).next()?.value().attr("lang")?;
            let primary = lang.split(['-', '_']).next()?.to_ascii_lowercase();
            ((2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic()))
                .then_some(primary)
        });
        let published_at = meta(&["article:published_time", "og:published_time"])
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.timestamp_millis());
        let author = meta(&["author", "article:author"])
            .filter(|a| Url::parse(a).is_err())
            .unwrap_or_default();
        Some(Meta {
            title: truncate(&title, TITLE_MAX),
            description: truncate(
                &meta(&["og:description", "twitter:description", "description"])
                    .unwrap_or_default(),
                DESCRIPTION_MAX,
            ),
            image,
            site_name: truncate(
                &meta(&["og:site_name", "application-name"]).unwrap_or_default(),
                NAME_MAX,
            ),
            author: truncate(&author, NAME_MAX),
            language,
            published_at,
        })
    }
}

/// Whitespace collapsed, as a page's text is shown on one card.
fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example/story/1").unwrap()
    }

    #[test]
    fn the_first_plain_link_is_the_cards_link() {
        let content = r#"<p><span class="h-card"><a href="https://a.example/@bob" class="u-url mention">@<span>bob</span></a></span> <a href="https://a.example/tags/rust" class="mention hashtag" rel="tag">#<span>rust</span></a> see <a href="https://news.example/story/1" rel="nofollow noopener">news</a> and <a href="https://other.example/">this</a></p>"#;
        assert_eq!(
            first_link(content, "ours.example").as_deref(),
            Some("https://news.example/story/1")
        );
    }

    #[test]
    fn links_to_ourselves_and_other_schemes_get_no_card() {
        let content = r#"<p><a href="https://ours.example/@alice/1">mine</a> <a href="mailto:a@b.example">mail</a> <a href="/relative">rel</a></p>"#;
        assert_eq!(first_link(content, "ours.example"), None);
        let with_port = r#"<a href="http://127.0.0.1:8080/x">x</a>"#;
        assert_eq!(first_link(with_port, "127.0.0.1:8080"), None);
        assert!(first_link(with_port, "127.0.0.1:9090").is_some());
    }

    #[test]
    fn opengraph_is_preferred_and_relative_images_resolved() {
        let page = r#"<!doctype html><html lang="en-GB"><head>
            <title>Plain title</title>
            <meta property="og:title" content="  The   story ">
            <meta property="og:description" content="What happened.">
            <meta property="og:image" content="/img/lead.jpg">
            <meta property="og:site_name" content="News">
            <meta name="author" content="A. Writer">
            <meta property="article:published_time" content="2026-11-30T08:00:00Z">
            </head><body></body></html>"#;
        let meta = Meta::parse(page, &base()).unwrap();
        assert_eq!(meta.title, "The story");
        assert_eq!(meta.description, "What happened.");
        assert_eq!(
            meta.image.unwrap().as_str(),
            "https://news.example/img/lead.jpg"
        );
        assert_eq!(meta.site_name, "News");
        assert_eq!(meta.author, "A. Writer");
        assert_eq!(meta.language.as_deref(), Some("en"));
        assert_eq!(meta.published_at, Some(1_796_025_600_000));
    }

    #[test]
    fn plain_html_falls_back_to_title_and_description() {
        let page = r#"<html><head><title>Just a page</title><meta name="description" content="Words."></head></html>"#;
        let meta = Meta::parse(page, &base()).unwrap();
        assert_eq!(meta.title, "Just a page");
        assert_eq!(meta.description, "Words.");
        assert_eq!(meta.image, None);
        assert_eq!(meta.language, None);
    }

    #[test]
    fn a_page_without_a_title_has_no_card_and_scripts_are_not_text() {
        assert_eq!(Meta::parse("<html><body>hi</body></html>", &base()), None);
        let page = r#"<html><head><meta property="og:title" content="<script>alert(1)</script>"><meta property="og:image" content="javascript:alert(1)"></head></html>"#;
        let meta = Meta::parse(page, &base()).unwrap();
        // Kept as text (clients escape it); the script URL is no image.
        assert_eq!(meta.title, "<script>alert(1)</script>");
        assert_eq!(meta.image, None);
    }

    #[test]
    fn a_page_nested_too_deeply_has_no_card() {
        let page = format!(
            "<html><head><title>Deep</title></head><body>{}</body></html>",
            "<div>".repeat(100_000)
        );
        assert_eq!(Meta::parse(&page, &base()), None);
    }

    #[test]
    fn long_text_is_cut_with_an_ellipsis() {
        let long = "x".repeat(TITLE_MAX + 50);
        let page = format!(r#"<html><head><title>{long}</title></head></html>"#);
        let meta = Meta::parse(&page, &base()).unwrap();
        assert_eq!(meta.title.chars().count(), TITLE_MAX);
        assert!(meta.title.ends_with('…'));
    }
}
