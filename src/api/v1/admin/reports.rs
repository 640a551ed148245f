//! `/api/v1/admin/reports`: the moderators' queue of reports.

use std::collections::HashMap;

use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Needs, admin_account_to_api, staff};
use crate::api::auth::Auth;
use crate::api::entities::{Ctx, status_to_api};
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{Query, de};
use crate::app::App;
use crate::db::Conn;
use crate::domain::report::Command;
use crate::error::Error;
use crate::queries::accounts as aq;
use crate::queries::admin::{self as q, ReportFilter, ReportRow};
use crate::queries::statuses as sq;
use crate::time::{self, iso};

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/admin/reports", get(index))
        .route("/api/v1/admin/reports/{id}", get(show))
        .route("/api/v1/admin/reports/{id}/assign_to_self", post(assign))
        .route("/api/v1/admin/reports/{id}/unassign", post(unassign))
        .route("/api/v1/admin/reports/{id}/resolve", post(resolve))
        .route("/api/v1/admin/reports/{id}/reopen", post(reopen))
}

#[derive(Deserialize)]
struct IndexParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "de::opt_bool")]
    resolved: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    target_account_id: Option<String>,
}

async fn index(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<IndexParams>,
) -> Result<Paged, Error> {
    staff(&auth, "admin:read:reports", Needs::Moderator)?;
    // An id that names nothing finds nothing (rather than everything).
    let account = |s: &Option<String>| s.as_deref().map(|v| crate::ids::parse(v).unwrap_or(-1));
    let filter = ReportFilter {
        resolved: p.resolved.unwrap_or(false),
        account_id: account(&p.account_id),
        target_account_id: account(&p.target_account_id),
    };
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::reports(&mut conn, &filter, &p.page.page(100, 200)).await?;
    let cursors = rows.first().zip(rows.last()).map(|(a, b)| (a.id, b.id));
    let items = to_api(&app, &mut conn, &rows).await?;
    Ok(Paged::new(items, &app.config.base_url(), &uri, cursors))
}

/// Admin::Report entities, with their accounts and statuses looked up once for the page.
async fn to_api(app: &App, conn: &mut Conn, rows: &[ReportRow]) -> Result<Vec<Value>, Error> {
    let mut account_ids: Vec<i64> = rows.iter().flat_map(ReportRow::account_ids).collect();
    account_ids.sort_unstable();
    account_ids.dedup();
    let accounts = aq::by_ids(conn, &account_ids).await?;
    let accounts: HashMap<i64, Value> = q::with_users(conn, accounts.into_values().collect())
        .await?
        .into_iter()
        .map(|(a, u)| {
            (
                a.id,
                admin_account_to_api(&a, u.as_ref(), &Ctx::new(&app.config)),
            )
        })
        .collect();
    let ctx = Ctx::new(&app.config);
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        // Moderators see the reported statuses whatever their visibility.
        let mut statuses = Vec::new();
        for sid in r.status_ids() {
            if let Some(row) = sq::row_any(conn, sid).await? {
                statuses.extend(sq::hydrate(conn, None, vec![row]).await?);
            }
        }
        let account = |id: Option<i64>| {
            id.and_then(|id| accounts.get(&id).cloned())
                .unwrap_or(Value::Null)
        };
        out.push(json!({
            "id": r.id.to_string(),
            "action_taken": r.action_taken_at.is_some(),
            "action_taken_at": r.action_taken_at.map(iso),
            "category": r.category,
            "comment": r.comment,
            "forwarded": r.forwarded != 0,
            "created_at": iso(r.created_at),
            "updated_at": iso(r.updated_at.max(r.created_at)),
            "account": account(Some(r.account_id)),
            "target_account": account(Some(r.target_account_id)),
            "assigned_account": account(r.assigned_account_id),
            "action_taken_by_account": account(r.action_taken_by_account_id),
            "statuses": statuses.iter().map(|s| status_to_api(s, &ctx)).collect::<Vec<_>>(),
            "rules": [],
        }));
    }
    Ok(out)
}

async fn one(app: &App, report_id: i64) -> Result<Value, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let row = q::report(&mut conn, report_id)
        .await?
        .ok_or(Error::NotFound)?;
    to_api(app, &mut conn, &[row])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

async fn show(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    staff(&auth, "admin:read:reports", Needs::Moderator)?;
    Ok(Json(one(&app, id(&raw)?).await?))
}

/// Every state change answers the report as it now is.
async fn change(
    app: &App,
    auth: &Auth,
    raw: &str,
    command: impl FnOnce(i64, i64) -> Command,
) -> Result<Json<Value>, Error> {
    let me = staff(auth, "admin:write:reports", Needs::Moderator)?;
    let report_id = id(raw)?;
    app.report_command(me.id(), report_id, command(me.id(), time::now_ms()))
        .await?;
    Ok(Json(one(app, report_id).await?))
}

async fn assign(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    change(&app, &auth, &raw, |me, at| Command::Assign {
        to: Some(me),
        at,
    })
    .await
}

async fn unassign(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    change(&app, &auth, &raw, |_, at| Command::Assign { to: None, at }).await
}

async fn resolve(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    change(&app, &auth, &raw, |by, at| Command::Resolve { by, at }).await
}

async fn reopen(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    change(&app, &auth, &raw, |by, at| Command::Reopen { by, at }).await
}
