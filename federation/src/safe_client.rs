//! The one HTTP client that fetches what strangers point us at (actors, objects, media).
//! It refuses loopback, private, link-local, CGNAT, multicast and reserved addresses.
//! The check happens where addresses are chosen: in the DNS resolver (so a name that
//! resolves, or re-resolves, to an internal address is refused), for IP literals in
//! URLs, and again on every redirect. At most 3 redirects, a body limit enforced while
//! reading, and one deadline for the whole request.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use reqwest::Method;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{HeaderMap, HeaderValue};
use url::Url;

/// Which addresses a fetch may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressPolicy {
    /// Only global unicast addresses: the default, and the only safe one in production.
    PublicOnly,
    /// Anything, for local development and tests (`TESSERA_ALLOW_PRIVATE_ADDRESSES`).
    AllowPrivate,
    /// Public addresses plus exactly these (for tests that need one local peer).
    AllowAlso(Vec<IpAddr>),
}

impl AddressPolicy {
    pub fn permits(&self, ip: IpAddr) -> bool {
        match self {
            AddressPolicy::AllowPrivate => true,
            AddressPolicy::PublicOnly => is_public(ip),
            AddressPolicy::AllowAlso(extra) => is_public(ip) || extra.contains(&ip),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    pub deadline: Duration,
    pub connect_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_redirects: 3,
            deadline: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("not a fetchable URL: {0}")]
    BadUrl(String),
    #[error("refused: {0} is not a public address")]
    Forbidden(String),
    #[error("the response is larger than {0} bytes")]
    TooLarge(usize),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("too many redirects")]
    TooManyRedirects,
    #[error("fetch failed: {0}")]
    Transport(String),
}

/// A response read whole, within the limits.
#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    pub final_url: Url,
    pub content_type: Option<String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Fetched {
    /// `Retry-After` as seconds or an HTTP date, relative to now.
    pub fn retry_after(&self) -> Option<Duration> {
        let raw = self
            .headers
            .get(reqwest::header::RETRY_AFTER)?
            .to_str()
            .ok()?
            .trim();
        if let Ok(secs) = raw.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        let at = httpdate::parse_http_date(raw).ok()?;
        Some(
            at.duration_since(std::time::SystemTime::now())
                .unwrap_or_default(),
        )
    }
}

#[derive(Clone)]
pub struct SafeClient {
    http: reqwest::Client,
    /// The same, following no redirects: for POSTs.
    no_redirects: reqwest::Client,
    policy: Arc<AddressPolicy>,
    limits: Limits,
}

/// Resolves names, then drops every address the policy does not permit.
struct FilteringResolver {
    policy: Arc<AddressPolicy>,
}

impl Resolve for FilteringResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = all
                .iter()
                .copied()
                .filter(|a| policy.permits(a.ip()))
                .collect();
            if allowed.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> = Box::new(
                    FetchError::Forbidden(format!("{host} ({})", describe(&all))),
                );
                return Err(err);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

fn describe(addrs: &[SocketAddr]) -> String {
    addrs
        .iter()
        .map(|a| a.ip().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Is this URL's host an IP literal the policy refuses?
fn literal_refused(url: &Url, policy: &AddressPolicy) -> Option<String> {
    let ip = match url.host()? {
        url::Host::Ipv4(v4) => IpAddr::V4(v4),
        url::Host::Ipv6(v6) => IpAddr::V6(v6),
        url::Host::Domain(_) => return None,
    };
    (!policy.permits(ip)).then(|| ip.to_string())
}

impl SafeClient {
    pub fn new(
        policy: AddressPolicy,
        limits: Limits,
        user_agent: &str,
    ) -> Result<SafeClient, FetchError> {
        let policy = Arc::new(policy);
        let max_redirects = limits.max_redirects;
        let redirect_policy = policy.clone();
        let base = || {
            reqwest::Client::builder()
                .user_agent(user_agent)
                .dns_resolver(Arc::new(FilteringResolver {
                    policy: policy.clone(),
                }))
                .connect_timeout(limits.connect_timeout)
                .pool_max_idle_per_host(32)
                .no_proxy()
        };
        let no_redirects = base()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| FetchError::Transport(e.to_string()))?;
        let http = base()
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > max_redirects {
                    return attempt.error(FetchError::TooManyRedirects);
                }
                if !matches!(attempt.url().scheme(), "http" | "https") {
                    let scheme = attempt.url().scheme().to_string();
                    return attempt
                        .error(FetchError::BadUrl(format!("redirect to a {scheme}: URL")));
                }
                match literal_refused(attempt.url(), &redirect_policy) {
                    Some(ip) => attempt.error(FetchError::Forbidden(ip)),
                    None => attempt.follow(),
                }
            }))
            .build()
            .map_err(|e| FetchError::Transport(e.to_string()))?;
        Ok(SafeClient {
            http,
            no_redirects,
            policy,
            limits,
        })
    }

    /// GET `url` with `accept`, reading at most the body limit before the deadline.
    pub async fn get(&self, url: &str, accept: &str) -> Result<Fetched, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_str(accept).map_err(|e| FetchError::BadUrl(e.to_string()))?,
        );
        self.send(Method::GET, url, headers, None).await
    }

    /// The URL checks every request gets before any connection is made.
    pub fn check_url(&self, url: &str) -> Result<Url, FetchError> {
        let url = Url::parse(url).map_err(|e| FetchError::BadUrl(format!("{url}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(FetchError::BadUrl(url.to_string()));
        }
        if let Some(ip) = literal_refused(&url, &self.policy) {
            return Err(FetchError::Forbidden(ip));
        }
        Ok(url)
    }

    /// Any request with the caller's headers (a signature, say), within the same limits.
    /// A POST is never redirected: a delivery that moved must be re-addressed by its sender.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
    ) -> Result<Fetched, FetchError> {
        let url = self.check_url(url)?;
        let deadline = self.limits.deadline;
        tokio::time::timeout(deadline, self.exchange(method, url, headers, body))
            .await
            .map_err(|_| FetchError::Timeout(deadline))?
    }

    async fn exchange(
        &self,
        method: Method,
        url: Url,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
    ) -> Result<Fetched, FetchError> {
        let client = if method == Method::GET {
            &self.http
        } else {
            &self.no_redirects
        };
        let mut request = client.request(method, url).headers(headers);
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.map_err(classify)?;
        let max = self.limits.max_body_bytes;
        if response.content_length().is_some_and(|n| n > max as u64) {
            return Err(FetchError::TooLarge(max));
        }
        let status = response.status().as_u16();
        let final_url = response.url().clone();
        let headers = response.headers().clone();
        let content_type = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(classify)?;
            if body.len() + chunk.len() > max {
                return Err(FetchError::TooLarge(max));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            status,
            final_url,
            content_type,
            headers,
            body,
        })
    }
}

/// Bring our own refusals back out of reqwest's error chain.
fn classify(e: reqwest::Error) -> FetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(ours) = err.downcast_ref::<FetchError>() {
            return match ours {
                FetchError::Forbidden(a) => FetchError::Forbidden(a.clone()),
                FetchError::TooManyRedirects => FetchError::TooManyRedirects,
                FetchError::BadUrl(u) => FetchError::BadUrl(u.clone()),
                other => FetchError::Transport(other.to_string()),
            };
        }
        source = err.source();
    }
    if e.is_timeout() {
        return FetchError::Transport("timed out".into());
    }
    FetchError::Transport(e.to_string())
}

/// A globally routable unicast address: not loopback, private (RFC 1918, ULA), link-local,
/// CGNAT (100.64/10), multicast, broadcast, unspecified, documentation, benchmarking
/// (198.18/15), reserved (240/4), or an IPv4 address smuggled inside IPv6.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 of an IPv4 address
                || s[0] == 0x2002 // 6to4 wraps an IPv4 address
                || (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && s[5] == 0)) // IPv4-compatible
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for text in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "240.0.0.1",
            "192.0.0.8",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "64:ff9b::a00:1",
            "2002:a00:1::1",
            "2001:db8::1",
        ] {
            let ip: IpAddr = text.parse().unwrap();
            assert!(!is_public(ip), "{text} must not count as public");
        }
        for text in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:93.184.216.34",
        ] {
            let ip: IpAddr = text.parse().unwrap();
            assert!(is_public(ip), "{text} is public");
        }
    }

    #[test]
    fn policies_permit_what_they_say() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(!AddressPolicy::PublicOnly.permits(local));
        assert!(AddressPolicy::AllowPrivate.permits(local));
        let also = AddressPolicy::AllowAlso(vec![local]);
        assert!(also.permits(local) && !also.permits(other));
    }
}
