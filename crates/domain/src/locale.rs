//! `Locale`: the language an invitation email is written in, as a BCP 47 tag (`en`, `pt-BR`,
//! `zh-Hant-TW`): a primary language subtag of 2–8 letters, then subtags of 1–8 letters or
//! digits, at most 35 characters. Templates fall back from `pt-BR` to `pt` to `en`.

use crate::{Error, Result};

/// A well-formed BCP 47 language tag, as sent (case kept; matching ignores case).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Locale(String);

impl Locale {
    pub fn parse(raw: &str) -> Result<Self> {
        let mut parts = raw.split('-');
        let primary = parts.next().unwrap_or_default();
        let well_formed = raw.len() <= 35
            && (2..=8).contains(&primary.len())
            && primary.chars().all(|c| c.is_ascii_alphabetic())
            && parts.all(|p| {
                (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric())
            });
        if !well_formed {
            return Err(Error::invalid(
                "",
                "must be a BCP 47 language tag such as en, fr or pt-BR",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tags to look templates up by, most specific first: `pt-BR` → `pt-br`, `pt`.
    pub fn fallbacks(&self) -> Vec<String> {
        let lower = self.0.to_ascii_lowercase();
        let mut out = vec![lower.clone()];
        let mut cut = lower.as_str();
        while let Some((head, _)) = cut.rsplit_once('-') {
            out.push(head.to_owned());
            cut = head;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_tags_are_kept_and_others_refused() {
        for good in ["en", "fr", "pt-BR", "zh-Hant-TW", "es-419"] {
            assert_eq!(Locale::parse(good).unwrap().as_str(), good);
        }
        let too_long = format!("en-{}", ["abcdefgh"; 5].join("-"));
        for bad in [
            "",
            "e",
            &too_long,
            "en_US",
            "12",
            "en-",
            "pt-BRAZILIAN1",
        ] {
            assert!(Locale::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_tag_falls_back_to_its_shorter_forms() {
        assert_eq!(
            Locale::parse("zh-Hant-TW").unwrap().fallbacks(),
            ["zh-hant-tw", "zh-hant", "zh"]
        );
    }
}
