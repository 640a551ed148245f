//! The read side: queries over the read models, returning rows and hydrated views that the
//! API converts into entities. No writes here, except through [`Sql::execute`], which the
//! projections use to build their own statements.

pub mod accounts;
pub mod activitypub;
pub mod admin;
pub mod announcements;
pub mod cards;
pub mod conversations;
pub mod discovery;
pub mod domain_blocks;
pub mod emojis;
pub mod filters;
pub mod lists;
pub mod media;
pub mod notifications;
pub mod polls;
pub mod scheduled;
pub mod search;
pub mod statuses;
pub mod tags;

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments};

/// SQL text with `$n` placeholders and their values, built in one pass. (sqlx's own
/// QueryBuilder writes `?` for the Any driver, which PostgreSQL does not accept.)
#[derive(Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

enum Arg {
    Int(i64),
    Text(String),
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    pub fn int(&mut self, v: i64) -> &mut Sql {
        self.args.push(Arg::Int(v));
        self.placeholder()
    }

    pub fn text(&mut self, v: &str) -> &mut Sql {
        self.args.push(Arg::Text(v.to_string()));
        self.placeholder()
    }

    /// `$n` for the argument just pushed, written in place: a page's hydration binds
    /// hundreds of values, and a `String` for each showed in the read profile.
    fn placeholder(&mut self) -> &mut Sql {
        use std::fmt::Write;
        let _ = write!(self.text, "${}", self.args.len());
        self
    }

    /// `$1, $2, …` for a list; `NULL` for an empty one, so `IN (…)` matches nothing.
    pub fn ints(&mut self, vs: &[i64]) -> &mut Sql {
        if vs.is_empty() {
            return self.push("NULL");
        }
        for (i, v) in vs.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.int(*v);
        }
        self
    }

    pub fn texts(&mut self, vs: &[String]) -> &mut Sql {
        if vs.is_empty() {
            return self.push("NULL");
        }
        for (i, v) in vs.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.text(v);
        }
        self
    }

    fn arguments(&self) -> Result<AnyArguments, sqlx::Error> {
        let mut args = AnyArguments::default();
        for a in &self.args {
            match a {
                Arg::Int(v) => args.add(*v),
                Arg::Text(v) => args.add(v.clone()),
            }
            .map_err(sqlx::Error::Encode)?;
        }
        Ok(args)
    }

    /// Run a statement (the projections' writes built the same way).
    pub async fn execute(&self, conn: &mut crate::db::Conn) -> Result<(), sqlx::Error> {
        sqlx::query_with::<Any, _>(sqlx::AssertSqlSafe(self.text.clone()), self.arguments()?)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    pub async fn fetch_all<T>(&self, conn: &mut crate::db::Conn) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        sqlx::query_as_with::<Any, T, _>(sqlx::AssertSqlSafe(self.text.clone()), self.arguments()?)
            .fetch_all(&mut *conn)
            .await
    }
}

/// Mastodon's cursor pagination: `max_id` (older than), `since_id` (newer than, newest
/// first), `min_id` (newer than, closest first), and `limit`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

impl Page {
    /// Append the bounds, order and limit on `column` (which must be unique).
    pub fn apply(&self, sql: &mut Sql, column: &str) {
        if let Some(max) = self.max_id {
            sql.push(&format!(" AND {column} < ")).int(max);
        }
        if let Some(since) = self.since_id {
            sql.push(&format!(" AND {column} > ")).int(since);
        }
        if let Some(min) = self.min_id {
            sql.push(&format!(" AND {column} > ")).int(min);
            sql.push(&format!(" ORDER BY {column} ASC LIMIT "))
                .int(self.limit);
        } else {
            sql.push(&format!(" ORDER BY {column} DESC LIMIT "))
                .int(self.limit);
        }
    }

    /// The order rows are fetched in: oldest first only for `min_id`.
    pub fn direction(&self) -> &'static str {
        if self.min_id.is_some() { "ASC" } else { "DESC" }
    }

    /// Rows newest first, whichever way they were fetched.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> Vec<T> {
        if self.min_id.is_some() {
            rows.reverse();
        }
        rows
    }
}
