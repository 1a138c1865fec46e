//! Events as use cases record them: the type, the target, and the `data` snapshot — the public
//! object as the API shows it at that moment (never a token), with the organization's uuid as
//! `organizationId` wherever the event happened in one.

use domain::{
    EventType, NewEvent, Result,
    model::{Context, Organization, User},
};
use serde::Serialize;
use storage::Tx;

/// The event `kind` about `target` in `org`, with `data` as its snapshot.
fn event(
    ctx: &Context,
    kind: EventType,
    org: Option<&Organization>,
    target: String,
    data: &impl Serialize,
) -> Result<NewEvent> {
    let mut data = serde_json::to_value(data)
        .map_err(|e| domain::Error::Internal(format!("an event snapshot failed: {e}")))?;
    if let (Some(org), Some(object)) = (org, data.as_object_mut()) {
        object.insert(
            "organizationId".into(),
            serde_json::Value::String(org.uuid.to_string()),
        );
    }
    Ok(NewEvent {
        kind,
        organization_id: org.map(|o| o.id),
        actor: ctx.actor,
        target,
        data,
        request_id: ctx.request_id.clone(),
        at: ctx.now,
    })
}

/// Appends the event `kind` about `target` in `org`, in the unit of work that made the change,
/// with `body` (the object as the API shows it now) as its snapshot; answers `body`.
pub(crate) async fn record<T: Serialize>(
    tx: Tx<'_>,
    ctx: &Context,
    kind: EventType,
    org: Option<&Organization>,
    target: String,
    body: T,
) -> Result<T> {
    tx.append_event(&event(ctx, kind, org, target, &body)?)
        .await?;
    Ok(body)
}

/// Records that `user`'s profile was made; its snapshot is the user as the API shows it.
pub(crate) async fn user_created(tx: Tx<'_>, ctx: &Context, user: &User) -> Result<wire::User> {
    let target = format!("user:{}", user.id);
    record(
        tx,
        ctx,
        EventType::UserCreated,
        None,
        target,
        wire::User::from(user),
    )
    .await
}

/// Records that `org` was made; its snapshot is the organization as the API shows it.
pub(crate) async fn organization_created(
    tx: Tx<'_>,
    ctx: &Context,
    org: &Organization,
) -> Result<wire::Organization> {
    let target = format!("organization:{}", org.uuid);
    let body = wire::Organization::from(org);
    record(
        tx,
        ctx,
        EventType::OrganizationCreated,
        Some(org),
        target,
        body,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_names_its_organization_by_uuid() {
        let now = chrono::Utc::now();
        let org = Organization {
            id: domain::OrganizationId::parse(4).unwrap(),
            uuid: uuid::Uuid::new_v4(),
            name: "Acme".into(),
            created_at: now,
            updated_at: now,
        };
        let ctx = Context {
            actor: None,
            request_id: "r".into(),
            now,
        };
        let e = event(
            &ctx,
            EventType::TeamCreated,
            Some(&org),
            "team:x".into(),
            &serde_json::json!({"id": "x", "name": "Platform"}),
        )
        .unwrap();
        assert_eq!(e.data["organizationId"], org.uuid.to_string());
        assert_eq!(e.data["name"], "Platform");
        assert_eq!(e.organization_id, Some(org.id));
    }
}
