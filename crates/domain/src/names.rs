//! Names: a person's first or last name (at most 250 characters, as the seeds say) and an
//! organization's name (1–250 characters). Lengths count Unicode scalar values, as JSON Schema's
//! `maxLength` does.

use crate::{Error, Result, email::MAX_LEN};

fn check_len(raw: &str, min: usize) -> Result<()> {
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

/// A first or last name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self> {
        check_len(raw, 0)?;
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A team's name (1–250 characters).
pub type TeamName = OrganizationName;

/// An organization's display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationName(String);

impl OrganizationName {
    pub fn parse(raw: &str) -> Result<Self> {
        check_len(raw, 1)?;
        Ok(Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_limited_to_250_characters_not_bytes() {
        assert!(PersonName::parse(&"é".repeat(250)).is_ok());
        assert!(PersonName::parse(&"é".repeat(251)).is_err());
    }

    #[test]
    fn an_organization_name_cannot_be_empty() {
        assert!(OrganizationName::parse("").is_err());
        assert!(OrganizationName::parse("Acme").is_ok());
    }
}
