//! The pages behind links sent by mail: confirming an e-mail address, and resetting a
//! forgotten password (asking for the link, then choosing the new password).

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::oauth::page;
use super::params::Query;
use crate::app::App;
use crate::error::Error;
use crate::server::pages::{error_page, message_page};
use crate::web::form::Form;
use crate::web::session::Visit;

pub fn router() -> Router<App> {
    Router::new()
        .route("/auth/confirmation", get(confirm))
        .route("/auth/password/new", get(new_password))
        .route("/auth/password", axum::routing::post(request_reset))
        .route(
            "/auth/password/edit",
            get(edit_password).post(change_password),
        )
}

#[derive(Deserialize)]
struct ConfirmParams {
    #[serde(default)]
    confirmation_token: String,
}

async fn confirm(State(app): State<App>, Query(p): Query<ConfirmParams>) -> Response {
    match app.confirm_email(&p.confirmation_token).await {
        Ok(()) => page(
            StatusCode::OK,
            message_page(
                "Address confirmed",
                "Your e-mail address is confirmed. You can sign in now.",
            ),
        ),
        Err(Error::NotFound) => page(
            StatusCode::NOT_FOUND,
            error_page(
                "Link not valid",
                "This confirmation link is not valid, or was used or has expired.",
            ),
        ),
        Err(e) => failure(e),
    }
}

/// A page with a form: the browser gets a session (for the form's CSRF token) if it has none.
async fn form_page(
    app: &App,
    mut visit: Visit,
    status: StatusCode,
    template: &str,
    ctx: minijinja::Value,
) -> Response {
    if let Err(e) = visit.ensure_session(app).await {
        return failure(e);
    }
    let html = crate::web::render(app, &visit, template, ctx);
    crate::web::page::private(&visit, status, html)
}

/// A form sent without this browser's token is refused before anything else.
fn refused(visit: &Visit, token: &str) -> Option<Response> {
    visit
        .check_csrf(token)
        .err()
        .map(|e| crate::web::page::PageError(e).into_response())
}

async fn new_password(State(app): State<App>, visit: Visit) -> Response {
    form_page(
        &app,
        visit,
        StatusCode::OK,
        "password_new.html",
        minijinja::context! {},
    )
    .await
}

#[derive(Deserialize)]
struct ResetRequest {
    #[serde(default)]
    email: String,
    #[serde(default)]
    authenticity_token: String,
}

async fn request_reset(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    visit: Visit,
    Form(f): Form<ResetRequest>,
) -> Response {
    if let Some(refusal) = refused(&visit, &f.authenticity_token) {
        return refusal;
    }
    let address = format!("reset:{}", peer.ip());
    if let Err(wait) = app.limits.login_per_address.check(&address) {
        return crate::web::page::PageError(Error::TooManyRequests(wait)).into_response();
    }
    app.limits.login_per_address.count(&address);
    if let Err(e) = app.request_password_reset(&f.email).await {
        return failure(e);
    }
    page(
        StatusCode::OK,
        message_page(
            "Check your mail",
            "If that address belongs to an account here, a link to reset its password is on its way.",
        ),
    )
}

#[derive(Deserialize)]
struct EditParams {
    #[serde(default)]
    reset_password_token: String,
}

async fn edit_password(
    State(app): State<App>,
    visit: Visit,
    Query(p): Query<EditParams>,
) -> Response {
    match app.reset_token_is_live(&p.reset_password_token).await {
        Ok(true) => {
            form_page(
                &app,
                visit,
                StatusCode::OK,
                "password_edit.html",
                minijinja::context! { token => p.reset_password_token },
            )
            .await
        }
        Ok(false) => invalid_reset_link(),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize)]
struct NewPassword {
    #[serde(default)]
    reset_password_token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
    #[serde(default)]
    authenticity_token: String,
}

async fn change_password(
    State(app): State<App>,
    visit: Visit,
    Form(f): Form<NewPassword>,
) -> Response {
    if let Some(refusal) = refused(&visit, &f.authenticity_token) {
        return refusal;
    }
    let again = |error: &str| {
        let html = crate::web::render(
            &app,
            &visit,
            "password_edit.html",
            minijinja::context! { token => f.reset_password_token.clone(), error => error },
        );
        crate::web::page::private(&visit, StatusCode::UNPROCESSABLE_ENTITY, html)
    };
    if f.password != f.password_confirmation {
        return again("The two passwords are not the same.");
    }
    match app
        .reset_password(&f.reset_password_token, &f.password)
        .await
    {
        Ok(()) => page(
            StatusCode::OK,
            message_page(
                "Password changed",
                "Your password is changed, and every app signed in to your account has been signed out.",
            ),
        ),
        Err(Error::Validation(m)) => again(&m),
        Err(Error::NotFound) => invalid_reset_link(),
        Err(e) => failure(e),
    }
}

fn invalid_reset_link() -> Response {
    page(
        StatusCode::NOT_FOUND,
        error_page(
            "Link not valid",
            "This reset link is not valid, or was used or has expired. Ask for a new one.",
        ),
    )
}

fn failure(e: Error) -> Response {
    tracing::error!(error = %e, "mail link page failed");
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        error_page("Something went wrong", "Please try again in a moment."),
    )
}
