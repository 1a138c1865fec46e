//! `Email`: an address that matches the seeds' pattern, at most 250 characters, stored
//! normalized (trimmed and lowercased) so that uniqueness and matching are case-insensitive.

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
        if PATTERN.find(raw).is_none() {
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
        let local = "a".repeat(240);
        assert!(Email::parse(&format!("{local}@example.com")).is_err());
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(238))).is_ok());
    }
}
