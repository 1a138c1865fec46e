//! Webhook endpoints and their deliveries. An event's deliveries are written by
//! [`Db::append_event`](super::Db::append_event) in the event's own transaction (`fan_out`), one
//! per enabled endpoint of the organization that subscribes to its type; workers claim due ones
//! under a lease (on PostgreSQL with `FOR UPDATE SKIP LOCKED`) and record what became of each.

use chrono::{DateTime, Utc};
use domain::{
    OrganizationId, Result,
    webhook::{
        ClaimedDelivery, Delivery, DisabledReason, Endpoint, EndpointChange, HookStatus,
        Subscription, WebhookUrl,
    },
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Set, Statement,
    Value,
    sea_query::{Expr, ExprTrait as _},
};
use uuid::Uuid;

use super::{Db, Keyset};
use crate::{
    entities::{webhook_deliveries, webhook_endpoints},
    store::Txn,
    store::{db_err, internal},
};

/// An endpoint about to be registered.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub organization_id: OrganizationId,
    pub url: WebhookUrl,
    pub events: Subscription,
    pub description: Option<String>,
    /// Its secret, sealed.
    pub sealed_secret: Vec<u8>,
}

/// What one attempt at a delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookResult {
    /// `Pending` with `next_attempt_at` to try again; `Succeeded`; or `Failed` for good.
    pub status: HookStatus,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    /// What it says of the endpoint.
    pub endpoint: EndpointEffect,
}

/// What an attempt says of its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointEffect {
    /// It answered: it is not failing.
    Succeeded,
    /// It failed; when it has been failing since before `cutoff` it is disabled as `failing`.
    Failed { cutoff: DateTime<Utc> },
    /// Disable it now (a 410: `gone`).
    Disable(DisabledReason),
}

const PENDING: &str = HookStatus::Pending.as_str();

impl Db<'_, Txn<'_>> {
    /// One delivery row per enabled endpoint of `org` subscribed to `kind`, for the event just
    /// appended in this transaction, deferred with it: one statement whether the organization
    /// has endpoints or not, which picks the endpoints that take `kind` (a subscription is
    /// stored as names joined by commas, empty for all) and names the event by the id this
    /// transaction gave it last. The ids are version 7 like every other: this moment's time
    /// bits from here, the rest random per row.
    pub(crate) async fn fan_out(
        &self,
        org: OrganizationId,
        kind: domain::EventType,
        payload: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let backend = self.backend();
        let stamp = Uuid::now_v7();
        // `instr`/`strpos`, not LIKE: SQLite prepares a statement again at every run whose LIKE
        // pattern is a parameter.
        let (sql, stamp) = match backend {
            DbBackend::Postgres => (
                format!(
                    "INSERT INTO webhook_deliveries
                       (id, endpoint_id, message_id, event_type, payload, status, attempts, next_attempt_at, created_at)
                     SELECT overlay(gen_random_uuid()::text placing $1 from 1 for 18)::uuid, e.id,
                       currval(pg_get_serial_sequence('audit_events', 'id'))::text,
                       $2, $3, '{PENDING}', 0, $4, $5
                     FROM webhook_endpoints e
                     WHERE e.organization_id = $6 AND e.enabled = TRUE
                       AND (e.events = '' OR strpos(',' || e.events || ',', $7) > 0)"
                ),
                stamp.hyphenated().to_string()[..18].to_owned(),
            ),
            // On SQLite the event's id is the largest: the transaction holds the one writer.
            _ => (
                format!(
                    "INSERT INTO webhook_deliveries
                       (id, endpoint_id, message_id, event_type, payload, status, attempts, next_attempt_at, created_at)
                     SELECT unhex(? || substr('89AB', 1 + abs(random() % 4), 1) || substr(hex(randomblob(8)), 2)), e.id,
                       CAST((SELECT max(id) FROM audit_events) AS TEXT),
                       ?, ?, '{PENDING}', 0, ?, ?
                     FROM webhook_endpoints e
                     WHERE e.organization_id = ? AND e.enabled = TRUE
                       AND (e.events = '' OR instr(',' || e.events || ',', ?) > 0)"
                ),
                stamp.simple().to_string()[..16].to_owned(),
            ),
        };
        self.execute(Statement::from_sql_and_values(
            backend,
            sql,
            [
                Value::from(stamp),
                Value::from(kind.as_str()),
                Value::from(payload),
                Value::from(now),
                Value::from(now),
                Value::from(org.get()),
                Value::from(format!(",{},", kind.as_str())),
            ],
        ))
        .await?;
        Ok(())
    }
}

impl<C: ConnectionTrait> Db<'_, C> {
    /// Registers an endpoint, enabled.
    pub async fn insert_endpoint(&self, e: &NewEndpoint, now: DateTime<Utc>) -> Result<Endpoint> {
        let row = webhook_endpoints::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(e.organization_id.get()),
            url: Set(e.url.as_str().to_owned()),
            events: Set(e.events.to_stored()),
            description: Set(e.description.clone()),
            enabled: Set(true),
            disabled_reason: Set(None),
            secret: Set(e.sealed_secret.clone()),
            previous_secret: Set(None),
            previous_until: Set(None),
            failing_since: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        };
        endpoint_from_row(self.insert_row(row).await?)
    }

    /// A page of the organization's endpoints, oldest first, after `after`.
    pub async fn endpoints(
        &self,
        org: OrganizationId,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<Endpoint>> {
        let query = webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::OrganizationId.eq(org.get()))
            .ascending_after(webhook_endpoints::Column::Id, after);
        self.page(query, limit, endpoint_from_row).await
    }

    /// The organization's endpoint `id`.
    pub async fn endpoint(&self, org: OrganizationId, id: Uuid) -> Result<Option<Endpoint>> {
        self.endpoint_row(org, id)
            .await?
            .map(endpoint_from_row)
            .transpose()
    }

    /// The sealed current secret of the organization's endpoint `id`.
    pub async fn endpoint_secret(&self, org: OrganizationId, id: Uuid) -> Result<Option<Vec<u8>>> {
        Ok(self.endpoint_row(org, id).await?.map(|r| r.secret))
    }

    async fn endpoint_row(
        &self,
        org: OrganizationId,
        id: Uuid,
    ) -> Result<Option<webhook_endpoints::Model>> {
        self.row_of::<webhook_endpoints::Entity>(org, webhook_endpoints::Column::OrganizationId, id)
            .await
    }

    /// Applies `change` to the organization's endpoint `id`. Enabling it clears why it was
    /// disabled and forgets its failures.
    pub async fn update_endpoint(
        &self,
        org: OrganizationId,
        id: Uuid,
        change: &EndpointChange,
        now: DateTime<Utc>,
    ) -> Result<Option<Endpoint>> {
        let Some(row) = self.endpoint_row(org, id).await? else {
            return Ok(None);
        };
        let mut row: webhook_endpoints::ActiveModel = row.into();
        if let Some(url) = &change.url {
            row.url = Set(url.as_str().to_owned());
        }
        if let Some(events) = &change.events {
            row.events = Set(events.to_stored());
        }
        if let Some(description) = &change.description {
            row.description = Set(description.clone());
        }
        if let Some(enabled) = change.enabled {
            row.enabled = Set(enabled);
            if enabled {
                row.disabled_reason = Set(None);
                row.failing_since = Set(None);
            }
        }
        row.updated_at = Set(now);
        endpoint_from_row(self.update_row(row).await?).map(Some)
    }

    /// Deletes the organization's endpoint `id` and every delivery of it. Answers whether it
    /// existed.
    pub async fn delete_endpoint(&self, org: OrganizationId, id: Uuid) -> Result<bool> {
        if self.endpoint_row(org, id).await?.is_none() {
            return Ok(false);
        }
        self.delete_with_children::<webhook_endpoints::Entity, webhook_deliveries::Entity>(
            id,
            webhook_deliveries::Column::EndpointId,
        )
        .await?;
        Ok(true)
    }

    /// Replaces the endpoint's secret with `sealed`; the one it had signs beside it until
    /// `previous_until`.
    pub async fn rotate_endpoint_secret(
        &self,
        org: OrganizationId,
        id: Uuid,
        sealed: Vec<u8>,
        previous_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = webhook_endpoints::Entity::update_many()
            .col_expr(
                webhook_endpoints::Column::PreviousSecret,
                Expr::col(webhook_endpoints::Column::Secret),
            )
            .col_expr(
                webhook_endpoints::Column::PreviousUntil,
                Expr::value(Some(previous_until)),
            )
            .col_expr(webhook_endpoints::Column::Secret, Expr::value(sealed))
            .col_expr(webhook_endpoints::Column::UpdatedAt, Expr::value(now))
            .filter(webhook_endpoints::Column::Id.eq(id))
            .filter(webhook_endpoints::Column::OrganizationId.eq(org.get()))
            .build(self.backend());
        Ok(self.execute(done).await? > 0)
    }

    /// Queues one delivery to `endpoint` alone (`webhook.test`), due now.
    pub async fn queue_delivery(
        &self,
        endpoint: Uuid,
        message_id: String,
        event_type: &str,
        payload: &str,
        now: DateTime<Utc>,
    ) -> Result<Delivery> {
        let row = new_delivery(endpoint, message_id, event_type, payload, now);
        delivery_from_row(self.insert_row(row).await?)
    }

    /// A page of the endpoint's deliveries, newest first, before `after`, in `status` when
    /// given.
    pub async fn deliveries(
        &self,
        endpoint: Uuid,
        status: Option<HookStatus>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<Delivery>> {
        let mut query = webhook_deliveries::Entity::find()
            .filter(webhook_deliveries::Column::EndpointId.eq(endpoint));
        if let Some(status) = status {
            query = query.filter(webhook_deliveries::Column::Status.eq(status.as_str()));
        }
        let query = query.descending_after(webhook_deliveries::Column::Id, after);
        self.page(query, limit, delivery_from_row).await
    }

    /// The endpoint's delivery `id`.
    pub async fn delivery(&self, endpoint: Uuid, id: Uuid) -> Result<Option<Delivery>> {
        self.first(
            webhook_deliveries::Entity::find_by_id(id)
                .filter(webhook_deliveries::Column::EndpointId.eq(endpoint)),
        )
        .await?
        .map(delivery_from_row)
        .transpose()
    }

    /// Makes the delivery `id` pending and due now (a manual retry).
    pub async fn retry_delivery(&self, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        let retried = webhook_deliveries::Entity::update_many()
            .col_expr(webhook_deliveries::Column::Status, Expr::value(PENDING))
            .col_expr(
                webhook_deliveries::Column::NextAttemptAt,
                Expr::value(Some(now)),
            )
            .filter(webhook_deliveries::Column::Id.eq(id))
            .build(self.backend());
        self.execute(retried).await?;
        Ok(())
    }

    /// Takes up to `limit` due deliveries of enabled endpoints, no more per endpoint than makes
    /// `per_endpoint` held at once (counting the leases other workers hold), and holds them
    /// until `lease_until`. Endpoints are served in the order of their longest-waiting delivery.
    ///
    /// Endpoint by endpoint, each step an index seek (`webhook_deliveries_endpoint_due`,
    /// `…_endpoint_leased`): first the enabled endpoints with pending deliveries (found by
    /// skipping from one endpoint to the next), each with its first due delivery and its
    /// deliveries held now; then, for each with free slots, its first due deliveries. A claim
    /// costs about the same at 10 or 100,000 pending deliveries. On PostgreSQL an endpoint's
    /// claim holds its row (another replica claiming for it at the same moment passes it by) and
    /// counts its held deliveries again under that lock, so replicas together keep to
    /// `per_endpoint`; rows another transaction holds are skipped, and the locked row is judged
    /// again as it is now (status, due time, lease): a row another worker claimed, sent and
    /// recorded since this statement's snapshot is not taken twice.
    pub async fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        per_endpoint: u32,
        limit: u64,
    ) -> Result<Vec<ClaimedDelivery>> {
        let backend = self.backend();
        let waiting = format!(
            "WITH RECURSIVE pending(endpoint_id) AS (
               SELECT (SELECT endpoint_id FROM webhook_deliveries WHERE status = '{PENDING}'
                       ORDER BY endpoint_id LIMIT 1)
               UNION ALL
               SELECT (SELECT d.endpoint_id FROM webhook_deliveries d
                       WHERE d.status = '{PENDING}' AND d.endpoint_id > p.endpoint_id
                       ORDER BY d.endpoint_id LIMIT 1)
               FROM pending p WHERE p.endpoint_id IS NOT NULL
             )
             SELECT * FROM (
               SELECT e.*,
                 (SELECT d.next_attempt_at FROM webhook_deliveries d
                  WHERE d.status = '{PENDING}' AND d.endpoint_id = e.id AND d.next_attempt_at <= $1
                    AND (d.lease_until IS NULL OR d.lease_until < $1)
                  ORDER BY d.next_attempt_at LIMIT 1) AS first_due,
                 (SELECT COUNT(*) FROM webhook_deliveries d
                  WHERE d.endpoint_id = e.id AND d.lease_until >= $1 AND d.status = '{PENDING}') AS busy
               FROM pending p JOIN webhook_endpoints e ON e.id = p.endpoint_id
               WHERE e.enabled = TRUE
             ) w
             WHERE w.first_due IS NOT NULL AND w.busy < $2
             ORDER BY w.first_due
             LIMIT $3"
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let endpoints = self
            .models_and::<webhook_endpoints::Entity>(
                Statement::from_sql_and_values(
                    backend,
                    waiting,
                    [
                        Value::from(now),
                        Value::from(i64::from(per_endpoint)),
                        Value::from(limit),
                    ],
                ),
                "busy",
            )
            .await?;
        let lock = match backend {
            DbBackend::Postgres => "FOR UPDATE SKIP LOCKED",
            _ => "",
        };
        // The rows are picked once (MATERIALIZED): on PostgreSQL, `id IN (SELECT … LIMIT n FOR
        // UPDATE SKIP LOCKED)` may run its subquery again for each row and take more than n.
        let take = format!(
            "WITH picked AS MATERIALIZED (
               SELECT d.id FROM webhook_deliveries d
               WHERE d.status = '{PENDING}' AND d.endpoint_id = $1 AND d.next_attempt_at <= $2
                 AND (d.lease_until IS NULL OR d.lease_until < $2)
               ORDER BY d.next_attempt_at, d.id
               LIMIT $3 {lock}
             )
             UPDATE webhook_deliveries SET lease_until = $4
             WHERE id IN (SELECT id FROM picked) AND status = '{PENDING}'
               AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2)
             RETURNING *"
        );
        let mut claimed = Vec::new();
        let mut left = limit;
        for (e, counted) in endpoints {
            if left <= 0 {
                break;
            }
            let busy: i64 = match backend {
                // Replicas claim at once: the endpoint's row is taken for this claim (or left
                // to the replica claiming for it now), and its slots counted again after,
                // when every other claim for it has committed.
                DbBackend::Postgres => match self.endpoint_slots_taken(e.id, now).await? {
                    Some(busy) => busy,
                    None => continue,
                },
                // One writer: what the first statement counted still holds.
                _ => counted,
            };
            let free = Ord::min(i64::from(per_endpoint) - busy, left);
            if free <= 0 {
                continue;
            }
            let rows = self
                .models::<webhook_deliveries::Entity>(Statement::from_sql_and_values(
                    backend,
                    take.clone(),
                    [
                        Value::from(e.id),
                        Value::from(now),
                        Value::from(free),
                        Value::from(lease_until),
                    ],
                ))
                .await?;
            left -= i64::try_from(rows.len()).unwrap_or(i64::MAX);
            let url = WebhookUrl::from_stored(&e.url)?;
            let mut sealed_secrets = vec![e.secret.clone()];
            if let (Some(previous), Some(until)) = (&e.previous_secret, e.previous_until)
                && until > now
            {
                sealed_secrets.push(previous.clone());
            }
            for d in rows {
                claimed.push(ClaimedDelivery {
                    id: d.id,
                    endpoint_id: d.endpoint_id,
                    url: url.clone(),
                    message_id: d.message_id,
                    event_type: d.event_type,
                    payload: d.payload,
                    attempts: u32::try_from(d.attempts).unwrap_or(0),
                    sealed_secrets: sealed_secrets.clone(),
                });
            }
        }
        Ok(claimed)
    }

    /// PostgreSQL: locks the endpoint `id`'s row for a claim (`None` when another transaction
    /// holds it: a replica is claiming for it now) and answers how many of its deliveries are
    /// held under a lease now. A fan-out's insert only shares the row (its foreign key), so
    /// events are not held up.
    async fn endpoint_slots_taken(&self, id: Uuid, now: DateTime<Utc>) -> Result<Option<i64>> {
        let backend = self.backend();
        let locked = self
            .conn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "SELECT id FROM webhook_endpoints WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED",
                [Value::from(id)],
            ))
            .await
            .map_err(db_err)?;
        if locked.is_none() {
            return Ok(None);
        }
        let busy = self
            .conn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT COUNT(*) AS n FROM webhook_deliveries
                     WHERE endpoint_id = $1 AND lease_until >= $2 AND status = '{PENDING}'"
                ),
                [Value::from(id), Value::from(now)],
            ))
            .await
            .map_err(db_err)?
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()
            .map_err(db_err)?
            .unwrap_or(0);
        Ok(Some(busy))
    }

    /// Records what the attempt at delivery `id` came to, and what it says of `endpoint`. A
    /// delivery deleted meanwhile (its endpoint was) is left alone.
    pub async fn record_delivery(
        &self,
        id: Uuid,
        endpoint: Uuid,
        result: &HookResult,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let recorded = webhook_deliveries::Entity::update_many()
            .col_expr(
                webhook_deliveries::Column::Status,
                Expr::value(result.status.as_str()),
            )
            .col_expr(
                webhook_deliveries::Column::Attempts,
                Expr::col(webhook_deliveries::Column::Attempts).add(1),
            )
            .col_expr(
                webhook_deliveries::Column::LastStatusCode,
                Expr::value(result.status_code.map(i32::from)),
            )
            .col_expr(
                webhook_deliveries::Column::LastError,
                Expr::value(result.error.clone()),
            )
            .col_expr(
                webhook_deliveries::Column::NextAttemptAt,
                Expr::value(result.next_attempt_at),
            )
            .col_expr(
                webhook_deliveries::Column::LeaseUntil,
                Expr::value(None::<DateTime<Utc>>),
            )
            .col_expr(
                webhook_deliveries::Column::DeliveredAt,
                Expr::value((result.status == HookStatus::Succeeded).then_some(now)),
            )
            .filter(webhook_deliveries::Column::Id.eq(id))
            .build(self.backend());
        self.execute(recorded).await?;
        let endpoints = webhook_endpoints::Entity::update_many()
            .filter(webhook_endpoints::Column::Id.eq(endpoint));
        match result.endpoint {
            EndpointEffect::Succeeded => {
                // Only an endpoint that was failing changes (most successes write nothing here).
                let recovered = endpoints
                    .col_expr(
                        webhook_endpoints::Column::FailingSince,
                        Expr::value(None::<DateTime<Utc>>),
                    )
                    .filter(webhook_endpoints::Column::FailingSince.is_not_null())
                    .build(self.backend());
                self.execute(recovered).await?;
            }
            EndpointEffect::Failed { cutoff } => {
                let failing = endpoints
                    .col_expr(
                        webhook_endpoints::Column::FailingSince,
                        Expr::col(webhook_endpoints::Column::FailingSince)
                            .if_null(Expr::value(now)),
                    )
                    .build(self.backend());
                self.execute(failing).await?;
                self.disable_endpoint(endpoint, DisabledReason::Failing, Some(cutoff), now)
                    .await?;
            }
            EndpointEffect::Disable(reason) => {
                self.disable_endpoint(endpoint, reason, None, now).await?;
            }
        }
        Ok(())
    }

    /// Disables `endpoint` for `reason` (when it has been failing since before `cutoff`, if
    /// given).
    async fn disable_endpoint(
        &self,
        endpoint: Uuid,
        reason: DisabledReason,
        cutoff: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut update = webhook_endpoints::Entity::update_many()
            .col_expr(webhook_endpoints::Column::Enabled, Expr::value(false))
            .col_expr(
                webhook_endpoints::Column::DisabledReason,
                Expr::value(Some(reason.as_str())),
            )
            .col_expr(webhook_endpoints::Column::UpdatedAt, Expr::value(now))
            .filter(webhook_endpoints::Column::Id.eq(endpoint))
            .filter(webhook_endpoints::Column::Enabled.eq(true));
        if let Some(cutoff) = cutoff {
            update = update.filter(webhook_endpoints::Column::FailingSince.lte(cutoff));
        }
        self.execute(update.build(self.backend())).await?;
        Ok(())
    }
}

impl Db<'_, sea_orm::DatabaseConnection> {
    /// How many deliveries are in each state: the queue's depth for metrics.
    pub async fn webhook_depth(&self) -> Result<Vec<(HookStatus, u64)>> {
        self.count_by_status::<webhook_deliveries::Entity, _>(
            webhook_deliveries::Column::Status,
            HookStatus::parse,
        )
        .await
    }
}

fn new_delivery(
    endpoint: Uuid,
    message_id: String,
    event_type: &str,
    payload: &str,
    now: DateTime<Utc>,
) -> webhook_deliveries::ActiveModel {
    webhook_deliveries::ActiveModel {
        id: Set(Uuid::now_v7()),
        endpoint_id: Set(endpoint),
        message_id: Set(message_id),
        event_type: Set(event_type.to_owned()),
        payload: Set(payload.to_owned()),
        status: Set(PENDING.to_owned()),
        attempts: Set(0),
        last_status_code: Set(None),
        last_error: Set(None),
        next_attempt_at: Set(Some(now)),
        lease_until: Set(None),
        created_at: Set(now),
        delivered_at: Set(None),
    }
}

fn endpoint_from_row(r: webhook_endpoints::Model) -> Result<Endpoint> {
    Ok(Endpoint {
        id: r.id,
        organization_id: OrganizationId::parse(r.organization_id).map_err(internal)?,
        url: WebhookUrl::from_stored(&r.url)?,
        events: Subscription::from_stored(&r.events)?,
        description: r.description,
        enabled: r.enabled,
        disabled_reason: r
            .disabled_reason
            .as_deref()
            .map(DisabledReason::parse)
            .transpose()?,
        created_at: r.created_at,
        updated_at: r.updated_at,
    })
}

fn delivery_from_row(r: webhook_deliveries::Model) -> Result<Delivery> {
    Ok(Delivery {
        id: r.id,
        endpoint_id: r.endpoint_id,
        message_id: r.message_id,
        event_type: r.event_type,
        status: HookStatus::parse(&r.status).map_err(internal)?,
        attempts: u32::try_from(r.attempts).unwrap_or(0),
        last_status_code: r.last_status_code.and_then(|c| u16::try_from(c).ok()),
        last_error: r.last_error,
        next_attempt_at: r.next_attempt_at,
        created_at: r.created_at,
        delivered_at: r.delivered_at,
    })
}
