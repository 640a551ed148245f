//! What other servers read: WebFinger, host-meta, NodeInfo, actors, notes and collections,
//! with content negotiation between ActivityPub JSON and web pages.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

const AP: &str = "application/activity+json";
const LD: &str = r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#;

async fn fetch(
    s: &TestServer,
    path_or_url: &str,
    accept: &str,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let url = if path_or_url.starts_with("http") {
        path_or_url.to_string()
    } else {
        s.url(path_or_url)
    };
    let r = s
        .http
        .get(url)
        .header("Accept", accept)
        .send()
        .await
        .unwrap();
    (r.status(), r.headers().clone(), r.text().await.unwrap())
}

async fn fetch_json(s: &TestServer, path_or_url: &str, accept: &str) -> Value {
    let (status, headers, body) = fetch(s, path_or_url, accept).await;
    assert_eq!(status, 200, "{path_or_url}: {body}");
    let content_type = headers["content-type"].to_str().unwrap().to_string();
    assert!(
        content_type.contains("json"),
        "{path_or_url} answered {content_type}"
    );
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn webfinger_host_meta_and_nodeinfo_describe_the_server() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let domain = s.base.trim_start_matches("http://").to_string();

    let jrd = fetch_json(
        &s,
        &format!("/.well-known/webfinger?resource=acct:alice@{domain}"),
        "application/jrd+json",
    )
    .await;
    assert_eq!(jrd["subject"], format!("acct:alice@{domain}"));
    let actor_uri = format!("{}/users/alice", s.base);
    let this = jrd["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .unwrap();
    assert_eq!(
        (this["href"].clone(), this["type"].clone()),
        (json!(actor_uri), json!(AP))
    );
    let by_url = fetch_json(
        &s,
        &format!("/.well-known/webfinger?resource={actor_uri}"),
        "*/*",
    )
    .await;
    assert_eq!(by_url["subject"], jrd["subject"]);
    let (status, _) = s
        .get(
            "/.well-known/webfinger?resource=acct:alice@elsewhere.example",
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = s
        .get(
            &format!("/.well-known/webfinger?resource=acct:nobody@{domain}"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = s.get("/.well-known/webfinger", None).await;
    assert_eq!(status, 400, "{body}");

    let (status, _, xrd) = fetch(&s, "/.well-known/host-meta", "*/*").await;
    assert_eq!(status, 200);
    assert!(xrd.contains(&format!(
        "{}/.well-known/webfinger?resource={{uri}}",
        s.base
    )));

    // A post so that usage counts something.
    s.post(
        "/api/v1/statuses",
        Some(&alice.token),
        json!({"status": "counted"}),
    )
    .await;
    let links = fetch_json(&s, "/.well-known/nodeinfo", "*/*").await;
    let href = links["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"].as_str().unwrap().ends_with("/2.1"))
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_string();
    let info = fetch_json(&s, &href, "*/*").await;
    assert_eq!(info["software"]["name"], "tessera");
    assert_eq!(info["metadata"]["upstream"]["name"], "mastodon");
    assert_eq!(info["protocols"], json!(["activitypub"]));
    assert_eq!(info["usage"]["users"]["total"], 1);
    assert_eq!(info["usage"]["localPosts"], 1);
    assert_eq!(info["openRegistrations"], true);
    let old = fetch_json(&s, "/nodeinfo/2.0", "*/*").await;
    assert_eq!(old["version"], "2.0");
    let (status, _) = s.get("/nodeinfo/9.9", None).await;
    assert_eq!(status, 404);
    s.stop().await;
}

#[tokio::test]
async fn profiles_and_posts_answer_servers_with_json_and_browsers_with_pages() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    s.call(
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        Some(json!({
            "display_name": "Alice Liddell", "note": "Illustrator", "locked": true,
            "fields_attributes": [{"name": "Portfolio", "value": "https://alice.example"}],
        })),
    )
    .await;
    s.post(
        &format!("/api/v1/accounts/{}/follow", alice.id),
        Some(&bob.token),
        json!({}),
    )
    .await;
    s.post(
        &format!("/api/v1/follow_requests/{}/authorize", bob.id),
        Some(&alice.token),
        json!({}),
    )
    .await;
    let (_, public) = s
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "Hello @bob #art", "language": "en"}),
        )
        .await;
    let (_, reply) = s
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "a thread", "in_reply_to_id": public["id"], "visibility": "unlisted"}),
        )
        .await;
    let (_, private) = s
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "followers only secret", "visibility": "private"}),
        )
        .await;

    // The actor, under both media types and at both URLs.
    let actor_uri = format!("{}/users/alice", s.base);
    for (path, accept) in [("/users/alice", AP), ("/users/alice", LD), ("/@alice", AP)] {
        let actor = fetch_json(&s, path, accept).await;
        assert_eq!(actor["id"], actor_uri, "{path} {accept}");
        assert_eq!(actor["type"], "Person");
        assert_eq!(actor["preferredUsername"], "alice");
        assert_eq!(actor["name"], "Alice Liddell");
        assert_eq!(actor["manuallyApprovesFollowers"], true);
        assert_eq!(actor["inbox"], format!("{actor_uri}/inbox"));
        assert_eq!(
            actor["endpoints"]["sharedInbox"],
            format!("{}/inbox", s.base)
        );
        assert_eq!(actor["publicKey"]["owner"], actor_uri);
        assert_eq!(actor["publicKey"]["id"], format!("{actor_uri}#main-key"));
        assert!(
            actor["publicKey"]["publicKeyPem"]
                .as_str()
                .unwrap()
                .starts_with("-----BEGIN PUBLIC KEY-----")
        );
        assert_eq!(
            actor["attachment"][0],
            json!({"type": "PropertyValue", "name": "Portfolio", "value": "https://alice.example"})
        );
        assert_eq!(
            actor["@context"][0],
            "https://www.w3.org/ns/activitystreams"
        );
    }
    // A browser is sent to the profile page, which shows public posts only.
    let (status, headers, _) = fetch(&s, "/users/alice", "text/html").await;
    assert_eq!(status, 302);
    assert_eq!(headers["location"], format!("{}/@alice", s.base));
    let (status, headers, page) = fetch(&s, "/@alice", "text/html,application/xhtml+xml").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.contains("Alice Liddell") && page.contains("Hello"));
    assert!(!page.contains("followers only secret"));

    // Notes: addressed as Mastodon addresses them; private ones are not served.
    let note = fetch_json(&s, public["uri"].as_str().unwrap(), AP).await;
    assert_eq!(note["type"], "Note");
    assert_eq!(note["attributedTo"], actor_uri);
    assert_eq!(
        note["to"],
        json!(["https://www.w3.org/ns/activitystreams#Public"])
    );
    assert_eq!(note["cc"][0], format!("{actor_uri}/followers"));
    assert_eq!(note["cc"][1], format!("{}/users/bob", s.base));
    assert_eq!(note["contentMap"]["en"], note["content"]);
    let kinds: Vec<&str> = note["tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["Mention", "Hashtag"]);
    let threaded = fetch_json(&s, reply["uri"].as_str().unwrap(), LD).await;
    assert_eq!(threaded["inReplyTo"], public["uri"]);
    assert_eq!(threaded["to"], json!([format!("{actor_uri}/followers")]));
    let same = fetch_json(&s, public["url"].as_str().unwrap(), AP).await;
    assert_eq!(same["id"], note["id"]);
    let (status, _, _) = fetch(&s, private["uri"].as_str().unwrap(), AP).await;
    assert_eq!(status, 404);
    let (status, headers, _) = fetch(&s, public["uri"].as_str().unwrap(), "text/html").await;
    assert_eq!(status, 302);
    assert_eq!(headers["location"], public["url"].as_str().unwrap());
    let (status, _, page) = fetch(&s, public["url"].as_str().unwrap(), "text/html").await;
    assert_eq!(status, 200);
    assert!(page.contains("Hello"));

    // Collections.
    let outbox = fetch_json(&s, &format!("{actor_uri}/outbox"), AP).await;
    assert_eq!(
        (outbox["type"].clone(), outbox["totalItems"].clone()),
        (json!("OrderedCollection"), json!(2))
    );
    let page = fetch_json(&s, outbox["first"].as_str().unwrap(), AP).await;
    assert_eq!(page["type"], "OrderedCollectionPage");
    let items = page["orderedItems"].as_array().unwrap();
    assert_eq!(items.len(), 2, "public and unlisted, not private");
    assert!(
        items
            .iter()
            .all(|i| i["type"] == "Create" && i["object"]["type"] == "Note")
    );
    let followers = fetch_json(&s, &format!("{actor_uri}/followers"), AP).await;
    assert_eq!(followers["totalItems"], 1);
    let page = fetch_json(&s, followers["first"].as_str().unwrap(), AP).await;
    assert_eq!(
        page["orderedItems"],
        json!([format!("{}/users/bob", s.base)])
    );
    let featured = fetch_json(&s, &format!("{actor_uri}/collections/featured"), AP).await;
    assert_eq!(featured["totalItems"], 0);

    // The instance actor, made on first request, the same on the next.
    let service = fetch_json(&s, "/actor", AP).await;
    assert_eq!(service["type"], "Application");
    let again = fetch_json(&s, "/actor", AP).await;
    assert_eq!(
        service["publicKey"]["publicKeyPem"],
        again["publicKey"]["publicKeyPem"]
    );

    // Unknown people and non-handles are simply not found.
    for path in ["/users/nobody", "/@nobody", "/nothing-here", "/@alice/123"] {
        let (status, _, _) = fetch(&s, path, AP).await;
        assert_eq!(status, 404, "{path}");
    }
    s.stop().await;
}
