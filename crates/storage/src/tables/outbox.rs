//! The outbox: messages (emails) a change promises, written in the change's transaction.

use chrono::{DateTime, Utc};
use domain::Result;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use super::Db;
use crate::{entities::outbox_messages, store::db_err};

impl<C: ConnectionTrait> Db<'_, C> {
    /// Queues a message of `kind` to `recipient` with its `payload`; answers its id.
    pub async fn queue_message(
        &self,
        kind: &str,
        recipient: &str,
        payload: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let row = outbox_messages::ActiveModel {
            kind: Set(kind.to_owned()),
            recipient: Set(recipient.to_owned()),
            payload: Set(payload),
            attempts: Set(0),
            created_at: Set(now),
            sent_at: Set(None),
            ..Default::default()
        }
        .insert(self.conn)
        .await
        .map_err(db_err)?;
        Ok(row.id)
    }
}
