//! Rate limits, as Mastodon's Rack::Attack rules: requests to the API per token (or per
//! address without one), uploads per token, sign-ups and log-ins per address, each
//! answered with `X-RateLimit-*` headers and 429 beyond; and failed log-ins per login name
//! and address, so passwords cannot be guessed at speed. Every 429 says when to come back
//! (`Retry-After`). In memory: a restart forgets, and each process counts its own.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::error::Error;

pub struct Limiter {
    limit: u32,
    period: Duration,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Limiter {
    pub fn new(limit: u32, period: Duration) -> Limiter {
        Limiter {
            limit,
            period,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` may go on now; if not, how long until its window is over.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let Ok(windows) = self.windows.lock() else {
            return Ok(());
        };
        match windows.get(key) {
            Some((start, count)) if start.elapsed() < self.period && *count >= self.limit => {
                Err(self.period.saturating_sub(start.elapsed()))
            }
            _ => Ok(()),
        }
    }

    /// Count one event against `key`.
    pub fn count(&self, key: &str) {
        let Ok(mut windows) = self.windows.lock() else {
            return;
        };
        if windows.len() > 100_000 {
            let period = self.period;
            windows.retain(|_, (start, _)| start.elapsed() < period);
        }
        let entry = windows
            .entry(key.to_string())
            .or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.period {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }
}

/// Fixed windows of requests per key.
pub struct Throttle {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

/// Where a key stands after one more request.
#[derive(Debug, Clone, Copy)]
pub struct Count {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window starts again.
    pub reset_in: Duration,
    pub allowed: bool,
}

impl Throttle {
    fn new() -> Throttle {
        Throttle {
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Count a request against `key`: at most `limit` per `period`.
    pub fn hit(&self, key: &str, limit: u32, period: Duration) -> Count {
        let Ok(mut windows) = self.windows.lock() else {
            return Count {
                limit,
                remaining: limit,
                reset_in: period,
                allowed: true,
            };
        };
        if windows.len() > 100_000 {
            windows.retain(|_, (start, _)| start.elapsed() < period);
        }
        let entry = windows
            .entry(key.to_string())
            .or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= period {
            *entry = (Instant::now(), 0);
        }
        let allowed = entry.1 < limit;
        if allowed {
            entry.1 += 1;
        }
        Count {
            limit,
            remaining: limit.saturating_sub(entry.1),
            reset_in: period.saturating_sub(entry.0.elapsed()),
            allowed,
        }
    }
}

/// The limits the API applies.
pub struct Limits {
    /// Requests per token, per address, per upload and sign-up rule.
    pub requests: Throttle,
    /// Failed log-ins per login name.
    pub login_per_account: Limiter,
    /// Failed log-ins per client address.
    pub login_per_address: Limiter,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            requests: Throttle::new(),
            login_per_account: Limiter::new(10, Duration::from_secs(15 * 60)),
            login_per_address: Limiter::new(50, Duration::from_secs(5 * 60)),
        }
    }
}

const FIVE_MINUTES: Duration = Duration::from_secs(5 * 60);
const HALF_AN_HOUR: Duration = Duration::from_secs(30 * 60);

/// The client's address: the peer's, or behind a proxy on this machine the last
/// `X-Forwarded-For` hop; IPv6 grouped by /64, as one subscriber usually holds one.
pub fn client_key(peer: SocketAddr, headers: &HeaderMap) -> String {
    let forwarded = (peer.ip().is_loopback())
        .then(|| headers.get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    match forwarded.unwrap_or(peer.ip()) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The rules a request falls under: (key, limit, period), the API-wide one first.
fn rules(
    method: &Method,
    path: &str,
    token: Option<&str>,
    address: &str,
    api_limit: u32,
) -> Vec<(String, u32, Duration)> {
    let mut out = Vec::new();
    if path.starts_with("/api/") && !path.starts_with("/api/v1/streaming") {
        out.push(match token {
            Some(t) => (
                format!("api:token:{}", crate::oauth::hash(t)),
                api_limit,
                FIVE_MINUTES,
            ),
            None => (format!("api:ip:{address}"), api_limit, FIVE_MINUTES),
        });
    }
    if *method == Method::POST {
        match path {
            "/api/v1/media" | "/api/v2/media" => {
                let who = token.map_or_else(|| address.to_string(), crate::oauth::hash);
                out.push((format!("media:{who}"), 30, HALF_AN_HOUR));
            }
            "/api/v1/accounts" => out.push((format!("signup:{address}"), 5, HALF_AN_HOUR)),
            "/oauth/token" | "/oauth/authorize" => {
                out.push((format!("login:{address}"), 25, FIVE_MINUTES))
            }
            _ => {}
        }
    }
    out
}

/// Apply the rules: 429 beyond any of them; `X-RateLimit-*` of the tightest on the answer.
pub async fn throttle(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if !app.config.rate_limits {
        return next.run(request).await;
    }
    let token = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    let address = client_key(peer, request.headers());
    let path = request.uri().path().trim_end_matches('/').to_string();
    let mut tightest: Option<Count> = None;
    for (key, limit, period) in rules(
        request.method(),
        &path,
        token.as_deref(),
        &address,
        app.config.api_rate_limit,
    ) {
        let count = app.limits.requests.hit(&key, limit, period);
        if tightest.is_none_or(|t| count.remaining < t.remaining || !count.allowed) {
            tightest = Some(count);
        }
        if !count.allowed {
            break;
        }
    }
    let mut response = match tightest {
        Some(c) if !c.allowed => Error::TooManyRequests(c.reset_in).into_response(),
        _ => next.run(request).await,
    };
    if let Some(c) = tightest {
        let reset = crate::time::iso(crate::time::now_ms() + c.reset_in.as_millis() as i64);
        let headers = response.headers_mut();
        for (name, value) in [
            ("x-ratelimit-limit", c.limit.to_string()),
            ("x-ratelimit-remaining", c.remaining.to_string()),
            ("x-ratelimit-reset", reset),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_beyond_the_limit_are_refused_until_the_window_passes() {
        let l = Limiter::new(2, Duration::from_millis(50));
        assert!(l.check("a").is_ok());
        l.count("a");
        l.count("a");
        let wait = l.check("a").unwrap_err();
        assert!(wait <= Duration::from_millis(50));
        assert!(l.check("b").is_ok());
        std::thread::sleep(Duration::from_millis(60));
        assert!(l.check("a").is_ok());
    }

    #[test]
    fn a_window_counts_down_and_refuses_beyond_its_limit() {
        let t = Throttle::new();
        let period = Duration::from_secs(60);
        assert_eq!(t.hit("k", 2, period).remaining, 1);
        assert!(t.hit("k", 2, period).allowed);
        let third = t.hit("k", 2, period);
        assert!(!third.allowed);
        assert_eq!(third.remaining, 0);
        assert!(t.hit("other", 2, period).allowed);
    }

    #[test]
    fn ipv6_clients_are_grouped_by_64_and_proxies_on_this_machine_are_seen_through() {
        let none = HeaderMap::new();
        let a: SocketAddr = "[2001:db8:1:2:aaaa::1]:5000".parse().unwrap();
        let b: SocketAddr = "[2001:db8:1:2:bbbb::9]:5000".parse().unwrap();
        assert_eq!(client_key(a, &none), client_key(b, &none));
        let mut proxied = HeaderMap::new();
        proxied.insert(
            "x-forwarded-for",
            "198.51.100.7, 203.0.113.9".parse().unwrap(),
        );
        assert_eq!(
            client_key("127.0.0.1:1".parse().unwrap(), &proxied),
            "203.0.113.9"
        );
        // A remote peer cannot claim to be someone else.
        assert_eq!(
            client_key("192.0.2.1:1".parse().unwrap(), &proxied),
            "192.0.2.1"
        );
    }
}
