//! `tessera bench-federation`: inbound and outbound federation measured end to end on
//! loopback, against a `tessera serve` child with its queues on a scratch database.
//!
//! - Inbound: signed `Create(Note)` activities POSTed to the shared inbox by many
//!   concurrent senders; accepted per second (signature verified, queued, 202) with
//!   latency, then applied per second by the ingress workers (events and projections),
//!   seen in the statuses table.
//! - Outbound at saturation: posts, one after another, to followers spread over many
//!   instances (distinct loopback addresses, 127.0.x.y, each a shared inbox answering
//!   202); signed deliveries per second until every instance has every post.
//! - Memory: the server's resident size idle and after both.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::{get, post};
use serde_json::{Value, json};
use tessera_federation::signatures::{PrivateKey, sign_request};

use super::{Scratch, percentiles};
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
    /// Posts the author makes for the outbound measure, each to every instance.
    pub posts: usize,
    pub postgres: Option<String>,
    pub redis: Option<String>,
}

#[derive(Debug)]
pub struct Report {
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    /// `sqlite`, `postgres` or `redis`.
    pub queues: &'static str,
    pub inbound: usize,
    pub accepted_per_second: f64,
    pub accept_p50: Duration,
    pub accept_p99: Duration,
    pub applied_per_second: f64,
    pub posts: usize,
    pub followers: usize,
    pub instances: usize,
    pub fan_out: Duration,
    pub deliveries_per_second: f64,
    pub rss_idle_kib: u64,
    pub rss_loaded_kib: u64,
    /// Of that, the process's own memory (not mapped file pages).
    pub anon_loaded_kib: u64,
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

pub async fn run(opts: Options) -> anyhow::Result<Report> {
    let (signs_per_second, verifies_per_second) =
        tokio::task::spawn_blocking(crypto_rates).await??;
    let mut extra = vec![("TESSERA_ALLOW_PRIVATE_ADDRESSES", "true".to_string())];
    if let Some(redis) = &opts.redis {
        extra.push(("REDIS_URL", redis.clone()));
    }
    let scratch = Scratch::new(&opts.postgres, &extra).await?;
    let result = measure(&scratch, &opts).await;
    scratch.remove().await;
    let mut report = result?;
    report.signs_per_second = signs_per_second;
    report.verifies_per_second = verifies_per_second;
    Ok(report)
}

async fn measure(scratch: &Scratch, opts: &Options) -> anyhow::Result<Report> {
    // Followers on many instances follow one local author, before the server's outbox
    // reactor starts; the reactor's checkpoint skips the seed.
    let receivers = Receivers::start().await?;
    let author_token = seed(scratch, opts, &receivers).await?;
    let server = scratch.serve().await?;
    let rss_idle_kib = server.rss_kib();
    // The bench reads the statuses table beside the server to see inbound notes applied.
    let watch = crate::db::Db::connect(&scratch.config.database_url).await?;

    // Inbound.
    let sender = Sender::start().await?;
    let inbox = format!("{}/inbox", scratch.base());
    let bodies: Vec<Vec<u8>> = (0..opts.inbound)
        .map(|i| sender.create(i).to_string().into_bytes())
        .collect();
    let signed = sender.sign_all(&inbox, bodies).await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.concurrency)
        .build()?;
    // One request first, so the sender's key is fetched outside the timing.
    let before = statuses(&watch).await?;
    let (warm_headers, warm_body) =
        sender.sign_one(&inbox, sender.create(usize::MAX).to_string().into_bytes())?;
    client
        .post(&inbox)
        .headers(warm_headers)
        .body(warm_body)
        .send()
        .await?;
    wait_statuses(&watch, before + 1).await?;

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
    let accepted = lat.len();
    if accepted != opts.inbound {
        anyhow::bail!("{accepted} of {} inbound notes were accepted", opts.inbound);
    }
    wait_statuses(&watch, before + 1 + opts.inbound as i64).await?;
    let apply_time = started.elapsed();

    // Outbound at saturation: posts one after another, each to every follower's instance.
    let expected = opts.posts * opts.instances;
    let started = Instant::now();
    for i in 0..opts.posts {
        let resp = client
            .post(format!("{}/api/v1/statuses", scratch.base()))
            .bearer_auth(&author_token)
            .json(&json!({"status": format!("Post {i} to every instance"), "visibility": "public"}))
            .send()
            .await?;
        anyhow::ensure!(
            resp.status().is_success(),
            "posting answered {}",
            resp.status()
        );
    }
    let deadline = Instant::now() + Duration::from_secs(900);
    while receivers.delivered() < expected {
        if Instant::now() > deadline {
            anyhow::bail!(
                "only {} of {expected} deliveries arrived",
                receivers.delivered()
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let fan_out = started.elapsed();
    if receivers.unsigned() > 0 {
        anyhow::bail!("{} deliveries came unsigned", receivers.unsigned());
    }
    let rss_loaded_kib = server.rss_kib();
    let anon_loaded_kib = server.anon_kib();
    watch.pool.close().await;
    server.stop().await?;
    scratch.replay().await?;
    let (accept_p50, accept_p99) = percentiles(&mut lat);
    Ok(Report {
        engine: scratch.engine(),
        queues: match (&opts.redis, &opts.postgres) {
            (Some(_), _) => "redis",
            (None, Some(_)) => "postgres",
            (None, None) => "sqlite",
        },
        inbound: accepted,
        accepted_per_second: accepted as f64 / accept_time.as_secs_f64(),
        accept_p50,
        accept_p99,
        applied_per_second: opts.inbound as f64 / apply_time.as_secs_f64(),
        posts: opts.posts,
        followers: opts.followers,
        instances: opts.instances,
        fan_out,
        deliveries_per_second: expected as f64 / fan_out.as_secs_f64(),
        rss_idle_kib,
        rss_loaded_kib,
        anon_loaded_kib,
        signs_per_second: 0.0,
        verifies_per_second: 0.0,
    })
}

async fn statuses(db: &crate::db::Db) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM statuses")
        .fetch_one(&db.pool)
        .await?)
}

/// Wait until `count` statuses exist; fail if none is added for a minute.
async fn wait_statuses(db: &crate::db::Db, count: i64) -> anyhow::Result<()> {
    let mut last = (statuses(db).await?, Instant::now());
    loop {
        let now = statuses(db).await?;
        if now >= count {
            return Ok(());
        }
        if now != last.0 {
            last = (now, Instant::now());
        } else if last.1.elapsed() > Duration::from_secs(60) {
            anyhow::bail!("inbound notes stopped being applied at {now} of {count} statuses");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// One local author, and `followers` remote accounts spread over `instances` hosts, all
/// following it; the outbox checkpoint is moved past the seed.
async fn seed(scratch: &Scratch, opts: &Options, receivers: &Receivers) -> anyhow::Result<String> {
    let app = scratch.seeding().await?;
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
    let client = super::oauth_app(&mut conn).await?;
    let token = crate::oauth::store::issue_token(&mut conn, client, Some(local), "read write")
        .await?
        .token;
    drop(conn);
    app.db.pool.close().await;
    Ok(token)
}

/// Shared inboxes on many loopback addresses (one listener on 0.0.0.0), counting the
/// deliveries that arrive and those without a signature.
struct Receivers {
    port: u16,
    delivered: Arc<AtomicUsize>,
    unsigned: Arc<AtomicUsize>,
}

impl Receivers {
    async fn start() -> anyhow::Result<Receivers> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0))
                .await?;
        let port = listener.local_addr()?.port();
        let delivered = Arc::new(AtomicUsize::new(0));
        let unsigned = Arc::new(AtomicUsize::new(0));
        let (d, u) = (delivered.clone(), unsigned.clone());
        let app = Router::new().route(
            "/inbox",
            post(move |headers: axum::http::HeaderMap| {
                let (d, u) = (d.clone(), u.clone());
                async move {
                    if !headers.contains_key("signature") {
                        u.fetch_add(1, Ordering::Relaxed);
                    }
                    d.fetch_add(1, Ordering::Relaxed);
                    axum::http::StatusCode::ACCEPTED
                }
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Receivers {
            port,
            delivered,
            unsigned,
        })
    }

    /// The `i`th instance: 127.0.x.y (never 127.0.0.1, which the server under test uses).
    fn host(&self, i: usize) -> String {
        let n = i + 2;
        format!("127.0.{}.{}:{}", n / 250, n % 250 + 1, self.port)
    }

    fn delivered(&self) -> usize {
        self.delivered.load(Ordering::Relaxed)
    }

    fn unsigned(&self) -> usize {
        self.unsigned.load(Ordering::Relaxed)
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

impl Report {
    /// What it measured, for people, then the `bench` line.
    pub fn print(&self) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("database: {}, queues on {}", self.engine, self.queues);
        println!(
            "signatures (one core, RSA-2048, ring): {:.0} signs/s, {:.0} verifies/s",
            self.signs_per_second, self.verifies_per_second
        );
        println!(
            "inbound: {} signed activities, {:.0} accepted/s (p50 {:.1} ms, p99 {:.1} ms), {:.0} applied/s",
            self.inbound,
            self.accepted_per_second,
            ms(self.accept_p50),
            ms(self.accept_p99),
            self.applied_per_second
        );
        println!(
            "outbound: {} posts to {} followers on {} instances delivered in {:.2} s ({:.0} signed deliveries/s)",
            self.posts,
            self.followers,
            self.instances,
            self.fan_out.as_secs_f64(),
            self.deliveries_per_second
        );
        println!(
            "server memory: {} MiB resident idle, {} MiB after ({} MiB of it the process's own)",
            self.rss_idle_kib / 1024,
            self.rss_loaded_kib / 1024,
            self.anon_loaded_kib / 1024
        );
        println!("replay: no differences");
        println!(
            "{}",
            super::line(
                "federation",
                self.engine,
                &[
                    ("queues", self.queues.to_string()),
                    ("inbound", self.inbound.to_string()),
                    ("accepted_per_s", format!("{:.0}", self.accepted_per_second)),
                    ("accept_p99_ms", super::ms(self.accept_p99)),
                    ("applied_per_s", format!("{:.0}", self.applied_per_second)),
                    ("deliveries", (self.posts * self.instances).to_string()),
                    (
                        "deliveries_per_s",
                        format!("{:.0}", self.deliveries_per_second)
                    ),
                    ("signs_per_s", format!("{:.0}", self.signs_per_second)),
                    ("verifies_per_s", format!("{:.0}", self.verifies_per_second)),
                    ("rss_idle_mib", (self.rss_idle_kib / 1024).to_string()),
                    ("rss_after_mib", (self.rss_loaded_kib / 1024).to_string()),
                    ("anon_after_mib", (self.anon_loaded_kib / 1024).to_string()),
                    ("replay", "clean".into()),
                ]
            )
        );
    }
}
