//! Page sizes of lists: `limit` is 1–100, 20 when not given.

use crate::{Error, Result};

pub const DEFAULT_LIMIT: u64 = 20;
pub const MAX_LIMIT: u64 = 100;

/// How many items one page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u64);

impl Limit {
    /// `None` is the default; a query parameter outside 1–100 is a 400.
    pub fn parse(raw: Option<i64>) -> Result<Self> {
        match raw {
            None => Ok(Self(DEFAULT_LIMIT)),
            Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => Ok(Self(n as u64)),
            Some(n) => Err(Error::BadRequest(format!(
                "`limit` must be between 1 and {MAX_LIMIT}, not {n}"
            ))),
        }
    }
    pub fn get(self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_1_to_100_and_default_to_20() {
        assert_eq!(Limit::parse(None).unwrap().get(), 20);
        assert_eq!(Limit::parse(Some(100)).unwrap().get(), 100);
        assert!(Limit::parse(Some(0)).is_err());
        assert!(Limit::parse(Some(101)).is_err());
    }
}
