//! Invitation tokens: 32 random bytes from the OS, sent as URL-safe base64 (no padding), stored
//! only as their SHA-256. The raw token exists in memory just long enough to be answered once.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// A raw invitation token. It deliberately has no `Display`, `Serialize` or `Debug` contents, so
/// it cannot end up in a log line by accident; `expose` is the one way out.
pub struct InvitationToken(String);

impl std::fmt::Debug for InvitationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvitationToken(<redacted>)")
    }
}

impl InvitationToken {
    /// A fresh token from the operating system's random source.
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| Error::Internal(format!("OS random source failed: {e}")))?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A token as a caller presented it; refused unless it is 32 bytes of URL-safe base64.
    pub fn parse(raw: &str) -> Result<Self> {
        match URL_SAFE_NO_PAD.decode(raw) {
            Ok(bytes) if bytes.len() == 32 => Ok(Self(raw.to_owned())),
            _ => Err(Error::invalid(
                "",
                "must be an invitation token as sent in the invitation",
            )),
        }
    }

    /// The SHA-256 of the token, hex-encoded: the only form that is stored.
    pub fn hash(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }

    /// The raw token, for the one answer that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_32_random_bytes_in_url_safe_base64() {
        let a = InvitationToken::generate().unwrap();
        let b = InvitationToken::generate().unwrap();
        assert_eq!(a.expose().len(), 43);
        assert_ne!(a.expose(), b.expose());
        assert!(
            a.expose()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert!(InvitationToken::parse(a.expose()).is_ok());
    }

    #[test]
    fn the_stored_hash_is_not_the_token_and_is_stable() {
        let t = InvitationToken::generate().unwrap();
        assert_eq!(t.hash(), InvitationToken::parse(t.expose()).unwrap().hash());
        assert_eq!(t.hash().len(), 64);
        assert!(!t.hash().contains(t.expose()));
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let t = InvitationToken::generate().unwrap();
        assert!(!format!("{t:?}").contains(t.expose()));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        assert!(InvitationToken::parse("short").is_err());
        assert!(InvitationToken::parse(&"!".repeat(43)).is_err());
    }
}
