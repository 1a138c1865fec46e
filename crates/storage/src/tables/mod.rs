//! Per-table operations: what a unit of work (or a read) may ask of the database, one module per
//! table. Each takes and returns domain values; none decides a rule. They run over one
//! connection: the read pool (`Store::read`) or a write transaction (`Store::write`).

mod events;
mod idempotency;
mod invitations;
mod memberships;
mod organizations;
mod outbox;
mod quotas;
mod teams;
mod users;

pub use idempotency::{KeyClaim, KeyScope};
pub use invitations::Rotation;
pub use users::Profile;

use sea_orm::{ConnectionTrait, DatabaseTransaction};

use crate::store::OrganizationCache;

/// Per-table operations over the connection `C` (the read pool or a transaction).
pub struct Db<'c, C> {
    conn: &'c C,
    organizations: &'c OrganizationCache,
    /// Whether organizations read here may enter the cache: only from the read pool, never from
    /// a transaction, whose rows may yet roll back.
    caches: bool,
}

impl<C> Clone for Db<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Db<'_, C> {}

impl<'c, C: ConnectionTrait> Db<'c, C> {
    pub(crate) fn new(conn: &'c C, organizations: &'c OrganizationCache, caches: bool) -> Self {
        Self {
            conn,
            organizations,
            caches,
        }
    }

    fn backend(&self) -> sea_orm::DbBackend {
        self.conn.get_database_backend()
    }
}

impl Db<'_, DatabaseTransaction> {
    /// Whether this transaction runs on PostgreSQL (where several run at once, so rules that
    /// read before they write lock what they read).
    pub fn is_postgres(&self) -> bool {
        self.backend() == sea_orm::DbBackend::Postgres
    }
}
