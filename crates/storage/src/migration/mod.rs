//! Schema migrations, applied in order at start-up. Each file is one step, recorded by its name
//! in `seaql_migrations`; what a released step does never changes, and a new need is a new file
//! (`mYYYYMMDD_NNNNNN_name.rs`). `schema` holds what the steps share.

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
mod schema;

/// Every migration, oldest first.
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::step()),
            Box::new(m20261123_000002_pending_invitation_unique::step()),
            Box::new(m20261123_000003_idempotency_keys::step()),
            Box::new(m20261123_000004_rate_limits::step()),
            Box::new(m20261130_000001_event_data::step()),
            Box::new(m20261130_000002_user_ids::step()),
            Box::new(m20261130_000003_email_delivery::step()),
            Box::new(m20261201_000001_identities::step()),
            Box::new(m20261201_000002_webhooks::step()),
            Box::new(m20261202_000001_delivery_claim_indexes::step()),
        ]
    }
}
