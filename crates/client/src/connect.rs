//! Making a [`Client`]: the base URL checked and trimmed, the credentials checked and sent as
//! default headers on every request (the document's bearer scheme is not a parameter of the
//! generated methods, and a session set once serves the whole `/users-organizations/v1`
//! family), the same timeouts as progenitor's `Client::new`, and the TLS provider the crate's
//! features chose.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use crate::{ApiError, Client};

/// progenitor's `Client::new` gives up after 15 s (connecting, then the whole request).
const TIMEOUT: Duration = Duration::from_secs(15);

/// A client for `base_url` (`http://127.0.0.1:8080`; a trailing `/` is dropped) that sends
/// `Authorization: Bearer <bearer>` on every request. `bearer` is the token alone, without
/// `Bearer `.
///
/// Fails, naming what to fix, when the URL is not an absolute `http(s)` URL or the token
/// could not be sent as a header (empty, spaces, control characters).
pub fn with_bearer(base_url: &str, bearer: &str) -> Result<Client, ApiError> {
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, credential("bearer", bearer, "Bearer ")?);
    client(base_url, headers)
}

/// A client for `base_url` that sends the bearer and `x-session-token: <session>` on every
/// request, for the `/users-organizations/v1` family: its operations then need no
/// `.x_session_token(…)` (set one there to use another session for that call).
///
/// `session` comes from `session_create` (`POST /users-organizations/v1/sessions`, with a
/// client from [`with_bearer`]) or from `rollcall token --organization <id>`.
pub fn with_session(base_url: &str, bearer: &str, session: &str) -> Result<Client, ApiError> {
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, credential("bearer", bearer, "Bearer ")?);
    headers.insert(
        HeaderName::from_static("x-session-token"),
        credential("session", session, "")?,
    );
    client(base_url, headers)
}

/// A client for `base_url` without credentials, for what anyone may call: health, and looking
/// an invitation up by its token.
pub fn anonymous(base_url: &str) -> Result<Client, ApiError> {
    client(base_url, HeaderMap::new())
}

fn client(base_url: &str, headers: HeaderMap) -> Result<Client, ApiError> {
    let base = base(base_url)?;
    crypto_provider();
    let http = reqwest::Client::builder()
        .connect_timeout(TIMEOUT)
        .timeout(TIMEOUT)
        .default_headers(headers)
        .build()
        .map_err(|e| ApiError::Setup(format!("the HTTP client could not be built: {e}")))?;
    Ok(Client::new_with_client(&base, http))
}

/// `base_url` without its trailing `/`, once it is known to be an absolute `http(s)` URL with
/// neither a query nor a fragment.
fn base(base_url: &str) -> Result<String, ApiError> {
    let trimmed = base_url.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed).map_err(|e| {
        ApiError::Setup(format!(
            "the base URL {base_url:?} is not a URL ({e}): write it as http://host:port"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ApiError::Setup(format!(
            "the base URL {base_url:?} must be http://host[:port][/path] or https://…"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ApiError::Setup(format!(
            "the base URL {base_url:?} must not carry a query or a fragment"
        )));
    }
    if url.scheme() == "https" && !cfg!(any(feature = "rustls-aws-lc", feature = "rustls-ring")) {
        return Err(ApiError::Setup(format!(
            "the base URL {base_url:?} is https, but rollcall-client was built without TLS: \
             enable its feature `rustls-aws-lc` (the default) or `rustls-ring`"
        )));
    }
    Ok(trimmed.to_owned())
}

/// `prefix` + `token` as a sensitive header value (left out of `Debug` output), or why not.
/// The token itself is never put in the error.
fn credential(what: &str, token: &str, prefix: &str) -> Result<HeaderValue, ApiError> {
    if token.is_empty() {
        return Err(ApiError::Setup(format!("the {what} token is empty")));
    }
    if token
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("bearer "))
    {
        return Err(ApiError::Setup(format!(
            "the {what} token starts with `Bearer `: pass the token alone, the client adds the scheme"
        )));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::Setup(format!(
            "the {what} token holds a space, a control or a non-ASCII character: a JWT has none \
             (was it copied with a line break or quotes?)"
        )));
    }
    let mut value = HeaderValue::from_str(&format!("{prefix}{token}"))
        .map_err(|_| ApiError::Setup(format!("the {what} token is not a valid header value")))?;
    value.set_sensitive(true);
    Ok(value)
}

/// With `rustls-ring` alone, reqwest uses the process's default rustls provider and panics
/// when there is none: install ring's, unless the program installed one itself.
#[cfg(all(feature = "rustls-ring", not(feature = "rustls-aws-lc")))]
fn crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Err: another thread installed one meanwhile, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(not(all(feature = "rustls-ring", not(feature = "rustls-aws-lc"))))]
fn crypto_provider() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_url_loses_its_trailing_slashes() {
        assert_eq!(
            base("http://127.0.0.1:8080//").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(base(" http://h/api/ ").unwrap(), "http://h/api");
    }

    #[test]
    fn a_base_url_that_is_not_http_is_refused_with_the_form_it_needs() {
        for bad in ["127.0.0.1:8080", "ftp://h", "http://h?x=1", "not a url"] {
            let e = base(bad).unwrap_err().to_string();
            assert!(e.contains("http"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_token_that_cannot_be_a_header_is_refused_without_echoing_it() {
        for (token, says) in [
            ("", "empty"),
            ("Bearer abc", "token alone"),
            ("abc def", "space"),
            ("abc\n", "line break"),
            ("é", "non-ASCII"),
        ] {
            let e = with_bearer("http://h", token).unwrap_err().to_string();
            assert!(e.contains(says), "{token:?}: {e}");
            if !token.is_empty() {
                assert!(!e.contains(token), "{e} echoes the token");
            }
        }
    }

    #[test]
    fn credentials_are_sensitive_headers() {
        assert!(
            credential("bearer", "a.b.c", "Bearer ")
                .unwrap()
                .is_sensitive()
        );
    }
}
