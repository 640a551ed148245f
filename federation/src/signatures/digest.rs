//! Body digests: `Digest: SHA-256=<base64>` (RFC 3230, with draft-cavage) and
//! `Content-Digest: sha-256=:<base64>:` (RFC 9530, with RFC 9421). A `Digest` must carry
//! SHA-256, as Mastodon requires; a `Content-Digest` may be SHA-256 or SHA-512.

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

/// Does a supported entry match the body? `None` for an algorithm we do not know; an
/// undecodable value is a mismatch, so it cannot stand in for a right one.
fn matches(algorithm: &str, encoded: &str, body: &[u8]) -> Option<bool> {
    let expected = match algorithm.to_ascii_lowercase().as_str() {
        "sha-256" => Sha256::digest(body).to_vec(),
        "sha-512" => Sha512::digest(body).to_vec(),
        _ => return None,
    };
    Some(
        STANDARD
            .decode(encoded.trim())
            .is_ok_and(|claimed| claimed == expected),
    )
}

/// Check a `Digest` header: as Mastodon requires, it must carry a SHA-256 entry, and every
/// supported entry (SHA-256, SHA-512) must match.
pub fn check_digest(header: &str, body: &[u8]) -> Result<(), SignatureError> {
    let entries: Vec<(String, String)> = header
        .split(',')
        .filter_map(|entry| {
            let (alg, value) = entry.trim().split_once('=')?;
            Some((alg.trim().to_string(), value.to_string()))
        })
        .collect();
    if !entries
        .iter()
        .any(|(alg, _)| alg.eq_ignore_ascii_case("sha-256"))
    {
        return Err(SignatureError::DigestWithoutSha256);
    }
    check_entries(entries.into_iter(), body)
}

/// Check a `Content-Digest` header (a structured dictionary of byte sequences): SHA-256 or
/// SHA-512, RFC 9530 prefers neither.
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
