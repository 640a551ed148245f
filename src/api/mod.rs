//! The HTTP surface: the Mastodon client API, OAuth, discovery and health. Handlers are
//! short: extract, call one use case or query, convert with [`entities`].

pub mod activitypub;
pub mod auth;
pub mod email;
pub mod entities;
pub mod health;
pub mod inbox;
pub mod oauth;
pub mod pagination;
pub mod params;
pub mod ratelimit;
pub mod streaming;
pub mod v1;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::app::App;
use crate::error::Error;

/// Larger bodies are refused before any work.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// Bodies with files: the largest image, and room for the form around it.
pub const UPLOAD_BODY_LIMIT: usize = crate::media::process::MAX_IMAGE_BYTES + 64 * 1024;

pub fn router(app: App) -> Router {
    Router::new()
        .merge(v1::router())
        .merge(oauth::router())
        .merge(email::router())
        .merge(health::router())
        .merge(streaming::router())
        .merge(activitypub::router())
        .merge(crate::web::router())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(|req, next| {
            params::read_whole_body(BODY_LIMIT, req, next)
        }))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .merge(v1::upload_router().layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .merge(inbox::router())
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            ratelimit::throttle,
        ))
        .layer(axum::middleware::from_fn(
            params::refuse_control_characters_in_path,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(app)
}

async fn not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({ "error": "Record not found" })),
    )
}

/// Path ids that are not numbers are simply records that do not exist.
pub fn id(raw: &str) -> Result<i64, Error> {
    crate::ids::parse(raw).ok_or(Error::NotFound)
}
