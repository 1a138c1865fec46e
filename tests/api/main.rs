//! Rollcall's integration tests: one binary, the real server on a random port, driven through
//! the generated client (so every test is also a contract test).

mod helpers;

mod audit;
mod back_office;
mod contract;
mod credentials;
mod errors;
mod idempotency;
mod invitations;
mod me;
mod members;
mod memberships;
mod seeds;
mod teams;
