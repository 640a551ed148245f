//! Statuses and timelines as a viewer may see them, hydrated with their authors, reblogged
//! originals, mentions, tags and the viewer's own favourite/reblog flags.

use std::collections::{HashMap, HashSet};

use super::accounts::{self, AccountRow};
use super::{Page, Sql};
use crate::db::Conn;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StatusRow {
    pub id: i64,
    pub account_id: i64,
    pub uri: String,
    pub url: Option<String>,
    pub text: String,
    pub content: String,
    pub spoiler_text: String,
    pub visibility: String,
    pub sensitive: i64,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_account_id: Option<i64>,
    pub reblog_of_id: Option<i64>,
    pub application_name: Option<String>,
    pub application_website: Option<String>,
    pub created_at: i64,
    pub replies_count: i64,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub edited_at: Option<i64>,
    pub card_url: Option<String>,
}

const COLUMNS: &str = "s.id, s.account_id, s.uri, s.url, s.text, s.content, s.spoiler_text, s.visibility, \
     s.sensitive, s.language, s.in_reply_to_id, s.in_reply_to_account_id, s.reblog_of_id, s.application_name, \
     s.application_website, s.created_at, s.replies_count, s.reblogs_count, s.favourites_count, s.edited_at, \
     s.card_url";

impl StatusRow {
    /// The row the projection writes for a status just posted, before anyone has replied
    /// to, reblogged, favourited or edited it.
    pub fn posted(e: &crate::events::StatusPosted) -> StatusRow {
        StatusRow {
            id: e.status_id,
            account_id: e.account_id,
            uri: e.uri.clone(),
            url: Some(e.url.clone()),
            text: e.text.clone(),
            content: e.content.clone(),
            spoiler_text: e.spoiler_text.clone(),
            visibility: e.visibility.clone(),
            sensitive: i64::from(e.sensitive),
            language: e.language.clone(),
            in_reply_to_id: e.in_reply_to_id,
            in_reply_to_account_id: e.in_reply_to_account_id,
            reblog_of_id: None,
            application_name: e.application.as_ref().map(|a| a.name.clone()),
            application_website: e.application.as_ref().and_then(|a| a.website.clone()),
            created_at: e.created_at,
            replies_count: 0,
            reblogs_count: 0,
            favourites_count: 0,
            edited_at: None,
            card_url: None,
        }
    }
}

/// `only_media=true`: statuses with at least one attachment.
const WITH_MEDIA: &str = " AND EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id)";

/// A status ready to become an API entity.
#[derive(Debug, Clone)]
pub struct StatusView {
    pub row: StatusRow,
    pub account: AccountRow,
    pub reblog: Option<Box<StatusView>>,
    pub mentions: Vec<AccountRow>,
    pub tags: Vec<String>,
    pub favourited: bool,
    pub reblogged: bool,
    pub pinned: bool,
    pub bookmarked: bool,
    /// The viewer muted the status's conversation.
    pub muted: bool,
    /// Attachments, in order.
    pub media: Vec<super::media::MediaRow>,
    pub poll: Option<super::polls::PollView>,
    /// Custom emoji its text uses.
    pub emojis: Vec<super::emojis::EmojiView>,
    /// The preview card of its first link, once fetched.
    pub card: Option<super::cards::CardRow>,
    /// The viewer's filters this status matched (set where filters apply).
    pub filtered: Vec<super::filters::FilterMatch>,
    /// Whether a viewer was asking: viewer flags are shown only then.
    pub has_viewer: bool,
}

/// `FROM statuses s JOIN accounts a … WHERE <visible to viewer>`; callers add conditions.
pub fn visible_from(viewer: Option<i64>) -> Sql {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE a.suspended = 0"
    ));
    push_visible(&mut sql, viewer);
    sql
}

/// Public and unlisted posts to all; followers-only to followers; direct and followers-only
/// to the author and whoever they mention.
fn push_visible(sql: &mut Sql, viewer: Option<i64>) {
    match viewer {
        None => {
            sql.push(" AND s.visibility IN ('public', 'unlisted')");
        }
        Some(v) => {
            sql.push(" AND (s.visibility IN ('public', 'unlisted') OR s.account_id = ")
                .int(v);
            sql.push(" OR EXISTS (SELECT 1 FROM status_mentions m WHERE m.status_id = s.id AND m.account_id = ").int(v);
            sql.push(") OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ").int(v);
            sql.push(" AND f.target_account_id = s.account_id)))");
        }
    }
}

pub async fn visible_row(
    conn: &mut Conn,
    viewer: Option<i64>,
    id: i64,
) -> Result<Option<StatusRow>, sqlx::Error> {
    let mut sql = visible_from(viewer);
    sql.push(" AND s.id = ").int(id);
    Ok(sql.fetch_all(conn).await?.into_iter().next())
}

/// One status the viewer may see, hydrated.
pub async fn visible(
    conn: &mut Conn,
    viewer: Option<i64>,
    id: i64,
) -> Result<Option<StatusView>, sqlx::Error> {
    match visible_row(conn, viewer, id).await? {
        Some(row) => Ok(hydrate(conn, viewer, vec![row]).await?.pop()),
        None => Ok(None),
    }
}

/// The author of a status, whether or not the viewer may see it (for ownership checks).
pub async fn row_any(conn: &mut Conn, id: i64) -> Result<Option<StatusRow>, sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM statuses s WHERE s.id = "));
    sql.int(id);
    Ok(sql.fetch_all(conn).await?.into_iter().next())
}

pub struct AccountStatusesFilter {
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub only_media: bool,
    pub tagged: Option<String>,
}

pub async fn of_account(
    conn: &mut Conn,
    viewer: Option<i64>,
    account_id: i64,
    filter: &AccountStatusesFilter,
    page: &Page,
) -> Result<Vec<StatusView>, sqlx::Error> {
    let mut sql = visible_from(viewer);
    sql.push(" AND s.account_id = ").int(account_id);
    if filter.exclude_replies {
        // As Mastodon: replies to oneself (threads) stay.
        sql.push(" AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)");
    }
    if filter.exclude_reblogs {
        sql.push(" AND s.reblog_of_id IS NULL");
    }
    if filter.only_media {
        sql.push(WITH_MEDIA);
    }
    if let Some(tag) = &filter.tagged {
        sql.push(" AND EXISTS (SELECT 1 FROM status_tags t WHERE t.status_id = s.id AND t.tag = ")
            .text(&tag.to_lowercase())
            .push(")");
    }
    page.apply(&mut sql, "s.id");
    let rows = page.finish(sql.fetch_all(conn).await?);
    hydrate(conn, viewer, rows).await
}

/// The statuses among `ids` the viewer may see, by id.
pub async fn visible_by_ids(
    conn: &mut Conn,
    viewer: Option<i64>,
    ids: &[i64],
) -> Result<HashMap<i64, StatusView>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = visible_from(viewer);
    sql.push(" AND s.id IN (").ints(ids).push(")");
    let rows: Vec<StatusRow> = sql.fetch_all(&mut *conn).await?;
    Ok(hydrate(conn, viewer, rows)
        .await?
        .into_iter()
        .map(|v| (v.row.id, v))
        .collect())
}

/// Which of the viewer's lists of statuses.
#[derive(Debug, Clone, Copy)]
pub enum Marks {
    Bookmarks,
    Favourites,
}

/// The viewer's bookmarked (or favourited) statuses it may still see, newest mark first,
/// paged by the mark's id; each with that id as its cursor.
pub async fn marked(
    conn: &mut Conn,
    viewer: i64,
    marks: Marks,
    page: &Page,
) -> Result<Vec<(i64, StatusView)>, sqlx::Error> {
    let table = match marks {
        Marks::Bookmarks => "bookmarks",
        Marks::Favourites => "favourites",
    };
    let mut sql = Sql::new(&format!(
        "SELECT b.id, b.status_id FROM {table} b WHERE b.account_id = "
    ));
    sql.int(viewer);
    page.apply(&mut sql, "b.id");
    let marks: Vec<(i64, i64)> = page.finish(sql.fetch_all(&mut *conn).await?);
    if marks.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = marks.iter().map(|(_, s)| *s).collect();
    let mut views = visible_by_ids(conn, Some(viewer), &ids).await?;
    Ok(marks
        .into_iter()
        .filter_map(|(mark, status)| views.remove(&status).map(|v| (mark, v)))
        .collect())
}

/// The ids of an account's showcase (its pins), in the owner's order.
pub async fn showcase_ids(conn: &mut Conn, account_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT status_id FROM status_pins WHERE account_id = $1 ORDER BY position, created_at DESC",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await
}

/// An account's pinned statuses (its showcase) the viewer may see, in the owner's order:
/// most recently pinned first unless reordered (at most the showcase limit, so not paged).
/// The pins are read first, so an account with many posts costs no more than one with few.
pub async fn pinned_of(
    conn: &mut Conn,
    viewer: Option<i64>,
    account_id: i64,
) -> Result<Vec<StatusView>, sqlx::Error> {
    let ids = showcase_ids(conn, account_id).await?;
    let mut found = visible_by_ids(conn, viewer, &ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.remove(id))
        .filter(|v| v.row.account_id == account_id)
        .collect())
}

pub async fn home(
    conn: &mut Conn,
    viewer: i64,
    page: &Page,
) -> Result<Vec<StatusView>, sqlx::Error> {
    feed(conn, viewer, None, page).await
}

/// A list's timeline: the owner's home feed, by the list's members, with its replies policy.
pub async fn list_timeline(
    conn: &mut Conn,
    list: &super::lists::ListRow,
    page: &Page,
) -> Result<Vec<StatusView>, sqlx::Error> {
    feed(conn, list.account_id, Some(list), page).await
}

/// The home feed, or the part of it a list shows.
async fn feed(
    conn: &mut Conn,
    viewer: i64,
    list: Option<&super::lists::ListRow>,
    page: &Page,
) -> Result<Vec<StatusView>, sqlx::Error> {
    // Page the feed first, then join only that page: a plan that cannot touch the whole
    // feed, whatever the planner's statistics. (A suspended author's posts are dropped
    // from the page, so it may come back short, as Mastodon's may.)
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM (SELECT h.status_id FROM home_feed h WHERE h.account_id = "
    ));
    sql.int(viewer);
    match list {
        Some(l) => {
            sql.push(" AND h.author_id IN (SELECT la.account_id FROM list_accounts la WHERE la.list_id = ")
                .int(l.id)
                .push(")");
            match l.replies_policy.as_str() {
                "none" => {
                    sql.push(" AND NOT EXISTS (SELECT 1 FROM statuses r WHERE r.id = h.status_id AND r.in_reply_to_id IS NOT NULL)");
                }
                "list" => {
                    sql.push(
                        " AND NOT EXISTS (SELECT 1 FROM statuses r WHERE r.id = h.status_id \
                         AND r.in_reply_to_account_id IS NOT NULL AND r.in_reply_to_account_id <> r.account_id \
                         AND r.in_reply_to_account_id NOT IN (SELECT la.account_id FROM list_accounts la WHERE la.list_id = ",
                    )
                    .int(l.id)
                    .push("))");
                }
                // `followed`: the home feed's own rule, replies to accounts the owner follows.
                _ => {}
            }
        }
        None => {
            // Members of the viewer's exclusive lists are read in those lists only.
            sql.push(
                " AND NOT EXISTS (SELECT 1 FROM list_accounts la JOIN lists l ON l.id = la.list_id \
                 WHERE l.account_id = h.account_id AND l.exclusive = 1 AND la.account_id = h.author_id)",
            );
        }
    }
    page.apply(&mut sql, "h.status_id");
    // Posts and boosts by accounts the viewer mutes, and boosts of their posts, are left
    // out too (the page may come back short for that as well).
    sql.push(
        ") h JOIN statuses s ON s.id = h.status_id JOIN accounts a ON a.id = s.account_id \
         WHERE a.suspended = 0",
    );
    push_not_hidden_domain(&mut sql, viewer);
    sql.push(" AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = ")
        .int(viewer)
        .push(" AND (m.expires_at IS NULL OR m.expires_at > ")
        .int(crate::time::now_ms())
        .push(
            ") AND (m.target_account_id = s.account_id OR m.target_account_id = \
         (SELECT o.account_id FROM statuses o WHERE o.id = s.reblog_of_id)))",
        );
    sql.push(&format!(" ORDER BY s.id {}", page.direction()));
    let rows = page.finish(sql.fetch_all(conn).await?);
    hydrate(conn, Some(viewer), rows).await
}

/// Leaves out authors (`a`) whose domain the viewer hides.
fn push_not_hidden_domain(sql: &mut Sql, viewer: i64) {
    sql.push(" AND NOT EXISTS (SELECT 1 FROM user_domain_blocks udb WHERE udb.account_id = ")
        .int(viewer)
        .push(" AND udb.domain = a.domain)");
}

pub struct PublicFilter {
    pub local: bool,
    pub remote: bool,
    pub only_media: bool,
    pub tag: Option<String>,
}

/// Public posts, without reblogs and without replies to others, as Mastodon's public feed;
/// silenced accounts' posts are left out.
pub async fn public(
    conn: &mut Conn,
    viewer: Option<i64>,
    filter: &PublicFilter,
    page: &Page,
) -> Result<Vec<StatusView>, sqlx::Error> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE a.suspended = 0 \
         AND a.silenced = 0 AND s.visibility = 'public' AND s.reblog_of_id IS NULL"
    ));
    if filter.tag.is_none() {
        sql.push(" AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)");
    }
    if let Some(v) = viewer {
        push_not_hidden_domain(&mut sql, v);
    }
    if filter.local {
        sql.push(" AND s.local = 1");
    }
    if filter.remote {
        sql.push(" AND s.local = 0");
    }
    if filter.only_media {
        sql.push(WITH_MEDIA);
    }
    if let Some(tag) = &filter.tag {
        sql.push(" AND EXISTS (SELECT 1 FROM status_tags t WHERE t.status_id = s.id AND t.tag = ")
            .text(&tag.to_lowercase())
            .push(")");
    }
    page.apply(&mut sql, "s.id");
    let rows = page.finish(sql.fetch_all(conn).await?);
    hydrate(conn, viewer, rows).await
}

/// Ancestors (oldest first) and descendants (in thread order) the viewer may see.
pub async fn context(
    conn: &mut Conn,
    viewer: Option<i64>,
    status: &StatusRow,
) -> Result<(Vec<StatusView>, Vec<StatusView>), sqlx::Error> {
    const MAX_ANCESTORS: usize = 40;
    const MAX_DESCENDANTS: i64 = 4096;
    let mut ancestors = Vec::new();
    let mut next = status.in_reply_to_id;
    while let Some(parent) = next {
        if ancestors.len() >= MAX_ANCESTORS {
            break;
        }
        match visible_row(conn, viewer, parent).await? {
            Some(row) => {
                next = row.in_reply_to_id;
                ancestors.push(row);
            }
            None => break,
        }
    }
    ancestors.reverse();
    let mut sql =
        Sql::new("WITH RECURSIVE thread(id) AS (SELECT id FROM statuses WHERE in_reply_to_id = ");
    sql.int(status.id);
    sql.push(" UNION SELECT c.id FROM statuses c JOIN thread t ON c.in_reply_to_id = t.id) ");
    sql.push(&format!(
        "SELECT {COLUMNS} FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE a.suspended = 0 \
         AND s.id IN (SELECT id FROM thread)"
    ));
    push_visible(&mut sql, viewer);
    sql.push(" ORDER BY s.id LIMIT ").int(MAX_DESCENDANTS);
    let descendants: Vec<StatusRow> = sql.fetch_all(conn).await?;
    // A reply whose parent the viewer cannot see would dangle: keep only connected ones.
    let mut reachable: HashSet<i64> = HashSet::from([status.id]);
    let descendants: Vec<StatusRow> = descendants
        .into_iter()
        .filter(|d| {
            let ok = d.in_reply_to_id.is_some_and(|p| reachable.contains(&p));
            if ok {
                reachable.insert(d.id);
            }
            ok
        })
        .collect();
    Ok((
        hydrate(conn, viewer, ancestors).await?,
        hydrate(conn, viewer, descendants).await?,
    ))
}

/// Load everything the entities need, in a fixed number of queries whatever the page size.
pub async fn hydrate(
    conn: &mut Conn,
    viewer: Option<i64>,
    rows: Vec<StatusRow>,
) -> Result<Vec<StatusView>, sqlx::Error> {
    let original_ids: Vec<i64> = rows.iter().filter_map(|r| r.reblog_of_id).collect();
    let mut originals: HashMap<i64, StatusRow> = HashMap::new();
    if !original_ids.is_empty() {
        let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM statuses s WHERE s.id IN ("));
        sql.ints(&original_ids).push(")");
        originals = sql
            .fetch_all::<StatusRow>(conn)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
    }
    let all: Vec<&StatusRow> = rows.iter().chain(originals.values()).collect();
    let status_ids: Vec<i64> = all.iter().map(|r| r.id).collect();

    let mut mention_rows: Vec<(i64, i64)> = Vec::new();
    let mut tag_rows: Vec<(i64, String)> = Vec::new();
    let (mut with_media, mut with_poll, mut with_emojis) = (Vec::new(), Vec::new(), Vec::new());
    if !status_ids.is_empty() {
        // In one round trip: mentions, tags, and which statuses have attachments, a poll
        // or custom emoji, so those are looked up only for the statuses that have them
        // (most pages have few). PostgreSQL types a DISTINCT branch's bare NULLs as text
        // before the union sees them, hence the casts.
        let mut sql = Sql::new(
            "SELECT status_id, account_id, NULL AS tag, 'mention' AS what FROM status_mentions \
             WHERE status_id IN (",
        );
        sql.ints(&status_ids);
        sql.push(
            ") UNION ALL SELECT st.status_id, NULL, t.display_name, 'tag' FROM status_tags st \
             JOIN tags t ON t.name = st.tag WHERE st.status_id IN (",
        );
        sql.ints(&status_ids);
        sql.push(
            ") UNION ALL SELECT DISTINCT status_id, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), 'media' \
             FROM media_attachments WHERE status_id IN (",
        );
        sql.ints(&status_ids);
        sql.push(
            ") UNION ALL SELECT status_id, NULL, NULL, 'poll' FROM polls WHERE status_id IN (",
        );
        sql.ints(&status_ids);
        sql.push(
            ") UNION ALL SELECT DISTINCT status_id, CAST(NULL AS BIGINT), CAST(NULL AS TEXT), 'emoji' \
             FROM status_emojis WHERE status_id IN (",
        );
        sql.ints(&status_ids).push(")");
        let rows: Vec<(i64, Option<i64>, Option<String>, String)> = sql.fetch_all(conn).await?;
        for (status_id, account, tag, what) in rows {
            match (what.as_str(), account, tag) {
                ("mention", Some(a), _) => mention_rows.push((status_id, a)),
                ("tag", _, Some(t)) => tag_rows.push((status_id, t)),
                ("media", ..) => with_media.push(status_id),
                ("poll", ..) => with_poll.push(status_id),
                ("emoji", ..) => with_emojis.push(status_id),
                _ => {}
            }
        }
        tag_rows.sort();
    }
    let media = super::media::of_statuses(conn, &with_media).await?;
    let polls = super::polls::of_statuses(conn, &with_poll, viewer).await?;
    let emojis = super::emojis::of_statuses(conn, &with_emojis).await?;
    let mut card_urls: Vec<String> = all.iter().filter_map(|r| r.card_url.clone()).collect();
    card_urls.sort_unstable();
    card_urls.dedup();
    let cards = super::cards::by_urls(conn, &card_urls).await?;
    let mut account_ids: Vec<i64> = all.iter().map(|r| r.account_id).collect();
    account_ids.extend(mention_rows.iter().map(|(_, a)| *a));
    account_ids.sort_unstable();
    account_ids.dedup();
    let accounts = accounts::by_ids(conn, &account_ids).await?;

    let (mut favourited, mut reblogged, mut pinned, mut bookmarked, mut muted) = (
        HashSet::new(),
        HashSet::new(),
        HashSet::new(),
        HashSet::new(),
        HashSet::new(),
    );
    if let Some(v) = viewer.filter(|_| !status_ids.is_empty()) {
        // The viewer's favourites (1), reblogs (2), pins (3), bookmarks (4) and muted
        // threads (5) of these statuses, in one round trip.
        let mut sql = Sql::new("SELECT status_id, 1 AS flag FROM favourites WHERE account_id = ");
        sql.int(v).push(" AND status_id IN (").ints(&status_ids);
        sql.push(") UNION ALL SELECT reblog_of_id, 2 FROM statuses WHERE account_id = ")
            .int(v);
        sql.push(" AND reblog_of_id IN (")
            .ints(&status_ids)
            .push(") UNION ALL SELECT status_id, 3 FROM status_pins WHERE account_id = ")
            .int(v)
            .push(" AND status_id IN (")
            .ints(&status_ids)
            .push(") UNION ALL SELECT status_id, 4 FROM bookmarks WHERE account_id = ")
            .int(v)
            .push(" AND status_id IN (")
            .ints(&status_ids)
            .push(") UNION ALL SELECT s.id, 5 FROM statuses s JOIN muted_threads mt ON mt.thread_id = s.thread_id WHERE mt.account_id = ")
            .int(v)
            .push(" AND s.id IN (")
            .ints(&status_ids)
            .push(")");
        for (id, flag) in sql.fetch_all::<(i64, i64)>(conn).await? {
            match flag {
                1 => favourited.insert(id),
                2 => reblogged.insert(id),
                3 => pinned.insert(id),
                4 => bookmarked.insert(id),
                _ => muted.insert(id),
            };
        }
    }

    let mut mentions: HashMap<i64, Vec<AccountRow>> = HashMap::new();
    for (status_id, account_id) in mention_rows {
        if let Some(a) = accounts.get(&account_id) {
            mentions.entry(status_id).or_default().push(a.clone());
        }
    }
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for (status_id, name) in tag_rows {
        tags.entry(status_id).or_default().push(name);
    }
    let view = |row: StatusRow, reblog: Option<Box<StatusView>>| -> Option<StatusView> {
        let account = accounts.get(&row.account_id)?.clone();
        Some(StatusView {
            // A status shown twice on a page (itself and reblogged) needs its files twice.
            media: media.get(&row.id).cloned().unwrap_or_default(),
            poll: polls.get(&row.id).cloned(),
            emojis: emojis.get(&row.id).cloned().unwrap_or_default(),
            card: row.card_url.as_ref().and_then(|u| cards.get(u)).cloned(),
            filtered: Vec::new(),
            account,
            reblog,
            mentions: mentions.get(&row.id).cloned().unwrap_or_default(),
            tags: tags.get(&row.id).cloned().unwrap_or_default(),
            favourited: favourited.contains(&row.id),
            reblogged: reblogged.contains(&row.id),
            pinned: pinned.contains(&row.id),
            bookmarked: bookmarked.contains(&row.id),
            muted: muted.contains(&row.id),
            has_viewer: viewer.is_some(),
            row,
        })
    };
    Ok(rows
        .into_iter()
        .filter_map(|row| match row.reblog_of_id {
            Some(original) => {
                let inner = originals
                    .get(&original)
                    .cloned()
                    .and_then(|o| view(o, None))?;
                view(row, Some(Box::new(inner)))
            }
            None => view(row, None),
        })
        .collect())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EditRow {
    pub edited_at: i64,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: i64,
}

/// A status's versions, oldest first (empty when it was never edited).
pub async fn edits(conn: &mut Conn, status_id: i64) -> Result<Vec<EditRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT edited_at, content, spoiler_text, sensitive FROM status_edits \
         WHERE status_id = $1 ORDER BY edited_at",
    )
    .bind(status_id)
    .fetch_all(&mut *conn)
    .await
}
