//! Rollcall's application layer: every use case whole. A use case takes the caller and parsed
//! domain input, runs the rules, and does its work in **one** unit of work (`Store::write`): the
//! change, its event with the public object's snapshot, any outbox message, and the kept answer
//! of an `Idempotency-Key`. It answers the wire shape the API shows. Handlers (`crates/server`)
//! only extract, call one method here, and map the answer to HTTP.
//!
//! One module per family of the API; each public method of [`App`] in it is one use case, named
//! after its operation. Only this crate decides rules (with `domain::rules`); `storage` stores.

mod credentials;
mod cursors;
pub mod delivery;
mod events;
pub mod identity;
mod keyed;
mod outbox;
mod quota;
mod seal;

pub mod back_office;
pub mod invitations;
pub mod me;
pub mod members;
pub mod organizations;
pub mod sessions;
pub mod teams;
pub mod webhooks;

use std::sync::Arc;

use domain::{Clock, Error, Result, model::Context};
use storage::{Store, Tx, WorkFuture};

pub use credentials::{
    BACKOFFICE_ROLE, BearerClaims, Caller, Credentials, SESSION_LIFETIME, SessionCaller,
    SessionClaims,
};
pub use cursors::{Cursors, PageRequest};
pub use keyed::{Key, KeyedRequest};
pub use seal::Sealer;

/// What the rules allow per window of time, configured per deployment.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Invitations one organization may create per clock hour (429 past it).
    pub invitations_per_hour: u32,
    /// Organizations one user may create through `POST /organization` per clock hour (429 past
    /// it; the back office is not limited).
    pub organizations_per_hour: u32,
    /// Invitation emails one address receives in 24 hours, from every organization together;
    /// past it an invitation is still made, its email skipped.
    pub emails_per_recipient_per_day: u32,
    /// `ROLLCALL_WEBHOOK_ALLOW_PRIVATE`: endpoints may be `http://` and on loopback or private
    /// addresses (tests, private networks).
    pub webhook_allow_private: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            invitations_per_hour: 1000,
            organizations_per_hour: 10,
            emails_per_recipient_per_day: 10,
            webhook_allow_private: false,
        }
    }
}

/// The application: the store, the clock, the keys, and the policy every use case runs with.
/// Cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct App(Arc<Inner>);

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    credentials: Credentials,
    cursors: Cursors,
    sealer: Sealer,
    secrets: Sealer,
    policy: Policy,
}

impl App {
    /// The application over `store`, with tokens and cursors keyed from `secret`.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        credentials: Credentials,
        secret: &str,
        policy: Policy,
    ) -> Self {
        Self(Arc::new(Inner {
            store,
            clock,
            credentials,
            cursors: Cursors::new(secret),
            sealer: Sealer::new(secret),
            secrets: Sealer::for_purpose(secret, seal::WEBHOOK_SECRETS),
            policy,
        }))
    }

    fn store(&self) -> &Store {
        &self.0.store
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.clock.now()
    }

    fn cursors(&self) -> &Cursors {
        &self.0.cursors
    }

    /// The context of a change `caller` makes now (no actor yet for an identity whose first
    /// creating request is making its profile: that use case names it once made).
    fn context(&self, caller: &Caller) -> Context {
        Context {
            actor: caller.user(),
            request_id: caller.request_id.clone(),
            now: self.now(),
        }
    }

    /// Runs `work` as one unit of work of `caller`'s request, given the context of its change.
    async fn write<T, F>(&self, caller: &Caller, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'t> FnOnce(Tx<'t>, Context) -> WorkFuture<'t, T> + Send + 'static,
    {
        let ctx = self.context(caller);
        self.store().write(move |tx| work(tx, ctx)).await
    }

    /// One page of a list: the rows `fetch` reads after the request's cursor (up to `limit + 1`),
    /// cut to the page and each shown by `show`; the next cursor names the page's last row by
    /// `key`. A cursor this server did not issue is refused before anything is read.
    async fn list<K, T, W, F>(
        &self,
        page: &PageRequest,
        fetch: impl FnOnce(Option<K>, u64) -> F,
        key: impl Fn(&T) -> K,
        show: impl FnMut(T) -> W,
    ) -> Result<wire::Page<W>>
    where
        K: serde::Serialize + serde::de::DeserializeOwned,
        F: Future<Output = Result<Vec<T>>>,
    {
        let after = self.cursors().after::<K>(page)?;
        let rows = fetch(after, page.limit.get()).await?;
        Ok(self.cursors().page(rows, page.limit, key).map(show))
    }

    /// Readiness: the database answers, and with an identity provider configured, its keys
    /// were fetched once (this tries, at most once per 30 s, while they never were).
    pub async fn ready(&self) -> Result<()> {
        self.store().ping().await?;
        match self.credentials().provider() {
            Some(keys) => keys.warm().await,
            None => Ok(()),
        }
    }

    /// Fetches the identity provider's keys now, when one is configured (at start-up, so the
    /// first request finds them); a failure is logged and retried by later requests.
    pub async fn warm_keys(&self) {
        if let Some(keys) = self.credentials().provider() {
            let _ = keys.warm().await;
        }
    }

    /// The database's connection pools as they are now (metrics; no query).
    pub fn pool_stats(&self) -> Vec<storage::PoolStats> {
        self.store().pool_stats()
    }
}

/// How a use case answered: the body, whether it created something now (201) or answers what
/// exists (200), and whether it is the kept answer of an earlier request with the same
/// `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<T> {
    pub body: T,
    pub created: bool,
    pub replayed: bool,
}

impl<T> Answer<T> {
    fn created(body: T) -> Self {
        Self {
            body,
            created: true,
            replayed: false,
        }
    }

    fn existing(body: T) -> Self {
        Self {
            body,
            created: false,
            replayed: false,
        }
    }
}

/// 404 for an organization the caller is not a live member of, existing or not: not even its
/// uuid is echoed, so nothing leaks.
fn not_yours() -> Error {
    Error::NotFound("no such organization among yours".into())
}
