//! RSA-2048 key pairs for actors, as every ActivityPub server expects for HTTP signatures.
//! Generation takes a noticeable fraction of a second: call it off the async runtime.

use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};

pub const KEY_BITS: usize = 2048;

/// PEM-encoded halves of an actor's key pair. The private half never leaves the database.
#[derive(Clone)]
pub struct KeyPair {
    pub public_pem: String,
    pub private_pem: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("public_pem", &self.public_pem)
            .field("private_pem", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key generation failed: {0}")]
    Generate(#[from] rsa::Error),
    #[error("key encoding failed: {0}")]
    Encode(String),
}

pub fn generate() -> Result<KeyPair, KeyError> {
    let mut rng = rand::thread_rng();
    let private = RsaPrivateKey::new(&mut rng, KEY_BITS)?;
    let public = RsaPublicKey::from(&private);
    Ok(KeyPair {
        public_pem: public
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| KeyError::Encode(e.to_string()))?,
        private_pem: private
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::Encode(e.to_string()))?
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
    use rsa::traits::PublicKeyParts;

    #[test]
    fn a_generated_pair_is_2048_bits_and_its_halves_match() {
        let pair = generate().unwrap();
        assert!(pair.public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        let public = RsaPublicKey::from_public_key_pem(&pair.public_pem).unwrap();
        let private = RsaPrivateKey::from_pkcs8_pem(&pair.private_pem).unwrap();
        assert_eq!(public.size() * 8, KEY_BITS);
        assert_eq!(RsaPublicKey::from(&private), public);
        assert!(!format!("{pair:?}").contains("PRIVATE"));
    }
}
