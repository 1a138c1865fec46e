//! Rate-limit counters: one row per bucket and fixed window, shared by every replica because it
//! lives in the database.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RateLimits::Table)
                .col(text(RateLimits::Bucket))
                .col(big_integer(RateLimits::WindowStart))
                .col(big_integer(RateLimits::Count))
                .primary_key(
                    Index::create()
                        .col(RateLimits::Bucket)
                        .col(RateLimits::WindowStart),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RateLimits::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RateLimits {
    Table,
    Bucket,
    WindowStart,
    Count,
}
