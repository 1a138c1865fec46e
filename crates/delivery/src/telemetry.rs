//! What the background work tells Prometheus (through the `metrics` facade; the server installs
//! the exporter and serves `/metrics`): email and webhook deliveries by outcome, counted as each
//! attempt ends, and the depth of the outbox and of the webhook queue by state. The depths are
//! global — two grouped counts over the whole database — read by each worker every
//! `gauges_every`, never per scrape, so any number of scrapers cost the database nothing.

use std::time::Duration;

use app::{App, delivery::Attempt, webhooks::HookAttempt};
use domain::{
    model::{DeliveryStatus, MailKind},
    webhook::HookStatus,
};
use tokio::sync::watch;

pub const EMAIL_DELIVERIES: &str = "rollcall_email_deliveries_total";
pub const WEBHOOK_DELIVERIES: &str = "rollcall_webhook_deliveries_total";
pub const EMAIL_OUTBOX: &str = "rollcall_email_outbox_messages";
pub const WEBHOOK_QUEUE: &str = "rollcall_webhook_queue_deliveries";

const EMAIL_STATES: [DeliveryStatus; 4] = [
    DeliveryStatus::Queued,
    DeliveryStatus::Sent,
    DeliveryStatus::Failed,
    DeliveryStatus::Skipped,
];

/// Describes this crate's metrics to the installed recorder (call once, after installing it).
pub fn describe() {
    metrics::describe_counter!(
        EMAIL_DELIVERIES,
        "Email delivery attempts by kind (invitation, added) and outcome: sent, retried (a transient failure, tried again later), failed (for good), skipped (no longer wanted)."
    );
    metrics::describe_counter!(
        WEBHOOK_DELIVERIES,
        "Webhook delivery attempts by outcome: delivered (2xx), retried, failed (for good), gone (410: the endpoint is disabled)."
    );
    metrics::describe_gauge!(
        EMAIL_OUTBOX,
        "Emails in the outbox by status, in the whole database (read by each worker on an interval)."
    );
    metrics::describe_gauge!(
        WEBHOOK_QUEUE,
        "Webhook deliveries by status, in the whole database (read by each worker on an interval)."
    );
}

/// Counts one email attempt by its outcome.
pub(crate) fn email_delivered(kind: MailKind, attempt: &Attempt) {
    let outcome = match attempt {
        Attempt::Sent => "sent",
        Attempt::Failed {
            retry_in: Some(_), ..
        } => "retried",
        Attempt::Failed { retry_in: None, .. } => "failed",
        Attempt::Unwanted { .. } => "skipped",
    };
    metrics::counter!(EMAIL_DELIVERIES, "kind" => kind.as_str(), "outcome" => outcome).increment(1);
}

/// Counts one webhook attempt by its outcome.
pub(crate) fn webhook_delivered(attempt: &HookAttempt) {
    let outcome = match attempt {
        HookAttempt::Delivered { .. } => "delivered",
        HookAttempt::Gone => "gone",
        HookAttempt::Failed {
            retry_in: Some(_), ..
        } => "retried",
        HookAttempt::Failed { retry_in: None, .. } => "failed",
    };
    metrics::counter!(WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1);
}

/// Reads the queues' depths every `every` until `stop` turns true, setting the gauges (a state
/// with no row reads 0, so an emptied queue does not keep its last count).
pub(crate) async fn refresh(app: App, every: Duration, mut stop: watch::Receiver<bool>) {
    while !*stop.borrow() {
        match app.queue_depths().await {
            Ok(depths) => {
                for state in EMAIL_STATES {
                    let n = count(&depths.emails, state);
                    metrics::gauge!(EMAIL_OUTBOX, "status" => state.as_str()).set(n as f64);
                }
                for state in HookStatus::ALL {
                    let n = count(&depths.webhooks, state);
                    metrics::gauge!(WEBHOOK_QUEUE, "status" => state.as_str()).set(n as f64);
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading the queue depths failed; retrying later"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
    }
}

fn count<S: PartialEq + Copy>(rows: &[(S, u64)], state: S) -> u64 {
    rows.iter()
        .find(|(s, _)| *s == state)
        .map_or(0, |(_, n)| *n)
}
