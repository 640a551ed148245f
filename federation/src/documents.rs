//! The ActivityPub documents we publish: actors (`Person`, `Service`), notes, and
//! ordered collections with their pages. Shapes follow what Mastodon publishes, which is
//! what the rest of the fediverse expects.

use serde_json::{Value, json};

use crate::context::{self, PUBLIC};

/// What an actor document says; the application fills it from its read models.
pub struct ActorInput<'a> {
    /// `Person` for people, `Service` for the instance actor (or bots).
    pub kind: &'a str,
    pub id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub summary_html: &'a str,
    pub url: &'a str,
    pub public_key_pem: &'a str,
    pub manually_approves_followers: bool,
    pub discoverable: bool,
    pub published: &'a str,
    pub fields: &'a [(String, String)],
    pub shared_inbox: &'a str,
    /// (URL, media type) of the avatar and the header, when set.
    pub icon: Option<(&'a str, &'a str)>,
    pub image: Option<(&'a str, &'a str)>,
}

pub fn actor(a: &ActorInput) -> Value {
    let id = a.id;
    let image = |i: Option<(&str, &str)>| {
        i.map(|(url, media_type)| json!({ "type": "Image", "mediaType": media_type, "url": url }))
    };
    let mut doc = json!({
        "@context": context::actor(),
        "id": id,
        "type": a.kind,
        "following": format!("{id}/following"),
        "followers": format!("{id}/followers"),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "featured": format!("{id}/collections/featured"),
        "featuredTags": format!("{id}/collections/tags"),
        "preferredUsername": a.username,
        "name": a.display_name,
        "summary": a.summary_html,
        "url": a.url,
        "manuallyApprovesFollowers": a.manually_approves_followers,
        "discoverable": a.discoverable,
        "indexable": false,
        "published": a.published,
        "publicKey": {
            "id": format!("{id}#main-key"),
            "owner": id,
            "publicKeyPem": a.public_key_pem,
        },
        "tag": [],
        "attachment": a.fields.iter().map(|(name, value)| json!({
            "type": "PropertyValue", "name": name, "value": value,
        })).collect::<Vec<_>>(),
        "endpoints": { "sharedInbox": a.shared_inbox },
    });
    if let Some(icon) = image(a.icon) {
        doc["icon"] = icon;
    }
    if let Some(header) = image(a.image) {
        doc["image"] = header;
    }
    doc
}

/// A file attached to a note, as Mastodon sends it: a `Document` with its description as
/// `name`, and Mastodon's `blurhash` and `focalPoint`.
pub struct AttachmentInput<'a> {
    pub url: &'a str,
    pub media_type: &'a str,
    pub description: Option<&'a str>,
    pub blurhash: Option<&'a str>,
    pub focus: Option<(f64, f64)>,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

fn attachment(a: &AttachmentInput) -> Value {
    let mut doc = json!({
        "type": "Document",
        "mediaType": a.media_type,
        "url": a.url,
        "name": a.description,
        "blurhash": a.blurhash,
    });
    if let Some((x, y)) = a.focus {
        doc["focalPoint"] = json!([x, y]);
    }
    if let (Some(w), Some(h)) = (a.width, a.height) {
        doc["width"] = json!(w);
        doc["height"] = json!(h);
    }
    doc
}

pub struct NoteInput<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub attributed_to: &'a str,
    pub followers: &'a str,
    pub visibility: &'a str,
    pub content_html: &'a str,
    pub summary: Option<&'a str>,
    pub sensitive: bool,
    pub language: Option<&'a str>,
    pub published: &'a str,
    pub in_reply_to: Option<&'a str>,
    /// (actor URI, `@user@host`) of each mention.
    pub mentions: &'a [(String, String)],
    /// (tag URL, name) of each hashtag.
    pub hashtags: &'a [(String, String)],
    /// Custom emoji the content uses.
    pub emojis: &'a [EmojiInput<'a>],
    pub attachments: &'a [AttachmentInput<'a>],
    /// Makes the note a `Question`.
    pub poll: Option<PollInput<'a>>,
}

/// A custom emoji, as Mastodon publishes it: an `Emoji` tag named `:shortcode:`.
pub struct EmojiInput<'a> {
    pub id: &'a str,
    pub shortcode: &'a str,
    pub url: &'a str,
    pub media_type: &'a str,
}

/// A poll, as Mastodon publishes it: `oneOf`/`anyOf` choices with their counts.
pub struct PollInput<'a> {
    pub multiple: bool,
    /// (title, votes) of each choice.
    pub options: &'a [(String, i64)],
    pub end_time: Option<&'a str>,
    pub closed: bool,
    pub voters_count: i64,
}

/// Who a note is addressed to, as Mastodon addresses each visibility.
pub fn addressing(
    visibility: &str,
    followers: &str,
    mentioned: &[String],
) -> (Vec<String>, Vec<String>) {
    let mentioned = mentioned.to_vec();
    match visibility {
        "public" => (
            vec![PUBLIC.into()],
            [vec![followers.to_string()], mentioned].concat(),
        ),
        "unlisted" => (
            vec![followers.to_string()],
            [vec![PUBLIC.into()], mentioned].concat(),
        ),
        "private" => (vec![followers.to_string()], mentioned),
        _ => (mentioned, vec![]),
    }
}

pub fn note(n: &NoteInput) -> Value {
    let mentioned: Vec<String> = n.mentions.iter().map(|(uri, _)| uri.clone()).collect();
    let (to, cc) = addressing(n.visibility, n.followers, &mentioned);
    let mut tags: Vec<Value> = n
        .mentions
        .iter()
        .map(|(uri, name)| json!({ "type": "Mention", "href": uri, "name": name }))
        .collect();
    tags.extend(
        n.hashtags.iter().map(
            |(url, name)| json!({ "type": "Hashtag", "href": url, "name": format!("#{name}") }),
        ),
    );
    tags.extend(n.emojis.iter().map(|e| {
        json!({
            "id": e.id,
            "type": "Emoji",
            "name": format!(":{}:", e.shortcode),
            "icon": { "type": "Image", "mediaType": e.media_type, "url": e.url },
        })
    }));
    let mut note = json!({
        "@context": context::note(),
        "id": n.id,
        "type": "Note",
        "summary": n.summary,
        "inReplyTo": n.in_reply_to,
        "published": n.published,
        "url": n.url,
        "attributedTo": n.attributed_to,
        "to": to,
        "cc": cc,
        "sensitive": n.sensitive,
        "content": n.content_html,
        "attachment": n.attachments.iter().map(attachment).collect::<Vec<_>>(),
        "tag": tags,
    });
    if let Some(lang) = n.language {
        note["contentMap"] = json!({ lang: n.content_html });
    }
    if let Some(p) = &n.poll {
        note["type"] = json!("Question");
        let choices: Vec<Value> = p
            .options
            .iter()
            .map(|(name, votes)| {
                json!({ "type": "Note", "name": name, "replies": { "type": "Collection", "totalItems": votes } })
            })
            .collect();
        note[if p.multiple { "anyOf" } else { "oneOf" }] = json!(choices);
        note["votersCount"] = json!(p.voters_count);
        if let Some(end) = p.end_time {
            note["endTime"] = json!(end);
            if p.closed {
                note["closed"] = json!(end);
            }
        }
    }
    note
}

/// One choice of a vote on someone else's poll: a `Note` with the choice as `name`, in
/// reply to the `Question`, addressed to its author only (as Mastodon votes).
pub fn vote(id: &str, voter: &str, question: &str, question_author: &str, choice: &str) -> Value {
    json!({
        "@context": context::note(),
        "id": id,
        "type": "Note",
        "name": choice,
        "attributedTo": voter,
        "inReplyTo": question,
        "to": [question_author],
        "cc": [],
    })
}

/// An `OrderedCollection` that names its size and its first page.
pub fn collection(id: &str, total_items: i64, first_page: Option<&str>) -> Value {
    let mut c = json!({
        "@context": context::ACTIVITYSTREAMS,
        "id": id,
        "type": "OrderedCollection",
        "totalItems": total_items,
    });
    if let Some(first) = first_page {
        c["first"] = json!(first);
    }
    c
}

/// A short collection given whole, as Mastodon serves `featured`: the items inline.
pub fn collection_of(id: &str, items: Vec<Value>) -> Value {
    json!({
        "@context": context::note(),
        "id": id,
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    })
}

/// One page of a collection; `next` when there are more items.
pub fn collection_page(id: &str, part_of: &str, items: Vec<Value>, next: Option<&str>) -> Value {
    let mut page = json!({
        "@context": context::note(),
        "id": id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    });
    if let Some(next) = next {
        page["next"] = json!(next);
    }
    page
}

/// The `Create` that wraps a note in an outbox.
pub fn create(note: &Value) -> Value {
    let mut object = note.clone();
    if let Some(map) = object.as_object_mut() {
        map.remove("@context");
    }
    json!({
        "id": format!("{}/activity", note["id"].as_str().unwrap_or_default()),
        "type": "Create",
        "actor": note["attributedTo"],
        "published": note["published"],
        "to": note["to"],
        "cc": note["cc"],
        "object": object,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_visibility_is_addressed_as_mastodon_does() {
        let f = "https://a.example/users/x/followers";
        let m = vec!["https://b.example/users/y".to_string()];
        assert_eq!(
            addressing("public", f, &m),
            (vec![PUBLIC.to_string()], vec![f.to_string(), m[0].clone()])
        );
        assert_eq!(
            addressing("unlisted", f, &m),
            (vec![f.to_string()], vec![PUBLIC.to_string(), m[0].clone()])
        );
        assert_eq!(
            addressing("private", f, &m),
            (vec![f.to_string()], m.clone())
        );
        assert_eq!(addressing("direct", f, &m), (m.clone(), vec![]));
    }

    #[test]
    fn a_note_carries_mentions_hashtags_and_language() {
        let mentions = vec![(
            "https://b.example/users/y".to_string(),
            "@y@b.example".to_string(),
        )];
        let hashtags = vec![(
            "https://a.example/tags/rust".to_string(),
            "rust".to_string(),
        )];
        let n = note(&NoteInput {
            id: "https://a.example/users/x/statuses/1",
            url: "https://a.example/@x/1",
            attributed_to: "https://a.example/users/x",
            followers: "https://a.example/users/x/followers",
            visibility: "public",
            content_html: "<p>hi</p>",
            summary: None,
            sensitive: false,
            language: Some("en"),
            published: "2026-11-22T10:00:00.000Z",
            in_reply_to: None,
            mentions: &mentions,
            hashtags: &hashtags,
            emojis: &[],
            attachments: &[],
            poll: None,
        });
        assert_eq!(n["type"], "Note");
        assert_eq!(n["tag"][0]["type"], "Mention");
        assert_eq!(n["tag"][1]["name"], "#rust");
        assert_eq!(n["contentMap"]["en"], "<p>hi</p>");
        let c = create(&n);
        assert_eq!(c["object"]["id"], n["id"]);
        assert!(c["object"].get("@context").is_none());
    }
}
