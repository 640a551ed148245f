//! The `tessera` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::app::App;
use crate::app::accounts::Registration;
use crate::config::Config;
use crate::domain::{account, password};
use crate::eventlog::SYSTEM_ACTOR;
use crate::queries::accounts as q;

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "An event-sourced, federated ActivityPub server with the Mastodon client API"
)]
pub struct Cli {
    /// A TOML configuration file; environment variables override it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run pending migrations, then serve HTTP (and, by default, the queue workers) until
    /// interrupted.
    Serve {
        /// Serve HTTP only; run the queues with `tessera worker` elsewhere.
        #[arg(long)]
        no_workers: bool,
    },
    /// Run queue workers (and the outbox reactor, with `push`) without serving HTTP.
    Worker {
        /// Comma-separated: push, pull, ingress, mail.
        #[arg(long, default_value = "push,pull,ingress,mail")]
        queues: String,
    },
    /// Run pending database migrations and exit.
    Migrate,
    /// Rebuild every read model from the event log and compare it with the live one.
    Replay {
        /// Replace the live read models with the rebuilt ones (stop the server first).
        #[arg(long)]
        apply: bool,
    },
    /// Measure posting and home-timeline reads on a scratch database (see docs/performance.md).
    Bench {
        /// Accounts the reader follows.
        #[arg(long, default_value_t = 1000)]
        accounts: usize,
        /// Statuses to post (and measure).
        #[arg(long, default_value_t = 100_000)]
        statuses: usize,
        /// Home-timeline requests to measure (and a tenth as many, at most 500, of each kind of status search).
        #[arg(long, default_value_t = 20_000)]
        reads: usize,
        /// Concurrent posters and readers.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Benchmark PostgreSQL instead of SQLite: a server URL such as postgres://postgres@127.0.0.1/postgres.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
    },
    /// Measure federation on loopback: signed activities into the inbox (accepted and
    /// applied per second), posts out to followers on many instances (signed deliveries
    /// per second at saturation), and the server's memory.
    BenchFederation {
        /// Signed Create(Note) activities to send.
        #[arg(long, default_value_t = 5000)]
        inbound: usize,
        /// Concurrent senders.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Remote followers of the posting account.
        #[arg(long, default_value_t = 10_000)]
        followers: usize,
        /// Instances (loopback addresses) the followers are spread over.
        #[arg(long, default_value_t = 1000)]
        instances: usize,
        /// Posts to deliver, each to every instance.
        #[arg(long, default_value_t = 200)]
        posts: usize,
        /// Benchmark PostgreSQL instead of SQLite: a server URL such as postgres://postgres@127.0.0.1/postgres.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
        /// Keep the queues on Redis (a URL such as redis://127.0.0.1:6379) instead of the database.
        #[arg(long, value_name = "URL")]
        redis: Option<String>,
    },
    /// Measure streaming: many WebSocket streams on a server process of its own, the time
    /// from a post to its update on the last stream, and memory per open stream.
    BenchStreaming {
        /// WebSocket streams to open (public:local).
        #[arg(long, default_value_t = 5000)]
        streams: usize,
        /// Posts to time, one after another.
        #[arg(long, default_value_t = 5)]
        posts: usize,
        /// Benchmark PostgreSQL instead of SQLite: a server URL such as postgres://postgres@127.0.0.1/postgres.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
    },
    /// Measure media processing: synthetic JPEG photographs through the upload checks and
    /// processing (decode, re-encode without metadata, preview, blurhash), one per core.
    BenchMedia {
        #[arg(long, default_value_t = 40)]
        images: usize,
        #[arg(long, default_value_t = 4032)]
        width: u32,
        #[arg(long, default_value_t = 3024)]
        height: u32,
    },
    /// Time the public profile and permalink pages for an account with many posts.
    BenchWeb {
        /// Posts of the account (its showcase is full, each with an image).
        #[arg(long, default_value_t = 10_000)]
        posts: usize,
        /// Requests to time for each page.
        #[arg(long, default_value_t = 500)]
        requests: usize,
        /// Benchmark PostgreSQL instead of SQLite: a server URL such as postgres://postgres@127.0.0.1/postgres.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
    },
    /// Operator commands.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Manage local accounts.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// Announcements shown to every user in their apps.
    Announcements {
        #[command(subcommand)]
        command: AnnouncementsCommand,
    },
    /// Custom emoji, used as :shortcode: in posts and reactions.
    Emoji {
        #[command(subcommand)]
        command: EmojiCommand,
    },
    /// Each queue's depth, running, failed and oldest job; failed jobs listed and retried.
    Queues {
        #[command(subcommand)]
        command: Option<QueuesCommand>,
    },
}

#[derive(Subcommand)]
enum QueuesCommand {
    /// List a queue's failed jobs with their last error.
    Failed {
        queue: String,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Run failed jobs again: one by id, or all of the queue's.
    Retry {
        queue: String,
        #[arg(long)]
        id: Option<String>,
    },
}

#[derive(Subcommand)]
enum AnnouncementsCommand {
    /// Make an announcement; published at once unless --draft. Prints its id.
    Create {
        /// The text, as a post's: links and hashtags are linked.
        text: String,
        /// When what it announces starts (RFC 3339, e.g. 2026-12-24T18:00:00Z).
        #[arg(long)]
        starts_at: Option<String>,
        /// When it ends (RFC 3339).
        #[arg(long)]
        ends_at: Option<String>,
        /// It is about whole days (needs --starts-at and --ends-at).
        #[arg(long)]
        all_day: bool,
        /// Keep it unpublished for now.
        #[arg(long)]
        draft: bool,
    },
    /// List every announcement: id, published or draft, text.
    List,
    /// Publish a draft (or one taken down).
    Publish {
        id: String,
    },
    /// Take it down without deleting it.
    Unpublish {
        id: String,
    },
    Delete {
        id: String,
    },
}

#[derive(Subcommand)]
enum EmojiCommand {
    /// Add an image (PNG, GIF, WebP or JPEG, at most 256 KB) as :shortcode:.
    Add {
        shortcode: String,
        file: std::path::PathBuf,
        #[arg(long)]
        category: Option<String>,
        /// Usable in posts but not offered in apps' pickers.
        #[arg(long)]
        hidden: bool,
    },
    /// List the custom emoji: shortcode, category, image.
    List,
    /// Remove one; posts that used it keep showing it.
    Remove { shortcode: String },
}

#[derive(Clone, Copy, ValueEnum)]
enum Role {
    User,
    Moderator,
    Admin,
}

#[derive(Subcommand)]
enum AccountsCommand {
    /// Create a confirmed, approved local account; prints the password if it made one.
    Create {
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: Option<String>,
        #[arg(long, value_enum, default_value = "user")]
        role: Role,
    },
    /// List local accounts.
    List,
    /// Suspend an account: it can no longer sign in and its content is hidden.
    Suspend { username: String },
    /// Lift a suspension.
    Unsuspend { username: String },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tessera: {e}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tessera: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("tessera: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { no_workers } => {
            let mut config = config;
            config.run_workers = config.run_workers && !no_workers;
            let listener = tokio::net::TcpListener::bind(config.listen).await?;
            let base = config.base_url();
            let running = crate::server::start(config, listener, stop_signal()).await?;
            tracing::info!(addr = %running.addr, public = %base, "serving");
            running.wait().await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker { queues } => {
            let which = match tessera_workers::Queue::parse_list(&queues) {
                Ok(q) if !q.is_empty() => q,
                Ok(_) => anyhow::bail!("--queues names no queue"),
                Err(e) => {
                    eprintln!("tessera: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            let db = crate::server::open(&config).await?;
            let app = App::new(db, config)?;
            let connected = crate::federate::workers::connect(&app).await?;
            let token = tokio_util::sync::CancellationToken::new();
            let stop = token.clone();
            tokio::spawn(async move {
                stop_signal().await;
                stop.cancel();
            });
            tracing::info!(queues = %queues, "working");
            crate::server::run_workers(app, connected, which, token).await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            crate::server::open(&config).await?;
            println!("migrations are up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay { apply } => {
            let report = crate::replay::run(&config, apply).await?;
            println!("replayed {} events", report.events);
            for d in &report.differences {
                println!(
                    "difference in {}: {} rows only in the live table, {} only in the rebuilt one",
                    d.table, d.only_live, d.only_rebuilt
                );
            }
            if report.applied {
                println!("the rebuilt read models are now live");
            }
            if report.differences.is_empty() {
                println!("no differences");
                Ok(ExitCode::SUCCESS)
            } else {
                Ok(ExitCode::FAILURE)
            }
        }
        Command::Bench {
            accounts,
            statuses,
            reads,
            concurrency,
            postgres,
        } => {
            let opts = crate::bench::home::Options {
                accounts: accounts.max(1),
                statuses,
                reads,
                concurrency,
                postgres,
            };
            crate::bench::home::run(opts).await?.print();
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchFederation {
            inbound,
            concurrency,
            followers,
            instances,
            posts,
            postgres,
            redis,
        } => {
            crate::bench::federation::run(crate::bench::federation::Options {
                inbound,
                concurrency,
                followers,
                instances: instances.max(1),
                posts,
                postgres,
                redis,
            })
            .await?
            .print();
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchStreaming {
            streams,
            posts,
            postgres,
        } => {
            crate::bench::streaming::run(crate::bench::streaming::Options {
                streams: streams.max(1),
                posts: posts.max(1),
                postgres,
            })
            .await?
            .print();
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchMedia {
            images,
            width,
            height,
        } => {
            let (width, height) = (width.clamp(1, 7680), height.clamp(1, 4320));
            crate::bench::media::run(crate::bench::media::Options {
                images: images.max(1),
                width,
                height,
            })
            .await?
            .print(width, height);
            Ok(ExitCode::SUCCESS)
        }
        Command::BenchWeb {
            posts,
            requests,
            postgres,
        } => {
            crate::bench::web::run(crate::bench::web::Options {
                posts,
                requests,
                postgres,
            })
            .await?
            .print();
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin {
            command: AdminCommand::Accounts { command },
        } => accounts(command, config).await,
        Command::Admin {
            command: AdminCommand::Queues { command },
        } => queues(command, config).await,
        Command::Admin {
            command: AdminCommand::Announcements { command },
        } => announcements(command, config).await,
        Command::Admin {
            command: AdminCommand::Emoji { command },
        } => emoji(command, config).await,
    }
}

/// Ctrl-C, or SIGTERM as `docker stop` and `systemctl stop` send it: both stop gracefully
/// (requests and running jobs finish).
async fn stop_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}

/// An RFC 3339 time as ms since the epoch, or a message naming the option.
fn parse_time(option: &str, value: Option<String>) -> anyhow::Result<Option<i64>> {
    value
        .map(|v| {
            chrono::DateTime::parse_from_rfc3339(&v)
                .map(|t| t.timestamp_millis())
                .map_err(|e| anyhow::anyhow!("{option} {v:?} is not an RFC 3339 time: {e}"))
        })
        .transpose()
}

async fn announcements(command: AnnouncementsCommand, config: Config) -> anyhow::Result<ExitCode> {
    use crate::app::announcements::Draft;
    let db = crate::server::open(&config).await?;
    let app = App::new(db, config)?;
    let parse_id =
        |raw: &str| crate::ids::parse(raw).ok_or_else(|| anyhow::anyhow!("no announcement {raw}"));
    match command {
        AnnouncementsCommand::Create {
            text,
            starts_at,
            ends_at,
            all_day,
            draft,
        } => {
            let draft = Draft {
                text,
                starts_at: parse_time("--starts-at", starts_at)?,
                ends_at: parse_time("--ends-at", ends_at)?,
                all_day,
                published: !draft,
            };
            let id = app.create_announcement(draft).await?;
            println!("{id}");
        }
        AnnouncementsCommand::List => {
            let rows: Vec<(i64, i64, String)> =
                sqlx::query_as("SELECT id, published, text FROM announcements ORDER BY id")
                    .fetch_all(&app.db.pool)
                    .await?;
            for (id, published, text) in rows {
                let state = if published != 0 { "published" } else { "draft" };
                println!("{id}\t{state}\t{}", text.replace('\n', " "));
            }
        }
        AnnouncementsCommand::Publish { id } => {
            app.publish_announcement(parse_id(&id)?, true).await?;
        }
        AnnouncementsCommand::Unpublish { id } => {
            app.publish_announcement(parse_id(&id)?, false).await?;
        }
        AnnouncementsCommand::Delete { id } => {
            app.delete_announcement(parse_id(&id)?).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn emoji(command: EmojiCommand, config: Config) -> anyhow::Result<ExitCode> {
    let db = crate::server::open(&config).await?;
    let app = App::new(db, config)?;
    match command {
        EmojiCommand::Add {
            shortcode,
            file,
            category,
            hidden,
        } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            app.add_custom_emoji(&shortcode, bytes, category, !hidden)
                .await?;
            println!(":{shortcode}: added");
        }
        EmojiCommand::List => {
            let mut conn = app.db.pool.acquire().await?;
            for e in crate::queries::emojis::all(&mut conn).await? {
                println!(
                    "{}\t{}\t{}",
                    e.shortcode,
                    e.category.as_deref().unwrap_or("-"),
                    e.image_key
                );
            }
        }
        EmojiCommand::Remove { shortcode } => {
            app.remove_custom_emoji(&shortcode).await?;
            println!(":{shortcode}: removed");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn queues(command: Option<QueuesCommand>, config: Config) -> anyhow::Result<ExitCode> {
    let queues = crate::federate::workers::open(&config).await?;
    let parse = |name: &str| tessera_workers::Queue::parse_list(name).map(|q| q.first().copied());
    match command {
        None => {
            println!(
                "{:<8} {:>8} {:>8} {:>8}  oldest pending",
                "queue", "pending", "running", "failed"
            );
            for s in queues.stats().await? {
                let oldest = s
                    .oldest_pending_age
                    .map_or_else(|| "-".to_string(), |d| format!("{}s ago", d.as_secs()));
                println!(
                    "{:<8} {:>8} {:>8} {:>8}  {oldest}",
                    s.queue.name(),
                    s.pending,
                    s.running,
                    s.failed
                );
            }
        }
        Some(QueuesCommand::Failed { queue, limit }) => {
            let Ok(Some(q)) = parse(&queue) else {
                eprintln!("tessera: unknown queue `{queue}`");
                return Ok(ExitCode::from(2));
            };
            for job in queues.failed(q, limit).await? {
                println!(
                    "{}  attempts {}  {}\n    {}",
                    job.id, job.attempts, job.last_error, job.payload
                );
            }
        }
        Some(QueuesCommand::Retry { queue, id }) => {
            let Ok(Some(q)) = parse(&queue) else {
                eprintln!("tessera: unknown queue `{queue}`");
                return Ok(ExitCode::from(2));
            };
            let n = queues.retry_failed(q, id).await?;
            println!("{n} jobs queued again");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn accounts(command: AccountsCommand, config: Config) -> anyhow::Result<ExitCode> {
    let db = crate::server::open(&config).await?;
    let app = App::new(db, config)?;
    match command {
        AccountsCommand::Create {
            username,
            email,
            password: given,
            role,
        } => {
            let generated = given.is_none();
            let password = given.unwrap_or_else(password::generate);
            let role = match role {
                Role::User => "user",
                Role::Moderator => "moderator",
                Role::Admin => "admin",
            };
            let registration = Registration {
                username: username.clone(),
                email,
                password: password.clone(),
                display_name: String::new(),
                locale: "en".into(),
                role: role.into(),
                approved: true,
                confirmed: true,
            };
            match app.register(registration).await {
                Ok(_) => {
                    println!("OK");
                    if generated {
                        println!("New password: {password}");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("tessera: cannot create {username}: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        AccountsCommand::List => {
            let mut conn = app.db.pool.acquire().await?;
            for (a, u) in q::list_local(&mut conn).await? {
                let state = if a.suspended != 0 {
                    "suspended"
                } else if u.approved == 0 {
                    "pending"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    a.id, a.username, u.email, u.role, state
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AccountsCommand::Suspend { username } => {
            moderate(&app, &username, account::Command::Suspend).await
        }
        AccountsCommand::Unsuspend { username } => {
            moderate(&app, &username, account::Command::Unsuspend).await
        }
    }
}

async fn moderate(
    app: &App,
    username: &str,
    command: account::Command,
) -> anyhow::Result<ExitCode> {
    let found = {
        let mut conn = app.db.pool.acquire().await?;
        q::local_by_username(&mut conn, username).await?
    };
    let Some(account) = found else {
        eprintln!("tessera: no local account named {username}");
        return Ok(ExitCode::FAILURE);
    };
    app.moderate(account.id, command, SYSTEM_ACTOR).await?;
    println!("OK");
    Ok(ExitCode::SUCCESS)
}
