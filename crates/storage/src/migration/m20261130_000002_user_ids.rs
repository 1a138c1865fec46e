//! Server-assigned profile ids come from a counter of their own (`id_sequences`), not from the
//! largest id in use: a bearer's `sub` may be any id up to 2^53−1 and is stored as given, and it
//! must not push the ids the server assigns out of range. The counter starts above the ids
//! already in use below 2^32 (ids at or above that were explicit subs, not assigned).

use sea_orm_migration::{prelude::*, schema::*};

use super::schema::Step;

/// The step.
pub(super) fn step() -> Step {
    Step::new(file!())
        .table(
            Table::create()
                .table("id_sequences")
                .col(text("name").primary_key())
                .col(big_integer("last")),
        )
        .run("INSERT INTO id_sequences (name, last) SELECT 'users', COALESCE(MAX(id), 0) FROM users WHERE id < 4294967296")
}
