//! The test world: a real Tessera on a loopback port with a database of its own (a temp
//! SQLite file, or a fresh PostgreSQL database when TESSERA_TEST_DATABASE_URL is set),
//! driven over HTTP with reqwest, responses checked against Mastodon's OpenAPI description.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;
use tessera::config::Config;
use tessera::server::Running;

pub struct TestServer {
    pub running: Option<Running>,
    config: Config,
    pub base: String,
    pub database_url: String,
    pub data_dir: tempfile::TempDir,
    pg_admin: Option<(String, String)>,
    pub http: Client,
}

pub struct User {
    pub id: String,
    pub username: String,
    pub token: String,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(&[]).await
    }

    /// A server with extra settings, e.g. `("TESSERA_REGISTRATIONS", "approval")`.
    pub async fn start_with(settings: &[(&'static str, &str)]) -> TestServer {
        // Server warnings and errors show in a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn,sqlx=error".into()),
            )
            .with_test_writer()
            .try_init();
        let data_dir = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (database_url, pg_admin) = match std::env::var("TESSERA_TEST_DATABASE_URL")
            .ok()
            .filter(|v| !v.is_empty())
        {
            Some(base) => {
                tessera::db::install_drivers();
                let name = format!("tessera_test_{}_{}", std::process::id(), rand_suffix());
                let mut admin = sqlx::AnyConnection::connect(&base).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let (prefix, _) = base.rsplit_once('/').unwrap();
                (format!("{prefix}/{name}"), Some((base.clone(), name)))
            }
            None => (
                format!("sqlite://{}/tessera.db", data_dir.path().display()),
                None,
            ),
        };
        let mut env: HashMap<&str, String> = HashMap::from([
            ("TESSERA_DOMAIN", format!("127.0.0.1:{port}")),
            ("TESSERA_LISTEN", format!("127.0.0.1:{port}")),
            ("TESSERA_DATA_DIR", data_dir.path().display().to_string()),
            ("DATABASE_URL", database_url.clone()),
            // Most tests use the token registration returns at once; mail.rs turns it on.
            ("TESSERA_EMAIL_CONFIRMATION", "false".to_string()),
            // Rate limits are off unless a test turns them on.
            ("TESSERA_RATE_LIMITS", "false".to_string()),
        ]);
        env.extend(settings.iter().map(|(k, v)| (*k, v.to_string())));
        let config = Config::load_from(None, |k| env.get(k).cloned()).unwrap();
        let running = tessera::server::start(config.clone(), listener, std::future::pending())
            .await
            .unwrap();
        TestServer {
            running: Some(running),
            config,
            base: format!("http://127.0.0.1:{port}"),
            database_url,
            data_dir,
            pg_admin,
            http: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// Environment for running the `tessera` binary against this server's database.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", self.database_url.clone()),
            (
                "TESSERA_DATA_DIR",
                self.data_dir.path().display().to_string(),
            ),
            (
                "TESSERA_DOMAIN",
                self.base.trim_start_matches("http://").to_string(),
            ),
        ]
    }

    /// Run the `tessera` binary against this server's database (as an operator would,
    /// beside the running server); fails the test unless it succeeds. Returns its output.
    pub async fn tessera(&self, args: &[&str]) -> String {
        let out = self.tessera_output(args).await;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "tessera {args:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }

    /// As [`TestServer::tessera`], whatever the outcome.
    pub async fn tessera_output(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tessera"));
        cmd.args(args).env_remove("DATABASE_URL");
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd.output().await.unwrap()
    }

    /// Stop serving (the database stays), as if the machine went down.
    pub async fn halt(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    /// Start again on the same port and database.
    pub async fn resume(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.config.listen)
            .await
            .unwrap();
        let running = tessera::server::start(self.config.clone(), listener, std::future::pending())
            .await
            .unwrap();
        self.running = Some(running);
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        if let Some((base, name)) = self.pg_admin.take()
            && let Ok(mut admin) = sqlx::AnyConnection::connect(&base).await
        {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                .execute(&mut admin)
                .await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Send a request; returns the status and the JSON body (Null when not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (status, _, body) = self.call_full(method, path, token, body).await;
        (status, body)
    }

    pub async fn call_full(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// An app and its client-credentials token.
    pub async fn app(&self) -> (String, String, String) {
        let (status, app) = self
            .post("/api/v1/apps", None, json!({"client_name": "tests", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write follow push"}))
            .await;
        assert_eq!(status, 200, "{app}");
        let id = app["client_id"].as_str().unwrap().to_string();
        let secret = app["client_secret"].as_str().unwrap().to_string();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "read write follow push"),
        ];
        let token: Value = self
            .http
            .post(self.url("/oauth/token"))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            id,
            secret,
            token["access_token"].as_str().unwrap().to_string(),
        )
    }

    /// The password grant for `login`, from a new app: the status and the body.
    pub async fn password_grant(
        &self,
        login: &str,
        password: &str,
        scope: &str,
    ) -> (StatusCode, Value) {
        let (client_id, secret, _) = self.app().await;
        let form = [
            ("grant_type", "password"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
            ("username", login),
            ("password", password),
            ("scope", scope),
        ];
        let r = self
            .http
            .post(self.url("/oauth/token"))
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Register `username` through the API and return its token.
    pub async fn user(&self, username: &str) -> User {
        let (_, _, app_token) = self.app().await;
        self.user_with(&app_token, username).await
    }

    pub async fn user_with(&self, app_token: &str, username: &str) -> User {
        let (status, body) = self
            .post(
                "/api/v1/accounts",
                Some(app_token),
                json!({"username": username, "email": format!("{username}@example.com"), "password": "correct horse battery", "agreement": true, "locale": "en"}),
            )
            .await;
        assert_eq!(status, 200, "registering {username}: {body}");
        assert_schema("Token", &body);
        let token = body["access_token"].as_str().unwrap().to_string();
        let (status, me) = self
            .get("/api/v1/accounts/verify_credentials", Some(&token))
            .await;
        assert_eq!(status, 200, "{me}");
        User {
            id: me["id"].as_str().unwrap().to_string(),
            username: username.to_string(),
            token,
        }
    }

    /// A staff account (`moderator` or `admin`), made as `tessera admin accounts create`
    /// makes one, with a token from an app that may ask for the admin scopes.
    pub async fn staff(&self, username: &str, role: &str) -> User {
        let app = &self.running.as_ref().unwrap().app;
        let password = "correct horse battery staple";
        app.register(tessera::app::accounts::Registration {
            username: username.into(),
            email: format!("{username}@example.com"),
            password: password.into(),
            display_name: String::new(),
            locale: "en".into(),
            role: role.into(),
            approved: true,
            confirmed: true,
        })
        .await
        .unwrap();
        let scopes = "read write follow admin:read admin:write";
        let (status, registered) = self
            .post(
                "/api/v1/apps",
                None,
                json!({"client_name": "admin tests", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": scopes}),
            )
            .await;
        assert_eq!(status, 200, "{registered}");
        let form = [
            ("grant_type", "password"),
            ("client_id", registered["client_id"].as_str().unwrap()),
            (
                "client_secret",
                registered["client_secret"].as_str().unwrap(),
            ),
            ("username", username),
            ("password", password),
            ("scope", scopes),
        ];
        let token: Value = self
            .http
            .post(self.url("/oauth/token"))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = token["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token for {username}: {token}"))
            .to_string();
        let (_, me) = self
            .get("/api/v1/accounts/verify_credentials", Some(&token))
            .await;
        User {
            id: me["id"].as_str().unwrap().to_string(),
            username: username.to_string(),
            token,
        }
    }

    /// Many users at once (registration hashes a password and makes an RSA key each).
    pub async fn users(&self, prefix: &str, n: usize) -> Vec<User> {
        let (_, _, app_token) = self.app().await;
        let mut out = Vec::new();
        for chunk in (0..n).collect::<Vec<_>>().chunks(8) {
            let batch = futures::future::join_all(chunk.iter().map(|i| {
                let name = format!("{prefix}{i}");
                let app_token = &app_token;
                async move { self.user_with(app_token, &name).await }
            }))
            .await;
            out.extend(batch);
        }
        out
    }

    /// Run `tessera replay` against the server's database. Asynchronously: the server under
    /// test shares this test's thread and must keep running (and committing) meanwhile.
    pub async fn replay(&self, apply: bool) -> (bool, String) {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tessera"));
        cmd.arg("replay");
        if apply {
            cmd.arg("--apply");
        }
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        let out = cmd.output().await.unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// Wait until the ingress queue has nothing pending or running.
    pub async fn ingress_drained(&self) {
        let app = &self.running.as_ref().unwrap().app;
        wait_until(
            "the ingress queue drains",
            Duration::from_secs(20),
            || async {
                let stats = app.federation.queues().unwrap().stats().await.unwrap();
                stats
                    .iter()
                    .filter(|q| q.queue == tessera_workers::Queue::Ingress)
                    .all(|q| q.pending == 0 && q.running == 0)
            },
        )
        .await;
    }

    /// The host and port other servers know this one by.
    pub fn domain(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    pub async fn event_count(&self) -> i64 {
        let db = &self.running.as_ref().unwrap().app.db;
        sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(&db.pool)
            .await
            .unwrap()
    }

    /// Poll `check` until it holds: checkpointed projectors are asynchronous.
    pub async fn eventually<F, Fut>(&self, what: &str, check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        wait_until(what, Duration::from_secs(5), check).await
    }
}

/// Poll `check` every 50 ms until it holds, or fail the test after `limit`.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out after {limit:?} waiting for: {what}");
}

/// `follower` on `from` follows `followed` on `to`, and the follow arrives.
pub async fn follow_across(from: &TestServer, follower: &User, to: &TestServer, followed: &User) {
    let (status, found) = from
        .get(
            &format!(
                "/api/v1/accounts/lookup?acct={}@{}",
                followed.username,
                to.domain()
            ),
            Some(&follower.token),
        )
        .await;
    assert_eq!(status, 200, "{found}");
    let id = found["id"].as_str().unwrap().to_string();
    from.post(
        &format!("/api/v1/accounts/{id}/follow"),
        Some(&follower.token),
        json!({}),
    )
    .await;
    wait_until(
        "the follow reaches the followed server",
        Duration::from_secs(30),
        || async {
            let (_, me) = to
                .get("/api/v1/accounts/verify_credentials", Some(&followed.token))
                .await;
            me["followers_count"] == 1
        },
    )
    .await;
    // And the Accept has come back: until then the follower's server holds a request, and
    // the followed account's posts do not reach its home timeline.
    wait_until(
        "the follow is accepted on the follower's server",
        Duration::from_secs(30),
        || async {
            let (_, rel) = from
                .get(
                    &format!("/api/v1/accounts/relationships?id[]={id}"),
                    Some(&follower.token),
                )
                .await;
            rel[0]["following"] == true
        },
    )
    .await;
}

impl TestServer {
    /// A server that federates with others on loopback.
    pub async fn federating() -> TestServer {
        Self::start_with(&[("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true")]).await
    }
}

fn rand_suffix() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
            ^ std::process::id()
    )
}

static SPEC: LazyLock<Value> = LazyLock::new(|| {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/specs/mastodon-openapi.json"
    );
    let local = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/specs/mastodon-openapi.json"
    );
    let text = std::fs::read_to_string(local)
        .or_else(|_| std::fs::read_to_string(path))
        .expect("the Mastodon OpenAPI description");
    serde_json::from_str(&text).unwrap()
});

static VALIDATORS: LazyLock<Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Assert `value` is a valid `schema` (a component name such as "Status") of Mastodon 4.7.
pub fn assert_schema(schema: &str, value: &Value) {
    let validator = {
        let mut cache = VALIDATORS.lock().unwrap();
        cache
            .entry(schema.to_string())
            .or_insert_with(|| {
                let mut root = SPEC.clone();
                root["$ref"] = json!(format!("#/components/schemas/{schema}"));
                std::sync::Arc::new(jsonschema::validator_for(&root).unwrap())
            })
            .clone()
    };
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{schema} does not match the OpenAPI description:\n{}\n{value:#}",
        errors.join("\n")
    );
}

pub fn assert_each(schema: &str, list: &Value) {
    for item in list.as_array().expect("a JSON array") {
        assert_schema(schema, item);
    }
}
