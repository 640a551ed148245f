//! Accounts, users and relationships as the API reads them.

use std::collections::HashMap;

use super::{Page, Sql};
use crate::db::Conn;
use crate::oauth::store::TokenRow;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub domain: Option<String>,
    pub display_name: String,
    pub note: String,
    pub note_html: String,
    pub fields: String,
    pub locked: i64,
    pub bot: i64,
    pub discoverable: i64,
    pub uri: String,
    pub url: String,
    /// Bit sets (see `projections::moderation`); zero when not.
    pub suspended: i64,
    pub silenced: i64,
    pub created_at: i64,
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    pub last_status_at: Option<i64>,
    /// A remote account's images, where its server keeps them.
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    /// A local account's images, as storage keys.
    pub avatar_key: Option<String>,
    pub header_key: Option<String>,
}

pub const ACCOUNT_COLUMNS: &str = "a.id, a.username, a.domain, a.display_name, a.note, a.note_html, a.fields, \
     a.locked, a.bot, a.discoverable, a.uri, a.url, a.suspended, a.silenced, a.created_at, a.followers_count, \
     a.following_count, a.statuses_count, a.last_status_at, a.avatar_url, a.header_url, a.avatar_key, a.header_key";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub account_id: i64,
    pub email: String,
    pub role: String,
    pub approved: i64,
    pub confirmed: i64,
    pub locale: String,
    pub created_at: i64,
    pub disabled: i64,
}

pub async fn by_id(conn: &mut Conn, id: i64) -> Result<Option<AccountRow>, sqlx::Error> {
    Ok(by_ids(conn, &[id]).await?.remove(&id))
}

pub async fn by_ids(conn: &mut Conn, ids: &[i64]) -> Result<HashMap<i64, AccountRow>, sqlx::Error> {
    let mut sql = Sql::new(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id IN ("
    ));
    sql.ints(ids).push(")");
    Ok(sql
        .fetch_all::<AccountRow>(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

/// A local account by username, ignoring case.
pub async fn local_by_username(
    conn: &mut Conn,
    username: &str,
) -> Result<Option<AccountRow>, sqlx::Error> {
    let mut sql = Sql::new(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.domain IS NULL AND a.username_lower = "
    ));
    sql.text(&username.to_lowercase());
    Ok(sql.fetch_all(conn).await?.into_iter().next())
}

pub async fn local_by_usernames(
    conn: &mut Conn,
    usernames: &[String],
) -> Result<Vec<AccountRow>, sqlx::Error> {
    let lower: Vec<String> = usernames.iter().map(|u| u.to_lowercase()).collect();
    let mut sql = Sql::new(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.domain IS NULL AND a.username_lower IN ("
    ));
    sql.texts(&lower).push(")");
    sql.fetch_all(conn).await
}

/// The web profile's line under the name (empty when not set).
pub async fn headline(conn: &mut Conn, account_id: i64) -> Result<String, sqlx::Error> {
    Ok(
        sqlx::query_scalar("SELECT headline FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or_default(),
    )
}

pub async fn user(conn: &mut Conn, account_id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as("SELECT account_id, email, role, approved, confirmed, locale, created_at, disabled FROM local_users WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await
}

/// The local user signing in as `login`: an e-mail address or a username.
pub async fn user_by_login(conn: &mut Conn, login: &str) -> Result<Option<UserRow>, sqlx::Error> {
    let login = login.trim().to_lowercase();
    sqlx::query_as(
        "SELECT u.account_id, u.email, u.role, u.approved, u.confirmed, u.locale, u.created_at, u.disabled FROM local_users u \
         JOIN accounts a ON a.id = u.account_id WHERE u.email_lower = $1 OR a.username_lower = $1",
    )
    .bind(login)
    .fetch_optional(&mut *conn)
    .await
}

pub async fn email_taken(conn: &mut Conn, email: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM local_users WHERE email_lower = $1")
        .bind(email.to_lowercase())
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

pub async fn password_hash(
    conn: &mut Conn,
    account_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM account_secrets WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await
}

pub async fn list_local(conn: &mut Conn) -> Result<Vec<(AccountRow, UserRow)>, sqlx::Error> {
    let accounts = Sql::new(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.domain IS NULL ORDER BY a.id"
    ))
    .fetch_all::<AccountRow>(conn)
    .await?;
    let users: Vec<UserRow> = sqlx::query_as(
        "SELECT account_id, email, role, approved, confirmed, locale, created_at, disabled FROM local_users",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut users: HashMap<i64, UserRow> = users.into_iter().map(|u| (u.account_id, u)).collect();
    Ok(accounts
        .into_iter()
        .filter_map(|a| users.remove(&a.id).map(|u| (a, u)))
        .collect())
}

/// An account with the id of the row it was paged by (follow or favourite ids).
pub struct Paged<T> {
    pub cursor: i64,
    pub item: T,
}

#[derive(sqlx::FromRow)]
struct CursorRow {
    cursor: i64,
    account_id: i64,
}

async fn paged_accounts(
    conn: &mut Conn,
    mut sql: Sql,
    page: &Page,
    cursor_col: &str,
) -> Result<Vec<Paged<AccountRow>>, sqlx::Error> {
    page.apply(&mut sql, cursor_col);
    let rows: Vec<CursorRow> = page.finish(sql.fetch_all(conn).await?);
    let ids: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    let mut accounts = by_ids(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            accounts
                .remove(&r.account_id)
                .filter(|a| a.suspended == 0)
                .map(|item| Paged {
                    cursor: r.cursor,
                    item,
                })
        })
        .collect())
}

/// Which side of a follow a list shows.
#[derive(Debug, Clone, Copy)]
pub enum FollowSide {
    /// Who follows the account.
    Followers,
    /// Whom the account follows.
    Following,
}

/// An account's followers or follows, paged by follow id.
pub async fn follow_list(
    conn: &mut Conn,
    account_id: i64,
    side: FollowSide,
    page: &Page,
) -> Result<Vec<Paged<AccountRow>>, sqlx::Error> {
    let (shown, fixed) = match side {
        FollowSide::Followers => ("account_id", "target_account_id"),
        FollowSide::Following => ("target_account_id", "account_id"),
    };
    let mut sql = Sql::new(&format!(
        "SELECT f.id AS cursor, f.{shown} AS account_id FROM follows f WHERE f.{fixed} = "
    ));
    sql.int(account_id);
    paged_accounts(conn, sql, page, "f.id").await
}

pub async fn follow_requests(
    conn: &mut Conn,
    target_id: i64,
    page: &Page,
) -> Result<Vec<Paged<AccountRow>>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT r.id AS cursor, r.account_id AS account_id FROM follow_requests r WHERE r.target_account_id = ",
    );
    sql.int(target_id);
    paged_accounts(conn, sql, page, "r.id").await
}

/// The accounts `account_id` mutes (mutes that have not run out), newest mute first.
pub async fn muted(
    conn: &mut Conn,
    account_id: i64,
    page: &Page,
) -> Result<Vec<Paged<AccountRow>>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT m.id AS cursor, m.target_account_id AS account_id FROM mutes m WHERE m.account_id = ",
    );
    sql.int(account_id)
        .push(" AND (m.expires_at IS NULL OR m.expires_at > ")
        .int(crate::time::now_ms())
        .push(")");
    paged_accounts(conn, sql, page, "m.id").await
}

/// The accounts `account_id` endorses, paged by account id.
pub async fn endorsed(
    conn: &mut Conn,
    account_id: i64,
    page: &Page,
) -> Result<Vec<Paged<AccountRow>>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT e.target_account_id AS cursor, e.target_account_id AS account_id FROM endorsements e \
         WHERE e.account_id = ",
    );
    sql.int(account_id);
    paged_accounts(conn, sql, page, "e.target_account_id").await
}

/// The domains `account_id` hides, most recent first, paged by when they were hidden.
pub async fn hidden_domains(
    conn: &mut Conn,
    account_id: i64,
    page: &Page,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let mut sql = Sql::new("SELECT created_at, domain FROM user_domain_blocks WHERE account_id = ");
    sql.int(account_id);
    page.apply(&mut sql, "created_at");
    Ok(page.finish(sql.fetch_all(conn).await?))
}

/// The accounts `account_id` blocks, most recently blocked first, paged by the block.
pub async fn blocked(
    conn: &mut Conn,
    account_id: i64,
    page: &Page,
) -> Result<Vec<Paged<AccountRow>>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT b.id AS cursor, b.target_account_id AS account_id FROM blocks b WHERE b.account_id = ",
    );
    sql.int(account_id);
    paged_accounts(conn, sql, page, "b.id").await
}

/// For each of `targets`, up to `limit` accounts `viewer` follows that follow it.
pub async fn familiar_followers(
    conn: &mut Conn,
    viewer: i64,
    targets: &[i64],
    limit: usize,
) -> Result<HashMap<i64, Vec<AccountRow>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<AccountRow>> = HashMap::new();
    if targets.is_empty() {
        return Ok(out);
    }
    let mut sql = Sql::new(
        "SELECT f.target_account_id, f.account_id FROM follows f JOIN follows mine \
         ON mine.target_account_id = f.account_id AND mine.account_id = ",
    );
    sql.int(viewer)
        .push(" WHERE f.target_account_id IN (")
        .ints(targets)
        .push(") ORDER BY f.target_account_id, f.account_id");
    let pairs: Vec<(i64, i64)> = sql.fetch_all(&mut *conn).await?;
    let ids: Vec<i64> = pairs.iter().map(|(_, a)| *a).collect();
    let accounts = by_ids(conn, &ids).await?;
    for (target, follower) in pairs {
        let known = out.entry(target).or_default();
        if known.len() < limit
            && let Some(a) = accounts.get(&follower).filter(|a| a.suspended == 0)
        {
            known.push(a.clone());
        }
    }
    Ok(out)
}

/// A list's members the owner still follows, paged by account id.
pub async fn list_members(
    conn: &mut Conn,
    list_id: i64,
    owner: i64,
    page: &Page,
) -> Result<Vec<Paged<AccountRow>>, sqlx::Error> {
    let mut sql = Sql::new(
        "SELECT la.account_id AS cursor, la.account_id AS account_id FROM list_accounts la WHERE la.list_id = ",
    );
    sql.int(list_id)
        .push(" AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ")
        .int(owner)
        .push(" AND f.target_account_id = la.account_id)");
    paged_accounts(conn, sql, page, "la.account_id").await
}

/// Which action a "who did it" list shows.
#[derive(Debug, Clone, Copy)]
pub enum StatusAction {
    Favourited,
    Reblogged,
}

/// The accounts that favourited or reblogged a status, paged by the action's id.
pub async fn who(
    conn: &mut Conn,
    status_id: i64,
    action: StatusAction,
    page: &Page,
) -> Result<Vec<Paged<AccountRow>>, sqlx::Error> {
    let (from, column) = match action {
        StatusAction::Favourited => ("favourites v", "v.status_id"),
        StatusAction::Reblogged => ("statuses v", "v.reblog_of_id"),
    };
    let mut sql = Sql::new(&format!(
        "SELECT v.id AS cursor, v.account_id AS account_id FROM {from} WHERE {column} = "
    ));
    sql.int(status_id);
    paged_accounts(conn, sql, page, "v.id").await
}

#[derive(Debug, Clone, Default)]
pub struct Relationship {
    pub id: i64,
    pub following: bool,
    pub followed_by: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    /// Muted by the viewer: whether notifications are hidden too, and until when.
    pub muting: Option<(bool, Option<i64>)>,
    pub endorsed: bool,
    /// The viewer hides the account's domain.
    pub domain_blocking: bool,
    /// The viewer's private note on the account.
    pub note: String,
}

pub async fn relationships(
    conn: &mut Conn,
    viewer: i64,
    targets: &[i64],
) -> Result<Vec<Relationship>, sqlx::Error> {
    let pairs = |table: &str, outgoing: bool| {
        let (me, them) = if outgoing {
            ("account_id", "target_account_id")
        } else {
            ("target_account_id", "account_id")
        };
        let mut sql = Sql::new(&format!("SELECT {them} FROM {table} WHERE {me} = "));
        sql.int(viewer)
            .push(&format!(" AND {them} IN ("))
            .ints(targets)
            .push(")");
        sql
    };
    let set = |rows: Vec<(i64,)>| {
        rows.into_iter()
            .map(|(id,)| id)
            .collect::<std::collections::HashSet<i64>>()
    };
    let following = set(pairs("follows", true).fetch_all(conn).await?);
    let followed_by = set(pairs("follows", false).fetch_all(conn).await?);
    let requested = set(pairs("follow_requests", true).fetch_all(conn).await?);
    let requested_by = set(pairs("follow_requests", false).fetch_all(conn).await?);
    let blocking = set(pairs("blocks", true).fetch_all(conn).await?);
    let blocked_by = set(pairs("blocks", false).fetch_all(conn).await?);
    let mut sql = Sql::new(
        "SELECT target_account_id, hide_notifications, expires_at FROM mutes WHERE account_id = ",
    );
    sql.int(viewer)
        .push(" AND target_account_id IN (")
        .ints(targets)
        .push(") AND (expires_at IS NULL OR expires_at > ")
        .int(crate::time::now_ms())
        .push(")");
    let muting: std::collections::HashMap<i64, (bool, Option<i64>)> = sql
        .fetch_all::<(i64, i64, Option<i64>)>(conn)
        .await?
        .into_iter()
        .map(|(id, hide, until)| (id, (hide != 0, until)))
        .collect();
    let endorsed = set(pairs("endorsements", true).fetch_all(conn).await?);
    let mut sql = Sql::new(
        "SELECT a.id FROM accounts a JOIN user_domain_blocks b ON b.domain = a.domain WHERE b.account_id = ",
    );
    sql.int(viewer)
        .push(" AND a.id IN (")
        .ints(targets)
        .push(")");
    let domain_blocking = set(sql.fetch_all(conn).await?);
    let mut sql = Sql::new("SELECT target_account_id, note FROM account_notes WHERE account_id = ");
    sql.int(viewer)
        .push(" AND target_account_id IN (")
        .ints(targets)
        .push(")");
    let notes: std::collections::HashMap<i64, String> = sql
        .fetch_all::<(i64, String)>(conn)
        .await?
        .into_iter()
        .collect();
    Ok(targets
        .iter()
        .map(|id| Relationship {
            id: *id,
            following: following.contains(id),
            followed_by: followed_by.contains(id),
            requested: requested.contains(id),
            requested_by: requested_by.contains(id),
            blocking: blocking.contains(id),
            blocked_by: blocked_by.contains(id),
            muting: muting.get(id).copied(),
            endorsed: endorsed.contains(id),
            domain_blocking: domain_blocking.contains(id),
            note: notes.get(id).cloned().unwrap_or_default(),
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct TokenUserRow {
    token_id: i64,
    app_id: i64,
    token_account_id: Option<i64>,
    scopes: String,
    #[sqlx(flatten)]
    account: OptionalAccount,
    email: Option<String>,
    role: Option<String>,
    approved: Option<i64>,
    confirmed: Option<i64>,
    locale: Option<String>,
    user_created_at: Option<i64>,
    disabled: Option<i64>,
}

/// The columns of [`AccountRow`], each optional, as a LEFT JOIN gives them.
#[derive(sqlx::FromRow)]
struct OptionalAccount {
    id: Option<i64>,
    username: Option<String>,
    domain: Option<String>,
    display_name: Option<String>,
    note: Option<String>,
    note_html: Option<String>,
    fields: Option<String>,
    locked: Option<i64>,
    bot: Option<i64>,
    discoverable: Option<i64>,
    uri: Option<String>,
    url: Option<String>,
    suspended: Option<i64>,
    silenced: Option<i64>,
    created_at: Option<i64>,
    followers_count: Option<i64>,
    following_count: Option<i64>,
    statuses_count: Option<i64>,
    last_status_at: Option<i64>,
    avatar_url: Option<String>,
    header_url: Option<String>,
    avatar_key: Option<String>,
    header_key: Option<String>,
}

impl OptionalAccount {
    fn into_row(self) -> Option<AccountRow> {
        Some(AccountRow {
            id: self.id?,
            username: self.username?,
            domain: self.domain,
            display_name: self.display_name?,
            note: self.note?,
            note_html: self.note_html?,
            fields: self.fields?,
            locked: self.locked?,
            bot: self.bot?,
            discoverable: self.discoverable?,
            uri: self.uri?,
            url: self.url?,
            suspended: self.suspended?,
            silenced: self.silenced?,
            created_at: self.created_at?,
            followers_count: self.followers_count?,
            following_count: self.following_count?,
            statuses_count: self.statuses_count?,
            last_status_at: self.last_status_at,
            avatar_url: self.avatar_url,
            header_url: self.header_url,
            avatar_key: self.avatar_key,
            header_key: self.header_key,
        })
    }
}

/// A live token with its user, in one query: this runs on every authenticated request.
pub async fn token_with_user(
    conn: &mut Conn,
    token: &str,
) -> Result<Option<(TokenRow, Option<(AccountRow, UserRow)>)>, sqlx::Error> {
    let row: Option<TokenUserRow> = sqlx::query_as(crate::sqlf!(
        "SELECT t.id AS token_id, t.app_id, t.account_id AS token_account_id, t.scopes, \
         {ACCOUNT_COLUMNS}, u.email, u.role, u.approved, u.confirmed, u.locale, \
         u.created_at AS user_created_at, u.disabled FROM oauth_tokens t \
         LEFT JOIN accounts a ON a.id = t.account_id \
         LEFT JOIN local_users u ON u.account_id = t.account_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
    ))
    .bind(crate::oauth::hash(token))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| {
        let token = TokenRow {
            id: r.token_id,
            app_id: r.app_id,
            account_id: r.token_account_id,
            scopes: r.scopes,
        };
        let user = match (
            r.account.into_row(),
            r.email,
            r.role,
            r.approved,
            r.confirmed,
            r.locale,
            r.user_created_at,
            r.disabled,
        ) {
            (
                Some(account),
                Some(email),
                Some(role),
                Some(approved),
                Some(confirmed),
                Some(locale),
                Some(created_at),
                Some(disabled),
            ) => {
                let user = UserRow {
                    account_id: account.id,
                    email,
                    role,
                    approved,
                    confirmed,
                    locale,
                    created_at,
                    disabled,
                };
                Some((account, user))
            }
            _ => None,
        };
        (token, user)
    }))
}

/// What a deleted account leaves to remove.
///
/// The inboxes of the remote servers that know the account through a follow or a follow
/// request, either way: shared inboxes where they have one.
pub async fn reach_inboxes(conn: &mut Conn, account_id: i64) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(Option<String>,)> = sqlx::query_as(
        "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) FROM accounts a WHERE a.domain IS NOT NULL \
         AND a.suspended = 0 AND a.id IN ( \
           SELECT account_id FROM follows WHERE target_account_id = $1 \
           UNION SELECT target_account_id FROM follows WHERE account_id = $1 \
           UNION SELECT account_id FROM follow_requests WHERE target_account_id = $1 \
           UNION SELECT target_account_id FROM follow_requests WHERE account_id = $1)",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut inboxes: Vec<String> = rows.into_iter().filter_map(|(i,)| i).collect();
    inboxes.sort();
    Ok(inboxes)
}

/// The stored files of a local account's avatar and header.
pub async fn profile_image_keys(
    conn: &mut Conn,
    account_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let keys: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT avatar_key, header_key FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(keys
        .map(|(a, h)| a.into_iter().chain(h).filter(|k| !k.is_empty()).collect())
        .unwrap_or_default())
}

/// An account's statuses and reblogs (id, reblogged id) after `after`, oldest first.
pub async fn statuses_after(
    conn: &mut Conn,
    account_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, Option<i64>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, reblog_of_id FROM statuses WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(account_id)
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
}

/// The statuses an account favourited, by status id after `after`.
pub async fn favourited_after(
    conn: &mut Conn,
    account_id: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT status_id FROM favourites WHERE account_id = $1 AND status_id > $2 \
         ORDER BY status_id LIMIT $3",
    )
    .bind(account_id)
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
}

/// An account's own uploads.
pub async fn upload_ids(conn: &mut Conn, account_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM media_attachments WHERE account_id = $1 AND remote_url IS NULL ORDER BY id",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await
}
