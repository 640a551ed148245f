//! Settings: the apps signed in to one's account, and revoking them.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::json;

use super::auth::CsrfOnly;
use super::form::Form;
use super::page::{self, PageError};
use super::session::SignedIn;
use super::settings::settings_page;
use crate::app::App;
use crate::error::Error;
use crate::oauth::store;
use crate::time::iso;

pub fn router() -> Router<App> {
    Router::new()
        .route("/settings/apps", get(apps_page))
        .route("/settings/apps/{id}/revoke", post(revoke))
}

async fn apps_page(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    crate::api::params::Query(flash): crate::api::params::Query<Flash>,
) -> Result<Response, PageError> {
    let mut conn = app.db.pool.acquire().await?;
    let grants = store::grants(&mut conn, me.id).await?;
    drop(conn);
    // One line per app: its widest scopes and its first sign-in.
    let mut by_app: BTreeMap<i64, (store::GrantRow, Vec<String>)> = BTreeMap::new();
    for g in grants {
        let entry = by_app
            .entry(g.app_id)
            .or_insert_with(|| (g.clone(), Vec::new()));
        for scope in g.scopes.split_whitespace() {
            if !entry.1.iter().any(|s| s == scope) {
                entry.1.push(scope.to_string());
            }
        }
        entry.0.created_at = entry.0.created_at.min(g.created_at);
    }
    let mut apps: Vec<_> = by_app.into_values().collect();
    apps.sort_by_key(|(g, _)| std::cmp::Reverse(g.created_at));
    let apps: Vec<_> = apps
        .into_iter()
        .map(|(g, scopes)| {
            json!({
                "id": g.app_id.to_string(),
                "name": g.name,
                "website": g.website.filter(|w| w.starts_with("https://") || w.starts_with("http://")),
                "scopes": scopes.join(" "),
                "since": iso(g.created_at),
            })
        })
        .collect();
    let notice = flash.revoked.map(|_| "The app is signed out.");
    Ok(settings_page(
        &app,
        &visit,
        "apps",
        StatusCode::OK,
        notice,
        None,
        minijinja::context! { apps => apps },
    ))
}

#[derive(serde::Deserialize, Default)]
struct Flash {
    #[serde(default)]
    revoked: Option<String>,
}

async fn revoke(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    visit.check_csrf(&f.authenticity_token)?;
    let app_id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    let mut conn = app.db.pool.acquire().await?;
    let revoked = store::revoke_app(&mut conn, me.id, app_id).await?;
    drop(conn);
    if revoked.is_empty() {
        return Err(Error::NotFound.into());
    }
    for token_id in revoked {
        // Its streams in this process end now; other processes notice at their next check.
        app.streaming.hub.disconnect_token(token_id);
    }
    Ok(page::see_other("/settings/apps?revoked=1", None))
}
