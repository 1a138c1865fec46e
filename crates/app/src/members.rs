//! Members, in both families: `/organization/{id}/members` (role outright, uuid organizations)
//! and `/users-organizations/v1/ad/…` (seed 000's invite, scope, the session's organization).
//! Changing and removing a member is one rule set for both: the rules that depend on the target
//! run inside the write transaction, on the row as it is then, and an organization always keeps
//! a live administrator (409 otherwise).

use chrono::{DateTime, Utc};
use domain::{
    Error, EventType, OrganizationId, Permissions, Result, Role, RoleChange, Scope, UserId,
    model::{Context, Member, Membership, NewUser, Organization},
    rules,
};
use storage::Tx;
use uuid::Uuid;
use wire::{Envelope, Page};

use crate::{
    Answer, App, Caller, KeyedRequest, PageRequest, SessionCaller,
    events::{record, user_created},
    invitations::count_invitation,
    outbox,
};

/// Who may change a member, as the operation says: a member of the organization with its
/// rules, or the back office, which the rules do not bind (the last administrator still does).
#[derive(Clone)]
enum Changer {
    Member(Membership),
    BackOffice,
}

impl App {
    /// `GET /organization/{id}/members`: by user id (any member).
    pub async fn member_list(
        &self,
        caller: &Caller,
        org: Uuid,
        page: PageRequest,
    ) -> Result<Page<wire::Member>> {
        let (org, _) = self.membership_of(caller, org).await?;
        let db = self.store().read();
        self.list(
            &page,
            |after, limit| db.members(org.id, after, limit),
            |m| m.user.id,
            |m| wire::Member::from(&m),
        )
        .await
    }

    /// `PATCH /organization/{id}/members/{userId}`: role and/or permissions (administrators and
    /// managers; only administrators change administrators or grant the role).
    pub async fn member_update(
        &self,
        caller: &Caller,
        org: Uuid,
        user: UserId,
        role: Option<Role>,
        permissions: Option<Permissions>,
    ) -> Result<wire::Member> {
        let (org, actor) = self.managed_by(caller, org).await?;
        let role = role.map(RoleChange::To);
        let member = self
            .change_member(caller, org, user, role, permissions, actor)
            .await?;
        Ok(wire::Member::from(&member))
    }

    /// Changes `user`'s role and/or permissions in `org` as `actor` may, in one unit of work
    /// (see `change`); answers the member as it is then.
    async fn change_member(
        &self,
        caller: &Caller,
        org: Organization,
        user: UserId,
        role: Option<RoleChange>,
        permissions: Option<Permissions>,
        actor: Membership,
    ) -> Result<Member> {
        self.write(caller, move |tx, ctx| {
            Box::pin(async move {
                let changer = Changer::Member(actor);
                change(tx, &org, user, role, permissions.as_ref(), &changer, &ctx).await
            })
        })
        .await
    }

    /// `DELETE /organization/{id}/members/{userId}`: remove a member (administrators and
    /// managers; only administrators remove administrators), or leave (anyone, oneself).
    pub async fn member_delete(&self, caller: &Caller, org: Uuid, user: UserId) -> Result<()> {
        let (org, actor) = self.membership_of(caller, org).await?;
        self.remove_member(caller, org, user, Changer::Member(actor))
            .await
            .map(drop)
    }

    /// Removes `user` from `org` as `changer` may, in one unit of work (see `remove`); answers
    /// the removed membership.
    async fn remove_member(
        &self,
        caller: &Caller,
        org: Organization,
        user: UserId,
        changer: Changer,
    ) -> Result<Envelope<wire::Membership>> {
        self.write(caller, move |tx, ctx| {
            Box::pin(async move {
                let removed = remove(tx, &org, user, &changer, &ctx).await?;
                Ok(Envelope::from(wire::Membership::from(&removed)))
            })
        })
        .await
    }

    /// The organization a `users-organizations/v1` session acts on, and the caller's live
    /// membership of it: 403 when the session names none or one the caller is not in.
    pub(crate) async fn acting_member(
        &self,
        session: &SessionCaller,
    ) -> Result<(Organization, Membership)> {
        let id = session.organization.ok_or_else(|| {
            Error::Forbidden(
                "the session names no organization; get one for an organization you belong to"
                    .into(),
            )
        })?;
        let not_member = || {
            Error::Forbidden(format!(
                "the session's organization {id} is not one you are a member of"
            ))
        };
        let db = self.store().read();
        let membership = db
            .live_membership(session.user, id)
            .await?
            .ok_or_else(not_member)?;
        let org = db.organization(id).await?.ok_or_else(not_member)?;
        Ok((org, membership))
    }

    /// As `acting_member`, when the caller also manages the organization's members (403 for a
    /// role that only reads).
    async fn acting_manager(&self, session: &SessionCaller) -> Result<(Organization, Membership)> {
        let (org, actor) = self.acting_member(session).await?;
        rules::may_manage_members(actor.role)?;
        Ok((org, actor))
    }

    /// `POST /users-organizations/v1/ad/invite` (seed 000): the profile found by email (or made),
    /// made a member (scope 2) of the session's organization, or its deleted membership
    /// restored; a "you were added" email queued. 409 for a live member. Counts against the
    /// organization's invitation quota.
    pub async fn ad_user_invite(
        &self,
        session: &SessionCaller,
        profile: NewUser,
        permissions: Permissions,
        key: Option<KeyedRequest>,
    ) -> Result<Answer<Envelope<wire::Membership>>> {
        let (org, actor) = self.acting_manager(session).await?;
        rules::may_grant_permissions(actor.role, &actor.permissions, &permissions)?;
        let (added_by, per_hour) = (session.user, self.0.policy.invitations_per_hour);
        self.write_keyed(&session.caller, key, move |tx, ctx| {
            Box::pin(async move {
                let user = match tx.user_by_email(&profile.email).await? {
                    Some(user) => user,
                    None => {
                        let user = tx.insert_user(&profile, ctx.now).await?;
                        user_created(tx, &ctx, &user).await?;
                        user
                    }
                };
                let membership = add_or_restore(
                    tx,
                    user.id,
                    org.id,
                    RoleChange::Scope(Scope::Standard),
                    &permissions,
                    ctx.now,
                )
                .await?;
                count_invitation(tx, &org, per_hour, &ctx).await?;
                record_membership(tx, EventType::MembershipInvited, &org, user.id, &ctx).await?;
                // The "you were added" email is promised in the same transaction.
                let by = tx.user(added_by).await?;
                outbox::added_email(tx, &org, &user, by.as_ref(), &ctx).await?;
                Ok(Answer::created(Envelope::from(wire::Membership::from(
                    &membership,
                ))))
            })
        })
        .await
    }

    /// `GET /users-organizations/v1/ad/users`: the session organization's memberships, by
    /// position; `scope` and `includeDeleted` filter (any member).
    pub async fn ad_user_list(
        &self,
        session: &SessionCaller,
        scope: Option<Scope>,
        include_deleted: bool,
        page: PageRequest,
    ) -> Result<Page<wire::Membership>> {
        let (org, _) = self.acting_member(session).await?;
        let db = self.store().read();
        self.list(
            &page,
            |after, limit| db.memberships(org.id, scope, include_deleted, after, limit),
            |(position, _)| *position,
            |(_, m)| wire::Membership::from(&m),
        )
        .await
    }

    /// `GET /users-organizations/v1/ad/users/{userId}`: one live membership (any member).
    pub async fn ad_user_view(
        &self,
        session: &SessionCaller,
        user: UserId,
    ) -> Result<Envelope<wire::Membership>> {
        let (org, _) = self.acting_member(session).await?;
        let m = self
            .store()
            .read()
            .live_membership(user, org.id)
            .await?
            .ok_or_else(|| not_a_member(user))?;
        Ok(Envelope::from(wire::Membership::from(&m)))
    }

    /// `PATCH /users-organizations/v1/ad/users/{userId}`: scope and/or permissions.
    pub async fn ad_user_update(
        &self,
        session: &SessionCaller,
        user: UserId,
        scope: Option<Scope>,
        permissions: Option<Permissions>,
    ) -> Result<Envelope<wire::Membership>> {
        let (org, actor) = self.acting_manager(session).await?;
        let role = scope.map(RoleChange::Scope);
        let member = self
            .change_member(&session.caller, org, user, role, permissions, actor)
            .await?;
        Ok(Envelope::from(wire::Membership::from(&member.membership)))
    }

    /// `DELETE /users-organizations/v1/ad/users/{userId}`: a soft delete (administrators and
    /// managers; only administrators remove administrators; never the last one).
    pub async fn ad_user_delete(
        &self,
        session: &SessionCaller,
        user: UserId,
    ) -> Result<Envelope<wire::Membership>> {
        let (org, actor) = self.acting_manager(session).await?;
        self.remove_member(&session.caller, org, user, Changer::Member(actor))
            .await
    }

    /// `POST /users-organizations/v1/ad/users/{userId}/restore`: the most recently deleted
    /// membership, live again as it was. Restoring grants: it obeys the rules of granting its
    /// role and permissions. 409 for a live member; 404 when there is nothing to restore.
    pub async fn ad_user_restore(
        &self,
        session: &SessionCaller,
        user: UserId,
    ) -> Result<Envelope<wire::Membership>> {
        let (org, actor) = self.acting_manager(session).await?;
        self.write(&session.caller, move |tx, ctx| {
            Box::pin(async move {
                if tx.live_membership(user, org.id).await?.is_some() {
                    return Err(Error::AlreadyMember(format!(
                        "user {user} is already a member of this organization"
                    )));
                }
                let (position, deleted) = tx
                    .newest_deleted_membership(user, org.id)
                    .await?
                    .ok_or_else(|| {
                        Error::NotFound(format!("user {user} has no deleted membership to restore"))
                    })?;
                rules::may_restore_member(&actor, &deleted)?;
                let restored = tx
                    .reinstate_membership(position, None, None, ctx.now)
                    .await?;
                record_membership(tx, EventType::MembershipRestored, &org, user, &ctx).await?;
                Ok(Envelope::from(wire::Membership::from(&restored)))
            })
        })
        .await
    }

    /// `DELETE /users-organizations/v1/bo/users/{userId}/organizations/{organizationId}`: the
    /// back office removes a membership (a soft delete; never the last administrator).
    pub async fn bo_user_organization_delete(
        &self,
        session: &SessionCaller,
        user: UserId,
        org: OrganizationId,
    ) -> Result<Envelope<wire::Membership>> {
        self.back_office(session)?;
        let org = self
            .store()
            .read()
            .organization(org)
            .await?
            .ok_or_else(|| not_a_member(user))?;
        self.remove_member(&session.caller, org, user, Changer::BackOffice)
            .await
    }
}

/// Changes a live member's role (outright or by scope) and/or permissions, as `changer` may.
/// An empty change writes nothing and answers the member as it is.
async fn change(
    tx: Tx<'_>,
    org: &Organization,
    user: UserId,
    role: Option<RoleChange>,
    permissions: Option<&Permissions>,
    changer: &Changer,
    ctx: &Context,
) -> Result<Member> {
    let current = target(tx, org, user).await?.membership;
    let role = role.map(|c| c.apply(Some(current.role)));
    if let Changer::Member(actor) = changer {
        rules::may_change_member(actor, &current, role, permissions)?;
    }
    if role.is_some() || permissions.is_some() {
        if current.role == Role::Administrator && role.is_some_and(|r| r != Role::Administrator) {
            keeps_an_administrator(tx, org.id, user).await?;
        }
        tx.update_membership(user, org.id, role, permissions, ctx.now)
            .await?
            .ok_or_else(|| not_a_member(user))?;
        return record_membership(tx, EventType::MembershipUpdated, org, user, ctx).await;
    }
    tx.member(user, org.id)
        .await?
        .ok_or_else(|| not_a_member(user))
}

/// Removes a live member (a soft delete; the membership can be restored) and its team
/// memberships in the organization, as `changer` may; never the last administrator.
async fn remove(
    tx: Tx<'_>,
    org: &Organization,
    user: UserId,
    changer: &Changer,
    ctx: &Context,
) -> Result<Membership> {
    let member = target(tx, org, user).await?;
    if let Changer::Member(actor) = changer {
        rules::may_remove_member(actor, &member.membership)?;
    }
    if member.membership.role == Role::Administrator {
        keeps_an_administrator(tx, org.id, user).await?;
    }
    let removed = tx
        .delete_membership(user, org.id, ctx.now)
        .await?
        .ok_or_else(|| not_a_member(user))?;
    tx.leave_teams(org.id, user).await?;
    member_recorded(tx, ctx, EventType::MembershipDeleted, org, &member).await?;
    Ok(removed)
}

/// The live member `user` of `org` a change is about, read after locking the organization's
/// memberships for the rest of the transaction (so the last-administrator check holds); 404
/// when it is not a member.
async fn target(tx: Tx<'_>, org: &Organization, user: UserId) -> Result<Member> {
    tx.lock_organization(org.id).await?;
    tx.member(user, org.id)
        .await?
        .ok_or_else(|| not_a_member(user))
}

/// 409 unless a live administrator other than `leaving` remains.
async fn keeps_an_administrator(tx: Tx<'_>, org: OrganizationId, leaving: UserId) -> Result<()> {
    if tx.count_other_administrators(org, leaving).await? == 0 {
        return Err(Error::LastAdministrator(
            "an organization keeps at least one administrator: make another member an administrator first".into(),
        ));
    }
    Ok(())
}

/// 409 for a live member; else restores the newest deleted membership, or makes a new one, with
/// the role `role` gives and `permissions`.
pub(crate) async fn add_or_restore(
    tx: Tx<'_>,
    user: UserId,
    org: OrganizationId,
    role: RoleChange,
    permissions: &Permissions,
    now: DateTime<Utc>,
) -> Result<Membership> {
    match tx.newest_membership(user, org).await? {
        Some((_, live)) if live.deleted_at.is_none() => Err(Error::AlreadyMember(format!(
            "user {user} is already a member of organization {org}"
        ))),
        Some((position, deleted)) => {
            tx.reinstate_membership(
                position,
                Some(role.apply(Some(deleted.role))),
                Some(permissions),
                now,
            )
            .await
        }
        None => {
            tx.insert_membership(user, org, role.apply(None), permissions, now)
                .await
        }
    }
}

/// Records the membership event `kind` about `member` of `org`; its snapshot is the member as the
/// API shows it, which it answers.
pub(crate) async fn member_recorded(
    tx: Tx<'_>,
    ctx: &Context,
    kind: EventType,
    org: &Organization,
    member: &Member,
) -> Result<wire::Member> {
    let target = format!("user:{}", member.user.id);
    record(tx, ctx, kind, Some(org), target, wire::Member::from(member)).await
}

/// Appends the membership event `kind` for `user`, with the member as it is now; answers it.
pub(crate) async fn record_membership(
    tx: Tx<'_>,
    kind: EventType,
    org: &Organization,
    user: UserId,
    ctx: &Context,
) -> Result<Member> {
    let member = tx
        .member(user, org.id)
        .await?
        .ok_or_else(|| not_a_member(user))?;
    member_recorded(tx, ctx, kind, org, &member).await?;
    Ok(member)
}

fn not_a_member(user: UserId) -> Error {
    Error::NotFound(format!("user {user} is not a member of this organization"))
}
