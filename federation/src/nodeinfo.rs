//! NodeInfo 2.0 and 2.1 (nodeinfo.diaspora.software), with the discovery document.
//! Clients such as megalodon read `software.name` and `metadata.upstream` to decide
//! which API to speak: we say Tessera, compatible with Mastodon.

use serde_json::{Value, json};

pub struct Usage {
    pub users: i64,
    pub active_month: i64,
    pub active_half_year: i64,
    pub local_posts: i64,
}

pub fn discovery(base_url: &str) -> Value {
    json!({
        "links": [
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": format!("{base_url}/nodeinfo/2.0") },
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": format!("{base_url}/nodeinfo/2.1") },
        ]
    })
}

/// The document for schema `version` ("2.0" or "2.1"; 2.1 adds the repository).
pub fn document(
    version: &str,
    software_version: &str,
    mastodon_version: &str,
    open_registrations: bool,
    usage: &Usage,
    title: &str,
) -> Value {
    let mut software = json!({ "name": "tessera", "version": software_version });
    if version == "2.1" {
        software["repository"] = json!("https://github.com/tessera-social/tessera");
        software["homepage"] = json!("https://github.com/tessera-social/tessera");
    }
    json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": { "outbound": [], "inbound": [] },
        "usage": {
            "users": {
                "total": usage.users,
                "activeMonth": usage.active_month,
                "activeHalfyear": usage.active_half_year,
            },
            "localPosts": usage.local_posts,
        },
        "openRegistrations": open_registrations,
        "metadata": {
            "nodeName": title,
            "upstream": { "name": "mastodon", "version": mastodon_version },
            "features": ["mastodon_api"],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn we_say_tessera_compatible_with_mastodon() {
        let usage = Usage {
            users: 2,
            active_month: 1,
            active_half_year: 2,
            local_posts: 5,
        };
        let doc = document("2.1", "0.1.0", "4.5.0", true, &usage, "T");
        assert_eq!(doc["software"]["name"], "tessera");
        assert_eq!(doc["metadata"]["upstream"]["name"], "mastodon");
        assert_eq!(doc["usage"]["users"]["total"], 2);
        assert!(doc["software"].get("repository").is_some());
        assert!(
            document("2.0", "0.1.0", "4.5.0", true, &usage, "T")["software"]
                .get("repository")
                .is_none()
        );
    }
}
