//! The first schema: every table of DESIGN.md's data model, with the indexes that carry its
//! invariants. Partial unique indexes are written in SQL that SQLite and PostgreSQL share.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(big_pk_auto(Users::Id))
                .col(text(Users::Email).unique_key())
                .col(text(Users::FirstName))
                .col(text(Users::LastName))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .col(timestamp_with_time_zone_null(Users::DeletedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Organizations::Table)
                .col(big_pk_auto(Organizations::Id))
                .col(uuid_uniq(Organizations::Uuid))
                .col(text(Organizations::Name))
                .col(timestamp_with_time_zone(Organizations::CreatedAt))
                .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Memberships::Table)
                .col(big_pk_auto(Memberships::Id))
                .col(big_integer(Memberships::UserId))
                .col(big_integer(Memberships::OrganizationId))
                .col(text(Memberships::Role))
                .col(json(Memberships::Permissions))
                .col(timestamp_with_time_zone(Memberships::CreatedAt))
                .col(timestamp_with_time_zone(Memberships::UpdatedAt))
                .col(timestamp_with_time_zone_null(Memberships::DeletedAt))
                .foreign_key(&mut fk(
                    Memberships::Table,
                    Memberships::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .foreign_key(&mut fk(
                    Memberships::Table,
                    Memberships::OrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Teams::Table)
                .col(pk_uuid(Teams::Id))
                .col(big_integer(Teams::OrganizationId))
                .col(text(Teams::Name))
                .col(timestamp_with_time_zone(Teams::CreatedAt))
                .col(timestamp_with_time_zone(Teams::UpdatedAt))
                .foreign_key(&mut fk(
                    Teams::Table,
                    Teams::OrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(TeamMemberships::Table)
                .col(uuid(TeamMemberships::TeamId))
                .col(big_integer(TeamMemberships::UserId))
                .col(text(TeamMemberships::Role))
                .col(timestamp_with_time_zone(TeamMemberships::CreatedAt))
                .col(timestamp_with_time_zone(TeamMemberships::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(TeamMemberships::TeamId)
                        .col(TeamMemberships::UserId),
                )
                .foreign_key(
                    &mut fk(
                        TeamMemberships::Table,
                        TeamMemberships::TeamId,
                        Teams::Table,
                        Teams::Id,
                    )
                    .on_delete(ForeignKeyAction::Cascade)
                    .to_owned(),
                )
                .foreign_key(&mut fk(
                    TeamMemberships::Table,
                    TeamMemberships::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Invitations::Table)
                .col(pk_uuid(Invitations::Id))
                .col(big_integer(Invitations::OrganizationId))
                .col(text(Invitations::Email))
                .col(text(Invitations::Role))
                .col(json(Invitations::TeamAssignments))
                .col(json_null(Invitations::Permissions))
                .col(text(Invitations::Status))
                .col(text(Invitations::TokenHash).unique_key())
                .col(big_integer(Invitations::InvitedBy))
                .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                .col(timestamp_with_time_zone(Invitations::CreatedAt))
                .col(timestamp_with_time_zone(Invitations::UpdatedAt))
                .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                .col(big_integer_null(Invitations::AcceptedBy))
                .col(timestamp_with_time_zone_null(Invitations::DeclinedAt))
                .col(timestamp_with_time_zone_null(Invitations::RevokedAt))
                .col(big_integer_null(Invitations::RevokedBy))
                .foreign_key(&mut fk(
                    Invitations::Table,
                    Invitations::OrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(big_pk_auto(AuditEvents::Id))
                .col(big_integer_null(AuditEvents::OrganizationId))
                .col(big_integer_null(AuditEvents::ActorId))
                .col(text(AuditEvents::Action))
                .col(text(AuditEvents::Target))
                .col(text(AuditEvents::RequestId))
                .col(timestamp_with_time_zone(AuditEvents::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OutboxMessages::Table)
                .col(big_pk_auto(OutboxMessages::Id))
                .col(text(OutboxMessages::Kind))
                .col(text(OutboxMessages::Recipient))
                .col(json(OutboxMessages::Payload))
                .col(integer(OutboxMessages::Attempts).default(0))
                .col(timestamp_with_time_zone(OutboxMessages::CreatedAt))
                .col(timestamp_with_time_zone_null(OutboxMessages::SentAt))
                .to_owned(),
        )
        .await?;

        // Invariants the database itself keeps, and the indexes the lists walk.
        let db = m.get_connection();
        for sql in [
            // At most one live membership per (user, organization): what makes concurrent
            // registrations and accepts exactly-once.
            "CREATE UNIQUE INDEX memberships_live_uq ON memberships (user_id, organization_id) WHERE deleted_at IS NULL",
            "CREATE INDEX memberships_org_idx ON memberships (organization_id, user_id)",
            "CREATE INDEX teams_org_idx ON teams (organization_id)",
            "CREATE INDEX team_memberships_user_idx ON team_memberships (user_id)",
            "CREATE INDEX invitations_org_email_idx ON invitations (organization_id, email)",
            "CREATE INDEX invitations_org_created_idx ON invitations (organization_id, created_at, id)",
            "CREATE INDEX audit_events_org_idx ON audit_events (organization_id, id)",
            "CREATE INDEX outbox_unsent_idx ON outbox_messages (sent_at, id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            OutboxMessages::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            Invitations::Table.into_iden(),
            TeamMemberships::Table.into_iden(),
            Teams::Table.into_iden(),
            Memberships::Table.into_iden(),
            Organizations::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

fn fk<
    T: IntoIden + 'static,
    C: IntoIden + 'static,
    R: IntoIden + 'static,
    RC: IntoIden + 'static,
>(
    table: T,
    col: C,
    ref_table: R,
    ref_col: RC,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(ref_table, ref_col)
        .to_owned()
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    FirstName,
    LastName,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Uuid,
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    UserId,
    OrganizationId,
    Role,
    Permissions,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
    OrganizationId,
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TeamMemberships {
    Table,
    TeamId,
    UserId,
    Role,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    OrganizationId,
    Email,
    Role,
    TeamAssignments,
    Permissions,
    Status,
    TokenHash,
    InvitedBy,
    ExpiresAt,
    CreatedAt,
    UpdatedAt,
    AcceptedAt,
    AcceptedBy,
    DeclinedAt,
    RevokedAt,
    RevokedBy,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OrganizationId,
    ActorId,
    Action,
    Target,
    RequestId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    Id,
    Kind,
    Recipient,
    Payload,
    Attempts,
    CreatedAt,
    SentAt,
}
