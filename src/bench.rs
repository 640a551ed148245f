//! `tessera bench`: measures posts per second through the full command path, and home
//! timeline reads per second and their latency over HTTP, on a scratch database seeded
//! with one reader following many accounts. Results go to docs/performance.md.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::app::accounts::Registration;
use crate::app::statuses::NewStatus;
use crate::config::Config;
use crate::oauth::store;
use crate::queries::accounts as q;

#[derive(Debug, Clone)]
pub struct Options {
    pub accounts: usize,
    pub statuses: usize,
    pub reads: usize,
    pub concurrency: usize,
    /// A PostgreSQL server URL; the benchmark makes (and drops) its own database there.
    pub postgres: Option<String>,
}

#[derive(Debug)]
pub struct Report {
    pub database: &'static str,
    pub statuses: usize,
    pub posts_per_second: f64,
    pub fan_out_catch_up: Duration,
    pub reads: usize,
    pub reads_per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Searches of each kind measured.
    pub searches: usize,
    /// p50 and p99 of a search for a word one status has.
    pub search_one: (Duration, Duration),
    /// p50 and p99 of a search for words every status has (the newest 20).
    pub search_common: (Duration, Duration),
}

pub async fn run(opts: Options) -> anyhow::Result<Report> {
    let server = ScratchServer::start(&opts.postgres).await?;
    let result = measure(&server.running, &opts, server.port).await;
    server.stop().await;
    result
}

/// The real server on a loopback port and a scratch database, for one benchmark run.
pub struct ScratchServer {
    pub running: crate::server::Running,
    pub port: u16,
    pg: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl ScratchServer {
    pub async fn start(postgres: &Option<String>) -> anyhow::Result<ScratchServer> {
        let dir = tempfile::tempdir()?;
        let (database_url, pg) = scratch_database(postgres, dir.path()).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let env: HashMap<&str, String> = HashMap::from([
            ("TESSERA_DOMAIN", format!("127.0.0.1:{port}")),
            ("TESSERA_DATA_DIR", dir.path().display().to_string()),
            ("DATABASE_URL", database_url),
            // One client's thousands of requests would be over Mastodon's limits.
            ("TESSERA_RATE_LIMITS", "false".into()),
        ]);
        let config = Config::load_from(None, |k| env.get(k).cloned())?;
        let running = crate::server::start(config, listener, std::future::pending()).await?;
        Ok(ScratchServer {
            running,
            port,
            pg,
            _dir: dir,
        })
    }

    pub async fn stop(self) {
        self.running.stop().await;
        drop_scratch(self.pg).await;
    }
}

/// A database for one benchmark run: a fresh PostgreSQL database on `postgres` (named
/// for dropping afterwards), or a SQLite file in `dir`.
pub async fn scratch_database(
    postgres: &Option<String>,
    dir: &std::path::Path,
) -> anyhow::Result<(String, Option<(String, String)>)> {
    match postgres {
        Some(server) => {
            crate::db::install_drivers();
            let name = format!("tessera_bench_{}", std::process::id());
            let mut admin = sqlx::AnyConnection::connect(server).await?;
            sqlx::raw_sql(crate::sqlf!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut admin)
                .await?;
            sqlx::raw_sql(crate::sqlf!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await?;
            admin.close().await?;
            let (prefix, _) = server
                .rsplit_once('/')
                .ok_or_else(|| anyhow::anyhow!("--postgres needs a URL with a database"))?;
            Ok((format!("{prefix}/{name}"), Some((server.clone(), name))))
        }
        None => Ok((format!("sqlite://{}/bench.db", dir.display()), None)),
    }
}

pub async fn drop_scratch(pg: Option<(String, String)>) {
    if let Some((server, name)) = pg
        && let Ok(mut admin) = sqlx::AnyConnection::connect(&server).await
    {
        let _ = sqlx::raw_sql(crate::sqlf!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await;
    }
}

async fn measure(
    running: &crate::server::Running,
    opts: &Options,
    port: u16,
) -> anyhow::Result<Report> {
    let app = &running.app;
    let database = match app.db.kind {
        crate::db::Kind::Sqlite => "SQLite",
        crate::db::Kind::Postgres => "PostgreSQL",
    };
    // Seeding: one password hash and one key pair serve every account.
    let hash = crate::app::blocking(|| crate::domain::password::hash("bench password")).await??;
    let keys = crate::app::blocking(tessera_federation::keys::generate).await??;
    let register = |name: String| {
        let (hash, keys) = (hash.clone(), keys.clone());
        async move {
            let r = Registration {
                email: format!("{name}@bench.example"),
                username: name,
                password: String::new(),
                display_name: String::new(),
                locale: "en".into(),
                role: "user".into(),
                approved: true,
                confirmed: true,
            };
            app.register_prepared(r, hash, keys).await
        }
    };
    let reader = register("reader".into()).await?;
    let mut authors = Vec::with_capacity(opts.accounts);
    for chunk in (0..opts.accounts).collect::<Vec<_>>().chunks(64) {
        for id in
            futures::future::try_join_all(chunk.iter().map(|i| register(format!("author{i}"))))
                .await?
        {
            authors.push(id);
        }
    }
    for chunk in authors.chunks(64) {
        futures::future::try_join_all(chunk.iter().map(|a| app.follow(reader, *a))).await?;
    }
    let rows = {
        let mut conn = app.db.pool.acquire().await?;
        q::by_ids(&mut conn, &authors).await?
    };
    let authors: Vec<q::AccountRow> = authors
        .iter()
        .filter_map(|id| rows.get(id).cloned())
        .collect();

    // Posts per second through the full command path (render, decide, append, project).
    let started = Instant::now();
    let workers = opts.concurrency.max(1);
    futures::future::try_join_all((0..workers).map(|w| {
        let authors = &authors;
        async move {
            let mut i = w;
            while i < opts.statuses {
                let author = &authors[i % authors.len()];
                let text = format!(
                    "Status {i} from {} about #bench, see https://example.com/posts/{i}",
                    author.username
                );
                let new = NewStatus {
                    text,
                    spoiler_text: String::new(),
                    visibility: "public".into(),
                    sensitive: false,
                    language: Some("en".into()),
                    in_reply_to_id: None,
                    application: None,
                    idempotency_key: None,
                    media_ids: Vec::new(),
                    poll: None,
                };
                app.post_status(author, new).await?;
                i += workers;
            }
            Ok::<_, crate::error::Error>(())
        }
    }))
    .await?;
    let posting = started.elapsed();
    let started = Instant::now();
    crate::projections::catch_up(&app.db).await?;
    let fan_out_catch_up = started.elapsed();

    // Home timeline reads over HTTP on loopback.
    let token = {
        let mut conn = app.db.pool.acquire().await?;
        let client = store::AppRow {
            id: crate::ids::next_id(),
            name: "bench".into(),
            website: None,
            redirect_uris: crate::oauth::OOB.into(),
            scopes: "read".into(),
            client_id: crate::oauth::new_secret(),
            client_secret_hash: crate::oauth::hash("bench"),
            created_at: crate::time::now_ms(),
        };
        store::create_app(&mut conn, &client).await?;
        store::issue_token(&mut conn, client.id, Some(reader), "read")
            .await?
            .token
    };
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let home = format!("{base}/api/v1/timelines/home?limit=20");
    let reads = Gets {
        http: &http,
        token: &token,
        workers,
    };
    // Warm up caches and connections before measuring.
    reads.run(50, |_| home.clone(), 20).await?;
    let started = Instant::now();
    let mut all = reads.run(opts.reads, |_| home.clone(), 20).await?;
    let reading = started.elapsed();
    let pick = percentiles(&mut all);

    // Full-text search of statuses: a word one status has (its number), and words every
    // status has (the newest 20 of all of them).
    let searches = opts.reads / 10;
    let statuses = opts.statuses.max(1);
    let one = |i: usize| {
        format!(
            "{base}/api/v2/search?type=statuses&limit=20&q={}",
            (i * 7919) % statuses
        )
    };
    let mut rare = reads.run(searches, one, 1).await?;
    let every = |_| format!("{base}/api/v2/search?type=statuses&limit=20&q=about+bench");
    let mut common = reads.run(searches, every, 20.min(opts.statuses)).await?;
    let rare = percentiles(&mut rare);
    let common = percentiles(&mut common);
    Ok(Report {
        database,
        statuses: opts.statuses,
        posts_per_second: opts.statuses as f64 / posting.as_secs_f64(),
        fan_out_catch_up,
        reads: all.len(),
        reads_per_second: all.len() as f64 / reading.as_secs_f64(),
        p50: pick.0,
        p99: pick.1,
        searches,
        search_one: rare,
        search_common: common,
    })
}

/// GETs timed over HTTP from a few tasks, as a client would send them.
struct Gets<'a> {
    http: &'a reqwest::Client,
    token: &'a str,
    workers: usize,
}

impl Gets<'_> {
    /// `n` requests to `url(i)`, each answer checked to hold `expect` items (a list, or
    /// search's `statuses`); their latencies.
    async fn run(
        &self,
        n: usize,
        url: impl Fn(usize) -> String + Sync,
        expect: usize,
    ) -> anyhow::Result<Vec<Duration>> {
        let url = &url;
        let lists: Vec<Vec<Duration>> =
            futures::future::try_join_all((0..self.workers).map(|w| async move {
                let mut mine = Vec::new();
                let mut i = w;
                while i < n {
                    let target = url(i);
                    let t = Instant::now();
                    let resp = self
                        .http
                        .get(&target)
                        .bearer_auth(self.token)
                        .send()
                        .await?;
                    let ok = resp.status().is_success();
                    let body: serde_json::Value = resp.json().await?;
                    mine.push(t.elapsed());
                    let items = body.get("statuses").unwrap_or(&body);
                    if !ok || items.as_array().map(Vec::len) != Some(expect) {
                        anyhow::bail!("{target} did not answer {expect} statuses: {body}");
                    }
                    i += self.workers;
                }
                Ok(mine)
            }))
            .await?;
        Ok(lists.into_iter().flatten().collect())
    }
}

/// p50 and p99 of `all`.
pub fn percentiles(all: &mut [Duration]) -> (Duration, Duration) {
    all.sort();
    let pick = |q: f64| {
        all.get(((all.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default()
    };
    (pick(0.50), pick(0.99))
}
