//! List cursors: an opaque, URL-safe token naming where the next page starts. The position is
//! JSON, signed with HMAC-SHA256 under a key derived from the server secret, so a cursor that was
//! not issued by Rollcall (forged, truncated or edited) is refused with 400 instead of being
//! followed.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use domain::{Error, Result};
use serde::{Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};

const TAG_LEN: usize = 16;

/// Issues and checks cursors.
#[derive(Clone)]
pub struct Cursors {
    key: [u8; 32],
}

impl Cursors {
    /// Cursors keyed from the server secret (distinct from the JWT key by a label).
    pub fn new(secret: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"rollcall list cursor v1\0");
        h.update(secret.as_bytes());
        Self {
            key: h.finalize().into(),
        }
    }

    pub fn encode<T: Serialize>(&self, position: &T) -> String {
        let body = serde_json::to_vec(position).unwrap_or_default();
        let mut raw = self.tag(&body).to_vec();
        raw.extend_from_slice(&body);
        URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn decode<T: DeserializeOwned>(&self, cursor: &str) -> Result<T> {
        let forged = || {
            Error::BadRequest(
                "`cursor` is not one this server issued; start again without it".into(),
            )
        };
        let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| forged())?;
        if raw.len() <= TAG_LEN {
            return Err(forged());
        }
        let (tag, body) = raw.split_at(TAG_LEN);
        // Constant-time comparison of the tags.
        let expected = self.tag(body);
        if tag
            .iter()
            .zip(expected.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            != 0
        {
            return Err(forged());
        }
        serde_json::from_slice(body).map_err(|_| forged())
    }

    /// Cuts `rows`, fetched as one more than `limit`, to one page, and answers the cursor of the
    /// next page (the `key` of the page's last item), or `None` when this page is the last.
    pub fn page<T, K: Serialize>(
        &self,
        rows: &mut Vec<T>,
        limit: u64,
        key: impl Fn(&T) -> K,
    ) -> Option<String> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        if rows.len() <= limit {
            return None;
        }
        rows.truncate(limit);
        rows.last().map(|last| self.encode(&key(last)))
    }

    /// HMAC-SHA256 (RFC 2104), truncated.
    fn tag(&self, message: &[u8]) -> [u8; TAG_LEN] {
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.key);
        let pad = |b: u8| block.map(|k| k ^ b);
        let inner = Sha256::new()
            .chain_update(pad(0x36))
            .chain_update(message)
            .finalize();
        let outer = Sha256::new()
            .chain_update(pad(0x5c))
            .chain_update(inner)
            .finalize();
        let mut tag = [0u8; TAG_LEN];
        tag.copy_from_slice(&outer[..TAG_LEN]);
        tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        let c = Cursors::new("s");
        let token = c.encode(&(1700000000000_i64, "abc"));
        assert_eq!(
            c.decode::<(i64, String)>(&token).unwrap(),
            (1700000000000, "abc".to_owned())
        );
        assert!(
            token
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        );
    }

    #[test]
    fn forged_edited_or_foreign_cursors_are_refused() {
        let c = Cursors::new("s");
        let token = c.encode(&(1_i64, "abc"));
        let mut raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
        let last = raw.len() - 2;
        raw[last] ^= 1;
        for bad in [
            URL_SAFE_NO_PAD.encode(&raw),
            "garbage!".into(),
            String::new(),
            Cursors::new("other").encode(&(1_i64, "abc")),
        ] {
            assert!(
                matches!(c.decode::<(i64, String)>(&bad), Err(Error::BadRequest(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_tag_is_hmac_sha256() {
        // RFC 4231 test case 2 with a key padded as ours is: key "Jefe" is shorter than 32 bytes,
        // so compare against HMAC computed with the same 32-byte zero-padded key.
        let mut c = Cursors::new("");
        c.key = [0u8; 32];
        c.key[..4].copy_from_slice(b"Jefe");
        let tag = c.tag(b"what do ya want for nothing?");
        assert_eq!(tag[..4], [0x5b, 0xdc, 0xc1, 0x46]);
    }
}
