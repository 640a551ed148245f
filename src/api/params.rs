//! Request parameters as Mastodon (Rails) reads them: JSON, form-urlencoded or multipart
//! bodies, merged over the query string, with `a[]` and `a[0][b]` nesting, then typed by
//! serde with lenient scalars (forms send every value as a string).
//!
//! Every source goes through one check before it is typed: at most [`MAX_DEPTH`] levels
//! of nesting and [`MAX_PARAMS`] parameters (a deeper or larger request is a 400, refused
//! before anything is built from it, and nothing here recurses on the input's depth), and
//! no control characters but tab, line feed and carriage return in names or text (a 422
//! naming the parameter: SQLite's full-text search and PostgreSQL's text columns choke on
//! NUL, and no client has a reason to send the others).

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use bytes_body::read_body;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::Error;

/// How deeply parameters may nest: `a[b][c]` is 2 levels, and so is `{"a": {"b": {"c": 1}}}`.
/// Rack's default is 32 too; no Mastodon parameter nests more than 3.
pub const MAX_DEPTH: usize = 32;
/// How many parameters a request may have: pairs in the query and a form body, fields of a
/// multipart body, values in a JSON body. Rack 3's limit.
pub const MAX_PARAMS: usize = 4096;

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
        let (map, _) = read(req, state, Source::QueryAndBody, false).await?;
        typed(map).map(Params)
    }
}

/// The parameters of a request's body alone, as a web form sends them; checked and typed
/// as [`Params`] are.
pub async fn body_params<S: Send + Sync, T: DeserializeOwned>(
    req: Request,
    state: &S,
) -> Result<T, Error> {
    let (map, _) = read(req, state, Source::Body, false).await?;
    typed(map)
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for WithFiles<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let (map, files) = read(req, state, Source::QueryAndBody, true).await?;
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

#[derive(PartialEq)]
enum Source {
    QueryAndBody,
    Body,
}

/// The query merged with the body's parameters, checked; and the body's files, when kept.
async fn read<S: Send + Sync>(
    req: Request,
    state: &S,
    source: Source,
    keep_files: bool,
) -> Result<(Map<String, Value>, Vec<(String, Vec<u8>)>), Error> {
    let mut merged = match source {
        Source::QueryAndBody => query_pairs(req.uri().query()).and_then(nest)?,
        Source::Body => Map::new(),
    };
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
        let mut fields = 0usize;
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            fields += 1;
            if fields > MAX_PARAMS {
                return Err(too_many());
            }
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
        nest(pairs)?
    } else {
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else if content_type.starts_with("application/json") || content_type.contains("+json") {
            // serde_json refuses more than 128 levels itself, so building this is bounded;
            // `check` below holds JSON to the same depth as the other sources.
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
            nest(form_pairs(&bytes)?)?
        }
    };
    merged.extend(body);
    check(&merged)?;
    Ok((merged, files))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        let map = query_pairs(parts.uri.query()).and_then(nest)?;
        check(&map)?;
        typed(map).map(Query)
    }
}

fn typed<T: DeserializeOwned>(map: Map<String, Value>) -> Result<T, Error> {
    serde_json::from_value(Value::Object(map)).map_err(|e| Error::Validation(e.to_string()))
}

fn too_many() -> Error {
    Error::BadRequest(format!(
        "Too many parameters: at most {MAX_PARAMS} are accepted"
    ))
}

fn too_deep(name: &str) -> Error {
    Error::BadRequest(format!(
        "The parameter `{}` is nested more than {MAX_DEPTH} levels deep",
        shown(name)
    ))
}

/// A parameter's name as a message shows it: control characters escaped, and cut short.
fn shown(name: &str) -> String {
    const SHOWN: usize = 64;
    let mut out: String = name
        .chars()
        .take(SHOWN)
        .flat_map(char::escape_debug)
        .collect();
    if name.chars().nth(SHOWN).is_some() {
        out.push('…');
    }
    out
}

/// The name=value pairs of a form body or query, counted as they are decoded.
fn form_pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, Error> {
    let mut pairs = Vec::new();
    for (k, v) in url::form_urlencoded::parse(bytes) {
        if pairs.len() == MAX_PARAMS {
            return Err(too_many());
        }
        pairs.push((k.into_owned(), v.into_owned()));
    }
    Ok(pairs)
}

fn query_pairs(query: Option<&str>) -> Result<Vec<(String, String)>, Error> {
    form_pairs(query.unwrap_or("").as_bytes())
}

/// Rails nesting: `a=1`, `a[]=1&a[]=2`, `a[b]=1`, `a[0][name]=x`. A name nested more than
/// [`MAX_DEPTH`] levels is refused before anything is built for it.
pub fn nest(pairs: Vec<(String, String)>) -> Result<Map<String, Value>, Error> {
    if pairs.len() > MAX_PARAMS {
        return Err(too_many());
    }
    let mut root = Map::new();
    for (key, value) in pairs {
        let tokens: Vec<&str> = match key.find('[') {
            Some(i) if key.ends_with(']') => std::iter::once(&key[..i])
                .chain(key[i + 1..key.len() - 1].split("]["))
                .collect(),
            _ => vec![key.as_str()],
        };
        if tokens.len() > MAX_DEPTH + 1 {
            return Err(too_deep(&key));
        }
        insert(&mut root, &tokens, value);
    }
    Ok(root)
}

/// Put `value` at the path `tokens` names, a level at a time (a loop, not a recursion).
fn insert(root: &mut Map<String, Value>, tokens: &[&str], value: String) {
    let Some((&first, mut rest)) = tokens.split_first() else {
        return;
    };
    let mut map = root;
    let mut key = first;
    loop {
        let Some((&next, after)) = rest.split_first() else {
            map.insert(key.to_string(), Value::String(value));
            return;
        };
        if next.is_empty() {
            let slot = map.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            let Value::Array(items) = slot else {
                return;
            };
            let Some((&field, after_field)) = after.split_first() else {
                items.push(Value::String(value));
                return;
            };
            // `a[][b]=1&a[][c]=2` builds objects, starting a new one when a key repeats.
            let needs_new = match items.last() {
                Some(Value::Object(o)) => o.contains_key(field),
                _ => true,
            };
            if needs_new {
                items.push(Value::Object(Map::new()));
            }
            let Some(Value::Object(o)) = items.last_mut() else {
                return;
            };
            map = o;
            key = field;
            rest = after_field;
        } else {
            let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(o) = slot else {
                return;
            };
            map = o;
            key = next;
            rest = after;
        }
    }
}

/// The one check of every request's parameters, whatever their source: depth, number,
/// and control characters in names and text. Walks with a stack of its own, so a deep
/// JSON body costs no native stack.
fn check(map: &Map<String, Value>) -> Result<(), Error> {
    if map.len() > MAX_PARAMS {
        return Err(too_many());
    }
    let mut stack: Vec<(String, &Value, usize)> = Vec::new();
    for (name, value) in map {
        refuse_controls(name, name)?;
        stack.push((name.clone(), value, 0));
    }
    // Every value still on the stack holds at least one parameter, so this counts low.
    let mut params = 0usize;
    while let Some((name, value, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(too_deep(&name));
        }
        let children = match value {
            Value::Array(items) => items.len(),
            Value::Object(fields) => fields.len(),
            _ => 0,
        };
        if children == 0 {
            params += 1;
        }
        if params + stack.len() + children > MAX_PARAMS {
            return Err(too_many());
        }
        match value {
            Value::String(s) => refuse_controls(&name, s)?,
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    stack.push((format!("{name}[{i}]"), item, depth + 1));
                }
            }
            Value::Object(fields) => {
                for (k, v) in fields {
                    let child = format!("{name}[{k}]");
                    refuse_controls(&child, k)?;
                    stack.push((child, v, depth + 1));
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
    Ok(())
}

/// Read a request's whole body (within `limit`) before its handler runs. A handler that
/// takes no body (`POST /api/v1/accounts/:id/follow` with Mastodon.py's form) would
/// otherwise answer before the body arrived, and hyper then closes the connection rather
/// than drain it, so a client reusing it finds it closed under its next request.
pub async fn read_whole_body(
    limit: usize,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let headers = req.headers();
    let length = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let chunked = headers.contains_key(axum::http::header::TRANSFER_ENCODING);
    if !chunked && length.unwrap_or(0) == 0 {
        return next.run(req).await;
    }
    if length.is_some_and(|n| n > limit as u64) {
        return Error::BadRequest("Request body too large".into()).into_response();
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Err(e) => Error::BadRequest(format!("Unreadable request body: {e}")).into_response(),
    }
}

/// A path is text too, and reaches its handler through `Path`, not through here: one whose
/// decoded form has a control character is refused before routing (layered on the router).
pub async fn refuse_control_characters_in_path(
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match control_in_path(req.uri().path()) {
        Some(c) => axum::response::IntoResponse::into_response(Error::BadRequest(format!(
            "The path contains a control character (U+{:04X}), which is not accepted",
            u32::from(c)
        ))),
        None => next.run(req).await,
    }
}

/// The first control character of a percent-decoded path. (A URI cannot carry one
/// unescaped.)
fn control_in_path(path: &str) -> Option<char> {
    if !path.contains('%') {
        return None;
    }
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .chars()
        .find(|c| c.is_control())
}

/// Tab, line feed and carriage return are text; other control characters are refused.
fn refuse_controls(name: &str, text: &str) -> Result<(), Error> {
    match text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        Some(c) => Err(Error::Validation(format!(
            "`{}` contains a control character (U+{:04X}), which is not accepted",
            shown(name),
            u32::from(c)
        ))),
        None => Ok(()),
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
        ]))
        .unwrap();
        assert_eq!(
            Value::Object(m),
            json!({"status": "hi", "id": ["1", "2"], "fields_attributes": {"0": {"name": "a", "value": "b"}, "1": {"name": "c"}}})
        );
    }

    #[test]
    fn lists_of_objects_start_a_new_object_when_a_key_repeats() {
        let m = nest(pairs(&[("a[][x]", "1"), ("a[][y]", "2"), ("a[][x]", "3")])).unwrap();
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
        let s: Sample = typed(
            nest(pairs(&[
                ("sensitive", "false"),
                ("limit", "5"),
                ("ids[]", "7"),
            ]))
            .unwrap(),
        )
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
        assert!(typed::<Sample>(nest(pairs(&[("limit", "many")])).unwrap()).is_err());
    }

    #[test]
    fn a_later_value_replaces_an_earlier_of_another_shape() {
        let m = nest(pairs(&[
            ("a", "1"),
            ("a[b]", "2"),
            ("c[b]", "3"),
            ("c[]", "4"),
        ]))
        .unwrap();
        assert_eq!(Value::Object(m), json!({"a": {"b": "2"}, "c": ["4"]}));
    }

    fn refused(e: Result<impl std::fmt::Debug, Error>) -> (u16, String) {
        match e {
            Err(e) => (e.status_code().as_u16(), e.to_string()),
            Ok(v) => panic!("accepted: {v:?}"),
        }
    }

    #[test]
    fn names_nested_deeper_than_the_limit_are_refused_without_recursing() {
        let deep = |level: &str, n: usize| format!("a{}", level.repeat(n));
        let m = nest(pairs(&[(&deep("[x]", MAX_DEPTH), "1")])).unwrap();
        check(&m).unwrap();
        for key in [
            deep("[x]", MAX_DEPTH + 1),
            deep("[]", MAX_DEPTH + 1),
            deep("[x]", 100_000),
            deep("[]", 100_000),
            deep("[][x]", 50_000),
        ] {
            let (status, message) = refused(nest(vec![(key, "1".into())]));
            assert_eq!(status, 400);
            assert!(message.contains("nested more than 32 levels"), "{message}");
            assert!(message.len() < 200, "{message}");
        }
    }

    #[test]
    fn json_deeper_than_the_limit_is_refused_without_recursing() {
        let nested = |n: usize| {
            let text = format!("{{\"a\":{}1{}}}", "[".repeat(n), "]".repeat(n));
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(m)) => m,
                other => panic!("{other:?}"),
            }
        };
        check(&nested(MAX_DEPTH)).unwrap();
        let (status, message) = refused(check(&nested(MAX_DEPTH + 1)));
        assert_eq!(status, 400);
        assert!(message.contains("`a[0][0]"), "{message}");
        // serde_json itself stops at 128 levels: nothing disables its recursion limit.
        let text = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let e = serde_json::from_str::<Value>(&text).unwrap_err();
        assert!(e.to_string().contains("recursion limit"), "{e}");
    }

    #[test]
    fn more_than_the_limit_of_parameters_is_refused() {
        let many = |n: usize| {
            (0..n)
                .map(|i| format!("p{i}=1"))
                .collect::<Vec<_>>()
                .join("&")
        };
        let m = nest(form_pairs(many(MAX_PARAMS).as_bytes()).unwrap()).unwrap();
        check(&m).unwrap();
        let (status, message) = refused(form_pairs(many(MAX_PARAMS + 1).as_bytes()));
        assert_eq!(status, 400);
        assert!(message.contains("Too many parameters"), "{message}");
        let list: Vec<u32> = (0..=MAX_PARAMS as u32).collect();
        let m = json!({"a": list});
        let (status, _) = refused(check(m.as_object().unwrap()));
        assert_eq!(status, 400);
        let wide: Map<String, Value> = (0..=MAX_PARAMS)
            .map(|i| (i.to_string(), json!(1)))
            .collect();
        assert_eq!(refused(check(&wide)).0, 400);
        let objects = json!({"a": (0..MAX_PARAMS).map(|i| json!({"x": i})).collect::<Vec<_>>()});
        check(objects.as_object().unwrap()).unwrap();
    }

    #[test]
    fn control_characters_are_refused_by_name_but_tab_and_newlines_kept() {
        let ok = json!({"status": "a\tb\r\nc", "poll": {"options": ["x", "y"]}});
        check(ok.as_object().unwrap()).unwrap();
        for (value, name) in [
            (json!({"q": "hello\u{0}"}), "`q`"),
            (json!({"title": "bell\u{7}"}), "`title`"),
            (json!({"title": "del\u{7f}"}), "`title`"),
            (json!({"title": "c1\u{85}"}), "`title`"),
            (
                json!({"keywords_attributes": [{"keyword": "k\u{0}"}]}),
                "`keywords_attributes[0][keyword]`",
            ),
            (json!({"a\u{0}": "1"}), "`a\\0`"),
            (json!({"a": {"b\u{1b}": "1"}}), "`a[b\\u{1b}]`"),
        ] {
            let (status, message) = refused(check(value.as_object().unwrap()));
            assert_eq!(status, 422);
            assert!(
                message.contains(name) && message.contains("control character"),
                "{message}"
            );
        }
    }

    #[test]
    fn paths_are_decoded_before_looking_for_control_characters() {
        assert_eq!(control_in_path("/api/v1/tags/a%00b"), Some('\u{0}'));
        assert_eq!(control_in_path("/users/x%c2%85"), Some('\u{85}'));
        assert_eq!(control_in_path("/a%0A"), Some('\n'));
        assert_eq!(control_in_path("/api/v1/tags/caf%C3%A9"), None);
        assert_eq!(control_in_path("/100%"), None);
        assert_eq!(control_in_path("/%zz%0"), None);
        assert_eq!(control_in_path("/@alice"), None);
    }
}
