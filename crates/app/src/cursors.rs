//! List cursors: an opaque, URL-safe token naming where the next page starts. The position is
//! JSON, signed with HMAC-SHA256 (the `hmac` crate) under a key derived from the server secret,
//! so a cursor that was not issued by Rollcall (forged, truncated or edited) is refused with 400
//! instead of being followed.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use domain::{Error, Result, page::Limit};
use hmac::{Hmac, Mac};
use serde::{Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use wire::Page;

const TAG_LEN: usize = 16;

/// Which page a list asks for: its size and the cursor of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: Limit,
    pub cursor: Option<String>,
}

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
        let mut raw = self.mac().chain_update(&body).finalize().into_bytes()[..TAG_LEN].to_vec();
        raw.extend_from_slice(&body);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The position `cursor` names; 400 unless this server issued it.
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
        self.mac()
            .chain_update(body)
            .verify_truncated_left(tag)
            .map_err(|_| forged())?;
        serde_json::from_slice(body).map_err(|_| forged())
    }

    /// The position a page request starts after, decoded.
    pub fn after<T: DeserializeOwned>(&self, page: &PageRequest) -> Result<Option<T>> {
        page.cursor.as_deref().map(|c| self.decode(c)).transpose()
    }

    /// One page of `rows`, fetched as one more than `limit`: the rows cut to the page, and the
    /// cursor of the next page (the `key` of the page's last item) unless this one is the last.
    pub fn page<T, K: Serialize>(
        &self,
        mut rows: Vec<T>,
        limit: Limit,
        key: impl Fn(&T) -> K,
    ) -> Page<T> {
        let limit = usize::try_from(limit.get()).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|last| self.encode(&key(last)))
        } else {
            None
        };
        Page {
            data: rows,
            next_cursor,
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes a key of any length")
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
        let mut tag_edited = URL_SAFE_NO_PAD.decode(&token).unwrap();
        tag_edited[0] ^= 1;
        for bad in [
            URL_SAFE_NO_PAD.encode(&raw),
            URL_SAFE_NO_PAD.encode(&tag_edited),
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
    fn the_tag_is_hmac_sha256_of_the_position() {
        // RFC 4231 test case 2: key "Jefe", "what do ya want for nothing?" → 5bdcc146….
        let c = Cursors {
            key: {
                let mut k = [0u8; 32];
                k[..4].copy_from_slice(b"Jefe");
                k
            },
        };
        let tag = c
            .mac()
            .chain_update(b"what do ya want for nothing?")
            .finalize()
            .into_bytes();
        assert_eq!(tag[..4], [0x5b, 0xdc, 0xc1, 0x46]);
    }

    #[test]
    fn a_page_is_cut_to_its_limit_with_the_cursor_of_its_last_item() {
        let c = Cursors::new("s");
        let limit = Limit::parse(Some(2)).unwrap();
        let page = c.page(vec![1, 2, 3], limit, |n| *n);
        assert_eq!(page.data, [1, 2]);
        assert_eq!(
            c.decode::<i32>(page.next_cursor.as_deref().unwrap())
                .unwrap(),
            2
        );
        assert_eq!(c.page(vec![1, 2], limit, |n| *n).next_cursor, None);
    }
}
