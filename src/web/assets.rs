//! The static files of `frontend/static`, embedded in the binary. Pages link them with
//! `?v=<hash of the contents>`, so they can be cached for a year.

use std::sync::LazyLock;

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::IntoResponse;
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::app::App;

static CSS: &str = include_str!("../../frontend/static/tessera.css");

/// Changes whenever an asset does.
pub static VERSION: LazyLock<String> =
    LazyLock::new(|| hex::encode(Sha256::digest(CSS.as_bytes()))[..12].to_string());

pub fn router() -> Router<App> {
    Router::new().route("/static/tessera.css", get(stylesheet))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        CSS,
    )
}
