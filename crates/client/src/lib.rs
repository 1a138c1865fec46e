//! The Rust client of Rollcall, generated at build time by progenitor from
//! `openapi/rollcall.yaml` (see `build.rs`); nothing in the generated part is written by hand.
//!
//! Every operation is a method named by its `operationId`, in the Builder style:
//! `client.invitation_create().organization_id(id).body(…).send().await`. Error answers decode
//! into [`types::Problem`]. The bearer is not part of the document's parameters: set it as a
//! default header with [`with_bearer`].

#![allow(clippy::all, unused_imports, missing_docs, unreachable_pub, dead_code)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

/// A client for `base_url` that sends `Authorization: Bearer <token>` on every request.
pub fn with_bearer(base_url: &str, token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Ok(mut value) = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")) {
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    let http = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap_or_default();
    Client::new_with_client(base_url, http)
}
