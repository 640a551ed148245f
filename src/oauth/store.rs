//! OAuth rows: apps, codes and tokens.

use crate::db::Conn;
use crate::time::now_ms;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppRow {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: String,
    pub scopes: String,
    pub client_id: String,
    pub client_secret_hash: String,
    pub created_at: i64,
}

impl AppRow {
    pub fn redirect_uri_list(&self) -> Vec<String> {
        self.redirect_uris.lines().map(str::to_string).collect()
    }
    pub fn scope_list(&self) -> Vec<String> {
        self.scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
    pub fn secret_matches(&self, secret: &str) -> bool {
        super::constant_time_eq(
            super::hash(secret).as_bytes(),
            self.client_secret_hash.as_bytes(),
        )
    }
}

const APP_COLUMNS: &str =
    "id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at";

pub async fn create_app(conn: &mut Conn, app: &AppRow) -> Result<(), sqlx::Error> {
    sqlx::query(crate::sqlf!(
        "INSERT INTO oauth_apps ({APP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(app.id)
    .bind(&app.name)
    .bind(app.website.as_deref())
    .bind(&app.redirect_uris)
    .bind(&app.scopes)
    .bind(&app.client_id)
    .bind(&app.client_secret_hash)
    .bind(app.created_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn app_by_client_id(
    conn: &mut Conn,
    client_id: &str,
) -> Result<Option<AppRow>, sqlx::Error> {
    sqlx::query_as(crate::sqlf!(
        "SELECT {APP_COLUMNS} FROM oauth_apps WHERE client_id = $1"
    ))
    .bind(client_id)
    .fetch_optional(&mut *conn)
    .await
}

pub async fn app_by_id(conn: &mut Conn, id: i64) -> Result<Option<AppRow>, sqlx::Error> {
    sqlx::query_as(crate::sqlf!(
        "SELECT {APP_COLUMNS} FROM oauth_apps WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
}

pub struct NewCode<'a> {
    pub app_id: i64,
    pub account_id: i64,
    pub redirect_uri: &'a str,
    pub scopes: &'a str,
    pub code_challenge: Option<&'a str>,
}

/// Store a code; returns the code itself (only its hash is kept).
pub async fn create_code(conn: &mut Conn, c: NewCode<'_>) -> Result<String, sqlx::Error> {
    let code = super::new_secret();
    sqlx::query(
        "INSERT INTO oauth_codes (code_hash, app_id, account_id, redirect_uri, scopes, code_challenge, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(super::hash(&code))
    .bind(c.app_id)
    .bind(c.account_id)
    .bind(c.redirect_uri)
    .bind(c.scopes)
    .bind(c.code_challenge)
    .bind(now_ms() + super::CODE_TTL_MS)
    .execute(&mut *conn)
    .await?;
    Ok(code)
}

#[derive(Debug, sqlx::FromRow)]
pub struct CodeRow {
    pub app_id: i64,
    pub account_id: i64,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: Option<String>,
    pub expires_at: i64,
}

/// Take a code: it is deleted whether or not the exchange then succeeds (single use).
pub async fn take_code(conn: &mut Conn, code: &str) -> Result<Option<CodeRow>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM oauth_codes WHERE code_hash = $1 \
         RETURNING app_id, account_id, redirect_uri, scopes, code_challenge, expires_at",
    )
    .bind(super::hash(code))
    .fetch_optional(&mut *conn)
    .await
}

pub struct IssuedToken {
    pub token: String,
    pub scopes: String,
    pub created_at: i64,
}

pub async fn issue_token(
    conn: &mut Conn,
    app_id: i64,
    account_id: Option<i64>,
    scopes: &str,
) -> Result<IssuedToken, sqlx::Error> {
    let token = super::new_secret();
    let created_at = now_ms();
    sqlx::query("INSERT INTO oauth_tokens (id, token_hash, app_id, account_id, scopes, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)")
        .bind(crate::ids::next_id())
        .bind(super::hash(&token))
        .bind(app_id)
        .bind(account_id)
        .bind(scopes)
        .bind(created_at)
        .execute(&mut *conn)
        .await?;
    Ok(IssuedToken {
        token,
        scopes: scopes.to_string(),
        created_at,
    })
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub app_id: i64,
    pub account_id: Option<i64>,
    pub scopes: String,
}

pub async fn token(conn: &mut Conn, token: &str) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, app_id, account_id, scopes FROM oauth_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
        .bind(super::hash(token))
        .fetch_optional(&mut *conn)
        .await
}

/// Revoke a token the app holds; revoking an unknown token is not an error (RFC 7009).
pub async fn revoke(conn: &mut Conn, app_id: i64, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE oauth_tokens SET revoked_at = $3 WHERE token_hash = $1 AND app_id = $2 AND revoked_at IS NULL")
        .bind(super::hash(token))
        .bind(app_id)
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One live token of an account, with its app: what "authorized apps" lists.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub app_id: i64,
    pub name: String,
    pub website: Option<String>,
    pub scopes: String,
    pub created_at: i64,
}

pub async fn grants(conn: &mut Conn, account_id: i64) -> Result<Vec<GrantRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id AS app_id, a.name, a.website, t.scopes, t.created_at FROM oauth_tokens t \
         JOIN oauth_apps a ON a.id = t.app_id WHERE t.account_id = $1 AND t.revoked_at IS NULL \
         ORDER BY t.created_at DESC",
    )
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await
}

/// Revoke every token an app holds for an account; the revoked tokens' ids.
pub async fn revoke_app(
    conn: &mut Conn,
    account_id: i64,
    app_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE oauth_tokens SET revoked_at = $3 WHERE account_id = $1 AND app_id = $2 \
         AND revoked_at IS NULL RETURNING id",
    )
    .bind(account_id)
    .bind(app_id)
    .bind(now_ms())
    .fetch_all(&mut *conn)
    .await
}
