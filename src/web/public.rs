//! Pages about the server and its public posts: `/about`, `/explore` (local public posts)
//! and `/tags/:name` (public posts with the hashtag, here and from elsewhere).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;

use super::page::{self, PageError};
use super::session::Visit;
use crate::api::params::Query;
use crate::app::App;
use crate::app::tags::normalise_tag;
use crate::config::Registrations;
use crate::error::Error;
use crate::queries::statuses::{self as sq, PublicFilter};

pub fn router() -> Router<App> {
    Router::new()
        .route("/about", get(about))
        .route("/explore", get(explore))
        .route("/tags/{name}", get(tag))
}

async fn about(
    State(app): State<App>,
    visit: Visit,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (users, statuses) = crate::api::v1::instance::counts(&app).await?;
    let registrations = match app.config.registrations {
        Registrations::Open => "open",
        Registrations::Approval => "approval",
        Registrations::Closed => "closed",
    };
    let html = super::render(
        &app,
        &visit,
        "about.html",
        minijinja::context! {
            users => users,
            statuses => statuses,
            registrations => registrations,
            confirmation => app.config.email_confirmation,
            contact => app.config.contact_email,
            rules => Vec::<String>::new(),
            version => env!("CARGO_PKG_VERSION"),
        },
    );
    Ok(page::public(&visit, &headers, html, None))
}

#[derive(Deserialize, Default)]
struct PageParams {
    #[serde(default)]
    max_id: Option<String>,
}

async fn explore(
    State(app): State<App>,
    visit: Visit,
    headers: HeaderMap,
    Query(p): Query<PageParams>,
) -> Result<Response, PageError> {
    let filter = PublicFilter {
        local: true,
        remote: false,
        only_media: false,
        tag: None,
    };
    let listing = Listing {
        heading: "Explore".into(),
        intro: format!(
            "The latest public posts by people on {}.",
            app.config.domain
        ),
        path: "/explore".into(),
        feed: None,
    };
    timeline(&app, &visit, &headers, &filter, &p, &listing).await
}

async fn tag(
    State(app): State<App>,
    visit: Visit,
    headers: HeaderMap,
    Path(raw): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Response, PageError> {
    if let Some(name) = raw.strip_suffix(".rss") {
        let name = normalise_tag(name).map_err(|_| Error::NotFound)?;
        return super::feeds::tag(&app, &headers, &name).await;
    }
    let name = normalise_tag(&raw).map_err(|_| Error::NotFound)?;
    let filter = PublicFilter {
        local: false,
        remote: false,
        only_media: false,
        tag: Some(name.clone()),
    };
    let listing = Listing {
        heading: format!("#{name}"),
        intro: format!(
            "Public posts with #{name}, from {} and the servers it knows.",
            app.config.domain
        ),
        path: format!("/tags/{name}"),
        feed: Some(format!("{}/tags/{name}.rss", app.config.base_url())),
    };
    timeline(&app, &visit, &headers, &filter, &p, &listing).await
}

/// What a page of public posts is called, and where it and its feed are.
struct Listing {
    heading: String,
    intro: String,
    path: String,
    feed: Option<String>,
}

async fn timeline(
    app: &App,
    visit: &Visit,
    headers: &HeaderMap,
    filter: &PublicFilter,
    p: &PageParams,
    listing: &Listing,
) -> Result<Response, PageError> {
    let page = super::page_before(p.max_id.as_deref());
    let mut conn = app.db.pool.acquire().await?;
    let views = sq::public(&mut conn, visit.me_id(), filter, &page).await?;
    drop(conn);
    let next_page = super::next_page(views.len(), views.last().map(|v| v.row.id), &listing.path);
    let updated = views.first().map(|v| v.row.created_at);
    let posts: Vec<Value> = views.iter().map(|v| super::status_value(app, v)).collect();
    let html = super::render(
        app,
        visit,
        "timeline.html",
        minijinja::context! {
            heading => listing.heading,
            intro => listing.intro,
            posts => posts,
            next_page => next_page,
            feed => listing.feed,
        },
    );
    Ok(page::public(visit, headers, html, updated))
}
