//! Idempotency keys: the first answer to a creating request, kept 24 hours and replayed for a
//! retry with the same key, caller, method, path and body. A row with no `status` is a request
//! still in progress.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IdempotencyKeys::Table)
                .col(big_pk_auto(IdempotencyKeys::Id))
                .col(text(IdempotencyKeys::Caller))
                .col(text(IdempotencyKeys::Method))
                .col(text(IdempotencyKeys::Path))
                .col(text(IdempotencyKeys::Key))
                .col(text(IdempotencyKeys::RequestHash))
                .col(integer_null(IdempotencyKeys::Status))
                .col(text_null(IdempotencyKeys::ResponseBody))
                .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idempotency_keys_scope_uq ON idempotency_keys (caller, method, path, key)",
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Id,
    Caller,
    Method,
    Path,
    Key,
    RequestHash,
    Status,
    ResponseBody,
    CreatedAt,
}
