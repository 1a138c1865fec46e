//! Webhooks, as administrators manage them and as the delivery worker drives them.
//!
//! Administrators register endpoints (each with a signing secret, sealed at rest and shown only
//! at creation and rotation), list, change, delete and test them, and see and retry their
//! deliveries. Another organization's endpoint is not found. Deliveries themselves are written
//! with each event (`storage`'s `append_event`); the worker (`crates/delivery`) claims them here
//! with their secrets opened, sends them, and records what happened: a 2xx succeeds, a 410
//! disables the endpoint as `gone`, five days without a success disable it as `failing`.

use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::Duration;
use domain::{
    Error, Result, rules,
    webhook::{self, ClaimedDelivery, DisabledReason, EndpointChange, HookStatus, TEST_EVENT},
};
use serde_json::json;
use storage::{EndpointEffect, HookResult, NewEndpoint};
use uuid::Uuid;
use wire::{NewWebhook, Page};

use crate::{Answer, App, Caller, KeyedRequest, PageRequest, seal::Sealer};

/// How long the previous secret keeps signing after a rotation.
pub const PREVIOUS_SECRET_SIGNS_FOR: Duration = Duration::hours(24);
/// How long an endpoint may go without a success before it is disabled as `failing`.
pub const FAILING_DISABLES_AFTER: Duration = Duration::days(5);
/// The prefix of a secret as shown (the Standard Webhooks convention).
const SECRET_PREFIX: &str = "whsec_";

/// A delivery a worker holds, ready to send: the raw keys of the secrets that sign it (the
/// current one first, then the previous one while it still signs).
pub struct HookJob {
    pub delivery: ClaimedDelivery,
    pub keys: Vec<Vec<u8>>,
}

/// What became of one attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookAttempt {
    /// A 2xx answered it.
    Delivered { status_code: u16 },
    /// It answered 410: the endpoint is disabled as `gone`.
    Gone,
    /// It failed: another status, a timeout, a refused address. Tried again after `retry_in`,
    /// or never (`None`: the schedule is spent).
    Failed {
        status_code: Option<u16>,
        error: String,
        retry_in: Option<Duration>,
    },
}

impl App {
    fn secrets(&self) -> Sealer {
        self.0.secrets.clone()
    }

    /// The organization `org`, when the caller administers it (404 when not a member, 403 for
    /// another role).
    async fn administered(
        &self,
        caller: &Caller,
        org: Uuid,
    ) -> Result<domain::model::Organization> {
        let (org, actor) = self.membership_of(caller, org).await?;
        rules::may_manage_webhooks(actor.role)?;
        Ok(org)
    }

    /// Refuses a URL this deployment may not send to (https and public hosts only, unless
    /// `ROLLCALL_WEBHOOK_ALLOW_PRIVATE`).
    fn allowed(&self, url: &webhook::WebhookUrl) -> Result<()> {
        if self.0.policy.webhook_allow_private {
            Ok(())
        } else {
            url.check_public()
        }
    }

    /// `POST /organization/{id}/webhooks`: registers an endpoint with a new secret, shown now
    /// (and, to a replay of the same request, again).
    pub async fn webhook_create(
        &self,
        caller: &Caller,
        org: Uuid,
        new: NewWebhook,
        key: Option<KeyedRequest>,
    ) -> Result<Answer<wire::WebhookEndpointWithSecret>> {
        let org = self.administered(caller, org).await?;
        self.allowed(&new.url)?;
        let raw = new_secret()?;
        let endpoint = NewEndpoint {
            organization_id: org.id,
            url: new.url,
            events: new.events,
            description: new.description,
            sealed_secret: self.secrets().seal_bytes(&raw)?,
        };
        let answer = self
            .write_keyed(caller, key, move |tx, ctx| {
                Box::pin(async move {
                    let created = tx.insert_endpoint(&endpoint, ctx.now).await?;
                    Ok(Answer::created(wire::WebhookEndpoint::from(&created)))
                })
            })
            .await?;
        // A kept answer holds no secret: a replay shows the endpoint's secret as it is now.
        let secret = if answer.replayed {
            let sealed = self
                .store()
                .read()
                .endpoint_secret(org.id, answer.body.id)
                .await?
                .ok_or_else(|| {
                    Error::NotFound(
                        "the endpoint this Idempotency-Key created has been deleted since".into(),
                    )
                })?;
            shown(&self.secrets().open_bytes(&sealed)?)
        } else {
            shown(&raw)
        };
        Ok(Answer {
            body: wire::WebhookEndpointWithSecret {
                endpoint: answer.body,
                secret,
            },
            created: answer.created,
            replayed: answer.replayed,
        })
    }

    /// `GET /organization/{id}/webhooks`: oldest first.
    pub async fn webhook_list(
        &self,
        caller: &Caller,
        org: Uuid,
        page: PageRequest,
    ) -> Result<Page<wire::WebhookEndpoint>> {
        let org = self.administered(caller, org).await?;
        let db = self.store().read();
        self.list(
            &page,
            |after, limit| db.endpoints(org.id, after, limit),
            |e| e.id,
            |e| wire::WebhookEndpoint::from(&e),
        )
        .await
    }

    /// `GET /organization/{id}/webhooks/{webhookId}`.
    pub async fn webhook_view(
        &self,
        caller: &Caller,
        org: Uuid,
        id: Uuid,
    ) -> Result<wire::WebhookEndpoint> {
        let org = self.administered(caller, org).await?;
        let endpoint = self
            .store()
            .read()
            .endpoint(org.id, id)
            .await?
            .ok_or_else(|| no_endpoint(id))?;
        Ok(wire::WebhookEndpoint::from(&endpoint))
    }

    /// `PATCH /organization/{id}/webhooks/{webhookId}`.
    pub async fn webhook_update(
        &self,
        caller: &Caller,
        org: Uuid,
        id: Uuid,
        change: EndpointChange,
    ) -> Result<wire::WebhookEndpoint> {
        let org = self.administered(caller, org).await?;
        if let Some(url) = &change.url {
            self.allowed(url)?;
        }
        self.write(caller, move |tx, ctx| {
            Box::pin(async move {
                let updated = tx
                    .update_endpoint(org.id, id, &change, ctx.now)
                    .await?
                    .ok_or_else(|| no_endpoint(id))?;
                Ok(wire::WebhookEndpoint::from(&updated))
            })
        })
        .await
    }

    /// `DELETE /organization/{id}/webhooks/{webhookId}`: the endpoint and its deliveries.
    pub async fn webhook_delete(&self, caller: &Caller, org: Uuid, id: Uuid) -> Result<()> {
        let org = self.administered(caller, org).await?;
        self.write(caller, move |tx, _| {
            Box::pin(async move {
                if tx.delete_endpoint(org.id, id).await? {
                    Ok(())
                } else {
                    Err(no_endpoint(id))
                }
            })
        })
        .await
    }

    /// `POST /organization/{id}/webhooks/{webhookId}/rotate-secret`: a new secret; the previous
    /// one signs beside it for 24 hours.
    pub async fn webhook_secret_rotate(
        &self,
        caller: &Caller,
        org: Uuid,
        id: Uuid,
    ) -> Result<wire::WebhookSecret> {
        let org = self.administered(caller, org).await?;
        let raw = new_secret()?;
        let sealed = self.secrets().seal_bytes(&raw)?;
        self.write(caller, move |tx, ctx| {
            Box::pin(async move {
                let until = ctx.now + PREVIOUS_SECRET_SIGNS_FOR;
                if tx
                    .rotate_endpoint_secret(org.id, id, sealed, until, ctx.now)
                    .await?
                {
                    Ok(())
                } else {
                    Err(no_endpoint(id))
                }
            })
        })
        .await?;
        Ok(wire::WebhookSecret {
            secret: shown(&raw),
        })
    }

    /// `POST /organization/{id}/webhooks/{webhookId}/test`: a `webhook.test` delivery to this
    /// endpoint alone, due now.
    pub async fn webhook_test(
        &self,
        caller: &Caller,
        org: Uuid,
        id: Uuid,
    ) -> Result<wire::WebhookDelivery> {
        let org = self.administered(caller, org).await?;
        self.write(caller, move |tx, ctx| {
            Box::pin(async move {
                let endpoint = tx
                    .endpoint(org.id, id)
                    .await?
                    .ok_or_else(|| no_endpoint(id))?;
                refuse_disabled(&endpoint)?;
                let data = json!({
                    "webhookId": endpoint.id,
                    "organizationId": org.uuid,
                    "message": "A test from Rollcall: this endpoint receives and verifies deliveries.",
                });
                let payload = webhook::payload(TEST_EVENT, ctx.now, &data);
                let message_id = format!("test_{}", Uuid::new_v4().simple());
                let delivery = tx
                    .queue_delivery(endpoint.id, message_id, TEST_EVENT, &payload, ctx.now)
                    .await?;
                Ok(wire::WebhookDelivery::from(&delivery))
            })
        })
        .await
    }

    /// `GET /organization/{id}/webhooks/{webhookId}/deliveries`: newest first, in `status` when
    /// given.
    pub async fn webhook_delivery_list(
        &self,
        caller: &Caller,
        org: Uuid,
        id: Uuid,
        status: Option<HookStatus>,
        page: PageRequest,
    ) -> Result<Page<wire::WebhookDelivery>> {
        let org = self.administered(caller, org).await?;
        let db = self.store().read();
        self.list(
            &page,
            |after, limit| async move {
                db.endpoint(org.id, id)
                    .await?
                    .ok_or_else(|| no_endpoint(id))?;
                db.deliveries(id, status, after, limit).await
            },
            |d| d.id,
            |d| wire::WebhookDelivery::from(&d),
        )
        .await
    }

    /// `POST …/deliveries/{deliveryId}/retry`: a pending or failed delivery, due now.
    pub async fn webhook_delivery_retry(
        &self,
        caller: &Caller,
        org: Uuid,
        id: Uuid,
        delivery: Uuid,
    ) -> Result<wire::WebhookDelivery> {
        let org = self.administered(caller, org).await?;
        self.write(caller, move |tx, ctx| {
            Box::pin(async move {
                let endpoint = tx
                    .endpoint(org.id, id)
                    .await?
                    .ok_or_else(|| no_endpoint(id))?;
                let found = tx
                    .delivery(id, delivery)
                    .await?
                    .ok_or_else(|| Error::NotFound(format!("no delivery {delivery} to this endpoint")))?;
                if found.status == HookStatus::Succeeded {
                    return Err(Error::Conflict(format!(
                        "delivery {delivery} succeeded already; send a test to try the endpoint again"
                    )));
                }
                refuse_disabled(&endpoint)?;
                tx.retry_delivery(delivery, ctx.now).await?;
                let retried = tx
                    .delivery(id, delivery)
                    .await?
                    .ok_or_else(|| Error::Internal("a retried delivery vanished".into()))?;
                Ok(wire::WebhookDelivery::from(&retried))
            })
        })
        .await
    }

    /// Records what became of each attempt in `finished` and what it says of its endpoint,
    /// then takes up to `limit` due deliveries (at most `per_endpoint` held at once per
    /// endpoint) and holds them for `lease`, their secrets opened — in one unit of work, so
    /// that a worker's turn costs one write however many deliveries it settles and takes.
    pub async fn webhook_record_and_claim(
        &self,
        finished: &[(HookJob, HookAttempt)],
        lease: Duration,
        per_endpoint: u32,
        limit: u64,
    ) -> Result<Vec<HookJob>> {
        let now = self.now();
        let mut results: Vec<(Uuid, Uuid, HookResult)> = finished
            .iter()
            .map(|(job, attempt)| {
                let d = &job.delivery;
                (d.endpoint_id, d.id, hook_result(attempt.clone(), now))
            })
            .collect();
        // Endpoints' rows are written in one order by every worker: two replicas' turns cannot
        // deadlock on PostgreSQL.
        results.sort_by_key(|(endpoint, id, _)| (*endpoint, *id));
        let claimed = self
            .store()
            .write(move |tx| {
                Box::pin(async move {
                    for (endpoint, id, result) in &results {
                        tx.record_delivery(*id, *endpoint, result, now).await?;
                    }
                    if limit == 0 {
                        return Ok(Vec::new());
                    }
                    tx.claim_deliveries(now, now + lease, per_endpoint, limit)
                        .await
                })
            })
            .await?;
        let sealer = self.secrets();
        let mut jobs = Vec::with_capacity(claimed.len());
        let mut unopenable = Vec::new();
        for delivery in claimed {
            // The current secret signs; the previous one beside it when it still opens.
            let mut sealed = delivery.sealed_secrets.iter();
            match sealed.next().map(|s| sealer.open_bytes(s)) {
                Some(Ok(current)) => {
                    let mut keys = vec![current];
                    keys.extend(sealed.filter_map(|s| sealer.open_bytes(s).ok()));
                    jobs.push(HookJob { delivery, keys });
                }
                // A secret sealed under another server secret can never be sent with: that
                // delivery fails for good, saying how to mend it, and the others go on.
                Some(Err(_)) | None => {
                    tracing::warn!(delivery = %delivery.id, endpoint = %delivery.endpoint_id, "a webhook endpoint's secret cannot be opened with this server's secret");
                    unopenable.push((
                        HookJob {
                            delivery,
                            keys: Vec::new(),
                        },
                        HookAttempt::Failed {
                            status_code: None,
                            error: UNOPENABLE_SECRET.into(),
                            retry_in: None,
                        },
                    ));
                }
            }
        }
        // Recorded apart; when that fails, these stay held until their leases end and are
        // judged again then, and the jobs claimed with them go on.
        if !unopenable.is_empty()
            && let Err(e) =
                Box::pin(self.webhook_record_and_claim(&unopenable, lease, per_endpoint, 0)).await
        {
            tracing::warn!(error = %e, "deliveries whose secret cannot be opened could not be recorded as failed");
        }
        Ok(jobs)
    }
}

/// What an attempt made at `now` means for its delivery and its endpoint.
fn hook_result(attempt: HookAttempt, now: chrono::DateTime<chrono::Utc>) -> HookResult {
    match attempt {
        HookAttempt::Delivered { status_code } => HookResult {
            status: HookStatus::Succeeded,
            next_attempt_at: None,
            status_code: Some(status_code),
            error: None,
            endpoint: EndpointEffect::Succeeded,
        },
        HookAttempt::Gone => HookResult {
            status: HookStatus::Failed,
            next_attempt_at: None,
            status_code: Some(410),
            error: Some("the endpoint answered 410 Gone: it is disabled".into()),
            endpoint: EndpointEffect::Disable(DisabledReason::Gone),
        },
        HookAttempt::Failed {
            status_code,
            error,
            retry_in,
        } => HookResult {
            status: if retry_in.is_some() {
                HookStatus::Pending
            } else {
                HookStatus::Failed
            },
            next_attempt_at: retry_in.map(|after| now + after),
            status_code,
            error: Some(error),
            endpoint: EndpointEffect::Failed {
                cutoff: now - FAILING_DISABLES_AFTER,
            },
        },
    }
}

/// Why a delivery failed whose endpoint's secret this server cannot open.
const UNOPENABLE_SECRET: &str = "this server cannot open the endpoint's signing secret (was ROLLCALL_JWT_SECRET changed since it was made?); rotate the endpoint's secret, then retry the delivery";

/// 32 random bytes.
fn new_secret() -> Result<Vec<u8>> {
    let mut raw = vec![0u8; 32];
    getrandom::fill(&mut raw)
        .map_err(|e| Error::Internal(format!("no randomness for a secret: {e}")))?;
    Ok(raw)
}

/// A secret as shown: `whsec_` and its base64.
fn shown(raw: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(raw))
}

fn no_endpoint(id: Uuid) -> Error {
    Error::NotFound(format!("no webhook endpoint {id} in this organization"))
}

fn refuse_disabled(endpoint: &webhook::Endpoint) -> Result<()> {
    if endpoint.enabled {
        return Ok(());
    }
    let why = match endpoint.disabled_reason {
        Some(DisabledReason::Gone) => "it answered 410 Gone",
        Some(DisabledReason::Failing) => "nothing succeeded for five days",
        None => "an administrator disabled it",
    };
    Err(Error::Conflict(format!(
        "the endpoint is disabled ({why}); enable it with PATCH {{\"enabled\": true}} first"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_shown_as_whsec_and_32_bytes_of_base64() {
        let raw = new_secret().unwrap();
        let s = shown(&raw);
        let decoded = STANDARD.decode(s.strip_prefix("whsec_").unwrap()).unwrap();
        assert_eq!(decoded, raw);
        assert_eq!(decoded.len(), 32);
        assert_ne!(new_secret().unwrap(), raw);
    }
}
