//! Preview cards: the first link of a post is fetched through the pull queue, its
//! OpenGraph metadata shown as the status's `card` with our own copy of its image, shared
//! links trend, an edit that drops the link drops the card, and nothing is fetched from a
//! private address unless the operator allows it.
//!
//! The linked site is a real HTTP server on a loopback port, serving pages as a news site
//! would.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::media::png;
use crate::support::*;

/// A web site on a loopback port that counts the requests for each path.
struct Site {
    base: String,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Site {
    async fn start() -> Site {
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let app = Router::new().fallback(page).with_state(hits.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Site { base, hits }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

async fn page(State(hits): State<Arc<Mutex<HashMap<String, usize>>>>, uri: Uri) -> Response {
    *hits
        .lock()
        .unwrap()
        .entry(uri.path().to_string())
        .or_default() += 1;
    let html = |body: &str| {
        (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body.to_string(),
        )
            .into_response()
    };
    match uri.path() {
        "/story" => html(
            r#"<!doctype html><html lang="en"><head><title>Site title</title>
            <meta property="og:title" content="Bridges of the north">
            <meta property="og:description" content="Twelve bridges, one winter.">
            <meta property="og:image" content="/lead.png">
            <meta property="og:site_name" content="The Northern Paper">
            <meta name="author" content="Ada Lindqvist">
            <meta property="article:published_time" content="2026-11-30T08:00:00Z">
            </head><body><p>Text</p></body></html>"#,
        ),
        "/plain" => html("<html><head><title>A plain page</title></head><body></body></html>"),
        "/lead.png" => ([(header::CONTENT_TYPE, "image/png")], png(1200, 630)).into_response(),
        _ => (StatusCode::NOT_FOUND, "no such page").into_response(),
    }
}

async fn post(server: &TestServer, user: &User, text: &str) -> String {
    let (status, posted) = server
        .post(
            "/api/v1/statuses",
            Some(&user.token),
            json!({ "status": text }),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

async fn card_of(server: &TestServer, user: &User, id: &str) -> Value {
    let (status, s) = server
        .get(&format!("/api/v1/statuses/{id}"), Some(&user.token))
        .await;
    assert_eq!(status, 200, "{s}");
    s["card"].clone()
}

async fn card_appears(server: &TestServer, user: &User, id: &str) -> Value {
    server
        .eventually("the preview card", || async {
            !card_of(server, user, id).await.is_null()
        })
        .await;
    card_of(server, user, id).await
}

#[tokio::test]
async fn a_linked_page_becomes_the_posts_card_and_shared_links_trend() {
    let site = Site::start().await;
    let server = TestServer::start_with(&[("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true")]).await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let story = site.url("/story");

    let first = post(&server, &alice, &format!("Worth reading: {story} #bridges")).await;
    let card = card_appears(&server, &alice, &first).await;
    assert_schema("PreviewCard", &card);
    assert_eq!(card["url"], story);
    assert_eq!(card["type"], "link");
    assert_eq!(card["title"], "Bridges of the north");
    assert_eq!(card["description"], "Twelve bridges, one winter.");
    assert_eq!(card["provider_name"], "The Northern Paper");
    assert_eq!(card["author_name"], "Ada Lindqvist");
    assert_eq!(card["authors"][0]["name"], "Ada Lindqvist");
    assert_eq!(card["published_at"], "2026-11-30T08:00:00.000Z");
    assert!(card["blurhash"].is_string(), "{card}");

    // The image is our resized copy, served by us, not a link to the site.
    let image = card["image"].as_str().unwrap();
    assert!(image.starts_with(&server.url("/system/cards/")), "{image}");
    let (w, h) = (
        card["width"].as_i64().unwrap(),
        card["height"].as_i64().unwrap(),
    );
    assert!(w > 0 && w < 1200 && h > 0 && h < 630, "{w}x{h}");
    let fetched = reqwest::get(image).await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(fetched.headers()["content-type"], "image/png");

    // A second post of the same page reuses the card: the site is read once.
    let second = post(&server, &bob, &format!("Also {story}")).await;
    assert_eq!(
        card_appears(&server, &bob, &second).await["title"],
        card["title"]
    );
    assert_eq!(site.hits("/story"), 1);
    assert_eq!(site.hits("/lead.png"), 1);

    // Two people shared it today: it trends, with its history.
    let plain = post(&server, &alice, &format!("{} too", site.url("/plain"))).await;
    let plain_card = card_appears(&server, &alice, &plain).await;
    assert_eq!(plain_card["title"], "A plain page");
    assert!(plain_card["image"].is_null());
    let (status, links) = server.get("/api/v1/trends/links", None).await;
    assert_eq!(status, 200, "{links}");
    assert_each("TrendsLink", &links);
    assert_eq!(links.as_array().unwrap().len(), 2, "{links}");
    assert_eq!(links[0]["url"], story, "shared by the most people first");
    assert_eq!(links[0]["history"][0]["accounts"], "2");
    assert_eq!(links[0]["history"][0]["uses"], "2");
    assert_eq!(links[1]["history"][0]["accounts"], "1");

    // An edit that drops the link drops the card.
    let (status, edited) = server
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{first}"),
            Some(&alice.token),
            Some(json!({ "status": "Never mind #bridges" })),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    server
        .eventually("the card to go", || async {
            card_of(&server, &alice, &first).await.is_null()
        })
        .await;

    let (same, report) = server.replay(false).await;
    assert!(same, "{report}");
    server.stop().await;
}

#[tokio::test]
async fn pages_that_cannot_be_read_give_no_card() {
    let site = Site::start().await;
    let server = TestServer::start_with(&[("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true")]).await;
    let alice = server.user("alice").await;
    let missing = post(&server, &alice, &format!("Gone: {}", site.url("/missing"))).await;
    let picture = post(&server, &alice, &format!("Raw: {}", site.url("/lead.png"))).await;
    server
        .eventually("both pages to be asked for", || async {
            site.hits("/missing") == 1 && site.hits("/lead.png") == 1
        })
        .await;
    // A later post's card shows the jobs before it have run.
    let plain = post(&server, &alice, &site.url("/plain")).await;
    card_appears(&server, &alice, &plain).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(card_of(&server, &alice, &missing).await.is_null());
    assert!(card_of(&server, &alice, &picture).await.is_null());
    server.stop().await;
}

#[tokio::test]
async fn links_to_private_addresses_are_not_fetched_unless_the_operator_allows() {
    let site = Site::start().await;
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let id = post(&server, &alice, &format!("Local: {}", site.url("/story"))).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(site.hits("/story"), 0, "the loopback site was fetched");
    assert!(card_of(&server, &alice, &id).await.is_null());
    let (_, links) = server.get("/api/v1/trends/links", None).await;
    assert_eq!(links, json!([]));
    server.stop().await;
}
