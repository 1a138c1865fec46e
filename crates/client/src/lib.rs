//! The Rust client of Rollcall, generated at build time by progenitor from
//! `openapi/rollcall.yaml`, with a few hand-written extensions beside it.
//!
//! ```toml
//! [dependencies]
//! rollcall-client = { path = "…/rollcall/crates/client" }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! * Make a [`Client`] with [`with_bearer`], or with [`with_session`] for the
//!   `/users-organizations/v1` family (it sends the session on every call), or [`anonymous`].
//! * Every operation is a method named by its `operationId` that returns a builder: set the
//!   parameters (the method's documentation says which are required), write the body with
//!   `.body_map(|b| b.field(…))`, then `.send().await`.
//! * In a function returning `Result<_, ApiError>`, `?` turns a failed call into an
//!   [`ApiError`], which prints the server's problem in one line (`409 Conflict: … (request
//!   …)`; with `anyhow` or `Box<dyn Error>`, write `.map_err(ApiError::from)?`).
//!   [`ProblemExt::problem`] gives the [`types::Problem`] itself, to branch on its `type`.
//! * Every list operation's builder is a [`ListOperation`]: `.items()` streams every item of
//!   every page, `.pages()` every page.
//! * `uuid`, `chrono`, `reqwest` and [`StatusCode`] are re-exported, so the types in
//!   the API can be named without depending on those crates yourself.
//!
//! # TLS and the first build
//!
//! `https://` base URLs go through reqwest's rustls. By default (feature `rustls-aws-lc`) its
//! crypto provider is aws-lc-rs, whose first build compiles aws-lc's C sources: 30 s of a 67 s
//! cold build of this crate on two quiet cores. `default-features = false, features =
//! ["rustls-ring"]` uses ring instead, a 5 s C build (this crate installs it as the process's
//! rustls provider when it makes a client, unless the program installed one; call
//! [`with_bearer`], [`with_session`] or [`anonymous`] rather than `Client::new`).
//! `default-features = false` alone builds no TLS at all, for `http://` only, and
//! [`with_bearer`] refuses an `https://` URL with that said.
//!
//! # The whole flow
//!
//! `examples/tour.rs`, run by CI against a live server: a bearer and a session, seeds 000 and
//! 002, every page of a list, a problem handled by its `type`, and the invitee accepting.
//!
//! ```rust
#![doc = include_str!("../examples/tour.rs")]
//! ```

mod bodies;
mod connect;
mod error;
mod pages;

/// The code progenitor generates from the document (`build.rs`); nothing here is written by
/// hand, and its lints are not ours. (`unreachable_patterns`: the `4XX`/`5XX` answers
/// `build.rs` adds decode as the listed error statuses do, and match after them.)
#[allow(
    clippy::all,
    unused_imports,
    missing_docs,
    unreachable_pub,
    unreachable_patterns,
    dead_code,
    rustdoc::bare_urls
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/codegen.rs"));
}

pub use generated::*;

pub use connect::{anonymous, with_bearer, with_session};
pub use error::{ApiError, ProblemExt};
pub use pages::{ListOperation, Page};

pub use chrono;
pub use reqwest;
pub use reqwest::StatusCode;
pub use uuid;

/// What most programs using the client need in scope: the client, the generated types, the
/// error, the problem accessors, `StatusCode`, and the page streams with the stream
/// combinators (`try_next`, `try_collect`).
pub mod prelude {
    pub use crate::{ApiError, Client, ListOperation, Page, ProblemExt, StatusCode, types};
    pub use futures_util::{StreamExt as _, TryStreamExt as _};
}
