//! JSON-LD contexts. Only the standard context URLs plus Mastodon's well-known term
//! definitions, as Mastodon publishes them, so every server can read our documents.

use serde_json::{Value, json};

pub const ACTIVITYSTREAMS: &str = "https://www.w3.org/ns/activitystreams";
pub const SECURITY: &str = "https://w3id.org/security/v1";
/// The address of "everyone" in `to`/`cc`.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The context of an actor document.
pub fn actor() -> Value {
    json!([
        ACTIVITYSTREAMS,
        SECURITY,
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "featuredTags": { "@id": "toot:featuredTags", "@type": "@id" },
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        }
    ])
}

/// The context of a note or an activity carrying one.
pub fn note() -> Value {
    json!([
        ACTIVITYSTREAMS,
        {
            "ostatus": "http://ostatus.org#",
            "atomUri": "ostatus:atomUri",
            "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
            "conversation": "ostatus:conversation",
            "sensitive": "as:sensitive",
            "toot": "http://joinmastodon.org/ns#",
            "Hashtag": "as:Hashtag",
            "Emoji": "toot:Emoji",
            "blurhash": "toot:blurhash",
            "focalPoint": { "@container": "@list", "@id": "toot:focalPoint" }
        }
    ])
}
