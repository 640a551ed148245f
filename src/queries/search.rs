//! Full-text search of statuses, on each engine's own index, limited to what the viewer
//! may see.

use super::statuses::{self, StatusView};
use crate::db::{Conn, Kind};

pub struct StatusSearch<'a> {
    pub viewer: i64,
    pub terms: &'a str,
    /// Only this author's statuses.
    pub account_id: Option<i64>,
    pub max_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

/// Every word of `terms` must appear (in any order); newest first.
pub async fn statuses(
    conn: &mut Conn,
    kind: Kind,
    s: &StatusSearch<'_>,
) -> Result<Vec<StatusView>, sqlx::Error> {
    let mut sql = statuses::visible_from(Some(s.viewer));
    match kind {
        Kind::Sqlite => {
            let Some(query) = fts5_query(s.terms) else {
                return Ok(Vec::new());
            };
            sql.push(
                " AND s.id IN (SELECT rowid FROM status_search_fts WHERE status_search_fts MATCH ",
            )
            .text(&query)
            .push(")");
        }
        Kind::Postgres => {
            sql.push(
                " AND s.id IN (SELECT status_id FROM status_search \
                 WHERE to_tsvector('simple', body) @@ websearch_to_tsquery('simple', ",
            )
            .text(s.terms)
            .push("))");
        }
    }
    if let Some(id) = s.account_id {
        sql.push(" AND s.account_id = ").int(id);
    }
    if let Some(id) = s.max_id {
        sql.push(" AND s.id < ").int(id);
    }
    if let Some(id) = s.min_id {
        sql.push(" AND s.id > ").int(id);
    }
    sql.push(" ORDER BY s.id DESC LIMIT ")
        .int(s.limit)
        .push(" OFFSET ")
        .int(s.offset);
    let rows = sql.fetch_all(conn).await?;
    statuses::hydrate(conn, Some(s.viewer), rows).await
}

/// The words of a search as an FTS5 query: each quoted (so that FTS5 syntax in the input
/// is text, never operators), all required. `None` when no word is left.
fn fts5_query(terms: &str) -> Option<String> {
    let words: Vec<String> = terms
        .split(|c: char| c.is_whitespace())
        .map(|w| w.replace('"', ""))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::fts5_query;

    #[test]
    fn search_words_are_quoted_so_fts5_syntax_is_text() {
        assert_eq!(
            fts5_query(r#"rust NEAR("x" OR y) -z"#).as_deref(),
            Some(r#""rust" "NEAR(x" "OR" "y)" "-z""#)
        );
        assert_eq!(fts5_query(" \" * "), None);
    }
}
