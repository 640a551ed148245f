#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, HeaderValue, Method};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};

use super::*;

static PAIR: LazyLock<crate::keys::KeyPair> = LazyLock::new(|| crate::keys::generate().unwrap());
static OTHER: LazyLock<crate::keys::KeyPair> = LazyLock::new(|| crate::keys::generate().unwrap());

const URI: &str = "https://tessera.example/users/alice/inbox";
const BODY: &[u8] = br#"{"type":"Create"}"#;

fn private() -> PrivateKey {
    PrivateKey::from_pem(&PAIR.private_pem).unwrap()
}
fn public() -> PublicKey {
    PublicKey::from_pem(&PAIR.public_pem).unwrap()
}

fn signed(rfc9421: bool) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/activity+json"),
    );
    let sign = if rfc9421 {
        sign_request_rfc9421
    } else {
        sign_request
    };
    sign(
        &Method::POST,
        URI,
        &mut h,
        Some(BODY),
        "https://b.example/users/bob#main-key",
        &private(),
        SystemTime::now(),
    )
    .unwrap();
    h
}

fn check(
    h: &HeaderMap,
    method: &Method,
    uri: &str,
    body: Option<&[u8]>,
) -> Result<(), SignatureError> {
    let view = RequestView {
        method,
        target_uri: uri,
        headers: h,
    };
    inspect(&view, body, SystemTime::now())?.verify(&public())
}

#[test]
fn both_schemes_round_trip() {
    for rfc in [false, true] {
        let h = signed(rfc);
        let view = RequestView {
            method: &Method::POST,
            target_uri: URI,
            headers: &h,
        };
        let pending = inspect(&view, Some(BODY), SystemTime::now()).unwrap();
        assert_eq!(pending.key_id(), "https://b.example/users/bob#main-key");
        assert_eq!(
            pending.scheme(),
            if rfc { Scheme::Rfc9421 } else { Scheme::Cavage }
        );
        pending.verify(&public()).unwrap();
        let other = PublicKey::from_pem(&OTHER.public_pem).unwrap();
        assert_eq!(
            pending.verify(&other),
            Err(SignatureError::Invalid),
            "another key"
        );
    }
}

#[test]
fn a_different_body_or_target_fails() {
    for rfc in [false, true] {
        let h = signed(rfc);
        assert_eq!(
            check(&h, &Method::POST, URI, Some(b"{}")),
            Err(SignatureError::DigestMismatch)
        );
        assert_eq!(
            check(
                &h,
                &Method::POST,
                "https://tessera.example/inbox",
                Some(BODY)
            ),
            Err(SignatureError::Invalid)
        );
    }
}

#[test]
fn an_unsigned_request_is_missing_its_signature() {
    assert_eq!(
        check(&HeaderMap::new(), &Method::POST, URI, Some(BODY)),
        Err(SignatureError::Missing)
    );
}

#[test]
fn a_tampered_header_fails() {
    let mut h = signed(false);
    h.insert(
        "date",
        HeaderValue::from_str(&httpdate::fmt_http_date(
            SystemTime::now() + Duration::from_secs(5),
        ))
        .unwrap(),
    );
    assert_eq!(
        check(&h, &Method::POST, URI, Some(BODY)),
        Err(SignatureError::Invalid)
    );
}

/// A cavage signature made by an independent signer (the `rsa` crate, test-only) over
/// exactly the headers given.
fn cavage_by_hand(
    headers: &str,
    algorithm: &str,
    date: SystemTime,
    digest: Option<&str>,
) -> HeaderMap {
    let mut h = HeaderMap::new();
    let date = httpdate::fmt_http_date(date);
    let digest = digest.map_or_else(|| digest::digest_header(BODY), str::to_string);
    h.insert("host", HeaderValue::from_static("tessera.example"));
    h.insert("date", HeaderValue::from_str(&date).unwrap());
    h.insert("digest", HeaderValue::from_str(&digest).unwrap());
    let lines: Vec<String> = headers
        .split(' ')
        .map(|name| match name {
            "(request-target)" => "(request-target): post /users/alice/inbox".to_string(),
            "host" => "host: tessera.example".into(),
            "date" => format!("date: {date}"),
            "digest" => format!("digest: {digest}"),
            other => panic!("{other}"),
        })
        .collect();
    let key = SigningKey::<sha2::Sha256>::new(
        rsa::RsaPrivateKey::from_pkcs8_pem(&PAIR.private_pem).unwrap(),
    );
    let signature = STANDARD.encode(key.sign(lines.join("\n").as_bytes()).to_bytes());
    h.insert(
        "signature",
        HeaderValue::from_str(&format!(
            "keyId=\"https://b.example/users/bob#main-key\",algorithm=\"{algorithm}\",headers=\"{headers}\",signature=\"{signature}\""
        ))
        .unwrap(),
    );
    h
}

#[test]
fn an_independent_signers_signature_verifies_with_either_algorithm_name() {
    for alg in ["rsa-sha256", "hs2019"] {
        let h = cavage_by_hand(
            "(request-target) host date digest",
            alg,
            SystemTime::now(),
            None,
        );
        check(&h, &Method::POST, URI, Some(BODY)).unwrap();
    }
}

#[test]
fn required_components_are_required() {
    let now = SystemTime::now();
    for (headers, missing) in [
        ("host date digest", "(request-target)"),
        ("(request-target) date digest", "host"),
        ("(request-target) host digest", "date"),
        ("(request-target) host date", "digest"),
    ] {
        let h = cavage_by_hand(headers, "rsa-sha256", now, None);
        assert_eq!(
            check(&h, &Method::POST, URI, Some(BODY)),
            Err(SignatureError::MissingComponent(missing.into())),
            "{headers}"
        );
    }
}

#[test]
fn dates_two_hours_off_either_way_are_refused() {
    let two_hours = Duration::from_secs(7200);
    for date in [SystemTime::now() - two_hours, SystemTime::now() + two_hours] {
        let h = cavage_by_hand(
            "(request-target) host date digest",
            "rsa-sha256",
            date,
            None,
        );
        assert_eq!(
            check(&h, &Method::POST, URI, Some(BODY)),
            Err(SignatureError::DateSkew)
        );
    }
}

#[test]
fn hmac_and_unknown_algorithms_are_refused() {
    for alg in ["hmac-sha256", "ecdsa-sha256", "rsa-sha1"] {
        let h = cavage_by_hand(
            "(request-target) host date digest",
            alg,
            SystemTime::now(),
            None,
        );
        assert_eq!(
            check(&h, &Method::POST, URI, Some(BODY)),
            Err(SignatureError::UnsupportedAlgorithm(alg.into()))
        );
    }
}

#[test]
fn a_signed_but_wrong_digest_is_a_mismatch() {
    let h = cavage_by_hand(
        "(request-target) host date digest",
        "rsa-sha256",
        SystemTime::now(),
        Some("SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
    );
    assert_eq!(
        check(&h, &Method::POST, URI, Some(BODY)),
        Err(SignatureError::DigestMismatch)
    );
}

#[test]
fn pkcs1_public_keys_are_accepted() {
    use rsa::pkcs1::EncodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    let spki = rsa::RsaPublicKey::from_public_key_pem(&PAIR.public_pem).unwrap();
    let pkcs1 = spki.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).unwrap();
    let key = PublicKey::from_pem(&pkcs1).unwrap();
    let h = signed(false);
    let view = RequestView {
        method: &Method::POST,
        target_uri: URI,
        headers: &h,
    };
    inspect(&view, Some(BODY), SystemTime::now())
        .unwrap()
        .verify(&key)
        .unwrap();
}

#[test]
fn a_signed_get_covers_accept() {
    let mut h = HeaderMap::new();
    h.insert(
        "accept",
        HeaderValue::from_static("application/activity+json"),
    );
    sign_request(
        &Method::GET,
        "https://b.example/users/bob",
        &mut h,
        None,
        "k",
        &private(),
        SystemTime::now(),
    )
    .unwrap();
    assert!(
        h["signature"]
            .to_str()
            .unwrap()
            .contains("headers=\"(request-target) host date accept\"")
    );
    check(&h, &Method::GET, "https://b.example/users/bob", None).unwrap();
}

#[test]
fn rfc9421_requires_its_components_and_created() {
    let mut h = signed(true);
    let input = h["signature-input"]
        .to_str()
        .unwrap()
        .replace(" \"content-digest\"", "");
    h.insert("signature-input", HeaderValue::from_str(&input).unwrap());
    assert_eq!(
        check(&h, &Method::POST, URI, Some(BODY)),
        Err(SignatureError::MissingComponent("content-digest".into()))
    );
    let mut h = signed(true);
    let input = h["signature-input"]
        .to_str()
        .unwrap()
        .replace("\"@method\" ", "");
    h.insert("signature-input", HeaderValue::from_str(&input).unwrap());
    assert_eq!(
        check(&h, &Method::POST, URI, Some(BODY)),
        Err(SignatureError::MissingComponent("@method".into()))
    );
    let mut h = signed(true);
    let old = unix_now(SystemTime::now() - Duration::from_secs(7200));
    let input = h["signature-input"].to_str().unwrap().to_string();
    let start = input.find("created=").unwrap() + "created=".len();
    let end = start + input[start..].find(';').unwrap();
    let input = format!("{}{old}{}", &input[..start], &input[end..]);
    h.insert("signature-input", HeaderValue::from_str(&input).unwrap());
    assert_eq!(
        check(&h, &Method::POST, URI, Some(BODY)),
        Err(SignatureError::DateSkew)
    );
}

#[test]
fn garbage_never_panics() {
    let samples = [
        "",
        "=",
        ",,,",
        "keyId",
        "keyId=\"",
        "keyId=\"x\",signature=\"!!!\"",
        "a=b,c",
        "\u{0}",
        "keyId=\"x\",headers=\"(request-target) host date\",signature=\"AAAA\",created=abc",
    ];
    for s in samples {
        let mut h = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(s) {
            h.insert("signature", v.clone());
            let _ = check(&h, &Method::POST, URI, Some(BODY));
            h.clear();
            h.insert("signature-input", v.clone());
            h.insert("signature", v);
            let _ = check(&h, &Method::POST, URI, Some(BODY));
        }
    }
    let mut h = HeaderMap::new();
    h.insert(
        "signature",
        HeaderValue::from_str(&"a".repeat(10_000)).unwrap(),
    );
    assert!(matches!(
        check(&h, &Method::POST, URI, Some(BODY)),
        Err(SignatureError::Malformed(_))
    ));
}

fn sha256_b64(body: &[u8]) -> String {
    use sha2::Digest as _;
    STANDARD.encode(sha2::Sha256::digest(body))
}

fn sha512_b64(body: &[u8]) -> String {
    use sha2::Digest as _;
    STANDARD.encode(sha2::Sha512::digest(body))
}

#[test]
fn a_digest_needs_a_matching_sha256_entry() {
    let (s256, s512) = (sha256_b64(BODY), sha512_b64(BODY));
    assert_eq!(
        digest::check_digest(&format!("SHA-256={s256}"), BODY),
        Ok(())
    );
    assert_eq!(
        digest::check_digest(&format!("SHA-256={s256},SHA-512={s512}"), BODY),
        Ok(())
    );
    assert_eq!(
        digest::check_digest(&format!("sha-512={s512}, sha-256={s256}"), BODY),
        Ok(())
    );
    // Mastodon refuses a Digest without SHA-256, however right its other entries are.
    assert_eq!(
        digest::check_digest(&format!("SHA-512={s512}"), BODY),
        Err(SignatureError::DigestWithoutSha256)
    );
    assert_eq!(
        digest::check_digest("MD5=rL0Y20zC+Fzt72VPzMSk2A==", BODY),
        Err(SignatureError::DigestWithoutSha256)
    );
    // Every supported entry must match, SHA-512 beside a right SHA-256 too.
    let other = sha512_b64(b"another body");
    assert_eq!(
        digest::check_digest(&format!("SHA-256={s256},SHA-512={other}"), BODY),
        Err(SignatureError::DigestMismatch)
    );
    assert_eq!(
        digest::check_digest(&format!("SHA-256=!!!,SHA-512={s512}"), BODY),
        Err(SignatureError::DigestMismatch),
        "an undecodable SHA-256 is not made good by a right SHA-512"
    );
}

#[test]
fn a_sha512_only_digest_is_refused_on_a_signed_request() {
    let h = cavage_by_hand(
        "(request-target) host date digest",
        "rsa-sha256",
        SystemTime::now(),
        Some(&format!("SHA-512={}", sha512_b64(BODY))),
    );
    assert_eq!(
        check(&h, &Method::POST, URI, Some(BODY)),
        Err(SignatureError::DigestWithoutSha256)
    );
}

#[test]
fn a_content_digest_may_be_sha256_or_sha512() {
    let (s256, s512) = (sha256_b64(BODY), sha512_b64(BODY));
    assert_eq!(
        digest::check_content_digest(&format!("sha-256=:{s256}:"), BODY),
        Ok(())
    );
    assert_eq!(
        digest::check_content_digest(&format!("sha-512=:{s512}:"), BODY),
        Ok(())
    );
    assert_eq!(
        digest::check_content_digest(&format!("sha-512=:{}:", sha512_b64(b"x")), BODY),
        Err(SignatureError::DigestMismatch)
    );
}
