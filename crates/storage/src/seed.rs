//! Bulk loading for benchmarks and load tests: many pending invitations in a few statements,
//! not through the API (no quota, no per-row checks, no event snapshots), each with its event
//! in the same transaction as the rows it records.

use chrono::{DateTime, Utc};
use domain::{
    Email, InvitationStatus, Result, Role, UserId,
    model::{Context, Organization},
};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use crate::{
    Store,
    entities::{audit_events, invitations},
    store::db_err,
};

/// Rows per multi-row `INSERT`: well under SQLite's 32,766 bound variables at 17 columns.
const ROWS_PER_INSERT: usize = 500;

/// One invitation to load: who it is for, its token (by hash) and when it was made.
#[derive(Debug, Clone)]
pub struct SeedInvitation {
    pub id: Uuid,
    pub email: Email,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Stores `rows` as pending member invitations of `org` from `inviter`, in one transaction
    /// per `ROWS_PER_INSERT` rows, each with an `invitation.created` audit event. Emails must
    /// not have a pending invitation in `org` already (the unique index refuses the chunk). Call
    /// `settle_after_load` once the whole load is in.
    pub async fn seed_invitations(
        &self,
        org: &Organization,
        inviter: UserId,
        rows: &[SeedInvitation],
        ctx: &Context,
    ) -> Result<()> {
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let txn = self.begin_raw().await?;
            let invitations = chunk.iter().map(|r| invitations::ActiveModel {
                id: Set(r.id),
                organization_id: Set(org.id.get()),
                email: Set(r.email.as_str().to_owned()),
                role: Set(Role::Member.as_str().to_owned()),
                team_assignments: Set(serde_json::json!([])),
                permissions: Set(None),
                status: Set(InvitationStatus::Pending.as_str().to_owned()),
                token_hash: Set(r.token_hash.clone()),
                invited_by: Set(inviter.get()),
                expires_at: Set(r.expires_at),
                created_at: Set(r.created_at),
                updated_at: Set(r.created_at),
                accepted_at: Set(None),
                accepted_by: Set(None),
                declined_at: Set(None),
                revoked_at: Set(None),
                revoked_by: Set(None),
                email_status: Set("skipped".to_owned()),
                email_attempts: Set(0),
                email_sent_at: Set(None),
                email_last_error: Set(Some("bulk-loaded for a benchmark".to_owned())),
            });
            invitations::Entity::insert_many(invitations)
                .exec_without_returning(&txn)
                .await
                .map_err(db_err)?;
            let events = chunk.iter().map(|r| audit_events::ActiveModel {
                organization_id: Set(Some(org.id.get())),
                actor_id: Set(ctx.actor.map(UserId::get)),
                action: Set("invitation.created".to_owned()),
                target: Set(format!("invitation:{}", r.id)),
                data: Set(None),
                request_id: Set(ctx.request_id.clone()),
                created_at: Set(r.created_at),
                ..Default::default()
            });
            audit_events::Entity::insert_many(events)
                .exec_without_returning(&txn)
                .await
                .map_err(db_err)?;
            txn.commit().await.map_err(db_err)?;
        }
        Ok(())
    }

    /// After a bulk load (`seed_invitations`, as often as it took): on PostgreSQL, `VACUUM
    /// ANALYZE` of the two tables it filled, as PostgreSQL advises after a bulk load; otherwise
    /// autovacuum works through the new rows during whatever is measured next (a benchmark's
    /// accept run met it at 166% of a core). Nothing on SQLite.
    pub async fn settle_after_load(&self) -> Result<()> {
        if self.read.get_database_backend() == sea_orm::DbBackend::Postgres {
            self.read
                .execute_unprepared("VACUUM ANALYZE invitations, audit_events")
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }
}
