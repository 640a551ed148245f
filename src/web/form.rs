//! The web's forms, read by the API's parameter reader so that they get its limits and its
//! refusal of control characters (see `api::params`); a refusal is shown as a page.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::page::PageError;

/// A form's fields, from the body (url-encoded or multipart), as `axum::Form` reads them.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        Ok(Form(crate::api::params::body_params(req, state).await?))
    }
}
