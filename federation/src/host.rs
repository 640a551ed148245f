//! Hosts as this server compares them. One spelling per server, so that a domain block,
//! an ownership check and a stored account domain all compare like with like: otherwise
//! `Evil.Example.:443`, `evil.example` and `xn--…` would be three servers, and a block on
//! one would not cover the others.
//!
//! The canonical form is `host` or `host:port`: the host lower case, a domain in ASCII
//! (IDNA, punycode) without a trailing dot, an IPv4 address in dotted decimal, an IPv6
//! address in brackets; the port only when it is not the scheme's default (443 for https,
//! 80 for http). An authority written without a scheme is taken as https, the scheme
//! servers federate over.

use std::net::Ipv6Addr;

use url::{Host, Url};

/// The canonical host of a URL (`https://Host.:443/path`) or of a bare authority
/// (`Host.:8443`, `bücher.example`, `::1`); `None` when it names no host.
pub fn canonical_host(url_or_authority: &str) -> Option<String> {
    let s = url_or_authority.trim();
    if s.contains("://") {
        of_url(s)
    } else {
        of_authority(s)
    }
}

/// The canonical host of an absolute URL only: an id, a key id, an inbox. Anything else
/// (a bare name, an `acct:` URI) has none, so it can never pass for a server.
pub fn of_url(url: &str) -> Option<String> {
    canonical(&Url::parse(url.trim()).ok()?)
}

/// Do two URLs or authorities name the same server?
pub fn same_host(a: &str, b: &str) -> bool {
    matches!((canonical_host(a), canonical_host(b)), (Some(x), Some(y)) if x == y)
}

fn of_authority(authority: &str) -> Option<String> {
    // Only `host[:port]`: user info, a path or a query would make `https://{…}` parse as
    // another host than the one written.
    if authority.is_empty()
        || authority
            .contains(|c: char| c.is_whitespace() || matches!(c, '/' | '\\' | '?' | '#' | '@'))
    {
        return None;
    }
    if let Ok(ip) = authority.parse::<Ipv6Addr>() {
        return Some(format!("[{ip}]"));
    }
    canonical(&Url::parse(&format!("https://{authority}/")).ok()?)
}

fn canonical(url: &Url) -> Option<String> {
    // For http(s) the URL parser has already lowered, IDNA-encoded and dropped the default
    // port, but it keeps a domain's trailing dot; parsing the host again without it does
    // the rest for any scheme.
    let host = url.host_str()?.trim_end_matches('.');
    if host.is_empty() {
        return None;
    }
    let host = Host::parse(host).ok()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn c(s: &str) -> Option<String> {
        canonical_host(s)
    }

    #[test]
    fn case_and_a_trailing_dot_do_not_make_another_host() {
        assert_eq!(c("Evil.Example.").as_deref(), Some("evil.example"));
        assert_eq!(
            c("https://Evil.Example./x").as_deref(),
            Some("evil.example")
        );
        assert_eq!(c("evil.example..").as_deref(), Some("evil.example"));
    }

    #[test]
    fn a_trailing_dot_before_a_port_goes_too() {
        assert_eq!(
            c("evil.example.:8443").as_deref(),
            Some("evil.example:8443")
        );
        assert_eq!(
            c("https://evil.example.:8443/users/x#main-key").as_deref(),
            Some("evil.example:8443")
        );
        assert_eq!(
            c("http://localhost.:19303/users/x").as_deref(),
            Some("localhost:19303")
        );
    }

    #[test]
    fn the_default_port_of_the_scheme_is_dropped_and_no_other() {
        assert_eq!(
            c("https://EVIL.example:443/").as_deref(),
            Some("evil.example")
        );
        assert_eq!(
            c("http://evil.example:80/").as_deref(),
            Some("evil.example")
        );
        assert_eq!(
            c("http://evil.example:443/").as_deref(),
            Some("evil.example:443")
        );
        assert_eq!(
            c("https://evil.example:80/").as_deref(),
            Some("evil.example:80")
        );
        // Without a scheme, https.
        assert_eq!(c("EVIL.example:443").as_deref(), Some("evil.example"));
        assert_eq!(c("evil.example:80").as_deref(), Some("evil.example:80"));
    }

    #[test]
    fn unicode_names_are_punycode() {
        let ascii = Some("xn--bcher-kva.example");
        assert_eq!(c("bücher.example").as_deref(), ascii);
        assert_eq!(c("BÜCHER.example.").as_deref(), ascii);
        assert_eq!(c("https://bücher.example/x").as_deref(), ascii);
        assert_eq!(c("xn--bcher-kva.example").as_deref(), ascii);
        assert!(same_host(
            "https://bücher.example/a",
            "xn--BCHER-kva.example"
        ));
    }

    #[test]
    fn ipv6_addresses_are_bracketed() {
        assert_eq!(c("http://[::1]:80/").as_deref(), Some("[::1]"));
        assert_eq!(c("https://[::1]:80/").as_deref(), Some("[::1]:80"));
        assert_eq!(c("[::1]:8443").as_deref(), Some("[::1]:8443"));
        assert_eq!(c("::1").as_deref(), Some("[::1]"));
        assert_eq!(c("[0:0::1]").as_deref(), Some("[::1]"));
    }

    #[test]
    fn ipv4_addresses_are_dotted_decimal() {
        assert_eq!(c("127.0.0.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(c("127.0.0.1.:8443").as_deref(), Some("127.0.0.1:8443"));
        assert_eq!(c("http://127.1:19303/").as_deref(), Some("127.0.0.1:19303"));
        assert_eq!(c("0x7f.0.0.1").as_deref(), Some("127.0.0.1"));
    }

    #[test]
    fn what_names_no_host_has_none() {
        for s in [
            "",
            ".",
            "not a host",
            "acct:alice@evil.example",
            "alice@evil.example",
            "evil.example/path",
            "evil.example:port",
            "https://",
            "urn:uuid:1234",
        ] {
            assert_eq!(c(s), None, "{s:?}");
        }
        assert_eq!(of_url("evil.example"), None, "a bare name is not a URL");
    }

    #[test]
    fn canonical_hosts_stay_as_they_are() {
        for s in [
            "evil.example",
            "evil.example:8443",
            "xn--bcher-kva.example",
            "127.0.0.1:8443",
            "[::1]:8443",
        ] {
            assert_eq!(c(s).as_deref(), Some(s));
        }
    }

    #[test]
    fn same_host_compares_canonical_forms() {
        assert!(same_host(
            "https://Evil.Example.:443/users/x#main-key",
            "https://evil.example/users/x"
        ));
        assert!(same_host(
            "localhost.:19303",
            "http://LOCALHOST:19303/inbox"
        ));
        assert!(!same_host("http://127.0.0.1:1/x", "http://127.0.0.1:2/x"));
        assert!(!same_host("https://a.example/x", "https://b.example/x"));
        assert!(!same_host("not a url", "not a url"));
    }
}
