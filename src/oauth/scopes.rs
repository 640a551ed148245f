//! OAuth scopes: the top-level `read`, `write`, `follow`, `push`, `profile`, the granular
//! `read:statuses` kind, and `admin:read`/`admin:write` with theirs.

const TOP: [&str; 7] = [
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "admin:read",
    "admin:write",
];
const READ: [&str; 11] = [
    "accounts",
    "blocks",
    "bookmarks",
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
    "notifications",
    "search",
    "statuses",
];
const WRITE: [&str; 14] = [
    "accounts",
    "blocks",
    "bookmarks",
    "conversations",
    "favourites",
    "filters",
    "follows",
    "lists",
    "media",
    "mutes",
    "notifications",
    "reports",
    "statuses",
    "push",
];
const ADMIN: [&str; 6] = [
    "accounts",
    "reports",
    "domain_allows",
    "domain_blocks",
    "ip_blocks",
    "email_domain_blocks",
];
/// The legacy `follow` scope covers these.
const FOLLOW_COVERS: [&str; 6] = [
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
];

pub fn is_known(scope: &str) -> bool {
    if TOP.contains(&scope) {
        return true;
    }
    if let Some(rest) = scope
        .strip_prefix("admin:read:")
        .or_else(|| scope.strip_prefix("admin:write:"))
    {
        return ADMIN.contains(&rest) || rest == "canonical_email_blocks";
    }
    match scope.split_once(':') {
        Some(("read", g)) => READ.contains(&g),
        Some(("write", g)) => WRITE.contains(&g),
        _ => false,
    }
}

/// Parse a space- (or `+`-) separated list; an unknown scope is an error naming it.
pub fn parse(list: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for s in list.split([' ', '+', ',']).filter(|s| !s.is_empty()) {
        if !is_known(s) {
            return Err(format!(
                "The requested scope is invalid, unknown, or malformed: {s}"
            ));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    if out.is_empty() {
        out.push("read".into());
    }
    Ok(out)
}

/// Does a token holding `held` satisfy `required` (a granular scope such as `read:statuses`)?
pub fn grants(held: &[String], required: &str) -> bool {
    held.iter().any(|h| {
        h == required
            || required
                .strip_prefix(h.as_str())
                .is_some_and(|rest| rest.starts_with(':'))
                && !(h == "admin"
                    || (h == "read" || h == "write") && required.starts_with("admin:"))
            || (h == "follow" && FOLLOW_COVERS.contains(&required))
    })
}

/// Is every scope of `asked` within `allowed` (an app's registered scopes)?
pub fn subset(asked: &[String], allowed: &[String]) -> bool {
    asked.iter().all(|a| grants(allowed, a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(s: &str) -> Vec<String> {
        parse(s).unwrap()
    }

    #[test]
    fn top_level_scopes_cover_their_granular_ones() {
        assert!(grants(&held("read"), "read:statuses"));
        assert!(grants(&held("write"), "write:favourites"));
        assert!(!grants(&held("read"), "write:statuses"));
        assert!(grants(&held("read:statuses"), "read:statuses"));
        assert!(!grants(&held("read:statuses"), "read:notifications"));
        assert!(grants(&held("follow"), "write:follows"));
        assert!(!grants(&held("follow"), "write:statuses"));
        assert!(grants(&held("admin:read"), "admin:read:accounts"));
        assert!(!grants(&held("read"), "admin:read:accounts"));
    }

    #[test]
    fn unknown_scopes_are_refused_and_empty_means_read() {
        assert!(parse("read bogus").is_err());
        assert_eq!(parse("").unwrap(), vec!["read".to_string()]);
        assert_eq!(
            parse("read+write").unwrap(),
            vec!["read".to_string(), "write".to_string()]
        );
        assert!(subset(&held("read:statuses"), &held("read write")));
        assert!(!subset(&held("push"), &held("read write")));
    }
}
