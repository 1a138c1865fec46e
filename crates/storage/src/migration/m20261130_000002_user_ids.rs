//! Server-assigned profile ids come from a counter of their own (`id_sequences`), not from the
//! largest id in use: a bearer's `sub` may be any id up to 2^53−1 and is stored as given, and it
//! must not push the ids the server assigns out of range. The counter starts above the ids
//! already in use below 2^32 (ids at or above that were explicit subs, not assigned).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IdSequences::Table)
                .col(text(IdSequences::Name).primary_key())
                .col(big_integer(IdSequences::Last))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO id_sequences (name, last) SELECT 'users', COALESCE(MAX(id), 0) FROM users WHERE id < 4294967296",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IdSequences::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum IdSequences {
    Table,
    Name,
    Last,
}
