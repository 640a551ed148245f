//! `tessera bench-streaming`: opens many WebSocket streams on a `tessera serve` process of
//! its own (a scratch database), then posts and times how long the `update` takes to reach
//! every stream, and what each open stream costs the server in memory.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as Frame;

#[derive(Debug, Clone)]
pub struct Options {
    pub streams: usize,
    pub posts: usize,
    pub postgres: Option<String>,
}

#[derive(Debug)]
pub struct Report {
    pub database: &'static str,
    pub streams: usize,
    /// Per post: from sending `POST /api/v1/statuses` to the update on the last stream.
    pub to_last: Vec<Duration>,
    /// Per post: to half of the streams.
    pub to_median: Vec<Duration>,
    pub rss_idle_kib: u64,
    pub rss_open_kib: u64,
}

pub async fn run(opts: Options) -> anyhow::Result<Report> {
    let scratch = tempfile::tempdir()?;
    let (database_url, pg) = crate::bench::scratch_database(&opts.postgres, scratch.path()).await?;
    let port = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        l.local_addr()?.port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let mut server = tokio::process::Command::new(std::env::current_exe()?)
        .arg("serve")
        .env("TESSERA_DOMAIN", format!("127.0.0.1:{port}"))
        .env("TESSERA_LISTEN", format!("127.0.0.1:{port}"))
        .env("TESSERA_DATA_DIR", scratch.path())
        .env("DATABASE_URL", &database_url)
        .env("TESSERA_EMAIL_CONFIRMATION", "false")
        .env("TESSERA_RATE_LIMITS", "false")
        .env("RUST_LOG", "error")
        .kill_on_drop(true)
        .spawn()?;
    let result = measure(&opts, &base, server.id()).await;
    server.kill().await.ok();
    crate::bench::drop_scratch(pg).await;
    result.map(|mut r| {
        r.database = if opts.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        r
    })
}

async fn measure(opts: &Options, base: &str, pid: Option<u32>) -> anyhow::Result<Report> {
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if http
            .get(format!("{base}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            anyhow::bail!("the server did not start");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let token = poster_token(&http, base).await?;
    let rss_idle_kib = pid.map(rss_kib).unwrap_or(0);

    // Open the streams, a couple of hundred at a time (the listen backlog is finite).
    let url = format!(
        "{}/api/v1/streaming?stream=public:local",
        base.replacen("http", "ws", 1)
    );
    let (arrived_tx, mut arrived_rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    let mut opened = 0usize;
    let mut tasks = Vec::with_capacity(opts.streams);
    while opened < opts.streams {
        let n = (opts.streams - opened).min(200);
        let batch = futures::future::join_all(
            (0..n).map(|_| tokio_tungstenite::connect_async(url.clone())),
        )
        .await;
        for socket in batch {
            let (mut ws, _) = socket?;
            let tx = arrived_tx.clone();
            tasks.push(tokio::spawn(async move {
                let mut seen = 0usize;
                while let Some(Ok(frame)) = ws.next().await {
                    if let Frame::Text(t) = frame
                        && t.contains("\"update\"")
                    {
                        seen += 1;
                        if tx.send((seen, Instant::now())).is_err() {
                            return;
                        }
                    }
                }
            }));
        }
        opened += n;
    }
    // Give the server a moment to register the last subscriptions.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_open_kib = pid.map(rss_kib).unwrap_or(0);

    let mut to_last = Vec::new();
    let mut to_median = Vec::new();
    for post in 1..=opts.posts {
        let sent = Instant::now();
        let r = http
            .post(format!("{base}/api/v1/statuses"))
            .bearer_auth(&token)
            .json(&json!({"status": format!("benchmark post {post}")}))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "posting failed: {}", r.status());
        let mut times = Vec::with_capacity(opts.streams);
        while times.len() < opts.streams {
            let (seen, at) = tokio::time::timeout(Duration::from_secs(60), arrived_rx.recv())
                .await?
                .ok_or_else(|| anyhow::anyhow!("the streams closed"))?;
            if seen == post {
                times.push(at.duration_since(sent));
            }
        }
        times.sort();
        to_median.push(times[times.len() / 2]);
        to_last.push(times[times.len() - 1]);
    }
    for t in tasks {
        t.abort();
    }
    Ok(Report {
        database: "",
        streams: opts.streams,
        to_last,
        to_median,
        rss_idle_kib,
        rss_open_kib,
    })
}

/// A user to post with: an app, then a registration through the API.
async fn poster_token(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let app: Value = http
        .post(format!("{base}/api/v1/apps"))
        .json(&json!({"client_name": "bench", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read write"}))
        .send()
        .await?
        .json()
        .await?;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", app["client_id"].as_str().unwrap_or_default()),
        (
            "client_secret",
            app["client_secret"].as_str().unwrap_or_default(),
        ),
        ("scope", "read write"),
    ];
    let app_token: Value = http
        .post(format!("{base}/oauth/token"))
        .form(&form)
        .send()
        .await?
        .json()
        .await?;
    let registered: Value = http
        .post(format!("{base}/api/v1/accounts"))
        .bearer_auth(app_token["access_token"].as_str().unwrap_or_default())
        .json(&json!({"username": "poster", "email": "poster@example.com", "password": "correct horse battery", "agreement": true, "locale": "en"}))
        .send()
        .await?
        .json()
        .await?;
    registered["access_token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("registration failed: {registered}"))
}

/// A process's resident memory, from /proc (0 where there is none).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
