//! Quotas: counts in fixed clock-hour windows, kept in the database (`rate_limits`), so every
//! replica sees the same count. A count is part of the use case's transaction: a refused or
//! failed change counts for nothing.

use domain::{Error, Result, model::Context};
use storage::Tx;

const WINDOW: i64 = 3600;

/// Counts one more in `bucket` for the current clock hour; 429 once `per_hour` were counted in
/// it, with the seconds until the next hour. `what` says what was counted, `{n}` standing for
/// the limit.
pub(crate) async fn take(
    tx: Tx<'_>,
    bucket: &str,
    per_hour: u32,
    what: &str,
    ctx: &Context,
) -> Result<()> {
    let window_start = ctx.now.timestamp().div_euclid(WINDOW) * WINDOW;
    let count = tx.count_in_window(bucket, window_start).await?;
    if count > i64::from(per_hour) {
        return Err(Error::RateLimited {
            detail: format!(
                "{}, its limit; retry after the Retry-After seconds",
                what.replace("{n}", &per_hour.to_string())
            ),
            retry_after_secs: u64::try_from(window_start + WINDOW - ctx.now.timestamp())
                .unwrap_or(0)
                .clamp(1, 3600),
        });
    }
    Ok(())
}
