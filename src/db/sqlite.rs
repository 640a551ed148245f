//! A SQLite connection that runs each statement on the calling thread.
//!
//! sqlx's SQLite driver gives every connection a thread of its own and hands each statement
//! to it and back over channels; a post is a dozen statements, so most of its time went to
//! thread wake-ups, not to SQLite (docs/performance.md). This connection runs the same
//! statements in place through `rusqlite` (on the `libsqlite3-sys` that sqlx links), with
//! statements prepared once, and answers in sqlx's `Any` rows, so the queries written for
//! sqlx run unchanged on it. A statement takes microseconds; the few long ones (a search
//! that matches everything) hold their async worker thread for that long.

use std::collections::HashMap;
use std::sync::Arc;

use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{OpenFlags, Statement};
use sqlx::Either;
use sqlx::any::{AnyArguments, AnyQueryResult, AnyRow, AnyTypeInfo, AnyTypeInfoKind, AnyValue};
use sqlx::error::{DatabaseError, ErrorKind};
use sqlx_core::any::{AnyColumn, AnyValueKind};
use sqlx_core::ext::ustr::UStr;

/// SQLite settings every connection needs: WAL for concurrent readers, enforced foreign
/// keys, and a busy timeout for the other processes (CLI commands) sharing the file.
///
/// No memory-mapped I/O: while the file grows, every connection maps it again on its next
/// read past the old end (`munmap` with a TLB shoot-down on each core, then page faults),
/// which cost more than the `pread` copies it saves; the mapped pages also counted in the
/// server's resident memory. Pages come from each connection's cache, and from the
/// kernel's page cache behind it.
pub const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; \
     PRAGMA mmap_size = 0; PRAGMA cache_size = -8192; PRAGMA temp_store = MEMORY;";

/// Prepared statements kept per connection: every query the server has, with room for the
/// ones built per call (`IN` lists of different lengths).
const STATEMENT_CACHE: usize = 512;

/// Column-name maps kept per connection before the map is started afresh.
const NAMES_CACHE: usize = 1024;

pub type Results = Vec<Either<AnyQueryResult, AnyRow>>;

pub struct SqliteConn {
    conn: rusqlite::Connection,
    /// Each statement's column names, shared by all its rows.
    names: HashMap<String, Arc<Columns>>,
}

/// A statement's column names, by position and (as sqlx's `AnyRow` wants them) by name,
/// and the argument each of its parameters takes.
struct Columns {
    list: Vec<UStr>,
    map: Arc<sqlx_core::HashMap<UStr, usize>>,
    /// For parameter `i + 1`, the argument (counted from 1) bound to it. Read once per
    /// statement: SQLite finds a parameter's name by walking the list of names, so asking
    /// for each parameter on every run was quadratic in long `IN (...)` lists.
    params: Vec<usize>,
}

impl Columns {
    fn of(stmt: &Statement<'_>) -> Result<Columns, sqlx::Error> {
        let list: Vec<UStr> = stmt.column_names().into_iter().map(UStr::new).collect();
        let map = list
            .iter()
            .enumerate()
            .map(|(i, name)| (name.clone(), i))
            .collect();
        Ok(Columns {
            list,
            map: Arc::new(map),
            params: params_of(stmt)?,
        })
    }
}

/// Number parameters as sqlx's SQLite driver does: `$N` and `?N` name their argument, a
/// bare `?` takes the next one.
fn params_of(stmt: &Statement<'_>) -> Result<Vec<usize>, sqlx::Error> {
    let mut next = 0;
    (1..=stmt.parameter_count())
        .map(|param| match stmt.parameter_name(param) {
            Some(name) => name
                .strip_prefix('$')
                .or_else(|| name.strip_prefix('?'))
                .and_then(|digits| digits.parse::<usize>().ok())
                .ok_or_else(|| protocol(format!("unsupported SQL parameter: {name}"))),
            None => {
                next += 1;
                Ok(next)
            }
        })
        .collect()
}

impl std::fmt::Debug for SqliteConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteConn").finish_non_exhaustive()
    }
}

impl SqliteConn {
    /// Open the file at `path` (created when missing) with [`PRAGMAS`].
    pub fn open(path: &str) -> Result<SqliteConn, sqlx::Error> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(error)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Plans that do not look at bound values: otherwise a statement whose plan
        // consulted a parameter (a `LIMIT $n`, a comparison with the clock) is compiled
        // again whenever that value changes, which made every home page re-prepare its query.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .map_err(error)?;
        conn.execute_batch(PRAGMAS).map_err(error)?;
        Ok(SqliteConn {
            conn,
            names: HashMap::new(),
        })
    }

    /// Run `sql`: one statement with `arguments`, or (without arguments, as `raw_sql`
    /// sends) any number of statements; the rows of each, then its result.
    pub fn run(
        &mut self,
        sql: &str,
        arguments: Option<AnyArguments>,
        limit: Option<usize>,
    ) -> Result<Results, sqlx::Error> {
        let mut out = Vec::new();
        match arguments {
            Some(arguments) => {
                let columns = self.columns_of(sql)?;
                let mut stmt = self.conn.prepare_cached(sql).map_err(error)?;
                bind(&mut stmt, &columns.params, &arguments.values.0)?;
                step_all(&mut stmt, &columns, limit, &mut out)?;
                drop(stmt);
                out.push(Either::Left(self.result()));
            }
            None => {
                let mut batch = rusqlite::Batch::new(&self.conn, sql);
                while let Some(mut stmt) = batch.next().map_err(error)? {
                    let columns = Columns::of(&stmt)?;
                    step_all(&mut stmt, &columns, limit, &mut out)?;
                    drop(stmt);
                    out.push(Either::Left(self.result()));
                }
            }
        }
        Ok(out)
    }

    /// Run statements that return nothing (transaction control).
    pub fn batch(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        self.conn.execute_batch(sql).map_err(error)
    }

    /// Checkpoint the WAL (`mode` is PASSIVE, FULL, RESTART or TRUNCATE); the frames in
    /// the WAL.
    pub fn wal_checkpoint(&mut self, mode: &str) -> Result<i64, sqlx::Error> {
        self.conn
            .query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
                row.get(1)
            })
            .map_err(error)
    }

    pub fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    fn result(&self) -> AnyQueryResult {
        AnyQueryResult {
            rows_affected: self.conn.changes(),
            last_insert_id: Some(self.conn.last_insert_rowid()),
        }
    }

    fn columns_of(&mut self, sql: &str) -> Result<Arc<Columns>, sqlx::Error> {
        if let Some(columns) = self.names.get(sql) {
            return Ok(columns.clone());
        }
        let stmt = self.conn.prepare_cached(sql).map_err(error)?;
        let columns = Arc::new(Columns::of(&stmt)?);
        drop(stmt);
        if self.names.len() >= NAMES_CACHE {
            self.names.clear();
        }
        self.names.insert(sql.to_string(), columns.clone());
        Ok(columns)
    }
}

/// Bind `values` to `stmt`, parameter `i + 1` taking argument `params[i]`; a parameter
/// past the arguments stays NULL, as with sqlx's driver.
fn bind(
    stmt: &mut Statement<'_>,
    params: &[usize],
    values: &[AnyValueKind],
) -> Result<(), sqlx::Error> {
    for (i, n) in params.iter().enumerate() {
        let Some(value) = n.checked_sub(1).and_then(|i| values.get(i)) else {
            break;
        };
        let value = match value {
            AnyValueKind::Null(_) => ValueRef::Null,
            AnyValueKind::Bool(b) => ValueRef::Integer(i64::from(*b)),
            AnyValueKind::SmallInt(i) => ValueRef::Integer(i64::from(*i)),
            AnyValueKind::Integer(i) => ValueRef::Integer(i64::from(*i)),
            AnyValueKind::BigInt(i) => ValueRef::Integer(*i),
            AnyValueKind::Real(r) => ValueRef::Real(f64::from(*r)),
            AnyValueKind::Double(r) => ValueRef::Real(*r),
            AnyValueKind::Text(s) => ValueRef::Text(s.as_bytes()),
            AnyValueKind::TextSlice(s) => ValueRef::Text(s.as_bytes()),
            AnyValueKind::Blob(b) => ValueRef::Blob(b),
            _ => return Err(protocol("unsupported argument type".into())),
        };
        stmt.raw_bind_parameter(i + 1, ToSqlOutput::Borrowed(value))
            .map_err(error)?;
    }
    Ok(())
}

/// Step `stmt` to its end (or `limit` rows), pushing each row as sqlx's `AnyRow`.
fn step_all(
    stmt: &mut Statement<'_>,
    columns: &Columns,
    limit: Option<usize>,
    out: &mut Results,
) -> Result<(), sqlx::Error> {
    let count = columns.list.len();
    let mut rows = stmt.raw_query();
    let mut taken = 0;
    while let Some(row) = rows.next().map_err(error)? {
        let mut values = Vec::with_capacity(count);
        let mut row_columns = Vec::with_capacity(count);
        for (i, name) in columns.list.iter().enumerate() {
            // The value's own type, as sqlx's driver maps it for `Any`.
            let kind = match row.get_ref(i).map_err(error)? {
                ValueRef::Null => AnyValueKind::Null(AnyTypeInfoKind::Null),
                ValueRef::Integer(v) => AnyValueKind::BigInt(v),
                ValueRef::Real(v) => AnyValueKind::Double(v),
                ValueRef::Text(t) => AnyValueKind::Text(Arc::new(
                    String::from_utf8(t.to_vec()).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                )),
                ValueRef::Blob(b) => AnyValueKind::Blob(Arc::new(b.to_vec())),
            };
            row_columns.push(AnyColumn {
                ordinal: i,
                name: name.clone(),
                type_info: AnyTypeInfo {
                    kind: type_of(&kind),
                },
            });
            values.push(AnyValue { kind });
        }
        out.push(Either::Right(AnyRow {
            column_names: columns.map.clone(),
            columns: row_columns,
            values,
        }));
        taken += 1;
        if limit.is_some_and(|l| taken >= l) {
            break;
        }
    }
    Ok(())
}

fn type_of(kind: &AnyValueKind) -> AnyTypeInfoKind {
    match kind {
        AnyValueKind::BigInt(_) => AnyTypeInfoKind::BigInt,
        AnyValueKind::Double(_) => AnyTypeInfoKind::Double,
        AnyValueKind::Text(_) => AnyTypeInfoKind::Text,
        AnyValueKind::Blob(_) => AnyTypeInfoKind::Blob,
        _ => AnyTypeInfoKind::Null,
    }
}

fn protocol(message: String) -> sqlx::Error {
    sqlx::Error::Protocol(message)
}

/// SQLite's errors as sqlx reports them, so unique violations and busy errors are
/// recognised in one place (`db::is_unique_violation`, `app::is_transient`).
pub fn error(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(failure, message) => {
            sqlx::Error::Database(Box::new(SqliteError {
                code: failure.extended_code,
                message: message.unwrap_or_else(|| failure.to_string()),
            }))
        }
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

#[derive(Debug)]
pub struct SqliteError {
    code: i32,
    message: String,
}

impl SqliteError {
    pub fn copy(e: &dyn DatabaseError) -> sqlx::Error {
        sqlx::Error::Database(Box::new(SqliteError {
            code: e.code().and_then(|c| c.parse().ok()).unwrap_or(1),
            message: e.message().to_string(),
        }))
    }
}

impl std::fmt::Display for SqliteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(code: {}) {}", self.code, self.message)
    }
}

impl std::error::Error for SqliteError {}

impl DatabaseError for SqliteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(self.code.to_string().into())
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> ErrorKind {
        // Extended result codes: SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY, _FOREIGNKEY,
        // _NOTNULL, _CHECK.
        match self.code {
            2067 | 1555 => ErrorKind::UniqueViolation,
            787 => ErrorKind::ForeignKeyViolation,
            1299 => ErrorKind::NotNullViolation,
            275 => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}
