//! Which remote servers are reachable. A server whose deliveries failed on 7 separate days
//! is marked unavailable and skipped; one successful delivery, or one signed request from
//! it, marks it available again (as Mastodon does).

use super::FedError;
use crate::app::App;
use crate::time;

/// Failing on this many distinct days makes a server unavailable.
pub const FAILURE_DAYS: usize = 7;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// What is recorded of a server: whether it is skipped, and whether a success has
/// failures to forget.
#[derive(Debug, Clone, Copy, Default)]
pub struct Health {
    pub unavailable: bool,
    pub failing: bool,
}

/// A server's record, read once per delivery. A server never recorded is healthy.
pub async fn of(app: &App, domain: &str) -> Result<Health, FedError> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT unavailable, CASE WHEN failure_days <> '[]' THEN 1 ELSE 0 END \
         FROM instance_health WHERE domain = $1",
    )
    .bind(domain)
    .fetch_optional(&app.db.pool)
    .await?;
    Ok(
        row.map_or(Health::default(), |(unavailable, failing)| Health {
            unavailable: unavailable == 1,
            failing: unavailable == 1 || failing == 1,
        }),
    )
}

/// Forget a server's failures (it delivered, or it spoke to us), if it has any: every
/// delivery and every signed inbound request comes here, and on SQLite an `UPDATE`, even
/// of no row, takes the write lock outside the writer's turn.
pub async fn mark_available(app: &App, domain: &str) -> Result<(), FedError> {
    if of(app, domain).await?.failing {
        forget_failures(app, domain).await?;
    }
    Ok(())
}

/// Clear a server's failures, for a caller that has just read its [`Health`].
pub async fn forget_failures(app: &App, domain: &str) -> Result<(), FedError> {
    sqlx::query(
        "UPDATE instance_health SET failure_days = '[]', unavailable = 0, last_success_at = $2 \
         WHERE domain = $1 AND (unavailable = 1 OR failure_days <> '[]')",
    )
    .bind(domain)
    .bind(time::now_ms())
    .execute(&app.db.pool)
    .await?;
    Ok(())
}

/// A signed request came from `domain`: it is up. Errors only cost the bookkeeping.
pub async fn signed_request_from(app: &App, domain: &str) {
    if let Err(e) = mark_available(app, domain).await {
        tracing::warn!(domain, error = %e, "could not record instance health");
    }
}

/// Record a failed delivery; returns whether the server is now unavailable.
pub async fn record_failure(app: &App, domain: &str) -> Result<bool, FedError> {
    let now = time::now_ms();
    let today = now / DAY_MS;
    let current: Option<(String,)> =
        sqlx::query_as("SELECT failure_days FROM instance_health WHERE domain = $1")
            .bind(domain)
            .fetch_optional(&app.db.pool)
            .await?;
    let mut days: Vec<i64> = current
        .and_then(|(d,)| serde_json::from_str(&d).ok())
        .unwrap_or_default();
    if !days.contains(&today) {
        days.push(today);
    }
    let unavailable = days.len() >= FAILURE_DAYS;
    let encoded = serde_json::to_string(&days).map_err(|e| FedError::Internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO instance_health (domain, failure_days, unavailable, last_failure_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (domain) DO UPDATE SET failure_days = $2, unavailable = $3, last_failure_at = $4",
    )
    .bind(domain)
    .bind(encoded)
    .bind(i64::from(unavailable))
    .bind(now)
    .execute(&app.db.pool)
    .await?;
    Ok(unavailable)
}

/// Every server currently marked unavailable.
pub async fn unavailable_domains(app: &App) -> Result<std::collections::HashSet<String>, FedError> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT domain FROM instance_health WHERE unavailable = 1")
            .fetch_all(&app.db.pool)
            .await?;
    Ok(rows.into_iter().map(|(d,)| d).collect())
}
