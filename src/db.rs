//! The database: one `sqlx` Any pool over SQLite or PostgreSQL, chosen by `DATABASE_URL`,
//! so every query has one code path. Portable types only: BIGINT, TEXT and REAL; booleans
//! are stored as 0/1 and times as milliseconds.

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use tokio::sync::{Mutex, MutexGuard};

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;
pub type Conn = sqlx::AnyConnection;

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

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub kind: Kind,
    /// SQLite has one writer; taking turns in-process avoids SQLITE_BUSY on lock upgrade.
    /// PostgreSQL writers are ordered by the row lock on `event_log_head` instead.
    write_turn: Arc<Mutex<()>>,
}

/// Held for the length of a write transaction on SQLite; empty on PostgreSQL.
pub struct WriteTurn<'a>(#[allow(dead_code)] Option<MutexGuard<'a, ()>>);

/// SQLite settings every connection needs: WAL for concurrent readers, enforced foreign
/// keys, and a busy timeout for the other processes (CLI commands) sharing the file.
/// Memory-mapped reads and a 16 MiB page cache avoid a `read()` copy per page touched.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
     PRAGMA mmap_size = 268435456; PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;";

pub fn install_drivers() {
    sqlx::any::install_default_drivers();
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        install_drivers();
        let kind = Kind::of_url(url);
        let url = match kind {
            Kind::Sqlite => sqlite_url_creating(url)?,
            Kind::Postgres => url.to_string(),
        };
        let options: AnyConnectOptions = url.parse()?;
        let pool = AnyPoolOptions::new()
            .max_connections(match kind {
                Kind::Sqlite => 8,
                Kind::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if kind == Kind::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db {
            pool,
            kind,
            write_turn: Arc::new(Mutex::new(())),
        })
    }

    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        self.kind.migrator().run(&self.pool).await
    }

    /// Wait for our turn to write, then open a transaction.
    pub async fn begin_write(&self) -> Result<(WriteTurn<'_>, Tx), sqlx::Error> {
        let turn = match self.kind {
            Kind::Sqlite => WriteTurn(Some(self.write_turn.lock().await)),
            Kind::Postgres => WriteTurn(None),
        };
        let tx = self.pool.begin().await?;
        Ok((turn, tx))
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
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
