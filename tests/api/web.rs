//! The web pages over plain HTTP: content negotiation on the profile, the showcase curated
//! in settings and federated as `featured` in its order, CSRF on every form, who may see
//! followers-only posts, sanitized remote bios, suspended accounts, sign-up by mail, and
//! the caching headers. (Real Chromium drives the same pages in `browser.rs`.)

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::mail::mailed_link;
use crate::support::*;

const PASSWORD: &str = "correct horse battery";

/// A browser without JavaScript: keeps the session cookie, sends forms.
#[derive(Clone)]
pub struct Browser<'a> {
    server: &'a TestServer,
    cookie: Option<String>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// The CSRF token of the page's forms.
    pub fn token(&self) -> String {
        let marker = r#"name="authenticity_token" value=""#;
        let start = self.body.find(marker).expect("a form with a token") + marker.len();
        self.body[start..]
            .chars()
            .take_while(|c| *c != '"')
            .collect()
    }

    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl<'a> Browser<'a> {
    pub fn new(server: &'a TestServer) -> Self {
        Browser {
            server,
            cookie: None,
        }
    }

    async fn answer(&mut self, response: reqwest::Response) -> Answer {
        for v in response.headers().get_all(SET_COOKIE) {
            let pair = v.to_str().unwrap().split(';').next().unwrap();
            if let Some(value) = pair.strip_prefix("tessera_session=") {
                self.cookie = Some(value.to_string()).filter(|v| !v.is_empty());
            }
        }
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self
            .server
            .http
            .request(method, self.server.url(path))
            .header("Accept", "text/html,application/xhtml+xml");
        if let Some(c) = &self.cookie {
            r = r.header("Cookie", format!("tessera_session={c}"));
        }
        r
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let response = self
            .request(reqwest::Method::POST, path)
            .form(form)
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    pub async fn post_multipart(&mut self, path: &str, form: reqwest::multipart::Form) -> Answer {
        let response = self
            .request(reqwest::Method::POST, path)
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.answer(response).await
    }

    /// Post a form of the page at `page`, with that page's token.
    pub async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Answer {
        let token = self.get(page).await.token();
        let mut form = vec![("authenticity_token", token.as_str())];
        form.extend_from_slice(fields);
        self.post(action, &form).await
    }

    pub async fn sign_in(&mut self, login: &str, password: &str) -> Answer {
        self.submit(
            "/auth/sign_in",
            "/auth/sign_in",
            &[("login", login), ("password", password)],
        )
        .await
    }
}

async fn post_status(server: &TestServer, user: &User, text: &str, visibility: &str) -> String {
    let (status, posted) = server
        .post(
            "/api/v1/statuses",
            Some(&user.token),
            json!({"status": text, "visibility": visibility}),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    posted["id"].as_str().unwrap().to_string()
}

/// Where each text first appears in `html` (panics when one is missing).
fn order_of(html: &str, texts: &[&str]) -> Vec<usize> {
    texts
        .iter()
        .map(|t| {
            html.find(t)
                .unwrap_or_else(|| panic!("{t} is not on the page"))
        })
        .collect()
}

fn is_sorted(positions: &[usize]) -> bool {
    positions.windows(2).all(|w| w[0] < w[1])
}

#[tokio::test]
async fn the_profile_is_a_page_for_browsers_and_the_actor_for_servers() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    post_status(&server, &alice, "Mixing the new album", "public").await;
    let mut visitor = Browser::new(&server);

    let page = visitor.get("/@alice").await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.body.contains(r#"<h1 id="profile-name">alice</h1>"#),
        "{}",
        page.body
    );
    assert!(page.body.contains("Mixing the new album"));
    assert!(
        page.body
            .contains(r#"rel="alternate" type="application/activity+json""#)
    );
    assert_eq!(
        page.headers["link"],
        format!(
            r#"<{}/users/alice>; rel="alternate"; type="application/activity+json""#,
            server.base
        )
    );
    // A public page: cached briefly by anyone, revalidated by its ETag.
    assert_eq!(page.headers["cache-control"], "public, max-age=60");
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert!(page.headers.contains_key("last-modified"));
    let etag = page.headers["etag"].to_str().unwrap().to_string();
    let again = server
        .http
        .get(server.url("/@alice"))
        .header("Accept", "text/html")
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    // A session made for the sign-in form does not make the profile private.
    visitor.get("/auth/sign_in").await;
    let with_session = visitor.get("/@alice").await;
    assert_eq!(with_session.headers["cache-control"], "public, max-age=60");
    assert!(!with_session.body.contains("authenticity_token"));

    let actor = server
        .http
        .get(server.url("/@alice"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(actor.status(), 200);
    let actor: Value = actor.json().await.unwrap();
    assert_eq!(actor["type"], "Person");
    assert_eq!(actor["preferredUsername"], "alice");
    assert_eq!(
        actor["featured"],
        format!("{}/users/alice/collections/featured", server.base)
    );

    // The actor's own address sends a browser to the profile page.
    let to_page = visitor.get("/users/alice").await;
    assert_eq!(to_page.status, 302);
    assert_eq!(to_page.location(), format!("{}/@alice", server.base));
    assert_eq!(visitor.get("/@nobody").await.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn the_showcase_is_curated_in_settings_and_federated_as_featured_in_its_order() {
    let server = TestServer::start_with(&[("TESSERA_SHOWCASE_LIMIT", "3")]).await;
    let alice = server.user("alice").await;
    let first = post_status(&server, &alice, "Film score for Harbour", "public").await;
    let second = post_status(&server, &alice, "Sound walk in Lisbon", "public").await;
    let third = post_status(&server, &alice, "Foley for a short", "unlisted").await;
    let fourth = post_status(&server, &alice, "One too many", "public").await;
    let mut web = Browser::new(&server);
    let signed_in = web.sign_in("alice", PASSWORD).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.location(), "/home");

    for id in [&first, &second, &third] {
        let added = web
            .submit(
                "/settings/showcase",
                &format!("/settings/showcase/{id}/add"),
                &[],
            )
            .await;
        assert_eq!(added.status, 303, "{}", added.body);
    }
    // The limit is the operator's; the fourth is refused with the reason, and not pinned.
    let before = server.event_count().await;
    let refused = web
        .submit(
            "/settings/showcase",
            &format!("/settings/showcase/{fourth}/add"),
            &[],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("maximum number"), "{}", refused.body);
    assert_eq!(server.event_count().await, before);

    // Newest first, as Mastodon lists pins; then the owner moves "Film score" to the top.
    let settings = web.get("/settings/showcase").await;
    assert!(is_sorted(&order_of(
        &settings.body,
        &["Foley for a short", "Sound walk", "Film score"]
    )));
    for _ in 0..2 {
        let moved = web
            .submit(
                "/settings/showcase",
                &format!("/settings/showcase/{first}/up"),
                &[],
            )
            .await;
        assert_eq!(moved.status, 303, "{}", moved.body);
    }
    let moved = web
        .submit(
            "/settings/showcase",
            &format!("/settings/showcase/{third}/down"),
            &[],
        )
        .await;
    assert_eq!(moved.status, 303);
    let expected = ["Film score", "Sound walk", "Foley for a short"];

    // A visitor sees the showcase first, in that order.
    let mut visitor = Browser::new(&server);
    let profile = visitor.get("/@alice").await;
    let showcase = &profile.body[profile.body.find(r#"id="showcase""#).expect("a showcase")..];
    assert!(is_sorted(&order_of(showcase, &expected)), "{showcase}");
    assert!(!showcase.contains("One too many"));

    // Servers read the same order from `featured`, and apps from the pinned statuses.
    let featured: Value = server
        .http
        .get(server.url("/users/alice/collections/featured"))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items: Vec<String> = featured["orderedItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["content"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(items.len(), 3, "{featured}");
    for (item, text) in items.iter().zip(expected) {
        assert!(item.contains(text), "{items:?}");
    }
    let (_, pinned) = server
        .get(
            &format!("/api/v1/accounts/{}/statuses?pinned=true", alice.id),
            None,
        )
        .await;
    let ids: Vec<&str> = pinned
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![first.as_str(), second.as_str(), third.as_str()]);

    // Removing keeps the order of the rest.
    let removed = web
        .submit(
            "/settings/showcase",
            &format!("/settings/showcase/{second}/remove"),
            &[],
        )
        .await;
    assert_eq!(removed.status, 303);
    let (_, pinned) = server
        .get(
            &format!("/api/v1/accounts/{}/statuses?pinned=true", alice.id),
            None,
        )
        .await;
    let ids: Vec<&str> = pinned
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![first.as_str(), third.as_str()]);

    let (identical, report) = server.replay(false).await;
    assert!(identical, "{report}");
    server.stop().await;
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let post = post_status(&server, &alice, "Portfolio piece", "public").await;
    let mut web = Browser::new(&server);
    assert_eq!(web.sign_in("alice", PASSWORD).await.status, 303);
    let mut other = Browser::new(&server);
    let others_token = other.get("/auth/sign_in").await.token();
    let before = server.event_count().await;

    let add = format!("/settings/showcase/{post}/add");
    let missing = web.post(&add, &[]).await;
    assert_eq!(missing.status, 403, "{}", missing.body);
    assert!(
        missing.body.contains("did not come from this site"),
        "{}",
        missing.body
    );
    let foreign = web
        .post(&add, &[("authenticity_token", &others_token)])
        .await;
    assert_eq!(foreign.status, 403);
    let compose = web
        .post(
            "/web/statuses",
            &[("status", "forged"), ("authenticity_token", "x")],
        )
        .await;
    assert_eq!(compose.status, 403);
    let profile = web
        .post("/settings/profile", &[("display_name", "Forged")])
        .await;
    assert_eq!(profile.status, 403);
    let sign_out = web.post("/auth/sign_out", &[]).await;
    assert_eq!(sign_out.status, 403);
    // Signing in needs the token too (no log-in CSRF), even with the right password.
    let mut fresh = Browser::new(&server);
    let forced = fresh
        .post(
            "/auth/sign_in",
            &[("login", "alice"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(forced.status, 403);
    assert_eq!(server.event_count().await, before, "nothing was appended");

    // The same form with its token works, and signing out ends the session.
    let added = web.submit("/settings/showcase", &add, &[]).await;
    assert_eq!(added.status, 303);
    let out = web.submit("/home", "/auth/sign_out", &[]).await;
    assert_eq!(out.status, 303);
    let home = web.get("/home").await;
    assert_eq!(home.status, 303);
    assert_eq!(home.location(), "/auth/sign_in");
    server.stop().await;
}

#[tokio::test]
async fn followers_only_posts_are_shown_to_followers_and_no_one_else() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    post_status(&server, &alice, "Open studio on Friday", "public").await;
    let secret = post_status(&server, &alice, "Unreleased mix for followers", "private").await;
    let (status, _) = server
        .post(
            &format!("/api/v1/accounts/{}/follow", alice.id),
            Some(&carol.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let permalink = format!("/@alice/{secret}");

    let mut visitor = Browser::new(&server);
    let profile = visitor.get("/@alice").await;
    assert!(profile.body.contains("Open studio on Friday"));
    assert!(!profile.body.contains("Unreleased mix"));
    assert_eq!(visitor.get(&permalink).await.status, 404);

    let mut bob_web = Browser::new(&server);
    assert_eq!(bob_web.sign_in("bob", PASSWORD).await.status, 303);
    let profile = bob_web.get("/@alice?tab=replies").await;
    assert!(profile.body.contains("Open studio on Friday"));
    assert!(!profile.body.contains("Unreleased mix"));
    assert_eq!(bob_web.get(&permalink).await.status, 404);
    assert_eq!(
        profile.headers["cache-control"], "no-store",
        "a signed-in page is private"
    );

    let mut carol_web = Browser::new(&server);
    assert_eq!(carol_web.sign_in("carol", PASSWORD).await.status, 303);
    assert!(
        carol_web
            .get("/@alice")
            .await
            .body
            .contains("Unreleased mix")
    );
    let page = carol_web.get(&permalink).await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers["link"]
            .to_str()
            .unwrap()
            .contains(&format!("/users/alice/statuses/{secret}>"))
    );
    assert!(page.body.contains("Unreleased mix"));
    let _ = bob;
    server.stop().await;
}

#[tokio::test]
async fn a_script_in_a_remote_bio_is_removed_before_any_page_shows_it() {
    let server = TestServer::start_with(&[("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true")]).await;
    server.user("alice").await;
    let peer = crate::peer::Peer::start(&["mallory"]).await;
    let mallory = peer.actor_id("mallory");
    let key = peer.public_pem("mallory");
    peer.publish(json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": mallory, "type": "Person", "preferredUsername": "mallory", "name": "Mallory",
        "summary": "<p>Designer of <b>things</b></p><script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">",
        "inbox": format!("{mallory}/inbox"), "outbox": format!("{mallory}/outbox"),
        "publicKey": {"id": format!("{mallory}#main-key"), "owner": mallory, "publicKeyPem": key},
    }));
    let mut web = Browser::new(&server);
    assert_eq!(web.sign_in("alice", PASSWORD).await.status, 303);
    let uri: String = url::form_urlencoded::byte_serialize(mallory.as_bytes()).collect();
    let page = web.get(&format!("/authorize_interaction?uri={uri}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Designer of <b>things</b>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script"), "{}", page.body);
    assert!(!page.body.contains("onerror"), "{}", page.body);
    // And following from that page works.
    let follow = web
        .submit(
            &format!("/authorize_interaction?uri={uri}"),
            &format!("/web/accounts/{}/follow", account_id_in(&page.body)),
            &[],
        )
        .await;
    assert_eq!(follow.status, 303, "{}", follow.body);
    server.stop().await;
}

fn account_id_in(html: &str) -> String {
    let marker = "/web/accounts/";
    let start = html.find(marker).expect("a follow form") + marker.len();
    html[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

#[tokio::test]
async fn a_suspended_account_shows_a_notice_and_none_of_its_content() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let moderator = server.staff("mod", "moderator").await;
    let post = post_status(&server, &alice, "Case study: rebrand", "public").await;
    let (status, body) = server
        .post(
            &format!("/api/v1/admin/accounts/{}/action", alice.id),
            Some(&moderator.token),
            json!({"type": "suspend"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut visitor = Browser::new(&server);
    let page = visitor.get("/@alice").await;
    assert_eq!(page.status, 410);
    assert!(page.body.contains("has been suspended"), "{}", page.body);
    assert!(!page.body.contains("Case study"));
    assert_eq!(visitor.get(&format!("/@alice/{post}")).await.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn signing_up_on_the_web_needs_the_mailed_confirmation_before_signing_in() {
    let server = TestServer::start_with(&[("TESSERA_EMAIL_CONFIRMATION", "true")]).await;
    let mut web = Browser::new(&server);
    let form = [
        ("username", "dana"),
        ("email", "dana@example.com"),
        ("password", PASSWORD),
        ("password_confirmation", "something else"),
        ("agreement", "true"),
    ];
    let mismatch = web.submit("/auth/sign_up", "/auth/sign_up", &form).await;
    assert_eq!(mismatch.status, 422);
    assert!(mismatch.body.contains("not the same"));
    assert!(
        mismatch.body.contains(r#"value="dana""#),
        "the form keeps what was typed"
    );

    let mut form = form;
    form[3] = ("password_confirmation", PASSWORD);
    let signed_up = web.submit("/auth/sign_up", "/auth/sign_up", &form).await;
    assert_eq!(signed_up.status, 200, "{}", signed_up.body);
    assert!(signed_up.body.contains("Check your e-mail"));
    let taken = web.submit("/auth/sign_up", "/auth/sign_up", &form).await;
    assert_eq!(taken.status, 422);
    assert!(taken.body.contains("already been taken"), "{}", taken.body);

    let early = web.sign_in("dana", PASSWORD).await;
    assert_eq!(early.status, 401);
    assert!(early.body.contains("confirm your email"), "{}", early.body);
    let link = mailed_link(
        &server,
        &format!("{}/auth/confirmation?confirmation_token=", server.base),
    )
    .await;
    let path = link.trim_start_matches(&server.base).to_string();
    assert_eq!(web.get(&path).await.status, 200);
    let wrong = web.sign_in("dana", "not the password").await;
    assert_eq!(wrong.status, 401);
    let signed_in = web.sign_in("dana@example.com", PASSWORD).await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let cookie = signed_in.headers[SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let home = web.get("/home").await;
    assert_eq!(home.status, 200);
    assert_eq!(home.headers["cache-control"], "no-store");
    assert!(home.body.contains("What are you working on?"));
    server.stop().await;
}

#[tokio::test]
async fn the_profile_settings_save_the_headline_and_refuse_what_is_too_long() {
    let server = TestServer::start().await;
    server.user("alice").await;
    let mut web = Browser::new(&server);
    assert_eq!(web.sign_in("alice", PASSWORD).await.status, 303);
    let form = |headline: &str, token: &str| {
        reqwest::multipart::Form::new()
            .text("authenticity_token", token.to_string())
            .text("display_name", "Alice Martin")
            .text("headline", headline.to_string())
            .text("note", "I design sound for film. https://alice.example")
            .text("fields_attributes[0][name]", "Studio")
            .text("fields_attributes[0][value]", "Harbour Sound")
            .text("discoverable", "true")
            .part(
                "avatar",
                reqwest::multipart::Part::bytes(Vec::new()).file_name(""),
            )
    };
    let token = web.get("/settings/profile").await.token();
    let saved = web
        .post_multipart(
            "/settings/profile",
            form("Sound designer at Harbour", &token),
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let profile = Browser::new(&server).get("/@alice").await.body;
    assert!(
        profile.contains(r#"<p class="headline">Sound designer at Harbour</p>"#),
        "{profile}"
    );
    assert!(profile.contains("Alice Martin"));
    assert!(profile.contains("Harbour Sound"));
    assert!(profile.contains(r#"<meta name="description" content="Sound designer at Harbour">"#));

    let before = server.event_count().await;
    let token = web.get("/settings/profile").await.token();
    let refused = web
        .post_multipart("/settings/profile", form(&"x".repeat(101), &token))
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Headline"), "{}", refused.body);
    assert_eq!(server.event_count().await, before);
    let (identical, report) = server.replay(false).await;
    assert!(identical, "{report}");
    server.stop().await;
}

#[tokio::test]
async fn feeds_explore_and_hashtag_pages_show_public_posts_only() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    post_status(&server, &alice, "New reel is out #SoundDesign <3", "public").await;
    post_status(&server, &alice, "A quiet note", "unlisted").await;
    post_status(&server, &alice, "Followers hear it first", "private").await;
    post_status(
        &server,
        &bob,
        "Field recording at dawn #sounddesign",
        "public",
    )
    .await;
    let get = |path: &str| {
        let request = server.http.get(server.url(path)).send();
        async move {
            let r = request.await.unwrap();
            let status = r.status();
            let kind = r
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            (status, kind, r.text().await.unwrap())
        }
    };

    let (status, kind, rss) = get("/@alice.rss").await;
    assert_eq!(status, 200);
    assert_eq!(kind, "application/rss+xml; charset=utf-8");
    assert!(rss.starts_with("<?xml"), "{rss}");
    assert!(rss.contains("<title>alice (@alice@"), "{rss}");
    // The post's HTML is escaped once, as RSS readers expect, and its hashtag is a category.
    assert!(rss.contains("&lt;p&gt;New reel is out"), "{rss}");
    assert!(rss.contains("&amp;lt;3"), "{rss}");
    assert!(rss.contains("<category>sounddesign</category>"), "{rss}");
    assert!(
        !rss.contains("quiet note") && !rss.contains("Followers hear"),
        "{rss}"
    );
    let (status, kind, atom) = get("/@alice.atom").await;
    assert_eq!(status, 200);
    assert_eq!(kind, "application/atom+xml; charset=utf-8");
    assert_eq!(atom.matches("<entry>").count(), 1, "{atom}");
    assert!(
        atom.contains(r#"<content type="html">&lt;p&gt;New reel"#),
        "{atom}"
    );
    assert_eq!(get("/@nobody.rss").await.0, 404);

    let (status, _, tag) = get("/tags/SoundDesign").await;
    assert_eq!(status, 200);
    assert!(
        tag.contains("New reel is out") && tag.contains("Field recording at dawn"),
        "{tag}"
    );
    let (_, kind, tag_rss) = get("/tags/sounddesign.rss").await;
    assert!(kind.starts_with("application/rss+xml"));
    assert_eq!(tag_rss.matches("<item>").count(), 2, "{tag_rss}");
    assert_eq!(get("/tags/not-a-tag").await.0, 404);

    let (status, _, explore) = get("/explore").await;
    assert_eq!(status, 200);
    assert!(explore.contains("New reel is out") && explore.contains("Field recording"));
    assert!(!explore.contains("quiet note") && !explore.contains("Followers hear"));
    let (status, _, about) = get("/about").await;
    assert_eq!(status, 200);
    assert!(about.contains(&server.domain()), "{about}");
    assert!(about.contains("<strong>2</strong> people"), "{about}");
    server.stop().await;
}

#[tokio::test]
async fn an_authorized_app_is_listed_and_revoking_it_signs_it_out() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let mut web = Browser::new(&server);
    assert_eq!(web.sign_in("alice", PASSWORD).await.status, 303);
    let apps = web.get("/settings/apps").await;
    assert_eq!(apps.status, 200);
    assert!(
        apps.body.contains("<strong>tests</strong>"),
        "{}",
        apps.body
    );
    assert!(apps.body.contains("read write follow push"));
    let marker = "/settings/apps/";
    let start = apps.body.find(marker).unwrap() + marker.len();
    let app_id: String = apps.body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();

    assert_eq!(
        web.post(&format!("/settings/apps/{app_id}/revoke"), &[])
            .await
            .status,
        403
    );
    let (status, _) = server
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, 200, "a refused form revokes nothing");
    let revoked = web
        .submit(
            "/settings/apps",
            &format!("/settings/apps/{app_id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(revoked.status, 303);
    let (status, _) = server
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, 401);
    let apps = web.get("/settings/apps").await;
    assert!(apps.body.contains("No app is signed in"));
    let again = web
        .submit(
            "/settings/apps",
            &format!("/settings/apps/{app_id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(again.status, 404);
    server.stop().await;
}

#[tokio::test]
async fn exports_hold_ones_data_and_a_follows_csv_is_imported() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    let carol = server.user("carol").await;
    let dave = server.user("dave").await;
    server.user("eve").await;
    let domain = server.domain();
    for (path, body) in [
        (format!("/api/v1/accounts/{}/follow", bob.id), json!({})),
        (format!("/api/v1/accounts/{}/block", carol.id), json!({})),
        (
            format!("/api/v1/accounts/{}/mute", dave.id),
            json!({"notifications": true}),
        ),
    ] {
        let (status, body) = server.post(&path, Some(&alice.token), body).await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, list) = server
        .post(
            "/api/v1/lists",
            Some(&alice.token),
            json!({"title": "Studio, friends"}),
        )
        .await;
    let (status, _) = server
        .post(
            &format!("/api/v1/lists/{}/accounts", list["id"].as_str().unwrap()),
            Some(&alice.token),
            json!({"account_ids": [bob.id]}),
        )
        .await;
    assert_eq!(status, 200);
    post_status(&server, &alice, "A post for the archive", "private").await;

    let mut web = Browser::new(&server);
    assert_eq!(web.sign_in("alice", PASSWORD).await.status, 303);
    let following = web.get("/settings/export/following_accounts.csv").await;
    assert_eq!(following.status, 200);
    assert_eq!(following.headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        following.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    assert_eq!(
        following.body,
        format!(
            "Account address,Show boosts,Notify on new posts,Languages\nbob@{domain},true,false,\n"
        )
    );
    assert_eq!(
        web.get("/settings/export/blocked_accounts.csv").await.body,
        format!("carol@{domain}\n")
    );
    assert_eq!(
        web.get("/settings/export/muted_accounts.csv").await.body,
        format!("Account address,Hide notifications\ndave@{domain},true\n")
    );
    assert_eq!(
        web.get("/settings/export/lists.csv").await.body,
        format!("\"Studio, friends\",bob@{domain}\n")
    );
    let archive: Value =
        serde_json::from_str(&web.get("/settings/export/archive.json").await.body).unwrap();
    assert_eq!(archive["account"]["username"], "alice");
    assert_eq!(archive["statuses"].as_array().unwrap().len(), 1);
    assert_eq!(archive["following"], json!([format!("bob@{domain}")]));
    let kinds: Vec<&str> = archive["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for kind in ["AccountRegistered", "Followed", "StatusPosted", "ListSaved"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    assert_eq!(web.get("/settings/export/other.csv").await.status, 404);
    let mut visitor = Browser::new(&server);
    assert_eq!(
        visitor.get("/settings/export/archive.json").await.status,
        303,
        "visitors are sent to sign in"
    );

    // Eve imports Alice's follows: the local account is followed at once.
    let mut eve = Browser::new(&server);
    assert_eq!(eve.sign_in("eve", PASSWORD).await.status, 303);
    let upload = |token: String, csv: String| {
        reqwest::multipart::Form::new()
            .text("authenticity_token", token)
            .part(
                "follows",
                reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("follows.csv"),
            )
    };
    let token = eve.get("/settings/data").await.token();
    let bad = eve
        .post_multipart(
            "/settings/import",
            upload(token.clone(), "not an address\n".into()),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Line 1"), "{}", bad.body);
    let imported = eve
        .post_multipart("/settings/import", upload(token, following.body.clone()))
        .await;
    assert_eq!(imported.status, 303, "{}", imported.body);
    assert_eq!(imported.location(), "/settings/data?imported=1&queued=0");
    let (_, eve_api) = server.get("/api/v1/accounts/lookup?acct=eve", None).await;
    let (_, following) = server
        .get(
            &format!(
                "/api/v1/accounts/{}/following",
                eve_api["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(following[0]["username"], "bob", "{following}");
    server.stop().await;
}

#[tokio::test]
async fn a_signed_in_browser_authorizes_an_app_without_its_password() {
    let server = TestServer::start().await;
    server.user("alice").await;
    let (client_id, client_secret, _) = server.app().await;
    let mut web = Browser::new(&server);
    assert_eq!(web.sign_in("alice", PASSWORD).await.status, 303);
    let query = format!(
        "/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read"
    );
    let consent = web.get(&query).await;
    assert_eq!(consent.status, 200);
    assert!(
        consent
            .body
            .contains("You are signed in as <strong>@alice</strong>"),
        "{}",
        consent.body
    );
    assert!(!consent.body.contains(r#"name="password""#));
    let fields = [
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
        ("scope", "read"),
        ("decision", "approve"),
    ];
    let mut forged = fields.to_vec();
    forged.push(("authenticity_token", "forged"));
    assert_eq!(web.post("/oauth/authorize", &forged).await.status, 403);

    let approved = web.submit(&query, "/oauth/authorize", &fields).await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    let marker = r#"<code id="authorization-code">"#;
    let start = approved.body.find(marker).unwrap() + marker.len();
    let code: String = approved.body[start..]
        .chars()
        .take_while(|c| *c != '<')
        .collect();
    let token: Value = server
        .http
        .post(server.url("/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &client_id),
            ("client_secret", &client_secret),
            ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (status, me) = server
        .get(
            "/api/v1/accounts/verify_credentials",
            Some(token["access_token"].as_str().unwrap()),
        )
        .await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(me["username"], "alice");
    server.stop().await;
}

#[tokio::test]
async fn moderators_act_on_reports_and_block_servers_from_their_pages() {
    let server = TestServer::start().await;
    let alice = server.user("alice").await;
    let bob = server.user("bob").await;
    server.staff("mod", "moderator").await;
    let spam = post_status(&server, &bob, "Buy followers now", "public").await;
    let (status, body) = server
        .post(
            "/api/v1/reports",
            Some(&alice.token),
            json!({"account_id": bob.id, "status_ids": [spam], "comment": "Spam again", "category": "spam"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let report_id = body["id"].as_str().unwrap().to_string();

    let mut alice_web = Browser::new(&server);
    assert_eq!(alice_web.sign_in("alice", PASSWORD).await.status, 303);
    assert_eq!(
        alice_web.get("/admin/reports").await.status,
        403,
        "only moderators"
    );
    assert!(!alice_web.get("/home").await.body.contains("/admin/reports"));

    let mut web = Browser::new(&server);
    assert_eq!(
        web.sign_in("mod", "correct horse battery staple")
            .await
            .status,
        303
    );
    assert!(
        web.get("/home")
            .await
            .body
            .contains(r#"href="/admin/reports""#)
    );
    let open = web.get("/admin/reports").await;
    assert_eq!(open.status, 200);
    assert!(
        open.body.contains("Report about") && open.body.contains("Spam again"),
        "{}",
        open.body
    );
    assert!(open.body.contains("Buy followers now"));

    let suspend = format!("/admin/accounts/{}/suspend", bob.id);
    assert_eq!(
        web.post(&suspend, &[("report_id", &report_id)])
            .await
            .status,
        403
    );
    let done = web
        .submit("/admin/reports", &suspend, &[("report_id", &report_id)])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(Browser::new(&server).get("/@bob").await.status, 410);
    assert!(
        web.get("/admin/reports")
            .await
            .body
            .contains("No open reports")
    );
    let resolved = web.get("/admin/reports?resolved=1").await;
    assert!(
        resolved.body.contains("Lift the suspension"),
        "{}",
        resolved.body
    );
    let lifted = web
        .submit(
            "/admin/reports",
            &format!("/admin/accounts/{}/unsuspend", bob.id),
            &[],
        )
        .await;
    assert_eq!(lifted.status, 303, "{}", lifted.body);
    assert_eq!(Browser::new(&server).get("/@bob").await.status, 200);

    let blocked = web
        .submit(
            "/admin/domain_blocks",
            "/admin/domain_blocks",
            &[
                ("domain", "spam.example"),
                ("severity", "suspend"),
                ("public_comment", "Spam"),
            ],
        )
        .await;
    assert_eq!(blocked.status, 303, "{}", blocked.body);
    let list = web.get("/admin/domain_blocks").await;
    assert!(
        list.body.contains("<strong>spam.example</strong>"),
        "{}",
        list.body
    );
    let bad = web
        .submit(
            "/admin/domain_blocks",
            "/admin/domain_blocks",
            &[("domain", "not a domain"), ("severity", "suspend")],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let marker = "/admin/domain_blocks/";
    let start = list.body.find(marker).unwrap() + marker.len();
    let id: String = list.body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let removed = web
        .submit(
            "/admin/domain_blocks",
            &format!("/admin/domain_blocks/{id}/remove"),
            &[],
        )
        .await;
    assert_eq!(removed.status, 303);
    assert!(
        web.get("/admin/domain_blocks")
            .await
            .body
            .contains("No server is blocked")
    );
    server.stop().await;
}

#[tokio::test]
async fn the_web_client_posts_follows_favourites_boosts_replies_and_notifies() {
    let server = TestServer::start().await;
    server.user("alice").await;
    server.user("bob").await;
    let mut alice = Browser::new(&server);
    assert_eq!(alice.sign_in("alice", PASSWORD).await.status, 303);
    let posted = alice
        .submit(
            "/home",
            "/web/statuses",
            &[
                ("status", "Looking for a mixing engineer"),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    assert_eq!(posted.location(), "/home?posted=1");
    let too_long = alice
        .submit(
            "/home",
            "/web/statuses",
            &[("status", &"x".repeat(501)), ("visibility", "public")],
        )
        .await;
    assert_eq!(too_long.status, 422, "{}", too_long.body);

    let mut bob = Browser::new(&server);
    assert_eq!(bob.sign_in("bob", PASSWORD).await.status, 303);
    let profile = bob.get("/@alice").await;
    let marker = "/web/accounts/";
    let start = profile.body.find(marker).expect("a follow button") + marker.len();
    let alice_id: String = profile.body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let followed = bob
        .submit("/@alice", &format!("/web/accounts/{alice_id}/follow"), &[])
        .await;
    assert_eq!(followed.status, 303);
    assert!(bob.get("/@alice").await.body.contains("Unfollow"));
    let (_, statuses) = server
        .get(&format!("/api/v1/accounts/{alice_id}/statuses"), None)
        .await;
    let post = statuses[0]["id"].as_str().unwrap().to_string();
    for action in ["favourite", "reblog"] {
        let done = bob
            .submit("/@alice", &format!("/web/statuses/{post}/{action}"), &[])
            .await;
        assert_eq!(done.status, 303, "{action}");
    }
    let reply_page = bob.get(&format!("/home?in_reply_to={post}")).await;
    assert!(
        reply_page.body.contains("Reply to @alice</h2>"),
        "{}",
        reply_page.body
    );
    let replied = bob
        .submit(
            &format!("/home?in_reply_to={post}"),
            "/web/statuses",
            &[
                ("status", "@alice I mix for film"),
                ("visibility", "public"),
                ("in_reply_to_id", &post),
            ],
        )
        .await;
    assert_eq!(replied.status, 303, "{}", replied.body);

    server
        .eventually("alice is notified", || {
            let mut alice = alice.clone();
            async move {
                let page = alice.get("/notifications").await.body;
                [
                    "followed you",
                    "favourited your post",
                    "boosted your post",
                    "mentioned you",
                ]
                .iter()
                .all(|label| page.contains(label))
            }
        })
        .await;
    let permalink = alice.get(&format!("/@alice/{post}")).await;
    assert!(
        permalink.body.contains("I mix for film"),
        "the reply shows in the thread"
    );
    assert!(permalink.body.contains("1 favourites") && permalink.body.contains("1 boosts"));
    server.stop().await;
}

#[tokio::test]
async fn a_profile_link_that_links_back_with_rel_me_is_verified() {
    let server = TestServer::start_with(&[("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true")]).await;
    server.user("alice").await;
    let profile = format!("{}/@alice", server.base);
    // Links to the profile without `rel="me"`, and `rel="me"` to someone else, do not count.
    let elsewhere = format!(
        r#"<p><a href="{profile}">Alice</a> and <a rel="me" href="https://other.example/@x">me</a></p>"#
    );
    let pages = axum::Router::new()
        .route(
            "/portfolio",
            axum::routing::get(move || {
                let profile = profile.clone();
                async move {
                    axum::response::Html(format!(
                        r#"<p>Work by <a rel="me" href="{profile}">Alice</a></p>"#
                    ))
                }
            }),
        )
        .route(
            "/elsewhere",
            axum::routing::get(move || {
                let page = elsewhere.clone();
                async move { axum::response::Html(page) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, pages).await });

    let mut web = Browser::new(&server);
    assert_eq!(web.sign_in("alice", PASSWORD).await.status, 303);
    let token = web.get("/settings/profile").await.token();
    let form = reqwest::multipart::Form::new()
        .text("authenticity_token", token)
        .text("display_name", "Alice")
        .text("fields_attributes[0][name]", "Portfolio")
        .text("fields_attributes[0][value]", format!("{site}/portfolio"))
        .text("fields_attributes[1][name]", "Other")
        .text("fields_attributes[1][value]", format!("{site}/elsewhere"));
    assert_eq!(
        web.post_multipart("/settings/profile", form).await.status,
        303
    );

    let lookup = || server.get("/api/v1/accounts/lookup?acct=alice", None);
    server
        .eventually("the portfolio link is verified", || async {
            lookup().await.1["fields"][0]["verified_at"].is_string()
        })
        .await;
    let (_, account) = lookup().await;
    assert_schema("Account", &account);
    assert!(account["fields"][1]["verified_at"].is_null(), "{account}");
    let value = account["fields"][0]["value"].as_str().unwrap();
    assert!(
        value.starts_with(&format!(r#"<a href="{site}/portfolio""#))
            && value.contains(r#"rel="nofollow noopener me""#),
        "{value}"
    );
    let page = Browser::new(&server).get("/@alice").await.body;
    assert!(page.contains(r#"<dd class="verified">"#), "{page}");
    assert_eq!(page.matches(r#"class="verified""#).count(), 1);
    let (identical, report) = server.replay(false).await;
    assert!(identical, "{report}");
    server.stop().await;
}
