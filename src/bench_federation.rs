//! `tessera bench-federation`: inbound and outbound federation measured end to end on
//! loopback, against a real server with its queues on a scratch database.
//!
//! - Inbound: signed `Create(Note)` activities POSTed to the shared inbox by many
//!   concurrent senders; accepted per second (signature verified, queued, 202) with
//!   latency, then applied per second by the ingress workers (events and projections).
//! - Outbound: one post to followers spread over many instances (distinct loopback
//!   addresses, 127.0.x.y, each a shared inbox answering 202); how long until every
//!   instance has it, and deliveries per second.
//! - Memory: the process's resident size idle and after the inbound run.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::{get, post};
use serde_json::{Value, json};
use tessera_federation::signatures::{PrivateKey, sign_request};

use crate::app::App;
use crate::config::Config;
use crate::domain::account::{self, Account};
use crate::domain::follow::{self, Follow};
use crate::eventlog::SYSTEM_ACTOR;
use crate::events::{self, RemoteAccount};
use crate::{ids, time};

#[derive(Debug, Clone)]
pub struct Options {
    pub inbound: usize,
    pub concurrency: usize,
    pub followers: usize,
    pub instances: usize,
    pub postgres: Option<String>,
    pub redis: Option<String>,
}

#[derive(Debug)]
pub struct Report {
    pub database: &'static str,
    /// `sqlite`, `postgres` or `redis`.
    pub queues: &'static str,
    pub inbound: usize,
    pub accepted_per_second: f64,
    pub accept_p50: Duration,
    pub accept_p99: Duration,
    pub applied_per_second: f64,
    pub followers: usize,
    pub instances: usize,
    pub fan_out: Duration,
    pub deliveries_per_second: f64,
    pub rss_idle_kib: u64,
    pub rss_loaded_kib: u64,
    /// One core, RSA-2048 with `ring`.
    pub signs_per_second: f64,
    pub verifies_per_second: f64,
}

/// Sign and verify a typical signing string on one thread.
fn crypto_rates() -> anyhow::Result<(f64, f64)> {
    let pair = tessera_federation::keys::generate()?;
    let private = PrivateKey::from_pem(&pair.private_pem)?;
    let public = tessera_federation::signatures::PublicKey::from_pem(&pair.public_pem)?;
    let message = b"(request-target): post /inbox\nhost: a.example\ndate: Sun, 22 Nov 2026 10:00:00 GMT\ndigest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    let n = 500;
    let t = Instant::now();
    let mut signature = Vec::new();
    for _ in 0..n {
        signature = private.sign(message)?;
    }
    let signs = n as f64 / t.elapsed().as_secs_f64();
    let n = 5000;
    let t = Instant::now();
    for _ in 0..n {
        public.verify(message, &signature)?;
    }
    Ok((signs, n as f64 / t.elapsed().as_secs_f64()))
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

pub async fn run(opts: Options) -> anyhow::Result<Report> {
    let (signs_per_second, verifies_per_second) =
        tokio::task::spawn_blocking(crypto_rates).await??;
    let scratch = tempfile::tempdir()?;
    let (database_url, pg) = crate::bench::scratch_database(&opts.postgres, scratch.path()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let env = |k: &str| -> Option<String> {
        match k {
            "TESSERA_DOMAIN" | "TESSERA_LISTEN" => Some(format!("127.0.0.1:{port}")),
            "TESSERA_DATA_DIR" => Some(scratch.path().display().to_string()),
            "DATABASE_URL" => Some(database_url.clone()),
            "TESSERA_ALLOW_PRIVATE_ADDRESSES" => Some("true".into()),
            "TESSERA_EMAIL_CONFIRMATION" => Some("false".into()),
            "REDIS_URL" => opts.redis.clone(),
            _ => None,
        }
    };
    let config = Config::load_from(None, env)?;

    // Outbound seeding first, before the server's outbox reactor starts: followers on
    // many instances follow one local account; the reactor's checkpoint skips the seed.
    let receivers = Receivers::start(opts.instances).await?;
    let local_id = seed(&config, &opts, &receivers).await?;

    let running = crate::server::start(config.clone(), listener, std::future::pending()).await?;
    let app = running.app.clone();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_idle_kib = rss_kib();

    // Inbound.
    let sender = Sender::start().await?;
    let inbox = format!("http://127.0.0.1:{port}/inbox");
    let bodies: Vec<Vec<u8>> = (0..opts.inbound)
        .map(|i| sender.create(i).to_string().into_bytes())
        .collect();
    let signed = sender.sign_all(&inbox, bodies).await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.concurrency)
        .build()?;
    // One request first, so the sender's key is fetched outside the timing.
    let (warm_headers, warm_body) =
        sender.sign_one(&inbox, sender.create(usize::MAX).to_string().into_bytes())?;
    client
        .post(&inbox)
        .headers(warm_headers)
        .body(warm_body)
        .send()
        .await?;
    wait_ingress_idle(&app).await?;
    let before = statuses(&app).await?;

    let queue = Arc::new(Mutex::new(signed));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(opts.inbound)));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..opts.concurrency {
        let (queue, latencies, client, inbox) = (
            queue.clone(),
            latencies.clone(),
            client.clone(),
            inbox.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop());
                let Some((headers, body)) = next else { break };
                let t = Instant::now();
                let ok = client
                    .post(&inbox)
                    .headers(headers)
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16() == 202)
                    .unwrap_or(false);
                if ok && let Ok(mut l) = latencies.lock() {
                    l.push(t.elapsed());
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let accept_time = started.elapsed();
    let mut lat = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    lat.sort();
    let accepted = lat.len();
    wait_ingress_idle(&app).await?;
    let apply_time = started.elapsed();
    let applied = usize::try_from(statuses(&app).await? - before).unwrap_or(0);
    let rss_loaded_kib = rss_kib();
    if applied != opts.inbound {
        anyhow::bail!("{applied} of {} inbound notes were applied", opts.inbound);
    }

    // Outbound: one post to every follower's instance.
    let author = {
        let mut conn = app.db.pool.acquire().await?;
        crate::queries::accounts::by_id(&mut conn, local_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the seeded author is gone"))?
    };
    let t = Instant::now();
    app.post_status(
        &author,
        crate::app::statuses::NewStatus {
            text: "To every instance at once".into(),
            spoiler_text: String::new(),
            visibility: "public".into(),
            sensitive: false,
            language: None,
            in_reply_to_id: None,
            application: None,
            idempotency_key: None,
            media_ids: Vec::new(),
            poll: None,
        },
    )
    .await?;
    let deadline = Instant::now() + Duration::from_secs(300);
    while receivers.hosts_reached() < opts.instances {
        if Instant::now() > deadline {
            anyhow::bail!(
                "only {} of {} instances were reached",
                receivers.hosts_reached(),
                opts.instances
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let fan_out = t.elapsed();

    running.stop().await;
    crate::bench::drop_scratch(pg).await;
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(Report {
        queues: match (&opts.redis, &opts.postgres) {
            (Some(_), _) => "Redis",
            (None, Some(_)) => "PostgreSQL",
            (None, None) => "SQLite",
        },
        database: if opts.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        inbound: accepted,
        accepted_per_second: accepted as f64 / accept_time.as_secs_f64(),
        accept_p50: pct(0.50),
        accept_p99: pct(0.99),
        applied_per_second: applied as f64 / apply_time.as_secs_f64(),
        followers: opts.followers,
        instances: opts.instances,
        fan_out,
        deliveries_per_second: opts.instances as f64 / fan_out.as_secs_f64(),
        rss_idle_kib,
        rss_loaded_kib,
        signs_per_second,
        verifies_per_second,
    })
}

async fn statuses(app: &App) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM statuses")
        .fetch_one(&app.db.pool)
        .await?)
}

async fn wait_ingress_idle(app: &App) -> anyhow::Result<()> {
    let queues = app
        .federation
        .queues()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    loop {
        let stats = queues.stats().await?;
        if stats
            .iter()
            .filter(|s| s.queue == tessera_workers::Queue::Ingress)
            .all(|s| s.pending == 0 && s.running == 0)
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// One local author, and `followers` remote accounts spread over `instances` hosts, all
/// following it; the outbox checkpoint is moved past the seed.
async fn seed(config: &Config, opts: &Options, receivers: &Receivers) -> anyhow::Result<i64> {
    let db = crate::server::open(config).await?;
    let app = App::new(db, config.clone())?;
    let local = app
        .register(crate::app::accounts::Registration {
            username: "author".into(),
            email: "author@example.com".into(),
            password: "benchmark password".into(),
            display_name: String::new(),
            locale: "en".into(),
            role: "user".into(),
            approved: true,
            confirmed: true,
        })
        .await?;
    let now = time::now_ms();
    for i in 0..opts.followers {
        let host = receivers.host(i % opts.instances);
        let uri = format!("http://{host}/users/f{i}");
        let id = ids::next_id();
        let snapshot = RemoteAccount {
            account_id: id,
            uri: uri.clone(),
            username: format!("f{i}"),
            domain: host.clone(),
            display_name: String::new(),
            note_html: String::new(),
            fields: vec![],
            locked: false,
            bot: false,
            discoverable: false,
            url: uri.clone(),
            inbox_url: format!("{uri}/inbox"),
            shared_inbox_url: Some(format!("http://{host}/inbox")),
            followers_url: None,
            outbox_url: None,
            featured_url: None,
            key_id: format!("{uri}#main-key"),
            public_key_pem: String::new(),
            avatar_url: None,
            header_url: None,
            created_at: now,
            fetched_at: now,
        };
        app.execute::<Account>(
            &account::stream(id),
            SYSTEM_ACTOR,
            None,
            account::Command::RemoteFetched(Box::new(snapshot)),
        )
        .await?;
        let rel = events::Follow {
            follow_id: ids::next_id(),
            account_id: id,
            target_account_id: local,
            created_at: now,
            uri: Some(format!("{uri}/follow")),
        };
        app.execute::<Follow>(
            &follow::stream(id, local),
            SYSTEM_ACTOR,
            None,
            follow::Command::Follow {
                rel,
                target_locked: false,
            },
        )
        .await?;
    }
    let mut conn = app.db.pool.acquire().await?;
    let head = crate::eventlog::head(&mut conn).await?;
    crate::projections::runner::checkpoint(&mut conn, crate::federate::outbox::CHECKPOINT).await?;
    crate::projections::runner::set_checkpoint(
        &mut conn,
        crate::federate::outbox::CHECKPOINT,
        head,
    )
    .await?;
    drop(conn);
    app.db.pool.close().await;
    Ok(local)
}

/// Shared inboxes on `instances` loopback addresses (one listener on 0.0.0.0), counting
/// which hosts a delivery reached.
struct Receivers {
    port: u16,
    reached: Arc<Mutex<HashSet<String>>>,
}

impl Receivers {
    async fn start(instances: usize) -> anyhow::Result<Receivers> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0))
                .await?;
        let port = listener.local_addr()?.port();
        let reached = Arc::new(Mutex::new(HashSet::new()));
        let seen = reached.clone();
        let app = Router::new().route(
            "/inbox",
            post(move |headers: axum::http::HeaderMap| {
                let seen = seen.clone();
                async move {
                    if let Some(host) = headers.get("host").and_then(|h| h.to_str().ok())
                        && let Ok(mut s) = seen.lock()
                    {
                        s.insert(host.to_string());
                    }
                    axum::http::StatusCode::ACCEPTED
                }
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let _ = instances;
        Ok(Receivers { port, reached })
    }

    /// The `i`th instance: 127.0.x.y (never 127.0.0.1, which the server under test uses).
    fn host(&self, i: usize) -> String {
        let n = i + 2;
        format!("127.0.{}.{}:{}", n / 250, n % 250 + 1, self.port)
    }

    fn hosts_reached(&self) -> usize {
        self.reached.lock().map(|s| s.len()).unwrap_or(0)
    }
}

/// A remote actor that sends signed activities, serving its own actor document.
struct Sender {
    base: String,
    key: PrivateKey,
}

impl Sender {
    async fn start() -> anyhow::Result<Sender> {
        let pair = tessera_federation::keys::generate()?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let id = format!("{base}/users/sender");
        let actor = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id, "type": "Person", "preferredUsername": "sender",
            "inbox": format!("{id}/inbox"), "endpoints": {"sharedInbox": format!("{base}/inbox")},
            "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pair.public_pem},
        })
        .to_string();
        let app = Router::new().route(
            "/users/sender",
            get(move || {
                let actor = actor.clone();
                async move { ([(CONTENT_TYPE, "application/activity+json")], actor) }
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Sender {
            key: PrivateKey::from_pem(&pair.private_pem)?,
            base,
        })
    }

    fn create(&self, i: usize) -> Value {
        let actor = format!("{}/users/sender", self.base);
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}/notes/{i}/activity"), "type": "Create", "actor": actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {
                "id": format!("{actor}/notes/{i}"), "type": "Note", "attributedTo": actor,
                "content": format!("<p>benchmark note {i}</p>"),
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
            },
        })
    }

    fn sign_one(
        &self,
        inbox: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<(reqwest::header::HeaderMap, Vec<u8>)> {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            reqwest::header::HeaderValue::from_static("application/activity+json"),
        );
        sign_request(
            &http::Method::POST,
            inbox,
            &mut headers,
            Some(&body),
            &format!("{}/users/sender#main-key", self.base),
            &self.key,
            SystemTime::now(),
        )?;
        Ok((headers, body))
    }

    /// Sign everything before the clock starts (signing is the sender's cost).
    async fn sign_all(
        &self,
        inbox: &str,
        bodies: Vec<Vec<u8>>,
    ) -> anyhow::Result<Vec<(reqwest::header::HeaderMap, Vec<u8>)>> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let chunk = bodies.len().div_ceil(cores).max(1);
        let mut handles = Vec::new();
        let mut rest = bodies;
        while !rest.is_empty() {
            let part: Vec<Vec<u8>> = rest.drain(..chunk.min(rest.len())).collect();
            let (inbox, key, base) = (inbox.to_string(), self.key.clone(), self.base.clone());
            handles.push(tokio::task::spawn_blocking(move || {
                let s = Sender { base, key };
                part.into_iter()
                    .map(|b| s.sign_one(&inbox, b))
                    .collect::<anyhow::Result<Vec<_>>>()
            }));
        }
        let mut out = Vec::new();
        for h in handles {
            out.extend(h.await??);
        }
        Ok(out)
    }
}
