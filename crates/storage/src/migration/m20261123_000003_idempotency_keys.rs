//! Idempotency keys: the first answer to a creating request, kept 24 hours and replayed for a
//! retry with the same key, caller, method, path and body. A row with no `status` is a request
//! still in progress.

use sea_orm_migration::{prelude::*, schema::*};

use super::schema::{Step, unique_index};

/// The step.
pub(super) fn step() -> Step {
    Step::new(file!())
        .table(
            Table::create()
                .table("idempotency_keys")
                .col(big_pk_auto("id"))
                .col(text("caller"))
                .col(text("method"))
                .col(text("path"))
                .col(text("key"))
                .col(text("request_hash"))
                .col(integer_null("status"))
                .col(text_null("response_body"))
                .col(timestamp_with_time_zone("created_at")),
        )
        .run(unique_index(
            "idempotency_keys_scope_uq",
            "idempotency_keys (caller, method, path, key)",
        ))
}
