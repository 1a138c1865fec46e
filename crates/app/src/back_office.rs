//! The back office (`/users-organizations/v1/bo/…`): operators with the bearer role
//! `backoffice` create and find profiles and organizations and register memberships (seed 001).
//! They act without a profile of their own.

use domain::{
    Error, EventType, OrganizationId, OrganizationName, Permissions, Result, RoleChange, Scope,
    UserId, model::NewUser,
};
use wire::{Envelope, Page};

use crate::{
    Answer, App, BACKOFFICE_ROLE, KeyedRequest, PageRequest, SessionCaller,
    events::{organization_created, user_created},
    members::{add_or_restore, record_membership},
};

impl App {
    /// 403 unless the caller is a back-office operator.
    pub(crate) fn back_office(&self, session: &SessionCaller) -> Result<()> {
        if session.caller.is_backoffice() {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "the back office needs the `{BACKOFFICE_ROLE}` role"
            )))
        }
    }

    /// `POST /bo/users`: a profile; 409 when the email is taken.
    pub async fn bo_user_create(
        &self,
        session: &SessionCaller,
        new: NewUser,
        key: Option<KeyedRequest>,
    ) -> Result<Answer<Envelope<wire::User>>> {
        self.back_office(session)?;
        self.write_keyed(&session.caller, key, move |tx, ctx| {
            Box::pin(async move {
                let user = tx.insert_user(&new, ctx.now).await?;
                let body = user_created(tx, &ctx, &user).await?;
                Ok(Answer::created(Envelope::from(body)))
            })
        })
        .await
    }

    /// `GET /bo/users/{userId}`, deleted or not.
    pub async fn bo_user_view(
        &self,
        session: &SessionCaller,
        id: UserId,
    ) -> Result<Envelope<wire::User>> {
        self.back_office(session)?;
        let user = self
            .store()
            .read()
            .user(id)
            .await?
            .ok_or_else(|| no_user(id))?;
        Ok(Envelope::from(wire::User::from(&user)))
    }

    /// `GET /bo/users`: by id, or only the profile with `email` (how an identity provider finds
    /// the Rollcall user id of an email).
    pub async fn bo_user_list(
        &self,
        session: &SessionCaller,
        email: Option<String>,
        page: PageRequest,
    ) -> Result<Page<wire::User>> {
        self.back_office(session)?;
        let db = self.store().read();
        self.list(
            &page,
            |after, limit| db.users(email.as_deref(), after, limit),
            |u| u.id,
            |u| wire::User::from(&u),
        )
        .await
    }

    /// `GET /bo/users/{userId}/organizations`: that user's memberships, deleted ones included.
    pub async fn bo_user_organization_list(
        &self,
        session: &SessionCaller,
        user: UserId,
        page: PageRequest,
    ) -> Result<Page<wire::Membership>> {
        self.back_office(session)?;
        let db = self.store().read();
        db.user(user).await?.ok_or_else(|| no_user(user))?;
        self.list(
            &page,
            |after, limit| db.memberships_of_user(user, after, limit),
            |(position, _)| *position,
            |(_, m)| wire::Membership::from(&m),
        )
        .await
    }

    /// `POST /bo/organizations`: an organization with no members.
    pub async fn bo_organization_create(
        &self,
        session: &SessionCaller,
        name: OrganizationName,
        key: Option<KeyedRequest>,
    ) -> Result<Answer<Envelope<wire::BackOfficeOrganization>>> {
        self.back_office(session)?;
        self.write_keyed(&session.caller, key, move |tx, ctx| {
            Box::pin(async move {
                let org = tx.insert_organization(&name, ctx.now).await?;
                organization_created(tx, &ctx, &org).await?;
                Ok(Answer::created(Envelope::from(
                    wire::BackOfficeOrganization::from(&org),
                )))
            })
        })
        .await
    }

    /// `GET /bo/organizations/{organizationId}`.
    pub async fn bo_organization_view(
        &self,
        session: &SessionCaller,
        id: OrganizationId,
    ) -> Result<Envelope<wire::BackOfficeOrganization>> {
        self.back_office(session)?;
        let org = self
            .store()
            .read()
            .organization(id)
            .await?
            .ok_or_else(|| no_organization(id))?;
        Ok(Envelope::from(wire::BackOfficeOrganization::from(&org)))
    }

    /// `POST /bo/users/register/{userId}/organizations/{organizationId}` (seed 001): the user
    /// made a member with the role `scope` gives, or its deleted membership restored so. 404 for
    /// an unknown user or organization; 409 for a live member.
    pub async fn bo_user_organization_register(
        &self,
        session: &SessionCaller,
        user: UserId,
        org: OrganizationId,
        scope: Scope,
        permissions: Permissions,
        key: Option<KeyedRequest>,
    ) -> Result<Answer<Envelope<wire::Membership>>> {
        self.back_office(session)?;
        self.write_keyed(&session.caller, key, move |tx, ctx| {
            Box::pin(async move {
                tx.user(user).await?.ok_or_else(|| no_user(user))?;
                let org = tx
                    .organization(org)
                    .await?
                    .ok_or_else(|| no_organization(org))?;
                let membership = add_or_restore(
                    tx,
                    user,
                    org.id,
                    RoleChange::Scope(scope),
                    &permissions,
                    ctx.now,
                )
                .await?;
                record_membership(tx, EventType::MembershipRegistered, &org, user, &ctx).await?;
                Ok(Answer::created(Envelope::from(wire::Membership::from(
                    &membership,
                ))))
            })
        })
        .await
    }
}

fn no_user(id: UserId) -> Error {
    Error::NotFound(format!("no user has id {id}"))
}

fn no_organization(id: OrganizationId) -> Error {
    Error::NotFound(format!("no organization has id {id}"))
}
