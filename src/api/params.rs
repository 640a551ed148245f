//! Request parameters as Mastodon (Rails) reads them: JSON, form-urlencoded or multipart
//! bodies, merged over the query string, with `a[]` and `a[0][b]` nesting, then typed by
//! serde with lenient scalars (forms send every value as a string).

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use bytes_body::read_body;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::Error;

/// Body (and query) parameters.
pub struct Params<T>(pub T);
/// Query parameters only.
pub struct Query<T>(pub T);

/// `id[]=…` repeated, as Mastodon's batch endpoints take it.
#[derive(serde::Deserialize)]
pub struct IdList {
    #[serde(default, deserialize_with = "de::string_list")]
    id: Vec<String>,
}

impl IdList {
    /// The well-formed ids, at most `limit`, in the order given.
    pub fn ids(&self, limit: usize) -> Vec<i64> {
        self.id
            .iter()
            .filter_map(|s| crate::ids::parse(s))
            .take(limit)
            .collect()
    }
}

/// Parameters and the files of a multipart body, by field name (`file`, `avatar` ...).
pub struct WithFiles<T> {
    pub params: T,
    pub files: Vec<(String, Vec<u8>)>,
}

impl<T> WithFiles<T> {
    /// The first file sent as `name`, taken out.
    pub fn take(&mut self, name: &str) -> Option<Vec<u8>> {
        let i = self.files.iter().position(|(n, _)| n == name)?;
        Some(self.files.remove(i).1)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Params<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        // Files are read by the media endpoints, not as parameters.
        let (map, _) = read(req, state, false).await?;
        typed(map).map(Params)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for WithFiles<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let (map, files) = read(req, state, true).await?;
        Ok(WithFiles {
            params: typed(map)?,
            files,
        })
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> Error {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        Error::TooLarge(format!(
            "The request is too large: files may be at most {} MB",
            crate::media::process::MAX_IMAGE_BYTES / (1024 * 1024)
        ))
    } else {
        Error::BadRequest(format!("Malformed multipart body: {e}"))
    }
}

/// The query merged with the body's parameters; and the body's files, when kept.
async fn read<S: Send + Sync>(
    req: Request,
    state: &S,
    keep_files: bool,
) -> Result<(Map<String, Value>, Vec<(String, Vec<u8>)>), Error> {
    let mut merged = query_map(req.uri().query());
    let mut files = Vec::new();
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let body = if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(req, state)
            .await
            .map_err(|e| Error::BadRequest(format!("Malformed multipart body: {e}")))?;
        let mut pairs = Vec::new();
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            let Some(name) = field.name().map(str::to_string) else {
                continue;
            };
            if field.file_name().is_some() {
                if keep_files {
                    // The client's file name is never used: files are stored under ours.
                    let bytes = field.bytes().await.map_err(multipart_error)?;
                    files.push((name, bytes.to_vec()));
                }
                continue;
            }
            let text = field.text().await.map_err(multipart_error)?;
            pairs.push((name, text));
        }
        nest(pairs)
    } else {
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else if content_type.starts_with("application/json") || content_type.contains("+json") {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(m)) => m,
                Ok(_) => {
                    return Err(Error::BadRequest(
                        "Malformed JSON: expected an object".into(),
                    ));
                }
                Err(e) => return Err(Error::BadRequest(format!("Malformed JSON: {e}"))),
            }
        } else {
            nest(url::form_urlencoded::parse(&bytes).into_owned().collect())
        }
    };
    merged.extend(body);
    Ok((merged, files))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        typed(query_map(parts.uri.query())).map(Query)
    }
}

fn typed<T: DeserializeOwned>(map: Map<String, Value>) -> Result<T, Error> {
    serde_json::from_value(Value::Object(map)).map_err(|e| Error::Validation(e.to_string()))
}

fn query_map(query: Option<&str>) -> Map<String, Value> {
    match query {
        Some(q) => nest(
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect(),
        ),
        None => Map::new(),
    }
}

/// Rails nesting: `a=1`, `a[]=1&a[]=2`, `a[b]=1`, `a[0][name]=x`.
pub fn nest(pairs: Vec<(String, String)>) -> Map<String, Value> {
    let mut root = Map::new();
    for (key, value) in pairs {
        let mut tokens: Vec<String> = Vec::new();
        match key.find('[') {
            Some(i) if key.ends_with(']') => {
                tokens.push(key[..i].to_string());
                tokens.extend(key[i + 1..key.len() - 1].split("][").map(str::to_string));
            }
            _ => tokens.push(key),
        }
        insert(&mut root, &tokens, value);
    }
    root
}

fn insert(map: &mut Map<String, Value>, tokens: &[String], value: String) {
    let Some((first, rest)) = tokens.split_first() else {
        return;
    };
    if rest.is_empty() {
        map.insert(first.clone(), Value::String(value));
        return;
    }
    if rest[0].is_empty() {
        let slot = map
            .entry(first.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        if let Value::Array(items) = slot {
            if rest.len() == 1 {
                items.push(Value::String(value));
            } else {
                // `a[][b]=1&a[][c]=2` builds objects, starting a new one when a key repeats.
                let needs_new = match items.last() {
                    Some(Value::Object(o)) => o.contains_key(&rest[1]),
                    _ => true,
                };
                if needs_new {
                    items.push(Value::Object(Map::new()));
                }
                if let Some(Value::Object(o)) = items.last_mut() {
                    insert(o, &rest[1..], value);
                }
            }
        }
        return;
    }
    let slot = map
        .entry(first.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(o) = slot {
        insert(o, rest, value);
    }
}

mod bytes_body {
    use axum::body::Bytes;
    use axum::extract::{FromRequest, Request};

    use crate::error::Error;

    pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Error> {
        Bytes::from_request(req, state)
            .await
            .map_err(|e| match e.status().as_u16() {
                413 => Error::BadRequest("Request body too large".into()),
                _ => Error::BadRequest(format!("Unreadable request body: {e}")),
            })
    }
}

/// Lenient field types for parameters that arrive as strings from forms.
pub mod de {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// Rails' boolean casting: "0", "f", "false", "off" (any case) and false are false.
    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => None,
            Value::Bool(b) => Some(b),
            Value::Number(n) => Some(n.as_f64() != Some(0.0)),
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(!matches!(
                s.to_ascii_lowercase().as_str(),
                "0" | "f" | "false" | "off"
            )),
            _ => return Err(serde::de::Error::custom("expected a boolean")),
        })
    }

    /// A string, also from a number; blank is absent.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => None,
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => return Err(serde::de::Error::custom("expected a string")),
        })
    }

    /// A string where blank means "clear it" (display name, note).
    pub fn opt_string_keep_empty<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => return Err(serde::de::Error::custom("expected a string")),
        })
    }

    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => None,
            Value::Number(n) => n.as_i64(),
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(
                s.trim()
                    .parse()
                    .map_err(|_| serde::de::Error::custom(format!("`{s}` is not a number")))?,
            ),
            _ => return Err(serde::de::Error::custom("expected a number")),
        })
    }

    /// A list from `a[]=x&a[]=y`, a JSON array, a map of `a[0]=x`, or one value.
    pub fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        fn one(v: Value) -> Option<String> {
            match v {
                Value::String(s) if !s.is_empty() => Some(s),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        }
        Ok(match Value::deserialize(d)? {
            Value::Array(a) => a.into_iter().filter_map(one).collect(),
            Value::Object(m) => m.into_iter().filter_map(|(_, v)| one(v)).collect(),
            other => one(other).into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn rails_nesting_builds_lists_and_maps() {
        let m = nest(pairs(&[
            ("status", "hi"),
            ("id[]", "1"),
            ("id[]", "2"),
            ("fields_attributes[0][name]", "a"),
            ("fields_attributes[0][value]", "b"),
            ("fields_attributes[1][name]", "c"),
        ]));
        assert_eq!(
            Value::Object(m),
            json!({"status": "hi", "id": ["1", "2"], "fields_attributes": {"0": {"name": "a", "value": "b"}, "1": {"name": "c"}}})
        );
    }

    #[test]
    fn lists_of_objects_start_a_new_object_when_a_key_repeats() {
        let m = nest(pairs(&[("a[][x]", "1"), ("a[][y]", "2"), ("a[][x]", "3")]));
        assert_eq!(
            Value::Object(m),
            json!({"a": [{"x": "1", "y": "2"}, {"x": "3"}]})
        );
    }

    #[derive(serde::Deserialize)]
    struct Sample {
        #[serde(default, deserialize_with = "de::opt_bool")]
        sensitive: Option<bool>,
        #[serde(default, deserialize_with = "de::opt_i64")]
        limit: Option<i64>,
        #[serde(default, deserialize_with = "de::string_list")]
        ids: Vec<String>,
    }

    #[test]
    fn lenient_scalars_accept_form_strings_and_json_values() {
        let s: Sample = typed(nest(pairs(&[
            ("sensitive", "false"),
            ("limit", "5"),
            ("ids[]", "7"),
        ])))
        .unwrap();
        assert_eq!(
            (s.sensitive, s.limit, s.ids),
            (Some(false), Some(5), vec!["7".to_string()])
        );
        let s: Sample =
            serde_json::from_value(json!({"sensitive": true, "limit": 3, "ids": "9"})).unwrap();
        assert_eq!(
            (s.sensitive, s.limit, s.ids),
            (Some(true), Some(3), vec!["9".to_string()])
        );
        let s: Sample = serde_json::from_value(json!({"sensitive": "1"})).unwrap();
        assert_eq!(s.sensitive, Some(true));
        assert!(typed::<Sample>(nest(pairs(&[("limit", "many")]))).is_err());
    }
}
