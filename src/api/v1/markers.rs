//! `/api/v1/markers`: where the account stopped reading its home and notifications
//! timelines, so another app can carry on from there.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::auth::Auth;
use crate::api::params::{Params, Query, de};
use crate::app::App;
use crate::domain::marker::TIMELINES;
use crate::error::Error;
use crate::time;

pub fn router() -> Router<App> {
    Router::new().route("/api/v1/markers", get(show).post(save))
}

#[derive(Deserialize)]
struct ShowParams {
    #[serde(default, deserialize_with = "de::string_list")]
    timeline: Vec<String>,
}

async fn show(
    State(app): State<App>,
    auth: Auth,
    Query(p): Query<ShowParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("read:statuses")?;
    Ok(Json(markers(&app, me.id(), &p.timeline).await?))
}

#[derive(Deserialize)]
struct Position {
    #[serde(default, deserialize_with = "de::opt_string")]
    last_read_id: Option<String>,
}

#[derive(Deserialize)]
struct SaveParams {
    home: Option<Position>,
    notifications: Option<Position>,
}

async fn save(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<SaveParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:statuses")?;
    let given = [("home", p.home), ("notifications", p.notifications)];
    let mut saved = Vec::new();
    for (timeline, position) in given {
        let Some(position) = position else { continue };
        let id = position
            .last_read_id
            .ok_or_else(|| Error::Validation(format!("{timeline}[last_read_id] is missing")))?;
        saved.push((timeline, id));
    }
    if saved.is_empty() {
        return Err(Error::Validation(
            "Give home[last_read_id] or notifications[last_read_id]".into(),
        ));
    }
    for (timeline, id) in &saved {
        app.save_marker(me.id(), timeline, id).await?;
    }
    let names: Vec<String> = saved.iter().map(|(t, _)| t.to_string()).collect();
    Ok(Json(markers(&app, me.id(), &names).await?))
}

/// The markers of `timelines` that have been set, keyed by timeline.
async fn markers(app: &App, account_id: i64, timelines: &[String]) -> Result<Value, Error> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT timeline, last_read_id, version, updated_at FROM markers WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_all(&app.db.pool)
    .await?;
    let mut out = Map::new();
    for (timeline, last_read_id, version, updated_at) in rows {
        if TIMELINES.contains(&timeline.as_str()) && timelines.contains(&timeline) {
            out.insert(
                timeline,
                json!({
                    "last_read_id": last_read_id,
                    "version": version,
                    "updated_at": time::iso(updated_at),
                }),
            );
        }
    }
    Ok(Value::Object(out))
}
