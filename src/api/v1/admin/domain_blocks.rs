//! `/api/v1/admin/domain_blocks`: instance-level blocks of other servers.

use axum::extract::{OriginalUri, Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Needs, staff};
use crate::api::auth::Auth;
use crate::api::id;
use crate::api::pagination::{PageParams, Paged};
use crate::api::params::{Params, Query, de};
use crate::app::App;
use crate::app::moderation::BlockRequest;
use crate::error::Error;
use crate::queries::domain_blocks::{self as q, BlockRow};
use crate::time::iso;

pub fn router() -> Router<App> {
    Router::new()
        .route("/api/v1/admin/domain_blocks", get(index).post(create))
        .route(
            "/api/v1/admin/domain_blocks/{id}",
            get(show).put(update).delete(remove),
        )
}

/// Mastodon's Admin::DomainBlock.
pub fn admin_block_to_api(b: &BlockRow) -> Value {
    json!({
        "id": b.id.to_string(),
        "domain": b.domain,
        "digest": digest(&b.domain),
        "created_at": iso(b.created_at),
        "severity": b.severity,
        "reject_media": b.reject_media != 0,
        "reject_reports": b.reject_reports != 0,
        "private_comment": b.private_comment,
        "public_comment": b.public_comment,
        "obfuscate": b.obfuscate != 0,
    })
}

/// The public DomainBlock of `/api/v1/instance/domain_blocks`: an obfuscated domain has
/// a third of its characters starred, as Mastodon does; the digest still identifies it.
pub fn public_block_to_api(b: &BlockRow) -> Value {
    let domain = if b.obfuscate != 0 {
        obfuscate(&b.domain)
    } else {
        b.domain.clone()
    };
    json!({
        "domain": domain,
        "digest": digest(&b.domain),
        "severity": b.severity,
        "comment": b.public_comment,
    })
}

fn digest(domain: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(domain.as_bytes()))
}

fn obfuscate(domain: &str) -> String {
    let chars: Vec<char> = domain.chars().collect();
    let n = chars.len();
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if *c != '.' && i >= n / 3 && i < n - n / 3 {
                '*'
            } else {
                *c
            }
        })
        .collect()
}

async fn index(
    State(app): State<App>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<PageParams>,
) -> Result<Paged, Error> {
    staff(&auth, "admin:read:domain_blocks", Needs::Admin)?;
    let mut conn = app.db.pool.acquire().await?;
    let rows = q::page(&mut conn, &p.page(100, 200)).await?;
    let cursors = rows.first().zip(rows.last()).map(|(a, b)| (a.id, b.id));
    Ok(Paged::new(
        rows.iter().map(admin_block_to_api).collect(),
        &app.config.base_url(),
        &uri,
        cursors,
    ))
}

async fn one(app: &App, block_id: i64) -> Result<Value, Error> {
    let mut conn = app.db.pool.acquire().await?;
    let row = q::by_id(&mut conn, block_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(admin_block_to_api(&row))
}

async fn show(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    staff(&auth, "admin:read:domain_blocks", Needs::Admin)?;
    Ok(Json(one(&app, id(&raw)?).await?))
}

#[derive(Deserialize)]
struct BlockParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    domain: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    severity: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    reject_media: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    reject_reports: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    private_comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_keep_empty")]
    public_comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    obfuscate: Option<bool>,
}

impl BlockParams {
    /// The request, with unsent settings taken from `base` (the block being changed).
    fn request(self, domain: String, base: Option<&BlockRow>) -> BlockRequest {
        let flag = |v: Option<bool>, old: Option<i64>| v.unwrap_or(old.is_some_and(|o| o != 0));
        BlockRequest {
            domain,
            severity: self
                .severity
                .or_else(|| base.map(|b| b.severity.clone()))
                .unwrap_or_else(|| "silence".into()),
            reject_media: flag(self.reject_media, base.map(|b| b.reject_media)),
            reject_reports: flag(self.reject_reports, base.map(|b| b.reject_reports)),
            private_comment: self
                .private_comment
                .or_else(|| base.and_then(|b| b.private_comment.clone())),
            public_comment: self
                .public_comment
                .or_else(|| base.and_then(|b| b.public_comment.clone())),
            obfuscate: flag(self.obfuscate, base.map(|b| b.obfuscate)),
        }
    }
}

async fn create(
    State(app): State<App>,
    auth: Auth,
    Params(p): Params<BlockParams>,
) -> Result<Json<Value>, Error> {
    let me = staff(&auth, "admin:write:domain_blocks", Needs::Admin)?;
    let domain = p
        .domain
        .clone()
        .ok_or_else(|| Error::Validation("Domain can't be blank".into()))?;
    let block_id = app
        .block_domain(me.id(), p.request(domain, None))
        .await
        // Mastodon answers a second block of a domain with a 422.
        .map_err(|e| match e {
            Error::Conflict(m) => Error::Validation(m),
            other => other,
        })?;
    Ok(Json(one(&app, block_id).await?))
}

async fn update(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
    Params(p): Params<BlockParams>,
) -> Result<Json<Value>, Error> {
    let me = staff(&auth, "admin:write:domain_blocks", Needs::Admin)?;
    let block_id = id(&raw)?;
    let existing = {
        let mut conn = app.db.pool.acquire().await?;
        q::by_id(&mut conn, block_id)
            .await?
            .ok_or(Error::NotFound)?
    };
    let request = p.request(existing.domain.clone(), Some(&existing));
    app.change_domain_block(me.id(), block_id, request).await?;
    Ok(Json(one(&app, block_id).await?))
}

async fn remove(
    State(app): State<App>,
    auth: Auth,
    Path(raw): Path<String>,
) -> Result<Json<Value>, Error> {
    let me = staff(&auth, "admin:write:domain_blocks", Needs::Admin)?;
    app.unblock_domain(me.id(), id(&raw)?).await?;
    Ok(Json(json!({})))
}

#[cfg(test)]
mod tests {
    use super::obfuscate;

    #[test]
    fn an_obfuscated_domain_keeps_its_ends_and_dots() {
        assert_eq!(obfuscate("spam.example"), "spam.***mple");
    }
}
