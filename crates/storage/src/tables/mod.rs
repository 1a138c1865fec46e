//! Per-table operations: what a unit of work (or a read) may ask of the database, one module per
//! table. Each takes and returns domain values; none decides a rule. They run over one
//! connection: the read pool (`Store::read`) or a write transaction (`Store::write`).

mod events;
mod idempotency;
mod identities;
mod invitations;
mod memberships;
mod organizations;
mod outbox;
mod quotas;
mod teams;
mod users;
mod webhooks;

pub use idempotency::{KeyClaim, KeyScope};
pub use invitations::Rotation;
pub use outbox::Outcome;
pub use users::Profile;
pub use webhooks::{EndpointEffect, HookResult, NewEndpoint};

use domain::{OrganizationId, Result};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Value,
};
use uuid::Uuid;

use crate::{
    batch::Batched,
    local::{Local, Readable},
    store::{OrganizationCache, db_err, internal},
};

/// Keyset paging along one column: a list ordered by that column, starting past the key of
/// the previous page's last row.
trait Keyset {
    type Key;
    /// Ascending by `key`, from the first row whose key is greater than `after`.
    fn ascending_after(self, key: Self::Key, after: Option<impl Into<Value>>) -> Self;
    /// Descending by `key`, from the first row whose key is smaller than `after`.
    fn descending_after(self, key: Self::Key, after: Option<impl Into<Value>>) -> Self;
}

impl<E: EntityTrait> Keyset for Select<E> {
    type Key = E::Column;

    fn ascending_after(self, key: E::Column, after: Option<impl Into<Value>>) -> Self {
        match after {
            Some(after) => self.filter(key.gt(after)),
            None => self,
        }
        .order_by_asc(key)
    }

    fn descending_after(self, key: E::Column, after: Option<impl Into<Value>>) -> Self {
        match after {
            Some(after) => self.filter(key.lt(after)),
            None => self,
        }
        .order_by_desc(key)
    }
}

/// Per-table operations over the connection `C` (the read pool or a transaction).
pub struct Db<'c, C> {
    conn: &'c C,
    organizations: &'c OrganizationCache,
    /// Whether organizations read here may enter the cache: only from the read pool, never from
    /// a transaction, whose rows may yet roll back.
    caches: bool,
    /// Where the read pool's selects run instead, on the calling thread (SQLite; `local`).
    local: Option<&'c Local>,
}

impl<C> Clone for Db<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Db<'_, C> {}

impl<'c, C: ConnectionTrait> Db<'c, C> {
    /// Operations inside a transaction.
    pub(crate) fn new(conn: &'c C, organizations: &'c OrganizationCache) -> Self {
        Self {
            conn,
            organizations,
            caches: false,
            local: None,
        }
    }

    /// Reads over the read pool, or on the calling thread when `local` is given.
    pub(crate) fn reader(
        conn: &'c C,
        organizations: &'c OrganizationCache,
        local: Option<&'c Local>,
    ) -> Self {
        Self {
            conn,
            organizations,
            caches: true,
            local,
        }
    }

    /// The first row `query` finds.
    async fn first<E: Readable>(&self, query: Select<E>) -> Result<Option<E::Model>> {
        match self.local {
            Some(local) => local.one(query),
            None => query.one(self.conn).await.map_err(db_err),
        }
    }

    /// Every row `query` finds.
    async fn rows<E: Readable>(&self, query: Select<E>) -> Result<Vec<E::Model>> {
        match self.local {
            Some(local) => local.all(query),
            None => query.all(self.conn).await.map_err(db_err),
        }
    }

    fn backend(&self) -> sea_orm::DbBackend {
        self.conn.get_database_backend()
    }

    /// The first `limit + 1` rows `query` finds (one more than a page says whether another
    /// follows), each made a record by `record`.
    async fn page<E: Readable, T>(
        &self,
        query: Select<E>,
        limit: u64,
        record: impl FnMut(E::Model) -> Result<T>,
    ) -> Result<Vec<T>> {
        self.rows(query.limit(limit + 1))
            .await?
            .into_iter()
            .map(record)
            .collect()
    }

    /// The row `id` of `E` when its column `owner` names `org`: another organization's row is
    /// not found.
    async fn row_of<E: Readable>(
        &self,
        org: OrganizationId,
        owner: E::Column,
        id: Uuid,
    ) -> Result<Option<E::Model>>
    where
        Uuid: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    {
        self.first(E::find_by_id(id).filter(owner.eq(org.get())))
            .await
    }

    /// Deletes the row `id` of `E` and, first, the rows of `Child` whose column `parent` names it.
    async fn delete_with_children<E: EntityTrait, Child: EntityTrait>(
        &self,
        id: Uuid,
        parent: Child::Column,
    ) -> Result<()>
    where
        Uuid: Into<<E::PrimaryKey as PrimaryKeyTrait>::ValueType>,
    {
        Child::delete_many()
            .filter(parent.eq(id))
            .exec(self.conn)
            .await
            .map_err(db_err)?;
        E::delete_by_id(id).exec(self.conn).await.map_err(db_err)?;
        Ok(())
    }

    /// How many rows of `E` hold each value of `status`, each value read by `parse`: a
    /// queue's depth for metrics.
    async fn count_by_status<E: EntityTrait, T>(
        &self,
        status: E::Column,
        parse: impl Fn(&str) -> Result<T>,
    ) -> Result<Vec<(T, u64)>> {
        let rows: Vec<(String, i64)> = E::find()
            .select_only()
            .column(status)
            .column_as(status.count(), "n")
            .group_by(status)
            .into_tuple()
            .all(self.conn)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|(s, n)| Ok((parse(&s).map_err(internal)?, u64::try_from(n).unwrap_or(0))))
            .collect()
    }
}

impl Db<'_, Batched<'_>> {
    /// Whether this transaction runs on PostgreSQL (where several run at once, so rules that
    /// read before they write lock what they read).
    pub fn is_postgres(&self) -> bool {
        self.backend() == sea_orm::DbBackend::Postgres
    }

    /// Runs `stmt`, whose answer nobody reads, with the transaction's next statement (see
    /// `Batched`).
    async fn defer(&self, stmt: sea_orm::Statement) -> Result<()> {
        self.conn.defer(stmt).await.map_err(db_err)
    }

    /// Runs what is still deferred (at the end of a unit of work).
    pub(crate) async fn flush(&self) -> Result<()> {
        self.conn.flush().await.map_err(db_err)?;
        if self.conn.has_failed() {
            return Err(crate::store::internal(
                "a statement deferred in this unit of work failed",
            ));
        }
        Ok(())
    }
}
