//! A local account's notifications, hydrated.

use super::accounts::{self, AccountRow};
use super::statuses::{self, StatusView};
use super::{Page, Sql};
use crate::db::Conn;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub account_id: i64,
    pub from_account_id: i64,
    #[sqlx(rename = "type")]
    pub kind: String,
    pub status_id: Option<i64>,
    pub created_at: i64,
    pub group_key: Option<String>,
    /// Filtered into a notification request by the recipient's policy.
    pub filtered: i64,
}

impl NotificationRow {
    /// Its group among `grouped` types: its key, or `ungrouped-<id>`.
    pub fn group(&self, grouped: &[String]) -> String {
        match &self.group_key {
            Some(key) if grouped.contains(&self.kind) => key.clone(),
            _ => format!("ungrouped-{}", self.id),
        }
    }
}

pub struct NotificationView {
    pub row: NotificationRow,
    pub from: AccountRow,
    pub status: Option<StatusView>,
}

/// The types grouped when a client does not say (`grouped_types[]`), as Mastodon.
pub fn default_grouped() -> Vec<String> {
    ["favourite", "follow", "reblog"]
        .map(str::to_string)
        .to_vec()
}

pub const TYPES: [&str; 5] = ["mention", "follow", "follow_request", "favourite", "reblog"];

#[derive(Default)]
pub struct Filter {
    pub types: Vec<String>,
    pub exclude_types: Vec<String>,
    pub from_account_id: Option<i64>,
    /// Also those filtered into notification requests (`include_filtered`).
    pub include_filtered: bool,
}

impl Filter {
    /// The filter a client asked for. Types we never produce match nothing, as on
    /// Mastodon: `None` when the client asked only for such types.
    pub fn asked(
        types: Vec<String>,
        exclude: Vec<String>,
        account: Option<&str>,
    ) -> Option<Filter> {
        let known = |list: Vec<String>| {
            list.into_iter()
                .filter(|t| TYPES.contains(&t.as_str()))
                .collect::<Vec<_>>()
        };
        let asked = !types.is_empty();
        let types = known(types);
        if asked && types.is_empty() {
            return None;
        }
        Some(Filter {
            types,
            exclude_types: known(exclude),
            from_account_id: account.and_then(crate::ids::parse),
            include_filtered: false,
        })
    }
}

pub async fn list(
    conn: &mut Conn,
    account_id: i64,
    filter: &Filter,
    page: &Page,
) -> Result<Vec<NotificationView>, sqlx::Error> {
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM notifications n WHERE "));
    push_filter(&mut sql, account_id, filter);
    page.apply(&mut sql, "n.id");
    let rows: Vec<NotificationRow> = page.finish(sql.fetch_all(conn).await?);
    hydrate(conn, account_id, rows).await
}

const COLUMNS: &str = "n.id, n.account_id, n.from_account_id, n.type, n.status_id, n.created_at, n.group_key, n.filtered";

/// The account's notifications that `filter` lets through, less those of accounts muted
/// with their notifications.
fn push_filter(sql: &mut Sql, account_id: i64, filter: &Filter) {
    sql.push("n.account_id = ").int(account_id);
    if !filter.types.is_empty() {
        sql.push(" AND n.type IN (").texts(&filter.types).push(")");
    }
    if !filter.exclude_types.is_empty() {
        sql.push(" AND n.type NOT IN (")
            .texts(&filter.exclude_types)
            .push(")");
    }
    if let Some(from) = filter.from_account_id {
        sql.push(" AND n.from_account_id = ").int(from);
    }
    if !filter.include_filtered {
        sql.push(" AND n.filtered = 0");
    }
    // So are the conversations the user muted.
    sql.push(
        " AND NOT EXISTS (SELECT 1 FROM statuses ns JOIN muted_threads mt ON mt.thread_id = ns.thread_id \
         WHERE ns.id = n.status_id AND mt.account_id = ",
    )
    .int(account_id)
    .push(")");
    // So are accounts of the domains the user hides.
    sql.push(
        " AND NOT EXISTS (SELECT 1 FROM user_domain_blocks udb JOIN accounts fa ON fa.domain = udb.domain \
         WHERE udb.account_id = ",
    )
    .int(account_id)
    .push(" AND fa.id = n.from_account_id)");
    // Accounts muted with their notifications are silent.
    sql.push(" AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = ")
        .int(account_id)
        .push(" AND m.target_account_id = n.from_account_id AND m.hide_notifications = 1 AND (m.expires_at IS NULL OR m.expires_at > ")
        .int(crate::time::now_ms())
        .push("))");
}

/// One group of a grouped page: its notifications within the page, newest first.
pub struct Group {
    pub key: String,
    pub notifications: Vec<NotificationView>,
}

/// The SQL for a row's group (see [`NotificationRow::group`]).
fn push_group_expr(sql: &mut Sql, grouped: &[String]) {
    sql.push("CASE WHEN n.group_key IS NOT NULL AND n.type IN (")
        .texts(grouped)
        .push(") THEN n.group_key ELSE 'ungrouped-' || CAST(n.id AS TEXT) END");
}

/// A page of groups, as Mastodon's `/api/v2/notifications`: the `page.limit` groups with
/// the newest notifications within the bounds, each with its notifications newer than the
/// next group's newest (so a long group may continue on the next page).
pub async fn grouped(
    conn: &mut Conn,
    account_id: i64,
    filter: &Filter,
    grouped: &[String],
    page: &Page,
) -> Result<Vec<Group>, sqlx::Error> {
    let bounds = |sql: &mut Sql| {
        if let Some(max) = page.max_id {
            sql.push(" AND n.id < ").int(max);
        }
        if let Some(since) = page.since_id.or(page.min_id) {
            sql.push(" AND n.id > ").int(since);
        }
    };
    let mut sql = Sql::new("SELECT MAX(n.id) FROM notifications n WHERE ");
    push_filter(&mut sql, account_id, filter);
    bounds(&mut sql);
    sql.push(" GROUP BY ");
    push_group_expr(&mut sql, grouped);
    // One group more than asked: its newest notification bounds this page's rows.
    sql.push(" ORDER BY MAX(n.id) DESC LIMIT ")
        .int(page.limit + 1);
    let mut heads: Vec<i64> = sql
        .fetch_all::<(i64,)>(conn)
        .await?
        .into_iter()
        .map(|(id,)| id)
        .collect();
    let floor = if heads.len() as i64 > page.limit {
        heads.pop()
    } else {
        None
    };
    let Some(&newest) = heads.first() else {
        return Ok(Vec::new());
    };
    let mut sql = Sql::new(&format!("SELECT {COLUMNS} FROM notifications n WHERE "));
    push_filter(&mut sql, account_id, filter);
    bounds(&mut sql);
    sql.push(" AND n.id <= ").int(newest);
    if let Some(floor) = floor {
        sql.push(" AND n.id > ").int(floor);
    }
    sql.push(" ORDER BY n.id DESC");
    let rows: Vec<NotificationRow> = sql.fetch_all(conn).await?;
    let mut groups: Vec<Group> = Vec::new();
    for view in hydrate(conn, account_id, rows).await? {
        let key = view.row.group(grouped);
        match groups.iter_mut().find(|g| g.key == key) {
            Some(g) => g.notifications.push(view),
            None => groups.push(Group {
                key,
                notifications: vec![view],
            }),
        }
    }
    Ok(groups)
}

/// The notifications of one group (newest first): a key as [`NotificationRow::group`]
/// gives it.
pub async fn in_group(
    conn: &mut Conn,
    account_id: i64,
    key: &str,
) -> Result<Vec<NotificationView>, sqlx::Error> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM notifications n WHERE n.account_id = "
    ));
    sql.int(account_id);
    match key.strip_prefix("ungrouped-") {
        Some(id) => {
            sql.push(" AND n.id = ").int(id.parse().unwrap_or(-1));
        }
        None => {
            sql.push(" AND n.group_key = ").text(key);
        }
    }
    sql.push(" ORDER BY n.id DESC");
    let rows: Vec<NotificationRow> = sql.fetch_all(conn).await?;
    hydrate(conn, account_id, rows).await
}

/// How many notifications (or, `grouped`, groups) are newer than `after`, up to `limit`.
pub async fn unread(
    conn: &mut Conn,
    account_id: i64,
    after: i64,
    grouped: Option<&[String]>,
    limit: i64,
) -> Result<i64, sqlx::Error> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM (SELECT ");
    match grouped {
        Some(types) => {
            sql.push("DISTINCT ");
            push_group_expr(&mut sql, types);
        }
        None => {
            sql.push("n.id");
        }
    }
    sql.push(" FROM notifications n WHERE ");
    push_filter(&mut sql, account_id, &Filter::default());
    sql.push(" AND n.id > ")
        .int(after)
        .push(" LIMIT ")
        .int(limit)
        .push(") u");
    let (count,): (i64,) = sql.fetch_all(conn).await?.pop().unwrap_or((0,));
    Ok(count)
}

pub async fn get(
    conn: &mut Conn,
    account_id: i64,
    id: i64,
) -> Result<Option<NotificationView>, sqlx::Error> {
    let mut sql = Sql::new(&format!(
        "SELECT {COLUMNS} FROM notifications n WHERE n.account_id = "
    ));
    sql.int(account_id).push(" AND n.id = ").int(id);
    let rows: Vec<NotificationRow> = sql.fetch_all(conn).await?;
    Ok(hydrate(conn, account_id, rows).await?.pop())
}

async fn hydrate(
    conn: &mut Conn,
    viewer: i64,
    rows: Vec<NotificationRow>,
) -> Result<Vec<NotificationView>, sqlx::Error> {
    let from_ids: Vec<i64> = rows.iter().map(|r| r.from_account_id).collect();
    let accounts = accounts::by_ids(conn, &from_ids).await?;
    // Silenced accounts reach only those who follow them.
    let silenced: Vec<i64> = accounts
        .values()
        .filter(|a| a.silenced != 0)
        .map(|a| a.id)
        .collect();
    let followed: Vec<i64> = if silenced.is_empty() {
        Vec::new()
    } else {
        let mut sql = Sql::new("SELECT target_account_id FROM follows WHERE account_id = ");
        sql.int(viewer)
            .push(" AND target_account_id IN (")
            .ints(&silenced)
            .push(")");
        sql.fetch_all::<(i64,)>(conn)
            .await?
            .into_iter()
            .map(|(id,)| id)
            .collect()
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        // A filtered notification was judged by the policy already, limited senders included.
        let Some(from) = accounts
            .get(&row.from_account_id)
            .filter(|a| a.suspended == 0)
            .filter(|a| a.silenced == 0 || followed.contains(&a.id) || row.filtered != 0)
            .cloned()
        else {
            continue;
        };
        let status = match row.status_id {
            Some(id) => match statuses::visible(conn, Some(viewer), id).await? {
                Some(s) => Some(s),
                // The status is gone or hidden: so is the notification about it.
                None => continue,
            },
            None => None,
        };
        out.push(NotificationView { row, from, status });
    }
    Ok(out)
}

/// One notification request: a sender whose notifications the policy filtered. It is
/// named by the first of them, which stays until the request is accepted or dismissed.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub id: i64,
    pub from_account_id: i64,
    pub count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The latest status among them (a mention's), if any.
    pub last_status_id: Option<i64>,
}

type RequestTuple = (i64, i64, i64, i64, i64, Option<i64>);

fn push_request_select(sql: &mut Sql, account_id: i64) {
    sql.push(
        "SELECT MIN(n.id), n.from_account_id, COUNT(*), MIN(n.created_at), MAX(n.created_at), MAX(n.status_id) \
         FROM notifications n JOIN accounts a ON a.id = n.from_account_id \
         WHERE a.suspended = 0 AND n.filtered = 1 AND n.account_id = ",
    )
    .int(account_id);
}

fn request_row(t: RequestTuple) -> RequestRow {
    let (id, from_account_id, count, created_at, updated_at, last_status_id) = t;
    RequestRow {
        id,
        from_account_id,
        count,
        created_at,
        updated_at,
        last_status_id,
    }
}

/// The account's notification requests, newest first, paged by their ids.
pub async fn requests(
    conn: &mut Conn,
    account_id: i64,
    page: &Page,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    let mut sql = Sql::new("");
    push_request_select(&mut sql, account_id);
    sql.push(" GROUP BY n.from_account_id HAVING 1 = 1");
    if let Some(max) = page.max_id {
        sql.push(" AND MIN(n.id) < ").int(max);
    }
    if let Some(since) = page.since_id.or(page.min_id) {
        sql.push(" AND MIN(n.id) > ").int(since);
    }
    let ascending = page.min_id.is_some();
    sql.push(if ascending {
        " ORDER BY MIN(n.id) ASC LIMIT "
    } else {
        " ORDER BY MIN(n.id) DESC LIMIT "
    })
    .int(page.limit);
    let mut rows: Vec<RequestRow> = sql
        .fetch_all::<RequestTuple>(conn)
        .await?
        .into_iter()
        .map(request_row)
        .collect();
    if ascending {
        rows.reverse();
    }
    Ok(rows)
}

/// The request named `id` (any of its notifications' ids will do).
pub async fn request(
    conn: &mut Conn,
    account_id: i64,
    id: i64,
) -> Result<Option<RequestRow>, sqlx::Error> {
    let mut sql = Sql::new("");
    push_request_select(&mut sql, account_id);
    sql.push(
        " AND n.from_account_id = (SELECT r.from_account_id FROM notifications r WHERE r.filtered = 1 AND r.account_id = ",
    )
    .int(account_id)
    .push(" AND r.id = ")
    .int(id)
    .push(") GROUP BY n.from_account_id");
    Ok(sql
        .fetch_all::<RequestTuple>(conn)
        .await?
        .pop()
        .map(request_row))
}

/// Pending requests (capped at 100, as Mastodon) and filtered notifications in them.
pub async fn pending(conn: &mut Conn, account_id: i64) -> Result<(i64, i64), sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT COUNT(*), CAST(COALESCE(SUM(c), 0) AS BIGINT) FROM (SELECT COUNT(*) AS c FROM notifications n \
         JOIN accounts a ON a.id = n.from_account_id WHERE a.suspended = 0 AND n.filtered = 1 AND n.account_id = ",
    );
    sql.int(account_id)
        .push(" GROUP BY n.from_account_id LIMIT 100) r");
    Ok(sql
        .fetch_all::<(i64, i64)>(conn)
        .await?
        .pop()
        .unwrap_or((0, 0)))
}
