//! Browser sessions: a random cookie whose SHA-256 names a `web_sessions` row, and the
//! CSRF token every form of that session carries. A session exists before signing in,
//! so the sign-in and sign-up forms are protected too; signing in starts a new one.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::{COOKIE, USER_AGENT};
use axum::http::request::Parts;
use cookie::{Cookie, SameSite};

use super::page::PageError;
use crate::app::App;
use crate::config::Scheme;
use crate::error::Error;
use crate::oauth::{constant_time_eq, hash, new_secret};
use crate::queries::accounts::{self as aq, AccountRow};
use crate::time;

pub const COOKIE_NAME: &str = "tessera_session";
/// A signed-in session ends after this long unused.
const SIGNED_IN_TTL_MS: i64 = 30 * 24 * 3600 * 1000;
/// A session that never signed in (a form was shown) ends after a day.
const ANONYMOUS_TTL_MS: i64 = 24 * 3600 * 1000;

fn ttl_ms(signed_in: bool) -> i64 {
    if signed_in {
        SIGNED_IN_TTL_MS
    } else {
        ANONYMOUS_TTL_MS
    }
}

/// How stale `seen_at` may get before a visit refreshes it (one write an hour at most).
const TOUCH_AFTER_MS: i64 = 3600 * 1000;

#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub account_id: Option<i64>,
    pub csrf: String,
}

/// Who is looking at a page: the session (if the browser has a live one) and the
/// signed-in account (if it is signed in and may still sign in).
#[derive(Debug, Clone, Default)]
pub struct Visit {
    pub session: Option<Session>,
    pub me: Option<AccountRow>,
    /// The signed-in account is a moderator or an admin.
    pub staff: bool,
    pub user_agent: String,
    /// A `Set-Cookie` to send with the response: a session just started.
    pub set_cookie: Option<String>,
}

impl Visit {
    pub fn me_id(&self) -> Option<i64> {
        self.me.as_ref().map(|a| a.id)
    }

    pub fn csrf(&self) -> &str {
        self.session.as_ref().map_or("", |s| s.csrf.as_str())
    }

    /// Give the visit a session when it has none, so the page can carry a form.
    pub async fn ensure_session(&mut self, app: &App) -> Result<(), Error> {
        if self.session.is_none() {
            let (cookie, session) = begin(app, None, &self.user_agent).await?;
            self.session = Some(session);
            self.set_cookie = Some(cookie);
        }
        Ok(())
    }

    /// The form's token must be this session's: a form from another site has none.
    pub fn check_csrf(&self, token: &str) -> Result<&Session, Error> {
        match &self.session {
            Some(s) if constant_time_eq(s.csrf.as_bytes(), token.as_bytes()) => Ok(s),
            _ => Err(Error::Forbidden(
                "This form has expired or did not come from this site. Reload the page and try again."
                    .into(),
            )),
        }
    }
}

impl FromRequestParts<App> for Visit {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, PageError> {
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .take(255)
            .collect();
        let mut visit = Visit {
            user_agent,
            ..Visit::default()
        };
        let Some(token) = cookie_token(&parts.headers) else {
            return Ok(visit);
        };
        let Some(session) = load(app, &token).await? else {
            return Ok(visit);
        };
        if let Some(id) = session.account_id {
            let mut conn = app.db.pool.acquire().await.map_err(Error::from)?;
            let account = aq::by_id(&mut conn, id).await.map_err(Error::from)?;
            let user = aq::user(&mut conn, id).await.map_err(Error::from)?;
            // A suspended or disabled account is signed out everywhere at once.
            if let (Some(a), Some(u)) = (account, user)
                && a.suspended == 0
                && u.disabled == 0
            {
                visit.staff = matches!(u.role.as_str(), "moderator" | "admin");
                visit.me = Some(a);
            } else {
                end(app, &session).await?;
                return Ok(visit);
            }
        }
        visit.session = Some(session);
        Ok(visit)
    }
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE_NAME)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

async fn load(app: &App, token: &str) -> Result<Option<Session>, Error> {
    let row: Option<(String, Option<i64>, String, i64)> = sqlx::query_as(
        "SELECT id_hash, account_id, csrf_token, seen_at FROM web_sessions WHERE id_hash = $1",
    )
    .bind(hash(token))
    .fetch_optional(&app.db.pool)
    .await?;
    let Some((id_hash, account_id, csrf, seen_at)) = row else {
        return Ok(None);
    };
    let now = time::now_ms();
    let ttl = ttl_ms(account_id.is_some());
    let session = Session {
        id_hash,
        account_id,
        csrf,
    };
    if now - seen_at > ttl {
        end(app, &session).await?;
        return Ok(None);
    }
    if now - seen_at > TOUCH_AFTER_MS {
        sqlx::query("UPDATE web_sessions SET seen_at = $2 WHERE id_hash = $1")
            .bind(&session.id_hash)
            .bind(now)
            .execute(&app.db.pool)
            .await?;
    }
    Ok(Some(session))
}

/// Start a session (signed in to `account_id`, or not yet); returns the `Set-Cookie` value.
pub async fn begin(
    app: &App,
    account_id: Option<i64>,
    user_agent: &str,
) -> Result<(String, Session), Error> {
    let token = new_secret();
    let now = time::now_ms();
    let session = Session {
        id_hash: hash(&token),
        account_id,
        csrf: new_secret(),
    };
    if account_id.is_some() {
        // Signing in is rare enough to sweep out the sessions that ended meanwhile.
        sqlx::query(
            "DELETE FROM web_sessions WHERE (account_id IS NULL AND seen_at < $1) OR seen_at < $2",
        )
        .bind(now - ANONYMOUS_TTL_MS)
        .bind(now - SIGNED_IN_TTL_MS)
        .execute(&app.db.pool)
        .await?;
    }
    sqlx::query(
        "INSERT INTO web_sessions (id_hash, account_id, csrf_token, created_at, seen_at, user_agent) \
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(&session.id_hash)
    .bind(account_id)
    .bind(&session.csrf)
    .bind(now)
    .bind(user_agent)
    .execute(&app.db.pool)
    .await?;
    let max_age = ttl_ms(account_id.is_some()) / 1000;
    Ok((cookie(app, &token, max_age), session))
}

pub async fn end(app: &App, session: &Session) -> Result<(), Error> {
    sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
        .bind(&session.id_hash)
        .execute(&app.db.pool)
        .await?;
    Ok(())
}

/// The session cookie: never readable by scripts, not sent on cross-site posts, and only
/// over HTTPS when the server is on HTTPS.
pub fn cookie(app: &App, token: &str, max_age_secs: i64) -> String {
    Cookie::build((COOKIE_NAME, token.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(app.config.scheme == Scheme::Https)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

/// A visit by someone signed in; anyone else is sent to the sign-in page.
pub struct SignedIn(pub Visit, pub AccountRow);

impl FromRequestParts<App> for SignedIn {
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let visit = Visit::from_request_parts(parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        match visit.me.clone() {
            Some(me) => Ok(SignedIn(visit, me)),
            None => Err(super::page::see_other("/auth/sign_in", None)),
        }
    }
}

/// A visit by a moderator or admin; others get a 403 page, visitors the sign-in page.
pub struct Staff(pub Visit, pub AccountRow);

impl FromRequestParts<App> for Staff {
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let SignedIn(visit, me) = SignedIn::from_request_parts(parts, app).await?;
        if !visit.staff {
            return Err(PageError(Error::Forbidden(
                "Only moderators may see this page.".into(),
            ))
            .into_response());
        }
        Ok(Staff(visit, me))
    }
}
