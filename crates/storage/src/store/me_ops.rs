//! What a caller sees of itself: its organizations and the invitations waiting for it.

use chrono::{DateTime, Utc};
use domain::{
    Email, InvitationStatus, OrganizationId, Result, UserId,
    model::{Invitation, Membership, Organization},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

use super::{
    Store, db_err, invitation_from_row, invitations_ops::older_than, membership_from_row,
    organization_from_row,
};
use crate::entities::{invitations, memberships, organizations};

impl Store {
    /// A page of the user's live memberships with their organizations, by organization id,
    /// after `after`; up to `limit + 1`.
    pub async fn organizations_of(
        &self,
        user: UserId,
        after: Option<OrganizationId>,
        limit: u64,
    ) -> Result<Vec<(Organization, Membership)>> {
        let mut query = memberships::Entity::find()
            .filter(memberships::Column::UserId.eq(user.get()))
            .filter(memberships::Column::DeletedAt.is_null());
        if let Some(after) = after {
            query = query.filter(memberships::Column::OrganizationId.gt(after.get()));
        }
        let rows = query
            .order_by_asc(memberships::Column::OrganizationId)
            .limit(limit + 1)
            .all(&self.read)
            .await
            .map_err(db_err)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.organization_id).collect();
        let mut orgs: HashMap<i64, organizations::Model> = organizations::Entity::find()
            .filter(organizations::Column::Id.is_in(ids))
            .all(&self.read)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(org) = orgs.remove(&row.organization_id) else {
                continue;
            };
            out.push((organization_from_row(org)?, membership_from_row(row)?));
        }
        Ok(out)
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
        let rows = query
            .order_by_desc(invitations::Column::CreatedAt)
            .order_by_desc(invitations::Column::Id)
            .limit(limit + 1)
            .all(&self.read)
            .await
            .map_err(db_err)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.organization_id).collect();
        let orgs: HashMap<i64, organizations::Model> = organizations::Entity::find()
            .filter(organizations::Column::Id.is_in(ids))
            .all(&self.read)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(org) = orgs.get(&row.organization_id).cloned() else {
                continue;
            };
            out.push(invitation_from_row(row, organization_from_row(org)?)?);
        }
        Ok(out)
    }
}
