//! Published announcements as a user sees them: whether they read each, and the reactions.

use std::collections::HashMap;

use crate::db::Conn;
use crate::queries::Sql;

#[derive(Debug, Clone)]
pub struct AnnouncementView {
    pub id: i64,
    pub text: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub all_day: bool,
    pub published_at: i64,
    pub updated_at: i64,
    pub read: bool,
    pub reactions: Vec<ReactionCount>,
}

#[derive(Debug, Clone)]
pub struct ReactionCount {
    pub name: String,
    pub count: i64,
    pub me: bool,
    /// The image's storage key when the reaction is a custom emoji.
    pub emoji_key: Option<String>,
}

type Row = (i64, String, Option<i64>, Option<i64>, i64, i64, i64, i64);

/// Published announcements in the order they are about (start, else publication), or the
/// one named by `only`.
pub async fn published(
    conn: &mut Conn,
    viewer: i64,
    only: Option<i64>,
) -> Result<Vec<AnnouncementView>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT a.id, a.text, a.starts_at, a.ends_at, a.all_day, COALESCE(a.published_at, a.created_at), a.updated_at, \
         (SELECT COUNT(*) FROM announcement_reads r WHERE r.announcement_id = a.id AND r.account_id = ",
    );
    sql.int(viewer)
        .push(") FROM announcements a WHERE a.published = 1");
    if let Some(id) = only {
        sql.push(" AND a.id = ").int(id);
    }
    sql.push(" ORDER BY COALESCE(a.starts_at, a.published_at, a.created_at), a.id");
    let rows: Vec<Row> = sql.fetch_all(&mut *conn).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut reactions = reactions(conn, viewer, &ids).await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, text, starts_at, ends_at, all_day, published_at, updated_at, read)| {
                AnnouncementView {
                    id,
                    text,
                    starts_at,
                    ends_at,
                    all_day: all_day != 0,
                    published_at,
                    updated_at,
                    read: read > 0,
                    reactions: reactions.remove(&id).unwrap_or_default(),
                }
            },
        )
        .collect())
}

/// Each announcement's reactions, by name, in the order they were first given.
async fn reactions(
    conn: &mut Conn,
    viewer: i64,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<ReactionCount>>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql =
        Sql::new("SELECT r.announcement_id, r.name, COUNT(*), SUM(CASE WHEN r.account_id = ");
    sql.int(viewer)
        .push(
            " THEN 1 ELSE 0 END), MIN(r.created_at), MIN(e.image_key) FROM announcement_reactions r \
             LEFT JOIN custom_emojis e ON e.shortcode = r.name WHERE r.announcement_id IN (",
        )
        .ints(ids)
        .push(") GROUP BY r.announcement_id, r.name ORDER BY MIN(r.created_at), r.name");
    let rows: Vec<(i64, String, i64, i64, i64, Option<String>)> = sql.fetch_all(conn).await?;
    let mut by_announcement: HashMap<i64, Vec<ReactionCount>> = HashMap::new();
    for (id, name, count, mine, _, emoji_key) in rows {
        by_announcement.entry(id).or_default().push(ReactionCount {
            name,
            count,
            me: mine > 0,
            emoji_key,
        });
    }
    Ok(by_announcement)
}

/// How many have given this reaction now (for the `announcement.reaction` stream event).
pub async fn reaction_count(
    conn: &mut Conn,
    announcement_id: i64,
    name: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM announcement_reactions WHERE announcement_id = $1 AND name = $2",
    )
    .bind(announcement_id)
    .bind(name)
    .fetch_one(&mut *conn)
    .await
}
