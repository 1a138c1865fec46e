//! At most one pending invitation per (organization, email): what makes concurrent invites of
//! one address answer exactly one 201. A pending row past its expiry is rewritten to `expired`
//! (in the inviting transaction) before it could block a new invitation.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX invitations_pending_uq ON invitations (organization_id, email) WHERE status = 'pending'",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX invitations_pending_uq")
            .await
            .map(|_| ())
    }
}
