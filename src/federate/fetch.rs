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

/// GET `url` and return the document, after the content-type and id checks.
pub async fn object(app: &App, url: &str) -> Result<Value, FedError> {
    if vocab::origin_of(url).as_deref() == Some(app.config.domain.to_ascii_lowercase().as_str()) {
        return Err(FedError::rejected(format!(
            "{url} is ours: it is read, not fetched"
        )));
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
        });
    }
    if !(200..300).contains(&fetched.status) {
        return Err(FedError::Status {
            url: url.to_string(),
            status: fetched.status,
        });
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
        )));
    }
    let doc = vocab::parse_document(&fetched.body)?;
    let id = doc.get("id").and_then(Value::as_str).unwrap_or_default();
    if !same_url(id, fetched.final_url.as_str()) {
        return Err(FedError::rejected(format!(
            "{} answered with a document whose id is `{id}`",
            fetched.final_url
        )));
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
