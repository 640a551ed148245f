//! `/api/v1/push/subscription`: the Web Push subscription of the calling token.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::api::auth::Auth;
use crate::api::params::{Params, de};
use crate::app::App;
use crate::app::push::NewSubscription;
use crate::domain::push::{ALERTS, Command};
use crate::error::Error;

pub fn router() -> Router<App> {
    Router::new().route(
        "/api/v1/push/subscription",
        get(show).post(create).put(update).delete(remove),
    )
}

#[derive(Deserialize, Default)]
struct Keys {
    #[serde(default, deserialize_with = "de::opt_string")]
    p256dh: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    auth: Option<String>,
}

#[derive(Deserialize, Default)]
struct Subscription {
    #[serde(default, deserialize_with = "de::opt_string")]
    endpoint: Option<String>,
    #[serde(default)]
    keys: Option<Keys>,
}

#[derive(Deserialize, Default)]
struct Data {
    #[serde(default)]
    alerts: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "de::opt_string")]
    policy: Option<String>,
}

#[derive(Deserialize)]
struct PushParams {
    #[serde(default)]
    subscription: Option<Subscription>,
    #[serde(default)]
    data: Option<Data>,
}

/// The alerts turned on, from `data[alerts][type]=true` (form) or booleans (JSON).
fn alerts_on(alerts: Option<&Map<String, Value>>) -> Vec<String> {
    let Some(alerts) = alerts else {
        return Vec::new();
    };
    alerts
        .iter()
        .filter(|(_, v)| match v {
            Value::Bool(b) => *b,
            Value::String(s) => {
                matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "t" | "on")
            }
            _ => false,
        })
        .map(|(k, _)| k.clone())
        .collect()
}

/// The calling token and its user; Web Push takes the `push` scope.
fn caller(auth: &Auth) -> Result<(i64, i64), Error> {
    let me = auth.require("push")?;
    Ok((auth.token.id, me.id()))
}

async fn entity(app: &App, token_id: i64) -> Result<Value, Error> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, endpoint, alerts, policy FROM push_subscriptions WHERE token_id = $1",
    )
    .bind(token_id)
    .fetch_optional(&app.db.pool)
    .await?;
    let (id, endpoint, alerts, policy) = row.ok_or(Error::NotFound)?;
    let on: Vec<String> = serde_json::from_str(&alerts).unwrap_or_default();
    let alerts: Map<String, Value> = ALERTS
        .iter()
        .map(|a| (a.to_string(), Value::Bool(on.iter().any(|o| o == a))))
        .collect();
    Ok(json!({
        "id": id.to_string(),
        "endpoint": endpoint,
        "standard": true,
        "alerts": alerts,
        "policy": policy,
        "server_key": app.vapid_key().await?.public_key(),
    }))
}

async fn show(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    let (token_id, _) = caller(&auth)?;
    Ok(Json(entity(&app, token_id).await?))
}

async fn create(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<PushParams>,
) -> Result<Json<Value>, Error> {
    let (token_id, account_id) = caller(&auth)?;
    let s = p.subscription.unwrap_or_default();
    let keys = s.keys.unwrap_or_default();
    let data = p.data.unwrap_or_default();
    let blank = |what: &str| Error::Validation(format!("{what} can't be blank"));
    app.subscribe_push(
        token_id,
        account_id,
        NewSubscription {
            endpoint: s.endpoint.ok_or_else(|| blank("Endpoint"))?,
            p256dh: keys.p256dh.ok_or_else(|| blank("Keys p256dh"))?,
            auth: keys.auth.ok_or_else(|| blank("Keys auth"))?,
            alerts: alerts_on(data.alerts.as_ref()),
            policy: data.policy.unwrap_or_else(|| "all".into()),
        },
    )
    .await?;
    Ok(Json(entity(&app, token_id).await?))
}

async fn update(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<PushParams>,
) -> Result<Json<Value>, Error> {
    let (token_id, account_id) = caller(&auth)?;
    let current = entity(&app, token_id).await?;
    let data = p.data.unwrap_or_default();
    // Unsent settings stay as they were.
    let alerts = match data.alerts {
        Some(a) => alerts_on(Some(&a)),
        None => alerts_on(current["alerts"].as_object()),
    };
    let policy = data
        .policy
        .or_else(|| current["policy"].as_str().map(str::to_string))
        .unwrap_or_else(|| "all".into());
    app.push_command(token_id, account_id, Command::Change { alerts, policy })
        .await?;
    Ok(Json(entity(&app, token_id).await?))
}

async fn remove(State(app): State<App>, auth: Auth) -> Result<Json<Value>, Error> {
    let (token_id, account_id) = caller(&auth)?;
    app.push_command(token_id, account_id, Command::Remove)
        .await?;
    Ok(Json(json!({})))
}
