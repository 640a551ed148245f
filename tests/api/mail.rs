//! Mail: a registration through the API is confirmed by the link mailed to it (written
//! as an .eml file when no SMTP server is configured), and a forgotten password is reset
//! by mail, signing out every app.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;

use crate::support::*;
use crate::web::Browser;

fn link_in(dir: &std::path::Path, marker: &str) -> Option<String> {
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let raw = std::fs::read_to_string(e.path()).unwrap_or_default();
        // Undo quoted-printable soft breaks and escapes.
        let text = raw
            .replace("=\r\n", "")
            .replace("=\n", "")
            .replace("=3D", "=");
        if let Some(start) = text.find(marker) {
            return Some(
                text[start..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect(),
            );
        }
    }
    None
}

/// The link starting with `marker` in a message written under the data folder.
pub async fn mailed_link(s: &TestServer, marker: &str) -> String {
    let dir: PathBuf = s.data_dir.path().join("mail");
    let app = &s.running.as_ref().unwrap().app;
    let failed = app
        .federation
        .queues()
        .unwrap()
        .failed(tessera_workers::Queue::Mail, 5)
        .await
        .unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    wait_until("the message is written", Duration::from_secs(20), || {
        let found = link_in(&dir, marker).is_some();
        async move { found }
    })
    .await;
    link_in(&dir, marker).unwrap()
}

#[tokio::test]
async fn registration_is_confirmed_by_the_mailed_link() {
    let s = TestServer::start_with(&[("TESSERA_EMAIL_CONFIRMATION", "true")]).await;
    let (_, _, app_token) = s.app().await;
    let (status, body) = s
        .post(
            "/api/v1/accounts",
            Some(&app_token),
            json!({"username": "ann", "email": "ann@example.com", "password": "correct horse battery", "agreement": true, "locale": "en"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_string();
    let (status, body) = s
        .get("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["error"],
        "Your login is missing a confirmed e-mail address"
    );
    let (status, _) = s
        .password_grant("ann", "correct horse battery", "read")
        .await;
    assert_ne!(status, 200, "an unconfirmed account cannot sign in");

    let link = mailed_link(
        &s,
        &format!("{}/auth/confirmation?confirmation_token=", s.base),
    )
    .await;
    let page = s.http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(page.text().await.unwrap().contains("confirmed"));
    let (status, me) = s
        .get("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        s.http.get(&link).send().await.unwrap().status(),
        404,
        "a link works once"
    );
    let forged = format!("{}/auth/confirmation?confirmation_token=nope", s.base);
    assert_eq!(s.http.get(&forged).send().await.unwrap().status(), 404);
    let (ok, out) = s.replay(false).await;
    assert!(ok, "{out}");
    s.stop().await;
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_mail_and_signs_every_app_out() {
    let s = TestServer::start().await;
    let ann = s.user("ann").await;
    let mut browser = Browser::new(&s);
    let form = browser.get("/auth/password/new").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"email\""));
    let unsigned = browser
        .post("/auth/password", &[("email", "ann@example.com")])
        .await;
    assert_eq!(
        unsigned.status, 403,
        "a form without its CSRF token is refused"
    );
    for email in ["nobody@example.com", "ann@example.com"] {
        let r = browser
            .submit("/auth/password/new", "/auth/password", &[("email", email)])
            .await;
        assert_eq!(
            r.status, 200,
            "the same answer whether or not the address is known"
        );
    }
    let link = mailed_link(
        &s,
        &format!("{}/auth/password/edit?reset_password_token=", s.base),
    )
    .await;
    let token = link
        .split("reset_password_token=")
        .nth(1)
        .unwrap()
        .to_string();
    let page = link.trim_start_matches(&s.base).to_string();
    assert_eq!(browser.get(&page).await.status, 200);

    let mut change = async |password: &str, again: &str| {
        browser
            .submit(
                &page,
                "/auth/password/edit",
                &[
                    ("reset_password_token", token.as_str()),
                    ("password", password),
                    ("password_confirmation", again),
                ],
            )
            .await
            .status
    };
    assert_eq!(change("new secret words", "other words").await, 422);
    assert_eq!(change("short", "short").await, 422);
    assert_eq!(change("new secret words", "new secret words").await, 200);
    let (status, _) = s
        .get("/api/v1/accounts/verify_credentials", Some(&ann.token))
        .await;
    assert_eq!(status, 401, "old tokens are revoked");
    let (status, _) = s
        .password_grant("ann", "correct horse battery", "read")
        .await;
    assert_ne!(status, 200, "the old password no longer works");
    let (status, body) = s.password_grant("ann", "new secret words", "read").await;
    assert_eq!(status, 200, "{body}");
    let mut again = Browser::new(&s);
    let form = [
        ("reset_password_token", token.as_str()),
        ("password", "another one here"),
        ("password_confirmation", "another one here"),
    ];
    let used = again
        .submit("/auth/password/new", "/auth/password/edit", &form)
        .await;
    assert_eq!(used.status, 404, "a link works once");
    s.stop().await;
}

/// With `TESSERA_SMTP_URL`, mail goes to the SMTP server (Python's standard-library
/// `smtpd` debugging server, which prints what it receives), not to files.
#[tokio::test]
async fn with_smtp_configured_mail_is_sent_over_smtp() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut smtp = tokio::process::Command::new("python3")
        .args([
            "-W",
            "ignore",
            "-u",
            "-m",
            "smtpd",
            "-n",
            "-c",
            "DebuggingServer",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python3");
    // Wait until it listens.
    wait_until(
        "the SMTP server listens",
        Duration::from_secs(10),
        || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        },
    )
    .await;
    let url = format!("smtp://127.0.0.1:{port}");
    let s = TestServer::start_with(&[("TESSERA_SMTP_URL", url.as_str())]).await;
    s.user("ann").await;
    let r = Browser::new(&s)
        .submit(
            "/auth/password/new",
            "/auth/password",
            &[("email", "ann@example.com")],
        )
        .await;
    assert_eq!(r.status, 200);
    let app = &s.running.as_ref().unwrap().app;
    wait_until("the message is sent", Duration::from_secs(20), || async {
        let sent: Option<i64> = sqlx::query_scalar("SELECT sent_at FROM mail_outbox")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        sent.is_some()
    })
    .await;
    assert!(
        !s.data_dir.path().join("mail").exists(),
        "no files with SMTP configured"
    );
    smtp.kill().await.unwrap();
    let out = smtp.wait_with_output().await.unwrap();
    let printed = String::from_utf8_lossy(&out.stdout)
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(printed.contains("reset_password_token="), "{printed}");
    assert!(printed.contains("ann@example.com"), "{printed}");
    s.stop().await;
}
