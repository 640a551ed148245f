//! The inboxes: per-actor (`/users/:name/inbox`), shared (`/inbox`) and the instance
//! actor's. Bodies over 1 MB are refused (413) before anything else is done with them;
//! the rest is `federate::inbox`: signature, key ownership, the ingress queue, then 202.
//! (The limit per client address is the rate limiter's, `super::ratelimit`.)

use axum::Router;
use axum::body::Bytes;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, DefaultBodyLimit, OriginalUri, Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use crate::app::App;
use crate::error::Error;
use crate::federate::inbox::{self, InboxError};
use crate::queries::accounts as aq;

/// The largest activity accepted.
pub const INBOX_BODY_LIMIT: usize = 1024 * 1024;

pub fn router() -> Router<App> {
    Router::new()
        .route("/inbox", post(shared))
        .route("/actor/inbox", post(shared))
        .route("/users/{username}/inbox", post(personal))
        .layer(DefaultBodyLimit::max(INBOX_BODY_LIMIT))
}

async fn shared(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    receive(&app, peer, &method, &uri, &headers, &body).await
}

async fn personal(
    State(app): State<App>,
    Path(username): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    let mut conn = app.db.pool.acquire().await?;
    if aq::local_by_username(&mut conn, &username).await?.is_none() {
        return Err(Error::NotFound);
    }
    drop(conn);
    Ok(receive(&app, peer, &method, &uri, &headers, &body).await)
}

async fn receive(
    app: &App,
    peer: SocketAddr,
    method: &Method,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let from = super::ratelimit::client_key(peer, headers);
    match inbox::receive(app, &from, method, path, headers, body).await {
        Ok(_) => StatusCode::ACCEPTED.into_response(),
        Err(e) => {
            tracing::info!(error = %e, "inbound activity refused");
            e.into_response()
        }
    }
}

/// A refused inbox POST or signed fetch, with its status and `{"error": ...}`.
impl IntoResponse for InboxError {
    fn into_response(self) -> Response {
        let status = match &self {
            InboxError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            InboxError::BadRequest(_) => StatusCode::BAD_REQUEST,
            InboxError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            InboxError::Forbidden(_) => StatusCode::FORBIDDEN,
            InboxError::TooManyRequests(wait) => {
                return Error::TooManyRequests(*wait).into_response();
            }
        };
        (status, axum::Json(json!({ "error": self.to_string() }))).into_response()
    }
}
