//! The `tessera` command line: configuration errors, migrations, operator accounts.

use std::process::{Command, Output};

use serde_json::json;

use crate::support::*;

fn tessera(env: &[(&str, String)], args: &[&str]) -> Output {
    command(env, args).output().unwrap()
}

fn command(env: &[(&str, String)], args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(args).env_remove("DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// As [`tessera`], without blocking the thread the server under test runs on.
async fn tessera_beside(env: &[(&str, String)], args: &[&str]) -> Output {
    tokio::process::Command::from(command(env, args))
        .output()
        .await
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_bad_setting_is_one_line_naming_the_key_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let data = ("TESSERA_DATA_DIR", dir.path().display().to_string());
    let out = tessera(
        &[data.clone(), ("TESSERA_LISTEN", "not an address".into())],
        &["migrate"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("TESSERA_LISTEN"), "{err}");
    let out = tessera(
        &[data.clone(), ("TESSERA_REGISTRATIONS", "maybe".into())],
        &["migrate"],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = tessera(
        &[data],
        &["--config", "/nonexistent/tessera.toml", "migrate"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--config"));
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["replay", "--help"],
        vec!["admin", "accounts", "create", "--help"],
        vec!["bench", "--help"],
    ] {
        let out = tessera(&[], &args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
    }
}

#[tokio::test]
async fn operators_create_list_and_suspend_accounts() {
    let s = TestServer::start().await;
    let env = s.env();
    let out = tessera_beside(
        &env,
        &[
            "admin",
            "accounts",
            "create",
            "ops",
            "--email",
            "ops@example.com",
            "--role",
            "admin",
        ],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let password = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("New password: "))
        .unwrap()
        .to_string();
    let out = tessera_beside(
        &env,
        &[
            "admin",
            "accounts",
            "create",
            "ops",
            "--email",
            "other@example.com",
        ],
    )
    .await;
    assert!(!out.status.success(), "a taken username is refused");

    // The printed password signs in.
    let (_, token) = s
        .password_grant("ops@example.com", &password, "read write")
        .await;
    let token = token["access_token"].as_str().unwrap().to_string();
    let (status, me) = s
        .get("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(status, 200);
    assert_eq!(me["role"]["name"], "Admin");

    let out = tessera_beside(&env, &["admin", "accounts", "list"]).await;
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        listing.contains("ops\tops@example.com\tadmin\tactive"),
        "{listing}"
    );

    let out = tessera_beside(&env, &["admin", "accounts", "suspend", "ops"]).await;
    assert!(out.status.success(), "{}", text(&out));
    let (status, body) = s
        .get("/api/v1/accounts/verify_credentials", Some(&token))
        .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "Your login is currently disabled");
    let (status, _) = s
        .get(
            &format!("/api/v1/accounts/{}", me["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, 404, "a suspended account is hidden");
    let out = tessera_beside(&env, &["admin", "accounts", "unsuspend", "ops"]).await;
    assert!(out.status.success());
    let (status, _) = s
        .post("/api/v1/statuses", Some(&token), json!({"status": "back"}))
        .await;
    assert_eq!(status, 200);
    let out = tessera_beside(&env, &["admin", "accounts", "suspend", "nobody"]).await;
    assert!(!out.status.success());
    s.stop().await;
}

#[tokio::test]
async fn health_names_the_database() {
    let s = TestServer::start().await;
    let (status, body) = s.get("/health", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["dependencies"]["database"]["status"], "ok");
    // With the database gone, health says so with a 503.
    s.running.as_ref().unwrap().app.db.pool.close().await;
    let (status, body) = s.get("/health", None).await;
    assert_eq!(status, 503);
    assert_eq!(body["dependencies"]["database"]["status"], "unavailable");
    s.stop().await;
}
