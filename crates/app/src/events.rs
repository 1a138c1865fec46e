//! Events as use cases record them: the type, the target, and the `data` snapshot — the public
//! object as the API shows it at that moment (never a token), with the organization's uuid as
//! `organizationId` wherever the event happened in one.

use domain::{
    EventType, NewEvent, Result,
    model::{Context, Organization, User},
};
use serde::Serialize;

/// The event `kind` about `target` in `org`, with `data` as its snapshot.
pub(crate) fn event(
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

/// Records that `user`'s profile was made, in the unit of work that made it; its snapshot is the
/// user as the API shows it.
pub(crate) async fn user_created(
    tx: storage::Tx<'_>,
    ctx: &Context,
    user: &User,
) -> Result<wire::User> {
    let body = wire::User::from(user);
    tx.append_event(&event(
        ctx,
        EventType::UserCreated,
        None,
        format!("user:{}", user.id),
        &body,
    )?)
    .await?;
    Ok(body)
}

/// Records that `org` was made, in the unit of work that made it; its snapshot is the
/// organization as the API shows it.
pub(crate) async fn organization_created(
    tx: storage::Tx<'_>,
    ctx: &Context,
    org: &Organization,
) -> Result<wire::Organization> {
    let body = wire::Organization::from(org);
    tx.append_event(&event(
        ctx,
        EventType::OrganizationCreated,
        Some(org),
        format!("organization:{}", org.uuid),
        &body,
    )?)
    .await?;
    Ok(body)
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
