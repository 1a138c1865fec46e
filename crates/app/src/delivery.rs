//! What the delivery worker (`crates/delivery`) asks of the application: due messages, held
//! under a lease; what to send for one (its token opened, or why it is no longer wanted); and
//! recording what became of it. The worker decides how to send and when to retry; whether an
//! invitation may still be mailed is decided here.

use chrono::Duration;
use domain::{
    InvitationStatus, InvitationToken, Result,
    model::{DeliveryStatus, MailKind, OutboxMessage},
    webhook::HookStatus,
};
use storage::Outcome;

use crate::App;

/// What became of one attempt to send a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The mail server took it.
    Sent,
    /// It failed; try again after `retry_in`, or never (`None`: give up, it failed for good).
    Failed {
        error: String,
        retry_in: Option<Duration>,
    },
    /// It is no longer wanted (see [`App::delivery_prepare`]).
    Unwanted { reason: String },
}

/// A claimed message ready to send: the invitation token opened when it has one.
pub struct Prepared {
    pub message: OutboxMessage,
    pub token: Option<InvitationToken>,
}

/// How many emails and webhook deliveries are in each state, in the whole database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueDepths {
    pub emails: Vec<(DeliveryStatus, u64)>,
    pub webhooks: Vec<(HookStatus, u64)>,
}

impl App {
    /// The outbox's and the webhook queue's depth by state (two grouped counts on the read
    /// pool): what the workers publish as gauges, every few seconds.
    pub async fn queue_depths(&self) -> Result<QueueDepths> {
        let read = self.store().read();
        Ok(QueueDepths {
            emails: read.outbox_depth().await?,
            webhooks: read.webhook_depth().await?,
        })
    }

    /// Records what became of each message in `finished` (a message superseded meanwhile stays
    /// skipped), then takes up to `limit` due messages and holds them for `lease` (past it, another worker
    /// may take one: this worker died) — in one unit of work, so that a worker's turn costs one
    /// write however many messages it settles and takes.
    pub async fn delivery_record_and_claim(
        &self,
        finished: &[(i64, Attempt)],
        lease: Duration,
        limit: u64,
    ) -> Result<Vec<OutboxMessage>> {
        let now = self.now();
        let outcomes: Vec<(i64, Outcome)> = finished
            .iter()
            .map(|(id, attempt)| (*id, outcome(attempt.clone(), now)))
            .collect();
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    tx.record_outcomes(&outcomes, now).await?;
                    if limit == 0 {
                        return Ok(Vec::new());
                    }
                    tx.claim_messages(now, now + lease, limit).await
                })
            })
            .await
    }

    /// What to send for `message`: its token opened, or, for an invitation email whose
    /// invitation is no longer pending (or has expired), why it is not to be sent.
    pub async fn delivery_prepare(
        &self,
        message: OutboxMessage,
    ) -> Result<std::result::Result<Prepared, String>> {
        if message.kind == MailKind::Added {
            return Ok(Ok(Prepared {
                message,
                token: None,
            }));
        }
        let Some(id) = message.invitation_id else {
            return Ok(Err("an invitation email without its invitation".into()));
        };
        let Some(inv) = self.store().read().invitation_by_id(id).await? else {
            return Ok(Err("the invitation no longer exists".into()));
        };
        let status = inv.status_at(self.now());
        if status != InvitationStatus::Pending {
            return Ok(Err(format!("the invitation is {}", status.as_str())));
        }
        let Some(sealed) = &message.sealed_token else {
            return Ok(Err("the token was erased".into()));
        };
        let token = self.0.sealer.open(sealed)?;
        Ok(Ok(Prepared {
            message,
            token: Some(token),
        }))
    }
}

/// What an attempt made at `now` means for its message.
fn outcome(attempt: Attempt, now: chrono::DateTime<chrono::Utc>) -> Outcome {
    match attempt {
        Attempt::Sent => Outcome::Sent,
        Attempt::Failed {
            error,
            retry_in: Some(after),
        } => Outcome::Retry {
            next_attempt_at: now + after,
            error,
        },
        Attempt::Failed {
            error,
            retry_in: None,
        } => Outcome::Failed { error },
        Attempt::Unwanted { reason } => Outcome::Skipped { reason },
    }
}
