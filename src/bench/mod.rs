//! The benchmarks behind `tessera bench*` (docs/performance.md). Each runs the server as a
//! `tessera serve` child process on a scratch database, drives it over HTTP from this
//! process, so the server's figures are not mixed with the load generator's, then stops
//! it, replays the log into fresh read models, fails on any difference from the live ones,
//! and prints one `bench <name> <engine>: key=value ...` line.

pub mod federation;
pub mod home;
pub mod media;
pub mod streaming;
pub mod web;

use std::time::{Duration, Instant};

use sqlx::Connection;

use crate::app::App;
use crate::config::Config;

/// A scratch database and data directory, and the configuration a `tessera serve` child
/// runs on them.
pub struct Scratch {
    pub config: Config,
    pub port: u16,
    env: Vec<(&'static str, String)>,
    pg: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Scratch {
    /// A fresh database (SQLite in a temporary directory, or a new database on the
    /// `postgres` server) and a free loopback port; `extra` adds to the server's settings.
    pub async fn new(
        postgres: &Option<String>,
        extra: &[(&'static str, String)],
    ) -> anyhow::Result<Scratch> {
        let dir = tempfile::tempdir()?;
        let (database_url, pg) = scratch_database(postgres, dir.path()).await?;
        let port = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await?
            .local_addr()?
            .port();
        let mut env = vec![
            ("TESSERA_DOMAIN", format!("127.0.0.1:{port}")),
            ("TESSERA_LISTEN", format!("127.0.0.1:{port}")),
            ("TESSERA_DATA_DIR", dir.path().display().to_string()),
            ("DATABASE_URL", database_url),
            ("TESSERA_EMAIL_CONFIRMATION", "false".into()),
            // One client's thousands of requests would be over Mastodon's limits.
            ("TESSERA_RATE_LIMITS", "false".into()),
        ];
        env.extend(extra.iter().cloned());
        let config = Config::load_from(None, |k| {
            env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
        })?;
        Ok(Scratch {
            config,
            port,
            env,
            pg,
            _dir: dir,
        })
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The size of the SQLite WAL file now, in MiB (none on PostgreSQL).
    pub fn wal_mib(&self) -> Option<u64> {
        if self.pg.is_some() {
            return None;
        }
        let wal = format!("{}-wal", crate::db::sqlite_path(&self.config.database_url));
        Some(std::fs::metadata(wal).map_or(0, |m| m.len() / (1024 * 1024)))
    }

    /// `sqlite` or `postgres`, as the `bench` line names it.
    pub fn engine(&self) -> &'static str {
        if self.pg.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    /// The application on the scratch database (migrated), to seed it before the server
    /// starts; close its pool when done.
    pub async fn seeding(&self) -> anyhow::Result<App> {
        let db = crate::server::open(&self.config).await?;
        Ok(App::new(db, self.config.clone())?)
    }

    /// Start `tessera serve` on the scratch database and wait until it answers.
    pub async fn serve(&self) -> anyhow::Result<Server> {
        let mut command = tokio::process::Command::new(std::env::current_exe()?);
        command
            .arg("serve")
            .env("RUST_LOG", "error")
            .kill_on_drop(true);
        for (k, v) in &self.env {
            command.env(k, v);
        }
        let child = command.spawn()?;
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if http
                .get(format!("{}/health", self.base()))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            if started.elapsed() > Duration::from_secs(120) {
                anyhow::bail!("the server did not start");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Server { child })
    }

    /// Rebuild every read model from the log and compare it with the live one (the
    /// server stopped); an error names the tables that differ.
    pub async fn replay(&self) -> anyhow::Result<()> {
        let report = crate::replay::run(&self.config, false).await?;
        if report.differences.is_empty() {
            return Ok(());
        }
        let tables: Vec<String> = report
            .differences
            .iter()
            .map(|d| {
                format!(
                    "{} ({} only live, {} only rebuilt)",
                    d.table, d.only_live, d.only_rebuilt
                )
            })
            .collect();
        anyhow::bail!(
            "replay differs from the live read models: {}",
            tables.join(", ")
        )
    }

    /// Drop the scratch PostgreSQL database (the SQLite one goes with the directory).
    pub async fn remove(self) {
        drop_scratch(self.pg).await;
    }
}

/// An OAuth app to issue the bench's tokens from; its id.
pub async fn oauth_app(conn: &mut crate::db::Conn) -> anyhow::Result<i64> {
    let client = crate::oauth::store::AppRow {
        id: crate::ids::next_id(),
        name: "bench".into(),
        website: None,
        redirect_uris: crate::oauth::OOB.into(),
        scopes: "read write".into(),
        client_id: crate::oauth::new_secret(),
        client_secret_hash: crate::oauth::hash("bench"),
        created_at: crate::time::now_ms(),
    };
    crate::oauth::store::create_app(conn, &client).await?;
    Ok(client.id)
}

/// A running `tessera serve` child.
pub struct Server {
    child: tokio::process::Child,
}

impl Server {
    /// Its resident memory in KiB, from /proc (0 where there is none).
    pub fn rss_kib(&self) -> u64 {
        self.child.id().map(rss_kib).unwrap_or(0)
    }

    /// The CPU time it has used so far, user and system (zero where /proc has none). On
    /// PostgreSQL the database's own processes are not in it.
    pub fn cpu(&self) -> Duration {
        self.child.id().map(cpu_time).unwrap_or_default()
    }

    /// The part of it that is the process's own (heap and stacks), not pages of mapped
    /// files such as SQLite's memory-mapped database, which the kernel can drop.
    pub fn anon_kib(&self) -> u64 {
        self.child
            .id()
            .map(|pid| status_kib(pid, "RssAnon:"))
            .unwrap_or(0)
    }

    /// Ask it to stop as `docker stop` would (SIGTERM), and wait; kill it after 30 s.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            let _ = tokio::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
        }
        match tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await {
            Ok(status) => {
                status?;
            }
            Err(_) => {
                self.child.kill().await?;
                anyhow::bail!("the server did not stop within 30 s of SIGTERM");
            }
        }
        Ok(())
    }
}

/// A process's resident memory in KiB, from /proc (0 where there is none).
pub fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS:")
}

/// A process's user and system CPU time, from /proc/<pid>/stat (zero where there is none).
/// Linux counts it in USER_HZ ticks, a hundredth of a second on every architecture.
pub fn cpu_time(pid: u32) -> Duration {
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // The command name (field 2) may hold spaces and parentheses: count from the
            // last `)`, after which field 3 comes first; utime and stime are 14 and 15.
            let (_, rest) = stat.rsplit_once(')')?;
            let mut fields = rest.split_whitespace().skip(11);
            let user: u64 = fields.next()?.parse().ok()?;
            let system: u64 = fields.next()?.parse().ok()?;
            Some(user + system)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// One `kB` figure of /proc/<pid>/status (0 where there is none).
fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The line every bench ends with, for programs comparing runs.
pub fn line(name: &str, engine: &str, values: &[(&str, String)]) -> String {
    let pairs: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("bench {name} {engine}: {}", pairs.join(" "))
}

/// Milliseconds with two decimals, for `bench` lines.
pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Whole microseconds, for `bench` lines.
pub fn us(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1_000_000.0)
}

/// `total` shared out over `n` (zero when `n` is).
pub fn per(total: Duration, n: usize) -> Duration {
    total
        .checked_div(u32::try_from(n).unwrap_or(u32::MAX))
        .unwrap_or_default()
}

/// The real server in this process on a loopback port and a scratch database (the web
/// bench, which times single pages rather than throughput).
pub struct ScratchServer {
    pub running: crate::server::Running,
    pub port: u16,
    pub scratch: Scratch,
}

impl ScratchServer {
    pub async fn start(postgres: &Option<String>) -> anyhow::Result<ScratchServer> {
        let scratch = Scratch::new(postgres, &[]).await?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", scratch.port)).await?;
        let running =
            crate::server::start(scratch.config.clone(), listener, std::future::pending()).await?;
        Ok(ScratchServer {
            running,
            port: scratch.port,
            scratch,
        })
    }

    /// Stop the server, replay the log against its read models, remove the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.running.stop().await;
        let replayed = self.scratch.replay().await;
        self.scratch.remove().await;
        replayed
    }
}

/// A database for one benchmark run: a fresh PostgreSQL database on `postgres` (named
/// for dropping afterwards), or a SQLite file in `dir`.
async fn scratch_database(
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

async fn drop_scratch(pg: Option<(String, String)>) {
    if let Some((server, name)) = pg
        && let Ok(mut admin) = sqlx::AnyConnection::connect(&server).await
    {
        let _ = sqlx::raw_sql(crate::sqlf!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await;
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
