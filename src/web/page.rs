//! How pages are answered: the one Content-Security-Policy, short public caching with
//! validators for pages anyone sees, `no-store` for pages of a signed-in person, and
//! errors as pages.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION, REFERRER_POLICY, SET_COOKIE, VARY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::session::Visit;
use crate::error::Error;

/// No inline script or style anywhere; images may come from other servers (remote avatars
/// and media), nothing else may.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' https: data: blob:; media-src 'self' https:; font-src 'self'; \
     connect-src 'self'; form-action 'self' https:; base-uri 'none'; frame-ancestors 'none'; \
     object-src 'none'";

/// How long a shared cache may keep a public page.
const PUBLIC_MAX_AGE: &str = "public, max-age=60";

fn base_headers(headers: &mut HeaderMap) {
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
}

/// A page for whoever asks. Seen by a visitor who is not signed in, it may be cached
/// for a minute and revalidated by its ETag (an unsigned-in session, made for a form
/// elsewhere, changes nothing on it); seen by someone signed in (it then carries their
/// name and form tokens) it is never stored.
pub fn public(
    visit: &Visit,
    request: &HeaderMap,
    html: String,
    updated_at: Option<i64>,
) -> Response {
    if visit.me.is_some() || visit.set_cookie.is_some() {
        return private(visit, StatusCode::OK, html);
    }
    cacheable(request, html, updated_at, "text/html; charset=utf-8")
}

/// A document the same for everyone (a page for visitors, a feed), cached for a minute.
pub fn cacheable(
    request: &HeaderMap,
    html: String,
    updated_at: Option<i64>,
    content_type: &'static str,
) -> Response {
    let etag = format!(
        "W/\"{}\"",
        &hex::encode(Sha256::digest(html.as_bytes()))[..32]
    );
    let mut response = if request
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        html.into_response()
    };
    let headers = response.headers_mut();
    base_headers(headers);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(PUBLIC_MAX_AGE));
    headers.insert(VARY, HeaderValue::from_static("Accept, Cookie"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(ETAG, v);
    }
    if let Some(v) = updated_at
        .and_then(chrono::DateTime::from_timestamp_millis)
        .and_then(|t| {
            HeaderValue::from_str(&t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()).ok()
        })
    {
        headers.insert(LAST_MODIFIED, v);
    }
    response
}

/// A page for one person (or one browser): never cached, never framed.
pub fn private(visit: &Visit, status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    base_headers(headers);
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(VARY, HeaderValue::from_static("Accept, Cookie"));
    with_cookie(response, visit.set_cookie.as_deref())
}

/// After a form: go to `to` with a GET (303), setting a cookie if one was made.
pub fn see_other(to: &str, set_cookie: Option<&str>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, v);
    }
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    with_cookie(response, set_cookie)
}

fn with_cookie(mut response: Response, set_cookie: Option<&str>) -> Response {
    if let Some(v) = set_cookie.and_then(|c| HeaderValue::from_str(c).ok()) {
        response.headers_mut().append(SET_COOKIE, v);
    }
    response
}

/// What a form's refusal says to its user (a validation message without its prefix).
pub fn form_error(e: &Error) -> String {
    match e {
        Error::Validation(m) => m.clone(),
        other => other.to_string(),
    }
}

/// Any failure of a page handler, shown as a page with the status the API would use.
#[derive(Debug)]
pub struct PageError(pub Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(e)
    }
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status_code();
        let (title, message) = match &self.0 {
            Error::NotFound => (
                "Not found",
                "This page does not exist, or is not visible to you.".to_string(),
            ),
            Error::Internal(detail) => {
                tracing::error!(%detail, "internal error on a page");
                (
                    "Something went wrong",
                    "The server could not show this page. Please try again later.".into(),
                )
            }
            Error::Unavailable(detail) => {
                tracing::warn!(%detail, "service unavailable on a page");
                (
                    "Unavailable",
                    "The server is busy. Please try again in a moment.".into(),
                )
            }
            Error::TooManyRequests(_) => (
                "Too many requests",
                "Please wait a few minutes and try again.".into(),
            ),
            Error::Forbidden(m) => ("Not allowed", m.clone()),
            Error::Validation(m) => ("That did not work", m.clone()),
            other => ("That did not work", other.to_string()),
        };
        self.0.answer_with(private(
            &Visit::default(),
            status,
            crate::server::pages::error_page(title, &message),
        ))
    }
}
