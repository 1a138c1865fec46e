//! `Idempotency-Key`, as a use case sees it. The server finds the key (and the request it came
//! with); a use case claims it as the first thing its unit of work does and keeps its answer as
//! the last, so the key and the change commit together. A replay is a use case like any other:
//! it is authorized as a new request would be, before the kept answer is given.

use domain::{Error, Result, model::Context};
use serde::{Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use storage::{KeyClaim, KeyScope, Tx, WorkFuture};

use crate::{Answer, App, Caller};

/// A key as sent: its text and the request (method and path) it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub key: String,
    pub method: String,
    pub path: String,
}

impl Key {
    /// The key for a request with this body (any JSON value the request parsed into).
    pub fn with_body<B: Serialize>(self, body: &B) -> KeyedRequest {
        let canonical = serde_json::to_vec(body).unwrap_or_default();
        KeyedRequest {
            key: self,
            fingerprint: hex(&Sha256::digest(&canonical)),
        }
    }
}

/// A key with the fingerprint of its request's body: the same key with another body is a 422.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRequest {
    key: Key,
    fingerprint: String,
}

/// Where a unit of work stands with its key.
pub(crate) enum Claimed {
    /// No key, or a new one: run the use case; `keep` its answer.
    Fresh(Option<i64>),
    /// The kept answer of the same request.
    Replay { status: u16, body: String },
}

/// Claims `key` (when the request has one) for `caller`, inside the unit of work `tx`.
pub(crate) async fn claim(
    tx: Tx<'_>,
    caller: &Caller,
    key: Option<&KeyedRequest>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Claimed> {
    let Some(k) = key else {
        return Ok(Claimed::Fresh(None));
    };
    let scope = KeyScope {
        caller: caller.principal(),
        method: k.key.method.clone(),
        path: k.key.path.clone(),
        key: k.key.key.clone(),
    };
    match tx.claim_key(&scope, &k.fingerprint, now).await? {
        KeyClaim::New(id) => Ok(Claimed::Fresh(Some(id))),
        KeyClaim::Kept { status, body } => Ok(Claimed::Replay { status, body }),
        KeyClaim::Mismatch => Err(Error::KeyReused(
            "this Idempotency-Key was used before with another request body; use a new key for a new request".into(),
        )),
    }
}

/// Keeps `answer` for the key claimed as `slot` (nothing without a key), in the same unit of
/// work as the change it answers.
pub(crate) async fn keep<T: Serialize>(
    tx: Tx<'_>,
    slot: Option<i64>,
    answer: &Answer<T>,
) -> Result<()> {
    let Some(id) = slot else {
        return Ok(());
    };
    let body = serde_json::to_string(&answer.body)
        .map_err(|e| Error::Internal(format!("an answer could not be kept: {e}")))?;
    tx.keep_answer(id, if answer.created { 201 } else { 200 }, &body)
        .await
}

/// The kept answer, typed again.
pub(crate) fn replayed<T: DeserializeOwned>(status: u16, body: &str) -> Result<Answer<T>> {
    let body = serde_json::from_str(body)
        .map_err(|e| Error::Internal(format!("a kept answer no longer reads: {e}")))?;
    Ok(Answer {
        body,
        created: status == 201,
        replayed: true,
    })
}

impl App {
    /// Runs `work` as the unit of work of `caller`'s request, under its key when it has one:
    /// a replay answers the kept answer (after the use case authorized the caller, as for a new
    /// request); a fresh run keeps its answer in the same transaction as its change.
    pub(crate) async fn write_keyed<T, F>(
        &self,
        caller: &Caller,
        key: Option<KeyedRequest>,
        work: F,
    ) -> Result<Answer<T>>
    where
        T: Serialize + DeserializeOwned + Send + Sync + 'static,
        F: for<'t> FnOnce(Tx<'t>, Context) -> WorkFuture<'t, Answer<T>> + Send + 'static,
    {
        let (caller, ctx) = (caller.clone(), self.context(caller));
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let slot = match claim(tx, &caller, key.as_ref(), ctx.now).await? {
                        Claimed::Replay { status, body } => return replayed(status, &body),
                        Claimed::Fresh(slot) => slot,
                    };
                    let answer = work(tx, ctx).await?;
                    keep(tx, slot, &answer).await?;
                    Ok(answer)
                })
            })
            .await
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        Key {
            key: "k".into(),
            method: "POST".into(),
            path: "/organization".into(),
        }
    }

    #[test]
    fn the_same_body_has_the_same_fingerprint_and_another_body_another() {
        let a = key().with_body(&serde_json::json!({"name": "Acme"}));
        let b = key().with_body(&serde_json::json!({"name": "Acme"}));
        let c = key().with_body(&serde_json::json!({"name": "Other"}));
        assert_eq!(a, b);
        assert_ne!(a.fingerprint, c.fingerprint);
    }
}
