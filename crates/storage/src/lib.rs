//! Rollcall's persistence. `Store` is the one door to the database: it runs the migrations,
//! keeps the connection pools, and turns rows into `domain` records and database failures into
//! `domain::Error`. Nothing above this crate writes SQL or sees a sea-orm model.

mod entities;
pub mod migration;
mod store;

pub use store::{Claim, InvitationFilter, KeyScope, SeedInvitation, Store, StoreOptions};
