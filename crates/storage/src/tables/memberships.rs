//! Memberships (a soft delete keeps a row with `deleted_at`), and members: a live membership
//! with its profile and its teams in the organization. Membership rows are numbered by an
//! integer position (their id), which the `users-organizations/v1` lists page by.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{
    Error, OrganizationId, Permissions, Result, Role, Scope, UserId,
    model::{Member, Membership, Organization},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select, Set,
    sea_query::{Expr, ExprTrait as _},
};

use super::{Db, Failed, Keyset, organizations::organization_from_row};
use crate::{
    entities::{memberships, organizations},
    store::internal,
};

impl<C: ConnectionTrait> Db<'_, C> {
    /// The user's live (not deleted) membership of the organization, if any.
    pub async fn live_membership(
        &self,
        user: UserId,
        org: OrganizationId,
    ) -> Result<Option<Membership>> {
        self.live_row(user, org)
            .await?
            .map(membership_from_row)
            .transpose()
    }

    async fn live_row(
        &self,
        user: UserId,
        org: OrganizationId,
    ) -> Result<Option<memberships::Model>> {
        self.first(
            memberships::Entity::find()
                .filter(memberships::Column::UserId.eq(user.get()))
                .filter(memberships::Column::OrganizationId.eq(org.get()))
                .filter(memberships::Column::DeletedAt.is_null()),
        )
        .await
    }

    /// The user's membership of the organization that counts now: the live one if there is
    /// one, else the most recently deleted one, with its position. One statement.
    pub async fn newest_membership(
        &self,
        user: UserId,
        org: OrganizationId,
    ) -> Result<Option<(i64, Membership)>> {
        let query = memberships::Entity::find()
            .order_by_desc(Expr::col(memberships::Column::DeletedAt).is_null());
        self.newest_of(query, user, org).await
    }

    /// Stores a live membership; the unique live-membership index turns a race into a 409.
    pub async fn insert_membership(
        &self,
        user: UserId,
        org: OrganizationId,
        role: Role,
        permissions: &Permissions,
        now: DateTime<Utc>,
    ) -> Result<Membership> {
        let row = memberships::ActiveModel {
            user_id: Set(user.get()),
            organization_id: Set(org.get()),
            role: Set(role.as_str().to_owned()),
            permissions: Set(serde_json::to_value(permissions).map_err(internal)?),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
            ..Default::default()
        };
        let row = self
            .insert_row(row)
            .await
            .map_err(|e| unique_live(e, user, org))?;
        membership_from_row(row)
    }

    /// Makes the deleted membership at `position` live again, with `role` and `permissions`
    /// (`None`: as it was). 409 when the user became a live member meanwhile.
    pub async fn reinstate_membership(
        &self,
        position: i64,
        role: Option<Role>,
        permissions: Option<&Permissions>,
        now: DateTime<Utc>,
    ) -> Result<Membership> {
        let row = self
            .first(memberships::Entity::find_by_id(position))
            .await?
            .ok_or_else(|| Error::Internal(format!("membership {position} vanished")))?;
        let (user, org) = (row.user_id, row.organization_id);
        let mut m: memberships::ActiveModel = row.into();
        grant(&mut m, role, permissions)?;
        m.updated_at = Set(now);
        m.deleted_at = Set(None);
        let row = self.update_row(m).await.map_err(|e| {
            match (UserId::parse(user), OrganizationId::parse(org)) {
                (Ok(u), Ok(o)) => unique_live(e, u, o),
                _ => e.into(),
            }
        })?;
        membership_from_row(row)
    }

    /// Changes a live membership's role and/or permissions; `None` when there is none.
    pub async fn update_membership(
        &self,
        user: UserId,
        org: OrganizationId,
        role: Option<Role>,
        permissions: Option<&Permissions>,
        now: DateTime<Utc>,
    ) -> Result<Option<Membership>> {
        self.change_live(user, org, now, |m| grant(m, role, permissions))
            .await
    }

    /// Soft-deletes a live membership; `None` when there is none.
    pub async fn delete_membership(
        &self,
        user: UserId,
        org: OrganizationId,
        now: DateTime<Utc>,
    ) -> Result<Option<Membership>> {
        self.change_live(user, org, now, |m| {
            m.deleted_at = Set(Some(now));
            Ok(())
        })
        .await
    }

    /// Changes the live membership of `user` in `org` by `edit`, updated at `now`; `None` when
    /// there is none.
    async fn change_live(
        &self,
        user: UserId,
        org: OrganizationId,
        now: DateTime<Utc>,
        edit: impl FnOnce(&mut memberships::ActiveModel) -> Result<()>,
    ) -> Result<Option<Membership>> {
        let Some(row) = self.live_row(user, org).await? else {
            return Ok(None);
        };
        let mut m: memberships::ActiveModel = row.into();
        edit(&mut m)?;
        m.updated_at = Set(now);
        let row = self.update_row(m).await?;
        membership_from_row(row).map(Some)
    }

    /// The live administrators of `org` other than `except`.
    pub async fn count_other_administrators(
        &self,
        org: OrganizationId,
        except: UserId,
    ) -> Result<u64> {
        self.count(
            memberships::Entity::find()
                .filter(memberships::Column::OrganizationId.eq(org.get()))
                .filter(memberships::Column::Role.eq(Role::Administrator.as_str()))
                .filter(memberships::Column::DeletedAt.is_null())
                .filter(memberships::Column::UserId.ne(except.get())),
        )
        .await
    }

    /// A page of the organization's memberships (`users-organizations/v1`), by position, after
    /// `after`; up to `limit + 1`, each with its position. `scope` keeps administrators (1) or
    /// everyone else (2); deleted memberships only when asked.
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
        let administrator = Role::Administrator.as_str();
        query = match scope {
            Some(Scope::Administrator) => query.filter(memberships::Column::Role.eq(administrator)),
            Some(Scope::Standard) => query.filter(memberships::Column::Role.ne(administrator)),
            None => query,
        };
        self.positioned(query, after, limit).await
    }

    /// A page of `query`'s memberships by position, after `after`; up to `limit + 1`.
    async fn positioned(
        &self,
        query: sea_orm::Select<memberships::Entity>,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<(i64, Membership)>> {
        let query = query.ascending_after(memberships::Column::Id, after);
        self.page(query, limit, |r| Ok((r.id, membership_from_row(r)?)))
            .await
    }

    /// The user's most recently deleted membership of `org`, with its position.
    pub async fn newest_deleted_membership(
        &self,
        user: UserId,
        org: OrganizationId,
    ) -> Result<Option<(i64, Membership)>> {
        let query =
            memberships::Entity::find().filter(memberships::Column::DeletedAt.is_not_null());
        self.newest_of(query, user, org).await
    }

    /// The first membership of `user` in `org` that `query` finds, the most recently deleted
    /// first after `query`'s own order, with its position.
    async fn newest_of(
        &self,
        query: Select<memberships::Entity>,
        user: UserId,
        org: OrganizationId,
    ) -> Result<Option<(i64, Membership)>> {
        let query = query
            .filter(memberships::Column::UserId.eq(user.get()))
            .filter(memberships::Column::OrganizationId.eq(org.get()))
            .order_by_desc(memberships::Column::DeletedAt);
        self.first(query)
            .await?
            .map(|r| Ok((r.id, membership_from_row(r)?)))
            .transpose()
    }

    /// A page of one user's memberships, deleted ones included, by position, after `after`; up
    /// to `limit + 1`, each with its position.
    pub async fn memberships_of_user(
        &self,
        user: UserId,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<(i64, Membership)>> {
        let query = memberships::Entity::find().filter(memberships::Column::UserId.eq(user.get()));
        self.positioned(query, after, limit).await
    }

    /// A live member with its profile and its teams in the organization.
    pub async fn member(&self, user: UserId, org: OrganizationId) -> Result<Option<Member>> {
        let Some(row) = self.live_row(user, org).await? else {
            return Ok(None);
        };
        let membership = membership_from_row(row)?;
        let profile = self.user(user).await?.ok_or_else(|| {
            Error::Internal(format!("membership of user {user} without a profile"))
        })?;
        let teams = self
            .teams_of_users(org, &[user.get()])
            .await?
            .remove(&user.get())
            .unwrap_or_default();
        Ok(Some(Member {
            user: profile,
            membership,
            teams,
        }))
    }

    /// A page of the organization's live members by user id, after `after`; up to `limit + 1`.
    pub async fn members(
        &self,
        org: OrganizationId,
        after: Option<UserId>,
        limit: u64,
    ) -> Result<Vec<Member>> {
        let query = memberships::Entity::find()
            .filter(memberships::Column::OrganizationId.eq(org.get()))
            .filter(memberships::Column::DeletedAt.is_null())
            .ascending_after(memberships::Column::UserId, after.map(UserId::get));
        let rows = self.page(query, limit, Ok).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
        let mut profiles = self.profiles(&ids).await?;
        let mut teams_of = self.teams_of_users(org, &ids).await?;
        rows.into_iter()
            .map(|row| {
                let user = profiles.remove(&row.user_id).ok_or_else(|| {
                    Error::Internal(format!(
                        "membership of user {} without a profile",
                        row.user_id
                    ))
                })?;
                Ok(Member {
                    teams: teams_of.remove(&row.user_id).unwrap_or_default(),
                    user,
                    membership: membership_from_row(row)?,
                })
            })
            .collect()
    }

    /// A page of the user's live memberships with their organizations, by organization id,
    /// after `after`; up to `limit + 1`.
    pub async fn organizations_of(
        &self,
        user: UserId,
        after: Option<OrganizationId>,
        limit: u64,
    ) -> Result<Vec<(Organization, Membership)>> {
        let query = memberships::Entity::find()
            .filter(memberships::Column::UserId.eq(user.get()))
            .filter(memberships::Column::DeletedAt.is_null())
            .ascending_after(
                memberships::Column::OrganizationId,
                after.map(OrganizationId::get),
            );
        let rows = self.page(query, limit, Ok).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.organization_id).collect();
        let mut orgs: HashMap<i64, organizations::Model> = self
            .rows(organizations::Entity::find().filter(organizations::Column::Id.is_in(ids)))
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
        rows.into_iter()
            .filter_map(|row| Some((orgs.remove(&row.organization_id)?, row)))
            .map(|(org, row)| Ok((organization_from_row(org)?, membership_from_row(row)?)))
            .collect()
    }
}

/// Sets a membership's role and/or permissions, where given.
fn grant(
    m: &mut memberships::ActiveModel,
    role: Option<Role>,
    permissions: Option<&Permissions>,
) -> Result<()> {
    if let Some(role) = role {
        m.role = Set(role.as_str().to_owned());
    }
    if let Some(p) = permissions {
        m.permissions = Set(serde_json::to_value(p).map_err(internal)?);
    }
    Ok(())
}

fn unique_live(e: Failed, user: UserId, org: OrganizationId) -> Error {
    if e.is_unique_violation() {
        Error::AlreadyMember(format!(
            "user {user} is already a member of organization {org}"
        ))
    } else {
        e.into()
    }
}

pub(crate) fn membership_from_row(r: memberships::Model) -> Result<Membership> {
    Ok(Membership {
        user_id: UserId::parse(r.user_id).map_err(internal)?,
        organization_id: OrganizationId::parse(r.organization_id).map_err(internal)?,
        role: stored_role(&r.role)?,
        permissions: serde_json::from_value(r.permissions).map_err(internal)?,
        created_at: r.created_at,
        updated_at: r.updated_at,
        deleted_at: r.deleted_at,
    })
}

pub(crate) fn stored_role(s: &str) -> Result<Role> {
    Role::parse(s).map_err(|_| Error::Internal(format!("stored role {s:?} is unknown")))
}
