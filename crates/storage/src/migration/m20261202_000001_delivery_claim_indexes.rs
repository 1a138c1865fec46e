//! Indexes for claiming webhook deliveries endpoint by endpoint: pending deliveries by endpoint
//! in the order they are sent (which also leads from one endpoint with pending deliveries to the
//! next; it replaces `webhook_deliveries_due`, which only the old claim read), and an endpoint's
//! deliveries held under a lease (the slots it uses; partial, so that a new delivery, never
//! leased, costs it nothing). Without them a claim read every pending delivery to find a few
//! (40 ms at 10,000 pending).

use super::schema::{Step, drop_index, index, partial};

/// The step.
pub(super) fn step() -> Step {
    Step::new(file!())
        // Building an index over every delivery ever made may take longer than the pool's
        // statement timeout; this transaction alone waits as long as it takes. (Writes to
        // webhook_deliveries, an event's fan-out among them, wait for it meanwhile.)
        .without_statement_timeout()
        .run(index(
            "webhook_deliveries_endpoint_due",
            "webhook_deliveries (status, endpoint_id, next_attempt_at, id)",
        ))
        .run(partial(
            index(
                "webhook_deliveries_endpoint_leased",
                "webhook_deliveries (endpoint_id, lease_until)",
            ),
            "lease_until IS NOT NULL",
        ))
        .run(drop_index("webhook_deliveries_due"))
        .undo(index(
            "webhook_deliveries_due",
            "webhook_deliveries (status, next_attempt_at)",
        ))
        .undo(drop_index("webhook_deliveries_endpoint_due"))
        .undo(drop_index("webhook_deliveries_endpoint_leased"))
}
