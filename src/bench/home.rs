//! `tessera bench`: posts per second through the full command path, how far the home
//! timeline is behind the last acknowledged post, and home timeline reads per second and
//! their latency, all over HTTP against a `tessera serve` child on a scratch database
//! seeded with one reader following many authors. Results go to docs/performance.md.

use std::time::{Duration, Instant};

use super::{Scratch, per, percentiles};
use crate::app::accounts::Registration;
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
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    pub statuses: usize,
    pub posts_per_second: f64,
    /// The server process's CPU time for each post, the fan-out after it included.
    pub cpu_per_post: Duration,
    /// From the last post's acknowledgement until it is on the reader's home timeline.
    pub fan_out_behind: Duration,
    pub reads: usize,
    pub reads_per_second: f64,
    /// The server process's CPU time for each home-timeline read.
    pub cpu_per_read: Duration,
    pub p50: Duration,
    pub p99: Duration,
    /// Searches of each kind measured.
    pub searches: usize,
    /// p50 and p99 of a search for a word one status has.
    pub search_one: (Duration, Duration),
    /// p50 and p99 of a search for words every status has (the newest 20).
    pub search_common: (Duration, Duration),
    /// The server's resident memory after seeding, and after everything above.
    pub rss_idle_kib: u64,
    pub rss_after_kib: u64,
    /// Of that, the process's own memory (not mapped file pages).
    pub anon_after_kib: u64,
    /// The SQLite WAL's size after the posts.
    pub wal_mib: Option<u64>,
}

pub async fn run(opts: Options) -> anyhow::Result<Report> {
    let scratch = Scratch::new(&opts.postgres, &[]).await?;
    let result = measure(&scratch, &opts).await;
    scratch.remove().await;
    result
}

async fn measure(scratch: &Scratch, opts: &Options) -> anyhow::Result<Report> {
    let seeded = seed(scratch, opts).await?;
    let server = scratch.serve().await?;
    let rss_idle_kib = server.rss_kib();
    let base = scratch.base();
    let workers = opts.concurrency.max(1);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(workers)
        .build()?;

    // Posts per second through the full command path (render, decide, append, project),
    // each acknowledged over HTTP.
    let statuses_url = format!("{base}/api/v1/statuses");
    let cpu_at_start = server.cpu();
    let started = Instant::now();
    let acks: Vec<(Instant, i64)> =
        futures::future::try_join_all((0..workers).map(|w| {
            let (seeded, http, url) = (&seeded, &http, &statuses_url);
            async move {
                let mut last = None;
                let mut i = w;
                while i < opts.statuses {
                    let (author, token) = &seeded.authors[i % seeded.authors.len()];
                    let body = serde_json::json!({
                        "status": format!("Status {i} from {author} about #bench, see https://example.com/posts/{i}"),
                        "visibility": "public",
                        "language": "en",
                    });
                    let resp = http.post(url).bearer_auth(token).json(&body).send().await?;
                    let status = resp.status();
                    let answer = resp.bytes().await?;
                    let acknowledged = Instant::now();
                    // Only the id is read: the client's time is not the server's.
                    let id = serde_json::from_slice::<Posted>(&answer)
                        .ok()
                        .and_then(|p| p.id.parse::<i64>().ok());
                    match id {
                        Some(id) if status.is_success() => last = Some((acknowledged, id)),
                        _ => anyhow::bail!(
                            "posting answered {status}: {}",
                            String::from_utf8_lossy(&answer)
                        ),
                    }
                    i += workers;
                }
                Ok::<_, anyhow::Error>(last)
            }
        }))
        .await?
        .into_iter()
        .flatten()
        .collect();
    let posting = started.elapsed();
    // The WAL must start over while posts keep coming, not grow with them.
    let wal_mib = scratch.wal_mib();

    // How far the reader's home timeline is behind when the last post is acknowledged:
    // until that post is on it.
    let reads = Gets {
        http: &http,
        token: &seeded.reader_token,
        workers,
    };
    let fan_out_behind = match acks.iter().max_by_key(|(at, _)| *at) {
        Some((acked, id)) => {
            let page = format!("{base}/api/v1/timelines/home?limit=1&max_id={}", id + 1);
            let deadline = Instant::now() + Duration::from_secs(300);
            loop {
                let top: serde_json::Value = http
                    .get(&page)
                    .bearer_auth(&seeded.reader_token)
                    .send()
                    .await?
                    .json()
                    .await?;
                if top[0]["id"].as_str() == Some(id.to_string().as_str()) {
                    break acked.elapsed();
                }
                if Instant::now() > deadline {
                    anyhow::bail!("status {id} never reached the home timeline");
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        None => Duration::ZERO,
    };
    // The server's CPU for the posts and the fan-out that follows them.
    let cpu_per_post = per(server.cpu().saturating_sub(cpu_at_start), opts.statuses);

    // Home timeline reads, authenticated.
    let home = format!("{base}/api/v1/timelines/home?limit=20");
    let expect = 20.min(opts.statuses);
    // Warm up caches and connections before measuring.
    reads.run(50, |_| home.clone(), expect).await?;
    let cpu_at_start = server.cpu();
    let started = Instant::now();
    let mut all = reads.run(opts.reads, |_| home.clone(), expect).await?;
    let reading = started.elapsed();
    let cpu_per_read = per(server.cpu().saturating_sub(cpu_at_start), all.len());
    let pick = percentiles(&mut all);

    // Full-text search of statuses: a word one status has (its number), and words every
    // status has (the newest 20 of all of them).
    // A tenth of the reads, at most 500: on PostgreSQL a search every status matches takes
    // seconds at full size.
    let searches = (opts.reads / 10).min(500);
    let statuses = opts.statuses.max(1);
    let one = |i: usize| {
        format!(
            "{base}/api/v2/search?type=statuses&limit=20&q={}",
            (i * 7919) % statuses
        )
    };
    let mut rare = reads.run(searches, one, 1.min(opts.statuses)).await?;
    let every = |_| format!("{base}/api/v2/search?type=statuses&limit=20&q=about+bench");
    let mut common = reads.run(searches, every, expect).await?;
    let rare = percentiles(&mut rare);
    let common = percentiles(&mut common);
    let rss_after_kib = server.rss_kib();
    let anon_after_kib = server.anon_kib();
    server.stop().await?;
    scratch.replay().await?;
    Ok(Report {
        engine: scratch.engine(),
        statuses: opts.statuses,
        posts_per_second: opts.statuses as f64 / posting.as_secs_f64(),
        cpu_per_post,
        fan_out_behind,
        reads: all.len(),
        reads_per_second: all.len() as f64 / reading.as_secs_f64(),
        cpu_per_read,
        p50: pick.0,
        p99: pick.1,
        searches,
        search_one: rare,
        search_common: common,
        rss_idle_kib,
        rss_after_kib,
        anon_after_kib,
        wal_mib,
    })
}

/// The seeded accounts: authors' usernames and tokens, and the reader's token.
struct Seeded {
    authors: Vec<(String, String)>,
    reader_token: String,
}

/// One reader following `accounts` authors, each with a token, written before the server
/// starts (one password hash and one key pair serve every account).
async fn seed(scratch: &Scratch, opts: &Options) -> anyhow::Result<Seeded> {
    let app = scratch.seeding().await?;
    let app = &app;
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
    let mut ids = Vec::with_capacity(opts.accounts);
    for chunk in (0..opts.accounts).collect::<Vec<_>>().chunks(64) {
        ids.extend(
            futures::future::try_join_all(chunk.iter().map(|i| register(format!("author{i}"))))
                .await?,
        );
    }
    for chunk in ids.chunks(64) {
        futures::future::try_join_all(chunk.iter().map(|a| app.follow(reader, *a))).await?;
    }
    crate::projections::catch_up(&app.db, &app.recent).await?;
    let mut conn = app.db.pool.acquire().await?;
    let client = super::oauth_app(&mut conn).await?;
    let reader_token = store::issue_token(&mut conn, client, Some(reader), "read")
        .await?
        .token;
    let rows = q::by_ids(&mut conn, &ids).await?;
    let mut authors = Vec::with_capacity(ids.len());
    for id in &ids {
        let name = rows
            .get(id)
            .map(|r| r.username.clone())
            .ok_or_else(|| anyhow::anyhow!("author {id} was not registered"))?;
        let token = store::issue_token(&mut conn, client, Some(*id), "read write")
            .await?
            .token;
        authors.push((name, token));
    }
    drop(conn);
    app.db.pool.close().await;
    Ok(Seeded {
        authors,
        reader_token,
    })
}

impl Report {
    /// What it measured, for people, then the `bench` line.
    pub fn print(&self) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("database: {}", self.engine);
        println!(
            "posted {} statuses over HTTP: {:.0} posts/s (the home timeline had the last one {:.0} ms after it was acknowledged)",
            self.statuses,
            self.posts_per_second,
            ms(self.fan_out_behind)
        );
        println!(
            "server CPU: {:.0} µs a post (its fan-out included), {:.0} µs a home-timeline read",
            self.cpu_per_post.as_secs_f64() * 1e6,
            self.cpu_per_read.as_secs_f64() * 1e6
        );
        if let Some(wal) = self.wal_mib {
            println!("SQLite WAL after the posts: {wal} MiB");
        }
        println!(
            "home timeline: {} reads, {:.0} reads/s, p50 {:.2} ms, p99 {:.2} ms",
            self.reads,
            self.reads_per_second,
            ms(self.p50),
            ms(self.p99)
        );
        println!(
            "status search, {} of each: a word one status has p50 {:.2} ms, p99 {:.2} ms; words all have (newest 20) p50 {:.2} ms, p99 {:.2} ms",
            self.searches,
            ms(self.search_one.0),
            ms(self.search_one.1),
            ms(self.search_common.0),
            ms(self.search_common.1)
        );
        println!(
            "server memory: {} MiB resident idle, {} MiB after ({} MiB of it the process's own, the rest mapped files)",
            self.rss_idle_kib / 1024,
            self.rss_after_kib / 1024,
            self.anon_after_kib / 1024
        );
        println!("replay: no differences");
        println!(
            "{}",
            super::line(
                "home",
                self.engine,
                &[
                    ("statuses", self.statuses.to_string()),
                    ("posts_per_s", format!("{:.0}", self.posts_per_second)),
                    ("fanout_behind_ms", super::ms(self.fan_out_behind)),
                    ("reads_per_s", format!("{:.0}", self.reads_per_second)),
                    ("read_p50_ms", super::ms(self.p50)),
                    ("read_p99_ms", super::ms(self.p99)),
                    ("server_cpu_us_per_post", super::us(self.cpu_per_post)),
                    ("server_cpu_us_per_read", super::us(self.cpu_per_read)),
                    ("search_one_p99_ms", super::ms(self.search_one.1)),
                    ("search_common_p99_ms", super::ms(self.search_common.1)),
                    ("rss_idle_mib", (self.rss_idle_kib / 1024).to_string()),
                    ("rss_after_mib", (self.rss_after_kib / 1024).to_string()),
                    ("anon_after_mib", (self.anon_after_kib / 1024).to_string()),
                    (
                        "wal_mib",
                        self.wal_mib.map_or_else(|| "-".into(), |m| m.to_string())
                    ),
                    ("replay", "clean".into()),
                ]
            )
        );
    }
}

/// What the bench reads of a posted status.
#[derive(serde::Deserialize)]
struct Posted {
    id: String,
}

/// Search's answer, its statuses counted and not kept.
#[derive(serde::Deserialize)]
struct Found {
    statuses: Vec<serde::de::IgnoredAny>,
}

/// How many entities a list (or search's answer) holds, without building them.
fn count_items(body: &[u8]) -> Option<usize> {
    if body.trim_ascii_start().starts_with(b"[") {
        serde_json::from_slice::<Vec<serde::de::IgnoredAny>>(body)
            .ok()
            .map(|items| items.len())
    } else {
        serde_json::from_slice::<Found>(body)
            .ok()
            .map(|found| found.statuses.len())
    }
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
                    let body = resp.bytes().await?;
                    mine.push(t.elapsed());
                    // Counted without building the entities: the client's time is not the
                    // server's.
                    let count = count_items(&body);
                    if !ok || count != Some(expect) {
                        anyhow::bail!(
                            "{target} did not answer {expect} statuses: {}",
                            String::from_utf8_lossy(&body)
                        );
                    }
                    i += self.workers;
                }
                Ok(mine)
            }))
            .await?;
        Ok(lists.into_iter().flatten().collect())
    }
}
