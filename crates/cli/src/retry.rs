//! Waiting on a busy server: a 429 or a 503 (and a proxy's 502 or 504) is tried again after the
//! seconds its `Retry-After` says, or after a backoff when it says none, for at most
//! `--max-wait` in all. A wait that would go past that is not started: the answer stands.

use std::{future::Future, time::Duration};

use rollcall_client::{ApiError, Error, ResponseValue, types::Problem};

use crate::context::Ctx;

/// The first wait when an answer names none; each further one doubles, up to `MAX_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// What is left of `--max-wait` for one call (or one row).
#[derive(Debug, Clone)]
pub struct Budget {
    left: Duration,
    backoff: Duration,
}

impl Budget {
    pub fn new(max_wait: Duration) -> Self {
        Self {
            left: max_wait,
            backoff: FIRST_BACKOFF,
        }
    }

    /// How long to wait before sending again what `status` answered (`retry_after` seconds
    /// when the answer said), or `None`: not an answer to retry, or a wait past what is left.
    pub fn wait_for(&mut self, status: u16, retry_after: Option<u64>) -> Option<Duration> {
        if !retryable(status) {
            return None;
        }
        let wait = match retry_after {
            Some(seconds) => Duration::from_secs(seconds),
            None => {
                let wait = self.backoff;
                self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                wait
            }
        };
        self.take(wait)
    }

    /// Spends `wait` when that much is left.
    fn take(&mut self, wait: Duration) -> Option<Duration> {
        let left = self.left.checked_sub(wait)?;
        self.left = left;
        Some(wait)
    }
}

/// Whether an answer with `status` says to try again later.
pub fn retryable(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// The `Retry-After` seconds of a failed call's answer, when it has one.
pub fn retry_after(e: &ApiError) -> Option<u64> {
    match e {
        ApiError::Problem(answer) => answer
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok()),
        _ => None,
    }
}

/// Sends the call `builder` makes with `send`, again while the server says to retry later and
/// `--max-wait` allows; answers the body, or the last error.
pub async fn send<B, T, F, Fut>(ctx: &Ctx, builder: B, send: F) -> Result<T, ApiError>
where
    B: Clone,
    F: Fn(B) -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, Error<Problem>>>,
{
    let mut budget = Budget::new(ctx.max_wait());
    loop {
        let e = match send(builder.clone()).await {
            Ok(answer) => return Ok(answer.into_inner()),
            Err(e) => ApiError::from(e),
        };
        let wait = e
            .status()
            .and_then(|status| budget.wait_for(status.as_u16(), retry_after(&e)));
        match wait {
            Some(wait) => tokio::time::sleep(wait).await,
            None => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_after_within_the_budget_is_waited_and_one_past_it_is_not() {
        let mut budget = Budget::new(Duration::from_secs(5));
        assert_eq!(budget.wait_for(429, Some(2)), Some(Duration::from_secs(2)));
        assert_eq!(budget.wait_for(503, Some(3)), Some(Duration::from_secs(3)));
        assert_eq!(budget.wait_for(429, Some(1)), None, "nothing is left");
        let mut budget = Budget::new(Duration::from_secs(60));
        assert_eq!(budget.wait_for(429, Some(1800)), None, "past --max-wait");
    }

    #[test]
    fn only_answers_that_say_retry_later_are_retried() {
        let mut budget = Budget::new(Duration::from_secs(60));
        for status in [400, 401, 403, 404, 409, 422, 500] {
            assert_eq!(budget.wait_for(status, Some(1)), None, "{status}");
        }
    }

    #[test]
    fn without_retry_after_the_backoff_doubles_up_to_its_cap() {
        let mut budget = Budget::new(Duration::from_secs(3600));
        let waits: Vec<u128> = (0..8)
            .map(|_| budget.wait_for(503, None).unwrap().as_millis())
            .collect();
        assert_eq!(waits, [250, 500, 1000, 2000, 4000, 8000, 8000, 8000]);
    }
}
