//! Webhooks: the endpoints an organization registers, and one delivery row per event and
//! endpoint, written in the event's transaction (so an event is never acknowledged without its
//! deliveries). A delivery holds its body as sent (fixed at fan-out), where it stands, and the
//! lease of the worker sending it. An endpoint's secret is stored sealed, never in clear, beside
//! the previous one while it still signs after a rotation.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebhookEndpoints::Table)
                .col(uuid(WebhookEndpoints::Id).primary_key())
                .col(big_integer(WebhookEndpoints::OrganizationId))
                .col(text(WebhookEndpoints::Url))
                .col(text(WebhookEndpoints::Events))
                .col(text_null(WebhookEndpoints::Description))
                .col(boolean(WebhookEndpoints::Enabled))
                .col(text_null(WebhookEndpoints::DisabledReason))
                .col(blob(WebhookEndpoints::Secret))
                .col(blob_null(WebhookEndpoints::PreviousSecret))
                .col(timestamp_with_time_zone_null(
                    WebhookEndpoints::PreviousUntil,
                ))
                .col(timestamp_with_time_zone_null(
                    WebhookEndpoints::FailingSince,
                ))
                .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                .col(timestamp_with_time_zone(WebhookEndpoints::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebhookEndpoints::Table, WebhookEndpoints::OrganizationId)
                        .to(Organizations::Table, Organizations::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookDeliveries::Table)
                .col(uuid(WebhookDeliveries::Id).primary_key())
                .col(uuid(WebhookDeliveries::EndpointId))
                .col(text(WebhookDeliveries::MessageId))
                .col(text(WebhookDeliveries::EventType))
                .col(text(WebhookDeliveries::Payload))
                .col(text(WebhookDeliveries::Status))
                .col(integer(WebhookDeliveries::Attempts))
                .col(integer_null(WebhookDeliveries::LastStatusCode))
                .col(text_null(WebhookDeliveries::LastError))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::NextAttemptAt,
                ))
                .col(timestamp_with_time_zone_null(WebhookDeliveries::LeaseUntil))
                .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::DeliveredAt,
                ))
                .foreign_key(
                    ForeignKey::create()
                        .from(WebhookDeliveries::Table, WebhookDeliveries::EndpointId)
                        .to(WebhookEndpoints::Table, WebhookEndpoints::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        let db = m.get_connection();
        for sql in [
            "CREATE INDEX webhook_endpoints_organization ON webhook_endpoints (organization_id, id)",
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
            "CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(WebhookEndpoints::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    OrganizationId,
    Url,
    Events,
    Description,
    Enabled,
    DisabledReason,
    Secret,
    PreviousSecret,
    PreviousUntil,
    FailingSince,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    MessageId,
    EventType,
    Payload,
    Status,
    Attempts,
    LastStatusCode,
    LastError,
    NextAttemptAt,
    LeaseUntil,
    CreatedAt,
    DeliveredAt,
}
