//! When a message that failed is tried again: a schedule of waits (`1m,5m,30m,2h,6h,12h` by
//! default; `ROLLCALL_EMAIL_RETRY_SCHEDULE=1s,2s,4s` in tests), each with ±20% jitter so that
//! messages that failed together do not return together. After the last wait's attempt fails,
//! the message has failed for good.

use chrono::Duration;

/// The waits before each retry, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule(Vec<Duration>);

impl Schedule {
    /// Parses `1m,5m,30m,2h` (units s, m, h, d).
    pub fn parse(text: &str) -> Result<Self, String> {
        let waits = text
            .split(',')
            .map(|part| {
                let part = part.trim();
                let (number, unit) = part.split_at(part.len().saturating_sub(1));
                let n: i64 = number.parse().map_err(|_| part.to_owned())?;
                match unit {
                    "s" => Ok(Duration::seconds(n)),
                    "m" => Ok(Duration::minutes(n)),
                    "h" => Ok(Duration::hours(n)),
                    "d" => Ok(Duration::days(n)),
                    _ => Err(part.to_owned()),
                }
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|bad| {
                format!("{bad:?} is not a wait such as 30s, 5m, 2h or 1d (the schedule is a comma-separated list of them)")
            })?;
        if waits.is_empty() || waits.iter().any(|w| *w < Duration::zero()) {
            return Err("a retry schedule needs at least one wait, none negative".into());
        }
        Ok(Self(waits))
    }

    /// How long to wait after the `attempts`-th failed attempt (1 for the first), jittered; `None`
    /// when there is no retry left.
    pub fn retry_in(&self, attempts: u32) -> Option<Duration> {
        let wait = *self
            .0
            .get(usize::try_from(attempts).ok()?.checked_sub(1)?)?;
        let ms = wait.num_milliseconds();
        let spread = ms / 5;
        Some(Duration::milliseconds(
            ms - spread + fastrand::i64(0..=2 * spread),
        ))
    }

    /// How many attempts a message gets in all.
    pub fn attempts(&self) -> usize {
        self.0.len() + 1
    }
}

impl Default for Schedule {
    fn default() -> Self {
        Self::parse("1m,5m,30m,2h,6h,12h").expect("the default schedule parses")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_gives_each_retry_its_wait_with_jitter_then_none() {
        let s = Schedule::parse("10s, 1m,2h").unwrap();
        assert_eq!(s.attempts(), 4);
        for _ in 0..100 {
            let first = s.retry_in(1).unwrap().num_milliseconds();
            assert!((8_000..=12_000).contains(&first), "{first}");
        }
        assert!(s.retry_in(3).unwrap() >= Duration::minutes(96));
        assert_eq!(s.retry_in(4), None);
        assert_eq!(s.retry_in(0), None);
        assert_eq!(Schedule::default().attempts(), 7);
    }

    #[test]
    fn a_malformed_schedule_says_what_is_wrong() {
        for bad in ["", "5", "5x", "1m,,2m", "-1s"] {
            assert!(Schedule::parse(bad).is_err(), "{bad:?}");
        }
    }
}
