//! Members of an organization: the list, role and permission changes, removal (and leaving).
//! An organization keeps at least one live administrator: a change that would leave none is a
//! 409, checked inside the same transaction as the change.

use std::collections::HashMap;

use domain::{
    Error, OrganizationId, Permissions, Result, Role, RoleChange, Scope, UserId,
    model::{Context, Member, Membership, TeamAssignment},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use super::{
    Store, audit, db_err, internal, invitations_ops::member_in, live_membership_row,
    lock_organization, membership_from_row, user_from_row,
};
use crate::entities::{memberships, team_memberships, teams, users};

impl Store {
    /// A page of the organization's live members by user id, after `after`; up to `limit + 1`
    /// (one more than a page says whether another follows).
    pub async fn members(
        &self,
        org: OrganizationId,
        after: Option<UserId>,
        limit: u64,
    ) -> Result<Vec<Member>> {
        let mut query = memberships::Entity::find()
            .filter(memberships::Column::OrganizationId.eq(org.get()))
            .filter(memberships::Column::DeletedAt.is_null());
        if let Some(after) = after {
            query = query.filter(memberships::Column::UserId.gt(after.get()));
        }
        let rows = query
            .order_by_asc(memberships::Column::UserId)
            .limit(limit + 1)
            .all(&self.read)
            .await
            .map_err(db_err)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
        let mut profiles: HashMap<i64, users::Model> = users::Entity::find()
            .filter(users::Column::Id.is_in(ids.clone()))
            .all(&self.read)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let mut teams_of = teams_of_users(&self.read, org, &ids).await?;
        let mut members = Vec::with_capacity(rows.len());
        for row in rows {
            let user = profiles.remove(&row.user_id).ok_or_else(|| {
                Error::Internal(format!(
                    "membership of user {} without a profile",
                    row.user_id
                ))
            })?;
            let teams = teams_of.remove(&row.user_id).unwrap_or_default();
            members.push(Member {
                user: user_from_row(user)?,
                membership: membership_from_row(row)?,
                teams,
            });
        }
        Ok(members)
    }

    /// Changes a live member's role (outright, or by scope) and/or permissions. `authorize` sees
    /// the member as it is,
    /// inside the transaction, before anything changes. 404 when not a member; 409 when it would
    /// leave the organization without a live administrator.
    pub async fn update_member(
        &self,
        org: OrganizationId,
        target: UserId,
        change: Option<RoleChange>,
        permissions: Option<&Permissions>,
        authorize: impl FnOnce(&Membership) -> Result<()>,
        ctx: &Context,
    ) -> Result<Member> {
        let txn = self.write.begin().await.map_err(db_err)?;
        lock_organization(&txn, org).await?;
        let row = live_membership_row(&txn, target, org)
            .await?
            .ok_or_else(|| not_a_member(target))?;
        let current = membership_from_row(row.clone())?;
        authorize(&current)?;
        if change.is_none() && permissions.is_none() {
            // An empty change: nothing to write or audit.
            return member_in(&txn, target, org)
                .await?
                .ok_or_else(|| not_a_member(target));
        }
        let role = change.map(|c| c.apply(Some(current.role)));
        if current.role == Role::Administrator && role.is_some_and(|r| r != Role::Administrator) {
            ensure_another_administrator(&txn, org, target).await?;
        }
        let mut m: memberships::ActiveModel = row.into();
        if let Some(role) = role {
            m.role = Set(role.as_str().to_owned());
        }
        if let Some(p) = permissions {
            m.permissions = Set(serde_json::to_value(p).map_err(internal)?);
        }
        m.updated_at = Set(ctx.now);
        m.update(&txn).await.map_err(db_err)?;
        audit(
            &txn,
            ctx,
            Some(org),
            "membership.updated",
            format!("user:{target}"),
        )
        .await?;
        let member = member_in(&txn, target, org)
            .await?
            .ok_or_else(|| not_a_member(target))?;
        txn.commit().await.map_err(db_err)?;
        Ok(member)
    }

    /// Removes a live member (a soft delete; the membership can be restored) and its team
    /// memberships in the organization. `authorize` sees the member first. 404 when not a
    /// member; 409 for the last live administrator.
    pub async fn remove_member(
        &self,
        org: OrganizationId,
        target: UserId,
        authorize: impl FnOnce(&Membership) -> Result<()>,
        ctx: &Context,
    ) -> Result<Membership> {
        let txn = self.write.begin().await.map_err(db_err)?;
        lock_organization(&txn, org).await?;
        let row = live_membership_row(&txn, target, org)
            .await?
            .ok_or_else(|| not_a_member(target))?;
        let current = membership_from_row(row.clone())?;
        authorize(&current)?;
        if current.role == Role::Administrator {
            ensure_another_administrator(&txn, org, target).await?;
        }
        let mut m: memberships::ActiveModel = row.into();
        m.deleted_at = Set(Some(ctx.now));
        m.updated_at = Set(ctx.now);
        let removed = membership_from_row(m.update(&txn).await.map_err(db_err)?)?;
        let team_ids = org_team_ids(&txn, org).await?;
        team_memberships::Entity::delete_many()
            .filter(team_memberships::Column::UserId.eq(target.get()))
            .filter(team_memberships::Column::TeamId.is_in(team_ids))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        audit(
            &txn,
            ctx,
            Some(org),
            "membership.deleted",
            format!("user:{target}"),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(removed)
    }
}

impl Store {
    /// A page of the organization's memberships (`users-organizations/v1`), by membership, after
    /// the position `after`; up to `limit + 1`, each with its position for the next cursor.
    /// `scope` keeps administrators (1) or everyone else (2); deleted memberships only when asked.
    pub async fn memberships(
        &self,
        org: OrganizationId,
        scope: Option<Scope>,
        include_deleted: bool,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<(i64, Membership)>> {
        let mut query =
            memberships::Entity::find().filter(memberships::Column::OrganizationId.eq(org.get()));
        if !include_deleted {
            query = query.filter(memberships::Column::DeletedAt.is_null());
        }
        match scope {
            Some(Scope::Administrator) => {
                query = query.filter(memberships::Column::Role.eq(Role::Administrator.as_str()))
            }
            Some(Scope::Standard) => {
                query = query.filter(memberships::Column::Role.ne(Role::Administrator.as_str()))
            }
            None => {}
        }
        if let Some(after) = after {
            query = query.filter(memberships::Column::Id.gt(after));
        }
        let rows = query
            .order_by_asc(memberships::Column::Id)
            .limit(limit + 1)
            .all(&self.read)
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|r| Ok((r.id, membership_from_row(r)?)))
            .collect()
    }

    /// Restores the user's most recently deleted membership of `org`, as it was. `authorize` sees
    /// it first. 409 when the user is a live member; 404 when there is nothing to restore.
    pub async fn restore_membership(
        &self,
        org: OrganizationId,
        user: UserId,
        authorize: impl FnOnce(&Membership) -> Result<()>,
        ctx: &Context,
    ) -> Result<Membership> {
        let txn = self.write.begin().await.map_err(db_err)?;
        if live_membership_row(&txn, user, org).await?.is_some() {
            return Err(Error::Conflict(format!(
                "user {user} is already a member of this organization"
            )));
        }
        let row = memberships::Entity::find()
            .filter(memberships::Column::UserId.eq(user.get()))
            .filter(memberships::Column::OrganizationId.eq(org.get()))
            .filter(memberships::Column::DeletedAt.is_not_null())
            .order_by_desc(memberships::Column::DeletedAt)
            .one(&txn)
            .await
            .map_err(db_err)?
            .ok_or_else(|| {
                Error::NotFound(format!("user {user} has no deleted membership to restore"))
            })?;
        authorize(&membership_from_row(row.clone())?)?;
        let mut m: memberships::ActiveModel = row.into();
        m.deleted_at = Set(None);
        m.updated_at = Set(ctx.now);
        let restored = membership_from_row(m.update(&txn).await.map_err(db_err)?)?;
        audit(
            &txn,
            ctx,
            Some(org),
            "membership.restored",
            format!("user:{user}"),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(restored)
    }
}

fn not_a_member(user: UserId) -> Error {
    Error::NotFound(format!("user {user} is not a member of this organization"))
}

/// 409 unless a live administrator other than `leaving` remains.
async fn ensure_another_administrator(
    db: &impl ConnectionTrait,
    org: OrganizationId,
    leaving: UserId,
) -> Result<()> {
    let others = memberships::Entity::find()
        .filter(memberships::Column::OrganizationId.eq(org.get()))
        .filter(memberships::Column::Role.eq(Role::Administrator.as_str()))
        .filter(memberships::Column::DeletedAt.is_null())
        .filter(memberships::Column::UserId.ne(leaving.get()))
        .count(db)
        .await
        .map_err(db_err)?;
    if others == 0 {
        return Err(Error::Conflict(
            "an organization keeps at least one administrator: make another member an administrator first".into(),
        ));
    }
    Ok(())
}

async fn org_team_ids(db: &impl ConnectionTrait, org: OrganizationId) -> Result<Vec<Uuid>> {
    Ok(teams::Entity::find()
        .filter(teams::Column::OrganizationId.eq(org.get()))
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|t| t.id)
        .collect())
}

/// The teams in `org` of each of `users`, sorted by team id.
pub(super) async fn teams_of_users(
    db: &impl ConnectionTrait,
    org: OrganizationId,
    users: &[i64],
) -> Result<HashMap<i64, Vec<TeamAssignment>>> {
    let team_ids = org_team_ids(db, org).await?;
    let rows = team_memberships::Entity::find()
        .filter(team_memberships::Column::UserId.is_in(users.to_vec()))
        .filter(team_memberships::Column::TeamId.is_in(team_ids))
        .all(db)
        .await
        .map_err(db_err)?;
    let mut out: HashMap<i64, Vec<TeamAssignment>> = HashMap::new();
    for r in rows {
        let role = serde_json::from_value(serde_json::Value::String(r.role)).map_err(internal)?;
        out.entry(r.user_id).or_default().push(TeamAssignment {
            team_id: r.team_id,
            role,
        });
    }
    out.values_mut().for_each(|v| v.sort_by_key(|t| t.team_id));
    Ok(out)
}
