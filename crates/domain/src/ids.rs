//! Integer identifiers. Every integer on the wire lies in ±(2^53−1), the range a JSON number
//! keeps exactly in every client (the seeds' range); the newtypes here refuse anything outside.

use serde::{Deserialize, Deserializer, Serialize};

use crate::{Error, Result};

/// The largest integer a JSON number carries exactly: 2^53 − 1.
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// An integer within ±(2^53−1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct WireInt(i64);

impl WireInt {
    pub fn parse(v: i64) -> Result<Self> {
        if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&v) {
            Ok(Self(v))
        } else {
            Err(Error::invalid(
                "",
                format!("must be between -{MAX_SAFE_INTEGER} and {MAX_SAFE_INTEGER}"),
            ))
        }
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// Accepts an id within ±(2^53−1).
            pub fn parse(v: i64) -> Result<Self> {
                WireInt::parse(v).map(|w| Self(w.get()))
            }
            /// Accepts the decimal text of an id (a path segment, a JWT claim).
            pub fn parse_str(s: &str) -> Result<Self> {
                let v: i64 = s.trim().parse().map_err(|_| Error::invalid("", concat!($what, " must be an integer")))?;
                Self::parse(v)
            }
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        /// Deserializes from an integer in range, so a path or claim is checked where it is read.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let v = i64::deserialize(d)?;
                Self::parse(v).map_err(|_| {
                    serde::de::Error::custom(format!(
                        concat!($what, " must be between -{m} and {m}"),
                        m = MAX_SAFE_INTEGER
                    ))
                })
            }
        }
    };
}

id_type!(
    /// A user's (profile's) id.
    UserId,
    "user id"
);
id_type!(
    /// An organization's integer id (`numericId` in the `/organization` family).
    OrganizationId,
    "organization id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_outside_the_safe_integer_range_are_refused() {
        assert!(UserId::parse(MAX_SAFE_INTEGER).is_ok());
        assert!(UserId::parse(-MAX_SAFE_INTEGER).is_ok());
        assert!(UserId::parse(MAX_SAFE_INTEGER + 1).is_err());
        assert!(OrganizationId::parse(i64::MIN).is_err());
        assert!(serde_json::from_str::<UserId>("9007199254740992").is_err());
        assert_eq!(serde_json::from_str::<UserId>("42").unwrap().get(), 42);
    }

    #[test]
    fn ids_parse_from_decimal_text_only() {
        assert_eq!(
            UserId::parse_str("1234567890").unwrap().get(),
            1_234_567_890
        );
        assert!(UserId::parse_str("1.5").is_err());
        assert!(UserId::parse_str("abc").is_err());
    }
}
