//! `GET /health`: 200 when every dependency answers, 503 naming the one that does not.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::app::App;

pub fn router() -> Router<App> {
    Router::new().route("/health", get(health))
}

async fn health(State(app): State<App>) -> (StatusCode, Json<serde_json::Value>) {
    let database =
        match tokio::time::timeout(std::time::Duration::from_secs(3), app.db.ping()).await {
            Ok(Ok(())) => "ok",
            _ => "unavailable",
        };
    let kind = match app.db.kind {
        crate::db::Kind::Sqlite => "sqlite",
        crate::db::Kind::Postgres => "postgres",
    };
    let status = if database == "ok" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "status": if database == "ok" { "ok" } else { "unavailable" },
            "dependencies": { "database": { "kind": kind, "status": database } },
        })),
    )
}
