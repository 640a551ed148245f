//! OAuth 2 as Mastodon does it: apps, authorization codes (with PKCE), tokens. Every
//! secret is stored as its SHA-256, never in clear.

pub mod scopes;
pub mod store;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
/// How long an authorization code can be exchanged.
pub const CODE_TTL_MS: i64 = 10 * 60 * 1000;

/// A new random secret (client id, client secret, code or token): 256 bits, URL-safe.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// PKCE S256: BASE64URL(SHA256(verifier)) must equal the challenge.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    constant_time_eq(computed.as_bytes(), challenge.as_bytes())
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A redirect URI an app may register: absolute, and not a script-bearing scheme.
pub fn valid_redirect_uri(uri: &str) -> bool {
    if uri == OOB {
        return true;
    }
    match url::Url::parse(uri) {
        Ok(u) => {
            !matches!(u.scheme(), "javascript" | "data" | "vbscript" | "file")
                && u.fragment().is_none()
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_rfc_7636_example() {
        assert!(pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            "wrong",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn redirect_uris_allow_apps_and_refuse_scripts() {
        assert!(valid_redirect_uri("https://app.example/callback"));
        assert!(valid_redirect_uri("com.example.app:/cb"));
        assert!(valid_redirect_uri(OOB));
        assert!(!valid_redirect_uri("javascript:alert(1)"));
        assert!(!valid_redirect_uri("data:text/html,hi"));
        assert!(!valid_redirect_uri("vbscript:x"));
        assert!(!valid_redirect_uri("/relative"));
    }

    #[test]
    fn secrets_are_random_and_hashes_stable() {
        assert_ne!(new_secret(), new_secret());
        assert_eq!(hash("a"), hash("a"));
        assert_eq!(hash("a").len(), 64);
    }
}
