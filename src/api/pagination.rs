//! Cursor pagination parameters and the `Link` header, as Mastodon sends them.

use axum::http::header::LINK;
use axum::http::{HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::params::de;
use crate::queries::Page;

#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    pub max_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub since_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub min_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub limit: Option<i64>,
}

impl PageParams {
    /// Mastodon clamps `limit` rather than refusing it; unparsable cursors are ignored.
    pub fn page(&self, default: i64, max: i64) -> Page {
        let cursor = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<i64>().ok());
        Page {
            max_id: cursor(&self.max_id),
            since_id: cursor(&self.since_id),
            min_id: cursor(&self.min_id),
            limit: self.limit.unwrap_or(default).clamp(1, max),
        }
    }
}

/// A page of entities (or one object holding them) with its `Link` header.
pub struct Paged {
    body: Body,
    link: Option<String>,
}

enum Body {
    Value(Value),
    /// Already JSON: entities serialised straight from their typed form.
    Json(Vec<u8>),
}

impl Paged {
    /// `cursors` are the page's first and last cursor ids (newest, oldest).
    pub fn new(items: Vec<Value>, base_url: &str, uri: &Uri, cursors: Option<(i64, i64)>) -> Paged {
        Paged::of(Value::Array(items), base_url, uri, cursors)
    }

    /// A page of typed entities, written to JSON without building a `Value` first.
    pub fn typed<T: serde::Serialize>(
        items: &[T],
        base_url: &str,
        uri: &Uri,
        cursors: Option<(i64, i64)>,
    ) -> Result<Paged, serde_json::Error> {
        Ok(Paged {
            body: Body::Json(serde_json::to_vec(items)?),
            link: link(base_url, uri, cursors),
        })
    }

    /// A page whose body is `body` as it is (grouped notifications answer an object).
    pub fn of(body: Value, base_url: &str, uri: &Uri, cursors: Option<(i64, i64)>) -> Paged {
        Paged {
            body: Body::Value(body),
            link: link(base_url, uri, cursors),
        }
    }
}

/// The `Link` header for a page whose first and last cursor ids are `cursors`.
fn link(base_url: &str, uri: &Uri, cursors: Option<(i64, i64)>) -> Option<String> {
    cursors.map(|(newest, oldest)| {
        let url = |key: &str, id: i64| {
            let mut query: Vec<(String, String)> =
                url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
                    .into_owned()
                    .filter(|(k, _)| !matches!(k.as_str(), "max_id" | "min_id" | "since_id"))
                    .collect();
            query.push((key.to_string(), id.to_string()));
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query)
                .finish();
            format!("{base_url}{}?{encoded}", uri.path())
        };
        format!(
            "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
            url("max_id", oldest),
            url("min_id", newest)
        )
    })
}

impl IntoResponse for Paged {
    fn into_response(self) -> Response {
        let mut response = match self.body {
            Body::Value(v) => axum::Json(v).into_response(),
            Body::Json(bytes) => (
                [(
                    axum::http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                bytes,
            )
                .into_response(),
        };
        if let Some(link) = self.link.and_then(|l| HeaderValue::from_str(&l).ok()) {
            response.headers_mut().insert(LINK, link);
        }
        response
    }
}
