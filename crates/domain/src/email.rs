//! `Email`: an address that matches the seeds' pattern, at most 250 characters, and is an
//! email address in the sense of JSON Schema's `format: email` (which the seeds also declare):
//! a local part of at most 64 characters, domain labels of at most 63 that do not end with a
//! hyphen. Stored normalized (lowercased) so that uniqueness and matching are case-insensitive.

use std::sync::LazyLock;

use crate::{Error, Result};

/// The seeds' email pattern, verbatim (an ECMAScript regex: it uses look-aheads).
pub const EMAIL_PATTERN: &str = r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$";
/// The seeds' maxLength for every string.
pub const MAX_LEN: usize = 250;

static PATTERN: LazyLock<regress::Regex> = LazyLock::new(|| {
    regress::Regex::new(EMAIL_PATTERN).expect("the seeds' email pattern compiles")
});

/// A valid, normalized email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Checks length and pattern on the address as sent (as the document's schema does), then
    /// lowercases it. (The pattern admits no whitespace, so there is nothing left to trim.)
    pub fn parse(raw: &str) -> Result<Self> {
        if raw.chars().count() > MAX_LEN {
            return Err(Error::invalid(
                "",
                format!("must be at most {MAX_LEN} characters"),
            ));
        }
        if PATTERN.find(raw).is_none() || !rfc_5321_limits(raw) {
            return Err(Error::invalid(
                "",
                "must be an email address such as jane.doe@example.com",
            ));
        }
        Ok(Self(raw.to_lowercase()))
    }

    /// An email already normalized and stored (read back from the database).
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// RFC 5321's limits that the seeds' pattern leaves out: a local part of at most 64 octets;
/// domain labels of 1 to 63 characters that do not end with a hyphen.
fn rfc_5321_limits(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    local.len() <= 64
        && domain
            .split('.')
            .all(|label| !label.is_empty() && label.len() <= 63 && !label.ends_with('-'))
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased() {
        assert_eq!(
            Email::parse("Jane.Doe@Example.COM").unwrap().as_str(),
            "jane.doe@example.com"
        );
    }

    #[test]
    fn emails_against_the_seed_pattern_are_refused() {
        for bad in [
            ".jane@example.com",
            "ja..ne@example.com",
            "jane@example",
            "jane.@example.com",
            "@example.com",
            "jane@-x.com",
            "jane@x-.example.com",
            &format!("{}@example.com", "j".repeat(65)),
            &format!("jane@{}.com", "x".repeat(64)),
            " jane@example.com",
            "",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        for good in [
            "test@mail.com",
            "o'brien+tag@sub.example.org",
            "a_b-c@x-y.io",
        ] {
            assert!(Email::parse(good).is_ok(), "{good:?} should be accepted");
        }
    }

    #[test]
    fn emails_longer_than_250_characters_are_refused() {
        // 60 + 1 + 3 × 61 + 6 = 250 characters, every part within RFC 5321's limits.
        let labels = format!("{}.", "x".repeat(60)).repeat(3);
        let at_limit = format!("{}@{labels}ab.com", "a".repeat(60));
        assert_eq!(at_limit.len(), 250);
        assert!(Email::parse(&at_limit).is_ok());
        assert!(Email::parse(&format!("a{at_limit}")).is_err());
    }
}
