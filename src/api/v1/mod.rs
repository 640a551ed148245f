//! `/api/v1` and `/api/v2` routes, one module per resource.

pub mod accounts;
pub mod admin;
pub mod announcements;
pub mod apps;
pub mod conversations;
pub mod discovery;
pub mod filters;
pub mod follow_requests;
pub mod grouped_notifications;
pub mod instance;
pub mod lists;
pub mod markers;
pub mod media;
pub mod notification_requests;
pub mod notifications;
pub mod polls;
pub mod push;
pub mod relations;
pub mod reports;
pub mod scheduled;
pub mod search;
pub mod statuses;
pub mod tags;
pub mod timelines;

use axum::Router;

use crate::app::App;

pub fn router() -> Router<App> {
    Router::new()
        .merge(apps::router())
        .merge(instance::router())
        .merge(accounts::router())
        .merge(follow_requests::router())
        .merge(statuses::router())
        .merge(timelines::router())
        .merge(notifications::router())
        .merge(grouped_notifications::router())
        .merge(markers::router())
        .merge(search::router())
        .merge(media::router())
        .merge(lists::router())
        .merge(polls::router())
        .merge(filters::router())
        .merge(conversations::router())
        .merge(reports::router())
        .merge(scheduled::router())
        .merge(admin::router())
        .merge(relations::router())
        .merge(push::router())
        .merge(tags::router())
        .merge(discovery::router())
        .merge(announcements::router())
        .merge(notification_requests::router())
}

/// Routes that take files, each under the media body limit instead of the usual one.
pub fn upload_router() -> Router<App> {
    Router::new()
        .merge(media::upload_router())
        .merge(accounts::upload_router())
}
