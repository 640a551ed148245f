//! A small web client for the signed-in person: the home timeline with a composer, and
//! the buttons on posts and profiles (favourite, boost, follow). Each button is a form.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::REFERER;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;

use super::auth::CsrfOnly;
use super::form::Form;
use super::page::{self, PageError};
use super::session::{SignedIn, Visit};
use crate::api::UPLOAD_BODY_LIMIT;
use crate::api::params::{Query, WithFiles};
use crate::app::App;
use crate::app::media::{Upload, When};
use crate::app::statuses::NewStatus;
use crate::error::Error;
use crate::queries::accounts::AccountRow;
use crate::queries::statuses as sq;

pub fn router() -> Router<App> {
    Router::new()
        .route("/home", get(home))
        .route("/notifications", get(notifications))
        .route(
            "/web/statuses",
            post(compose).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/", get(root))
        .route("/web/statuses/{id}/{action}", post(act_on_status))
        .route("/web/accounts/{id}/{action}", post(act_on_account))
}

/// The front door: one's home timeline, or the sign-in page.
async fn root(visit: Visit) -> Response {
    page::see_other(
        if visit.me.is_some() {
            "/home"
        } else {
            "/auth/sign_in"
        },
        None,
    )
}

#[derive(Deserialize, Default)]
struct HomeParams {
    #[serde(default)]
    max_id: Option<String>,
    #[serde(default)]
    in_reply_to: Option<String>,
    #[serde(default)]
    posted: Option<String>,
}

async fn home(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    Query(p): Query<HomeParams>,
) -> Result<Response, PageError> {
    home_view(&app, &visit, &me, &p, StatusCode::OK, None).await
}

async fn home_view(
    app: &App,
    visit: &Visit,
    me: &AccountRow,
    p: &HomeParams,
    status: StatusCode,
    error: Option<&str>,
) -> Result<Response, PageError> {
    let page = super::page_before(p.max_id.as_deref());
    let mut conn = app.db.pool.acquire().await?;
    let views = sq::home(&mut conn, me.id, &page).await?;
    let reply_to = match p.in_reply_to.as_deref().and_then(|v| v.parse::<i64>().ok()) {
        Some(id) => sq::visible(&mut conn, Some(me.id), id)
            .await?
            .map(|v| super::status_value(app, &v)),
        None => None,
    };
    drop(conn);
    let next_page = super::next_page(views.len(), views.last().map(|v| v.row.id), "/home");
    let posts: Vec<Value> = views.iter().map(|v| super::status_value(app, v)).collect();
    let html = super::render(
        app,
        visit,
        "home.html",
        minijinja::context! {
            posts => posts,
            next_page => next_page,
            reply_to => reply_to,
            max_chars => app.config.max_status_chars,
            notice => p.posted.as_ref().map(|_| "Posted."),
            error => error,
        },
    );
    Ok(page::private(visit, status, html))
}

#[derive(Deserialize, Default)]
struct PageParams {
    #[serde(default)]
    max_id: Option<String>,
}

/// What each kind of notification says after its sender's name.
fn notification_label(kind: &str) -> &'static str {
    match kind {
        "mention" => "mentioned you",
        "follow" => "followed you",
        "follow_request" => "asked to follow you",
        "favourite" => "favourited your post",
        "reblog" => "boosted your post",
        "poll" => "ran a poll that has ended",
        "status" => "posted",
        "update" => "edited a post",
        _ => "did something",
    }
}

async fn notifications(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    Query(p): Query<PageParams>,
) -> Result<Response, PageError> {
    let page = super::page_before(p.max_id.as_deref());
    let mut conn = app.db.pool.acquire().await?;
    let filter = crate::queries::notifications::Filter::default();
    let views = crate::queries::notifications::list(&mut conn, me.id, &filter, &page).await?;
    drop(conn);
    let next_page = super::next_page(
        views.len(),
        views.last().map(|n| n.row.id),
        "/notifications",
    );
    let items: Vec<Value> = views
        .iter()
        .map(|n| {
            serde_json::json!({
                "label": notification_label(&n.row.kind),
                "account": super::account_value(&app, &n.from),
                "status": n.status.as_ref().map(|s| super::status_value(&app, s)),
                "created_at": crate::time::iso(n.row.created_at),
            })
        })
        .collect();
    let html = super::render(
        &app,
        &visit,
        "notifications.html",
        minijinja::context! { notifications => items, next_page => next_page },
    );
    Ok(page::private(&visit, StatusCode::OK, html))
}

#[derive(Deserialize, Default)]
struct ComposeForm {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    spoiler_text: String,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    in_reply_to_id: Option<String>,
}

async fn compose(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    form: Result<WithFiles<ComposeForm>, Error>,
) -> Result<Response, PageError> {
    let mut form = form?;
    visit.check_csrf(&form.params.authenticity_token)?;
    let image = form.take("media").filter(|b| !b.is_empty());
    let p = form.params;
    let posted = async {
        let mut media_ids = vec![];
        if let Some(bytes) = image {
            let description = Some(p.description.trim().to_string()).filter(|d| !d.is_empty());
            let upload = Upload {
                bytes,
                description,
                focus: None,
            };
            media_ids.push(app.upload_media(me.id, upload, When::Now).await?);
        }
        let in_reply_to_id = match p.in_reply_to_id.as_deref().filter(|v| !v.is_empty()) {
            Some(v) => Some(v.parse::<i64>().map_err(|_| Error::NotFound)?),
            None => None,
        };
        app.post_status(
            &me,
            NewStatus {
                text: p.status.clone(),
                spoiler_text: p.spoiler_text.trim().to_string(),
                visibility: p.visibility.clone().unwrap_or_else(|| "public".into()),
                sensitive: !p.spoiler_text.trim().is_empty(),
                language: None,
                in_reply_to_id,
                application: None,
                idempotency_key: None,
                media_ids,
                poll: None,
            },
        )
        .await
    }
    .await;
    match posted {
        Ok(_) => Ok(page::see_other("/home?posted=1", None)),
        Err(e @ (Error::Validation(_) | Error::TooLarge(_) | Error::BadRequest(_))) => {
            home_view(
                &app,
                &visit,
                &me,
                &HomeParams::default(),
                e.status_code(),
                Some(&page::form_error(&e)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Back where the button was pressed, when that was one of our pages.
fn back(app: &App, headers: &HeaderMap, fallback: &str) -> Response {
    let base = app.config.base_url();
    let to = headers
        .get(REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.strip_prefix(&base))
        .filter(|path| path.starts_with('/') && !path.starts_with("//"))
        .unwrap_or(fallback)
        .to_string();
    page::see_other(&to, None)
}

async fn act_on_status(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    visit.check_csrf(&f.authenticity_token)?;
    let status_id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    match action.as_str() {
        "favourite" => app.favourite(me.id, status_id, true).await?,
        "unfavourite" => app.favourite(me.id, status_id, false).await?,
        "reblog" => app.reblog(me.id, status_id, true, None).await?,
        "unreblog" => app.reblog(me.id, status_id, false, None).await?,
        _ => return Err(Error::NotFound.into()),
    };
    Ok(back(&app, &headers, "/home"))
}

async fn act_on_account(
    State(app): State<App>,
    SignedIn(visit, me): SignedIn,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    visit.check_csrf(&f.authenticity_token)?;
    let target: i64 = id.parse().map_err(|_| Error::NotFound)?;
    app.visible_account(target).await?;
    match action.as_str() {
        "follow" => app.follow(me.id, target).await?,
        "unfollow" => app.unfollow(me.id, target).await?,
        _ => return Err(Error::NotFound.into()),
    }
    Ok(back(&app, &headers, "/home"))
}
