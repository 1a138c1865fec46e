//! Organizations (`/organization`): creating one (the caller becomes its administrator), viewing
//! it, and its audit log. Also where every `/organization/{id}` use case starts: the caller's
//! live membership of the organization, or a 404 that says nothing of it.

use domain::{
    EventType, Result,
    model::{Context, Membership, Organization},
    rules,
};
use uuid::Uuid;
use wire::Page;

use crate::{
    Answer, App, Caller, KeyedRequest, PageRequest, events::organization_created,
    identity::ensure_profile, members::member_recorded, not_yours,
};

impl App {
    /// The organization `uuid` and the caller's live membership of it; 404 when either is
    /// missing (the same answer for every organization that is not the caller's).
    pub(crate) async fn membership_of(
        &self,
        caller: &Caller,
        uuid: Uuid,
    ) -> Result<(Organization, Membership)> {
        let db = self.store().read();
        let org = db.organization_by_uuid(uuid).await?.ok_or_else(not_yours)?;
        let user = caller.user().ok_or_else(not_yours)?;
        let membership = db
            .live_membership(user, org.id)
            .await?
            .ok_or_else(not_yours)?;
        Ok((org, membership))
    }

    /// As `membership_of`, when the caller also manages the organization's members (403 for a
    /// role that only reads).
    pub(crate) async fn managed_by(
        &self,
        caller: &Caller,
        uuid: Uuid,
    ) -> Result<(Organization, Membership)> {
        let (org, actor) = self.membership_of(caller, uuid).await?;
        rules::may_manage_members(actor.role)?;
        Ok((org, actor))
    }

    /// `POST /organization`: a new organization whose administrator is the caller. A caller
    /// without a profile gets one from its bearer's verified email (a provider's identity is
    /// linked to it), in the same transaction. The quota counts per user.
    pub async fn organization_create(
        &self,
        caller: &Caller,
        name: domain::OrganizationName,
        key: Option<KeyedRequest>,
    ) -> Result<Answer<wire::Organization>> {
        let (caller_, per_hour) = (caller.clone(), self.0.policy.organizations_per_hour);
        self.write_keyed(caller, key, move |tx, ctx| {
            Box::pin(async move {
                let caller = caller_;
                let profile = ensure_profile(tx, &caller, &ctx).await?;
                let ctx = Context {
                    actor: Some(profile.id),
                    ..ctx
                };
                let bucket = format!("organizations:user:{}", profile.id);
                crate::quota::take(
                    tx,
                    &bucket,
                    per_hour,
                    "you have created {n} organizations this hour",
                    &ctx,
                )
                .await?;
                let org = tx.insert_organization(&name, ctx.now).await?;
                let membership = tx
                    .insert_membership(
                        profile.id,
                        org.id,
                        domain::Role::Administrator,
                        &domain::Permissions::default(),
                        ctx.now,
                    )
                    .await?;
                let body = organization_created(tx, &ctx, &org).await?;
                let member = domain::model::Member {
                    user: profile,
                    membership,
                    teams: Vec::new(),
                };
                member_recorded(tx, &ctx, EventType::MembershipCreated, &org, &member).await?;
                Ok(Answer::created(body))
            })
        })
        .await
    }

    /// `GET /organization/{id}`.
    pub async fn organization_view(
        &self,
        caller: &Caller,
        uuid: Uuid,
    ) -> Result<wire::Organization> {
        let (org, _) = self.membership_of(caller, uuid).await?;
        Ok(wire::Organization::from(&org))
    }

    /// `GET /organization/{id}/audit-events`: newest first (administrators only).
    pub async fn audit_event_list(
        &self,
        caller: &Caller,
        uuid: Uuid,
        page: PageRequest,
    ) -> Result<Page<wire::AuditEvent>> {
        let (org, actor) = self.membership_of(caller, uuid).await?;
        rules::may_read_audit_log(actor.role)?;
        let db = self.store().read();
        self.list(
            &page,
            |after, limit| db.events(org.id, after, limit),
            |e| e.id,
            |e| wire::AuditEvent::from(&e),
        )
        .await
    }
}
