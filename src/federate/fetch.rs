//! Fetching ActivityPub documents from their origin: a GET signed by the instance actor
//! (for servers with authorized fetch), through the safe client, and accepted only when
//! the answer is ActivityPub JSON whose `id` is the URL that answered.

use std::time::SystemTime;

use http::{HeaderMap, HeaderValue, Method};
use serde_json::Value;
use tessera_federation::signatures;
use tessera_federation::vocab;

use super::FedError;
use super::keys::{Signer, signing_key};
use crate::app::App;

pub const ACCEPT: &str = r#"application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams""#;

/// GET `url` and return the document, after the content-type and id checks. A document
/// found at another address of its own server (a profile or permalink URL) is fetched
/// once more at its id, which must then answer with itself.
pub async fn object(app: &App, url: &str) -> Result<Value, FedError> {
    match exactly(app, url).await {
        Err(IdMismatch::Other(id)) if vocab::same_origin(&id, url) => {
            exactly(app, &id).await.map_err(|e| e.into_error(&id))
        }
        other => other.map_err(|e| e.into_error(url)),
    }
}

enum IdMismatch {
    Other(String),
    Failed(FedError),
}

impl IdMismatch {
    fn into_error(self, url: &str) -> FedError {
        match self {
            IdMismatch::Other(id) => {
                FedError::rejected(format!("{url} answered with a document whose id is `{id}`"))
            }
            IdMismatch::Failed(e) => e,
        }
    }
}

impl From<FedError> for IdMismatch {
    fn from(e: FedError) -> Self {
        IdMismatch::Failed(e)
    }
}

impl From<tessera_federation::safe_client::FetchError> for IdMismatch {
    fn from(e: tessera_federation::safe_client::FetchError) -> Self {
        IdMismatch::Failed(e.into())
    }
}

impl From<tessera_federation::signatures::SignatureError> for IdMismatch {
    fn from(e: tessera_federation::signatures::SignatureError) -> Self {
        IdMismatch::Failed(e.into())
    }
}

impl From<tessera_federation::vocab::VocabError> for IdMismatch {
    fn from(e: tessera_federation::vocab::VocabError) -> Self {
        IdMismatch::Failed(e.into())
    }
}

async fn exactly(app: &App, url: &str) -> Result<Value, IdMismatch> {
    if app.config.is_own_host(url) {
        return Err(FedError::rejected(format!("{url} is ours: it is read, not fetched")).into());
    }
    if let Some(domain) = vocab::origin_of(url)
        && app
            .domain_suspended(&domain)
            .await
            .map_err(FedError::from)?
    {
        return Err(FedError::rejected(format!("{domain} is blocked here")).into());
    }
    let checked = app.federation.client.check_url(url)?;
    let (key_id, key) = signing_key(app, Signer::Instance).await?;
    let mut headers = HeaderMap::new();
    headers.insert(http::header::ACCEPT, HeaderValue::from_static(ACCEPT));
    signatures::sign_request(
        &Method::GET,
        checked.as_str(),
        &mut headers,
        None,
        &key_id,
        &key,
        SystemTime::now(),
    )?;
    let fetched = app
        .federation
        .client
        .send(Method::GET, checked.as_str(), headers, None)
        .await?;
    if fetched.status == 410 {
        return Err(FedError::Status {
            url: url.to_string(),
            status: 410,
        }
        .into());
    }
    if !(200..300).contains(&fetched.status) {
        return Err(FedError::Status {
            url: url.to_string(),
            status: fetched.status,
        }
        .into());
    }
    let media = fetched
        .content_type
        .as_deref()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media != "application/activity+json" && media != "application/ld+json" {
        return Err(FedError::rejected(format!(
            "{url} is not ActivityPub JSON (content type `{media}`)"
        ))
        .into());
    }
    let doc = vocab::parse_document(&fetched.body)?;
    let id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    if !same_url(id, fetched.final_url.as_str()) {
        return Err(IdMismatch::Other(id.to_string()));
    }
    Ok(doc)
}

/// Equal as URLs (so `https://a.example` and `https://a.example/` are the same).
fn same_url(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
