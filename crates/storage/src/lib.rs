//! Rollcall's persistence. `Store` is the one door to the database: it runs the migrations,
//! keeps the connection pools, runs units of work (one transaction each), and offers per-table
//! operations (`tables`) that turn rows into `domain` records and database failures into
//! `domain::Error`. It decides no rule: what a use case does is `crates/app`'s. Nothing above
//! this crate writes SQL or sees a sea-orm model.

mod entities;
mod local;
pub mod migration;
mod seed;
mod store;
mod tables;
mod writer;

pub use local::read_on_this_thread;
pub use seed::SeedInvitation;
pub use store::{PoolStats, Reader, Store, StoreOptions, Tx, Txn, WorkFuture};
pub use tables::{
    Db, EndpointEffect, HookResult, KeyClaim, KeyScope, NewEndpoint, Outcome, Profile, Rotation,
};
