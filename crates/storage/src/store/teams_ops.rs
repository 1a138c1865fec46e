//! Teams of an organization and their members. A team belongs to one organization; only live
//! members of that organization join it. Deleting a team deletes its memberships (cascade).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{
    Error, OrganizationId, Result, TeamRole, UserId,
    model::{Context, Team, TeamMember},
    names::TeamName,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use uuid::Uuid;

use super::{Store, audit, db_err, internal, live_membership_row, user_from_row};
use crate::entities::{team_memberships, teams, users};

impl Store {
    /// Creates a team in `org`.
    pub async fn create_team(
        &self,
        org: OrganizationId,
        name: &TeamName,
        ctx: &Context,
    ) -> Result<Team> {
        let txn = self.write.begin().await.map_err(db_err)?;
        let row = teams::ActiveModel {
            id: Set(Uuid::new_v4()),
            organization_id: Set(org.get()),
            name: Set(name.as_str().to_owned()),
            created_at: Set(ctx.now),
            updated_at: Set(ctx.now),
        }
        .insert(&txn)
        .await
        .map_err(db_err)?;
        audit(
            &txn,
            ctx,
            Some(org),
            "team.created",
            format!("team:{}", row.id),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        team_from_row(row)
    }

    /// A page of the organization's teams, oldest first, after `(createdAt, id)`; up to
    /// `limit + 1`.
    pub async fn teams(
        &self,
        org: OrganizationId,
        after: Option<(DateTime<Utc>, Uuid)>,
        limit: u64,
    ) -> Result<Vec<Team>> {
        let mut query = teams::Entity::find().filter(teams::Column::OrganizationId.eq(org.get()));
        if let Some((at, id)) = after {
            query = query.filter(
                Condition::any().add(teams::Column::CreatedAt.gt(at)).add(
                    Condition::all()
                        .add(teams::Column::CreatedAt.eq(at))
                        .add(teams::Column::Id.gt(id)),
                ),
            );
        }
        let rows = query
            .order_by_asc(teams::Column::CreatedAt)
            .order_by_asc(teams::Column::Id)
            .limit(limit + 1)
            .all(&self.read)
            .await
            .map_err(db_err)?;
        rows.into_iter().map(team_from_row).collect()
    }

    /// Renames a team of `org`; 404 when `org` has no such team.
    pub async fn rename_team(
        &self,
        org: OrganizationId,
        team: Uuid,
        name: &TeamName,
        ctx: &Context,
    ) -> Result<Team> {
        let txn = self.write.begin().await.map_err(db_err)?;
        let mut row: teams::ActiveModel = team_row(&txn, org, team).await?.into();
        row.name = Set(name.as_str().to_owned());
        row.updated_at = Set(ctx.now);
        let row = row.update(&txn).await.map_err(db_err)?;
        audit(&txn, ctx, Some(org), "team.renamed", format!("team:{team}")).await?;
        txn.commit().await.map_err(db_err)?;
        team_from_row(row)
    }

    /// Deletes a team of `org` and its memberships; 404 when `org` has no such team.
    pub async fn delete_team(&self, org: OrganizationId, team: Uuid, ctx: &Context) -> Result<()> {
        let txn = self.write.begin().await.map_err(db_err)?;
        team_row(&txn, org, team).await?;
        team_memberships::Entity::delete_many()
            .filter(team_memberships::Column::TeamId.eq(team))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        teams::Entity::delete_by_id(team)
            .exec(&txn)
            .await
            .map_err(db_err)?;
        audit(&txn, ctx, Some(org), "team.deleted", format!("team:{team}")).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(())
    }

    /// A page of a team's members by user id, after `after`; up to `limit + 1`. 404 when `org`
    /// has no such team.
    pub async fn team_members(
        &self,
        org: OrganizationId,
        team: Uuid,
        after: Option<UserId>,
        limit: u64,
    ) -> Result<Vec<TeamMember>> {
        team_row(&self.read, org, team).await?;
        let mut query =
            team_memberships::Entity::find().filter(team_memberships::Column::TeamId.eq(team));
        if let Some(after) = after {
            query = query.filter(team_memberships::Column::UserId.gt(after.get()));
        }
        let rows = query
            .order_by_asc(team_memberships::Column::UserId)
            .limit(limit + 1)
            .all(&self.read)
            .await
            .map_err(db_err)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
        let mut profiles: HashMap<i64, users::Model> = users::Entity::find()
            .filter(users::Column::Id.is_in(ids))
            .all(&self.read)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let user = profiles.remove(&r.user_id).ok_or_else(|| {
                Error::Internal(format!("team member {} without a profile", r.user_id))
            })?;
            out.push(TeamMember {
                user: user_from_row(user)?,
                role: team_role(&r.role)?,
            });
        }
        Ok(out)
    }

    /// Adds a live member of `org` to the team with `role`, or changes its role there. 404 for a
    /// team `org` does not have or a user who is not its live member.
    pub async fn put_team_member(
        &self,
        org: OrganizationId,
        team: Uuid,
        user: UserId,
        role: TeamRole,
        ctx: &Context,
    ) -> Result<TeamMember> {
        let txn = self.write.begin().await.map_err(db_err)?;
        team_row(&txn, org, team).await?;
        if live_membership_row(&txn, user, org).await?.is_none() {
            return Err(Error::NotFound(format!(
                "user {user} is not a member of this organization"
            )));
        }
        let role_text = serde_json::to_value(role)
            .map_err(internal)?
            .as_str()
            .unwrap_or_default()
            .to_owned();
        match team_memberships::Entity::find_by_id((team, user.get()))
            .one(&txn)
            .await
            .map_err(db_err)?
        {
            Some(row) => {
                let mut m: team_memberships::ActiveModel = row.into();
                m.role = Set(role_text);
                m.updated_at = Set(ctx.now);
                m.update(&txn).await.map_err(db_err)?;
            }
            None => {
                team_memberships::ActiveModel {
                    team_id: Set(team),
                    user_id: Set(user.get()),
                    role: Set(role_text),
                    created_at: Set(ctx.now),
                    updated_at: Set(ctx.now),
                }
                .insert(&txn)
                .await
                .map_err(db_err)?;
            }
        }
        audit(
            &txn,
            ctx,
            Some(org),
            "team_membership.set",
            format!("team:{team}/user:{user}"),
        )
        .await?;
        let profile = users::Entity::find_by_id(user.get())
            .one(&txn)
            .await
            .map_err(db_err)?
            .ok_or_else(|| Error::Internal(format!("member {user} without a profile")))?;
        txn.commit().await.map_err(db_err)?;
        Ok(TeamMember {
            user: user_from_row(profile)?,
            role,
        })
    }

    /// Removes a user from a team; 404 when `org` has no such team or the user is not in it.
    pub async fn remove_team_member(
        &self,
        org: OrganizationId,
        team: Uuid,
        user: UserId,
        ctx: &Context,
    ) -> Result<()> {
        let txn = self.write.begin().await.map_err(db_err)?;
        team_row(&txn, org, team).await?;
        let deleted = team_memberships::Entity::delete_by_id((team, user.get()))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if deleted.rows_affected == 0 {
            return Err(Error::NotFound(format!(
                "user {user} is not in team {team}"
            )));
        }
        audit(
            &txn,
            ctx,
            Some(org),
            "team_membership.deleted",
            format!("team:{team}/user:{user}"),
        )
        .await?;
        txn.commit().await.map_err(db_err)?;
        Ok(())
    }
}

/// The team, when it is `org`'s; 404 otherwise.
async fn team_row(
    db: &impl ConnectionTrait,
    org: OrganizationId,
    team: Uuid,
) -> Result<teams::Model> {
    teams::Entity::find_by_id(team)
        .filter(teams::Column::OrganizationId.eq(org.get()))
        .one(db)
        .await
        .map_err(db_err)?
        .ok_or_else(|| Error::NotFound(format!("no team {team} in this organization")))
}

fn team_role(s: &str) -> Result<TeamRole> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| Error::Internal(format!("stored team role {s:?} is unknown")))
}

fn team_from_row(r: teams::Model) -> Result<Team> {
    Ok(Team {
        id: r.id,
        organization_id: OrganizationId::parse(r.organization_id)?,
        name: r.name,
        created_at: r.created_at,
    })
}
