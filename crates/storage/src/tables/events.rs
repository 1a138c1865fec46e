//! The append-only event log: the audit log, and the source of webhook deliveries.

use domain::{
    EventType, OrganizationId, Result, UserId,
    event::{Event, NewEvent},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryTrait, Set};

use super::{Db, Keyset};
use crate::{entities::audit_events, store::Txn, store::internal};

impl Db<'_, Txn<'_>> {
    /// Appends one event, in the caller's transaction: a change and its event commit together
    /// or not at all, and so do its webhook deliveries (one per enabled endpoint of the
    /// organization subscribed to its type). Nothing reads its answer, so it rides along with
    /// the transaction's next statement.
    pub async fn append_event(&self, event: &NewEvent) -> Result<()> {
        let row = audit_events::ActiveModel {
            organization_id: Set(event.organization_id.map(OrganizationId::get)),
            actor_id: Set(event.actor.map(UserId::get)),
            action: Set(event.kind.as_str().to_owned()),
            target: Set(event.target.clone()),
            data: Set(Some(event.data.clone())),
            request_id: Set(event.request_id.clone()),
            created_at: Set(event.at),
            ..Default::default()
        };
        self.execute(audit_events::Entity::insert(row).build(self.backend()))
            .await?;
        if let (Some(org), Some(payload)) = (event.organization_id, event.webhook_payload()) {
            self.fan_out(org, event.kind, &payload, event.at).await?;
        }
        Ok(())
    }
}

impl<C: ConnectionTrait> Db<'_, C> {
    /// A page of the organization's events, newest first, after the event id `after`; up to
    /// `limit + 1` rows (one more than a page says whether another follows).
    pub async fn events(
        &self,
        org: OrganizationId,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<Event>> {
        let query = audit_events::Entity::find()
            .filter(audit_events::Column::OrganizationId.eq(org.get()))
            .descending_after(audit_events::Column::Id, after);
        self.page(query, limit, event_from_row).await
    }
}

fn event_from_row(r: audit_events::Model) -> Result<Event> {
    Ok(Event {
        id: r.id,
        kind: EventType::parse(&r.action).map_err(internal)?,
        organization_id: r
            .organization_id
            .map(OrganizationId::parse)
            .transpose()
            .map_err(internal)?,
        actor: r
            .actor_id
            .map(UserId::parse)
            .transpose()
            .map_err(internal)?,
        target: r.target,
        data: r.data,
        request_id: r.request_id,
        created_at: r.created_at,
    })
}
