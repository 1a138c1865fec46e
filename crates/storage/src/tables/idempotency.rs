//! Idempotency keys: the kept answer of a keyed request, written in the same transaction as the
//! change it answers, so a crash can never leave a change without its key (and a retry run it
//! twice) or a key without its change.

use chrono::{DateTime, Duration, Utc};
use domain::Result;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait, Set,
    sea_query::{Expr, OnConflict},
};

use super::Db;
use crate::entities::idempotency_keys;

/// How long an answer is kept for replay.
pub const KEEP_FOR: Duration = Duration::hours(24);

/// Whose key, for which request: a key means nothing outside its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyScope {
    pub caller: String,
    pub method: String,
    pub path: String,
    pub key: String,
}

/// What a key held when a unit of work claimed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyClaim {
    /// The key is new (or its answer expired): this transaction holds it (the row `id`) and
    /// must keep its answer with `keep_answer` before it commits.
    New(i64),
    /// The same request was answered before: this status and body.
    Kept { status: u16, body: String },
    /// The key was used with another request body.
    Mismatch,
}

impl<C: ConnectionTrait> Db<'_, C> {
    /// Claims `scope` for a request whose body has the fingerprint `fingerprint`. On PostgreSQL
    /// a concurrent transaction holding the same key makes this wait until it ends, then see
    /// its answer: a key runs its request once.
    pub async fn claim_key(
        &self,
        scope: &KeyScope,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim> {
        let inserted = idempotency_keys::Entity::insert(idempotency_keys::ActiveModel {
            caller: Set(scope.caller.clone()),
            method: Set(scope.method.clone()),
            path: Set(scope.path.clone()),
            key: Set(scope.key.clone()),
            request_hash: Set(fingerprint.to_owned()),
            status: Set(None),
            response_body: Set(None),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                idempotency_keys::Column::Caller,
                idempotency_keys::Column::Method,
                idempotency_keys::Column::Path,
                idempotency_keys::Column::Key,
            ])
            .do_nothing()
            .to_owned(),
        );
        // Nothing inserted (the key is taken) returns no row.
        if let Some(row) = self
            .returning::<idempotency_keys::Entity, _>(inserted)
            .await?
            .first()
        {
            return Ok(KeyClaim::New(row.id));
        }
        let row = self
            .first(
                idempotency_keys::Entity::find()
                    .filter(idempotency_keys::Column::Caller.eq(scope.caller.as_str()))
                    .filter(idempotency_keys::Column::Method.eq(scope.method.as_str()))
                    .filter(idempotency_keys::Column::Path.eq(scope.path.as_str()))
                    .filter(idempotency_keys::Column::Key.eq(scope.key.as_str())),
            )
            .await?
            .ok_or_else(|| domain::Error::Internal("an idempotency key vanished".into()))?;
        let live = row.created_at > now - KEEP_FOR;
        match (live, row.status, row.response_body) {
            (true, _, _) if row.request_hash != fingerprint => Ok(KeyClaim::Mismatch),
            (true, Some(status), Some(body)) => Ok(KeyClaim::Kept {
                status: u16::try_from(status).unwrap_or(200),
                body,
            }),
            // Expired, or a row without an answer (left by a version that kept the two apart):
            // the key is free again, and this transaction takes it over.
            _ => {
                let taken_over = idempotency_keys::Entity::update_many()
                    .col_expr(
                        idempotency_keys::Column::RequestHash,
                        Expr::value(fingerprint),
                    )
                    .col_expr(idempotency_keys::Column::Status, Expr::value(None::<i32>))
                    .col_expr(
                        idempotency_keys::Column::ResponseBody,
                        Expr::value(None::<String>),
                    )
                    .col_expr(idempotency_keys::Column::CreatedAt, Expr::value(now))
                    .filter(idempotency_keys::Column::Id.eq(row.id))
                    .build(self.backend());
                self.execute(taken_over).await?;
                Ok(KeyClaim::New(row.id))
            }
        }
    }

    /// Keeps the answer of the request that claimed the key `id`.
    pub async fn keep_answer(&self, id: i64, status: u16, body: &str) -> Result<()> {
        let kept = idempotency_keys::Entity::update_many()
            .col_expr(
                idempotency_keys::Column::Status,
                Expr::value(Some(i32::from(status))),
            )
            .col_expr(
                idempotency_keys::Column::ResponseBody,
                Expr::value(Some(body.to_owned())),
            )
            .filter(idempotency_keys::Column::Id.eq(id))
            .build(self.backend());
        self.execute(kept).await?;
        Ok(())
    }
}
