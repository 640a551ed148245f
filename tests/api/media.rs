//! Media: upload (v1 at once, v2 answered 202 while processing), describe, attach to a
//! post, serve safely, avatars and headers, federate as `Document` attachments; and bad
//! files refused with nothing kept.

use std::io::Cursor;
use std::time::Duration;

use image::ImageEncoder;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

const WAIT: Duration = Duration::from_secs(30);

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7 % 256) as u8, (y * 13 % 256) as u8, 128])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .write_image(&img, width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(width, height, image::Rgba([10, 200, 30, 255]));
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A JPEG carrying an EXIF block: orientation 6 (turn 90° clockwise) and a GPS-like
/// secret that must never be served.
fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let plain = jpeg(width, height);
    let mut tiff: Vec<u8> = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(&[0x00, 0x01]); // one entry
    tiff.extend_from_slice(&[
        0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
    ]);
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    tiff.extend_from_slice(b"GPS-SECRET-51.5N-0.12W");
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let len = u16::try_from(app1.len() + 2).unwrap();
    let mut out = plain[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG whose header claims `width`×`height` pixels, with no pixels behind it.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // A little compressed data (as a decompression bomb would carry), then the end.
    for (kind, data) in [
        (
            &b"IDAT"[..],
            &b"\x78\x9c\x63\x60\x00\x00\x00\x02\x00\x01"[..],
        ),
        (b"IEND", b""),
    ] {
        let mut chunk = kind.to_vec();
        chunk.extend_from_slice(data);
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        out.extend_from_slice(&chunk);
        out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    out
}

pub async fn upload(
    server: &TestServer,
    user: &User,
    path: &str,
    file_name: &str,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = Form::new().part(
        "file",
        Part::bytes(bytes)
            .file_name(file_name.to_string())
            .mime_str("image/jpeg")
            .unwrap(),
    );
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let resp = server
        .http
        .post(server.url(path))
        .bearer_auth(&user.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(json!({"raw": text})),
    )
}

pub async fn fetch(
    server: &TestServer,
    url: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = server.http.get(url).send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn an_upload_is_stripped_turned_upright_previewed_and_served_safely() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;

    let original = jpeg_with_exif(64, 32);
    assert!(contains(&original, b"GPS-SECRET"));
    let (status, media) = upload(
        &server,
        &alice,
        "/api/v1/media",
        "../../etc/passwd.jpg",
        original,
        &[("description", "A test card"), ("focus", "0.25,-0.5")],
    )
    .await;
    assert_eq!(status, 200, "{media}");
    assert_schema("MediaAttachment", &media);
    assert_eq!(media["type"], "image");
    assert_eq!(media["description"], "A test card");
    assert_eq!(media["meta"]["focus"], json!({"x": 0.25, "y": -0.5}));
    // Orientation 6 turns the 64×32 picture upright: 32×64.
    assert_eq!(media["meta"]["original"]["width"], 32);
    assert_eq!(media["meta"]["original"]["height"], 64);
    assert!(
        media["blurhash"].as_str().is_some_and(|b| b.len() == 28),
        "{media}"
    );

    let url = media["url"].as_str().unwrap();
    assert!(url.starts_with(&server.url("/system/media/")), "{url}");
    assert!(
        !url.contains("passwd"),
        "the client's file name is never used: {url}"
    );
    let (status, headers, served) = fetch(&server, url).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert!(
        !contains(&served, b"GPS-SECRET"),
        "metadata must be stripped"
    );
    assert!(!contains(&served, b"Exif"), "the EXIF block must be gone");
    let decoded = image::load_from_memory(&served).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (32, 64));

    let (status, _, preview) = fetch(&server, media["preview_url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(image::load_from_memory(&preview).is_ok());

    // Only files we made are served: no pending uploads, nothing outside.
    for path in [
        "/system/media/1/upload",
        "/system/../tessera.db",
        "/system/media/%2e%2e/%2e%2e/tessera.db",
        "/system/accounts/1/../../../tessera.db",
    ] {
        let (status, _, _) = fetch(&server, &server.url(path)).await;
        assert_eq!(status, 404, "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn v2_answers_202_while_processing_and_the_client_polls_until_done() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let (status, media) = upload(
        &server,
        &alice,
        "/api/v2/media",
        "big.png",
        png(1600, 1200),
        &[],
    )
    .await;
    assert_eq!(status, 202, "{media}");
    assert!(media["url"].is_null());
    assert_schema("MediaAttachment", &media);
    let id = media["id"].as_str().unwrap().to_string();

    wait_until("the upload is processed", WAIT, || async {
        let (status, m) = server
            .get(&format!("/api/v1/media/{id}"), Some(&alice.token))
            .await;
        assert!(status == 200 || status == 206, "{status} {m}");
        status == 200
    })
    .await;
    let (_, done) = server
        .get(&format!("/api/v1/media/{id}"), Some(&alice.token))
        .await;
    assert_schema("MediaAttachment", &done);
    assert_eq!(done["meta"]["original"]["width"], 1600);
    let small = &done["meta"]["small"];
    assert!(small["width"].as_i64().unwrap() * small["height"].as_i64().unwrap() <= 640 * 360);
    let (status, headers, _) = fetch(&server, done["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/png");

    // Described after upload; someone else sees no such media.
    let (status, described) = server
        .call(
            Method::PUT,
            &format!("/api/v1/media/{id}"),
            Some(&alice.token),
            Some(json!({"description": "Now described", "focus": "0,0"})),
        )
        .await;
    assert_eq!(status, 200, "{described}");
    assert_eq!(described["description"], "Now described");
    let bob = server.user("bob").await;
    let (status, _) = server
        .get(&format!("/api/v1/media/{id}"), Some(&bob.token))
        .await;
    assert_eq!(status, 404);
    server.stop().await;
}

#[tokio::test]
async fn posts_carry_up_to_four_of_ones_own_attachments_in_order() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let (status, m) = upload(
            &server,
            &alice,
            "/api/v1/media",
            "x.jpg",
            jpeg(20 + i, 20),
            &[("description", &format!("picture {i}"))],
        )
        .await;
        assert_eq!(status, 200, "{m}");
        ids.push(m["id"].as_str().unwrap().to_string());
    }
    let before = server.event_count().await;
    let (status, refused) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "five", "media_ids": ids}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let (status, refused) = server
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "not mine", "media_ids": [ids[0]]}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        server.event_count().await,
        before,
        "refused posts append nothing"
    );

    // Text may be empty when there are attachments.
    let chosen = vec![ids[2].clone(), ids[0].clone()];
    let (status, posted) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "", "media_ids": chosen}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    assert_schema("Status", &posted);
    let attached: Vec<&str> = posted["media_attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["description"].as_str().unwrap())
        .collect();
    assert_eq!(attached, ["picture 2", "picture 0"]);

    // Posted media cannot be posted again, nor described any more.
    let (status, _) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "again", "media_ids": [ids[0]]}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("/api/v1/media/{}", ids[0]),
            Some(&alice.token),
            Some(json!({"description": "x"})),
        )
        .await;
    assert_eq!(status, 404);

    // An edit may send the same attachments, but not change them.
    let id = posted["id"].as_str().unwrap();
    let (status, edited) = server
        .call(
            Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            Some(json!({"status": "now with words", "media_ids": [ids[0], ids[2]]})),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["media_attachments"].as_array().unwrap().len(), 2);
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            Some(json!({"status": "swap", "media_ids": [ids[1]]})),
        )
        .await;
    assert_eq!(status, 422);

    let (status, timeline) = server
        .get("/api/v1/timelines/public", Some(&bob.token))
        .await;
    assert_eq!(status, 200);
    assert_each("Status", &timeline);
    assert_eq!(
        timeline[0]["media_attachments"].as_array().unwrap().len(),
        2
    );

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

#[tokio::test]
async fn bad_files_get_a_clear_error_and_nothing_is_kept() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let before = server.event_count().await;
    let mut truncated = jpeg(200, 200);
    truncated.truncate(truncated.len() / 2);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("huge.jpg", vec![0xFF; 20 * 1024 * 1024], 413, "too large"),
        (
            "giant.png",
            png_claiming(100_000, 100_000),
            422,
            "too large",
        ),
        ("cut.jpg", truncated, 422, "could not be read"),
        (
            "evil.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            422,
            "Unsupported file type",
        ),
        (
            "page.html",
            b"<html><script>alert(1)</script></html>".to_vec(),
            422,
            "Unsupported file type",
        ),
        (
            "data.json",
            b"{\"a\": 1}".to_vec(),
            422,
            "Unsupported file type",
        ),
        ("empty.png", Vec::new(), 422, "empty"),
    ];
    for path in ["/api/v1/media", "/api/v2/media"] {
        for (name, bytes, code, message) in &cases {
            let (status, body) = upload(&server, &alice, path, name, bytes.clone(), &[]).await;
            assert_eq!(status.as_u16(), *code, "{path} {name}: {body}");
            let error = body["error"].as_str().unwrap_or_default();
            assert!(error.contains(message), "{path} {name}: {body}");
        }
    }
    let (status, body) = upload(
        &server,
        &alice,
        "/api/v1/media",
        "ok.jpg",
        jpeg(10, 10),
        &[("description", &"d".repeat(1501))],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = upload(
        &server,
        &alice,
        "/api/v1/media",
        "ok.jpg",
        jpeg(10, 10),
        &[("focus", "5,5")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(server.event_count().await, before, "nothing was appended");
    let stored: Vec<_> = walk(&server.data_dir.path().join("media"));
    assert!(stored.is_empty(), "nothing was stored: {stored:?}");
    server.stop().await;
}

#[tokio::test]
async fn an_upload_not_yet_posted_can_be_deleted_with_its_files() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let (_, media) = upload(&server, &alice, "/api/v1/media", "a.jpg", jpeg(40, 40), &[]).await;
    let id = media["id"].as_str().unwrap().to_string();
    let url = media["url"].as_str().unwrap().to_string();
    assert!(!walk(&server.data_dir.path().join("media")).is_empty());

    // Not someone else's.
    let path = format!("/api/v1/media/{id}");
    let (status, body) = server
        .call(Method::DELETE, &path, Some(&bob.token), None)
        .await;
    assert_eq!(status, 404, "{body}");

    let (status, body) = server
        .call(Method::DELETE, &path, Some(&alice.token), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({}));
    assert_eq!(server.get(&path, Some(&alice.token)).await.0, 404);
    assert_eq!(fetch(&server, &url).await.0, 404);
    let stored = walk(&server.data_dir.path().join("media"));
    assert!(stored.is_empty(), "the files went with it: {stored:?}");
    let (status, _) = server
        .call(Method::DELETE, &path, Some(&alice.token), None)
        .await;
    assert_eq!(status, 404, "already gone");
    let (status, body) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "with it", "media_ids": [id]}),
        )
        .await;
    assert!(
        status.is_client_error(),
        "a deleted upload cannot be posted: {body}"
    );

    // A posted attachment stays.
    let (_, media) = upload(&server, &alice, "/api/v1/media", "b.jpg", jpeg(40, 40), &[]).await;
    let posted = media["id"].as_str().unwrap().to_string();
    let (status, body) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "with it", "media_ids": [posted]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let before = server.event_count().await;
    let (status, body) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/media/{posted}"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().unwrap().contains("used by a status"));
    assert_eq!(server.event_count().await, before);
    assert_eq!(fetch(&server, media["url"].as_str().unwrap()).await.0, 200);

    let (same, report) = server.replay(false).await;
    assert!(same, "{report}");
    server.stop().await;
}

#[tokio::test]
async fn delete_and_redraft_posts_the_same_attachment_again() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let (_, media) = upload(
        &server,
        &alice,
        "/api/v1/media",
        "a.jpg",
        jpeg(40, 40),
        &[("description", "kept")],
    )
    .await;
    let media_id = media["id"].as_str().unwrap().to_string();
    let post = |text: &'static str, ids: Vec<String>| {
        let (server, token) = (&server, alice.token.clone());
        async move {
            server
                .post(
                    "/api/v1/statuses",
                    Some(&token),
                    json!({"status": text, "media_ids": ids}),
                )
                .await
        }
    };
    let (status, first) = post("draft one", vec![media_id.clone()]).await;
    assert_eq!(status, 200, "{first}");

    // Deleting answers with the attachments, which can then be posted again.
    let path = format!("/api/v1/statuses/{}", first["id"].as_str().unwrap());
    let (status, deleted) = server
        .call(Method::DELETE, &path, Some(&alice.token), None)
        .await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted["media_attachments"][0]["id"], media_id.as_str());
    let (status, second) = post("draft two", vec![media_id.clone()]).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["media_attachments"][0]["id"], media_id.as_str());
    assert_eq!(second["media_attachments"][0]["description"], "kept");
    let url = second["media_attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(fetch(&server, &url).await.0, 200);

    // With delete_media=true the attachment goes too.
    let path = format!(
        "/api/v1/statuses/{}?delete_media=true",
        second["id"].as_str().unwrap()
    );
    let (status, body) = server
        .call(Method::DELETE, &path, Some(&alice.token), None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(fetch(&server, &url).await.0, 404);
    let (status, body) = post("draft three", vec![media_id.clone()]).await;
    assert_eq!(status, 422, "{body}");

    let (same, report) = server.replay(false).await;
    assert!(same, "{report}");
    server.stop().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() { walk(&p) } else { vec![p] }
        })
        .collect()
}

#[tokio::test]
async fn avatars_and_headers_are_cropped_served_and_removable() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let form = Form::new()
        .text("display_name", "Alice")
        .part("avatar", Part::bytes(png(800, 600)).file_name("me.png"))
        .part("header", Part::bytes(jpeg(3000, 1500)).file_name("h.jpg"));
    let resp = server
        .http
        .patch(server.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let me: Value = resp.json().await.unwrap();
    assert_schema("CredentialAccount", &me);
    assert_eq!(me["display_name"], "Alice");
    let avatar = me["avatar"].as_str().unwrap();
    assert!(avatar.contains("/system/accounts/"), "{avatar}");
    let (status, _, bytes) = fetch(&server, avatar).await;
    assert_eq!(status, 200);
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (400, 400));
    let (_, _, bytes) = fetch(&server, me["header"].as_str().unwrap()).await;
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (1500, 500));

    // The actor document names them for other servers.
    let resp = server
        .http
        .get(server.url("/users/alice"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    let actor: Value = resp.json().await.unwrap();
    assert_eq!(actor["icon"]["url"], avatar);

    let (status, me) = server
        .call(
            Method::DELETE,
            "/api/v1/profile/avatar",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, 200, "{me}");
    assert!(
        me["avatar"]
            .as_str()
            .unwrap()
            .ends_with("/avatars/original/missing.png")
    );

    let (same, diff) = server.replay(false).await;
    assert!(same, "replay differs: {diff}");
    server.stop().await;
}

#[tokio::test]
async fn attachments_reach_other_servers_as_documents_with_blurhash_and_focus() {
    let a = TestServer::federating().await;
    let b = TestServer::federating().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    follow_across(&b, &bob, &a, &alice).await;

    let (status, media) = upload(
        &a,
        &alice,
        "/api/v1/media",
        "p.jpg",
        jpeg(300, 200),
        &[("description", "A chart"), ("focus", "0.5,0.5")],
    )
    .await;
    assert_eq!(status, 200, "{media}");
    let (status, _) = a
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "with a picture", "media_ids": [media["id"]]}),
        )
        .await;
    assert_eq!(status, 200);

    wait_until("the post reaches bob's home", WAIT, || async {
        let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
        home.as_array().is_some_and(|l| !l.is_empty())
    })
    .await;
    let (_, home) = b.get("/api/v1/timelines/home", Some(&bob.token)).await;
    let seen = home[0].clone();
    assert_schema("Status", &seen);
    let m = &seen["media_attachments"][0];
    assert_eq!(m["type"], "image");
    assert_eq!(m["description"], "A chart");
    assert_eq!(m["blurhash"], media["blurhash"]);
    assert_eq!(m["remote_url"], media["url"]);
    assert_eq!(m["meta"]["focus"], json!({"x": 0.5, "y": 0.5}));
    // The remote file is referenced where it lives, and is there.
    let (status, _, _) = fetch(&b, m["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);

    let (same, diff) = b.replay(false).await;
    assert!(same, "replay differs: {diff}");
    a.stop().await;
    b.stop().await;
}
