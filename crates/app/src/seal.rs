//! Sealing what must be kept but never stored in clear: invitation tokens while their email
//! waits in the outbox, and webhook signing secrets. Each is sealed with ChaCha20-Poly1305 under
//! a key derived (HKDF-SHA256) from the server secret for that purpose alone; a sealed value
//! opens only with the same secret, for the same purpose, and only unaltered. The outbox erases
//! a row's token once the message is sent, fails for good or is superseded.

use chacha20poly1305::{
    ChaCha20Poly1305, KeyInit, Nonce,
    aead::{Aead, AeadCore, OsRng},
};
use domain::{Error, InvitationToken, Result};
use hkdf::Hkdf;
use sha2::Sha256;

/// The HKDF `info` of the outbox's token key.
pub(crate) const TOKENS: &[u8] = b"rollcall outbox token seal v1";
/// The HKDF `info` of the webhook secrets' key.
pub(crate) const WEBHOOK_SECRETS: &[u8] = b"rollcall webhook secret seal v1";
const NONCE_LEN: usize = 12;

/// Seals and opens values of one purpose.
#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl Sealer {
    /// The sealer of invitation tokens, keyed from the server secret.
    pub fn new(secret: &str) -> Self {
        Self::for_purpose(secret, TOKENS)
    }

    /// The sealer for the purpose `label`, keyed from the server secret.
    pub(crate) fn for_purpose(secret: &str, label: &[u8]) -> Self {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(None, secret.as_bytes())
            .expand(label, &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Self {
            cipher: ChaCha20Poly1305::new(&key.into()),
        }
    }

    /// `nonce ‖ ciphertext` of `plain`.
    pub(crate) fn seal_bytes(&self, plain: &[u8]) -> Result<Vec<u8>> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plain)
            .map_err(|_| Error::Internal("sealing failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// What `sealed` holds; an error when it was sealed under another secret or purpose, or
    /// altered.
    pub(crate) fn open_bytes(&self, sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() <= NONCE_LEN {
            return Err(Error::Internal("a sealed value is too short".into()));
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().expect("split at the nonce's length");
        self.cipher
            .decrypt(&Nonce::from(nonce), ciphertext)
            .map_err(|_| {
                Error::Internal(
                    "a sealed value does not open: sealed under another secret, or altered".into(),
                )
            })
    }

    /// The token, sealed.
    pub fn seal(&self, token: &InvitationToken) -> Result<Vec<u8>> {
        self.seal_bytes(token.expose().as_bytes())
    }

    /// The token sealed in `sealed`.
    pub fn open(&self, sealed: &[u8]) -> Result<InvitationToken> {
        let text = String::from_utf8(self.open_bytes(sealed)?)
            .map_err(|_| Error::Internal("a sealed token is not text".into()))?;
        InvitationToken::parse(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_with_the_same_secret_only_and_never_shows_in_clear() {
        let token = InvitationToken::generate().unwrap();
        let sealer = Sealer::new("secret");
        let sealed = sealer.seal(&token).unwrap();
        assert!(
            !sealed
                .windows(token.expose().len())
                .any(|w| w == token.expose().as_bytes())
        );
        assert_eq!(sealer.open(&sealed).unwrap().expose(), token.expose());
        assert!(Sealer::new("another").open(&sealed).is_err());
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(sealer.open(&altered).is_err());
        assert!(
            Sealer::for_purpose("secret", WEBHOOK_SECRETS)
                .open(&sealed)
                .is_err(),
            "another purpose, another key"
        );
        assert_ne!(
            sealer.seal(&token).unwrap(),
            sealed,
            "a fresh nonce every time"
        );
    }
}
