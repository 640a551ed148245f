//! WebFinger (RFC 7033) as the fediverse uses it: `acct:user@host` to an actor.

use serde::{Deserialize, Serialize};

use crate::handle::Handle;

/// What a `resource` parameter names: a handle or an actor URL on this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    Acct(Handle),
    Url(url::Url),
}

impl Resource {
    pub fn parse(resource: &str) -> Option<Resource> {
        let r = resource.trim();
        if r.starts_with("acct:") || (!r.contains("://") && r.contains('@')) {
            return Handle::parse(r)
                .filter(|h| h.domain.is_some())
                .map(Resource::Acct);
        }
        url::Url::parse(r)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(Resource::Url)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jrd {
    pub subject: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub rel: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

/// The document for a local account, as Mastodon answers it.
pub fn account(
    username: &str,
    domain: &str,
    actor_uri: &str,
    profile_url: &str,
    base_url: &str,
) -> Jrd {
    Jrd {
        subject: format!("acct:{username}@{domain}"),
        aliases: vec![profile_url.to_string(), actor_uri.to_string()],
        links: vec![
            Link {
                rel: "http://webfinger.net/rel/profile-page".into(),
                kind: Some("text/html".into()),
                href: Some(profile_url.into()),
                template: None,
            },
            Link {
                rel: "self".into(),
                kind: Some(crate::ACTIVITY_JSON.into()),
                href: Some(actor_uri.into()),
                template: None,
            },
            Link {
                rel: "http://ostatus.org/schema/1.0/subscribe".into(),
                kind: None,
                href: None,
                template: Some(format!("{base_url}/authorize_interaction?uri={{uri}}")),
            },
        ],
    }
}

/// host-meta (RFC 6415) pointing at our WebFinger endpoint, for older servers.
pub fn host_meta(base_url: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{base_url}/.well-known/webfinger?resource={{uri}}\"/>\n</XRD>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_are_handles_or_urls() {
        let acct = Resource::parse("acct:alice@example.com").unwrap();
        assert_eq!(
            acct,
            Resource::Acct(Handle {
                username: "alice".into(),
                domain: Some("example.com".into())
            })
        );
        assert!(matches!(
            Resource::parse("alice@example.com"),
            Some(Resource::Acct(_))
        ));
        assert!(matches!(
            Resource::parse("https://example.com/users/alice"),
            Some(Resource::Url(_))
        ));
        assert_eq!(
            Resource::parse("acct:alice"),
            None,
            "a handle needs its host"
        );
        assert_eq!(Resource::parse("javascript:alert(1)"), None);
    }

    #[test]
    fn an_account_links_to_its_actor_and_profile() {
        let jrd = account(
            "alice",
            "example.com",
            "https://example.com/users/alice",
            "https://example.com/@alice",
            "https://example.com",
        );
        assert_eq!(jrd.subject, "acct:alice@example.com");
        let this = jrd.links.iter().find(|l| l.rel == "self").unwrap();
        assert_eq!(
            this.href.as_deref(),
            Some("https://example.com/users/alice")
        );
        assert_eq!(this.kind.as_deref(), Some("application/activity+json"));
        let json = serde_json::to_value(&jrd).unwrap();
        assert!(json["links"][2].get("href").is_none());
    }
}
