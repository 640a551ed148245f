//! `POST /api/v1/apps`, `GET /api/v1/apps/verify_credentials`.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use crate::api::auth::Auth;
use crate::api::entities::app_to_api;
use crate::api::params::{Params, de};
use crate::app::App;
use crate::error::Error;
use crate::oauth::{self, scopes, store};

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/apps", post(create))
        .route("/api/v1/apps/verify_credentials", get(verify_credentials))
}

#[derive(Deserialize)]
struct CreateApp {
    #[serde(default, deserialize_with = "de::opt_string")]
    client_name: Option<String>,
    /// One URI, several separated by newlines, or a list.
    #[serde(default, deserialize_with = "de::string_list")]
    redirect_uris: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    scopes: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    website: Option<String>,
}

async fn create(
    State(app): State<App>,
    Params(p): Params<CreateApp>,
) -> Result<Json<Value>, Error> {
    let name = p
        .client_name
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Error::Validation("Name can't be blank".into()))?;
    if name.chars().count() > 60 {
        return Err(Error::Validation(
            "Name is too long (maximum is 60 characters)".into(),
        ));
    }
    let uris: Vec<String> = p
        .redirect_uris
        .iter()
        .flat_map(|u| u.lines())
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect();
    if uris.is_empty() {
        return Err(Error::Validation("Redirect URI can't be blank".into()));
    }
    if let Some(bad) = uris.iter().find(|u| !oauth::valid_redirect_uri(u)) {
        return Err(Error::Validation(format!(
            "Redirect URI must be an absolute URI: {bad}"
        )));
    }
    let scope_list =
        scopes::parse(p.scopes.as_deref().unwrap_or("read")).map_err(Error::Validation)?;
    let website = p
        .website
        .filter(|w| url::Url::parse(w).is_ok_and(|u| matches!(u.scheme(), "http" | "https")));
    let secret = oauth::new_secret();
    let row = store::AppRow {
        id: crate::ids::next_id(),
        name,
        website,
        redirect_uris: uris.join("\n"),
        scopes: scope_list.join(" "),
        client_id: oauth::new_secret(),
        client_secret_hash: oauth::hash(&secret),
        created_at: crate::time::now_ms(),
    };
    let mut conn = app.db.pool.acquire().await?;
    store::create_app(&mut conn, &row).await?;
    Ok(Json(app_to_api(&row, Some(&secret))))
}

async fn verify_credentials(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let row = store::app_by_id(&mut conn, auth.token.app_id)
        .await?
        .ok_or(Error::InvalidToken)?;
    Ok(Json(app_to_api(&row, None)))
}
