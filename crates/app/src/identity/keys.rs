//! The identity provider's published keys (a JWKS), fetched over HTTPS and cached:
//! * found through OpenID Connect discovery (`{issuer}/.well-known/openid-configuration` →
//!   `jwks_uri`) or at a JWKS URL given directly;
//! * fresh for the answer's `Cache-Control: max-age` (else 10 minutes, kept within 30 s–24 h);
//! * fetched again on a `kid` the set lacks, at most once per 30 s, and after a failed fetch at
//!   most once per 30 s too;
//! * kept serving for 24 hours past freshness while the provider cannot be reached;
//! * one fetch at a time: requests that arrive during a fetch wait for it and use its answer.
//!
//! Each key says which algorithms it verifies: its JWK `alg` when it names one, else those of its
//! type (RSA: RS256/384/512, PS256/384/512; EC P-256: ES256; P-384: ES384; Ed25519: EdDSA).
//! A shared secret (`kty: oct`) or an encryption key from a JWKS is never used.
//! Time is the application's clock, so tests move it instead of waiting.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};

use chrono::{DateTime, Utc};
use domain::{Clock, Error, Result};
use jsonwebtoken::{
    Algorithm, AlgorithmFamily, DecodingKey,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse},
};
use serde_json::Value;

/// How long a key set is fresh when its answer names no `max-age`.
pub const DEFAULT_MAX_AGE: chrono::Duration = chrono::Duration::minutes(10);
/// The least time between two fetches that were not asked for by freshness: a `kid` the set
/// lacks, or a retry after a failure.
pub const REFETCH_INTERVAL: chrono::Duration = chrono::Duration::seconds(30);
/// How long past its freshness the last good set keeps serving while the provider is down.
pub const STALE_FOR: chrono::Duration = chrono::Duration::hours(24);
/// How long one fetch (discovery, then keys) may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the keys are published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// OpenID Connect discovery from this issuer (`ROLLCALL_OIDC_ISSUER`).
    Discovery { issuer: String },
    /// A JWKS URL (`ROLLCALL_JWT_JWKS_URL`).
    Jwks { url: String },
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::Discovery { issuer } => write!(f, "the OpenID provider {issuer}"),
            KeySource::Jwks { url } => write!(f, "the JWKS at {url}"),
        }
    }
}

/// A key that verifies bearers, and the algorithms it verifies.
#[derive(Clone)]
pub(crate) struct Key {
    pub(crate) kid: Option<String>,
    pub(crate) decoding: DecodingKey,
    pub(crate) algorithms: Vec<Algorithm>,
}

/// One fetched set.
struct Keys {
    by_kid: HashMap<String, Key>,
    /// The set's only key, for a bearer that names none.
    only: Option<Key>,
}

impl Keys {
    fn find(&self, kid: Option<&str>) -> Option<Key> {
        match kid {
            Some(kid) => self.by_kid.get(kid).cloned(),
            None => self.only.clone(),
        }
    }
}

#[derive(Default)]
struct State {
    keys: Option<Arc<Keys>>,
    fresh_until: Option<DateTime<Utc>>,
    usable_until: Option<DateTime<Utc>>,
    last_attempt: Option<DateTime<Utc>>,
    last_error: Option<String>,
    /// Fetches tried so far: a request that waited for another's fetch sees it changed.
    attempts: u64,
    /// The JWKS URL discovery found (forgotten when a fetch fails, so the next rediscovers).
    jwks_uri: Option<String>,
}

/// The cache of one provider's keys. Shared by every request of the process.
pub struct KeySet {
    source: KeySource,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    state: RwLock<State>,
    fetching: tokio::sync::Mutex<()>,
}

/// What looking a key up found.
enum Found {
    Fresh(Key),
    Stale(Key),
    TooOld,
    Missing,
}

impl KeySet {
    /// An empty cache of `source`'s keys, timed by `clock`.
    pub fn new(source: KeySource, clock: Arc<dyn Clock>) -> std::result::Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(FETCH_TIMEOUT / 2)
            .user_agent(concat!("rollcall/", env!("CARGO_PKG_VERSION")))
            // Fetches are minutes apart: a kept connection would mostly be one the provider
            // (or a proxy) has since closed, failing the next fetch.
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| format!("cannot make an HTTP client for the identity provider: {e}"))?;
        Ok(Self {
            source,
            http,
            clock,
            state: RwLock::new(State::default()),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// Whether a key set was ever fetched.
    pub fn is_warm(&self) -> bool {
        self.read().keys.is_some()
    }

    /// Fetches the keys unless some were fetched already (at most once per 30 s while failing):
    /// 503 naming why while none ever were.
    pub async fn warm(&self) -> Result<()> {
        if self.is_warm() {
            return Ok(());
        }
        let seen = self.read().attempts;
        self.refresh(seen).await;
        if self.is_warm() {
            Ok(())
        } else {
            Err(self.unreachable())
        }
    }

    /// The key `kid` names (the set's only key when `kid` is `None`): 401 when the provider
    /// does not publish it, 503 when its keys cannot be had.
    pub(crate) async fn key(&self, kid: Option<&str>) -> Result<Key> {
        let seen = self.read().attempts;
        match self.find(kid) {
            Found::Fresh(key) => return Ok(key),
            // A stale key serves at once while another request is fetching: a provider that is
            // down (its fetch waiting out the timeout) must not hold every request behind it.
            Found::Stale(key) => match self.fetching.try_lock() {
                Ok(held) => self.refresh_holding(seen, held).await,
                Err(_) => return Ok(key),
            },
            Found::TooOld | Found::Missing => self.refresh(seen).await,
        }
        match self.find(kid) {
            Found::Fresh(key) | Found::Stale(key) => Ok(key),
            Found::TooOld => Err(self.unreachable()),
            Found::Missing if !self.is_warm() => Err(self.unreachable()),
            Found::Missing => Err(Error::Unauthenticated(match kid {
                Some(kid) => format!(
                    "the bearer token's key (`kid` {kid:?}) is not among those {} publishes; get a new token",
                    self.source
                ),
                None => "the bearer token names no key (`kid`), and the identity provider publishes more than one".into(),
            })),
        }
    }

    fn find(&self, kid: Option<&str>) -> Found {
        let now = self.clock.now();
        let state = self.read();
        let Some(key) = state.keys.as_ref().and_then(|k| k.find(kid)) else {
            return Found::Missing;
        };
        if state.fresh_until.is_some_and(|t| now < t) {
            Found::Fresh(key)
        } else if state.usable_until.is_some_and(|t| now < t) {
            Found::Stale(key)
        } else {
            Found::TooOld
        }
    }

    /// Fetches the set once, unless a fetch ended while this caller waited for the lock (`seen`
    /// is the attempt count it saw before) or the last attempt is under 30 s old.
    async fn refresh(&self, seen: u64) {
        let held = self.fetching.lock().await;
        self.refresh_holding(seen, held).await;
    }

    /// `refresh` for a caller that holds the fetch lock already.
    async fn refresh_holding(&self, seen: u64, _one_at_a_time: tokio::sync::MutexGuard<'_, ()>) {
        let now = self.clock.now();
        {
            let state = self.read();
            if state.attempts != seen {
                return;
            }
            // A set fetched under 30 s ago is still fresh (freshness is at least 30 s), so this
            // only holds back refetches for a missing `kid` and retries after a failure.
            if state
                .last_attempt
                .is_some_and(|t| now < t + REFETCH_INTERVAL)
            {
                return;
            }
        }
        let fetched = self.fetch().await;
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.attempts += 1;
        state.last_attempt = Some(now);
        match fetched {
            Ok((keys, max_age)) => {
                tracing::info!(
                    source = %self.source,
                    keys = keys.by_kid.len(),
                    max_age_s = max_age.num_seconds(),
                    "fetched the identity provider's keys"
                );
                state.keys = Some(Arc::new(keys));
                state.fresh_until = Some(now + max_age);
                state.usable_until = Some(now + max_age + STALE_FOR);
                state.last_error = None;
            }
            Err(e) => {
                tracing::warn!(source = %self.source, error = %e, "cannot fetch the identity provider's keys");
                state.last_error = Some(e);
                state.jwks_uri = None;
            }
        }
    }

    /// The JWKS URL discovery found last (the read lock is released at once).
    fn discovered(&self) -> Option<String> {
        self.read().jwks_uri.clone()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn unreachable(&self) -> Error {
        let state = self.read();
        let why = state
            .last_error
            .clone()
            .unwrap_or_else(|| "no fetch has finished yet".into());
        let age = if state.keys.is_some() {
            "its last keys are more than 24 hours past their freshness"
        } else {
            "its keys were never fetched"
        };
        Error::ProviderUnavailable(format!(
            "bearers cannot be verified: {} cannot be reached and {age} ({why})",
            self.source
        ))
    }

    /// Discovery when needed, then the key set and how long it stays fresh.
    async fn fetch(&self) -> std::result::Result<(Keys, chrono::Duration), String> {
        let url = match &self.source {
            KeySource::Jwks { url } => url.clone(),
            KeySource::Discovery { issuer } => match self.discovered() {
                Some(url) => url,
                None => {
                    let url = self.discover(issuer).await?;
                    self.state
                        .write()
                        .unwrap_or_else(|e| e.into_inner())
                        .jwks_uri = Some(url.clone());
                    url
                }
            },
        };
        let (body, headers) = self.get_json(&url).await?;
        let keys = parse_jwks(&body).map_err(|e| format!("{url}: {e}"))?;
        Ok((keys, max_age(&headers)))
    }

    /// The `jwks_uri` of `issuer`'s discovery document, whose `issuer` must be `issuer`.
    async fn discover(&self, issuer: &str) -> std::result::Result<String, String> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let (doc, _) = self.get_json(&url).await?;
        let published = doc
            .get("issuer")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if published != issuer {
            return Err(format!(
                "{url} names the issuer {published:?}, not {issuer:?}: set ROLLCALL_OIDC_ISSUER to exactly the document's `issuer` (a trailing slash counts)"
            ));
        }
        doc.get("jwks_uri")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("{url} has no `jwks_uri`"))
    }

    async fn get_json(
        &self,
        url: &str,
    ) -> std::result::Result<(Value, reqwest::header::HeaderMap), String> {
        let res = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        if !res.status().is_success() {
            return Err(format!("GET {url} answered {}", res.status()));
        }
        let headers = res.headers().clone();
        let body = res
            .json::<Value>()
            .await
            .map_err(|e| format!("GET {url} answered something that is not JSON: {e}"))?;
        Ok((body, headers))
    }
}

/// The freshness an answer grants: its `Cache-Control: max-age`, within 30 s–24 h; else 10
/// minutes.
fn max_age(headers: &reqwest::header::HeaderMap) -> chrono::Duration {
    headers
        .get_all(reqwest::header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .find_map(|s| s.trim_matches('"').parse::<i64>().ok())
        .map_or(DEFAULT_MAX_AGE, |s| {
            chrono::Duration::seconds(s).clamp(REFETCH_INTERVAL, STALE_FOR)
        })
}

/// The signing keys of a JWKS this server can use; an error when there is none.
fn parse_jwks(body: &Value) -> std::result::Result<Keys, String> {
    let listed = body
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the answer is not a JWKS (no `keys` array)")?;
    let keys: Vec<Key> = listed.iter().filter_map(usable_key).collect();
    if keys.is_empty() {
        return Err(format!(
            "none of its {} keys is a signing key this server verifies (RSA, EC P-256 or P-384, Ed25519)",
            listed.len()
        ));
    }
    Ok(Keys {
        only: (keys.len() == 1).then(|| keys[0].clone()),
        by_kid: keys
            .into_iter()
            .filter_map(|k| Some((k.kid.clone()?, k)))
            .collect(),
    })
}

/// A JWK as a verifying key, when it is a public signing key of a supported kind.
fn usable_key(value: &Value) -> Option<Key> {
    let jwk: Jwk = serde_json::from_value(value.clone()).ok()?;
    if matches!(jwk.common.public_key_use, Some(ref u) if *u != PublicKeyUse::Signature) {
        return None;
    }
    let of_type: &[Algorithm] = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => AlgorithmFamily::Rsa.algorithms(),
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => &[Algorithm::ES256],
            EllipticCurve::P384 => &[Algorithm::ES384],
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            &[Algorithm::EdDSA]
        }
        // A shared secret is never taken from a JWKS; other kinds are not supported.
        _ => return None,
    };
    let algorithms = match jwk.common.key_algorithm {
        None => of_type.to_vec(),
        Some(named) => {
            let alg = Algorithm::try_from(named).ok()?;
            if !of_type.contains(&alg) {
                return None;
            }
            vec![alg]
        }
    };
    Some(Key {
        kid: jwk.common.key_id.clone(),
        decoding: DecodingKey::from_jwk(&jwk).ok()?,
        algorithms,
    })
}

#[cfg(test)]
mod tests {
    use reqwest::header::{CACHE_CONTROL, HeaderMap, HeaderValue};
    use serde_json::json;

    use super::*;

    fn with_cache_control(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CACHE_CONTROL, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn freshness_is_the_answers_max_age_within_bounds_else_ten_minutes() {
        assert_eq!(max_age(&HeaderMap::new()), DEFAULT_MAX_AGE);
        assert_eq!(
            max_age(&with_cache_control("public, max-age=3600")),
            chrono::Duration::hours(1)
        );
        assert_eq!(max_age(&with_cache_control("max-age=0")), REFETCH_INTERVAL);
        assert_eq!(max_age(&with_cache_control("max-age=99999999")), STALE_FOR);
        assert_eq!(max_age(&with_cache_control("no-store")), DEFAULT_MAX_AGE);
    }

    #[test]
    fn a_shared_secret_or_an_encryption_key_in_a_jwks_is_never_used() {
        let set = json!({"keys": [
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac", "alg": "HS256"},
            {"kty": "RSA", "use": "enc", "kid": "enc", "n": "sXch", "e": "AQAB"},
            {"kty": "RSA", "kid": "lying", "alg": "ES256", "n": "sXch", "e": "AQAB"},
        ]});
        assert!(parse_jwks(&set).is_err());
    }

    #[test]
    fn a_key_verifies_its_named_algorithm_or_those_of_its_type() {
        let set = json!({"keys": [
            {"kty": "RSA", "kid": "any-rsa", "n": "sXch", "e": "AQAB"},
            {"kty": "RSA", "kid": "ps", "alg": "PS256", "n": "sXch", "e": "AQAB"},
            {"kty": "EC", "kid": "p384", "crv": "P-384",
             "x": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
             "y": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
            {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
        ]});
        let keys = parse_jwks(&set).unwrap();
        let algs = |kid: &str| keys.find(Some(kid)).unwrap().algorithms;
        assert_eq!(algs("any-rsa"), AlgorithmFamily::Rsa.algorithms());
        assert_eq!(algs("ps"), [Algorithm::PS256]);
        assert_eq!(algs("p384"), [Algorithm::ES384]);
        assert_eq!(algs("ed"), [Algorithm::EdDSA]);
        assert!(keys.find(None).is_none(), "four keys: a kid is needed");
    }
}
