//! Sealing invitation tokens while an email waits in the outbox. A raw token is never stored in
//! clear: the outbox row holds it sealed with ChaCha20-Poly1305 under a key derived (HKDF-SHA256)
//! from the server secret for this purpose alone, and the row's token is erased once the message
//! is sent, fails for good or is superseded. A sealed token opens only with the same secret and
//! only unaltered.

use chacha20poly1305::{
    ChaCha20Poly1305, KeyInit, Nonce,
    aead::{Aead, AeadCore, OsRng},
};
use domain::{Error, InvitationToken, Result};
use hkdf::Hkdf;
use sha2::Sha256;

/// The HKDF `info` of the sealing key: no other key derived from the secret shares it.
const LABEL: &[u8] = b"rollcall outbox token seal v1";
const NONCE_LEN: usize = 12;

/// Seals and opens invitation tokens for the outbox.
#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl Sealer {
    /// The sealer keyed from the server secret.
    pub fn new(secret: &str) -> Self {
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(None, secret.as_bytes())
            .expand(LABEL, &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Self {
            cipher: ChaCha20Poly1305::new(&key.into()),
        }
    }

    /// `nonce ‖ ciphertext` of the token.
    pub fn seal(&self, token: &InvitationToken) -> Result<Vec<u8>> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, token.expose().as_bytes())
            .map_err(|_| Error::Internal("sealing a token failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The token sealed in `sealed`; an error when it was sealed under another secret or
    /// altered.
    pub fn open(&self, sealed: &[u8]) -> Result<InvitationToken> {
        if sealed.len() <= NONCE_LEN {
            return Err(Error::Internal("a sealed token is too short".into()));
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().expect("split at the nonce's length");
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), ciphertext)
            .map_err(|_| {
                Error::Internal(
                    "a sealed token does not open: sealed under another secret, or altered".into(),
                )
            })?;
        let text = String::from_utf8(plain)
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
        assert_ne!(
            sealer.seal(&token).unwrap(),
            sealed,
            "a fresh nonce every time"
        );
    }
}
