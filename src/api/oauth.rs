//! OAuth 2 endpoints: `/oauth/authorize` (log-in and consent page), `/oauth/token`,
//! `/oauth/revoke`, and the RFC 8414 metadata document.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_SECURITY_POLICY, LOCATION, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;
use serde_json::json;

use super::entities::token_to_api;
use super::params::{Params, Query, de};
use crate::app::{App, blocking};
use crate::domain::password;
use crate::error::Error;
use crate::oauth::{self, OOB, scopes, store};
use crate::queries::accounts;
use crate::web::session::Visit;

pub fn router() -> Router<App> {
    Router::new()
        .route("/oauth/authorize", get(authorize_page).post(authorize))
        .route("/oauth/authorize/", get(authorize_page).post(authorize))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .route("/.well-known/oauth-authorization-server", get(metadata))
}

#[derive(Debug, Deserialize, Default)]
struct AuthorizeParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    response_type: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    redirect_uri: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scope: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    code_challenge: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    code_challenge_method: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    decision: Option<String>,
    /// Present when a signed-in browser approves without typing its password.
    #[serde(default, deserialize_with = "de::opt_string")]
    authenticity_token: Option<String>,
}

/// A request that names a real app and one of its redirect URIs, with allowed scopes.
struct ValidRequest {
    app: store::AppRow,
    redirect_uri: String,
    scopes: Vec<String>,
}

async fn validate(app: &App, p: &AuthorizeParams) -> Result<ValidRequest, String> {
    if p.response_type.as_deref() != Some("code") {
        return Err("The authorization server does not support this response type.".into());
    }
    let client_id = p
        .client_id
        .as_deref()
        .ok_or("Client authentication failed: missing client_id.")?;
    let mut conn = app.db.pool.acquire().await.map_err(|e| e.to_string())?;
    let found = store::app_by_client_id(&mut conn, client_id)
        .await
        .map_err(|e| e.to_string())?;
    let client = found.ok_or("Client authentication failed due to unknown client.")?;
    let uris = client.redirect_uri_list();
    let redirect_uri = match &p.redirect_uri {
        Some(u) if uris.contains(u) => u.clone(),
        None if uris.len() == 1 => uris[0].clone(),
        _ => return Err("The redirect uri included is not valid.".into()),
    };
    let asked = scopes::parse(p.scope.as_deref().unwrap_or("read"))?;
    if !scopes::subset(&asked, &client.scope_list()) {
        return Err("The requested scope is invalid, unknown, or malformed.".into());
    }
    if p.code_challenge_method
        .as_deref()
        .is_some_and(|m| m != "S256")
    {
        return Err("Only the S256 code challenge method is supported.".into());
    }
    Ok(ValidRequest {
        app: client,
        redirect_uri,
        scopes: asked,
    })
}

/// Log-in and consent pages are never cached and never framed (no clickjacking of consent).
pub fn page(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (CACHE_CONTROL, "no-store"),
            (CONTENT_SECURITY_POLICY, crate::web::page::CSP),
            (X_FRAME_OPTIONS, "DENY"),
        ],
        Html(body),
    )
        .into_response()
}

async fn authorize_page(
    State(app): State<App>,
    visit: Visit,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    match validate(&app, &p).await {
        Ok(req) => page(StatusCode::OK, consent_form(&app, &visit, &req, &p, None)),
        Err(message) => page(
            StatusCode::BAD_REQUEST,
            crate::server::pages::error_page("Authorization failed", &message),
        ),
    }
}

/// The consent page: a signed-in browser only approves; anyone else signs in on it too.
fn consent_form(
    app: &App,
    visit: &Visit,
    req: &ValidRequest,
    p: &AuthorizeParams,
    error: Option<&str>,
) -> String {
    crate::web::render(
        app,
        visit,
        "authorize.html",
        minijinja::context! {
            app_name => req.app.name,
            app_website => req.app.website.as_deref().filter(|w| w.starts_with("https://") || w.starts_with("http://")),
            scopes => req.scopes,
            error => error,
            username => p.username,
            hidden => vec![
                ("response_type", "code".to_string()),
                ("client_id", req.app.client_id.clone()),
                ("redirect_uri", req.redirect_uri.clone()),
                ("scope", req.scopes.join(" ")),
                ("state", p.state.clone().unwrap_or_default()),
                ("code_challenge", p.code_challenge.clone().unwrap_or_default()),
                ("code_challenge_method", p.code_challenge_method.clone().unwrap_or_default()),
            ],
        },
    )
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
        .finish();
    (
        StatusCode::FOUND,
        [(LOCATION, format!("{redirect_uri}{sep}{query}"))],
    )
        .into_response()
}

async fn authorize(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    visit: Visit,
    Params(p): Params<AuthorizeParams>,
) -> Result<Response, Error> {
    let req = match validate(&app, &p).await {
        Ok(r) => r,
        Err(message) => {
            return Ok(page(
                StatusCode::BAD_REQUEST,
                crate::server::pages::error_page("Authorization failed", &message),
            ));
        }
    };
    let state = p.state.clone().unwrap_or_default();
    if p.decision.as_deref() == Some("deny") {
        if req.redirect_uri == OOB {
            return Ok(page(
                StatusCode::OK,
                crate::server::pages::error_page("Authorization denied", "You denied the request."),
            ));
        }
        return Ok(redirect_with(
            &req.redirect_uri,
            &[("error", "access_denied"), ("state", &state)],
        ));
    }
    let signed_in = match (&visit.me, p.authenticity_token.as_deref()) {
        (Some(me), Some(token)) => {
            visit.check_csrf(token)?;
            Some(me.id)
        }
        _ => None,
    };
    let account_id = match signed_in {
        Some(id) => id,
        None => {
            match check_login(&app, peer, p.username.as_deref(), p.password.as_deref()).await? {
                Ok(id) => id,
                Err(refused) => {
                    let form =
                        consent_form(&app, &Visit::default(), &req, &p, Some(refused.message()));
                    return Ok(refused.answer(page(StatusCode::UNAUTHORIZED, form)));
                }
            }
        }
    };
    let mut conn = app.db.pool.acquire().await?;
    let scope_text = req.scopes.join(" ");
    let code = store::create_code(
        &mut conn,
        store::NewCode {
            app_id: req.app.id,
            account_id,
            redirect_uri: &req.redirect_uri,
            scopes: &scope_text,
            code_challenge: p.code_challenge.as_deref(),
        },
    )
    .await?;
    if req.redirect_uri == OOB {
        return Ok(page(
            StatusCode::OK,
            crate::server::pages::render("oob_code.html", minijinja::context! { code => code }),
        ));
    }
    Ok(redirect_with(
        &req.redirect_uri,
        &[("code", &code), ("state", &state)],
    ))
}

/// Why a log-in was refused: a message for the user, or too many failures (with how long
/// until the next try is heard).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Refused {
    Denied(&'static str),
    Throttled(Duration),
}

impl Refused {
    pub(crate) fn message(self) -> &'static str {
        match self {
            Refused::Denied(message) => message,
            Refused::Throttled(_) => "Too many failed attempts to sign in. Please try again later.",
        }
    }

    /// A log-in form shown again: 401, or 429 with `Retry-After` when throttled.
    pub(crate) fn answer(self, mut form: Response) -> Response {
        match self {
            Refused::Denied(_) => {
                *form.status_mut() = StatusCode::UNAUTHORIZED;
                form
            }
            Refused::Throttled(wait) => Error::TooManyRequests(wait).answer_with(form),
        }
    }
}

/// Check a log-in; the outer error is a server fault, the inner one the refusal to show.
pub(crate) async fn check_login(
    app: &App,
    peer: SocketAddr,
    login: Option<&str>,
    password: Option<&str>,
) -> Result<Result<i64, Refused>, Error> {
    const WRONG: Refused = Refused::Denied("Invalid email or password.");
    let (Some(login), Some(password)) = (login, password) else {
        return Ok(Err(WRONG));
    };
    let (login_key, address_key) = (login.trim().to_lowercase(), peer.ip().to_string());
    let limits = &app.limits;
    let waits = [
        limits.login_per_account.check(&login_key).err(),
        limits.login_per_address.check(&address_key).err(),
    ];
    if let Some(wait) = waits.into_iter().flatten().max() {
        return Ok(Err(Refused::Throttled(wait)));
    }
    let failed = || {
        limits.login_per_account.count(&login_key);
        limits.login_per_address.count(&address_key);
    };
    let mut conn = app.db.pool.acquire().await?;
    let Some(user) = accounts::user_by_login(&mut conn, login).await? else {
        failed();
        return Ok(Err(WRONG));
    };
    let hash = accounts::password_hash(&mut conn, user.account_id)
        .await?
        .unwrap_or_default();
    let account = accounts::by_id(&mut conn, user.account_id).await?;
    drop(conn);
    let password = password.to_string();
    if !blocking(move || password::verify(&password, &hash)).await? {
        failed();
        return Ok(Err(WRONG));
    }
    if account.is_none_or(|a| a.suspended != 0) {
        return Ok(Err(Refused::Denied("Your account has been suspended.")));
    }
    if user.disabled != 0 {
        return Ok(Err(Refused::Denied("Your login is currently disabled.")));
    }
    if user.approved == 0 {
        return Ok(Err(Refused::Denied("Your account is pending approval.")));
    }
    if user.confirmed == 0 {
        return Ok(Err(Refused::Denied(
            "You have to confirm your email address before continuing.",
        )));
    }
    Ok(Ok(user.account_id))
}

#[derive(Debug, Deserialize, Default)]
struct TokenParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    grant_type: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_secret: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    code: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    redirect_uri: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    code_verifier: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scope: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    token: Option<String>,
}

/// Client credentials from the body or from HTTP Basic authentication.
fn client_credentials(headers: &HeaderMap, p: &TokenParams) -> (Option<String>, Option<String>) {
    let basic = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(i, s)| (i.to_string(), s.to_string()))
        });
    match basic {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (p.client_id.clone(), p.client_secret.clone()),
    }
}

/// The scopes a confidential client (one that proved its secret) asks for, within its own.
fn confidential_scopes(
    secret_ok: bool,
    client: &store::AppRow,
    scope: Option<&str>,
) -> Result<Vec<String>, Error> {
    if !secret_ok {
        return Err(Error::oauth("invalid_client", BAD_CLIENT));
    }
    let asked =
        scopes::parse(scope.unwrap_or("read")).map_err(|m| Error::oauth("invalid_scope", m))?;
    if !scopes::subset(&asked, &client.scope_list()) {
        return Err(Error::oauth(
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        ));
    }
    Ok(asked)
}

const BAD_CLIENT: &str = "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.";

async fn token(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Params(p): Params<TokenParams>,
) -> Result<Response, Error> {
    let (client_id, client_secret) = client_credentials(&headers, &p);
    let mut conn = app.db.pool.acquire().await?;
    let client = match &client_id {
        Some(id) => store::app_by_client_id(&mut conn, id).await?,
        None => None,
    }
    .ok_or_else(|| Error::oauth("invalid_client", BAD_CLIENT))?;
    let secret_ok = client_secret
        .as_deref()
        .is_some_and(|s| client.secret_matches(s));
    if client_secret.is_some() && !secret_ok {
        return Err(Error::oauth("invalid_client", BAD_CLIENT));
    }
    let issued = match p.grant_type.as_deref() {
        Some("authorization_code") => {
            let invalid = || {
                Error::oauth(
                    "invalid_grant",
                    "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
                )
            };
            let code = store::take_code(&mut conn, p.code.as_deref().unwrap_or(""))
                .await?
                .ok_or_else(invalid)?;
            if code.app_id != client.id || code.expires_at < crate::time::now_ms() {
                return Err(invalid());
            }
            // RFC 6749 §4.1.3: the exchange names the redirect URI the code was issued
            // for. Every code has one (a sole registered URI is filled in when the
            // request left it out), so a missing one is refused, as Doorkeeper does.
            if p.redirect_uri.as_deref() != Some(code.redirect_uri.as_str()) {
                return Err(invalid());
            }
            match (&code.code_challenge, &p.code_verifier) {
                (Some(challenge), Some(verifier)) if oauth::pkce_matches(verifier, challenge) => {}
                (Some(_), _) => return Err(invalid()),
                // Without PKCE the client must prove itself with its secret.
                (None, _) if !secret_ok => return Err(Error::oauth("invalid_client", BAD_CLIENT)),
                (None, _) => {}
            }
            store::issue_token(&mut conn, client.id, Some(code.account_id), &code.scopes).await?
        }
        Some("password") if app.config.password_grant => {
            let asked = confidential_scopes(secret_ok, &client, p.scope.as_deref())?;
            drop(conn);
            let account_id = match check_login(
                &app,
                peer,
                p.username.as_deref(),
                p.password.as_deref(),
            )
            .await?
            {
                Ok(id) => id,
                Err(Refused::Throttled(wait)) => return Err(Error::TooManyRequests(wait)),
                Err(Refused::Denied(message)) => {
                    return Err(Error::oauth("invalid_grant", message));
                }
            };
            let mut conn = app.db.pool.acquire().await?;
            store::issue_token(&mut conn, client.id, Some(account_id), &asked.join(" ")).await?
        }
        Some("client_credentials") => {
            let asked = confidential_scopes(secret_ok, &client, p.scope.as_deref())?;
            store::issue_token(&mut conn, client.id, None, &asked.join(" ")).await?
        }
        _ => {
            return Err(Error::oauth(
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            ));
        }
    };
    Ok(([(CACHE_CONTROL, "no-store")], Json(token_to_api(&issued))).into_response())
}

async fn revoke(
    State(app): State<App>,
    headers: HeaderMap,
    Params(p): Params<TokenParams>,
) -> Result<Json<serde_json::Value>, Error> {
    let (client_id, client_secret) = client_credentials(&headers, &p);
    let mut conn = app.db.pool.acquire().await?;
    let client = match &client_id {
        Some(id) => store::app_by_client_id(&mut conn, id).await?,
        None => None,
    }
    .filter(|c| {
        client_secret
            .as_deref()
            .is_some_and(|s| c.secret_matches(s))
    })
    .ok_or_else(|| {
        Error::oauth(
            "unauthorized_client",
            "You are not authorized to revoke this token",
        )
    })?;
    if let Some(token) = &p.token {
        let revoked = store::token(&mut conn, token)
            .await?
            .filter(|t| t.app_id == client.id);
        store::revoke(&mut conn, client.id, token).await?;
        if let Some(t) = revoked {
            // Streams in this process end now; other processes notice at their next check.
            app.streaming.hub.disconnect_token(t.id);
        }
    }
    Ok(Json(json!({})))
}

async fn metadata(State(app): State<App>) -> Json<serde_json::Value> {
    let base = app.config.base_url();
    let mut grants = vec!["authorization_code", "client_credentials"];
    if app.config.password_grant {
        grants.push("password");
    }
    Json(json!({
        "issuer": format!("{base}/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "app_registration_endpoint": format!("{base}/api/v1/apps"),
        "scopes_supported": ["read", "write", "follow", "push", "profile", "admin:read", "admin:write",
            "read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters", "read:follows",
            "read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses",
            "write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites",
            "write:filters", "write:follows", "write:lists", "write:media", "write:mutes", "write:notifications",
            "write:reports", "write:statuses"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": grants,
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }))
}
