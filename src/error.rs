//! The one error type of the HTTP boundary, and its mapping to Mastodon's error shape.

use std::time::Duration;

use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::domain::Rejection;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Record not found")]
    NotFound,
    #[error("The access token is invalid")]
    InvalidToken,
    #[error("This action is outside the authorized scopes")]
    OutsideScopes,
    #[error("This method requires an authenticated user")]
    UserRequired,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("Validation failed: {0}")]
    Validation(String),
    #[error("{0}")]
    Conflict(String),
    /// A body or file over its limit (413), with the limit in the message.
    #[error("{0}")]
    TooLarge(String),
    /// Beyond a rate limit (429), with how long until it lets the client in again.
    #[error("Too many requests")]
    TooManyRequests(Duration),
    /// OAuth endpoints answer with RFC 6749 error codes and a description.
    #[error("{code}: {description}")]
    OAuth {
        status: StatusCode,
        code: &'static str,
        description: String,
    },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn status_code(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::InvalidToken => StatusCode::UNAUTHORIZED,
            Error::OutsideScopes | Error::UserRequired | Error::Forbidden(_) => {
                StatusCode::FORBIDDEN
            }
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::OAuth { status, .. } => *status,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Answer with `response` (a page, a form shown again) in place of the JSON shape, with
    /// this error's status and headers. Every 429 gets its `Retry-After` here.
    pub fn answer_with(&self, mut response: Response) -> Response {
        *response.status_mut() = self.status_code();
        if let Error::TooManyRequests(wait) = self {
            // Whole seconds, rounded up: a client that comes back early is only refused again.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        response
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        Error::Internal(e.to_string())
    }

    pub fn oauth(code: &'static str, description: impl Into<String>) -> Self {
        let status = match code {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            "unauthorized_client" => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        Error::OAuth {
            status,
            code,
            description: description.into(),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if matches!(e, sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)) {
            return Error::Unavailable(e.to_string());
        }
        Error::Internal(e.to_string())
    }
}

impl From<Rejection> for Error {
    fn from(r: Rejection) -> Self {
        match r {
            Rejection::NotFound => Error::NotFound,
            Rejection::Invalid(m) => Error::Validation(m),
            Rejection::Forbidden(m) => Error::Forbidden(m),
            Rejection::Conflict(m) => Error::Conflict(m),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let body = match &self {
            Error::Internal(detail) => {
                // Internal detail goes to the log, never to the client.
                tracing::error!(%detail, "internal error");
                json!({ "error": "Internal server error" })
            }
            Error::Unavailable(detail) => {
                tracing::warn!(%detail, "service unavailable");
                json!({ "error": "Service temporarily unavailable" })
            }
            Error::OAuth {
                code, description, ..
            } => {
                json!({ "error": code, "error_description": description })
            }
            other => json!({ "error": other.to_string() }),
        };
        self.answer_with(axum::Json(body).into_response())
    }
}
