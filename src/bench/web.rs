//! `tessera bench-web`: how long the public profile and permalink pages take, answered to
//! a visitor over HTTP on loopback, for an account with many posts (10,000 by default), a
//! full showcase with an image on each post, and a thread of replies. Then the account is
//! deleted: how long the owner waits for the page, and how long the purge of its posts takes.
//! The server runs in this process: single pages are timed one at a time, so the client's
//! share is small, and the purge is watched from inside.

use std::time::{Duration, Instant};

use crate::app::accounts::Registration;
use crate::app::media::{Upload, When};
use crate::app::statuses::NewStatus;
use crate::bench::{ScratchServer, percentiles};
use crate::queries::accounts as q;

#[derive(Debug, Clone)]
pub struct Options {
    pub posts: usize,
    pub requests: usize,
    pub postgres: Option<String>,
}

#[derive(Debug)]
pub struct Report {
    /// `sqlite` or `postgres`.
    pub engine: &'static str,
    pub posts: usize,
    pub showcase: usize,
    /// Page name, then p50 and p99 of its answers.
    pub pages: Vec<(&'static str, Duration, Duration)>,
    /// The deletion as its owner waits for it (password check included).
    pub deletion: Duration,
    /// Until its `pull` job has purged the account's posts.
    pub purge: Duration,
}

pub async fn run(opts: Options) -> anyhow::Result<Report> {
    let server = ScratchServer::start(&opts.postgres).await?;
    let engine = server.scratch.engine();
    let result = measure(&server.running, &opts, server.port).await;
    let replayed = server.stop().await;
    let mut report = result?;
    replayed?;
    report.engine = engine;
    Ok(report)
}

fn new_status(text: String, in_reply_to_id: Option<i64>, media_ids: Vec<i64>) -> NewStatus {
    NewStatus {
        text,
        spoiler_text: String::new(),
        visibility: "public".into(),
        sensitive: false,
        language: Some("en".into()),
        in_reply_to_id,
        application: None,
        idempotency_key: None,
        media_ids,
        poll: None,
    }
}

async fn measure(
    running: &crate::server::Running,
    opts: &Options,
    port: u16,
) -> anyhow::Result<Report> {
    let app = &running.app;
    let id = app
        .register(Registration {
            username: "maya".into(),
            email: "maya@bench.example".into(),
            password: "bench password 1".into(),
            display_name: "Maya Okafor".into(),
            locale: "en".into(),
            role: "user".into(),
            approved: true,
            confirmed: true,
        })
        .await?;
    let replier = app
        .register(Registration {
            username: "sam".into(),
            email: "sam@bench.example".into(),
            password: "bench password 2".into(),
            display_name: String::new(),
            locale: "en".into(),
            role: "user".into(),
            approved: true,
            confirmed: true,
        })
        .await?;
    let (maya, sam) = {
        let mut conn = app.db.pool.acquire().await?;
        let rows = q::by_ids(&mut conn, &[id, replier]).await?;
        (
            rows.get(&id)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("no account"))?,
            rows.get(&replier)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("no account"))?,
        )
    };
    let picture = {
        let img = image::RgbImage::from_fn(640, 400, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)?;
        out.into_inner()
    };

    // The account's history, four posters at a time; the showcase posts have an image.
    let showcase = app.config.showcase_limit as usize;
    let mut showcased = Vec::new();
    for i in 0..showcase {
        let media = app
            .upload_media(
                id,
                Upload {
                    bytes: picture.clone(),
                    description: Some(format!("Work sample {i}")),
                    focus: None,
                },
                When::Now,
            )
            .await?;
        let text = format!("Case study {i}: a film score, from the first sketch to the final mix");
        showcased.push(
            app.post_status(&maya, new_status(text, None, vec![media]))
                .await?
                .id,
        );
    }
    let rest = opts.posts.saturating_sub(showcase);
    futures::future::try_join_all((0..4).map(|w| {
        let maya = &maya;
        async move {
            let mut i = w;
            while i < rest {
                let text = format!(
                    "Studio note {i}: trying a new reverb on the #sounddesign of scene {i}"
                );
                app.post_status(maya, new_status(text, None, vec![]))
                    .await?;
                i += 4;
            }
            Ok::<_, crate::error::Error>(())
        }
    }))
    .await?;
    for status_id in showcased.iter().rev() {
        app.pin(id, *status_id, true).await?;
    }
    let thread = showcased[0];
    for i in 0..10 {
        let text = format!("@maya Reply {i}: how did you record the ambience?");
        app.post_status(&sam, new_status(text, Some(thread), vec![]))
            .await?;
    }
    crate::projections::catch_up(&app.db, &app.recent).await?;
    if app.db.kind == crate::db::Kind::Postgres {
        // A server with an account this size has had its tables analysed by autovacuum;
        // right after a bulk load the planner would still think them empty.
        sqlx::query("ANALYZE").execute(&app.db.pool).await?;
    }

    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let pages: [(&str, String); 3] = [
        ("profile, showcase tab", format!("{base}/@maya")),
        ("profile, posts tab", format!("{base}/@maya?tab=posts")),
        (
            "permalink with 10 replies",
            format!("{base}/@maya/{thread}"),
        ),
    ];
    let mut report = Vec::new();
    for (name, url) in pages {
        let mut times = Vec::with_capacity(opts.requests);
        for _ in 0..opts.requests.max(1) {
            let started = Instant::now();
            let response = http.get(&url).header("Accept", "text/html").send().await?;
            let status = response.status();
            response.bytes().await?;
            times.push(started.elapsed());
            anyhow::ensure!(status.is_success(), "{url} answered {status}");
        }
        let (p50, p99) = percentiles(&mut times);
        report.push((name, p50, p99));
    }
    let started = Instant::now();
    app.delete_account(id, "bench password 1").await?;
    let deletion = started.elapsed();
    // The purge is the server's own `pull` job, queued by the deletion.
    let started = Instant::now();
    loop {
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM statuses WHERE account_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await?;
        if left == 0 {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(900),
            "{left} posts are left after 15 minutes of purging"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let purge = started.elapsed();
    Ok(Report {
        engine: "",
        posts: opts.posts,
        showcase,
        pages: report,
        deletion,
        purge,
    })
}

impl Report {
    /// What it measured, for people, then the `bench` line.
    pub fn print(&self) {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "database: {}, one account with {} posts and {} in its showcase, pages answered to a visitor",
            self.engine, self.posts, self.showcase
        );
        let mut values = vec![("posts", self.posts.to_string())];
        for (page, p50, p99) in &self.pages {
            println!("{page}: p50 {:.2} ms, p99 {:.2} ms", ms(*p50), ms(*p99));
        }
        let keys = ["showcase_p99_ms", "posts_tab_p99_ms", "permalink_p99_ms"];
        for (key, (_, _, p99)) in keys.iter().zip(&self.pages) {
            values.push((key, super::ms(*p99)));
        }
        println!(
            "deleting the account: {:.1} ms; purging its {} posts: {:.1} s",
            ms(self.deletion),
            self.posts,
            self.purge.as_secs_f64()
        );
        println!("replay: no differences");
        values.push(("deletion_ms", super::ms(self.deletion)));
        values.push(("purge_s", format!("{:.1}", self.purge.as_secs_f64())));
        values.push(("replay", "clean".into()));
        println!("{}", super::line("web", self.engine, &values));
    }
}
