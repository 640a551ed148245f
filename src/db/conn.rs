//! One connection type for both databases. On PostgreSQL it is sqlx's; on SQLite it is
//! [`SqliteConn`], which runs statements on the calling thread. Both execute the same
//! `sqlx::query(...)` values, because `&mut Conn` and `&Pool` are sqlx executors.

use std::sync::{Arc, Mutex};

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use sqlx::any::{AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Describe, Either, Execute, Executor, SqlStr};
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

use super::sqlite::{Results, SqliteConn};

#[derive(Debug)]
pub enum Conn {
    Sqlite(SqliteConn),
    /// The SQLite writer, held for one write transaction.
    Writer(OwnedMutexGuard<SqliteConn>),
    Pooled(PoolConnection<Any>),
    Tx(sqlx::Transaction<'static, Any>),
    Direct(AnyConnection),
    /// A transaction that has been committed.
    Done,
}

impl Conn {
    /// One connection of its own, outside any pool (replay, tools).
    pub async fn connect(url: &str) -> Result<Conn, sqlx::Error> {
        super::install_drivers();
        if url.starts_with("sqlite:") {
            let path = super::sqlite_path(url);
            let conn = tokio::task::spawn_blocking(move || SqliteConn::open(&path))
                .await
                .map_err(|e| sqlx::Error::Protocol(e.to_string()))??;
            Ok(Conn::Sqlite(conn))
        } else {
            use sqlx::Connection;
            Ok(Conn::Direct(AnyConnection::connect(url).await?))
        }
    }

    /// Close a connection of its own; pooled ones go back to their pool when dropped.
    pub async fn close(self) -> Result<(), sqlx::Error> {
        use sqlx::Connection;
        match self {
            Conn::Direct(conn) => conn.close().await,
            _ => Ok(()),
        }
    }

    /// sqlx's own connection, on PostgreSQL (for sqlx's migrator).
    pub fn as_sqlx(&mut self) -> Option<&mut AnyConnection> {
        self.sqlx()
    }

    fn sqlx(&mut self) -> Option<&mut AnyConnection> {
        match self {
            Conn::Pooled(c) => Some(&mut **c),
            Conn::Tx(c) => Some(&mut **c),
            Conn::Direct(c) => Some(c),
            Conn::Sqlite(_) | Conn::Writer(_) | Conn::Done => None,
        }
    }

    fn sqlite(&mut self) -> Option<&mut SqliteConn> {
        match self {
            Conn::Sqlite(c) => Some(c),
            Conn::Writer(c) => Some(&mut **c),
            _ => None,
        }
    }
}

/// What a query hands over: its text and arguments, taken out of sqlx's `Execute`.
fn take<'q>(
    mut query: impl Execute<'q, Any>,
) -> Result<(SqlStr, Option<sqlx::any::AnyArguments>), sqlx::Error> {
    let arguments = query.take_arguments().map_err(sqlx::Error::Encode)?;
    Ok((query.sql(), arguments))
}

fn run_on<'q>(
    conn: &mut SqliteConn,
    query: impl Execute<'q, Any>,
    limit: Option<usize>,
) -> Result<Results, sqlx::Error> {
    let (sql, arguments) = take(query)?;
    conn.run(sql.as_str(), arguments, limit)
}

fn unprepared() -> sqlx::Error {
    sqlx::Error::Protocol("statements are prepared (and cached) as they run on SQLite".into())
}

fn closed() -> sqlx::Error {
    sqlx::Error::Protocol("the transaction has ended".into())
}

fn into_stream<'e>(
    results: Result<Results, sqlx::Error>,
) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>> {
    match results {
        Ok(items) => futures::stream::iter(items.into_iter().map(Ok)).boxed(),
        Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
    }
}

fn first_row(results: Results) -> Option<AnyRow> {
    results.into_iter().find_map(|r| match r {
        Either::Right(row) => Some(row),
        Either::Left(_) => None,
    })
}

impl<'c> Executor<'c> for &'c mut Conn {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        if let Some(conn) = self.sqlite() {
            return into_stream(run_on(conn, query, None));
        }
        match self.sqlx() {
            Some(conn) => conn.fetch_many(query),
            None => into_stream(Err(closed())),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        if let Some(conn) = self.sqlite() {
            let row = run_on(conn, query, Some(1)).map(first_row);
            return Box::pin(async move { row });
        }
        match self.sqlx() {
            Some(conn) => conn.fetch_optional(query),
            None => Box::pin(async move { Err(closed()) }),
        }
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement, sqlx::Error>>
    where
        'c: 'e,
    {
        match self.sqlx() {
            Some(conn) => conn.prepare_with(sql, parameters),
            None => Box::pin(async move { Err(unprepared()) }),
        }
    }

    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<Describe<Any>, sqlx::Error>>
    where
        'c: 'e,
    {
        match self.sqlx() {
            Some(conn) => conn.describe(sql),
            None => Box::pin(async move { Err(unprepared()) }),
        }
    }
}

/// Where connections come from: sqlx's pool on PostgreSQL, a few SQLite connections that
/// read (and write outside the write turn) on SQLite.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(Arc<SqlitePool>),
    Any(AnyPool),
}

#[derive(Debug)]
pub struct SqlitePool {
    path: String,
    idle: Mutex<Vec<SqliteConn>>,
    permits: Arc<Semaphore>,
}

/// A connection lent by the pool, given back when dropped.
#[derive(Debug)]
pub struct PoolConn {
    conn: Conn,
    home: Option<(Arc<SqlitePool>, OwnedSemaphorePermit)>,
}

impl std::ops::Deref for PoolConn {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl std::ops::DerefMut for PoolConn {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

impl Drop for PoolConn {
    fn drop(&mut self) {
        if let Some((pool, _permit)) = self.home.take()
            && let Conn::Sqlite(conn) = std::mem::replace(&mut self.conn, Conn::Done)
            && !pool.permits.is_closed()
        {
            // A connection left inside a transaction (a panic mid-way) is not reused.
            if !conn.in_transaction()
                && let Ok(mut idle) = pool.idle.lock()
            {
                idle.push(conn);
            }
        }
    }
}

impl Pool {
    pub fn sqlite(path: String, connections: usize) -> Pool {
        Pool::Sqlite(Arc::new(SqlitePool {
            path,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(connections)),
        }))
    }

    pub async fn acquire(&self) -> Result<PoolConn, sqlx::Error> {
        match self {
            Pool::Any(pool) => Ok(PoolConn {
                conn: Conn::Pooled(pool.acquire().await?),
                home: None,
            }),
            Pool::Sqlite(pool) => {
                let permit = pool
                    .permits
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                let idle = pool.idle.lock().ok().and_then(|mut idle| idle.pop());
                let conn = match idle {
                    Some(conn) => conn,
                    None => {
                        let path = pool.path.clone();
                        tokio::task::spawn_blocking(move || SqliteConn::open(&path))
                            .await
                            .map_err(|e| sqlx::Error::Protocol(e.to_string()))??
                    }
                };
                Ok(PoolConn {
                    conn: Conn::Sqlite(conn),
                    home: Some((pool.clone(), permit)),
                })
            }
        }
    }

    pub async fn close(&self) {
        match self {
            Pool::Any(pool) => pool.close().await,
            Pool::Sqlite(pool) => {
                pool.permits.close();
                if let Ok(mut idle) = pool.idle.lock() {
                    idle.clear();
                }
            }
        }
    }

    pub fn is_closed(&self) -> bool {
        match self {
            Pool::Any(pool) => pool.is_closed(),
            Pool::Sqlite(pool) => pool.permits.is_closed(),
        }
    }
}

impl<'p> Executor<'p> for &'p Pool {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self {
            Pool::Any(pool) => pool.fetch_many(query),
            Pool::Sqlite(_) => {
                let taken = take(query);
                futures::stream::once(async move {
                    let (sql, arguments) = taken?;
                    let mut conn = self.acquire().await?;
                    match conn.sqlite() {
                        Some(c) => c.run(sql.as_str(), arguments, None),
                        None => Err(closed()),
                    }
                })
                .flat_map(into_stream)
                .boxed()
            }
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self {
            Pool::Any(pool) => pool.fetch_optional(query),
            Pool::Sqlite(_) => {
                let taken = take(query);
                Box::pin(async move {
                    let (sql, arguments) = taken?;
                    let mut conn = self.acquire().await?;
                    match conn.sqlite() {
                        Some(c) => c.run(sql.as_str(), arguments, Some(1)).map(first_row),
                        None => Err(closed()),
                    }
                })
            }
        }
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, Result<AnyStatement, sqlx::Error>>
    where
        'p: 'e,
    {
        match self {
            Pool::Any(pool) => pool.prepare_with(sql, parameters),
            Pool::Sqlite(_) => Box::pin(async move { Err(unprepared()) }),
        }
    }

    fn describe<'e>(self, sql: SqlStr) -> BoxFuture<'e, Result<Describe<Any>, sqlx::Error>>
    where
        'p: 'e,
    {
        match self {
            Pool::Any(pool) => pool.describe(sql),
            Pool::Sqlite(_) => Box::pin(async move { Err(unprepared()) }),
        }
    }
}

/// A write transaction: on SQLite the writer connection, held from `BEGIN IMMEDIATE` to
/// commit (or rollback when dropped); on PostgreSQL a pooled transaction.
#[derive(Debug)]
pub struct WriteTx {
    conn: Conn,
}

impl WriteTx {
    pub(super) fn sqlite(mut writer: OwnedMutexGuard<SqliteConn>) -> Result<WriteTx, sqlx::Error> {
        writer.batch("BEGIN IMMEDIATE")?;
        Ok(WriteTx {
            conn: Conn::Writer(writer),
        })
    }

    pub(super) fn any(tx: sqlx::Transaction<'static, Any>) -> WriteTx {
        WriteTx { conn: Conn::Tx(tx) }
    }

    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        match std::mem::replace(&mut self.conn, Conn::Done) {
            Conn::Writer(mut writer) => {
                let result = writer.batch("COMMIT");
                if result.is_err() && writer.in_transaction() {
                    let _ = writer.batch("ROLLBACK");
                }
                result
            }
            Conn::Tx(tx) => tx.commit().await,
            _ => Err(closed()),
        }
    }

    pub async fn rollback(mut self) -> Result<(), sqlx::Error> {
        match std::mem::replace(&mut self.conn, Conn::Done) {
            Conn::Writer(mut writer) => writer.batch("ROLLBACK"),
            Conn::Tx(tx) => tx.rollback().await,
            _ => Err(closed()),
        }
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        // sqlx's transaction rolls itself back when dropped; the writer does it here.
        if let Conn::Writer(writer) = &mut self.conn
            && writer.in_transaction()
        {
            let _ = writer.batch("ROLLBACK");
        }
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}
