//! Account handles as people write them: `alice`, `@alice`, `alice@example.com`,
//! `@alice@example.com`, `acct:alice@example.com`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle {
    pub username: String,
    pub domain: Option<String>,
}

impl Handle {
    pub fn parse(input: &str) -> Option<Handle> {
        let s = input.trim();
        let s = s.strip_prefix("acct:").unwrap_or(s);
        let s = s.strip_prefix('@').unwrap_or(s);
        let (username, domain) = match s.split_once('@') {
            Some((u, d)) => (u, Some(d)),
            None => (s, None),
        };
        let username_ok = !username.is_empty()
            && username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        let domain_ok = domain.is_none_or(|d| {
            !d.is_empty()
                && d.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':'))
        });
        if !username_ok || !domain_ok {
            return None;
        }
        // The server as every other check compares it (`Example.com.` is `example.com`).
        let domain = match domain {
            Some(d) => Some(crate::host::canonical_host(d)?),
            None => None,
        };
        Some(Handle {
            username: username.to_string(),
            domain,
        })
    }

    /// The handle with `local_domain` dropped, as Mastodon's `acct` shows local accounts.
    pub fn local_to(&self, local_domain: &str) -> Handle {
        match &self.domain {
            Some(d) if crate::host::same_host(d, local_domain) => Handle {
                username: self.username.clone(),
                domain: None,
            },
            _ => self.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_parse_in_every_written_form() {
        let local = Handle {
            username: "alice".into(),
            domain: None,
        };
        assert_eq!(Handle::parse("alice"), Some(local.clone()));
        assert_eq!(Handle::parse("@alice"), Some(local));
        let remote = Handle {
            username: "bob".into(),
            domain: Some("example.com".into()),
        };
        assert_eq!(Handle::parse("bob@Example.com"), Some(remote.clone()));
        assert_eq!(Handle::parse("bob@example.com."), Some(remote.clone()));
        assert_eq!(Handle::parse("bob@example.com:443"), Some(remote.clone()));
        assert_eq!(Handle::parse("@bob@example.com"), Some(remote.clone()));
        assert_eq!(Handle::parse("acct:bob@example.com"), Some(remote));
        assert_eq!(Handle::parse(""), None);
        assert_eq!(Handle::parse("a b"), None);
        assert_eq!(Handle::parse("bob@"), None);
    }

    #[test]
    fn our_own_domain_is_dropped() {
        let h = Handle::parse("alice@localhost:8080")
            .unwrap()
            .local_to("localhost:8080");
        assert_eq!(h.domain, None);
        let h = Handle::parse("alice@Social.Example.:443")
            .unwrap()
            .local_to("social.example");
        assert_eq!(h.domain, None, "every spelling of our host is ours");
    }
}
