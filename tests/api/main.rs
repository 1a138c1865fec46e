//! Rollcall's integration tests: one binary, the real server on a random port, driven through
//! the generated client (so every test is also a contract test).

mod database;
mod helpers;
mod openid;
mod operations;
mod peers;
mod processes;
mod recording;

mod audit;
mod back_office;
mod bulk;
mod cli;
mod client;
mod contract;
mod credentials;
mod durability;
mod errors;
mod forged;
mod hardening;
mod hostile;
mod idempotency;
mod identity;
mod invitations;
mod json_logs;
mod mail;
mod me;
mod members;
mod memberships;
mod metrics;
mod outage;
mod rate_limits;
mod replicas;
mod seeds;
mod shutdown;
mod swagger_ui;
mod teams;
mod webhooks;
