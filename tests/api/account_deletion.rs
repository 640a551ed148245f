//! Deleting one's account from the settings page: confirmed by password and CSRF token,
//! then signed out everywhere, hidden at once, purged of its posts, reblogs and
//! favourites, its username kept, and the servers that followed it sent a Delete.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::media::{fetch, png, upload};
use crate::support::*;
use crate::web::{Answer, Browser};

const PASSWORD: &str = "correct horse battery";

async fn post(server: &TestServer, user: &User, text: &str) -> String {
    let (status, posted) = server
        .post(
            "/api/v1/statuses",
            Some(&user.token),
            json!({"status": text, "visibility": "public"}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

/// Send the deletion form of the settings page, confirmed with `password`.
async fn delete_with(web: &mut Browser<'_>, password: &str) -> Answer {
    web.submit(
        "/settings/delete",
        "/settings/delete",
        &[("password", password)],
    )
    .await
}

async fn status_as(server: &TestServer, user: &User, id: &str) -> (StatusCode, Value) {
    server
        .get(&format!("/api/v1/statuses/{id}"), Some(&user.token))
        .await
}

#[tokio::test]
async fn deleting_an_account_signs_it_out_hides_it_purges_it_and_keeps_its_username() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let farewell = post(&server, &alice, "Last post before I go").await;
    // An avatar, and a post with an image: their files go with the account.
    let avatar = server
        .http
        .patch(server.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .multipart(reqwest::multipart::Form::new().part(
            "avatar",
            reqwest::multipart::Part::bytes(png(64, 64)).file_name("me.png"),
        ))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["avatar"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, media) = upload(
        &server,
        &alice,
        "/api/v1/media",
        "work.png",
        png(64, 64),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{media}");
    let (status, with_image) = server
        .post(
            "/api/v1/statuses",
            Some(&alice.token),
            json!({"status": "A sketch", "media_ids": [media["id"]]}),
        )
        .await;
    assert_eq!(status, 200, "{with_image}");
    let image = with_image["media_attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    for url in [&avatar, &image] {
        assert_eq!(fetch(&server, url).await.0, 200, "{url}");
    }
    let bobs = post(&server, &bob, "A post alice liked and boosted").await;
    for action in ["favourite", "reblog"] {
        let (status, body) = server
            .post(
                &format!("/api/v1/statuses/{bobs}/{action}"),
                Some(&alice.token),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, _) = server
        .post(
            &format!("/api/v1/accounts/{}/follow", alice.id),
            Some(&bob.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);

    let mut web = Browser::new(&server);
    assert_eq!(web.sign_in("alice", PASSWORD).await.status, 303);
    let page = web.get("/settings/delete").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Delete your account"), "{}", page.body);

    // Neither a forged form nor a wrong password deletes anything.
    let forged = web
        .post("/settings/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(forged.status, 403);
    let wrong = delete_with(&mut web, "not my password").await;
    assert_eq!(wrong.status, 422);
    assert!(
        wrong.body.contains("The password is wrong"),
        "{}",
        wrong.body
    );
    let (status, _) = server
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, 200, "a refused deletion keeps the account");

    let deleted = delete_with(&mut web, PASSWORD).await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    assert_eq!(deleted.location(), "/settings/deleted");
    assert!(
        web.get("/settings/deleted")
            .await
            .body
            .contains("Your account is deleted")
    );

    // Signed out everywhere, and no way back in.
    let (status, _) = server
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, 401, "the app's token is revoked");
    assert_ne!(web.get("/settings/profile").await.status, 200);
    let again = web.sign_in("alice", PASSWORD).await;
    assert_ne!(again.status, 303, "signing in is refused");
    assert!(
        again.body.contains("Invalid email or password"),
        "{}",
        again.body
    );

    // Hidden at once: the profile says so, the actor and the posts are gone.
    let mut visitor = Browser::new(&server);
    let profile = visitor.get("/@alice").await;
    assert_eq!(profile.status, 410);
    assert!(
        profile.body.contains("deleted by its owner"),
        "{}",
        profile.body
    );
    assert!(!profile.body.contains("Last post before I go"));
    let actor = server
        .http
        .get(server.url("/users/alice"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(actor.status(), 404);
    assert_eq!(status_as(&server, &bob, &farewell).await.0, 404);
    let (_, bob_me) = server
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(bob_me["following_count"], 0, "the follow ended");

    // Purged afterwards: alice's favourite and reblog leave bob's post, her files go.
    server
        .eventually("alice's favourite and reblog are removed", || async {
            let (_, s) = status_as(&server, &bob, &bobs).await;
            s["favourites_count"] == 0 && s["reblogs_count"] == 0
        })
        .await;

    assert_eq!(
        fetch(&server, &avatar).await.0,
        404,
        "the avatar is removed"
    );
    server
        .eventually("the posted image's files are removed", || async {
            fetch(&server, &image).await.0 == 404
        })
        .await;

    // The username stays taken.
    let (_, _, app_token) = server.app().await;
    let (status, body) = server
        .post(
            "/api/v1/accounts",
            Some(&app_token),
            json!({"username": "alice", "email": "new-alice@example.com", "password": PASSWORD, "agreement": true, "locale": "en"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    // The log holds the deletion and the purge: a replay agrees with the read models.
    let (same, report) = server.replay(false).await;
    assert!(same, "{report}");
    server.stop().await;
}

#[tokio::test]
async fn the_servers_that_followed_a_deleted_account_are_sent_its_delete() {
    let a = TestServer::federating().await;
    let b = TestServer::federating().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    follow_across(&a, &alice, &b, &bob).await;
    let (status, posted) = b
        .post(
            "/api/v1/statuses",
            Some(&bob.token),
            json!({"status": "Hello from b before I leave", "visibility": "public"}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    let uri = posted["uri"].as_str().unwrap().to_string();
    let in_home = || async {
        let (_, home) = a.get("/api/v1/timelines/home", Some(&alice.token)).await;
        home.as_array()
            .unwrap()
            .iter()
            .any(|s| s["uri"].as_str() == Some(uri.as_str()))
    };
    wait_until("bob's post reaches a", Duration::from_secs(30), in_home).await;

    let mut web = Browser::new(&b);
    assert_eq!(web.sign_in("bob", PASSWORD).await.status, 303);
    let deleted = delete_with(&mut web, PASSWORD).await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);

    // a verifies the Delete's signature with bob's key and removes bob there too.
    wait_until(
        "bob's post leaves alice's home on a",
        Duration::from_secs(30),
        || async { !in_home().await },
    )
    .await;
    let (_, alice_me) = a
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(alice_me["following_count"], 0, "the follow ended on a");
    let (status, _) = a
        .get(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", b.domain()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, 404);
    a.stop().await;
    b.stop().await;
}
