//! Body digests: `Digest: SHA-256=<base64>` (RFC 3230, with draft-cavage) and
//! `Content-Digest: sha-256=:<base64>:` (RFC 9530, with RFC 9421).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256, Sha512};

use super::SignatureError;

pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
}

pub fn content_digest_header(body: &[u8]) -> String {
    format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(body)))
}

fn matches(algorithm: &str, encoded: &str, body: &[u8]) -> Option<bool> {
    let claimed = STANDARD.decode(encoded.trim()).ok()?;
    match algorithm.to_ascii_lowercase().as_str() {
        "sha-256" => Some(claimed.as_slice() == Sha256::digest(body).as_slice()),
        "sha-512" => Some(claimed.as_slice() == Sha512::digest(body).as_slice()),
        _ => None,
    }
}

/// Check a `Digest` header: one of its supported entries must match; any supported entry
/// that does not match fails it.
pub fn check_digest(header: &str, body: &[u8]) -> Result<(), SignatureError> {
    check_entries(
        header.split(',').filter_map(|entry| {
            let (alg, value) = entry.trim().split_once('=')?;
            Some((alg.to_string(), value.to_string()))
        }),
        body,
    )
}

/// Check a `Content-Digest` header (a structured dictionary of byte sequences).
pub fn check_content_digest(header: &str, body: &[u8]) -> Result<(), SignatureError> {
    check_entries(
        header.split(',').filter_map(|entry| {
            let (alg, value) = entry.trim().split_once('=')?;
            let value = value.trim().strip_prefix(':')?.strip_suffix(':')?;
            Some((alg.trim().to_string(), value.to_string()))
        }),
        body,
    )
}

fn check_entries(
    entries: impl Iterator<Item = (String, String)>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let mut matched = false;
    for (alg, value) in entries {
        match matches(&alg, &value, body) {
            Some(true) => matched = true,
            Some(false) => return Err(SignatureError::DigestMismatch),
            None => {}
        }
    }
    if matched {
        Ok(())
    } else {
        Err(SignatureError::DigestMismatch)
    }
}
