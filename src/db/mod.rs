//! The database: SQLite or PostgreSQL, chosen by `DATABASE_URL`, with every query written
//! once for sqlx's `Any` driver (see [`conn`] for how SQLite runs them). Portable types only: BIGINT, TEXT and REAL; booleans
//! are stored as 0/1 and times as milliseconds.

mod checkpoint;
mod conn;
mod group;
pub mod sqlite;

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

pub use conn::{Conn, Pool, PoolConn, WriteTx};
use sqlite::SqliteConn;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

impl Kind {
    pub fn of_url(url: &str) -> Kind {
        if url.starts_with("sqlite:") {
            Kind::Sqlite
        } else {
            Kind::Postgres
        }
    }

    pub fn migrator(self) -> &'static Migrator {
        match self {
            Kind::Sqlite => &SQLITE_MIGRATIONS,
            Kind::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// Connections read on SQLite; writes take the one writer connection.
const SQLITE_READERS: usize = 8;

#[derive(Clone)]
pub struct Db {
    pub pool: Pool,
    pub kind: Kind,
    url: String,
    /// SQLite has one writer: one connection, taken in turn by every write transaction, so
    /// no write waits on SQLite's lock and its page cache is never emptied by another
    /// connection's write. PostgreSQL writers are ordered by the row lock on
    /// `event_log_head` instead.
    writer: Option<Arc<tokio::sync::Mutex<SqliteConn>>>,
    /// The commands waiting for the SQLite writer, run in one transaction.
    grouped: Option<Arc<group::Grouped>>,
    /// Checkpoints the SQLite WAL beside the writer, until the last clone is dropped.
    _checkpointer: Option<Arc<checkpoint::Checkpointer>>,
}

pub fn install_drivers() {
    sqlx::any::install_default_drivers();
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        install_drivers();
        let kind = Kind::of_url(url);
        match kind {
            Kind::Sqlite => {
                let url = sqlite_url_creating(url)?;
                let path = sqlite_path(&url);
                // Open once here so that a bad path fails now, and WAL is set before any
                // reader opens the file.
                let (writer, checkpointer) = tokio::task::spawn_blocking(move || {
                    let mut writer = SqliteConn::open(&path)?;
                    checkpoint::hand_over(&mut writer)?;
                    let writer = Arc::new(tokio::sync::Mutex::new(writer));
                    let checkpointer = checkpoint::Checkpointer::start(&path, writer.clone())?;
                    Ok::<_, sqlx::Error>((writer, checkpointer))
                })
                .await
                .map_err(|e| sqlx::Error::Protocol(e.to_string()))??;
                Ok(Db {
                    pool: Pool::sqlite(sqlite_path(&url), SQLITE_READERS),
                    kind,
                    url,
                    grouped: Some(Arc::new(group::Grouped::new(writer.clone()))),
                    writer: Some(writer),
                    _checkpointer: Some(Arc::new(checkpointer)),
                })
            }
            Kind::Postgres => {
                let options: AnyConnectOptions = url.parse()?;
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Ok(Db {
                    pool: Pool::Any(pool),
                    kind,
                    url: url.to_string(),
                    writer: None,
                    grouped: None,
                    _checkpointer: None,
                })
            }
        }
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match &self.pool {
            Pool::Any(pool) => self.kind.migrator().run(pool).await,
            Pool::Sqlite(_) => {
                // sqlx's migrator needs sqlx's own connection: one, for the migrations.
                let pool = sqlx_sqlite_pool(&self.url, 1).await?;
                let result = self.kind.migrator().run(&pool).await;
                pool.close().await;
                result
            }
        }
    }

    /// Wait for our turn to write, then open a transaction.
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        match (&self.writer, &self.pool) {
            (Some(writer), _) => {
                if self.pool.is_closed() {
                    return Err(sqlx::Error::PoolClosed);
                }
                WriteTx::sqlite(writer.clone().lock_owned().await)
            }
            (None, Pool::Any(pool)) => Ok(WriteTx::any(pool.begin().await?)),
            (None, Pool::Sqlite(_)) => Err(sqlx::Error::PoolClosed),
        }
    }

    /// Run `work` in a write transaction and commit it; its result once committed. On
    /// SQLite, commands waiting together share one transaction ([`group`]); an error from
    /// `work` undoes its own writes only.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sqlx::Error> + Send + 'static,
        F: for<'a> FnOnce(&'a mut Conn) -> futures::future::BoxFuture<'a, Result<T, E>>
            + Send
            + 'static,
    {
        if let Some(grouped) = &self.grouped {
            if self.pool.is_closed() {
                return Err(sqlx::Error::PoolClosed.into());
            }
            return grouped.write(work).await;
        }
        let mut tx = self.begin_write().await?;
        let value = work(&mut tx).await?;
        tx.commit().await?;
        Ok(value)
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}

/// A sqlx pool on a SQLite URL, for what needs sqlx's own connections (migrations).
async fn sqlx_sqlite_pool(url: &str, connections: u32) -> Result<AnyPool, sqlx::Error> {
    let options: AnyConnectOptions = url.parse()?;
    AnyPoolOptions::new()
        .max_connections(connections)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(sqlite::PRAGMAS).await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
}

/// The file of a `sqlite://` URL, as SQLite opens it (a `file:` URI keeps the options).
pub fn sqlite_path(url: &str) -> String {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    match rest.split_once('?') {
        Some((path, query)) => {
            let query: Vec<&str> = query
                .split('&')
                .filter(|p| !p.starts_with("mode="))
                .collect();
            if query.is_empty() {
                path.to_string()
            } else {
                format!("file:{path}?{}", query.join("&"))
            }
        }
        None => rest.to_string(),
    }
}

/// `sqlite://dir/file.db` with the folder made and `mode=rwc`, so a fresh machine works.
fn sqlite_url_creating(url: &str) -> Result<String, sqlx::Error> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:"
        && let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    let query = if query.contains("mode=") {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".into()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// True when the error is a unique-constraint violation (both databases).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db
                    .code()
                    .is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
                || db.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

pub fn flag(b: bool) -> i64 {
    i64::from(b)
}
