//! `identities`: which Rollcall user an identity provider's subject is. A provider's `sub`
//! (`auth0|64f…`, a Keycloak uuid) is not a Rollcall id; `(issuer, subject)` maps to one here,
//! written once (INSERT … ON CONFLICT DO NOTHING) by the first request that needs it. `user_id`
//! names a user id, which may not have a profile yet (a back-office operator's), so it is not a
//! foreign key.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Identities::Table)
                .col(text(Identities::Issuer))
                .col(text(Identities::Subject))
                .col(big_integer(Identities::UserId))
                .col(timestamp_with_time_zone(Identities::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(Identities::Issuer)
                        .col(Identities::Subject),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("identities_user_idx")
                .table(Identities::Table)
                .col(Identities::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Identities::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Identities {
    Table,
    Issuer,
    Subject,
    UserId,
    CreatedAt,
}
