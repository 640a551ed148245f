//! Signing up, in and out in a browser.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::form::Form;
use super::page::{self, PageError};
use super::session::{self, Visit};
use crate::api::oauth::check_login;
use crate::app::App;
use crate::app::accounts::Registration;
use crate::config::Registrations;
use crate::error::Error;

pub fn router() -> Router<App> {
    Router::new()
        .route("/auth/sign_in", get(sign_in_page).post(sign_in))
        .route("/auth/sign_up", get(sign_up_page).post(sign_up))
        .route("/auth/sign_out", post(sign_out))
}

async fn sign_in_page(State(app): State<App>, mut visit: Visit) -> Result<Response, PageError> {
    if visit.me.is_some() {
        return Ok(page::see_other("/home", None));
    }
    visit.ensure_session(&app).await?;
    let html = super::render(&app, &visit, "sign_in.html", minijinja::context! {});
    Ok(page::private(&visit, StatusCode::OK, html))
}

#[derive(Deserialize)]
struct SignIn {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

async fn sign_in(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    visit: Visit,
    Form(f): Form<SignIn>,
) -> Result<Response, PageError> {
    let old = visit.check_csrf(&f.authenticity_token)?.clone();
    match check_login(&app, peer, Some(&f.login), Some(&f.password)).await? {
        Ok(account_id) => {
            // A new session id on signing in: a planted cookie never becomes signed in.
            session::end(&app, &old).await?;
            let (cookie, _) = session::begin(&app, Some(account_id), &visit.user_agent).await?;
            Ok(page::see_other("/home", Some(&cookie)))
        }
        Err(refused) => {
            let html = super::render(
                &app,
                &visit,
                "sign_in.html",
                minijinja::context! { error => refused.message(), login => f.login },
            );
            Ok(refused.answer(page::private(&visit, StatusCode::UNAUTHORIZED, html)))
        }
    }
}

async fn sign_out(
    State(app): State<App>,
    visit: Visit,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    let s = visit.check_csrf(&f.authenticity_token)?;
    session::end(&app, s).await?;
    let cleared = session::cookie(&app, "", 0);
    Ok(page::see_other("/", Some(&cleared)))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub authenticity_token: String,
}

fn sign_up_context(app: &App, error: Option<&str>, form: Option<&SignUp>) -> minijinja::Value {
    minijinja::context! {
        closed => app.config.registrations == Registrations::Closed,
        approval => app.config.registrations == Registrations::Approval,
        error => error,
        form => form.map(|f| minijinja::context! { username => f.username, email => f.email }),
        rules => Vec::<String>::new(),
    }
}

async fn sign_up_page(State(app): State<App>, mut visit: Visit) -> Result<Response, PageError> {
    if visit.me.is_some() {
        return Ok(page::see_other("/home", None));
    }
    visit.ensure_session(&app).await?;
    let html = super::render(
        &app,
        &visit,
        "sign_up.html",
        sign_up_context(&app, None, None),
    );
    Ok(page::private(&visit, StatusCode::OK, html))
}

#[derive(Deserialize)]
struct SignUp {
    #[serde(default)]
    authenticity_token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
    #[serde(default)]
    agreement: Option<String>,
}

async fn sign_up(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    visit: Visit,
    Form(f): Form<SignUp>,
) -> Result<Response, PageError> {
    visit.check_csrf(&f.authenticity_token)?;
    if app.config.registrations == Registrations::Closed {
        return Err(Error::Forbidden("Registrations are closed on this server.".into()).into());
    }
    // Sign-ups from one address share the log-in limit: a form is no way round it.
    app.limits
        .login_per_address
        .check(&format!("sign_up:{}", peer.ip()))
        .map_err(Error::TooManyRequests)?;
    let refuse = |message: &str| {
        let html = super::render(
            &app,
            &visit,
            "sign_up.html",
            sign_up_context(&app, Some(message), Some(&f)),
        );
        Ok(page::private(
            &visit,
            StatusCode::UNPROCESSABLE_ENTITY,
            html,
        ))
    };
    if f.password != f.password_confirmation {
        return refuse("The two passwords are not the same.");
    }
    if f.agreement.as_deref() != Some("true") {
        return refuse("Please agree to the server rules to sign up.");
    }
    let registered = app
        .register(Registration {
            username: f.username.trim().to_string(),
            email: f.email.trim().to_string(),
            password: f.password.clone(),
            display_name: String::new(),
            locale: "en".into(),
            role: "user".into(),
            approved: app.config.registrations == Registrations::Open,
            confirmed: !app.config.email_confirmation,
        })
        .await;
    let account_id = match registered {
        Ok(id) => id,
        Err(Error::Validation(message)) => return refuse(&message),
        Err(e) => return Err(e.into()),
    };
    app.limits
        .login_per_address
        .count(&format!("sign_up:{}", peer.ip()));
    if app.config.email_confirmation {
        app.send_confirmation(account_id, f.email.trim()).await?;
        let html = super::render(
            &app,
            &visit,
            "message.html",
            minijinja::context! {
                title => "Check your e-mail",
                message => format!("We sent a link to {} to confirm your address. Follow it, then sign in.", f.email.trim()),
            },
        );
        return Ok(page::private(&visit, StatusCode::OK, html));
    }
    if app.config.registrations == Registrations::Approval {
        let html = super::render(
            &app,
            &visit,
            "message.html",
            minijinja::context! {
                title => "Thank you for signing up",
                message => "The moderators will review your account. You can sign in once it is approved.",
            },
        );
        return Ok(page::private(&visit, StatusCode::OK, html));
    }
    if let Some(s) = &visit.session {
        session::end(&app, s).await?;
    }
    let (cookie, _) = session::begin(&app, Some(account_id), &visit.user_agent).await?;
    Ok(page::see_other("/settings/profile", Some(&cookie)))
}
