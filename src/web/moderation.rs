//! Moderators' pages: reports with the actions on the reported account (suspend, silence,
//! disable, and undoing them; each resolves the report), and blocked servers.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::form::Form;
use super::page::{self, PageError};
use super::session::{Staff, Visit};
use crate::api::params::Query;
use crate::app::App;
use crate::app::moderation::{AccountAction, BlockRequest};
use crate::domain::account::Command;
use crate::error::Error;
use crate::queries::Page;
use crate::queries::accounts as aq;
use crate::queries::admin::{self, ReportFilter};
use crate::queries::domain_blocks;
use crate::queries::statuses as sq;

pub fn router() -> Router<App> {
    Router::new()
        .route(
            "/admin",
            get(|| async { page::see_other("/admin/reports", None) }),
        )
        .route("/admin/reports", get(reports))
        .route("/admin/accounts/{id}/{action}", post(act))
        .route("/admin/domain_blocks", get(blocks).post(block))
        .route("/admin/domain_blocks/{id}/remove", post(unblock))
}

fn admin_page(
    app: &App,
    visit: &Visit,
    name: &str,
    section: &str,
    status: StatusCode,
    error: Option<&str>,
    ctx: minijinja::Value,
) -> Response {
    let base = minijinja::context! { section => section, error => error };
    let html = super::render(app, visit, name, minijinja::value::merge_maps([ctx, base]));
    page::private(visit, status, html)
}

#[derive(Deserialize, Default)]
struct ReportParams {
    #[serde(default)]
    resolved: Option<String>,
}

/// The buttons a report offers, by the reported account's standing.
fn actions(suspended: bool, silenced: bool, resolved: bool) -> Vec<Value> {
    let mut out = Vec::new();
    if suspended {
        out.push(json!({"action": "unsuspend", "label": "Lift the suspension"}));
    } else {
        out.push(json!({"action": "suspend", "label": "Suspend", "danger": true}));
        if silenced {
            out.push(json!({"action": "unsilence", "label": "Lift the limit"}));
        } else {
            out.push(json!({"action": "silence", "label": "Limit (silence)"}));
        }
    }
    if !resolved {
        out.push(json!({"action": "resolve", "label": "Resolve without action"}));
    }
    out
}

async fn reports(
    State(app): State<App>,
    Staff(visit, me): Staff,
    Query(p): Query<ReportParams>,
) -> Result<Response, PageError> {
    let resolved = p.resolved.is_some();
    let filter = ReportFilter {
        resolved,
        ..ReportFilter::default()
    };
    let mut conn = app.db.pool.acquire().await?;
    let rows = admin::reports(
        &mut conn,
        &filter,
        &Page {
            limit: 100,
            ..Page::default()
        },
    )
    .await?;
    let ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| [r.account_id, r.target_account_id])
        .collect();
    let accounts = aq::by_ids(&mut conn, &ids).await?;
    let mut reports = Vec::new();
    for r in &rows {
        let (Some(reporter), Some(target)) = (
            accounts.get(&r.account_id),
            accounts.get(&r.target_account_id),
        ) else {
            continue;
        };
        let statuses = sq::visible_by_ids(&mut conn, Some(me.id), &r.status_ids()).await?;
        let full = |a: &aq::AccountRow| {
            json!({
                "id": a.id.to_string(),
                "acct": format!("{}@{}", a.username, a.domain.as_deref().unwrap_or(&app.config.domain)),
                "url": a.url,
                "suspended": a.suspended != 0,
                "silenced": a.silenced != 0,
            })
        };
        reports.push(json!({
            "id": r.id.to_string(),
            "reporter": full(reporter),
            "target": full(target),
            "comment": r.comment,
            "category": r.category,
            "forwarded": r.forwarded != 0,
            "resolved": r.action_taken_at.is_some(),
            "created_at": crate::time::iso(r.created_at),
            "statuses": statuses.values().map(|v| super::status_value(&app, v)).collect::<Vec<_>>(),
            "actions": actions(target.suspended != 0, target.silenced != 0, r.action_taken_at.is_some()),
        }));
    }
    drop(conn);
    let section = if resolved { "resolved" } else { "reports" };
    Ok(admin_page(
        &app,
        &visit,
        "admin_reports.html",
        section,
        StatusCode::OK,
        None,
        minijinja::context! { reports => reports },
    ))
}

#[derive(Deserialize, Default)]
struct ActForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    report_id: Option<String>,
}

async fn act(
    State(app): State<App>,
    Staff(visit, me): Staff,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<ActForm>,
) -> Result<Response, PageError> {
    visit.check_csrf(&f.authenticity_token)?;
    let account_id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    {
        // Suspended accounts too: they are the ones a suspension is lifted from.
        let mut conn = app.db.pool.acquire().await?;
        aq::by_id(&mut conn, account_id)
            .await?
            .ok_or(Error::NotFound)?;
    }
    let report_id = match f.report_id.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => Some(v.parse::<i64>().map_err(|_| Error::NotFound)?),
        None => None,
    };
    let undo = match action.as_str() {
        "unsuspend" => Some(Command::Unsuspend),
        "unsilence" => Some(Command::Unsilence),
        _ => None,
    };
    let done = match undo {
        Some(command) => match app.moderate_as(me.id, account_id, command).await {
            Ok(()) => match report_id {
                Some(r) => {
                    app.act_on_account(me.id, account_id, AccountAction::None, Some(r))
                        .await
                }
                None => Ok(()),
            },
            Err(e) => Err(e),
        },
        None => {
            let kind = match action.as_str() {
                "resolve" => AccountAction::None,
                "suspend" => AccountAction::Suspend,
                "silence" => AccountAction::Silence,
                "disable" => AccountAction::Disable,
                _ => return Err(Error::NotFound.into()),
            };
            app.act_on_account(me.id, account_id, kind, report_id).await
        }
    };
    done?;
    Ok(page::see_other("/admin/reports", None))
}

async fn blocks_view(
    app: &App,
    visit: &Visit,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, PageError> {
    let mut conn = app.db.pool.acquire().await?;
    let rows = domain_blocks::all(&mut conn).await?;
    drop(conn);
    let blocks: Vec<Value> = rows
        .iter()
        .map(|b| {
            json!({
                "id": b.id.to_string(),
                "domain": b.domain,
                "severity": b.severity,
                "reject_media": b.reject_media != 0,
                "reject_reports": b.reject_reports != 0,
                "public_comment": b.public_comment,
            })
        })
        .collect();
    Ok(admin_page(
        app,
        visit,
        "admin_domain_blocks.html",
        "domains",
        status,
        error,
        minijinja::context! { blocks => blocks },
    ))
}

async fn blocks(State(app): State<App>, Staff(visit, _me): Staff) -> Result<Response, PageError> {
    blocks_view(&app, &visit, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
struct BlockForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    reject_media: Option<String>,
    #[serde(default)]
    reject_reports: Option<String>,
    #[serde(default)]
    public_comment: String,
    #[serde(default)]
    private_comment: String,
}

async fn block(
    State(app): State<App>,
    Staff(visit, me): Staff,
    Form(f): Form<BlockForm>,
) -> Result<Response, PageError> {
    visit.check_csrf(&f.authenticity_token)?;
    let comment = |c: &str| Some(c.trim().to_string()).filter(|c| !c.is_empty());
    let request = BlockRequest {
        domain: f.domain.trim().to_string(),
        severity: f.severity.clone(),
        reject_media: f.reject_media.as_deref() == Some("true"),
        reject_reports: f.reject_reports.as_deref() == Some("true"),
        private_comment: comment(&f.private_comment),
        public_comment: comment(&f.public_comment),
        obfuscate: false,
    };
    match app.block_domain(me.id, request).await {
        Ok(_) => Ok(page::see_other("/admin/domain_blocks", None)),
        Err(Error::Validation(m) | Error::Conflict(m)) => {
            blocks_view(&app, &visit, StatusCode::UNPROCESSABLE_ENTITY, Some(&m)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn unblock(
    State(app): State<App>,
    Staff(visit, me): Staff,
    Path(id): Path<String>,
    Form(f): Form<super::auth::CsrfOnly>,
) -> Result<Response, PageError> {
    visit.check_csrf(&f.authenticity_token)?;
    let block_id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    app.unblock_domain(me.id, block_id).await?;
    Ok(page::see_other("/admin/domain_blocks", None))
}
