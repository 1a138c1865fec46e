//! Idempotency keys. `begin` claims a key (or reports what it already holds), `finish` stores
//! the answer, `release` gives the key back after a failure so the client may retry.

use chrono::{DateTime, Duration, Utc};
use domain::Result;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, SqlErr};

use super::{Store, db_err};
use crate::entities::idempotency_keys;

/// How long an answer is kept for replay.
pub const KEEP_FOR: Duration = Duration::hours(24);
/// How long a claimed key may stay without an answer before it is taken to be abandoned (its
/// request died with its process).
pub const ABANDONED_AFTER: Duration = Duration::seconds(60);

/// Whose key, for which operation: a key means nothing outside its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyScope {
    pub caller: String,
    pub method: String,
    pub path: String,
    pub key: String,
}

/// What a key holds when a request presents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or expired): this request runs and its answer will be kept.
    New,
    /// The same request was answered before: replay this status and body.
    Replay { status: u16, body: String },
    /// The key was used with another body.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

impl Store {
    /// Claims `scope` for a request whose body hashes to `request_hash`.
    pub async fn idempotency_begin(
        &self,
        scope: &KeyScope,
        request_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim> {
        for _ in 0..2 {
            match self.find_key(scope).await? {
                Some(row)
                    if row.created_at > now - KEEP_FOR
                        && (row.status.is_some() || row.created_at > now - ABANDONED_AFTER) =>
                {
                    return Ok(if row.request_hash != request_hash {
                        Claim::Mismatch
                    } else {
                        match (row.status, row.response_body) {
                            (Some(status), Some(body)) => Claim::Replay {
                                status: u16::try_from(status).unwrap_or(500),
                                body,
                            },
                            _ => Claim::InProgress,
                        }
                    });
                }
                Some(stale) => {
                    // Expired, or abandoned mid-request: the key is free again.
                    idempotency_keys::Entity::delete_by_id(stale.id)
                        .exec(&self.write)
                        .await
                        .map_err(db_err)?;
                }
                None => {}
            }
            let claimed = idempotency_keys::ActiveModel {
                caller: Set(scope.caller.clone()),
                method: Set(scope.method.clone()),
                path: Set(scope.path.clone()),
                key: Set(scope.key.clone()),
                request_hash: Set(request_hash.to_owned()),
                status: Set(None),
                response_body: Set(None),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&self.write)
            .await;
            match claimed {
                Ok(_) => return Ok(Claim::New),
                // Another request claimed it a moment ago: look again.
                Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    continue;
                }
                Err(e) => return Err(db_err(e)),
            }
        }
        Ok(Claim::InProgress)
    }

    /// Stores the answer to the request that claimed `scope`.
    pub async fn idempotency_finish(
        &self,
        scope: &KeyScope,
        status: u16,
        body: String,
    ) -> Result<()> {
        idempotency_keys::Entity::update_many()
            .col_expr(
                idempotency_keys::Column::Status,
                sea_orm::sea_query::Expr::value(Some(i32::from(status))),
            )
            .col_expr(
                idempotency_keys::Column::ResponseBody,
                sea_orm::sea_query::Expr::value(Some(body)),
            )
            .filter(scope_filter(scope))
            .exec(&self.write)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Gives the key back (the request failed in a way worth retrying).
    pub async fn idempotency_release(&self, scope: &KeyScope) -> Result<()> {
        idempotency_keys::Entity::delete_many()
            .filter(scope_filter(scope))
            .exec(&self.write)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn find_key(&self, scope: &KeyScope) -> Result<Option<idempotency_keys::Model>> {
        idempotency_keys::Entity::find()
            .filter(scope_filter(scope))
            .one(&self.write)
            .await
            .map_err(db_err)
    }
}

fn scope_filter(scope: &KeyScope) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(idempotency_keys::Column::Caller.eq(scope.caller.as_str()))
        .add(idempotency_keys::Column::Method.eq(scope.method.as_str()))
        .add(idempotency_keys::Column::Path.eq(scope.path.as_str()))
        .add(idempotency_keys::Column::Key.eq(scope.key.as_str()))
}
