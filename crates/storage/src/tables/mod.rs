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

use domain::{Error, OrganizationId, Result};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PrimaryKeyTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, SqlErr, Statement,
    TryGetable, Value,
    sea_query::{Asterisk, Expr, ExprTrait as _, InsertStatement, UpdateStatement},
};
use uuid::Uuid;

use crate::{
    local::{self, Here, Local, LocalError, Readable},
    store::{OrganizationCache, Txn, db_err, internal},
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
    /// Where statements run instead of over `conn`, on this thread (SQLite): the HTTP worker's
    /// own reads (`local`), or every statement of a unit of work on the writer thread.
    here: Option<Here<'c>>,
}

impl<C> Clone for Db<'_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Db<'_, C> {}

impl<'c> Db<'c, Txn<'c>> {
    /// Operations inside a transaction.
    pub(crate) fn new(txn: &'c Txn<'c>, organizations: &'c OrganizationCache) -> Self {
        Self {
            conn: txn,
            organizations,
            caches: false,
            here: txn.writing.map(Here::Write),
        }
    }
}

impl<'c> Db<'c, DatabaseConnection> {
    /// Reads over the read pool, or on the calling thread when `local` is given.
    pub(crate) fn reader(
        conn: &'c DatabaseConnection,
        organizations: &'c OrganizationCache,
        local: Option<&'c Local>,
    ) -> Self {
        Self {
            conn,
            organizations,
            caches: true,
            here: local.map(Here::Read),
        }
    }
}

/// A statement that failed: whether it broke a unique constraint (a conflict the caller may
/// answer itself), and the error to answer otherwise.
pub(crate) struct Failed {
    unique: bool,
    error: Error,
}

impl Failed {
    fn db(e: DbErr) -> Self {
        Self {
            unique: matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
            error: db_err(e),
        }
    }

    fn here(e: LocalError) -> Self {
        Self {
            unique: e.is_unique_violation(),
            error: e.into_error(),
        }
    }

    /// Whether it broke a unique constraint.
    fn is_unique_violation(&self) -> bool {
        self.unique
    }
}

impl From<Error> for Failed {
    fn from(error: Error) -> Self {
        Self {
            unique: false,
            error,
        }
    }
}

impl From<Failed> for Error {
    fn from(f: Failed) -> Self {
        f.error
    }
}

/// The model of an active model's entity.
type ModelOf<A> = <<A as ActiveModelTrait>::Entity as EntityTrait>::Model;

/// A statement that can answer every column of the rows it writes (`RETURNING *`).
trait ReturnsAll {
    fn returns_all(&mut self);
}

impl ReturnsAll for InsertStatement {
    fn returns_all(&mut self) {
        self.returning_all();
    }
}

impl ReturnsAll for UpdateStatement {
    fn returns_all(&mut self) {
        self.returning_all();
    }
}

impl<'c, C: ConnectionTrait> Db<'c, C> {
    /// The first row `query` finds.
    async fn first<E: Readable>(&self, query: Select<E>) -> Result<Option<E::Model>> {
        Ok(self
            .models::<E>(query.limit(1).build(self.backend()))
            .await?
            .into_iter()
            .next())
    }

    /// Every row `query` finds.
    async fn rows<E: Readable>(&self, query: Select<E>) -> Result<Vec<E::Model>> {
        Ok(self.models::<E>(query.build(self.backend())).await?)
    }

    /// Every row `statement` answers, as `E`'s models.
    async fn models<E: Readable>(&self, statement: Statement) -> Result<Vec<E::Model>, Failed> {
        match self.here {
            Some(here) => here
                .run(|conn| local::models::<E>(conn, statement))
                .map_err(Failed::here),
            None => E::find()
                .from_raw_sql(statement)
                .all(self.conn)
                .await
                .map_err(Failed::db),
        }
    }

    /// Every row `statement` answers, as `E`'s models, each with the integer in its column
    /// `extra` (other columns that are not `E`'s are passed over).
    async fn models_and<E: Readable>(
        &self,
        statement: Statement,
        extra: &str,
    ) -> Result<Vec<(E::Model, i64)>> {
        match self.here {
            Some(here) => here
                .run(|conn| local::models_and::<E>(conn, statement, Some(extra)))
                .map_err(LocalError::into_error),
            None => {
                use sea_orm::FromQueryResult as _;
                let rows = self.conn.query_all_raw(statement).await.map_err(db_err)?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            E::Model::from_query_result(row, "").map_err(db_err)?,
                            row.try_get::<i64>("", extra).map_err(db_err)?,
                        ))
                    })
                    .collect()
            }
        }
    }

    /// Runs `query` (an insert, update or delete) answering every column of the rows it
    /// wrote, as `E`'s models.
    async fn returning<E: Readable, Q>(&self, mut query: Q) -> Result<Vec<E::Model>, Failed>
    where
        Q: QueryTrait<QueryStatement: ReturnsAll>,
    {
        query.query().returns_all();
        self.models::<E>(query.build(self.backend())).await
    }

    /// Inserts `model`; answers the row as stored.
    async fn insert_row<A>(&self, model: A) -> Result<ModelOf<A>, Failed>
    where
        A: ActiveModelTrait<Entity: Readable>,
    {
        let inserted = self
            .returning::<A::Entity, _>(A::Entity::insert(model))
            .await?;
        inserted
            .into_iter()
            .next()
            .ok_or_else(|| Failed::from(internal("an insert returned no row")))
    }

    /// Writes `model`'s changed columns to its row (found by primary key); answers the row as
    /// it is now.
    async fn update_row<A>(&self, model: A) -> Result<ModelOf<A>, Failed>
    where
        A: ActiveModelTrait<Entity: Readable>,
    {
        let update = A::Entity::update(model).validate().map_err(Failed::db)?;
        let updated = self.returning::<A::Entity, _>(update).await?;
        updated
            .into_iter()
            .next()
            .ok_or_else(|| Failed::from(internal("the row to update is gone")))
    }

    /// Runs `statement`, which answers no rows; answers how many rows it changed.
    async fn execute(&self, statement: Statement) -> Result<u64, Failed> {
        match self.here {
            Some(here) => here
                .run(|conn| local::execute(conn, statement))
                .map_err(Failed::here),
            None => self
                .conn
                .execute_raw(statement)
                .await
                .map(|done| done.rows_affected())
                .map_err(Failed::db),
        }
    }

    /// The first column of every row `statement` answers.
    async fn values<T>(&self, statement: Statement) -> Result<Vec<T>>
    where
        T: rusqlite::types::FromSql + TryGetable,
    {
        match self.here {
            Some(here) => here
                .run(|conn| local::column_values(conn, statement))
                .map_err(LocalError::into_error),
            None => {
                let rows = self.conn.query_all_raw(statement).await.map_err(db_err)?;
                rows.iter()
                    .map(|row| T::try_get_by_index(row, 0).map_err(|e| db_err(e.into())))
                    .collect()
            }
        }
    }

    /// How many rows `query` finds.
    async fn count<E: EntityTrait>(&self, query: Select<E>) -> Result<u64> {
        let counted = query
            .select_only()
            .column_as(Expr::col(Asterisk).count(), "n")
            .build(self.backend());
        let n: Vec<i64> = self.values(counted).await?;
        Ok(n.first().map_or(0, |n| u64::try_from(*n).unwrap_or(0)))
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
        self.execute(
            Child::delete_many()
                .filter(parent.eq(id))
                .build(self.backend()),
        )
        .await?;
        self.execute(E::delete_by_id(id).build(self.backend()))
            .await?;
        Ok(())
    }
}

impl Db<'_, Txn<'_>> {
    /// Whether this transaction runs on PostgreSQL (where several run at once, so rules that
    /// read before they write lock what they read).
    pub fn is_postgres(&self) -> bool {
        self.backend() == sea_orm::DbBackend::Postgres
    }
}

impl Db<'_, DatabaseConnection> {
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
