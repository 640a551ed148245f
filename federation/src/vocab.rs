//! Reading what other servers send: actors, objects and activities as Mastodon,
//! GoToSocial, Misskey, Pleroma, Lemmy and others publish them. JSON-LD is read the way
//! the fediverse writes it (compacted, with the ActivityStreams context): a property may
//! be a string, an object with an `id`, or an array of either, so every accessor here
//! accepts all three. Nothing here trusts what it reads: authority is checked by the
//! caller against the signing key and the object's origin.

use serde_json::Value;
use url::Url;

use crate::context::PUBLIC;

/// The largest nesting accepted in a document. Real activities nest three or four levels.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VocabError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("document nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
    #[error("missing or invalid `{0}`")]
    Missing(&'static str),
    #[error("`{field}` is not an http(s) URL: {value}")]
    BadUrl { field: &'static str, value: String },
    #[error("unsupported type `{0}`")]
    Unsupported(String),
}

/// Parse a received body, refusing absurd nesting before serde_json recurses into it
/// (serde_json stops at 128 levels itself; we stop far earlier, and without recursion).
pub fn parse_document(body: &[u8]) -> Result<Value, VocabError> {
    if nesting_depth(body) > MAX_DEPTH {
        return Err(VocabError::TooDeep);
    }
    serde_json::from_slice(body).map_err(|e| VocabError::NotJson(e.to_string()))
}

/// The deepest `[`/`{` nesting of a JSON text, ignoring brackets inside strings.
fn nesting_depth(body: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// The id of a reference: a string, an object's `id` (or `href`, for links), or the
/// first of an array.
pub fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(map) => map
            .get("id")
            .or_else(|| map.get("href"))
            .and_then(Value::as_str),
        Value::Array(items) => items.iter().find_map(id_of),
        _ => None,
    }
}

/// Every id a property names: `to: "x"`, `to: ["x", {"id": "y"}]`.
pub fn ids_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(id_of).map(str::to_string).collect(),
        Some(other) => id_of(other).map(str::to_string).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The `type` of a document; when it is an array (as some servers write), the first
/// one we know of.
pub fn type_of(v: &Value) -> Option<&str> {
    match v.get("type")? {
        Value::String(s) => Some(s),
        Value::Array(items) => items.iter().filter_map(Value::as_str).next(),
        _ => None,
    }
}

fn str_field<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// An absolute http(s) URL, or an error naming the field.
pub fn http_url(field: &'static str, value: &str) -> Result<Url, VocabError> {
    match Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(u),
        _ => Err(VocabError::BadUrl {
            field,
            value: value.chars().take(200).collect(),
        }),
    }
}

fn required_url(v: &Value, field: &'static str) -> Result<String, VocabError> {
    let raw = v
        .get(field)
        .and_then(id_of)
        .ok_or(VocabError::Missing(field))?;
    Ok(http_url(field, raw)?.to_string())
}

fn optional_url(v: &Value, field: &'static str) -> Option<String> {
    v.get(field)
        .and_then(id_of)
        .and_then(|s| http_url(field, s).ok())
        .map(|u| u.to_string())
}

/// The server an id belongs to, the unit of authority: its canonical host
/// ([`crate::host`]), so that every spelling of one server is that server.
pub fn origin_of(id: &str) -> Option<String> {
    crate::host::of_url(id)
}

/// Do two ids belong to the same server?
pub fn same_origin(a: &str, b: &str) -> bool {
    matches!((origin_of(a), origin_of(b)), (Some(x), Some(y)) if x == y)
}

pub const ACTOR_TYPES: [&str; 5] = ["Person", "Service", "Application", "Group", "Organization"];

/// What we keep of a remote actor.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub id: String,
    pub kind: String,
    pub preferred_username: String,
    pub name: String,
    pub summary_html: String,
    pub url: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub outbox: Option<String>,
    pub followers: Option<String>,
    pub following: Option<String>,
    pub featured: Option<String>,
    pub public_key_id: String,
    pub public_key_pem: String,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    /// Milliseconds since the epoch, when the actor says.
    pub published_ms: Option<i64>,
    /// `PropertyValue` attachments as (name, value HTML).
    pub fields: Vec<(String, String)>,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    /// Where the actor moved to (`movedTo`), if anywhere.
    pub moved_to: Option<String>,
}

impl Actor {
    pub fn is_bot(&self) -> bool {
        matches!(self.kind.as_str(), "Service" | "Application")
    }
}

pub fn actor(v: &Value) -> Result<Actor, VocabError> {
    let kind = type_of(v).ok_or(VocabError::Missing("type"))?;
    if !ACTOR_TYPES.contains(&kind) {
        return Err(VocabError::Unsupported(kind.to_string()));
    }
    let id = required_url(v, "id")?;
    let key = v.get("publicKey").map(|k| match k {
        Value::Array(keys) => keys.first().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    });
    let key = key.ok_or(VocabError::Missing("publicKey"))?;
    let public_key_pem = str_field(&key, "publicKeyPem")
        .ok_or(VocabError::Missing("publicKey.publicKeyPem"))?
        .to_string();
    let public_key_id = str_field(&key, "id")
        .ok_or(VocabError::Missing("publicKey.id"))?
        .to_string();
    let preferred_username = str_field(v, "preferredUsername")
        .ok_or(VocabError::Missing("preferredUsername"))?
        .to_string();
    let shared_inbox = v
        .get("endpoints")
        .and_then(|e| e.get("sharedInbox"))
        .and_then(Value::as_str)
        .and_then(|s| http_url("endpoints.sharedInbox", s).ok())
        .map(|u| u.to_string());
    let fields = match v.get("attachment") {
        Some(Value::Array(items)) => items
            .iter()
            .filter(|a| type_of(a) == Some("PropertyValue"))
            .filter_map(|a| {
                Some((
                    str_field(a, "name")?.to_string(),
                    a.get("value")?.as_str()?.to_string(),
                ))
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(Actor {
        kind: kind.to_string(),
        name: str_field(v, "name").unwrap_or_default().to_string(),
        summary_html: str_field(v, "summary").unwrap_or_default().to_string(),
        url: v
            .get("url")
            .and_then(id_of)
            .and_then(|s| http_url("url", s).ok())
            .map_or_else(|| id.clone(), |u| u.to_string()),
        inbox: required_url(v, "inbox")?,
        shared_inbox,
        outbox: optional_url(v, "outbox"),
        followers: optional_url(v, "followers"),
        following: optional_url(v, "following"),
        featured: optional_url(v, "featured"),
        public_key_id,
        public_key_pem,
        manually_approves_followers: v
            .get("manuallyApprovesFollowers")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        discoverable: v
            .get("discoverable")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        published_ms: str_field(v, "published").and_then(parse_time_ms),
        fields,
        avatar_url: v.get("icon").and_then(image_url),
        header_url: v.get("image").and_then(image_url),
        moved_to: optional_url(v, "movedTo"),
        preferred_username,
        id,
    })
}

fn image_url(v: &Value) -> Option<String> {
    let raw = match v {
        Value::Object(map) => map.get("url").and_then(id_of),
        Value::Array(items) => items.first().and_then(image_url_str),
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }?;
    http_url("icon", raw).ok().map(|u| u.to_string())
}

fn image_url_str(v: &Value) -> Option<&str> {
    match v {
        Value::Object(map) => map.get("url").and_then(id_of),
        other => id_of(other),
    }
}

/// RFC 3339 / ISO 8601 as servers write it (`2026-11-22T10:00:00Z`,
/// `2026-11-22T10:00:00.123+01:00`), to milliseconds since the epoch.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

pub const NOTE_TYPES: [&str; 5] = ["Note", "Question", "Article", "Page", "Event"];

/// A post: `Note` (Mastodon and most others), `Question` (a poll), `Article` and `Page`
/// (blogs, Lemmy posts), shown as statuses.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: String,
    pub kind: String,
    pub attributed_to: String,
    /// HTML as sent; the caller sanitises it before storing.
    pub content_html: String,
    pub summary: Option<String>,
    /// An Article's or Page's title, shown above its content.
    pub name: Option<String>,
    pub sensitive: bool,
    pub in_reply_to: Option<String>,
    pub published_ms: Option<i64>,
    pub updated_ms: Option<i64>,
    pub url: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub mentions: Vec<String>,
    pub hashtags: Vec<String>,
    /// Custom emoji the content uses (`Emoji` tags).
    pub emojis: Vec<Emoji>,
    pub language: Option<String>,
    pub attachments: Vec<Attachment>,
    pub poll: Option<Poll>,
    pub conversation: Option<String>,
}

/// A custom emoji: `:shortcode:` in the content shows the image at `url`.
#[derive(Debug, Clone, PartialEq)]
pub struct Emoji {
    pub shortcode: String,
    pub url: String,
}

/// No note needs more; a flood of tags is not shown.
const MAX_EMOJIS: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub url: String,
    pub media_type: Option<String>,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// Mastodon's `focalPoint`, x and y from -1 to 1.
    pub focus: Option<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    pub multiple: bool,
    /// (option title, votes counted by the origin).
    pub options: Vec<(String, i64)>,
    pub closes_ms: Option<i64>,
    /// Mastodon's `votersCount`.
    pub voters_count: Option<i64>,
}

pub fn note(v: &Value) -> Result<Note, VocabError> {
    let kind = type_of(v).ok_or(VocabError::Missing("type"))?;
    if !NOTE_TYPES.contains(&kind) {
        return Err(VocabError::Unsupported(kind.to_string()));
    }
    let id = required_url(v, "id")?;
    let attributed_to = match v.get("attributedTo") {
        // PeerTube and Lemmy may list a Group beside the Person: the Person wrote it.
        Some(Value::Array(items)) => items
            .iter()
            .find(|i| !matches!(type_of(i), Some("Group")))
            .and_then(id_of),
        Some(other) => id_of(other),
        None => None,
    }
    .ok_or(VocabError::Missing("attributedTo"))?;
    let attributed_to = http_url("attributedTo", attributed_to)?.to_string();
    let (content_html, language) = content_and_language(v);
    let tags: &[Value] = match v.get("tag") {
        Some(Value::Array(items)) => items,
        Some(single @ Value::Object(_)) => std::slice::from_ref(single),
        _ => &[],
    };
    let mentions = tags
        .iter()
        .filter(|t| type_of(t) == Some("Mention"))
        .filter_map(|t| str_field(t, "href"))
        .filter(|h| http_url("tag.href", h).is_ok())
        .map(str::to_string)
        .collect();
    let hashtags = tags
        .iter()
        .filter(|t| type_of(t) == Some("Hashtag"))
        .filter_map(|t| str_field(t, "name"))
        .map(|n| n.trim_start_matches('#').to_string())
        .filter(|n| !n.is_empty())
        .collect();
    let emojis = tags
        .iter()
        .filter(|t| type_of(t) == Some("Emoji"))
        .filter_map(emoji)
        .take(MAX_EMOJIS)
        .collect();
    let attachments = match v.get("attachment") {
        Some(Value::Array(items)) => items.iter().filter_map(attachment).collect(),
        Some(single @ Value::Object(_)) => attachment(single).into_iter().collect(),
        _ => Vec::new(),
    };
    Ok(Note {
        kind: kind.to_string(),
        attributed_to,
        content_html,
        summary: str_field(v, "summary").map(str::to_string),
        name: str_field(v, "name").map(str::to_string),
        sensitive: v.get("sensitive").and_then(Value::as_bool).unwrap_or(false),
        in_reply_to: v
            .get("inReplyTo")
            .and_then(id_of)
            .and_then(|s| http_url("inReplyTo", s).ok())
            .map(|u| u.to_string()),
        published_ms: str_field(v, "published").and_then(parse_time_ms),
        updated_ms: str_field(v, "updated").and_then(parse_time_ms),
        url: v
            .get("url")
            .and_then(id_of)
            .and_then(|s| http_url("url", s).ok())
            .map(|u| u.to_string()),
        to: ids_of(v.get("to")),
        cc: ids_of(v.get("cc")),
        mentions,
        hashtags,
        emojis,
        language,
        attachments,
        poll: (kind == "Question").then(|| poll(v)),
        conversation: str_field(v, "conversation")
            .or_else(|| str_field(v, "context"))
            .map(str::to_string),
        id,
    })
}

/// An `Emoji` tag: its name (`:shortcode:`, colons optional) and its icon's http(s) URL.
fn emoji(t: &Value) -> Option<Emoji> {
    let name = str_field(t, "name")?.trim_matches(':');
    let valid = (2..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let icon = t.get("icon")?;
    let url = match icon.get("url") {
        Some(u) => id_of(u)?,
        None => id_of(icon)?,
    };
    let url = http_url("icon.url", url).ok()?;
    valid.then(|| Emoji {
        shortcode: name.to_string(),
        url: url.to_string(),
    })
}

/// `content`, or failing that the first `contentMap` entry; and the language, when the
/// note names one. Misskey sends `_misskey_content` beside `content`; `source` is
/// Markdown or MFM, never shown.
fn content_and_language(v: &Value) -> (String, Option<String>) {
    let map = v.get("contentMap").and_then(Value::as_object);
    let language = map
        .and_then(|m| m.keys().next())
        .filter(|k| k.len() <= 16)
        .cloned();
    let content = str_field(v, "content")
        .map(str::to_string)
        .or_else(|| {
            map.and_then(|m| m.values().find_map(Value::as_str))
                .map(str::to_string)
        })
        .unwrap_or_default();
    (content, language)
}

fn attachment(v: &Value) -> Option<Attachment> {
    let url = match v.get("url")? {
        Value::Array(links) => links.iter().find_map(image_url_str),
        other => image_url_str(other),
    }?;
    let url = http_url("attachment.url", url).ok()?.to_string();
    Some(Attachment {
        url,
        media_type: str_field(v, "mediaType").map(str::to_string),
        description: str_field(v, "name")
            .or_else(|| str_field(v, "summary"))
            .map(str::to_string),
        blurhash: str_field(v, "blurhash").map(str::to_string),
        width: v.get("width").and_then(Value::as_i64),
        height: v.get("height").and_then(Value::as_i64),
        focus: match v.get("focalPoint") {
            Some(Value::Array(xy)) if xy.len() == 2 => xy[0]
                .as_f64()
                .zip(xy[1].as_f64())
                .filter(|(x, y)| (-1.0..=1.0).contains(x) && (-1.0..=1.0).contains(y)),
            _ => None,
        },
    })
}

fn poll(v: &Value) -> Poll {
    let (multiple, choices) = match (v.get("anyOf"), v.get("oneOf")) {
        (Some(Value::Array(any)), _) if !any.is_empty() => (true, any.as_slice()),
        (_, Some(Value::Array(one))) => (false, one.as_slice()),
        _ => (false, &[][..]),
    };
    Poll {
        multiple,
        options: choices
            .iter()
            .filter_map(|c| {
                let title = str_field(c, "name")?.to_string();
                let votes = c
                    .get("replies")
                    .and_then(|r| r.get("totalItems"))
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                Some((title, votes))
            })
            .collect(),
        closes_ms: str_field(v, "endTime")
            .or_else(|| str_field(v, "closed"))
            .and_then(parse_time_ms),
        voters_count: v.get("votersCount").and_then(Value::as_i64),
    }
}

/// Who may see a note, in Mastodon's four visibilities.
pub fn visibility(note: &Note, followers_url: Option<&str>) -> &'static str {
    let public = |list: &[String]| {
        list.iter()
            .any(|a| a == PUBLIC || a == "as:Public" || a == "Public")
    };
    if public(&note.to) {
        "public"
    } else if public(&note.cc) {
        "unlisted"
    } else if followers_url.is_some_and(|f| note.to.iter().chain(&note.cc).any(|a| a == f))
        || note.to.iter().any(|a| a.ends_with("/followers"))
    {
        "private"
    } else {
        "direct"
    }
}

/// An activity as received: the verb, who did it, and what to.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub id: String,
    pub kind: String,
    pub actor: String,
    /// The object as sent: an id, or an embedded document.
    pub object: Value,
    pub target: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

impl Activity {
    /// The object's id, whether it was sent by reference or embedded.
    pub fn object_id(&self) -> Option<&str> {
        id_of(&self.object)
    }

    /// The embedded object's type, if it was embedded.
    pub fn object_type(&self) -> Option<&str> {
        type_of(&self.object)
    }
}

pub fn activity(v: &Value) -> Result<Activity, VocabError> {
    let kind = type_of(v).ok_or(VocabError::Missing("type"))?;
    let actor = v
        .get("actor")
        .and_then(id_of)
        .ok_or(VocabError::Missing("actor"))?;
    Ok(Activity {
        id: required_url(v, "id")?,
        kind: kind.to_string(),
        actor: http_url("actor", actor)?.to_string(),
        object: v.get("object").cloned().unwrap_or(Value::Null),
        target: v.get("target").and_then(id_of).map(str::to_string),
        to: ids_of(v.get("to")),
        cc: ids_of(v.get("cc")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_may_be_strings_objects_or_arrays() {
        assert_eq!(id_of(&json!("https://a/x")), Some("https://a/x"));
        assert_eq!(id_of(&json!({"id": "https://a/x"})), Some("https://a/x"));
        assert_eq!(
            id_of(&json!([{"href": "https://a/x"}])),
            Some("https://a/x")
        );
        assert_eq!(
            ids_of(Some(&json!(["https://a/1", {"id": "https://a/2"}, 3]))),
            vec!["https://a/1", "https://a/2"]
        );
        assert_eq!(id_of(&json!(42)), None);
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(parse_document(deep.as_bytes()), Err(VocabError::TooDeep));
        let quoted = json!({"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}).to_string();
        assert!(parse_document(quoted.as_bytes()).is_ok());
    }

    #[test]
    fn origins_compare_host_and_port() {
        assert!(same_origin(
            "https://a.example/users/x",
            "https://A.example/notes/1"
        ));
        assert!(!same_origin("https://a.example/x", "https://b.example/x"));
        assert!(!same_origin("http://127.0.0.1:1/x", "http://127.0.0.1:2/x"));
        assert!(!same_origin("not a url", "not a url"));
        assert!(same_origin(
            "http://localhost.:19303/users/x#main-key",
            "http://LOCALHOST:19303/users/x"
        ));
        assert!(!same_origin(
            "acct:x@a.example",
            "https://a.example/users/x"
        ));
    }

    #[test]
    fn visibility_follows_the_addressing() {
        let mut n = note(&json!({
            "id": "https://b.example/n/1", "type": "Note",
            "attributedTo": "https://b.example/u/y", "content": "<p>x</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": ["https://b.example/u/y/followers"],
        }))
        .unwrap();
        assert_eq!(visibility(&n, None), "public");
        std::mem::swap(&mut n.to, &mut n.cc);
        assert_eq!(visibility(&n, None), "unlisted");
        n.cc.clear();
        assert_eq!(
            visibility(&n, Some("https://b.example/u/y/followers")),
            "private"
        );
        n.to = vec!["https://a.example/u/x".into()];
        assert_eq!(visibility(&n, None), "direct");
    }

    #[test]
    fn a_note_without_an_author_is_refused() {
        let e = note(&json!({"id": "https://b.example/n/1", "type": "Note"})).unwrap_err();
        assert_eq!(e, VocabError::Missing("attributedTo"));
        let e = note(&json!({"id": "javascript:alert(1)", "type": "Note"})).unwrap_err();
        assert!(matches!(e, VocabError::BadUrl { field: "id", .. }));
    }
}
