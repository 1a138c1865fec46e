//! Webhooks: the endpoints an organization registers, and one delivery row per event and
//! endpoint, written in the event's transaction (so an event is never acknowledged without its
//! deliveries). A delivery holds its body as sent (fixed at fan-out), where it stands, and the
//! lease of the worker sending it. An endpoint's secret is stored sealed, never in clear, beside
//! the previous one while it still signs after a rotation.

use sea_orm_migration::{prelude::*, schema::*};

use super::schema::{Step, foreign_key, index};

/// The step.
pub(super) fn step() -> Step {
    Step::new(file!())
        .table(
            Table::create()
                .table("webhook_endpoints")
                .col(uuid("id").primary_key())
                .col(big_integer("organization_id"))
                .col(text("url"))
                .col(text("events"))
                .col(text_null("description"))
                .col(boolean("enabled"))
                .col(text_null("disabled_reason"))
                .col(blob("secret"))
                .col(blob_null("previous_secret"))
                .col(timestamp_with_time_zone_null("previous_until"))
                .col(timestamp_with_time_zone_null("failing_since"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(
                    foreign_key(
                        "webhook_endpoints",
                        "organization_id",
                        "organizations",
                        "id",
                    )
                    .on_delete(ForeignKeyAction::Cascade),
                ),
        )
        .table(
            Table::create()
                .table("webhook_deliveries")
                .col(uuid("id").primary_key())
                .col(uuid("endpoint_id"))
                .col(text("message_id"))
                .col(text("event_type"))
                .col(text("payload"))
                .col(text("status"))
                .col(integer("attempts"))
                .col(integer_null("last_status_code"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone_null("next_attempt_at"))
                .col(timestamp_with_time_zone_null("lease_until"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .foreign_key(
                    foreign_key(
                        "webhook_deliveries",
                        "endpoint_id",
                        "webhook_endpoints",
                        "id",
                    )
                    .on_delete(ForeignKeyAction::Cascade),
                ),
        )
        .run(index(
            "webhook_endpoints_organization",
            "webhook_endpoints (organization_id, id)",
        ))
        .run(index(
            "webhook_deliveries_due",
            "webhook_deliveries (status, next_attempt_at)",
        ))
        .run(index(
            "webhook_deliveries_endpoint",
            "webhook_deliveries (endpoint_id, id)",
        ))
}
