//! Invitations. The token is stored only as its hash. Finishing one (accept, decline, revoke) is
//! a conditional `UPDATE … WHERE status = 'pending' AND expires_at > now`: only the transaction
//! that changed the row acts on it, so each happens at most once under any concurrency. Inserts
//! use `ON CONFLICT DO NOTHING`, so a refusal by the unique pending-invitation index leaves the
//! transaction usable (PostgreSQL aborts a transaction on a unique violation otherwise).

use chrono::{DateTime, Utc};
use domain::{
    Email, Error, InvitationStatus, OrganizationId, Result, UserId,
    model::{
        DeliveryStatus, EmailDelivery, Invitation, InvitationFilter, NewInvitation, Organization,
        TeamAssignment,
    },
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait as _, OnConflict, Query, SimpleExpr},
};
use uuid::Uuid;

use super::{Db, memberships::stored_role};
use crate::{
    entities::{invitations, memberships, users},
    store::internal,
};

/// What rotating an invitation's token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token (and maybe the expiry) changed: the invitation as it is now.
    Rotated(Invitation),
    /// The invitation is not in a state that allows it: the invitation as it is.
    Refused(Invitation),
    /// Reviving it would make a second pending invitation for its email.
    PendingElsewhere,
}

impl<C: ConnectionTrait> Db<'_, C> {
    /// One invitation of `org`.
    pub async fn invitation(&self, org: &Organization, id: Uuid) -> Result<Option<Invitation>> {
        self.first(
            invitations::Entity::find_by_id(id)
                .filter(invitations::Column::OrganizationId.eq(org.id.get())),
        )
        .await?
        .map(|r| invitation_from_row(r, org.clone()))
        .transpose()
    }

    /// The invitation `id`, whichever organization it is of.
    pub async fn invitation_by_id(&self, id: Uuid) -> Result<Option<Invitation>> {
        let row = self.first(invitations::Entity::find_by_id(id)).await?;
        self.with_organization(row).await
    }

    /// The invitation whose token hashes to `token_hash`.
    pub async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<Invitation>> {
        let row = self
            .first(
                invitations::Entity::find().filter(invitations::Column::TokenHash.eq(token_hash)),
            )
            .await?;
        self.with_organization(row).await
    }

    async fn with_organization(
        &self,
        row: Option<invitations::Model>,
    ) -> Result<Option<Invitation>> {
        let Some(row) = row else {
            return Ok(None);
        };
        let org = self
            .organization(OrganizationId::parse(row.organization_id).map_err(internal)?)
            .await?
            .ok_or_else(|| Error::Internal(format!("invitation {} has no organization", row.id)))?;
        invitation_from_row(row, org).map(Some)
    }

    /// Each of `rows` with its organization, in order.
    async fn with_organizations(&self, rows: Vec<invitations::Model>) -> Result<Vec<Invitation>> {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            if let Some(inv) = self.with_organization(Some(row)).await? {
                out.push(inv);
            }
        }
        Ok(out)
    }

    /// The pending invitation (expired or not) of `org` for `email`.
    pub async fn pending_invitation(
        &self,
        org: &Organization,
        email: &Email,
    ) -> Result<Option<Invitation>> {
        self.first(
            invitations::Entity::find()
                .filter(invitations::Column::OrganizationId.eq(org.id.get()))
                .filter(invitations::Column::Email.eq(email.as_str()))
                .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str())),
        )
        .await?
        .map(|r| invitation_from_row(r, org.clone()))
        .transpose()
    }

    /// A page of the organization's invitations, newest first, after `after` (the `(createdAt,
    /// id)` of the previous page's last item); up to `limit + 1`. `expired` matches pending rows
    /// past their expiry.
    pub async fn invitations(
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
        self.page(newest_first(query), limit, |r| {
            invitation_from_row(r, org.clone())
        })
        .await
    }

    /// A page of the pending (unexpired) invitations to `email` across organizations, newest
    /// first, after `(createdAt, id)`; up to `limit + 1`.
    pub async fn invitations_to(
        &self,
        email: &Email,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invitation>> {
        let mut query = invitations::Entity::find()
            .filter(invitations::Column::Email.eq(email.as_str()))
            .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str()))
            .filter(invitations::Column::ExpiresAt.gt(now));
        if let Some((at, id)) = after {
            query = query.filter(older_than(at, id));
        }
        let rows = self.page(newest_first(query), limit, Ok).await?;
        self.with_organizations(rows).await
    }

    /// Stores a pending invitation of `org` unless the unique pending-invitation index refuses
    /// it (`None`), and, when `unless_member`, unless its email is a live member's (`None` too):
    /// `INSERT … SELECT … WHERE NOT EXISTS (member) ON CONFLICT DO NOTHING RETURNING *`, one
    /// statement for the common case.
    pub async fn insert_invitation(
        &self,
        org: &Organization,
        new: &NewInvitation,
        unless_member: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<Invitation>> {
        let row: [(invitations::Column, sea_orm::Value); 21] = [
            (invitations::Column::Id, Uuid::new_v4().into()),
            (invitations::Column::OrganizationId, org.id.get().into()),
            (invitations::Column::Email, new.email.as_str().into()),
            (invitations::Column::Role, new.role.as_str().into()),
            (
                invitations::Column::TeamAssignments,
                serde_json::to_value(&new.team_assignments)
                    .map_err(internal)?
                    .into(),
            ),
            (
                invitations::Column::Permissions,
                new.permissions
                    .as_ref()
                    .map(serde_json::to_value)
                    .transpose()
                    .map_err(internal)?
                    .into(),
            ),
            (
                invitations::Column::Status,
                InvitationStatus::Pending.as_str().into(),
            ),
            (
                invitations::Column::TokenHash,
                new.token_hash.clone().into(),
            ),
            (invitations::Column::InvitedBy, new.invited_by.get().into()),
            (invitations::Column::ExpiresAt, new.expires_at.into()),
            (invitations::Column::CreatedAt, now.into()),
            (invitations::Column::UpdatedAt, now.into()),
            (
                invitations::Column::AcceptedAt,
                None::<DateTime<Utc>>.into(),
            ),
            (invitations::Column::AcceptedBy, None::<i64>.into()),
            (
                invitations::Column::DeclinedAt,
                None::<DateTime<Utc>>.into(),
            ),
            (invitations::Column::RevokedAt, None::<DateTime<Utc>>.into()),
            (invitations::Column::RevokedBy, None::<i64>.into()),
            (
                invitations::Column::EmailStatus,
                new.email_delivery.status.as_str().into(),
            ),
            (invitations::Column::EmailAttempts, 0i32.into()),
            (
                invitations::Column::EmailSentAt,
                None::<DateTime<Utc>>.into(),
            ),
            (
                invitations::Column::EmailLastError,
                new.email_delivery.last_error.clone().into(),
            ),
        ];
        let mut select = Query::select();
        select.exprs(row.iter().map(|(_, v)| Expr::val(v.clone())));
        if unless_member {
            let member = Query::select()
                .expr(Expr::val(1))
                .from(users::Entity)
                .inner_join(
                    memberships::Entity,
                    Expr::col((memberships::Entity, memberships::Column::UserId))
                        .equals((users::Entity, users::Column::Id)),
                )
                .and_where(Expr::col((users::Entity, users::Column::Email)).eq(new.email.as_str()))
                .and_where(
                    Expr::col((memberships::Entity, memberships::Column::OrganizationId))
                        .eq(org.id.get()),
                )
                .and_where(
                    Expr::col((memberships::Entity, memberships::Column::DeletedAt)).is_null(),
                )
                .to_owned();
            select.and_where(Expr::exists(member).not());
        }
        let insert = Query::insert()
            .into_table(invitations::Entity)
            .columns(row.iter().map(|(c, _)| *c))
            .select_from(select)
            .map_err(internal)?
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .returning_all()
            .to_owned();
        let inserted = self
            .models::<invitations::Entity>(self.backend().build(&insert))
            .await?;
        inserted
            .into_iter()
            .next()
            .map(|row| invitation_from_row(row, org.clone()))
            .transpose()
    }

    /// Rewrites `email`'s pending invitation of `org` to `expired` when it is past its expiry;
    /// answers the invitations it rewrote (at most one), as they are now.
    pub async fn expire_pending(
        &self,
        org: &Organization,
        email: &Email,
        now: DateTime<Utc>,
    ) -> Result<Vec<Invitation>> {
        let rows = invitations::Entity::update_many()
            .col_expr(
                invitations::Column::Status,
                Expr::value(InvitationStatus::Expired.as_str()),
            )
            .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
            .filter(invitations::Column::OrganizationId.eq(org.id.get()))
            .filter(invitations::Column::Email.eq(email.as_str()))
            .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str()))
            .filter(invitations::Column::ExpiresAt.lte(now));
        let rows = self.returning::<invitations::Entity, _>(rows).await?;
        rows.into_iter()
            .map(|r| invitation_from_row(r, org.clone()))
            .collect()
    }

    /// Rewrites up to `limit` pending invitations past their expiry to `expired`; answers those
    /// this call rewrote, as they are now. On PostgreSQL, a concurrent sweep waits on the rows
    /// this one changes and then finds them no longer pending: each is rewritten once.
    pub async fn expire_due(&self, now: DateTime<Utc>, limit: u64) -> Result<Vec<Invitation>> {
        let mut due = invitations::Entity::find()
            .select_only()
            .column(invitations::Column::Id)
            .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str()))
            .filter(invitations::Column::ExpiresAt.lte(now))
            .order_by_asc(invitations::Column::Id)
            .limit(limit);
        // Locked first, in id order, as the email worker locks invitations when it records
        // outcomes: the two cannot deadlock on PostgreSQL.
        if self.backend() == DbBackend::Postgres {
            due = due.lock_exclusive();
        }
        let due: Vec<Uuid> = self.values(due.build(self.backend())).await?;
        if due.is_empty() {
            return Ok(Vec::new());
        }
        let rows = invitations::Entity::update_many()
            .col_expr(
                invitations::Column::Status,
                Expr::value(InvitationStatus::Expired.as_str()),
            )
            .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
            .filter(invitations::Column::Id.is_in(due))
            .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str()))
            .filter(invitations::Column::ExpiresAt.lte(now));
        let rows = self.returning::<invitations::Entity, _>(rows).await?;
        self.with_organizations(rows).await
    }

    /// Moves the invitation `id` from live pending (not past its expiry) to `to` at `now`, by
    /// `by` (recorded for accept and revoke). Answers the invitation as it is after the
    /// statement and whether this call changed it.
    pub async fn finish_pending(
        &self,
        id: Uuid,
        to: InvitationStatus,
        by: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Result<(bool, Option<Invitation>)> {
        let when: SimpleExpr = Expr::value(Some(now));
        let who: SimpleExpr = Expr::value(by.map(UserId::get));
        let mut update = invitations::Entity::update_many()
            .col_expr(invitations::Column::Status, Expr::value(to.as_str()))
            .col_expr(invitations::Column::UpdatedAt, Expr::value(now));
        update = match to {
            InvitationStatus::Accepted => update
                .col_expr(invitations::Column::AcceptedAt, when)
                .col_expr(invitations::Column::AcceptedBy, who),
            InvitationStatus::Declined => update.col_expr(invitations::Column::DeclinedAt, when),
            InvitationStatus::Revoked => update
                .col_expr(invitations::Column::RevokedAt, when)
                .col_expr(invitations::Column::RevokedBy, who),
            InvitationStatus::Pending | InvitationStatus::Expired => update,
        };
        let update = update
            .filter(invitations::Column::Id.eq(id))
            .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str()))
            .filter(invitations::Column::ExpiresAt.gt(now))
            .build(self.backend());
        let changed = self.execute(update).await? == 1;
        let now_is = self.first(invitations::Entity::find_by_id(id)).await?;
        Ok((changed, self.with_organization(now_is).await?))
    }

    /// The user who accepted the invitation `id`, if it was accepted.
    pub async fn accepted_by(&self, id: Uuid) -> Result<Option<UserId>> {
        let by = invitations::Entity::find_by_id(id)
            .select_only()
            .column(invitations::Column::AcceptedBy)
            .build(self.backend());
        let by: Vec<Option<i64>> = self.values(by).await?;
        by.into_iter()
            .next()
            .flatten()
            .map(|u| UserId::parse(u).map_err(internal))
            .transpose()
    }

    /// Gives the invitation `id` of `org` a new token (by its hash), and a new expiry when
    /// `expires_at` is given. `revive`: a pending or expired invitation qualifies and becomes
    /// pending (resend); otherwise only a live pending one (a replay, which never revives).
    pub async fn rotate_token(
        &self,
        org: &Organization,
        id: Uuid,
        token_hash: &str,
        expires_at: Option<DateTime<Utc>>,
        revive: bool,
        now: DateTime<Utc>,
    ) -> Result<Option<Rotation>> {
        let mut update = invitations::Entity::update_many()
            .col_expr(invitations::Column::TokenHash, Expr::value(token_hash))
            .col_expr(invitations::Column::UpdatedAt, Expr::value(now))
            .filter(invitations::Column::Id.eq(id))
            .filter(invitations::Column::OrganizationId.eq(org.id.get()));
        if let Some(at) = expires_at {
            update = update.col_expr(invitations::Column::ExpiresAt, Expr::value(at));
        }
        update = if revive {
            update
                .col_expr(
                    invitations::Column::Status,
                    Expr::value(InvitationStatus::Pending.as_str()),
                )
                .filter(invitations::Column::Status.is_in([
                    InvitationStatus::Pending.as_str(),
                    InvitationStatus::Expired.as_str(),
                ]))
        } else {
            update
                .filter(invitations::Column::Status.eq(InvitationStatus::Pending.as_str()))
                .filter(invitations::Column::ExpiresAt.gt(now))
        };
        let changed = match self.execute(update.build(self.backend())).await {
            Ok(rows) => rows == 1,
            Err(e) if e.is_unique_violation() => return Ok(Some(Rotation::PendingElsewhere)),
            Err(e) => return Err(e.into()),
        };
        Ok(self.invitation(org, id).await?.map(|inv| {
            if changed {
                Rotation::Rotated(inv)
            } else {
                Rotation::Refused(inv)
            }
        }))
    }
}

/// Newest first: by creation, then by id.
fn newest_first(
    query: sea_orm::Select<invitations::Entity>,
) -> sea_orm::Select<invitations::Entity> {
    query
        .order_by_desc(invitations::Column::CreatedAt)
        .order_by_desc(invitations::Column::Id)
}

/// Invitations after `(at, id)` in newest-first order: the keyset condition of a next page.
/// The leading `created_at <= at` is what lets the database seek the `(organization_id,
/// created_at, id)` index to the cursor: with the disjunction alone, SQLite walked every newer
/// row first (a page from the middle of 1,000,000 invitations took 1.1 s; `cargo xtask bench
/// --scale`).
fn older_than(at: DateTime<Utc>, id: Uuid) -> Condition {
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

pub(crate) fn invitation_from_row(
    r: invitations::Model,
    organization: Organization,
) -> Result<Invitation> {
    let team_assignments: Vec<TeamAssignment> =
        serde_json::from_value(r.team_assignments).map_err(internal)?;
    Ok(Invitation {
        id: r.id,
        organization,
        email: Email::from_stored(r.email),
        role: stored_role(&r.role)?,
        team_assignments,
        permissions: r
            .permissions
            .map(serde_json::from_value)
            .transpose()
            .map_err(internal)?,
        status: InvitationStatus::parse(&r.status).map_err(internal)?,
        invited_by: UserId::parse(r.invited_by).map_err(internal)?,
        expires_at: r.expires_at,
        created_at: r.created_at,
        email_delivery: EmailDelivery {
            status: DeliveryStatus::parse(&r.email_status).map_err(internal)?,
            attempts: u32::try_from(r.email_attempts).unwrap_or(0),
            sent_at: r.email_sent_at,
            last_error: r.email_last_error,
        },
    })
}
