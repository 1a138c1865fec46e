//! The invitation lifecycle: create, look up by token, accept (exactly once), decline.
//!
//! Exactly-once acceptance does not rely on reading first: the transaction flips the row with a
//! conditional `UPDATE … WHERE status = 'pending' AND expires_at > now`, and only the one that
//! changed a row creates the membership (itself guarded by the unique live-membership index).

use chrono::{DateTime, Utc};
use domain::{
    Email, Error, InvitationStatus, OrganizationId, Result, RoleChange, UserId,
    model::{
        Acceptance, Context, Invitation, Member, Membership, NewInvitation, Organization,
        TeamAssignment,
    },
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, SqlErr, TransactionTrait,
    sea_query::{Expr, OnConflict, SimpleExpr},
};
use uuid::Uuid;

use super::{
    OrganizationCache, Store, add_or_restore_membership, audit, db_err, internal,
    invitation_from_row, live_membership_row, take_invitation_quota, user_from_row,
};
use crate::entities::{invitations, memberships, team_memberships, teams, users};

impl Store {
    /// Seed 002: stores a pending invitation (the token only as its hash). 404 names the first
    /// team that is not the organization's; 409 when the email is a live member's, or has a
    /// pending invitation already (named in the answer).
    pub async fn create_invitation(
        &self,
        org: &Organization,
        new: &NewInvitation,
        ctx: &Context,
    ) -> Result<Invitation> {
        let (store, org, new, ctx) = (self.clone(), org.clone(), new.clone(), ctx.clone());
        self.writer
            .run(async move { store.insert_invitation(&org, &new, &ctx).await })
            .await
    }

    async fn insert_invitation(
        &self,
        org: &Organization,
        new: &NewInvitation,
        ctx: &Context,
    ) -> Result<Invitation> {
        let now = ctx.now;
        let txn = self.write.begin().await.map_err(db_err)?;
        check_teams(&txn, org, &new.team_assignments).await?;
        let row = invitations::ActiveModel {
            id: Set(Uuid::new_v4()),
            organization_id: Set(org.id.get()),
            email: Set(new.email.as_str().to_owned()),
            role: Set(new.role.as_str().to_owned()),
            team_assignments: Set(serde_json::to_value(&new.team_assignments).map_err(internal)?),
            permissions: Set(new
                .permissions
                .as_ref()
                .map(serde_json::to_value)
                .transpose()
                .map_err(internal)?),
            status: Set(InvitationStatus::Pending.as_str().to_owned()),
            token_hash: Set(new.token_hash.clone()),
            invited_by: Set(new.invited_by.get()),
            expires_at: Set(new.expires_at),
            created_at: Set(now),
            updated_at: Set(now),
            accepted_at: Set(None),
            accepted_by: Set(None),
            declined_at: Set(None),
            revoked_at: Set(None),
            revoked_by: Set(None),
        };
        // The common case (not a member, no pending invitation for the email) is one statement.
        // Only when it inserts nothing are the reasons looked at one by one.
        let inserted = match insert_unless_member(&txn, &row, org.id, &new.email).await? {
            Some(row) => Ok(row),
            None => {
                if let Some(user) = users::Entity::find()
                    .filter(users::Column::Email.eq(new.email.as_str()))
                    .one(&txn)
                    .await
                    .map_err(db_err)?
                    && live_membership_row(&txn, UserId::parse(user.id)?, org.id)
                        .await?
                        .is_some()
                {
                    return Err(Error::Conflict(format!(
                        "{} is already a member of this organization",
                        new.email
                    )));
                }
                // A pending invitation past its expiry no longer blocks a new one; a live one
                // makes this insert fail.
                expire_pending(&txn, org.id, &new.email, now).await?;
                row.insert(&txn).await
            }
        };
        let row = match inserted {
            Ok(row) => row,
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                drop(txn);
                return Err(self.pending_conflict(org.id, &new.email).await);
            }
            Err(e) => return Err(db_err(e)),
        };
        take_invitation_quota(&txn, org.id, self.invitations_per_hour, now).await?;
        audit(
            &txn,
            ctx,
            Some(org.id),
            "invitation.created",
            format!("invitation:{}", row.id),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        invitation_from_row(row, org.clone())
    }

    async fn pending_conflict(&self, org: OrganizationId, email: &Email) -> Error {
        let existing = invitations::Entity::find()
            .filter(invitations::Column::OrganizationId.eq(org.get()))
            .filter(invitations::Column::Email.eq(email.as_str()))
            .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str()))
            .one(&self.write)
            .await;
        match existing {
            Ok(Some(row)) => Error::Conflict(format!(
                "invitation {} for {email} is already pending; resend or revoke it instead",
                row.id
            )),
            Ok(None) => Error::Conflict(format!(
                "an invitation for {email} was created at the same time"
            )),
            Err(e) => db_err(e),
        }
    }

    /// The invitation whose token hashes to `token_hash`.
    pub async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<Invitation>> {
        by_token(&self.read, &self.organizations, token_hash).await
    }

    /// Accepts the invitation for `user`, whose verified `email` must be the invitation's. Creates
    /// the membership and every team membership in one transaction, exactly once: the same user
    /// accepting again gets `AlreadyAccepted` with the same member. 404 unknown token, 403 email
    /// mismatch, 410 expired, revoked, declined or accepted by someone else.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        email: &Email,
        user: UserId,
        ctx: &Context,
    ) -> Result<Acceptance> {
        let (store, token_hash, email, ctx) = (
            self.clone(),
            token_hash.to_owned(),
            email.clone(),
            ctx.clone(),
        );
        self.writer
            .run(async move { store.accept_now(&token_hash, &email, user, &ctx).await })
            .await
    }

    async fn accept_now(
        &self,
        token_hash: &str,
        email: &Email,
        user: UserId,
        ctx: &Context,
    ) -> Result<Acceptance> {
        let now = ctx.now;
        let txn = self.write.begin().await.map_err(db_err)?;
        let inv = by_token(&txn, &self.organizations, token_hash)
            .await?
            .ok_or_else(unknown_token)?;
        if &inv.email != email {
            return Err(Error::Forbidden(
                "this invitation was sent to another email address".into(),
            ));
        }
        let flipped = finish_pending(
            &txn,
            inv.id,
            InvitationStatus::Accepted,
            vec![
                (invitations::Column::AcceptedAt, Expr::value(Some(now))),
                (
                    invitations::Column::AcceptedBy,
                    Expr::value(Some(user.get())),
                ),
            ],
            now,
        )
        .await?;
        if !flipped {
            // Someone got here first (or the invitation is finished): read what it is now.
            let current = invitations::Entity::find_by_id(inv.id)
                .one(&txn)
                .await
                .map_err(db_err)?
                .ok_or_else(unknown_token)?;
            let status =
                InvitationStatus::parse(&current.status)?.effective(current.expires_at, now);
            return match status {
                InvitationStatus::Accepted if current.accepted_by == Some(user.get()) => {
                    let member = member_in(&txn, user, inv.organization.id).await?.ok_or_else(|| {
                        Error::Gone("this invitation was accepted, but that membership has since been removed".into())
                    })?;
                    Ok(Acceptance::AlreadyAccepted(member))
                }
                other => Err(finished(other)),
            };
        }
        let permissions = inv.permissions.clone().unwrap_or_default();
        let membership = add_or_restore_membership(
            &txn,
            user,
            inv.organization.id,
            RoleChange::To(inv.role),
            &permissions,
            now,
        )
        .await?;
        join_teams(&txn, user, &inv, now).await?;
        let member = member_with(&txn, membership).await?;
        let org = Some(inv.organization.id);
        audit(
            &txn,
            ctx,
            org,
            "invitation.accepted",
            format!("invitation:{}", inv.id),
        )
        .await?;
        audit(&txn, ctx, org, "membership.created", format!("user:{user}")).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Acceptance::Accepted(member))
    }

    /// Declines a pending invitation for the holder of `email`. 404 unknown token, 403 email
    /// mismatch, 410 when it is no longer pending.
    pub async fn decline_invitation(
        &self,
        token_hash: &str,
        email: &Email,
        ctx: &Context,
    ) -> Result<Invitation> {
        let now = ctx.now;
        let txn = self.write.begin().await.map_err(db_err)?;
        let inv = by_token(&txn, &self.organizations, token_hash)
            .await?
            .ok_or_else(unknown_token)?;
        if &inv.email != email {
            return Err(Error::Forbidden(
                "this invitation was sent to another email address".into(),
            ));
        }
        let flipped = finish_pending(
            &txn,
            inv.id,
            InvitationStatus::Declined,
            vec![(invitations::Column::DeclinedAt, Expr::value(Some(now)))],
            now,
        )
        .await?;
        // Read what the invitation is now: after a concurrent accept, not what it was.
        let current = by_token(&txn, &self.organizations, token_hash)
            .await?
            .ok_or_else(unknown_token)?;
        if !flipped {
            return Err(finished(current.status_at(now)));
        }
        audit(
            &txn,
            ctx,
            Some(current.organization.id),
            "invitation.declined",
            format!("invitation:{}", current.id),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(current)
    }

    /// One invitation of `org`.
    pub async fn invitation(&self, org: &Organization, id: Uuid) -> Result<Option<Invitation>> {
        let row = invitations::Entity::find_by_id(id)
            .filter(invitations::Column::OrganizationId.eq(org.id.get()))
            .one(&self.read)
            .await
            .map_err(db_err)?;
        row.map(|r| invitation_from_row(r, org.clone())).transpose()
    }

    /// A page of the organization's invitations, newest first, after `after` (the `(createdAt,
    /// id)` of the previous page's last item). Returns up to `limit + 1` rows: one more than a
    /// page says whether another page follows. `expired` matches pending rows past their expiry.
    pub async fn list_invitations(
        &self,
        org: &Organization,
        filter: &InvitationFilter,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invitation>> {
        let mut query = invitations::Entity::find()
            .filter(invitations::Column::OrganizationId.eq(org.id.get()));
        if !filter.statuses.is_empty() {
            let mut any = Condition::any();
            for status in &filter.statuses {
                any = any.add(status_condition(*status, now));
            }
            query = query.filter(any);
        }
        if let Some(email) = &filter.email {
            query = query.filter(invitations::Column::Email.eq(email.as_str()));
        }
        if let Some((at, id)) = after {
            query = query.filter(older_than(at, id));
        }
        let rows = query
            .order_by_desc(invitations::Column::CreatedAt)
            .order_by_desc(invitations::Column::Id)
            .limit(limit + 1)
            .all(&self.read)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|r| invitation_from_row(r, org.clone()))
            .collect()
    }

    /// Revokes a pending invitation; 404 when `org` has no such invitation, 409 when it is no
    /// longer pending (answering what it is).
    pub async fn revoke_invitation(
        &self,
        org: &Organization,
        id: Uuid,
        ctx: &Context,
    ) -> Result<Invitation> {
        let now = ctx.now;
        let txn = self.write.begin().await.map_err(db_err)?;
        let row = invitations::Entity::find_by_id(id)
            .filter(invitations::Column::OrganizationId.eq(org.id.get()))
            .one(&txn)
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                Error::NotFound(format!("organization {} has no invitation {id}", org.uuid))
            })?;
        let inv = invitation_from_row(row, org.clone())?;
        let revoked = finish_pending(
            &txn,
            id,
            InvitationStatus::Revoked,
            vec![
                (invitations::Column::RevokedAt, Expr::value(Some(now))),
                (
                    invitations::Column::RevokedBy,
                    Expr::value(ctx.actor.map(UserId::get)),
                ),
            ],
            now,
        )
        .await?;
        if !revoked {
            // Read what it is now (a concurrent accept may have just finished it).
            let status = match invitations::Entity::find_by_id(id)
                .one(&txn)
                .await
                .map_err(db_err)?
            {
                Some(r) => InvitationStatus::parse(&r.status)?.effective(r.expires_at, now),
                None => inv.status_at(now),
            };
            return Err(Error::Conflict(format!(
                "only a pending invitation can be revoked; this one is {}",
                status.as_str()
            )));
        }
        audit(
            &txn,
            ctx,
            Some(org.id),
            "invitation.revoked",
            format!("invitation:{id}"),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Invitation {
            status: InvitationStatus::Revoked,
            ..inv
        })
    }

    /// Gives a pending or expired invitation a new token (by its hash) and expiry; the old token
    /// stops working at once. 404 unknown, 409 when accepted, declined or revoked, or when
    /// another invitation for the email is pending.
    pub async fn resend_invitation(
        &self,
        org: &Organization,
        id: Uuid,
        token_hash: &str,
        expires_at: DateTime<Utc>,
        ctx: &Context,
    ) -> Result<Invitation> {
        let now = ctx.now;
        let txn = self.write.begin().await.map_err(db_err)?;
        let row = invitations::Entity::find_by_id(id)
            .filter(invitations::Column::OrganizationId.eq(org.id.get()))
            .one(&txn)
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                Error::NotFound(format!("organization {} has no invitation {id}", org.uuid))
            })?;
        let current = invitation_from_row(row, org.clone())?;
        let flipped = invitations::Entity::update_many()
            .col_expr(
                invitations::Column::Status,
                Expr::value(InvitationStatus::Pending.as_str()),
            )
            .col_expr(invitations::Column::TokenHash, Expr::value(token_hash))
            .col_expr(invitations::Column::ExpiresAt, Expr::value(expires_at))
            .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
            .filter(invitations::Column::Id.eq(id))
            .filter(invitations::Column::Status.is_in([
                InvitationStatus::Pending.as_str(),
                InvitationStatus::Expired.as_str(),
            ]))
            .exec(&txn)
            .await;
        let flipped = match flipped {
            Ok(r) => r.rows_affected,
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                drop(txn);
                return Err(self.pending_conflict(org.id, &current.email).await);
            }
            Err(e) => return Err(db_err(e)),
        };
        if flipped == 0 {
            return Err(Error::Conflict(format!(
                "only a pending or expired invitation can be resent; this one is {}",
                current.status_at(now).as_str()
            )));
        }
        audit(
            &txn,
            ctx,
            Some(org.id),
            "invitation.resent",
            format!("invitation:{id}"),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(Invitation {
            status: InvitationStatus::Pending,
            expires_at,
            ..current
        })
    }
}

/// Which invitations a list shows.
#[derive(Debug, Clone, Default)]
pub struct InvitationFilter {
    /// Any of these statuses (as a caller sees them); empty means all.
    pub statuses: Vec<InvitationStatus>,
    /// Only this (normalized) email.
    pub email: Option<String>,
}

/// Invitations after `(at, id)` in newest-first order: the keyset condition of a next page.
/// The leading `created_at <= at` is what lets the database seek the `(organization_id,
/// created_at, id)` index to the cursor: with the disjunction alone, SQLite walked every newer
/// row first (a page from the middle of 1,000,000 invitations took 1.1 s; `cargo xtask bench
/// --scale`).
pub(super) fn older_than(at: DateTime<Utc>, id: Uuid) -> Condition {
    Condition::all()
        .add(invitations::Column::CreatedAt.lte(at))
        .add(
            Condition::any()
                .add(invitations::Column::CreatedAt.lt(at))
                .add(invitations::Column::Id.lt(id)),
        )
}

/// Rows whose status, as seen at `now`, is `status`.
fn status_condition(status: InvitationStatus, now: DateTime<Utc>) -> Condition {
    let stored = |s: InvitationStatus| invitations::Column::Status.eq(s.as_str());
    match status {
        InvitationStatus::Pending => Condition::all()
            .add(stored(InvitationStatus::Pending))
            .add(invitations::Column::ExpiresAt.gt(now)),
        InvitationStatus::Expired => Condition::any().add(stored(InvitationStatus::Expired)).add(
            Condition::all()
                .add(stored(InvitationStatus::Pending))
                .add(invitations::Column::ExpiresAt.lte(now)),
        ),
        other => Condition::all().add(stored(other)),
    }
}

/// Moves the invitation `id` from live pending (not past its expiry) to `to`, also setting
/// `also` (when, and by whom). Answers whether this call changed it: the conditional update is
/// what makes accept, decline and revoke happen at most once under any concurrency.
async fn finish_pending(
    db: &impl ConnectionTrait,
    id: Uuid,
    to: InvitationStatus,
    also: Vec<(invitations::Column, SimpleExpr)>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let mut update = invitations::Entity::update_many()
        .col_expr(invitations::Column::Status, Expr::value(to.as_str()))
        .col_expr(invitations::Column::UpdatedAt, Expr::value(now));
    for (column, value) in also {
        update = update.col_expr(column, value);
    }
    let result = update
        .filter(invitations::Column::Id.eq(id))
        .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str()))
        .filter(invitations::Column::ExpiresAt.gt(now))
        .exec(db)
        .await
        .map_err(db_err)?;
    Ok(result.rows_affected == 1)
}

/// `INSERT … SELECT … WHERE NOT EXISTS (a live member with that email) ON CONFLICT DO NOTHING
/// RETURNING *`: the new row, or `None` when the email is a live member's or the pending
/// invitation index (or any other unique index) refused it.
async fn insert_unless_member(
    db: &impl ConnectionTrait,
    row: &invitations::ActiveModel,
    org: OrganizationId,
    email: &Email,
) -> Result<Option<invitations::Model>> {
    use sea_orm::{
        ActiveValue, FromQueryResult, Iterable,
        sea_query::{ExprTrait, Query},
    };
    let (mut columns, mut values) = (Vec::new(), Vec::new());
    for column in invitations::Column::iter() {
        if let ActiveValue::Set(value) = row.get(column) {
            columns.push(column);
            values.push(Expr::val(value));
        }
    }
    let member = Query::select()
        .expr(Expr::val(1))
        .from(users::Entity)
        .inner_join(
            memberships::Entity,
            Expr::col((memberships::Entity, memberships::Column::UserId))
                .equals((users::Entity, users::Column::Id)),
        )
        .and_where(Expr::col((users::Entity, users::Column::Email)).eq(email.as_str()))
        .and_where(
            Expr::col((memberships::Entity, memberships::Column::OrganizationId)).eq(org.get()),
        )
        .and_where(Expr::col((memberships::Entity, memberships::Column::DeletedAt)).is_null())
        .to_owned();
    let select = Query::select()
        .exprs(values)
        .and_where(Expr::exists(member).not())
        .to_owned();
    let insert = Query::insert()
        .into_table(invitations::Entity)
        .columns(columns)
        .select_from(select)
        .map_err(internal)?
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .returning_all()
        .to_owned();
    let backend = db.get_database_backend();
    match db
        .query_one_raw(backend.build(&insert))
        .await
        .map_err(db_err)?
    {
        Some(r) => invitations::Model::from_query_result(&r, "")
            .map(Some)
            .map_err(db_err),
        None => Ok(None),
    }
}

/// Rewrites `email`'s pending invitation of `org` to `expired` when it is past its expiry.
async fn expire_pending(
    db: &impl ConnectionTrait,
    org: OrganizationId,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<()> {
    invitations::Entity::update_many()
        .col_expr(
            invitations::Column::Status,
            Expr::value(InvitationStatus::Expired.as_str()),
        )
        .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
        .filter(invitations::Column::OrganizationId.eq(org.get()))
        .filter(invitations::Column::Email.eq(email.as_str()))
        .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str()))
        .filter(invitations::Column::ExpiresAt.lte(now))
        .exec(db)
        .await
        .map_err(db_err)?;
    Ok(())
}

fn unknown_token() -> Error {
    Error::NotFound("no invitation has this token".into())
}

fn finished(status: InvitationStatus) -> Error {
    match status {
        InvitationStatus::Accepted => {
            Error::Gone("this invitation has already been accepted".into())
        }
        other => Error::Gone(format!("this invitation is {}", other.as_str())),
    }
}

async fn by_token(
    db: &impl ConnectionTrait,
    organizations: &OrganizationCache,
    token_hash: &str,
) -> Result<Option<Invitation>> {
    let Some(row) = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(token_hash))
        .one(db)
        .await
        .map_err(db_err)?
    else {
        return Ok(None);
    };
    let org = organizations
        .by_id(db, OrganizationId::parse(row.organization_id)?)
        .await?
        .ok_or_else(|| Error::Internal(format!("invitation {} has no organization", row.id)))?;
    invitation_from_row(row, org).map(Some)
}

/// 404 naming the first assigned team that is not one of the organization's.
pub(super) async fn check_teams(
    db: &impl ConnectionTrait,
    org: &Organization,
    assignments: &[TeamAssignment],
) -> Result<()> {
    if assignments.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = assignments.iter().map(|t| t.team_id).collect();
    let found: Vec<Uuid> = teams::Entity::find()
        .filter(teams::Column::OrganizationId.eq(org.id.get()))
        .filter(teams::Column::Id.is_in(ids.clone()))
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|t| t.id)
        .collect();
    if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
        return Err(Error::NotFound(format!(
            "organization {} has no team {missing}",
            org.uuid
        )));
    }
    Ok(())
}

/// Adds the user to each of the invitation's teams that still exists (a team deleted since the
/// invitation was sent is skipped), or sets its role where it is a member already.
async fn join_teams(
    db: &impl ConnectionTrait,
    user: UserId,
    inv: &Invitation,
    now: DateTime<Utc>,
) -> Result<()> {
    for a in &inv.team_assignments {
        let team = teams::Entity::find_by_id(a.team_id)
            .one(db)
            .await
            .map_err(db_err)?;
        if team.is_none_or(|t| t.organization_id != inv.organization.id.get()) {
            continue;
        }
        let role = serde_json::to_value(a.role)
            .map_err(internal)?
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let existing = team_memberships::Entity::find_by_id((a.team_id, user.get()))
            .one(db)
            .await
            .map_err(db_err)?;
        match existing {
            Some(row) => {
                let mut m: team_memberships::ActiveModel = row.into();
                m.role = Set(role);
                m.updated_at = Set(now);
                m.update(db).await.map_err(db_err)?;
            }
            None => {
                team_memberships::ActiveModel {
                    team_id: Set(a.team_id),
                    user_id: Set(user.get()),
                    role: Set(role),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(db)
                .await
                .map_err(db_err)?;
            }
        }
    }
    Ok(())
}

/// A live member with its profile and its teams in the organization.
pub(super) async fn member_in(
    db: &impl ConnectionTrait,
    user: UserId,
    org: OrganizationId,
) -> Result<Option<Member>> {
    let Some(row) = live_membership_row(db, user, org).await? else {
        return Ok(None);
    };
    member_with(db, super::membership_from_row(row)?)
        .await
        .map(Some)
}

/// `membership`, a live one, with its profile and its teams in the organization.
async fn member_with(db: &impl ConnectionTrait, membership: Membership) -> Result<Member> {
    let (user, org) = (membership.user_id, membership.organization_id);
    let profile = users::Entity::find_by_id(user.get())
        .one(db)
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::Internal(format!("membership of user {user} without a profile")))?;
    let teams = super::members_ops::teams_of_users(db, org, &[user.get()])
        .await?
        .remove(&user.get())
        .unwrap_or_default();
    Ok(Member {
        user: user_from_row(profile)?,
        membership,
        teams,
    })
}
