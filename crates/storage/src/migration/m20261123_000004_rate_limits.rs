//! Rate-limit counters: one row per bucket and fixed window, shared by every replica because it
//! lives in the database.

use sea_orm_migration::{prelude::*, schema::*};

use super::schema::Step;

/// The step.
pub(super) fn step() -> Step {
    Step::new(file!()).table(
        Table::create()
            .table("rate_limits")
            .col(text("bucket"))
            .col(big_integer("window_start"))
            .col(big_integer("count"))
            .primary_key(Index::create().col("bucket").col("window_start")),
    )
}
