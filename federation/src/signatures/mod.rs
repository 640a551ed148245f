//! HTTP signatures as the fediverse uses them: draft-cavage-http-signatures-12 (what
//! Mastodon and nearly everyone sends) and RFC 9421 HTTP Message Signatures, with the body
//! checked against `Digest` (RFC 3230) or `Content-Digest` (RFC 9530).
//!
//! Verification is two steps, so the caller can fetch the key in between:
//! [`inspect`] parses the signature and checks everything that needs no key (the signed
//! components, the clock, the body's digest); [`PendingSignature::verify`] checks the
//! signature itself.

mod cavage;
mod digest;
mod keys;
mod rfc9421;

use std::time::{Duration, SystemTime};

pub use keys::{PrivateKey, PublicKey};

/// A Date (or `created`) further than this from now is refused.
pub const MAX_SKEW: Duration = Duration::from_secs(3600);
/// Signature headers longer than this are refused unread.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request is not signed")]
    Missing,
    #[error("malformed signature: {0}")]
    Malformed(String),
    #[error("unsupported signature algorithm `{0}`")]
    UnsupportedAlgorithm(String),
    #[error("the signature does not cover `{0}`")]
    MissingComponent(String),
    #[error("the signed date is more than an hour from now")]
    DateSkew,
    #[error("the signature has expired")]
    Expired,
    #[error("the body does not match its digest")]
    DigestMismatch,
    #[error("a body must be signed with its digest")]
    DigestMissing,
    #[error("the Digest header has no SHA-256 entry, which is required")]
    DigestWithoutSha256,
    #[error("unusable key: {0}")]
    BadKey(String),
    #[error("the signature does not verify")]
    Invalid,
}

/// The request as the signature sees it.
pub struct RequestView<'a> {
    pub method: &'a http::Method,
    /// Absolute: `http(s)://host[:port]/path?query`.
    pub target_uri: &'a str,
    pub headers: &'a http::HeaderMap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Cavage,
    Rfc9421,
}

/// A parsed signature whose key has yet to be found.
#[derive(Debug, Clone)]
pub struct PendingSignature {
    key_id: String,
    scheme: Scheme,
    base: Vec<u8>,
    signature: Vec<u8>,
}

impl PendingSignature {
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    pub fn verify(&self, key: &PublicKey) -> Result<(), SignatureError> {
        key.verify(&self.base, &self.signature)
    }
}

/// Parse and check whichever signature the request carries (RFC 9421 when both are
/// present). `body` is the request body for requests that have one.
pub fn inspect(
    req: &RequestView,
    body: Option<&[u8]>,
    now: SystemTime,
) -> Result<PendingSignature, SignatureError> {
    if req.headers.contains_key("signature-input") {
        return rfc9421::inspect(req, body, now);
    }
    if req.headers.contains_key("signature") || is_authorization_signature(req.headers) {
        return cavage::inspect(req, body, now);
    }
    Err(SignatureError::Missing)
}

fn is_authorization_signature(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("Signature "))
}

/// Sign draft-cavage style, as Mastodon does: sets `Host`, `Date` (unless present) and,
/// with a body, `Digest`; signs `(request-target) host date` plus `digest` (and `accept`
/// on a GET that has one).
pub fn sign_request(
    method: &http::Method,
    target_uri: &str,
    headers: &mut http::HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    key: &PrivateKey,
    now: SystemTime,
) -> Result<(), SignatureError> {
    cavage::sign(method, target_uri, headers, body, key_id, key, now)
}

/// Sign as RFC 9421 with `@method`, `@target-uri`, `content-digest` (with a body),
/// `created`, `keyid` and `alg="rsa-v1_5-sha256"`, labelled `sig1`.
pub fn sign_request_rfc9421(
    method: &http::Method,
    target_uri: &str,
    headers: &mut http::HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    key: &PrivateKey,
    now: SystemTime,
) -> Result<(), SignatureError> {
    rfc9421::sign(method, target_uri, headers, body, key_id, key, now)
}

/// Values of one header, trimmed and joined with ", " as both schemes specify; `None`
/// when absent.
fn header_value(headers: &http::HeaderMap, name: &str) -> Result<Option<String>, SignatureError> {
    let mut values = Vec::new();
    for v in headers.get_all(name) {
        let s = v
            .to_str()
            .map_err(|_| SignatureError::Malformed(format!("`{name}` is not text")))?;
        values.push(s.trim().to_string());
    }
    Ok((!values.is_empty()).then(|| values.join(", ")))
}

/// `host[:port]` of an absolute URI, as the Host header carries it.
fn authority(target_uri: &str) -> Result<(url::Url, String), SignatureError> {
    let u = url::Url::parse(target_uri)
        .map_err(|e| SignatureError::Malformed(format!("target URI: {e}")))?;
    let host = u
        .host_str()
        .ok_or_else(|| SignatureError::Malformed("target URI has no host".into()))?
        .to_ascii_lowercase();
    let authority = match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    };
    Ok((u, authority))
}

fn path_and_query(u: &url::Url) -> String {
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

fn check_skew(at: SystemTime, now: SystemTime) -> Result<(), SignatureError> {
    let skew = match at.duration_since(now) {
        Ok(ahead) => ahead,
        Err(behind) => behind.duration(),
    };
    if skew > MAX_SKEW {
        return Err(SignatureError::DateSkew);
    }
    Ok(())
}

fn unix(secs: i64) -> SystemTime {
    if secs >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        SystemTime::UNIX_EPOCH
    }
}

fn unix_now(now: SystemTime) -> i64 {
    now.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
