//! `identities`: which Rollcall user an identity provider's subject is. A provider's `sub`
//! (`auth0|64f…`, a Keycloak uuid) is not a Rollcall id; `(issuer, subject)` maps to one here,
//! written once (INSERT … ON CONFLICT DO NOTHING) by the first request that needs it. `user_id`
//! names a user id, which may not have a profile yet (a back-office operator's), so it is not a
//! foreign key.

use sea_orm_migration::{prelude::*, schema::*};

use super::schema::Step;

/// The step.
pub(super) fn step() -> Step {
    Step::new(file!())
        .table(
            Table::create()
                .table("identities")
                .col(text("issuer"))
                .col(text("subject"))
                .col(big_integer("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("issuer").col("subject")),
        )
        // Released as sea-query wrote it, names quoted; SQLite keeps the text.
        .run(r#"CREATE INDEX "identities_user_idx" ON "identities" ("user_id")"#)
}
