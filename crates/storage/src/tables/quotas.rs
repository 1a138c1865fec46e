//! Counters in fixed windows (`rate_limits`), for quotas. Counting is part of the caller's
//! transaction, so a refused or failed change counts for nothing, and on PostgreSQL the
//! counter's row serializes concurrent counts of one bucket across replicas.

use domain::{Error, Result};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};

use super::Db;
use crate::entities::rate_limits;

impl<C: ConnectionTrait> Db<'_, C> {
    /// Adds one to `bucket`'s counter for the window starting at `window_start` (seconds since
    /// the epoch) and answers the count so far, this one included. The first count of a window
    /// forgets the bucket's earlier windows.
    pub async fn count_in_window(&self, bucket: &str, window_start: i64) -> Result<i64> {
        let upsert = Query::insert()
            .into_table(rate_limits::Entity)
            .columns([
                rate_limits::Column::Bucket,
                rate_limits::Column::WindowStart,
                rate_limits::Column::Count,
            ])
            .values_panic([bucket.into(), window_start.into(), 1i64.into()])
            .on_conflict(
                OnConflict::columns([
                    rate_limits::Column::Bucket,
                    rate_limits::Column::WindowStart,
                ])
                .value(
                    rate_limits::Column::Count,
                    ExprTrait::add(
                        Expr::col((rate_limits::Entity, rate_limits::Column::Count)),
                        1,
                    ),
                )
                .to_owned(),
            )
            .returning_col(rate_limits::Column::Count)
            .to_owned();
        let count = self
            .values::<i64>(self.backend().build(&upsert))
            .await?
            .first()
            .copied()
            .ok_or_else(|| Error::Internal("the counter upsert returned no row".into()))?;
        if count == 1 {
            let past = rate_limits::Entity::delete_many()
                .filter(rate_limits::Column::Bucket.eq(bucket))
                .filter(rate_limits::Column::WindowStart.lt(window_start))
                .build(self.backend());
            self.execute(past).await?;
        }
        Ok(count)
    }
}
