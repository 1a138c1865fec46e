//! The first schema: every table of DESIGN.md's data model, with the indexes that carry its
//! invariants. Partial unique indexes are written in SQL that SQLite and PostgreSQL share.

use sea_orm_migration::{prelude::*, schema::*};

use super::schema::{Step, foreign_key, index, partial, unique_index};

/// The step.
pub(super) fn step() -> Step {
    Step::new(file!())
        .table(
            Table::create()
                .table("users")
                .col(big_pk_auto("id"))
                .col(text("email").unique_key())
                .col(text("first_name"))
                .col(text("last_name"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("deleted_at")),
        )
        .table(
            Table::create()
                .table("organizations")
                .col(big_pk_auto("id"))
                .col(uuid_uniq("uuid"))
                .col(text("name"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at")),
        )
        .table(
            Table::create()
                .table("memberships")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(big_integer("organization_id"))
                .col(text("role"))
                .col(json("permissions"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("deleted_at"))
                .foreign_key(&mut foreign_key("memberships", "user_id", "users", "id"))
                .foreign_key(&mut foreign_key(
                    "memberships",
                    "organization_id",
                    "organizations",
                    "id",
                )),
        )
        .table(
            Table::create()
                .table("teams")
                .col(pk_uuid("id"))
                .col(big_integer("organization_id"))
                .col(text("name"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut foreign_key(
                    "teams",
                    "organization_id",
                    "organizations",
                    "id",
                )),
        )
        .table(
            Table::create()
                .table("team_memberships")
                .col(uuid("team_id"))
                .col(big_integer("user_id"))
                .col(text("role"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(Index::create().col("team_id").col("user_id"))
                .foreign_key(
                    foreign_key("team_memberships", "team_id", "teams", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(&mut foreign_key(
                    "team_memberships",
                    "user_id",
                    "users",
                    "id",
                )),
        )
        .table(
            Table::create()
                .table("invitations")
                .col(pk_uuid("id"))
                .col(big_integer("organization_id"))
                .col(text("email"))
                .col(text("role"))
                .col(json("team_assignments"))
                .col(json_null("permissions"))
                .col(text("status"))
                .col(text("token_hash").unique_key())
                .col(big_integer("invited_by"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("accepted_at"))
                .col(big_integer_null("accepted_by"))
                .col(timestamp_with_time_zone_null("declined_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(big_integer_null("revoked_by"))
                .foreign_key(&mut foreign_key(
                    "invitations",
                    "organization_id",
                    "organizations",
                    "id",
                )),
        )
        .table(
            Table::create()
                .table("audit_events")
                .col(big_pk_auto("id"))
                .col(big_integer_null("organization_id"))
                .col(big_integer_null("actor_id"))
                .col(text("action"))
                .col(text("target"))
                .col(text("request_id"))
                .col(timestamp_with_time_zone("created_at")),
        )
        .table(
            Table::create()
                .table("outbox_messages")
                .col(big_pk_auto("id"))
                .col(text("kind"))
                .col(text("recipient"))
                .col(json("payload"))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("sent_at")),
        )
        // Invariants the database itself keeps, and the indexes the lists walk.
        // At most one live membership per (user, organization): what makes concurrent
        // registrations and accepts exactly-once.
        .run(partial(
            unique_index(
                "memberships_live_uq",
                "memberships (user_id, organization_id)",
            ),
            "deleted_at IS NULL",
        ))
        .run(index(
            "memberships_org_idx",
            "memberships (organization_id, user_id)",
        ))
        .run(index("teams_org_idx", "teams (organization_id)"))
        .run(index(
            "team_memberships_user_idx",
            "team_memberships (user_id)",
        ))
        .run(index(
            "invitations_org_email_idx",
            "invitations (organization_id, email)",
        ))
        .run(index(
            "invitations_org_created_idx",
            "invitations (organization_id, created_at, id)",
        ))
        .run(index(
            "audit_events_org_idx",
            "audit_events (organization_id, id)",
        ))
        .run(index("outbox_unsent_idx", "outbox_messages (sent_at, id)"))
}
