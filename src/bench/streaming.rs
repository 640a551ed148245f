//! `tessera bench-streaming`: opens many WebSocket streams on a `tessera serve` child (a
//! scratch database), then posts and times how long the `update` takes to reach
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
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    pub streams: usize,
    /// Per post: from sending `POST /api/v1/statuses` to the update on the last stream.
    pub to_last: Vec<Duration>,
    /// Per post: to half of the streams.
    pub to_median: Vec<Duration>,
    pub rss_idle_kib: u64,
    pub rss_open_kib: u64,
}

pub async fn run(opts: Options) -> anyhow::Result<Report> {
    let scratch = super::Scratch::new(&opts.postgres, &[]).await?;
    let result = async {
        let server = scratch.serve().await?;
        let mut report = measure(&opts, &scratch.base(), &server).await?;
        server.stop().await?;
        scratch.replay().await?;
        report.engine = scratch.engine();
        Ok(report)
    }
    .await;
    scratch.remove().await;
    result
}

async fn measure(opts: &Options, base: &str, server: &super::Server) -> anyhow::Result<Report> {
    let http = reqwest::Client::new();
    let token = poster_token(&http, base).await?;
    let rss_idle_kib = server.rss_kib();

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
    let rss_open_kib = server.rss_kib();

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
        engine: "",
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

impl Report {
    /// What it measured, for people, then the `bench` line.
    pub fn print(&self) {
        let ms = |d: &Vec<Duration>| {
            d.iter()
                .map(|t| format!("{:.0}", t.as_secs_f64() * 1000.0))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "database: {}, {} WebSocket streams",
            self.engine, self.streams
        );
        println!(
            "post to update on the last stream (ms, per post): {}",
            ms(&self.to_last)
        );
        println!(
            "post to update on half the streams (ms, per post): {}",
            ms(&self.to_median)
        );
        let per_stream =
            self.rss_open_kib.saturating_sub(self.rss_idle_kib) as f64 / self.streams as f64;
        println!(
            "server memory: {} MiB resident idle, {} MiB with the streams open ({:.1} KiB per stream)",
            self.rss_idle_kib / 1024,
            self.rss_open_kib / 1024,
            per_stream
        );
        let worst = |d: &Vec<Duration>| d.iter().max().copied().unwrap_or_default();
        println!(
            "{}",
            super::line(
                "streaming",
                self.engine,
                &[
                    ("streams", self.streams.to_string()),
                    ("to_last_max_ms", super::ms(worst(&self.to_last))),
                    ("to_half_max_ms", super::ms(worst(&self.to_median))),
                    ("kib_per_stream", format!("{per_stream:.1}")),
                    ("rss_idle_mib", (self.rss_idle_kib / 1024).to_string()),
                    ("rss_open_mib", (self.rss_open_kib / 1024).to_string()),
                    ("replay", "clean".into()),
                ]
            )
        );
    }
}
