//! The admin API: `/api/v1/admin/accounts` (and v2), `/api/v1/admin/reports` and
//! `/api/v1/admin/domain_blocks`, for moderators and admins with `admin:*` scopes.

mod accounts;
mod domain_blocks;

pub use domain_blocks::public_block_to_api;
mod reports;

use axum::Router;
use serde_json::{Value, json};

use crate::api::auth::{Auth, CurrentUser};
use crate::api::entities::{Ctx, account_to_api, role_to_api};
use crate::app::App;
use crate::error::Error;
use crate::queries::accounts::{AccountRow, UserRow};
use crate::time::iso;

pub fn router() -> Router<App> {
    Router::new()
        .merge(accounts::router())
        .merge(reports::router())
        .merge(domain_blocks::router())
}

/// Who may do what, as Mastodon's default roles: moderators handle reports and accounts;
/// federation (domain blocks) is for admins.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    Moderator,
    Admin,
}

/// The token must grant `scope` and its user hold the role.
fn staff<'a>(auth: &'a Auth, scope: &str, needs: Needs) -> Result<&'a CurrentUser, Error> {
    let me = auth.require(scope)?;
    let allowed = match me.user.role.as_str() {
        "admin" => true,
        "moderator" => needs == Needs::Moderator,
        _ => false,
    };
    if allowed {
        Ok(me)
    } else {
        Err(Error::Forbidden("This action is not allowed".into()))
    }
}

/// Mastodon's Admin::Account. Remote accounts have no e-mail or locale: `null`, as
/// Mastodon answers (its OpenAPI description says strings).
fn admin_account_to_api(a: &AccountRow, u: Option<&UserRow>, ctx: &Ctx) -> Value {
    json!({
        "id": a.id.to_string(),
        "username": a.username,
        "domain": a.domain,
        "created_at": iso(a.created_at),
        "email": u.map(|u| u.email.as_str()),
        "ip": null,
        "ips": [],
        "locale": u.map(|u| u.locale.as_str()),
        "invite_request": null,
        "role": role_to_api(u.map_or("user", |u| u.role.as_str())),
        "confirmed": u.is_some_and(|u| u.confirmed != 0),
        "approved": u.is_none_or(|u| u.approved != 0),
        "disabled": u.is_some_and(|u| u.disabled != 0),
        "silenced": a.silenced != 0,
        "suspended": a.suspended != 0,
        "sensitized": false,
        "account": account_to_api(a, ctx),
        "created_by_application_id": null,
        "invited_by_account_id": null,
    })
}
