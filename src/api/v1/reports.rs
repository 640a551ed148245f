//! `POST /api/v1/reports`.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::auth::Auth;
use crate::api::entities::{Ctx, account_to_api};
use crate::api::id;
use crate::api::params::{Params, de};
use crate::app::App;
use crate::app::reports::NewReport;
use crate::error::Error;
use crate::queries::accounts as aq;

pub fn router() -> Router<App> {
    Router::new().route("/api/v1/reports", post(create))
}

#[derive(Deserialize)]
struct ReportParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "de::string_list")]
    status_ids: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    forward: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    category: Option<String>,
}

async fn create(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<ReportParams>,
) -> Result<Json<Value>, Error> {
    let me = auth.require("write:reports")?;
    let target = p
        .account_id
        .as_deref()
        .ok_or_else(|| Error::Validation("account_id can't be blank".into()))?;
    let status_ids = p
        .status_ids
        .iter()
        .map(|s| {
            crate::ids::parse(s).ok_or_else(|| {
                Error::Validation(format!("Status {s} is not one of the reported account's"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let category = p.category.unwrap_or_else(|| "other".into());
    let forward = p.forward.unwrap_or(false);
    let target_id = id(target)?;
    let report_id = app
        .file_report(
            me.id(),
            NewReport {
                target_account_id: target_id,
                status_ids: status_ids.clone(),
                comment: p.comment.unwrap_or_default(),
                category: category.clone(),
                forward,
            },
        )
        .await?;
    let mut conn = app.db.pool.acquire().await?;
    let target = aq::by_id(&mut conn, target_id)
        .await?
        .ok_or(Error::NotFound)?;
    let (comment, forwarded, created_at): (String, i64, i64) =
        sqlx::query_as("SELECT comment, forwarded, created_at FROM reports WHERE id = $1")
            .bind(report_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(Json(json!({
        "id": report_id.to_string(),
        "action_taken": false,
        "action_taken_at": null,
        "category": category,
        "comment": comment,
        "forwarded": forwarded != 0,
        "created_at": crate::time::iso(created_at),
        "status_ids": status_ids.iter().map(i64::to_string).collect::<Vec<_>>(),
        "rule_ids": [],
        "target_account": account_to_api(&target, &Ctx::new(&app.config)),
    })))
}
