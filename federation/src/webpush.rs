//! Web Push: messages encrypted for one browser or app subscription (RFC 8291, the
//! `aes128gcm` content coding of RFC 8188) and the VAPID authorization that identifies the
//! sending server to the push service (RFC 8292). Everything here is `ring`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, EcdsaKeyPair, KeyPair};
use ring::{aead, agreement, hkdf};

/// The record size we announce: one record holds any notification we send.
const RECORD_SIZE: u32 = 4096;
/// Plaintext that fits one record: the record size less the tag and the delimiter.
pub const MAX_PLAINTEXT: usize = RECORD_SIZE as usize - 16 - 1;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebPushError {
    #[error("the subscription's p256dh key is not a P-256 public key")]
    BadPublicKey,
    #[error("the subscription's auth secret must be 16 bytes")]
    BadAuthSecret,
    #[error("the message is too long for one record")]
    TooLong,
    #[error("the message cannot be decrypted")]
    Undecryptable,
    #[error("the VAPID key is unusable")]
    BadVapidKey,
    #[error("cryptographic failure")]
    Crypto,
}

/// A subscription's keys, as the client gave them (base64url, padded or not).
pub struct SubscriptionKeys {
    /// The client's P-256 public key, uncompressed (65 bytes).
    pub p256dh: Vec<u8>,
    /// The 16-byte authentication secret.
    pub auth: Vec<u8>,
}

impl SubscriptionKeys {
    pub fn parse(p256dh: &str, auth: &str) -> Result<SubscriptionKeys, WebPushError> {
        let decode = |s: &str| B64.decode(s.trim().trim_end_matches('='));
        let p256dh = decode(p256dh).map_err(|_| WebPushError::BadPublicKey)?;
        let auth = decode(auth).map_err(|_| WebPushError::BadAuthSecret)?;
        if p256dh.len() != 65 || p256dh[0] != 4 {
            return Err(WebPushError::BadPublicKey);
        }
        if auth.len() != 16 {
            return Err(WebPushError::BadAuthSecret);
        }
        Ok(SubscriptionKeys { p256dh, auth })
    }
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf_fill(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) -> Result<(), WebPushError> {
    hkdf::Salt::new(hkdf::HKDF_SHA256, salt)
        .extract(ikm)
        .expand(&[info], Len(out.len()))
        .and_then(|okm| okm.fill(out))
        .map_err(|_| WebPushError::Crypto)
}

/// The content-encryption key and nonce for one message (RFC 8291 section 3.4).
fn key_and_nonce(
    ecdh_secret: &[u8],
    auth: &[u8],
    ua_public: &[u8],
    as_public: &[u8],
    salt: &[u8],
) -> Result<([u8; 16], [u8; 12]), WebPushError> {
    let mut key_info = b"WebPush: info\0".to_vec();
    key_info.extend_from_slice(ua_public);
    key_info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    hkdf_fill(auth, ecdh_secret, &key_info, &mut ikm)?;
    let mut cek = [0u8; 16];
    hkdf_fill(salt, &ikm, b"Content-Encoding: aes128gcm\0", &mut cek)?;
    let mut nonce = [0u8; 12];
    hkdf_fill(salt, &ikm, b"Content-Encoding: nonce\0", &mut nonce)?;
    Ok((cek, nonce))
}

/// Encrypt `plaintext` for the subscription: the `aes128gcm` body, header included.
pub fn encrypt(keys: &SubscriptionKeys, plaintext: &[u8]) -> Result<Vec<u8>, WebPushError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(WebPushError::TooLong);
    }
    let rng = SystemRandom::new();
    let private = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng)
        .map_err(|_| WebPushError::Crypto)?;
    let as_public = private
        .compute_public_key()
        .map_err(|_| WebPushError::Crypto)?
        .as_ref()
        .to_vec();
    let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, &keys.p256dh);
    let ecdh_secret = agreement::agree_ephemeral(private, &peer, |s| s.to_vec())
        .map_err(|_| WebPushError::BadPublicKey)?;
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| WebPushError::Crypto)?;
    let (cek, nonce) = key_and_nonce(&ecdh_secret, &keys.auth, &keys.p256dh, &as_public, &salt)?;
    let mut record = plaintext.to_vec();
    // The last (and only) record ends with the delimiter 2 and no padding.
    record.push(2);
    let key = aead::LessSafeKey::new(
        aead::UnboundKey::new(&aead::AES_128_GCM, &cek).map_err(|_| WebPushError::Crypto)?,
    );
    key.seal_in_place_append_tag(
        aead::Nonce::assume_unique_for_key(nonce),
        aead::Aad::empty(),
        &mut record,
    )
    .map_err(|_| WebPushError::Crypto)?;
    let mut body = Vec::with_capacity(16 + 4 + 1 + as_public.len() + record.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(u8::try_from(as_public.len()).map_err(|_| WebPushError::Crypto)?);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&record);
    Ok(body)
}

/// What a user agent does with a message: decrypt it with its private key (used by
/// tests standing in for a browser; `ring` keys are single-use, hence one message).
pub fn decrypt(
    ua_private: agreement::EphemeralPrivateKey,
    ua_public: &[u8],
    auth: &[u8],
    body: &[u8],
) -> Result<Vec<u8>, WebPushError> {
    let bad = || WebPushError::Undecryptable;
    let salt = body.get(..16).ok_or_else(bad)?;
    let id_len = usize::from(*body.get(20).ok_or_else(bad)?);
    let as_public = body.get(21..21 + id_len).ok_or_else(bad)?;
    let mut record = body.get(21 + id_len..).ok_or_else(bad)?.to_vec();
    let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, as_public);
    let ecdh_secret =
        agreement::agree_ephemeral(ua_private, &peer, |s| s.to_vec()).map_err(|_| bad())?;
    let (cek, nonce) = key_and_nonce(&ecdh_secret, auth, ua_public, as_public, salt)?;
    let key =
        aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &cek).map_err(|_| bad())?);
    let plain = key
        .open_in_place(
            aead::Nonce::assume_unique_for_key(nonce),
            aead::Aad::empty(),
            &mut record,
        )
        .map_err(|_| bad())?;
    match plain.iter().rposition(|b| *b != 0) {
        Some(end) if plain[end] == 2 => Ok(plain[..end].to_vec()),
        _ => Err(bad()),
    }
}

/// The server's VAPID key pair (ECDSA P-256).
pub struct VapidKey {
    pair: EcdsaKeyPair,
}

impl VapidKey {
    /// A new key, as PKCS#8 (to be kept).
    pub fn generate_pkcs8() -> Result<Vec<u8>, WebPushError> {
        EcdsaKeyPair::generate_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &SystemRandom::new(),
        )
        .map(|d| d.as_ref().to_vec())
        .map_err(|_| WebPushError::Crypto)
    }

    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<VapidKey, WebPushError> {
        EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8,
            &SystemRandom::new(),
        )
        .map(|pair| VapidKey { pair })
        .map_err(|_| WebPushError::BadVapidKey)
    }

    /// The public key as clients use it (`applicationServerKey`): uncompressed, base64url.
    pub fn public_key(&self) -> String {
        B64.encode(self.pair.public_key().as_ref())
    }

    /// The `Authorization` header for a push to `endpoint`: a JWT for the push service's
    /// origin, valid for 12 hours, naming `subject` (a `mailto:` or `https:` URL).
    pub fn authorization(
        &self,
        endpoint: &str,
        subject: &str,
        now_secs: i64,
    ) -> Result<String, WebPushError> {
        let url = url::Url::parse(endpoint).map_err(|_| WebPushError::Crypto)?;
        let audience = url.origin().ascii_serialization();
        let header = B64.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = B64.encode(
            serde_json::json!({ "aud": audience, "exp": now_secs + 12 * 3600, "sub": subject })
                .to_string(),
        );
        let signing_input = format!("{header}.{claims}");
        let signature = self
            .pair
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .map_err(|_| WebPushError::Crypto)?;
        Ok(format!(
            "vapid t={signing_input}.{}, k={}",
            B64.encode(signature.as_ref()),
            self.public_key()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn browser() -> (agreement::EphemeralPrivateKey, Vec<u8>, Vec<u8>) {
        let rng = SystemRandom::new();
        let private =
            agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).unwrap();
        let public = private.compute_public_key().unwrap().as_ref().to_vec();
        let mut auth = vec![0u8; 16];
        rng.fill(&mut auth).unwrap();
        (private, public, auth)
    }

    #[test]
    fn a_message_decrypts_with_the_subscription_keys_only() {
        let (private, public, auth) = browser();
        let keys = SubscriptionKeys::parse(&B64.encode(&public), &B64.encode(&auth)).unwrap();
        let body = encrypt(&keys, b"{\"title\":\"hello\"}").unwrap();
        assert_eq!(&body[16..20], &4096u32.to_be_bytes());
        assert_eq!(
            decrypt(private, &public, &auth, &body).unwrap(),
            b"{\"title\":\"hello\"}"
        );
        let (other, other_public, _) = browser();
        assert_eq!(
            decrypt(other, &other_public, &auth, &body),
            Err(WebPushError::Undecryptable)
        );
    }

    /// RFC 8291, Appendix A.
    #[test]
    fn the_key_and_nonce_match_the_rfc_example() {
        let d = |s: &str| B64.decode(s).unwrap();
        let (cek, nonce) = key_and_nonce(
            &d("kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"),
            &d("BTBZMqHH6r4Tts7J_aSIgg"),
            &d("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
            &d("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"),
            &d("DGv6ra1nlYgDCS1FRnbzlw"),
        )
        .unwrap();
        assert_eq!(B64.encode(cek), "oIhVW04MRdy2XN9CiKLxTg");
        assert_eq!(B64.encode(nonce), "4h_95klXJ5E_qnoN");
    }

    #[test]
    fn bad_subscription_keys_are_refused() {
        assert_eq!(
            SubscriptionKeys::parse("AAAA", &B64.encode([0u8; 16])).err(),
            Some(WebPushError::BadPublicKey)
        );
        let (_, public, _) = browser();
        assert_eq!(
            SubscriptionKeys::parse(&B64.encode(public), "AAAA").err(),
            Some(WebPushError::BadAuthSecret)
        );
    }

    #[test]
    fn the_vapid_token_is_signed_for_the_push_services_origin() {
        let key = VapidKey::from_pkcs8(&VapidKey::generate_pkcs8().unwrap()).unwrap();
        let header = key
            .authorization(
                "https://push.example/send/abc",
                "mailto:admin@example.com",
                1000,
            )
            .unwrap();
        let token = header
            .strip_prefix("vapid t=")
            .unwrap()
            .split(", k=")
            .next()
            .unwrap();
        let mut parts = token.split('.');
        let (h, c, s) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let claims: serde_json::Value = serde_json::from_slice(&B64.decode(c).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://push.example");
        assert_eq!(claims["exp"], 1000 + 12 * 3600);
        let public = B64.decode(key.public_key()).unwrap();
        signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, public)
            .verify(format!("{h}.{c}").as_bytes(), &B64.decode(s).unwrap())
            .unwrap();
    }
}
