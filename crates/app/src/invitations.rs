//! Invitations (seed 002): invite, list, view, revoke, resend; and what the holder of a token
//! does with it: look it up, accept it (exactly once), decline it. The token is minted here and
//! shown once (by invite, resend and a replayed invite); only its hash is stored.

use chrono::Duration;
use domain::{
    Email, Error, EventType, InvitationStatus, InvitationToken, Result, RoleChange,
    model::{
        Context, Invitation, InvitationFilter, Invite, Member, Membership, NewInvitation, Notice,
        Organization,
    },
    rules,
};
use storage::{Rotation, Tx};
use uuid::Uuid;
use wire::{DEFAULT_LIFETIME_SECONDS, InvitationWithToken, Page};

use crate::{
    Answer, App, Caller, KeyedRequest, PageRequest,
    events::record,
    identity::ensure_profile,
    keyed::{self, Claimed},
    members::{add_or_restore, member_recorded},
    outbox,
};

impl App {
    /// `POST /organization/{id}/invite`: a pending invitation and its token, shown once.
    /// Administrators and managers; only administrators invite administrators; a manager grants
    /// only module ids it manages. 404 for a team that is not the organization's; 409 when the
    /// email is a live member's or has a pending invitation (named); 429 past the quota.
    pub async fn invitation_create(
        &self,
        caller: &Caller,
        org: Uuid,
        invite: Invite,
        key: Option<KeyedRequest>,
    ) -> Result<Answer<InvitationWithToken>> {
        let (org, actor) = self.membership_of(caller, org).await?;
        self.invite(caller, org, &actor, invite, key).await
    }

    /// `POST /organization/{id}/invitations/bulk`: up to 100 invitations, each answered in its
    /// row's order with what a single invite of that row would have answered. Each row is its
    /// own unit of work, the very one a single invite runs: counted by the quota (a row past it
    /// is a 429), its email queued, its event recorded. 404 for an organization that is not
    /// the caller's, 403 for a role that does not invite: then nothing is tried. Once the
    /// database is unavailable, the rows not yet tried are answered with that problem too.
    pub async fn invitation_bulk_create(
        &self,
        caller: &Caller,
        org: Uuid,
        invites: Vec<Invite>,
    ) -> Result<Vec<Result<InvitationWithToken>>> {
        let (org, actor) = self.managed_by(caller, org).await?;
        let mut results = Vec::with_capacity(invites.len());
        let mut unavailable = None;
        for invite in invites {
            let result = match &unavailable {
                Some(e) => Err(Error::clone(e)),
                None => self
                    .invite(caller, org.clone(), &actor, invite, None)
                    .await
                    .map(|answer| answer.body),
            };
            if let Err(e @ Error::Unavailable(_)) = &result {
                unavailable.get_or_insert_with(|| e.clone());
            }
            results.push(result);
        }
        Ok(results)
    }

    /// One invitation of `org` sent by `actor` (a live member of it): the rules of inviting,
    /// then one unit of work. What a single invite and each row of a bulk invite run.
    async fn invite(
        &self,
        caller: &Caller,
        org: Organization,
        actor: &Membership,
        invite: Invite,
        key: Option<KeyedRequest>,
    ) -> Result<Answer<InvitationWithToken>> {
        rules::may_invite(actor, invite.role, invite.permissions.as_ref())?;
        let token = InvitationToken::generate()?;
        let invited_by = actor.user_id;
        // The inviter's name, for the email: read before the unit of work, which is then one
        // statement shorter on the one SQLite writer.
        let inviter = self.store().read().user(invited_by).await?;
        let (app, caller, ctx, per_hour) = (
            self.clone(),
            caller.clone(),
            self.context(caller),
            self.0.policy.invitations_per_hour,
        );
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let slot = match keyed::claim(tx, &caller, key.as_ref(), ctx.now).await? {
                        Claimed::Replay { status, body } => {
                            let kept: Answer<InvitationWithToken> = keyed::replayed(status, &body)?;
                            return replay(&app, tx, &org, kept, &invite.notice, &ctx).await;
                        }
                        Claimed::Fresh(slot) => slot,
                    };
                    if let Some(missing) = tx
                        .first_missing_team(
                            org.id,
                            &invite
                                .team_assignments
                                .iter()
                                .map(|t| t.team_id)
                                .collect::<Vec<_>>(),
                        )
                        .await?
                    {
                        return Err(Error::NotFound(format!(
                            "organization {} has no team {missing}",
                            org.uuid
                        )));
                    }
                    let email_delivery =
                        outbox::email_delivery(&app, tx, &invite.email, &invite.notice, &ctx)
                            .await?;
                    let new = NewInvitation {
                        organization_id: org.id,
                        email: invite.email.clone(),
                        role: invite.role,
                        team_assignments: invite.team_assignments.clone(),
                        permissions: invite.permissions.clone(),
                        invited_by,
                        token_hash: token.hash(),
                        expires_at: ctx.now + invite.lifetime,
                        email_delivery,
                    };
                    let invitation = insert(&app, tx, &org, new, &invite.notice, &ctx).await?;
                    outbox::queue_first_email(
                        &app,
                        tx,
                        &invitation,
                        inviter.as_ref(),
                        &token,
                        &invite.notice,
                        &ctx,
                    )
                    .await?;
                    let view = record_invitation(
                        tx,
                        EventType::InvitationCreated,
                        &org,
                        &invitation,
                        &ctx,
                    )
                    .await?;
                    // Counted last: the organization's quota row is locked from here to the
                    // commit, so concurrent invites wait on it as briefly as can be.
                    count_invitation(tx, &org, per_hour, &ctx).await?;
                    // The kept answer never holds the token: a replay mints a new one.
                    keyed::keep(tx, slot, &Answer::created(view.clone().with_token(""))).await?;
                    Ok(Answer::created(view.with_token(token.expose())))
                })
            })
            .await
    }

    /// `GET /organization/{id}/invitations`: newest first, filtered by status and email
    /// (administrators and managers). No tokens.
    pub async fn invitation_list(
        &self,
        caller: &Caller,
        org: Uuid,
        filter: InvitationFilter,
        page: PageRequest,
    ) -> Result<Page<wire::Invitation>> {
        let (org, _) = self.managed_by(caller, org).await?;
        let now = self.now();
        let db = self.store().read();
        self.list(
            &page,
            |after, limit| db.invitations(&org, &filter, after, limit, now),
            |i| (i.created_at, i.id),
            |i| wire::Invitation::new(&i, now),
        )
        .await
    }

    /// `GET /organization/{id}/invitations/{invitationId}` (administrators and managers).
    pub async fn invitation_view(
        &self,
        caller: &Caller,
        org: Uuid,
        id: Uuid,
    ) -> Result<wire::Invitation> {
        let (org, _) = self.managed_by(caller, org).await?;
        let inv = self
            .store()
            .read()
            .invitation(&org, id)
            .await?
            .ok_or_else(|| no_invitation(&org, id))?;
        Ok(wire::Invitation::new(&inv, self.now()))
    }

    /// `DELETE /organization/{id}/invitations/{invitationId}`: a pending invitation revoked; its
    /// token stops working. Only those the caller could have sent; 409 unless pending.
    pub async fn invitation_revoke(
        &self,
        caller: &Caller,
        org: Uuid,
        id: Uuid,
    ) -> Result<wire::Invitation> {
        let (org, actor) = self.managed_by(caller, org).await?;
        self.write(caller, move |tx, ctx| {
            Box::pin(async move {
                sent_by_peer(tx, &org, &actor, id).await?;
                let (revoked, now_is) =
                    finish(tx, id, InvitationStatus::Revoked, ctx.actor, ctx.now).await?;
                let now_is = now_is.ok_or_else(|| no_invitation(&org, id))?;
                if !revoked {
                    return Err(Error::InvitationConflict {
                        invitation_id: id,
                        pending: false,
                        detail: format!(
                            "only a pending invitation can be revoked; this one is {}",
                            now_is.status_at(ctx.now).as_str()
                        ),
                    });
                }
                record_invitation(tx, EventType::InvitationRevoked, &org, &now_is, &ctx).await
            })
        })
        .await
    }

    /// `POST /organization/{id}/invitations/{invitationId}/resend`: a new token and a 7-day
    /// expiry, same id; pending or expired invitations only, and only those the caller could
    /// have sent. The old token stops working at once.
    pub async fn invitation_resend(
        &self,
        caller: &Caller,
        org: Uuid,
        id: Uuid,
        notice: Notice,
    ) -> Result<InvitationWithToken> {
        let (org, actor) = self.managed_by(caller, org).await?;
        let token = InvitationToken::generate()?;
        let app = self.clone();
        self.write(caller, move |tx, ctx| {
                Box::pin(async move {
                    let inv = sent_by_peer(tx, &org, &actor, id).await?;
                    if inv.status == InvitationStatus::Expired
                        && let Some(other) = tx.pending_invitation(&org, &inv.email).await?
                    {
                        return Err(pending_conflict(&other));
                    }
                    let expires_at = ctx.now + Duration::seconds(DEFAULT_LIFETIME_SECONDS);
                    let rotated = tx
                        .rotate_token(&org, id, &token.hash(), Some(expires_at), true, ctx.now)
                        .await?
                        .ok_or_else(|| no_invitation(&org, id))?;
                    let inv = match rotated {
                        Rotation::Rotated(inv) => inv,
                        Rotation::Refused(inv) => {
                            return Err(Error::InvitationConflict {
                                invitation_id: id,
                                pending: false,
                                detail: format!(
                                    "only a pending or expired invitation can be resent; this one is {}",
                                    inv.status_at(ctx.now).as_str()
                                ),
                            });
                        }
                        Rotation::PendingElsewhere => {
                            return Err(Error::Conflict(format!(
                                "another invitation for {} became pending at the same time",
                                inv.email
                            )));
                        }
                    };
                    let mut inv = inv;
                    inv.email_delivery =
                        outbox::reissued_email(&app, tx, &inv, &token, &notice, &ctx).await?;
                    let view =
                        record_invitation(tx, EventType::InvitationResent, &org, &inv, &ctx).await?;
                    Ok(view.with_token(token.expose()))
                })
            })
            .await
    }

    /// The expiry sweep (the background worker runs it): up to `limit` pending invitations past
    /// their expiry rewritten to `expired`, each with its `invitation.expired` event and its
    /// queued email skipped, in one unit of work. Answers how many. An invitation is rewritten
    /// once, by this sweep or by an invite for the same email, whichever comes first.
    pub async fn invitation_expire_due(&self, limit: u64) -> Result<usize> {
        let ctx = Context {
            actor: None,
            request_id: "expiry-sweep".into(),
            now: self.now(),
        };
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    let expired = tx.expire_due(ctx.now, limit).await?;
                    for inv in &expired {
                        tx.supersede_messages(inv.id, "the invitation expired")
                            .await?;
                        let org = &inv.organization;
                        record_invitation(tx, EventType::InvitationExpired, org, inv, &ctx).await?;
                    }
                    Ok(expired.len())
                })
            })
            .await
    }

    /// `POST /invitations/lookup`: what the holder of a token may see before logging in.
    pub async fn invitation_lookup(
        &self,
        token: InvitationToken,
    ) -> Result<wire::InvitationLookup> {
        let db = self.store().read();
        let inv = db
            .invitation_by_token(&token.hash())
            .await?
            .ok_or_else(unknown_token)?;
        let inviter = db.user(inv.invited_by).await?.map(|u| wire::Inviter {
            user_id: u.id.get(),
            first_name: u.first_name,
            last_name: u.last_name,
        });
        Ok(wire::InvitationLookup {
            organization_id: inv.organization.uuid,
            organization_name: inv.organization.name.clone(),
            organization_role: inv.role.into(),
            email: inv.email.as_str().to_owned(),
            status: inv.status_at(self.now()).into(),
            expires_at: inv.expires_at,
            inviter,
        })
    }

    /// `POST /invitations/accept`: the caller becomes a member, with the invitation's role,
    /// permissions and teams, in one transaction, exactly once; accepting again answers the
    /// same member (200). The bearer's verified email must be the invitation's, and so must the
    /// caller's profile's email when it has one (403: the member shows the profile's email); a
    /// caller new to Rollcall gets a profile from its token, in the same transaction (a refused
    /// accept leaves none behind). 404 unknown token; 410 expired, revoked, declined, or
    /// accepted by someone else.
    pub async fn invitation_accept(
        &self,
        caller: &Caller,
        token: InvitationToken,
        key: Option<KeyedRequest>,
    ) -> Result<Answer<wire::Member>> {
        let email = caller.verified_email()?;
        let (caller, ctx) = (caller.clone(), self.context(caller));
        self.store()
            .write(move |tx| {
                Box::pin(async move {
                    // The invitation is checked before the key: a replay is authorized as a
                    // new accept is.
                    let inv = held_by(tx, &token, &caller, &email).await?;
                    let slot = match keyed::claim(tx, &caller, key.as_ref(), ctx.now).await? {
                        Claimed::Replay { status, body } => return keyed::replayed(status, &body),
                        Claimed::Fresh(slot) => slot,
                    };
                    let answer = accept(tx, &caller, &inv, &ctx).await?;
                    keyed::keep(tx, slot, &answer).await?;
                    Ok(answer)
                })
            })
            .await
    }

    /// `POST /invitations/decline`: 403 unless the caller's verified email (and its profile's,
    /// when it has one) is the invitation's; 410 when it is no longer pending.
    pub async fn invitation_decline(
        &self,
        caller: &Caller,
        token: InvitationToken,
    ) -> Result<wire::Invitation> {
        let email = caller.verified_email()?;
        let caller_ = caller.clone();
        self.write(caller, move |tx, ctx| {
            Box::pin(async move {
                let inv = held_by(tx, &token, &caller_, &email).await?;
                let (declined, now_is) =
                    finish(tx, inv.id, InvitationStatus::Declined, None, ctx.now).await?;
                let now_is = now_is.ok_or_else(unknown_token)?;
                if !declined {
                    return Err(finished(now_is.status_at(ctx.now)));
                }
                let org = &now_is.organization;
                record_invitation(tx, EventType::InvitationDeclined, org, &now_is, &ctx).await
            })
        })
        .await
    }
}

/// Moves a live pending invitation to `to` (only the call that changed the row goes on) and
/// skips its queued email: a finished invitation is not mailed. Answers whether this call
/// changed it and the invitation as it is now.
async fn finish(
    tx: Tx<'_>,
    id: Uuid,
    to: InvitationStatus,
    by: Option<domain::UserId>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(bool, Option<Invitation>)> {
    let (changed, now_is) = tx.finish_pending(id, to, by, now).await?;
    if changed {
        tx.supersede_messages(id, &format!("the invitation was {}", to.as_str()))
            .await?;
    }
    Ok((changed, now_is))
}

/// The invitation `id` of `org`, when `actor` could have sent it (resend and revoke follow the
/// rules of inviting): 404 unknown, 403 one the actor could not have sent.
async fn sent_by_peer(
    tx: Tx<'_>,
    org: &Organization,
    actor: &Membership,
    id: Uuid,
) -> Result<Invitation> {
    let inv = tx
        .invitation(org, id)
        .await?
        .ok_or_else(|| no_invitation(org, id))?;
    rules::may_invite(actor, inv.role, inv.permissions.as_ref())?;
    Ok(inv)
}

/// The invitation with this token, when it was sent to `email` (the caller's verified email)
/// and, when the caller has a profile, to that profile's email (the member would show it): 404
/// unknown, 403 another's.
async fn held_by(
    tx: Tx<'_>,
    token: &InvitationToken,
    caller: &Caller,
    email: &Email,
) -> Result<Invitation> {
    let inv = tx
        .invitation_by_token(&token.hash())
        .await?
        .ok_or_else(unknown_token)?;
    if &inv.email != email {
        return Err(Error::EmailMismatch(
            "this invitation was sent to another email address; sign in as its invitee".into(),
        ));
    }
    if let Some(user) = caller.user()
        && let Some(profile) = tx.user(user).await?
        && profile.email != inv.email
    {
        return Err(profile_elsewhere(&profile.email));
    }
    Ok(inv)
}

/// 403: the token's verified email is not the caller's profile's.
pub(crate) fn profile_elsewhere(profile: &Email) -> Error {
    Error::EmailMismatch(format!(
        "your token's verified email is not your Rollcall profile's ({profile}); invitations are accepted by the profile's email: ask for one sent to it"
    ))
}

/// Accepts `inv` for `caller`: flips it (only the transaction that changed the row goes on),
/// makes the profile if needed, the membership (restoring a deleted one) and the team
/// memberships, and records both events.
async fn accept(
    tx: Tx<'_>,
    caller: &Caller,
    inv: &Invitation,
    ctx: &Context,
) -> Result<Answer<wire::Member>> {
    let org = &inv.organization;
    // The profile first (made now, and the identity linked, for a caller new to Rollcall): it
    // is who accepts. A refusal below rolls it back with everything else.
    let profile = ensure_profile(tx, caller, ctx).await?;
    let user = profile.id;
    let ctx = &Context {
        actor: Some(user),
        ..ctx.clone()
    };
    let (accepted, now_is) =
        finish(tx, inv.id, InvitationStatus::Accepted, Some(user), ctx.now).await?;
    let now_is = now_is.ok_or_else(unknown_token)?;
    if !accepted {
        let status = now_is.status_at(ctx.now);
        if status == InvitationStatus::Accepted && tx.accepted_by(inv.id).await? == Some(user) {
            let member = tx
                .member(user, org.id)
                .await?
                .ok_or_else(|| Error::InvitationGone {
                    status: InvitationStatus::Accepted,
                    detail:
                        "this invitation was accepted, but that membership has since been removed"
                            .into(),
                })?;
            return Ok(Answer::existing(wire::Member::from(&member)));
        }
        return Err(finished(status));
    }
    let membership = add_or_restore(
        tx,
        user,
        org.id,
        RoleChange::To(inv.role),
        &inv.permissions.clone().unwrap_or_default(),
        ctx.now,
    )
    .await?;
    for assignment in &inv.team_assignments {
        // A team deleted since the invitation was sent is skipped.
        if tx.team(org.id, assignment.team_id).await?.is_some() {
            tx.set_team_member(assignment.team_id, user, assignment.role, ctx.now)
                .await?;
        }
    }
    let teams = tx
        .member(user, org.id)
        .await?
        .map(|m| m.teams)
        .unwrap_or_default();
    let member = Member {
        user: profile,
        membership,
        teams,
    };
    record_invitation(tx, EventType::InvitationAccepted, org, &now_is, ctx).await?;
    let member = member_recorded(tx, ctx, EventType::MembershipCreated, org, &member).await?;
    Ok(Answer::created(member))
}

/// Stores the invitation: one guarded statement in the common case. When it inserts nothing,
/// the reasons are looked at one by one: a live member (409), a pending invitation past its
/// expiry (rewritten to `expired`, with its event, and no longer in the way), a live pending
/// one (409 naming it).
async fn insert(
    app: &App,
    tx: Tx<'_>,
    org: &Organization,
    mut new: NewInvitation,
    notice: &Notice,
    ctx: &Context,
) -> Result<Invitation> {
    if let Some(inv) = tx.insert_invitation(org, &new, true, ctx.now).await? {
        return Ok(inv);
    }
    if let Some(user) = tx.user_by_email(&new.email).await?
        && tx.live_membership(user.id, org.id).await?.is_some()
    {
        return Err(Error::AlreadyMember(format!(
            "{} is already a member of this organization",
            new.email
        )));
    }
    let expired = tx.expire_pending(org, &new.email, ctx.now).await?;
    for expired in &expired {
        tx.supersede_messages(expired.id, "the invitation expired")
            .await?;
        record_invitation(tx, EventType::InvitationExpired, org, expired, ctx).await?;
    }
    // The expired invitation's unsent email no longer counts against the recipient's cap.
    if !expired.is_empty() {
        new.email_delivery = outbox::email_delivery(app, tx, &new.email, notice, ctx).await?;
    }
    if let Some(inv) = tx.insert_invitation(org, &new, false, ctx.now).await? {
        return Ok(inv);
    }
    match tx.pending_invitation(org, &new.email).await? {
        Some(pending) => Err(pending_conflict(&pending)),
        None => Err(Error::Conflict(format!(
            "an invitation for {} was created at the same time",
            new.email
        ))),
    }
}

/// A replayed invite: the invitation answered first, with a new token, when it is still
/// pending (the old token stops working); 409 naming it and its status when it is not, and
/// nothing changes (a replay never revives a finished or expired invitation).
async fn replay(
    app: &App,
    tx: Tx<'_>,
    org: &Organization,
    kept: Answer<InvitationWithToken>,
    notice: &Notice,
    ctx: &Context,
) -> Result<Answer<InvitationWithToken>> {
    let id = kept.body.id;
    let token = InvitationToken::generate()?;
    let rotated = tx
        .rotate_token(org, id, &token.hash(), None, false, ctx.now)
        .await?;
    match rotated {
        Some(Rotation::Rotated(mut inv)) => {
            // The email the first answer queued carried the old token: a new one supersedes it.
            inv.email_delivery = outbox::reissued_email(app, tx, &inv, &token, notice, ctx).await?;
            Ok(Answer {
                body: wire::Invitation::new(&inv, ctx.now).with_token(token.expose()),
                ..kept
            })
        }
        Some(Rotation::Refused(inv)) => Err(Error::InvitationConflict {
            invitation_id: id,
            pending: false,
            detail: format!(
                "this Idempotency-Key created invitation {id}, which is {} now: it is not sent again; invite anew with another key",
                inv.status_at(ctx.now).as_str()
            ),
        }),
        Some(Rotation::PendingElsewhere) | None => Err(Error::InvitationConflict {
            invitation_id: id,
            pending: false,
            detail: format!(
                "this Idempotency-Key created invitation {id}, which no longer exists; invite anew with another key"
            ),
        }),
    }
}

/// Counts one invitation of `org` in the current clock hour (seed 000's and seed 002's alike);
/// 429 once `per_hour` were made in it. Part of the inviting transaction: a refused invitation
/// counts for nothing.
pub(crate) async fn count_invitation(
    tx: Tx<'_>,
    org: &Organization,
    per_hour: u32,
    ctx: &Context,
) -> Result<()> {
    let bucket = format!("invitations:organization:{}", org.id);
    crate::quota::take(
        tx,
        &bucket,
        per_hour,
        "this organization has created {n} invitations this hour",
        ctx,
    )
    .await
}

fn pending_conflict(pending: &Invitation) -> Error {
    Error::InvitationConflict {
        invitation_id: pending.id,
        pending: true,
        detail: format!(
            "invitation {} for {} is already pending; resend or revoke it instead",
            pending.id, pending.email
        ),
    }
}

fn no_invitation(org: &Organization, id: Uuid) -> Error {
    Error::NotFound(format!("organization {} has no invitation {id}", org.uuid))
}

fn unknown_token() -> Error {
    Error::NotFound("no invitation has this token".into())
}

fn finished(status: InvitationStatus) -> Error {
    let detail = match status {
        InvitationStatus::Accepted => "this invitation has already been accepted".into(),
        other => format!("this invitation is {}", other.as_str()),
    };
    Error::InvitationGone { status, detail }
}

/// Appends the invitation event `kind` about `inv` in `org`, with the invitation as the API shows
/// it now as its snapshot; answers that snapshot.
async fn record_invitation(
    tx: Tx<'_>,
    kind: EventType,
    org: &Organization,
    inv: &Invitation,
    ctx: &Context,
) -> Result<wire::Invitation> {
    let view = wire::Invitation::new(inv, ctx.now);
    let target = format!("invitation:{}", inv.id);
    record(tx, ctx, kind, Some(org), target, view).await
}
