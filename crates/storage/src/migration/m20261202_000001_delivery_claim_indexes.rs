//! Indexes for claiming webhook deliveries endpoint by endpoint: pending deliveries by endpoint
//! in the order they are sent (which also leads from one endpoint with pending deliveries to the
//! next; it replaces `webhook_deliveries_due`, which only the old claim read), and an endpoint's
//! deliveries held under a lease (the slots it uses; partial, so that a new delivery, never
//! leased, costs it nothing). Without them a claim read every pending delivery to find a few
//! (40 ms at 10,000 pending).

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        // Building an index over every delivery ever made may take longer than the pool's
        // statement timeout; this transaction alone waits as long as it takes. (Writes to
        // webhook_deliveries, an event's fan-out among them, wait for it meanwhile.)
        if m.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("SET LOCAL statement_timeout = 0")
                .await?;
        }
        for sql in [
            "CREATE INDEX webhook_deliveries_endpoint_due ON webhook_deliveries (status, endpoint_id, next_attempt_at, id)",
            "CREATE INDEX webhook_deliveries_endpoint_leased ON webhook_deliveries (endpoint_id, lease_until) WHERE lease_until IS NOT NULL",
            "DROP INDEX webhook_deliveries_due",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for sql in [
            "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at)",
            "DROP INDEX webhook_deliveries_endpoint_due",
            "DROP INDEX webhook_deliveries_endpoint_leased",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }
}
