//! Names: a person's first or last name (at most 250 characters, as the seeds say) and an
//! organization's name (1–250 characters). Lengths count Unicode scalar values, as JSON Schema's
//! `maxLength` does.

use crate::{Error, Result, email::MAX_LEN};

/// The JSON Schema `pattern` of text that [`is_forbidden`] refuses nothing of, as the document
/// spells it on every name (and webhook description, and email query): a schema-valid value is
/// then never refused for its characters.
pub const NO_CONTROLS_PATTERN: &str = r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$";

/// Characters no name or email may hold: Unicode control characters (category Cc: NUL, tab,
/// newlines…) and the bidirectional controls U+202A–U+202E and U+2066–U+2069, which make a
/// name display as something else.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Refuses text holding a forbidden character (422 in a body, named by the caller).
pub fn refuse_controls(raw: &str) -> Result<()> {
    if raw.chars().any(is_forbidden) {
        return Err(Error::invalid(
            "",
            "must not contain control characters (such as NUL, tab or a newline) or bidirectional controls",
        ));
    }
    Ok(())
}

/// A name from a source that is not checked (a token's claims): forbidden characters dropped,
/// cut to 250 characters.
pub fn cleaned(raw: &str) -> String {
    raw.chars()
        .filter(|c| !is_forbidden(*c))
        .take(MAX_LEN)
        .collect()
}

fn check_len(raw: &str, min: usize) -> Result<()> {
    refuse_controls(raw)?;
    let n = raw.chars().count();
    if n > MAX_LEN {
        return Err(Error::invalid(
            "",
            format!("must be at most {MAX_LEN} characters"),
        ));
    }
    if n < min {
        return Err(Error::invalid(
            "",
            format!("must be at least {min} character(s)"),
        ));
    }
    Ok(())
}

/// A name of at least `MIN` and at most 250 characters, without forbidden characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name<const MIN: usize>(String);

impl<const MIN: usize> Name<MIN> {
    pub fn parse(raw: &str) -> Result<Self> {
        check_len(raw, MIN)?;
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A first or last name.
pub type PersonName = Name<0>;

/// An organization's display name.
pub type OrganizationName = Name<1>;

/// A team's name (1–250 characters).
pub type TeamName = OrganizationName;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_pattern_matches_exactly_what_is_refused() {
        let pattern = regress::Regex::new(NO_CONTROLS_PATTERN).unwrap();
        for c in [
            '\0', '\t', '\n', '\u{7f}', '\u{9f}', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}',
        ] {
            let text = format!("a{c}b");
            assert!(is_forbidden(c) && pattern.find(&text).is_none(), "{c:?}");
        }
        for c in [' ', 'é', '\u{a0}', '\u{2029}', '\u{202F}', '😀'] {
            let text = format!("a{c}b");
            assert!(!is_forbidden(c) && pattern.find(&text).is_some(), "{c:?}");
        }
    }

    #[test]
    fn names_are_limited_to_250_characters_not_bytes() {
        assert!(PersonName::parse(&"é".repeat(250)).is_ok());
        assert!(PersonName::parse(&"é".repeat(251)).is_err());
    }

    #[test]
    fn names_refuse_control_and_bidirectional_characters() {
        for bad in [
            "a\u{0}b",
            "tab\there",
            "line\nbreak",
            "\u{202E}evil",
            "x\u{2066}y",
            "\u{7f}",
        ] {
            assert!(PersonName::parse(bad).is_err(), "{bad:?}");
            assert!(OrganizationName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(PersonName::parse("Zoë O'Brien-Łukasz").is_ok());
    }

    #[test]
    fn a_claimed_name_is_cleaned_and_cut_to_250_characters() {
        assert_eq!(cleaned("Ja\u{0}ne\u{202E}"), "Jane");
        assert_eq!(cleaned(&"é".repeat(10_000)).chars().count(), 250);
    }

    #[test]
    fn an_organization_name_cannot_be_empty() {
        assert!(OrganizationName::parse("").is_err());
        assert!(OrganizationName::parse("Acme").is_ok());
    }
}
