//! Settings pages of the signed-in person: profile, showcase, password, deleting the account.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use super::auth::CsrfOnly;
use super::form::Form;
use super::page::{self, PageError};
use super::session::{self, SignedIn, Visit};
use crate::api::UPLOAD_BODY_LIMIT;
use crate::api::entities::{Ctx, account_to_api};
use crate::api::params::WithFiles;
use crate::app::App;
use crate::app::accounts::fields_from;
use crate::app::media::{AVATAR_SIZE, HEADER_SIZE};
use crate::domain::account::ProfileChange;
use crate::domain::validate::FIELDS_MAX;
use crate::error::Error;
use crate::queries::Page;
use crate::queries::accounts::AccountRow;
use crate::queries::statuses::{self as sq, AccountStatusesFilter};

pub fn router() -> Router<App> {
    Router::new()
        .route(
            "/settings",
            get(|| async { page::see_other("/settings/profile", None) }),
        )
        .route(
            "/settings/profile",
            get(profile_page)
                .post(save_profile)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/settings/showcase", get(showcase_page))
        .route("/settings/showcase/{id}/{action}", post(change_showcase))
        .route(
            "/settings/password",
            get(password_page).post(change_password),
        )
        .route("/settings/delete", get(delete_page).post(delete_account))
        .route("/settings/deleted", get(deleted_page))
}

/// One of the settings pages (`settings_<section>.html`), with its notice or error.
pub(super) fn settings_page(
    app: &App,
    visit: &Visit,
    section: &str,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<&str>,
    ctx: minijinja::Value,
) -> Response {
    let base = minijinja::context! { section => section, notice => notice, error => error };
    let name = format!("settings_{section}.html");
    let html = super::render(app, visit, &name, minijinja::value::merge_maps([ctx, base]));
    page::private(visit, status, html)
}

#[derive(Deserialize, Default)]
struct Flash {
    #[serde(default)]
    saved: Option<String>,
}

async fn profile_context(app: &App, me: &AccountRow) -> Result<minijinja::Value, Error> {
    let api = account_to_api(me, &Ctx::new(&app.config));
    let headline = {
        let mut conn = app.db.pool.acquire().await?;
        crate::queries::accounts::headline(&mut conn, me.id).await?
    };
    let mut fields: Vec<Value> =
        serde_json::from_str::<Vec<crate::events::ProfileField>>(&me.fields)
            .unwrap_or_default()
            .into_iter()
            .map(|f| serde_json::json!({"name": f.name, "value": f.value}))
            .collect();
    // Always room for every field the profile may have.
    while fields.len() < FIELDS_MAX {
        fields.push(serde_json::json!({"name": "", "value": ""}));
    }
    Ok(minijinja::context! {
        profile => minijinja::context! {
            display_name => me.display_name,
            headline => headline,
            note => me.note,
            fields => fields,
            avatar => api["avatar"],
            locked => me.locked != 0,
            discoverable => me.discoverable != 0,
        },
    })
}

async fn profile_page(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    crate::api::params::Query(flash): crate::api::params::Query<Flash>,
) -> Result<Response, PageError> {
    let ctx = profile_context(&app, &me).await?;
    let notice = flash.saved.map(|_| "Your profile is saved.");
    Ok(settings_page(
        &app,
        &visit,
        "profile",
        StatusCode::OK,
        notice,
        None,
        ctx,
    ))
}

#[derive(Deserialize, Default)]
struct ProfileForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    headline: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    fields_attributes: Option<Value>,
    #[serde(default)]
    locked: Option<String>,
    #[serde(default)]
    discoverable: Option<String>,
}

/// A file input left empty still sends a part, with no bytes.
fn non_empty(file: Option<Vec<u8>>) -> Option<Vec<u8>> {
    file.filter(|b| !b.is_empty())
}

async fn save_profile(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    form: Result<WithFiles<ProfileForm>, Error>,
) -> Result<Response, PageError> {
    let mut form = form?;
    visit.check_csrf(&form.params.authenticity_token)?;
    let avatar = non_empty(form.take("avatar"));
    let header = non_empty(form.take("header"));
    let p = &form.params;
    let outcome = async {
        let fields = match &p.fields_attributes {
            Some(v) => Some(fields_from(v).map_err(Error::from)?),
            None => Some(vec![]),
        };
        let mut change = ProfileChange {
            display_name: Some(p.display_name.trim().to_string()),
            headline: Some(p.headline.trim().to_string()),
            fields,
            locked: Some(p.locked.as_deref() == Some("true")),
            discoverable: Some(p.discoverable.as_deref() == Some("true")),
            ..ProfileChange::default()
        };
        if let Some(bytes) = avatar {
            change.avatar_key = Some(
                app.store_profile_image(me.id, "avatar", bytes, AVATAR_SIZE)
                    .await?,
            );
        }
        if let Some(bytes) = header {
            change.header_key = Some(
                app.store_profile_image(me.id, "header", bytes, HEADER_SIZE)
                    .await?,
            );
        }
        app.update_profile(me.id, change, Some(p.note.clone()))
            .await
    }
    .await;
    match outcome {
        Ok(()) => Ok(page::see_other("/settings/profile?saved=1", None)),
        Err(e @ (Error::Validation(_) | Error::TooLarge(_) | Error::BadRequest(_))) => {
            let ctx = profile_context(&app, &me).await?;
            let message = page::form_error(&e);
            Ok(settings_page(
                &app,
                &visit,
                "profile",
                e.status_code(),
                None,
                Some(&message),
                ctx,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn showcase_page(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
) -> Result<Response, PageError> {
    showcase_view(&app, &visit, &me, StatusCode::OK, None).await
}

async fn showcase_view(
    app: &App,
    visit: &Visit,
    me: &AccountRow,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, PageError> {
    let mut conn = app.db.pool.acquire().await?;
    let showcase = sq::pinned_of(&mut conn, Some(me.id), me.id).await?;
    let filter = AccountStatusesFilter {
        exclude_replies: false,
        exclude_reblogs: true,
        only_media: false,
        tagged: None,
    };
    let recent = sq::of_account(
        &mut conn,
        Some(me.id),
        me.id,
        &filter,
        &Page {
            limit: 40,
            ..Page::default()
        },
    )
    .await?;
    drop(conn);
    let candidates: Vec<Value> = recent
        .iter()
        .filter(|v| {
            !v.pinned && matches!(v.row.visibility.as_str(), "public" | "unlisted" | "private")
        })
        .map(|v| super::status_value(app, v))
        .collect();
    let showcase: Vec<Value> = showcase
        .iter()
        .map(|v| super::status_value(app, v))
        .collect();
    let ctx = minijinja::context! {
        showcase => showcase,
        candidates => candidates,
        limit => app.config.showcase_limit,
    };
    Ok(settings_page(
        app, visit, "showcase", status, None, error, ctx,
    ))
}

async fn change_showcase(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    visit.check_csrf(&f.authenticity_token)?;
    let status_id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    let done = match action.as_str() {
        "add" => app.pin(me.id, status_id, true).await.map(|_| ()),
        "remove" => app.pin(me.id, status_id, false).await.map(|_| ()),
        "up" => app.move_in_showcase(me.id, status_id, true).await,
        "down" => app.move_in_showcase(me.id, status_id, false).await,
        _ => return Err(Error::NotFound.into()),
    };
    match done {
        Ok(()) => Ok(page::see_other("/settings/showcase", None)),
        Err(Error::Validation(m)) => {
            showcase_view(
                &app,
                &visit,
                &me,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&m),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn password_page(
    State(app): State<App>,
    SignedIn(visit, _me): SignedIn,
    crate::api::params::Query(flash): crate::api::params::Query<Flash>,
) -> Result<Response, PageError> {
    let notice = flash
        .saved
        .map(|_| "Your password is changed. Apps using your account must sign in again.");
    Ok(settings_page(
        &app,
        &visit,
        "password",
        StatusCode::OK,
        notice,
        None,
        minijinja::context! {},
    ))
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

async fn change_password(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    visit.check_csrf(&f.authenticity_token)?;
    let outcome = if f.password != f.password_confirmation {
        Err(Error::Validation(
            "The two new passwords are not the same".into(),
        ))
    } else {
        app.change_password(me.id, &f.current_password, &f.password)
            .await
    };
    match outcome {
        Ok(()) => {
            // Every session ended with the change; this browser stays signed in.
            let (cookie, _) = session::begin(&app, Some(me.id), &visit.user_agent).await?;
            Ok(page::see_other("/settings/password?saved=1", Some(&cookie)))
        }
        Err(Error::Validation(m)) => Ok(settings_page(
            &app,
            &visit,
            "password",
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(&m),
            minijinja::context! {},
        )),
        Err(e) => Err(e.into()),
    }
}

async fn delete_page(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
) -> Result<Response, PageError> {
    Ok(settings_page(
        &app,
        &visit,
        "delete",
        StatusCode::OK,
        None,
        None,
        minijinja::context! { acct => me.username },
    ))
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    password: String,
}

async fn delete_account(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    Form(f): Form<DeleteForm>,
) -> Result<Response, PageError> {
    visit.check_csrf(&f.authenticity_token)?;
    match app.delete_account(me.id, &f.password).await {
        Ok(()) => {
            // Every session ended with the account; this browser forgets its cookie.
            let cleared = session::cookie(&app, "", 0);
            Ok(page::see_other("/settings/deleted", Some(&cleared)))
        }
        Err(Error::Validation(m)) => Ok(settings_page(
            &app,
            &visit,
            "delete",
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(&m),
            minijinja::context! { acct => me.username },
        )),
        Err(e) => Err(e.into()),
    }
}

/// Where a deletion ends: anyone may read it, it says nothing of whom.
async fn deleted_page(State(app): State<App>, visit: Visit) -> Response {
    let html = super::render(
        &app,
        &visit,
        "message.html",
        minijinja::context! {
            title => "Your account is deleted",
            message => "Your profile and posts are gone from this server, and the servers that knew your account have been told. Your username stays reserved, so no one else can take it.",
        },
    );
    page::private(&visit, StatusCode::OK, html)
}
