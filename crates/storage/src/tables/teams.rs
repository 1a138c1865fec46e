//! Teams of an organization and their members. Deleting a team deletes its memberships.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{
    Error, OrganizationId, Result, TeamRole, UserId,
    model::{Team, TeamAssignment, TeamMember},
    names::TeamName,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Set,
    sea_query::{Expr, ExprTrait as _, OnConflict, Query},
};
use uuid::Uuid;

use super::{Db, Keyset};
use crate::{
    entities::{team_memberships, teams},
    store::internal,
};

impl<C: ConnectionTrait> Db<'_, C> {
    /// The team, when it is `org`'s.
    pub async fn team(&self, org: OrganizationId, team: Uuid) -> Result<Option<Team>> {
        self.team_row(org, team)
            .await?
            .map(team_from_row)
            .transpose()
    }

    /// The first of `ids` that is not one of `org`'s teams.
    pub async fn first_missing_team(
        &self,
        org: OrganizationId,
        ids: &[Uuid],
    ) -> Result<Option<Uuid>> {
        if ids.is_empty() {
            return Ok(None);
        }
        let found = teams::Entity::find()
            .select_only()
            .column(teams::Column::Id)
            .filter(teams::Column::OrganizationId.eq(org.get()))
            .filter(teams::Column::Id.is_in(ids.to_vec()))
            .build(self.backend());
        let found: Vec<Uuid> = self.values(found).await?;
        Ok(ids.iter().find(|id| !found.contains(id)).copied())
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
        let query = query
            .order_by_asc(teams::Column::CreatedAt)
            .order_by_asc(teams::Column::Id);
        self.page(query, limit, team_from_row).await
    }

    /// Stores a new team of `org`.
    pub async fn insert_team(
        &self,
        org: OrganizationId,
        name: &TeamName,
        now: DateTime<Utc>,
    ) -> Result<Team> {
        let row = teams::ActiveModel {
            id: Set(Uuid::new_v4()),
            organization_id: Set(org.get()),
            name: Set(name.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        };
        team_from_row(self.insert_row(row).await?)
    }

    /// Renames a team of `org`; `None` when `org` has no such team.
    pub async fn rename_team(
        &self,
        org: OrganizationId,
        team: Uuid,
        name: &TeamName,
        now: DateTime<Utc>,
    ) -> Result<Option<Team>> {
        let Some(row) = self.team_row(org, team).await? else {
            return Ok(None);
        };
        let mut row: teams::ActiveModel = row.into();
        row.name = Set(name.as_str().to_owned());
        row.updated_at = Set(now);
        team_from_row(self.update_row(row).await?).map(Some)
    }

    /// Deletes a team of `org` and its memberships; `None` when `org` has no such team, else
    /// the team as it was.
    pub async fn delete_team(&self, org: OrganizationId, team: Uuid) -> Result<Option<Team>> {
        let Some(row) = self.team_row(org, team).await? else {
            return Ok(None);
        };
        self.delete_with_children::<teams::Entity, team_memberships::Entity>(
            team,
            team_memberships::Column::TeamId,
        )
        .await?;
        team_from_row(row).map(Some)
    }

    async fn team_row(&self, org: OrganizationId, team: Uuid) -> Result<Option<teams::Model>> {
        self.row_of::<teams::Entity>(org, teams::Column::OrganizationId, team)
            .await
    }

    /// A page of a team's members by user id, after `after`; up to `limit + 1`.
    pub async fn team_members(
        &self,
        team: Uuid,
        after: Option<UserId>,
        limit: u64,
    ) -> Result<Vec<TeamMember>> {
        let query = team_memberships::Entity::find()
            .filter(team_memberships::Column::TeamId.eq(team))
            .ascending_after(team_memberships::Column::UserId, after.map(UserId::get));
        let rows = self.page(query, limit, Ok).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
        let mut profiles = self.profiles(&ids).await?;
        rows.into_iter()
            .map(|r| {
                let user = profiles.remove(&r.user_id).ok_or_else(|| {
                    Error::Internal(format!("team member {} without a profile", r.user_id))
                })?;
                Ok(TeamMember {
                    user,
                    role: stored_team_role(&r.role)?,
                })
            })
            .collect()
    }

    /// Puts `user` in `team` with `role`, or changes its role there (one statement).
    pub async fn set_team_member(
        &self,
        team: Uuid,
        user: UserId,
        role: TeamRole,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let upsert = Query::insert()
            .into_table(team_memberships::Entity)
            .columns([
                team_memberships::Column::TeamId,
                team_memberships::Column::UserId,
                team_memberships::Column::Role,
                team_memberships::Column::CreatedAt,
                team_memberships::Column::UpdatedAt,
            ])
            .values_panic([
                team.into(),
                user.get().into(),
                role.as_str().into(),
                now.into(),
                now.into(),
            ])
            .on_conflict(
                OnConflict::columns([
                    team_memberships::Column::TeamId,
                    team_memberships::Column::UserId,
                ])
                .update_columns([
                    team_memberships::Column::Role,
                    team_memberships::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .to_owned();
        self.execute(self.backend().build(&upsert)).await?;
        Ok(())
    }

    /// Takes `user` out of `team`; whether it was in it.
    pub async fn remove_team_member(&self, team: Uuid, user: UserId) -> Result<bool> {
        let deleted =
            team_memberships::Entity::delete_by_id((team, user.get())).build(self.backend());
        Ok(self.execute(deleted).await? > 0)
    }

    /// Takes `user` out of every team of `org`.
    pub async fn leave_teams(&self, org: OrganizationId, user: UserId) -> Result<()> {
        let org_teams = Query::select()
            .column(teams::Column::Id)
            .from(teams::Entity)
            .and_where(Expr::col(teams::Column::OrganizationId).eq(org.get()))
            .to_owned();
        let left = team_memberships::Entity::delete_many()
            .filter(team_memberships::Column::UserId.eq(user.get()))
            .filter(team_memberships::Column::TeamId.in_subquery(org_teams))
            .build(self.backend());
        self.execute(left).await?;
        Ok(())
    }

    /// The teams in `org` of each of `users`, sorted by team id.
    pub(crate) async fn teams_of_users(
        &self,
        org: OrganizationId,
        users: &[i64],
    ) -> Result<HashMap<i64, Vec<TeamAssignment>>> {
        let org_teams = Query::select()
            .column(teams::Column::Id)
            .from(teams::Entity)
            .and_where(Expr::col(teams::Column::OrganizationId).eq(org.get()))
            .to_owned();
        let rows = self
            .rows(
                team_memberships::Entity::find()
                    .filter(team_memberships::Column::UserId.is_in(users.to_vec()))
                    .filter(team_memberships::Column::TeamId.in_subquery(org_teams)),
            )
            .await?;
        let mut out: HashMap<i64, Vec<TeamAssignment>> = HashMap::new();
        for r in rows {
            out.entry(r.user_id).or_default().push(TeamAssignment {
                team_id: r.team_id,
                role: stored_team_role(&r.role)?,
            });
        }
        out.values_mut().for_each(|v| v.sort_by_key(|t| t.team_id));
        Ok(out)
    }
}

fn stored_team_role(s: &str) -> Result<TeamRole> {
    TeamRole::parse(s).map_err(|_| Error::Internal(format!("stored team role {s:?} is unknown")))
}

fn team_from_row(r: teams::Model) -> Result<Team> {
    Ok(Team {
        id: r.id,
        organization_id: OrganizationId::parse(r.organization_id).map_err(internal)?,
        name: r.name,
        created_at: r.created_at,
    })
}
