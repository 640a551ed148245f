//! Use cases: each does its I/O first (look-ups, hashing, key generation), then hands a
//! command to an aggregate through [`App::execute`], which appends the decided events and
//! applies the inline projections in one transaction.

pub mod account_deletion;
pub mod accounts;
pub mod announcements;
pub mod email;
pub mod emoji;
pub mod filters;
pub mod instance_actor;
pub mod lists;
pub mod media;
pub mod moderation;
pub mod notification_policy;
pub mod polls;
pub mod push;
pub mod relations;
pub mod reports;
pub mod scheduled;
pub mod statuses;
pub mod tags;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::config::Config;
use crate::db::Db;
use crate::domain::Aggregate;
use crate::error::Error;
use crate::eventlog::{self, AppendError, Recorded};
use crate::projections;

/// Attempts before a contended stream surfaces as a clean 409.
const MAX_ATTEMPTS: u32 = 8;

#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub config: Arc<Config>,
    /// Wakes the checkpointed projectors after a commit.
    pub projector_wake: Arc<Notify>,
    /// Wakes the outbox reactor after a commit.
    pub outbox_wake: Arc<Notify>,
    /// The events committed last, for the loops that follow the log.
    pub recent: Arc<eventlog::Recent>,
    pub limits: Arc<crate::api::ratelimit::Limits>,
    pub federation: crate::federate::Shared,
    pub storage: crate::media::storage::Storage,
    pub streaming: Arc<crate::streaming::Streaming>,
    /// The Web Push VAPID key, once loaded (see [`App::vapid_key`]).
    vapid: Arc<tokio::sync::OnceCell<Arc<tessera_federation::webpush::VapidKey>>>,
}

/// What executing a command did.
pub enum Outcome {
    Appended(Vec<Recorded>),
    /// The dedupe key was used before: these are the events appended then.
    Duplicate(Box<Recorded>),
}

impl App {
    pub fn new(db: Db, config: Config) -> Result<App, Error> {
        let federation = Arc::new(crate::federate::Federation::new(&config)?);
        let storage = crate::media::storage::Storage::from_config(&config)?;
        let limits = Arc::new(crate::api::ratelimit::Limits::new(&config));
        Ok(App {
            storage,
            streaming: Arc::default(),
            vapid: Arc::default(),
            db,
            config: Arc::new(config),
            projector_wake: Arc::new(Notify::new()),
            outbox_wake: Arc::new(Notify::new()),
            recent: Arc::default(),
            limits,
            federation,
        })
    }

    /// Load the stream, decide, append and project; retried when another writer got there
    /// first. Nothing is written unless everything is.
    pub async fn execute<A: Aggregate>(
        &self,
        stream: &str,
        actor: &str,
        dedupe_key: Option<&str>,
        command: A::Command,
    ) -> Result<Outcome, Error> {
        self.execute_with::<A>(stream, actor, dedupe_key, command, &SideWrite::None)
            .await
    }

    /// As [`App::execute`], also writing `side` in the same transaction.
    pub async fn execute_with<A: Aggregate>(
        &self,
        stream: &str,
        actor: &str,
        dedupe_key: Option<&str>,
        command: A::Command,
        side: &SideWrite,
    ) -> Result<Outcome, Error> {
        for attempt in 0..MAX_ATTEMPTS {
            match self
                .try_execute::<A>(stream, actor, dedupe_key, command.clone(), side)
                .await
            {
                Err(AttemptError::Retry) => {
                    let jitter = u64::from(rand::random::<u8>() % 8);
                    tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 5 + jitter))
                        .await;
                }
                Err(AttemptError::Fail(e)) => return Err(e),
                Ok(outcome) => {
                    if let Outcome::Appended(r) = &outcome
                        && !r.is_empty()
                    {
                        self.recent.remember(r.iter().cloned().map(Arc::new));
                        self.projector_wake.notify_one();
                        self.outbox_wake.notify_one();
                    }
                    return Ok(outcome);
                }
            }
        }
        Err(Error::Conflict(
            "The record is being changed by another request; please try again".into(),
        ))
    }

    async fn try_execute<A: Aggregate>(
        &self,
        stream: &str,
        actor: &str,
        dedupe_key: Option<&str>,
        command: A::Command,
        side: &SideWrite,
    ) -> Result<Outcome, AttemptError> {
        let (stream, actor) = (stream.to_string(), actor.to_string());
        let dedupe_key = dedupe_key.map(str::to_string);
        let side = side.clone();
        self.db
            .write(move |conn| {
                Box::pin(async move {
                    decide_and_append::<A>(
                        conn,
                        &stream,
                        &actor,
                        dedupe_key.as_deref(),
                        command,
                        &side,
                    )
                    .await
                })
            })
            .await
    }
}

/// Load the stream, decide, append and project, inside the caller's write transaction.
async fn decide_and_append<A: Aggregate>(
    conn: &mut crate::db::Conn,
    stream: &str,
    actor: &str,
    dedupe_key: Option<&str>,
    command: A::Command,
    side: &SideWrite,
) -> Result<Outcome, AttemptError> {
    if let Some(key) = dedupe_key
        && let Some(first) = eventlog::find_deduped(conn, key).await?
    {
        return Ok(Outcome::Duplicate(Box::new(first)));
    }
    let history = eventlog::read_stream(conn, stream).await?;
    let version = history.last().map_or(0, |r| r.version);
    let state = A::from_events(history.iter().map(|r| &r.event));
    let events = state
        .decide(command)
        .map_err(|r| AttemptError::Fail(r.into()))?;
    if events.is_empty() {
        return Ok(Outcome::Appended(Vec::new()));
    }
    let recorded = eventlog::append(conn, stream, version, &events, actor, dedupe_key).await?;
    for rec in &recorded {
        projections::inline::apply(conn, rec)
            .await
            .map_err(AppendError::from)?;
    }
    side.write(conn).await?;
    Ok(Outcome::Appended(recorded))
}

/// State kept beside the log (secrets), written in the append's transaction.
#[derive(Clone)]
pub enum SideWrite {
    None,
    /// A deleted account's secrets: its apps' tokens, browser sessions, mailed links and
    /// password end with it. The key pair stays, to sign the deletion sent to its peers.
    AccountGone {
        account_id: i64,
    },
    AccountSecrets {
        account_id: i64,
        password_hash: String,
        private_key_pem: String,
    },
}

impl SideWrite {
    async fn write(&self, conn: &mut crate::db::Conn) -> Result<(), sqlx::Error> {
        match self {
            SideWrite::None => Ok(()),
            SideWrite::AccountGone { account_id } => {
                sign_out_everywhere(conn, *account_id).await?;
                for sql in [
                    "DELETE FROM email_tokens WHERE account_id = $1",
                    "DELETE FROM oauth_codes WHERE account_id = $1",
                    "UPDATE account_secrets SET password_hash = '' WHERE account_id = $1",
                ] {
                    sqlx::query(sql)
                        .bind(account_id)
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            }
            SideWrite::AccountSecrets {
                account_id,
                password_hash,
                private_key_pem,
            } => {
                sqlx::query("INSERT INTO account_secrets (account_id, password_hash, private_key_pem) VALUES ($1, $2, $3)")
                    .bind(account_id)
                    .bind(password_hash)
                    .bind(private_key_pem)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            }
        }
    }
}

/// Revoke every app token of an account and end every browser session of it.
pub(crate) async fn sign_out_everywhere(
    conn: &mut crate::db::Conn,
    account_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE oauth_tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL",
    )
    .bind(account_id)
    .bind(crate::time::now_ms())
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM web_sessions WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

enum AttemptError {
    Retry,
    Fail(Error),
}

impl From<AppendError> for AttemptError {
    fn from(e: AppendError) -> Self {
        match e {
            AppendError::Conflict => AttemptError::Retry,
            AppendError::Db(db) if is_transient(&db) => AttemptError::Retry,
            AppendError::Db(db) => AttemptError::Fail(db.into()),
            AppendError::Decode(d) => AttemptError::Fail(Error::internal(d)),
        }
    }
}

impl From<sqlx::Error> for AttemptError {
    fn from(e: sqlx::Error) -> Self {
        AppendError::from(e).into()
    }
}

/// PostgreSQL's serialization failures and deadlocks, SQLite's busy: worth another try.
fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            matches!(db.code().as_deref(), Some("40001" | "40P01" | "5" | "6"))
                || db.message().contains("database is locked")
        }
        _ => false,
    }
}

/// Run blocking work (hashing, key generation) off the async runtime.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(Error::internal)
}
