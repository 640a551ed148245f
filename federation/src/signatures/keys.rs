//! RSA keys for HTTP signatures. The arithmetic is `ring`'s (constant-time, and about ten
//! times faster than the `rsa` crate here); `rsa` only converts PEM encodings to the DER
//! that `ring` reads. Keys are parsed once and shared.

use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature::{
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey};

use super::SignatureError;

/// A private key, ready to sign (RSASSA-PKCS1-v1_5 with SHA-256).
#[derive(Clone)]
pub struct PrivateKey(Arc<RsaKeyPair>);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

impl PrivateKey {
    /// PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM.
    pub fn from_pem(pem: &str) -> Result<PrivateKey, SignatureError> {
        let bad = |e: &dyn std::fmt::Display| SignatureError::BadKey(e.to_string());
        let key = if pem.contains("BEGIN RSA PRIVATE KEY") {
            rsa::RsaPrivateKey::from_pkcs1_pem(pem).map_err(|e| bad(&e))?
        } else {
            rsa::RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| bad(&e))?
        };
        let der = key.to_pkcs8_der().map_err(|e| bad(&e))?;
        let pair = RsaKeyPair::from_pkcs8(der.as_bytes()).map_err(|e| bad(&e))?;
        Ok(PrivateKey(Arc::new(pair)))
    }

    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignatureError> {
        let mut signature = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| SignatureError::BadKey("signing failed".into()))?;
        Ok(signature)
    }
}

/// A public key, ready to verify. Keys under 2048 bits are refused.
#[derive(Clone)]
pub struct PublicKey(Arc<Vec<u8>>);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({} bytes)", self.0.len())
    }
}

impl PublicKey {
    /// SPKI (`BEGIN PUBLIC KEY`, what most servers publish) or PKCS#1
    /// (`BEGIN RSA PUBLIC KEY`) PEM.
    pub fn from_pem(pem: &str) -> Result<PublicKey, SignatureError> {
        let bad = |e: &dyn std::fmt::Display| SignatureError::BadKey(e.to_string());
        let pem = pem.trim();
        let key = if pem.contains("BEGIN RSA PUBLIC KEY") {
            rsa::RsaPublicKey::from_pkcs1_pem(pem).map_err(|e| bad(&e))?
        } else {
            rsa::RsaPublicKey::from_public_key_pem(pem).map_err(|e| bad(&e))?
        };
        let der = key.to_pkcs1_der().map_err(|e| bad(&e))?;
        Ok(PublicKey(Arc::new(der.as_bytes().to_vec())))
    }

    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, self.0.as_slice())
            .verify(message, signature)
            .map_err(|_| SignatureError::Invalid)
    }
}
