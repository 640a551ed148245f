//! Remote text is escaped exactly once: plain-text fields (a display name, a field's name, a
//! content warning, a poll's choices, a report's comment) are kept as the text they are and
//! served raw by the API, as Mastodon does; HTML fields (a profile field's value, a post's
//! content) are sanitised on the way in and served as kept; the web pages escape the text
//! once when they make HTML.

use serde_json::json;

use crate::peer::Peer;
use crate::support::*;

#[tokio::test]
async fn remote_plain_text_is_escaped_once_and_remote_html_is_sanitised_once() {
    let s = TestServer::federating().await;
    let alice = s.user("alice").await;
    let (status, mine) = s
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "Questions welcome"}),
        )
        .await;
    assert_eq!(status, 200, "{mine}");
    let alice_status = mine["id"].as_str().unwrap().to_string();

    let peer = Peer::start(&["tom"]).await;
    let tom = peer.actor_id("tom");
    // What Mastodon serves: the name and each field's name as plain text, the field's value
    // as HTML (its rel=me link markup).
    peer.publish(json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": tom, "type": "Person", "preferredUsername": "tom",
        "name": "Tom & Jerry <3",
        "summary": "<p>Cat &amp; mouse</p>",
        "inbox": format!("{tom}/inbox"), "outbox": format!("{tom}/outbox"),
        "followers": format!("{tom}/followers"),
        "endpoints": {"sharedInbox": format!("{}/inbox", peer.base())},
        "publicKey": {"id": format!("{tom}#main-key"), "owner": tom, "publicKeyPem": peer.public_pem("tom")},
        "attachment": [
            {"type": "PropertyValue", "name": "Site & <blog>",
             "value": r#"<a href="https://tom.example/" rel="me nofollow noopener" target="_blank"><span class="invisible">https://</span><span class="">tom.example/</span></a>"#},
            {"type": "PropertyValue", "name": "Bad", "value": "<script>alert(1)</script>fine"},
        ],
    }));
    let note = json!({
        "id": format!("{tom}/statuses/1"), "type": "Question", "attributedTo": tom,
        "inReplyTo": mine["uri"],
        "summary": "Q&A <spoiler>",
        "content": "<p>Fish &amp; chips?</p>",
        "oneOf": [
            {"type": "Note", "name": "Yes & more", "replies": {"type": "Collection", "totalItems": 2}},
            {"type": "Note", "name": "<no>", "replies": {"type": "Collection", "totalItems": 1}},
        ],
        "endTime": "2099-01-01T00:00:00Z",
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{tom}/followers")],
        "published": "2026-11-22T10:00:00Z",
    });
    peer.publish(note.clone());
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{tom}/activities/1"), "type": "Create", "actor": tom,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "object": note,
    });
    let flag = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{tom}/activities/2"), "type": "Flag", "actor": tom,
        "object": [s.url("/users/alice")], "content": "Spam & <junk>",
    });
    for activity in [create, flag] {
        let status = peer
            .post(
                &s.url("/inbox"),
                activity.to_string().as_bytes(),
                &peer.signing(&tom),
            )
            .await;
        assert_eq!(status, 202, "{activity}");
    }
    s.ingress_drained().await;

    // The API: plain text raw, HTML sanitised.
    let (status, context) = s
        .get(
            &format!("/api/v1/statuses/{alice_status}/context"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200, "{context}");
    let reply = &context["descendants"][0];
    assert_schema("Status", reply);
    assert_eq!(reply["spoiler_text"], "Q&A <spoiler>", "{reply}");
    assert_eq!(reply["content"], "<p>Fish &amp; chips?</p>", "{reply}");
    // The search index holds the text, not its markup.
    for (words, found) in [("chips", 1), ("amp", 0)] {
        let (status, results) = s
            .get(
                &format!("/api/v2/search?type=statuses&q={words}"),
                Some(&alice.token),
            )
            .await;
        assert_eq!(status, 200, "{results}");
        assert_eq!(
            results["statuses"].as_array().unwrap().len(),
            found,
            "{words}: {results}"
        );
    }
    assert_eq!(reply["poll"]["options"][0]["title"], "Yes & more");
    assert_eq!(reply["poll"]["options"][1]["title"], "<no>");
    let account = &reply["account"];
    assert_eq!(account["display_name"], "Tom & Jerry <3", "{account}");
    assert_eq!(account["note"], "<p>Cat &amp; mouse</p>");
    let (status, looked_up) = s
        .get(
            &format!("/api/v1/accounts/lookup?acct=tom@{}", peer.addr),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 200, "{looked_up}");
    assert_schema("Account", &looked_up);
    assert_eq!(looked_up["display_name"], "Tom & Jerry <3");
    let fields = &looked_up["fields"];
    assert_eq!(fields[0]["name"], "Site & <blog>", "{fields}");
    let link = fields[0]["value"].as_str().unwrap();
    assert!(
        link.starts_with(r#"<a href="https://tom.example/""#),
        "the link stays a link: {link}"
    );
    assert!(
        link.contains(r#"rel="nofollow noopener noreferrer""#),
        "{link}"
    );
    assert!(link.contains(r#"<span class="invisible">https://</span>"#));
    assert!(
        !link.contains("target=") && !link.contains("&lt;"),
        "{link}"
    );
    assert_eq!(fields[1]["name"], "Bad");
    assert_eq!(fields[1]["value"], "fine", "scripts are removed");

    // A remote report's comment is text too.
    let pool = s.running.as_ref().unwrap().app.db.pool.clone();
    let comment: String = sqlx::query_scalar("SELECT comment FROM reports")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(comment, "Spam & <junk>");

    // The web: the permalink of alice's post shows the reply, each text escaped once.
    let page = s
        .http
        .get(s.url(&format!("/@alice/{alice_status}")))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for once in [
        "Tom &amp; Jerry &lt;3",
        "<summary>Q&amp;A &lt;spoiler&gt;</summary>",
        "<p>Fish &amp; chips?</p>",
        "Yes &amp; more",
        "&lt;no&gt;",
    ] {
        assert!(html.contains(once), "{once} in {html}");
    }
    assert!(
        !html.contains("&amp;amp;") && !html.contains("&amp;lt;"),
        "escaped twice: {html}"
    );

    let (same, diff) = s.replay(false).await;
    assert!(same, "replay differs: {diff}");

    // A log written before payload version 2 kept this text HTML-escaped: rewritten so, it
    // still replays to the same read models.
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT seq, kind, payload FROM events \
         WHERE kind IN ('RemoteAccountFetched', 'StatusPosted', 'ReportFiled')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let escape = |v: &mut serde_json::Value| {
        let text = v.as_str().unwrap();
        *v = text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .into();
    };
    let mut rewritten = 0;
    for (seq, kind, payload) in rows {
        let mut p: serde_json::Value = serde_json::from_str(&payload).unwrap();
        match kind.as_str() {
            "RemoteAccountFetched" => {
                escape(&mut p["display_name"]);
                for f in p["fields"].as_array_mut().unwrap() {
                    escape(&mut f["name"]);
                }
            }
            "StatusPosted" if p["remote"] == true => {
                escape(&mut p["spoiler_text"]);
                for o in p["poll"]["options"].as_array_mut().unwrap() {
                    escape(o);
                }
            }
            "ReportFiled" => escape(&mut p["comment"]),
            _ => continue,
        }
        assert_eq!(p["v"], 2);
        p["v"] = json!(1);
        sqlx::query("UPDATE events SET payload = $1 WHERE seq = $2")
            .bind(p.to_string())
            .bind(seq)
            .execute(&pool)
            .await
            .unwrap();
        rewritten += 1;
    }
    assert_eq!(rewritten, 3);
    let (same, diff) = s.replay(false).await;
    assert!(same, "version 1 events replay differently: {diff}");
    s.stop().await;
}

#[tokio::test]
async fn local_profile_fields_keep_their_links_and_names_are_text() {
    let s = TestServer::start().await;
    let carol = s.user("carol").await;
    let (status, me) = s
        .call(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&carol.token),
            Some(json!({
                "display_name": "Carol & Co <3",
                "fields_attributes": {
                    "0": {"name": "Site & <blog>", "value": "https://carol.example"},
                    "1": {"name": "Motto", "value": "Less <is> more & so on"},
                },
            })),
        )
        .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["display_name"], "Carol & Co <3");
    assert_eq!(
        me["fields"][0]["name"], "Site & <blog>",
        "as Mastodon: text"
    );
    assert_eq!(
        me["fields"][0]["value"],
        r#"<a href="https://carol.example" target="_blank" rel="nofollow noopener me" translate="no">carol.example</a>"#
    );
    assert_eq!(me["fields"][1]["value"], "Less &lt;is&gt; more &amp; so on");
    let html = s
        .http
        .get(s.url("/@carol"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for once in [
        "Carol &amp; Co &lt;3",
        "<dt>Site &amp; &lt;blog&gt;</dt>",
        "Less &lt;is&gt; more &amp; so on",
    ] {
        assert!(html.contains(once), "{once} in {html}");
    }
    assert!(!html.contains("&amp;amp;"), "escaped twice: {html}");
    s.stop().await;
}
