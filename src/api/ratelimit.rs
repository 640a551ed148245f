//! Rate limits, as Mastodon's Rack::Attack rules: requests to the API per token (or per
//! address without one), uploads per token, sign-ups and log-ins per address, each
//! answered with `X-RateLimit-*` headers and 429 beyond; failed log-ins per login name
//! and address, so passwords cannot be guessed at speed; and the inboxes' limits per
//! address, per remote host and on key fetches (docs/federation.md). A token counts on its
//! own only once it authenticates. Every 429 says when to come back (`Retry-After`).
//!
//! In memory: a restart forgets, and each process counts its own. The counts are in
//! shards with a bound each, so no stream of new keys can grow them or slow every request.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::{self, Authenticated};
use crate::app::App;
use crate::config::Config;
use crate::error::Error;

const SHARDS: usize = 16;
/// Keys counted at once, in all: about 130,000 (some 20 MB at most), far more than the
/// clients that are active within a window on one process.
const CAPACITY: usize = SHARDS * 8_192;
/// A shard drops its expired windows at most this often, so no request pays for a scan.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// One key's count within its window.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    expires: Instant,
    count: u32,
}

struct Shard {
    windows: HashMap<Box<str>, Window>,
    swept: Instant,
}

/// Fixed windows of counts per key, each with its own length, in shards that each hold at
/// most a share of the capacity: a full shard drops its oldest windows to make room.
struct Windows {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
    sweep_every: Duration,
    hasher: RandomState,
}

impl Windows {
    fn new(capacity: usize, sweep_every: Duration) -> Windows {
        let now = Instant::now();
        Windows {
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        windows: HashMap::new(),
                        swept: now,
                    })
                })
                .collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
            sweep_every,
            hasher: RandomState::new(),
        }
    }

    fn shard(&self, key: &str) -> MutexGuard<'_, Shard> {
        let i = (self.hasher.hash_one(key) % SHARDS as u64) as usize;
        // A count is no invariant worth refusing every later request for.
        self.shards[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// `key`'s window as it stands, unless it has none or it is over.
    fn peek(&self, key: &str) -> Option<Window> {
        let now = Instant::now();
        self.shard(key)
            .windows
            .get(key)
            .filter(|w| w.expires > now)
            .copied()
    }

    /// Apply `f` to `key`'s window, started now (`period` long) if it has none or it is over.
    fn update<R>(&self, key: &str, period: Duration, f: impl FnOnce(&mut Window) -> R) -> R {
        let now = Instant::now();
        let fresh = Window {
            start: now,
            expires: now + period,
            count: 0,
        };
        let mut shard = self.shard(key);
        if now.duration_since(shard.swept) >= self.sweep_every {
            shard.windows.retain(|_, w| w.expires > now);
            shard.swept = now;
        }
        if let Some(w) = shard.windows.get_mut(key) {
            if w.expires <= now {
                *w = fresh;
            }
            return f(w);
        }
        if shard.windows.len() >= self.per_shard {
            shard.evict_oldest();
        }
        f(shard.windows.entry(key.into()).or_insert(fresh))
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map_or(0, |s| s.windows.len()))
            .sum()
    }
}

impl Shard {
    /// Make room in a shard full of live windows: drop the eighth that started first, so
    /// the scan is paid once per many new keys rather than on each.
    fn evict_oldest(&mut self) {
        if self.windows.is_empty() {
            return;
        }
        let mut starts: Vec<Instant> = self.windows.values().map(|w| w.start).collect();
        let n = (starts.len() / 8).max(1);
        let cutoff = *starts.select_nth_unstable(n - 1).1;
        let mut left = n;
        self.windows.retain(|_, w| {
            let drop = left > 0 && w.start <= cutoff;
            left -= usize::from(drop);
            !drop
        });
    }
}

/// At most `limit` events per `period` per key, counted by the caller: log-in failures,
/// inbox requests from a verified host, key fetches.
pub struct Limiter {
    limit: u32,
    period: Duration,
    windows: Windows,
}

impl Limiter {
    pub fn new(limit: u32, period: Duration) -> Limiter {
        Limiter::with_capacity(limit, period, CAPACITY)
    }

    fn with_capacity(limit: u32, period: Duration, capacity: usize) -> Limiter {
        Limiter {
            limit,
            period,
            windows: Windows::new(capacity, SWEEP_EVERY),
        }
    }

    /// Whether `key` may go on now; if not, how long until its window is over.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        match self.windows.peek(key) {
            Some(w) if w.count >= self.limit => {
                Err(w.expires.saturating_duration_since(Instant::now()))
            }
            _ => Ok(()),
        }
    }

    /// Count one event against `key`.
    pub fn count(&self, key: &str) {
        self.windows
            .update(key, self.period, |w| w.count = w.count.saturating_add(1));
    }
}

/// Fixed windows of requests per key, each rule with its own limit and period.
pub struct Throttle {
    windows: Windows,
}

/// Where a key stands after one more request.
#[derive(Debug, Clone, Copy)]
pub struct Count {
    pub limit: u32,
    pub remaining: u32,
    /// Until the window starts again.
    pub reset_in: Duration,
    pub allowed: bool,
}

impl Throttle {
    fn new() -> Throttle {
        Throttle::with_capacity(CAPACITY, SWEEP_EVERY)
    }

    fn with_capacity(capacity: usize, sweep_every: Duration) -> Throttle {
        Throttle {
            windows: Windows::new(capacity, sweep_every),
        }
    }

    /// Count a request against `key`: at most `limit` per `period`.
    pub fn hit(&self, key: &str, limit: u32, period: Duration) -> Count {
        self.windows.update(key, period, |w| {
            let allowed = w.count < limit;
            if allowed {
                w.count += 1;
            }
            Count {
                limit,
                remaining: limit.saturating_sub(w.count),
                reset_in: w.expires.saturating_duration_since(Instant::now()),
                allowed,
            }
        })
    }
}

/// The limits the server applies.
pub struct Limits {
    /// Requests per token, per address, per upload and sign-up rule, inbox POSTs per address.
    pub requests: Throttle,
    /// Failed log-ins per login name.
    pub login_per_account: Limiter,
    /// Failed log-ins per client address.
    pub login_per_address: Limiter,
    /// Inbox POSTs per remote host, counted once the signature verifies (a forged key id
    /// cannot spend another server's allowance).
    pub inbox_per_host: Limiter,
    /// Fetches of signing keys per remote host, and per client address that caused them.
    pub key_fetches_per_host: Limiter,
    pub key_fetches_per_address: Limiter,
}

impl Limits {
    pub fn new(config: &Config) -> Limits {
        Limits {
            requests: Throttle::new(),
            login_per_account: Limiter::new(10, Duration::from_secs(15 * 60)),
            login_per_address: Limiter::new(50, Duration::from_secs(5 * 60)),
            inbox_per_host: Limiter::new(config.inbox_host_rate_limit, MINUTE),
            key_fetches_per_host: Limiter::new(config.key_fetch_rate_limit, MINUTE),
            key_fetches_per_address: Limiter::new(config.key_fetch_rate_limit, MINUTE),
        }
    }
}

const MINUTE: Duration = Duration::from_secs(60);
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

/// Paths under the API's request limit.
fn is_api(path: &str) -> bool {
    path.starts_with("/api/") && !path.starts_with("/api/v1/streaming")
}

/// The shared inbox, the instance actor's and each account's (`/users/:name/inbox`).
fn is_inbox(path: &str) -> bool {
    matches!(path, "/inbox" | "/actor/inbox")
        || path
            .strip_prefix("/users/")
            .and_then(|rest| rest.strip_suffix("/inbox"))
            .is_some_and(|name| !name.is_empty() && !name.contains('/'))
}

/// The rules a request falls under: (key, limit, period), the API-wide one first. `token`
/// is the id of a token that authenticated; any other request counts against its address.
fn rules(
    method: &Method,
    path: &str,
    token: Option<i64>,
    address: &str,
    config: &Config,
) -> Vec<(String, u32, Duration)> {
    let mut out = Vec::new();
    let who = match token {
        Some(id) => format!("token:{id}"),
        None => format!("ip:{address}"),
    };
    if is_api(path) {
        out.push((format!("api:{who}"), config.api_rate_limit, FIVE_MINUTES));
    }
    if *method == Method::POST {
        match path {
            "/api/v1/media" | "/api/v2/media" => {
                out.push((format!("media:{who}"), 30, HALF_AN_HOUR));
            }
            "/api/v1/accounts" => out.push((format!("signup:{address}"), 5, HALF_AN_HOUR)),
            "/oauth/token" | "/oauth/authorize" => {
                out.push((format!("login:{address}"), 25, FIVE_MINUTES))
            }
            p if is_inbox(p) => out.push((
                format!("inbox:{address}"),
                config.inbox_ip_rate_limit,
                MINUTE,
            )),
            _ => {}
        }
    }
    out
}

/// Apply the rules: 429 beyond any of them; `X-RateLimit-*` of the tightest on the answer.
/// An API request's bearer token is authenticated here, once: the handler's `Auth` reuses
/// the answer, and a token that authenticates nothing counts against the address (the
/// request then goes on to its 401, or to a public answer).
pub async fn throttle(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    if !app.config.rate_limits {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let address = client_key(peer, &parts.headers);
    let path = parts.uri.path().trim_end_matches('/').to_string();
    let token = match auth::bearer(&parts).filter(|_| is_api(&path)) {
        None => None,
        Some(token) => match auth::authenticate(&app, &token).await {
            Ok(grant) => {
                let id = grant.token.id;
                parts.extensions.insert(Authenticated(Some(grant)));
                Some(id)
            }
            Err(Error::InvalidToken) => {
                parts.extensions.insert(Authenticated(None));
                None
            }
            // The handler asks again and answers the failure.
            Err(_) => None,
        },
    };
    let request = Request::from_parts(parts, body);
    let mut tightest: Option<Count> = None;
    for (key, limit, period) in rules(request.method(), &path, token, &address, &app.config) {
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
    fn the_counts_stay_within_their_capacity_however_many_keys_come() {
        let t = Throttle::with_capacity(160, Duration::from_secs(3600));
        let period = Duration::from_secs(600);
        for i in 0..20_000 {
            t.hit(&format!("made-up-{i}"), 300, period);
            assert!(t.windows.len() <= 160, "{} after {i}", t.windows.len());
        }
        // A key seen just now is among those kept, with its count.
        t.hit("recent", 2, period);
        assert!(t.hit("recent", 2, period).allowed);
        assert!(!t.hit("recent", 2, period).allowed);

        let l = Limiter::with_capacity(3, period, 160);
        for i in 0..20_000 {
            l.count(&format!("made-up-{i}"));
        }
        assert!(l.windows.len() <= 160, "{}", l.windows.len());
    }

    #[test]
    fn expired_windows_are_swept_away() {
        let t = Throttle::with_capacity(10_000, Duration::from_millis(10));
        for i in 0..1_000 {
            t.hit(&format!("k{i}"), 5, Duration::from_millis(200));
        }
        assert_eq!(t.windows.len(), 1_000);
        std::thread::sleep(Duration::from_millis(250));
        // Each shard sweeps when next touched, once its interval has passed.
        for i in 0..1_000 {
            t.hit(&format!("new{i}"), 5, Duration::from_secs(60));
        }
        assert_eq!(t.windows.len(), 1_000, "only the new keys are left");
    }

    #[test]
    fn inbox_paths_are_recognised() {
        for p in ["/inbox", "/actor/inbox", "/users/alice/inbox"] {
            assert!(is_inbox(p), "{p}");
        }
        for p in [
            "/users//inbox",
            "/users/a/b/inbox",
            "/users/alice/outbox",
            "/inboxes",
        ] {
            assert!(!is_inbox(p), "{p}");
        }
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
