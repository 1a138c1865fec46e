//! The outbox: emails a change promises, written in the change's transaction, and what the
//! delivery worker records of each (sent, retried, failed, skipped). A message about an
//! invitation mirrors its state onto the invitation (`email_*` columns) as long as it is that
//! invitation's newest message, so that a view of the invitation needs no join.

use chrono::{DateTime, Utc};
use domain::{
    Email, Locale, Result,
    model::{DeliveryStatus, MailKind, NewMessage, OutboxMessage},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Set, Statement, Value,
    sea_query::{Expr, ExprTrait as _, Query},
};
use uuid::Uuid;

use super::Db;
use crate::{
    entities::{invitations, outbox_messages},
    store::Txn,
    store::{db_err, internal},
};

/// What the worker learned of a message it tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The mail server took it.
    Sent,
    /// A transient failure: try again at `next_attempt_at`.
    Retry {
        next_attempt_at: DateTime<Utc>,
        error: String,
    },
    /// A permanent failure, or the last attempt failed.
    Failed { error: String },
    /// Not to be sent after all (its invitation is no longer pending).
    Skipped { reason: String },
}

impl Db<'_, Txn<'_>> {
    /// Puts the first email of a new invitation in the outbox, which was stored with this
    /// message's state already (so nothing is mirrored).
    pub async fn queue_first_message(
        &self,
        message: &NewMessage,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.execute(
            outbox_messages::Entity::insert(new_message(message, now)).build(self.backend()),
        )
        .await?;
        Ok(())
    }
}

/// `message` as a row of the outbox: a stable `Message-ID` of its own, due `now`.
fn new_message(message: &NewMessage, now: DateTime<Utc>) -> outbox_messages::ActiveModel {
    outbox_messages::ActiveModel {
        kind: Set(message.kind.as_str().to_owned()),
        recipient: Set(message.recipient.as_str().to_owned()),
        payload: Set(message.payload.clone()),
        attempts: Set(0),
        created_at: Set(now),
        sent_at: Set(None),
        invitation_id: Set(message.invitation_id),
        status: Set(message.status.as_str().to_owned()),
        sealed_token: Set(message.sealed_token.clone()),
        locale: Set(message.locale.as_ref().map(|l| l.as_str().to_owned())),
        message_id: Set(Some(format!("<{}@rollcall>", Uuid::new_v4()))),
        next_attempt_at: Set(Some(now)),
        lease_until: Set(None),
        last_error: Set(message.last_error.clone()),
        ..Default::default()
    }
}

impl<C: ConnectionTrait> Db<'_, C> {
    /// Puts `message` in the outbox (a stable `Message-ID` of its own, due now), and mirrors its
    /// state onto its invitation. Answers its id.
    pub async fn queue_message(&self, message: &NewMessage, now: DateTime<Utc>) -> Result<i64> {
        let row = self.insert_row(new_message(message, now)).await?;
        self.mirror(&row).await?;
        Ok(row.id)
    }

    /// Marks the queued messages of `invitation` skipped for `reason` (a newer one supersedes
    /// them, or the invitation is finished) and erases their tokens.
    pub async fn supersede_messages(&self, invitation: Uuid, reason: &str) -> Result<u64> {
        let done = outbox_messages::Entity::update_many()
            .col_expr(
                outbox_messages::Column::Status,
                Expr::value(DeliveryStatus::Skipped.as_str()),
            )
            .col_expr(
                outbox_messages::Column::SealedToken,
                Expr::value(None::<Vec<u8>>),
            )
            .col_expr(
                outbox_messages::Column::LastError,
                Expr::value(Some(reason)),
            )
            .col_expr(
                outbox_messages::Column::LeaseUntil,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(outbox_messages::Column::InvitationId.eq(invitation))
            .filter(outbox_messages::Column::Status.eq(DeliveryStatus::Queued.as_str()))
            .build(self.backend());
        let done = self.execute(done).await?;
        if done > 0 {
            let mirrored = invitations::Entity::update_many()
                .col_expr(
                    invitations::Column::EmailStatus,
                    Expr::value(DeliveryStatus::Skipped.as_str()),
                )
                .col_expr(
                    invitations::Column::EmailLastError,
                    Expr::value(Some(reason)),
                )
                .filter(invitations::Column::Id.eq(invitation))
                .build(self.backend());
            self.execute(mirrored).await?;
        }
        Ok(done)
    }

    /// Invitation emails to `recipient` queued (or sent, or failed) since `since`, in every
    /// organization: what the recipient's daily cap counts.
    pub async fn invitation_emails_to(
        &self,
        recipient: &Email,
        since: DateTime<Utc>,
    ) -> Result<u64> {
        self.count(
            outbox_messages::Entity::find()
                .filter(outbox_messages::Column::Recipient.eq(recipient.as_str()))
                .filter(outbox_messages::Column::Kind.eq(MailKind::Invitation.as_str()))
                .filter(outbox_messages::Column::Status.ne(DeliveryStatus::Skipped.as_str()))
                .filter(outbox_messages::Column::CreatedAt.gte(since)),
        )
        .await
    }

    /// Takes up to `limit` queued messages that are due and not held by a live lease, and holds
    /// them until `lease_until`. On PostgreSQL rows other transactions hold are skipped
    /// (`FOR UPDATE SKIP LOCKED`), so replicas share the work and never take the same message.
    pub async fn claim_messages(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<OutboxMessage>> {
        let due = Query::select()
            .column(outbox_messages::Column::Id)
            .from(outbox_messages::Entity)
            .and_where(
                Expr::col(outbox_messages::Column::Status).eq(DeliveryStatus::Queued.as_str()),
            )
            .and_where(Expr::col(outbox_messages::Column::NextAttemptAt).lte(now))
            .and_where(
                Expr::col(outbox_messages::Column::LeaseUntil)
                    .is_null()
                    .or(Expr::col(outbox_messages::Column::LeaseUntil).lt(now)),
            )
            .order_by(outbox_messages::Column::NextAttemptAt, sea_orm::Order::Asc)
            .limit(limit)
            .to_owned();
        let backend = self.backend();
        let (due_sql, mut values) = match backend {
            DbBackend::Postgres => {
                let (sql, values) = due.build(sea_orm::sea_query::PostgresQueryBuilder);
                (format!("{sql} FOR UPDATE SKIP LOCKED"), values)
            }
            _ => due.build(sea_orm::sea_query::SqliteQueryBuilder),
        };
        // The lease is the last parameter. The rows are picked once (MATERIALIZED): on
        // PostgreSQL, `id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` may run its subquery
        // again for each row and take more than n.
        let lease_param = match backend {
            DbBackend::Postgres => format!("${}", values.0.len() + 1),
            _ => "?".to_owned(),
        };
        values.0.push(Value::from(lease_until));
        let sql = format!(
            "WITH due AS MATERIALIZED ({due_sql}) UPDATE outbox_messages SET lease_until = {lease_param} WHERE id IN (SELECT id FROM due) RETURNING *"
        );
        let values = values.0;
        self.models::<outbox_messages::Entity>(Statement::from_sql_and_values(backend, sql, values))
            .await?
            .into_iter()
            .map(message_from_row)
            .collect()
    }

    /// Records what became of each message in `outcomes`, which a worker held, and mirrors it
    /// onto its invitation. A message that was superseded meanwhile (no longer queued) keeps
    /// being skipped: only what is still queued changes.
    pub async fn record_outcomes(
        &self,
        outcomes: &[(i64, Outcome)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        // Rows are locked in the order use cases lock them, invitation before message (an
        // invite that meets an expired invitation rewrites it, then supersedes its messages):
        // the other order deadlocks with such a request on PostgreSQL. The invitations are
        // locked all at once, in id order, so that two workers' turns cannot deadlock either.
        if self.backend() == DbBackend::Postgres && !outcomes.is_empty() {
            let ids: Vec<i64> = outcomes.iter().map(|(id, _)| *id).collect();
            let of_messages = Query::select()
                .column(outbox_messages::Column::InvitationId)
                .from(outbox_messages::Entity)
                .and_where(outbox_messages::Column::Id.is_in(ids))
                .to_owned();
            invitations::Entity::find()
                .filter(invitations::Column::Id.in_subquery(of_messages))
                .order_by_asc(invitations::Column::Id)
                .lock_exclusive()
                .all(self.conn)
                .await
                .map_err(db_err)?;
        }
        for (id, outcome) in outcomes {
            self.record_outcome(*id, outcome, now).await?;
        }
        Ok(())
    }

    async fn record_outcome(&self, id: i64, outcome: &Outcome, now: DateTime<Utc>) -> Result<()> {
        let mut update = outbox_messages::Entity::update_many()
            .col_expr(
                outbox_messages::Column::LeaseUntil,
                Expr::value(None::<DateTime<Utc>>),
            )
            .filter(outbox_messages::Column::Id.eq(id))
            .filter(outbox_messages::Column::Status.eq(DeliveryStatus::Queued.as_str()));
        let attempted = Expr::col(outbox_messages::Column::Attempts).add(1);
        let erase = Expr::value(None::<Vec<u8>>);
        update = match outcome {
            Outcome::Sent => update
                .col_expr(
                    outbox_messages::Column::Status,
                    Expr::value(DeliveryStatus::Sent.as_str()),
                )
                .col_expr(outbox_messages::Column::Attempts, attempted)
                .col_expr(outbox_messages::Column::SentAt, Expr::value(Some(now)))
                .col_expr(outbox_messages::Column::SealedToken, erase)
                .col_expr(
                    outbox_messages::Column::LastError,
                    Expr::value(None::<String>),
                ),
            Outcome::Retry {
                next_attempt_at,
                error,
            } => update
                .col_expr(outbox_messages::Column::Attempts, attempted)
                .col_expr(
                    outbox_messages::Column::NextAttemptAt,
                    Expr::value(Some(*next_attempt_at)),
                )
                .col_expr(
                    outbox_messages::Column::LastError,
                    Expr::value(Some(error.clone())),
                ),
            Outcome::Failed { error } => update
                .col_expr(
                    outbox_messages::Column::Status,
                    Expr::value(DeliveryStatus::Failed.as_str()),
                )
                .col_expr(outbox_messages::Column::Attempts, attempted)
                .col_expr(outbox_messages::Column::SealedToken, erase)
                .col_expr(
                    outbox_messages::Column::LastError,
                    Expr::value(Some(error.clone())),
                ),
            Outcome::Skipped { reason } => update
                .col_expr(
                    outbox_messages::Column::Status,
                    Expr::value(DeliveryStatus::Skipped.as_str()),
                )
                .col_expr(outbox_messages::Column::SealedToken, erase)
                .col_expr(
                    outbox_messages::Column::LastError,
                    Expr::value(Some(reason.clone())),
                ),
        };
        self.execute(update.build(self.backend())).await?;
        if let Some(row) = self.first(outbox_messages::Entity::find_by_id(id)).await? {
            self.mirror(&row).await?;
        }
        Ok(())
    }

    /// Copies a message's state onto its invitation, when it is the invitation's newest.
    async fn mirror(&self, row: &outbox_messages::Model) -> Result<()> {
        let Some(invitation) = row.invitation_id else {
            return Ok(());
        };
        let newer = Query::select()
            .expr(Expr::val(1))
            .from(outbox_messages::Entity)
            .and_where(Expr::col(outbox_messages::Column::InvitationId).eq(invitation))
            .and_where(Expr::col(outbox_messages::Column::Id).gt(row.id))
            .to_owned();
        let mirrored = invitations::Entity::update_many()
            .col_expr(
                invitations::Column::EmailStatus,
                Expr::value(row.status.clone()),
            )
            .col_expr(
                invitations::Column::EmailAttempts,
                Expr::value(row.attempts),
            )
            .col_expr(invitations::Column::EmailSentAt, Expr::value(row.sent_at))
            .col_expr(
                invitations::Column::EmailLastError,
                Expr::value(row.last_error.clone()),
            )
            .filter(invitations::Column::Id.eq(invitation))
            .filter(Expr::exists(newer).not())
            .build(self.backend());
        self.execute(mirrored).await?;
        Ok(())
    }
}

impl Db<'_, sea_orm::DatabaseConnection> {
    /// How many messages are in each state: the queue's depth for metrics.
    pub async fn outbox_depth(&self) -> Result<Vec<(DeliveryStatus, u64)>> {
        self.count_by_status::<outbox_messages::Entity, _>(
            outbox_messages::Column::Status,
            DeliveryStatus::parse,
        )
        .await
    }
}

fn message_from_row(r: outbox_messages::Model) -> Result<OutboxMessage> {
    Ok(OutboxMessage {
        id: r.id,
        kind: MailKind::parse(&r.kind).map_err(internal)?,
        recipient: Email::from_stored(r.recipient),
        invitation_id: r.invitation_id,
        sealed_token: r.sealed_token,
        locale: r
            .locale
            .map(|l| Locale::parse(&l))
            .transpose()
            .map_err(internal)?,
        payload: r.payload,
        attempts: u32::try_from(r.attempts).unwrap_or(0),
        message_id: r
            .message_id
            .unwrap_or_else(|| format!("<outbox-{}@rollcall>", r.id)),
        created_at: r.created_at,
    })
}
