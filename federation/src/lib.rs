//! The ActivityPub protocol for Tessera, with no database: actor keys, account handles,
//! the JSON-LD documents we publish (actors, notes, collections), WebFinger and NodeInfo.
//! The application fills plain input structs; this crate decides the wire shapes.

pub mod context;
pub mod documents;
pub mod handle;
pub mod host;
pub mod keys;
pub mod nodeinfo;
pub mod safe_client;
pub mod sanitize;
pub mod signatures;
pub mod vocab;
pub mod webfinger;
pub mod webpush;

/// The media type ActivityPub servers send and accept.
pub const ACTIVITY_JSON: &str = "application/activity+json";

/// Does an `Accept` header ask for ActivityPub JSON rather than a web page?
/// `application/activity+json` and `application/ld+json` (with the ActivityStreams
/// profile, or bare, as some servers send it) both do.
pub fn wants_activity_json(accept: &str) -> bool {
    accept.split(',').any(|part| {
        let media = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        media == ACTIVITY_JSON || media == "application/ld+json"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_json_is_recognised_in_its_usual_spellings() {
        assert!(wants_activity_json("application/activity+json"));
        assert!(wants_activity_json(
            r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#
        ));
        assert!(wants_activity_json(
            "text/html;q=0.9, application/activity+json"
        ));
        assert!(!wants_activity_json("text/html,application/xhtml+xml"));
        assert!(!wants_activity_json("application/json"));
        assert!(!wants_activity_json(""));
    }
}
