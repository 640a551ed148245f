//! OAuth as Mastodon apps use it: app registration, the authorization-code flow with PKCE,
//! the password grant, revocation, and the metadata document.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;

use crate::support::*;

#[tokio::test]
async fn authorization_code_with_pkce_then_revoke() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let (status, app) = s
        .post("/api/v1/apps", None, json!({"client_name": "Phanpy", "redirect_uris": ["com.example.app:/cb"], "scopes": "read write", "website": "https://phanpy.example"}))
        .await;
    assert_eq!(status, 200);
    assert_schema("CredentialApplication", &app);
    let client_id = app["client_id"].as_str().unwrap();

    let verifier = "a-verifier-that-is-long-enough-to-satisfy-rfc-7636-rules-1234";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier));
    let query = format!(
        "/oauth/authorize/?response_type=code&client_id={client_id}&redirect_uri=com.example.app:/cb&scope=read+write&state=xyz&code_challenge={challenge}&code_challenge_method=S256"
    );
    let page = s.http.get(s.url(&query)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert!(page.text().await.unwrap().contains("Authorize Phanpy"));

    let form = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", "com.example.app:/cb"),
        ("scope", "read write"),
        ("state", "xyz"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("username", "alice@example.com"),
        ("password", "wrong password"),
        ("decision", "approve"),
    ];
    let refused = s
        .http
        .post(s.url("/oauth/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Invalid email or password")
    );

    let mut form = form.to_vec();
    form[8] = ("password", "correct horse battery");
    let granted = s
        .http
        .post(s.url("/oauth/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(granted.status(), StatusCode::FOUND);
    let location = granted.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("com.example.app:/cb?code="),
        "{location}"
    );
    assert!(location.ends_with("&state=xyz"));
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();

    // Without the verifier the code is refused, and it is then spent.
    let exchange_to = |verifier: &'static str, code: String, redirect_uri: Option<&'static str>| {
        let s = &s;
        let client_id = client_id.to_string();
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code"),
                ("client_id", &client_id),
                ("code", &code),
                ("code_verifier", verifier),
            ];
            if let Some(uri) = redirect_uri {
                form.push(("redirect_uri", uri));
            }
            let r = s
                .http
                .post(s.url("/oauth/token"))
                .form(&form)
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let exchange = |verifier, code| exchange_to(verifier, code, Some("com.example.app:/cb"));
    let (status, body) = exchange("the wrong verifier", code.clone()).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    let (status, _) = exchange(verifier, code.clone()).await;
    assert_eq!(
        status, 400,
        "a code is single-use even after a failed exchange"
    );

    let fresh_code = || {
        let (s, form) = (&s, &form);
        async move {
            let granted = s
                .http
                .post(s.url("/oauth/authorize"))
                .form(form)
                .send()
                .await
                .unwrap();
            let location = granted.headers()["location"].to_str().unwrap().to_string();
            url::Url::parse(&location)
                .unwrap()
                .query_pairs()
                .find(|(k, _)| k == "code")
                .unwrap()
                .1
                .to_string()
        }
    };

    // The authorization request named its redirect URI, so the exchange must too
    // (RFC 6749 §4.1.3), even with the right verifier.
    let (status, body) = exchange_to(verifier, fresh_code().await, None).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant");

    // A fresh code, exchanged properly.
    let (status, token) = exchange(verifier, fresh_code().await).await;
    assert_eq!(status, 200, "{token}");
    assert_schema("Token", &token);
    assert_eq!(token["scope"], "read write");
    let access = token["access_token"].as_str().unwrap();
    let (status, me) = s
        .get("/api/v1/accounts/verify_credentials", Some(access))
        .await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], alice.id.as_str());
    assert_schema("CredentialAccount", &me);
    let (status, app_view) = s.get("/api/v1/apps/verify_credentials", Some(access)).await;
    assert_eq!(status, 200);
    assert_schema("Application", &app_view);
    assert!(
        app_view.get("client_secret").is_none(),
        "the secret is shown only at creation"
    );

    // The token is stored hashed: the database never holds it in clear.
    let db = &s.running.as_ref().unwrap().app.db;
    let clear: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM oauth_tokens WHERE token_hash = $1")
        .bind(access)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(clear, 0);

    let secret = app["client_secret"].as_str().unwrap();
    let r = s
        .http
        .post(s.url("/oauth/revoke"))
        .form(&[
            ("client_id", client_id),
            ("client_secret", secret),
            ("token", access),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, body) = s
        .get("/api/v1/accounts/verify_credentials", Some(access))
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "The access token is invalid");
    s.stop().await;
}

#[tokio::test]
async fn out_of_band_codes_are_shown_and_password_grant_works() {
    let s = TestServer::start().await;
    s.user("bob").await;
    let (client_id, secret, _) = s.app().await;
    let form = [
        ("response_type", "code"),
        ("client_id", client_id.as_str()),
        ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
        ("scope", "read"),
        ("username", "bob"),
        ("password", "correct horse battery"),
        ("decision", "approve"),
    ];
    let page = s
        .http
        .post(s.url("/oauth/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let code = html
        .split(r#"<code id="authorization-code">"#)
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let form = [
        ("grant_type", "authorization_code"),
        ("client_id", client_id.as_str()),
        ("client_secret", secret.as_str()),
        ("code", code),
        ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
    ];
    let r = s
        .http
        .post(s.url("/oauth/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let (status, _) = s
        .password_grant("bob@example.com", "correct horse battery", "read write")
        .await;
    assert_eq!(status, 200);
    let (status, body) = s.password_grant("bob", "nope", "read").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");

    let (status, meta) = s.get("/.well-known/oauth-authorization-server", None).await;
    assert_eq!(status, 200);
    assert!(
        meta["code_challenge_methods_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("S256"))
    );
    assert!(
        meta["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("authorization_code"))
    );
    s.stop().await;
}

#[tokio::test]
async fn script_redirect_uris_are_refused() {
    let s = TestServer::start().await;
    for uri in ["javascript:alert(1)", "data:text/html,x", "vbscript:x"] {
        let (status, body) = s
            .post(
                "/api/v1/apps",
                None,
                json!({"client_name": "x", "redirect_uris": uri}),
            )
            .await;
        assert_eq!(status, 422, "{uri}: {body}");
        assert!(body["error"].as_str().unwrap().contains("Redirect URI"));
    }
    s.stop().await;
}

#[tokio::test]
async fn repeated_wrong_passwords_are_throttled() {
    let s = TestServer::start().await;
    s.user("carol").await;
    let attempt = |password: &'static str| {
        let s = &s;
        async move { s.password_grant("carol", password, "read").await.0.as_u16() }
    };
    for _ in 0..10 {
        assert_eq!(attempt("guess").await, 400);
    }
    assert_eq!(attempt("guess").await, 429);
    assert_eq!(
        attempt("correct horse battery").await,
        429,
        "even the right password waits out the window"
    );
    s.stop().await;
}

#[tokio::test]
async fn with_approval_required_new_accounts_wait() {
    let s = TestServer::start_with(&[("TESSERA_REGISTRATIONS", "approval")]).await;
    let (_, _, app_token) = s.app().await;
    let (status, token) = s
        .post("/api/v1/accounts", Some(&app_token), json!({"username": "eve", "email": "eve@example.com", "password": "correct horse battery", "agreement": true}))
        .await;
    assert_eq!(status, 200, "{token}");
    let (status, body) = s
        .get(
            "/api/v1/accounts/verify_credentials",
            token["access_token"].as_str(),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "Your login is currently pending approval");
    let (_, instance) = s.get("/api/v2/instance", None).await;
    assert_eq!(instance["registrations"]["approval_required"], true);
    s.stop().await;

    let s = TestServer::start_with(&[("TESSERA_REGISTRATIONS", "closed")]).await;
    let (_, _, app_token) = s.app().await;
    let (status, _) = s
        .post("/api/v1/accounts", Some(&app_token), json!({"username": "eve", "email": "eve@example.com", "password": "correct horse battery", "agreement": true}))
        .await;
    assert_eq!(status, 403);
    s.stop().await;
}
