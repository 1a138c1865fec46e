//! Schema migrations, applied in order at start-up. Each file is one step and never changes
//! once released; a new need is a new file (`mYYYYMMDD_NNNNNN_name.rs`).

use sea_orm_migration::prelude::*;

mod m20261123_000001_initial;
mod m20261123_000002_pending_invitation_unique;
mod m20261123_000003_idempotency_keys;
mod m20261123_000004_rate_limits;
mod m20261130_000001_event_data;
mod m20261130_000002_user_ids;
mod m20261130_000003_email_delivery;
mod m20261201_000001_identities;
mod m20261201_000002_webhooks;
mod m20261202_000001_delivery_claim_indexes;

/// Every migration, oldest first.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::Migration),
            Box::new(m20261123_000002_pending_invitation_unique::Migration),
            Box::new(m20261123_000003_idempotency_keys::Migration),
            Box::new(m20261123_000004_rate_limits::Migration),
            Box::new(m20261130_000001_event_data::Migration),
            Box::new(m20261130_000002_user_ids::Migration),
            Box::new(m20261130_000003_email_delivery::Migration),
            Box::new(m20261201_000001_identities::Migration),
            Box::new(m20261201_000002_webhooks::Migration),
            Box::new(m20261202_000001_delivery_claim_indexes::Migration),
        ]
    }
}
