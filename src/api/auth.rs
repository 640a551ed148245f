//! Bearer tokens: who is calling, with which scopes.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::app::App;
use crate::error::Error;
use crate::oauth::{scopes, store};
use crate::queries::accounts::{self, AccountRow, UserRow};

/// A valid token. Extracting it fails with 401 when there is none or it is unknown.
#[derive(Debug, Clone)]
pub struct Auth {
    pub token: store::TokenRow,
    pub scopes: Vec<String>,
    pub user: Option<CurrentUser>,
}

#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub account: AccountRow,
    pub user: UserRow,
}

impl CurrentUser {
    pub fn id(&self) -> i64 {
        self.account.id
    }
}

/// A token when one was sent (public endpoints); an invalid one is still a 401.
pub struct MaybeAuth(pub Option<Auth>);

/// What the rate limiter found the request's bearer token to be (`None`: unknown or
/// revoked), kept in the request's extensions so the extractors need not ask again.
#[derive(Clone)]
pub struct Authenticated(pub Option<Auth>);

pub fn bearer(parts: &Parts) -> Option<String> {
    if let Some(value) = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_string());
    }
    // Streaming clients pass the token in the query string.
    url::form_urlencoded::parse(parts.uri.query()?.as_bytes())
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.into_owned())
}

/// The token's grant and user; an unknown or revoked token is [`Error::InvalidToken`].
pub async fn authenticate(app: &App, token: &str) -> Result<Auth, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let (row, user) = accounts::token_with_user(&mut conn, token)
        .await?
        .ok_or(Error::InvalidToken)?;
    let user = match (row.account_id, user) {
        (Some(_), Some((account, user))) => Some(CurrentUser { account, user }),
        (Some(_), None) => return Err(Error::InvalidToken),
        (None, _) => None,
    };
    Ok(Auth {
        scopes: row
            .scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        token: row,
        user,
    })
}

/// The request's token authenticated: as the rate limiter found it, or asked now.
async fn authenticated(parts: &mut Parts, app: &App, token: &str) -> Result<Auth, Error> {
    match parts.extensions.remove::<Authenticated>() {
        Some(Authenticated(found)) => found.ok_or(Error::InvalidToken),
        None => authenticate(app, token).await,
    }
}

impl FromRequestParts<App> for Auth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Error> {
        let token = bearer(parts).ok_or(Error::InvalidToken)?;
        authenticated(parts, app, &token).await
    }
}

impl FromRequestParts<App> for MaybeAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Error> {
        match bearer(parts) {
            Some(token) => Ok(MaybeAuth(Some(authenticated(parts, app, &token).await?))),
            None => Ok(MaybeAuth(None)),
        }
    }
}

impl Auth {
    /// The token must grant `scope`; any token (app or user) will do.
    pub fn require_scope(&self, scope: &str) -> Result<(), Error> {
        if scopes::grants(&self.scopes, scope) {
            Ok(())
        } else {
            Err(Error::OutsideScopes)
        }
    }

    /// The token must grant `scope` and belong to a user who may use the API.
    pub fn require(&self, scope: &str) -> Result<&CurrentUser, Error> {
        self.require_scope(scope)?;
        let user = self.user.as_ref().ok_or(Error::UserRequired)?;
        usable(user)?;
        Ok(user)
    }
}

/// As Mastodon's `require_user!`: suspended, unapproved or unconfirmed users are refused.
fn usable(u: &CurrentUser) -> Result<(), Error> {
    if u.account.suspended != 0 || u.user.disabled != 0 {
        return Err(Error::Forbidden("Your login is currently disabled".into()));
    }
    if u.user.approved == 0 {
        return Err(Error::Forbidden(
            "Your login is currently pending approval".into(),
        ));
    }
    if u.user.confirmed == 0 {
        return Err(Error::Forbidden(
            "Your login is missing a confirmed e-mail address".into(),
        ));
    }
    Ok(())
}

impl MaybeAuth {
    /// The viewing user, if a user token was sent; a sent token must grant `scope`.
    pub fn viewer(&self, scope: &str) -> Result<Option<&CurrentUser>, Error> {
        match &self.0 {
            None => Ok(None),
            Some(auth) => {
                auth.require_scope(scope)?;
                match &auth.user {
                    Some(u) => usable(u).map(|_| Some(u)),
                    None => Ok(None),
                }
            }
        }
    }

    pub fn viewer_id(&self, scope: &str) -> Result<Option<i64>, Error> {
        Ok(self.viewer(scope)?.map(CurrentUser::id))
    }
}
