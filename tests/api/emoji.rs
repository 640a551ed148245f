//! Custom emoji: added by the operator with `tessera admin emoji`, listed for pickers,
//! shown on the statuses that use them, federated as `Emoji` tags both ways, and usable as
//! announcement reactions. Bad images and shortcodes are refused with nothing kept.

use std::time::Duration;

use serde_json::{Value, json};

use crate::media::png;
use crate::support::*;

pub async fn add(
    server: &TestServer,
    shortcode: &str,
    bytes: &[u8],
    extra: &[&str],
) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("upload");
    std::fs::write(&file, bytes).unwrap();
    let path = file.display().to_string();
    let mut args = vec!["admin", "emoji", "add", shortcode, &path];
    args.extend_from_slice(extra);
    server.tessera_output(&args).await
}

async fn catalogue(server: &TestServer) -> Value {
    let (status, list) = server.get("/api/v1/custom_emojis", None).await;
    assert_eq!(status, 200, "{list}");
    assert_each("CustomEmoji", &list);
    list
}

#[tokio::test]
async fn an_operators_emoji_is_listed_served_and_shown_on_posts_that_use_it() {
    let server = TestServer::start().await;
    let out = add(&server, "blobcat", &png(300, 200), &["--category", "Blobs"]).await;
    assert!(out.status.success(), "{out:?}");
    add(&server, "secret_cat", &png(32, 32), &["--hidden"]).await;

    let list = catalogue(&server).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let blobcat = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["shortcode"] == "blobcat")
        .unwrap()
        .clone();
    assert_eq!(blobcat["category"], "Blobs");
    assert_eq!(blobcat["visible_in_picker"], true);
    let hidden = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["shortcode"] == "secret_cat")
        .unwrap();
    assert_eq!(hidden["visible_in_picker"], false);

    // The image is served as a PNG, fitted within 128 px.
    let image = server
        .http
        .get(blobcat["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    let decoded = image::load_from_memory(&image.bytes().await.unwrap()).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (128, 85));

    // A post shows the emoji it uses, not the ones it does not or that do not exist.
    let alice = server.user("alice").await;
    let (status, posted) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "hello :blobcat: and :nothing_here: at 10:30:45", "spoiler_text": ":secret_cat:"}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    assert_schema("Status", &posted);
    let codes: Vec<&str> = posted["emojis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["shortcode"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["blobcat", "secret_cat"]);
    assert_eq!(posted["emojis"][0]["url"], blobcat["url"]);

    // Editing the text changes which it shows.
    let id = posted["id"].as_str().unwrap();
    let (status, edited) = server
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            Some(json!({"status": "just :blobcat:", "spoiler_text": ""})),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["emojis"].as_array().unwrap().len(), 1);

    // Removing one takes it off the catalogue; the post keeps showing it.
    server
        .tessera(&["admin", "emoji", "remove", "blobcat"])
        .await;
    assert_eq!(catalogue(&server).await.as_array().unwrap().len(), 1);
    let (_, again) = server
        .get(&format!("/api/v1/statuses/{id}"), Some(&alice.token))
        .await;
    assert_eq!(again["emojis"][0]["shortcode"], "blobcat");

    let (same, report) = server.replay(false).await;
    assert!(same, "{report}");
    server.stop().await;
}

#[tokio::test]
async fn bad_emoji_are_refused_and_nothing_is_kept() {
    let server = TestServer::start().await;
    let before = server.event_count().await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let big: Vec<u8> = {
        // Noise compresses badly: a PNG well over 256 KB.
        let img = image::RgbImage::from_fn(400, 400, |x, y| {
            let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) as u8;
            image::Rgb([n, n.wrapping_mul(7), n.wrapping_mul(13)])
        });
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        assert!(out.len() > 256 * 1024, "{}", out.len());
        out
    };
    for (shortcode, bytes, why) in [
        ("x", png(16, 16), "a one-letter shortcode"),
        ("has-dash", png(16, 16), "a dash in the shortcode"),
        ("scripted", svg.to_vec(), "an SVG"),
        ("huge", big, "a file over 256 KB"),
        ("truncated", png(64, 64)[..40].to_vec(), "a truncated PNG"),
    ] {
        let out = add(&server, shortcode, &bytes, &[]).await;
        assert!(!out.status.success(), "{why} was accepted");
        assert!(!out.stderr.is_empty(), "{why}: no message");
    }
    assert!(
        add(&server, "fine", &png(16, 16), &[])
            .await
            .status
            .success()
    );
    let out = add(&server, "fine", &png(16, 16), &[]).await;
    assert!(!out.status.success(), "a taken shortcode");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already"),
        "{out:?}"
    );
    assert_eq!(server.event_count().await, before + 1, "only the good one");
    assert_eq!(catalogue(&server).await.as_array().unwrap().len(), 1);
    server.stop().await;
}

#[tokio::test]
async fn custom_emoji_travel_with_posts_between_servers() {
    let a = TestServer::federating().await;
    let b = TestServer::federating().await;
    assert!(add(&a, "blobcat", &png(64, 64), &[]).await.status.success());
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    follow_across(&b, &bob, &a, &alice).await;
    let (status, posted) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "greetings :blobcat:"}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    let url = posted["emojis"][0]["url"].as_str().unwrap().to_string();
    wait_until("the post reaches b", Duration::from_secs(60), || async {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        home.as_array().is_some_and(|h| !h.is_empty())
    })
    .await;
    let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    assert_schema("Status", &home[0]);
    assert_eq!(
        home[0]["emojis"],
        json!([{"shortcode": "blobcat", "url": url, "static_url": url, "visible_in_picker": true, "category": null}]),
        "b shows a's image"
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn a_custom_emoji_can_be_an_announcement_reaction() {
    let server = TestServer::start().await;
    assert!(
        add(&server, "blobcat", &png(16, 16), &[])
            .await
            .status
            .success()
    );
    let alice = server.user("alice").await;
    let id = server
        .tessera(&["admin", "announcements", "create", "Hello"])
        .await
        .trim()
        .to_string();
    let (status, body) =
        crate::announcements::react(&server, &alice, &id, "blobcat", reqwest::Method::PUT).await;
    assert_eq!(status, 200, "{body}");
    let (_, list) = server
        .get("/api/v1/announcements", Some(&alice.token))
        .await;
    assert_each("Announcement", &list);
    let reaction = &list[0]["reactions"][0];
    assert_eq!(reaction["name"], "blobcat");
    assert_eq!(reaction["count"], 1);
    assert!(
        reaction["url"].as_str().unwrap().ends_with(".png"),
        "{reaction}"
    );
    server.stop().await;
}
