//! Teams of an organization and their members. Members read; administrators and managers
//! change. A team of another organization is not found.

use domain::{
    Error, EventType, Result, TeamRole, UserId,
    model::{Context, Organization, Team},
    names::TeamName,
};
use storage::Tx;
use uuid::Uuid;
use wire::Page;

use crate::{Answer, App, Caller, KeyedRequest, PageRequest, events::record};

/// A team member's event snapshot: which team, who, with which role.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct TeamMembership {
    team_id: Uuid,
    #[serde(flatten)]
    member: wire::TeamMember,
}

impl App {
    /// `POST /organization/{id}/teams` (administrators and managers).
    pub async fn team_create(
        &self,
        caller: &Caller,
        org: Uuid,
        name: TeamName,
        key: Option<KeyedRequest>,
    ) -> Result<Answer<wire::Team>> {
        let (org, _) = self.managed_by(caller, org).await?;
        self.write_keyed(caller, key, move |tx, ctx| {
            Box::pin(async move {
                let team = tx.insert_team(org.id, &name, ctx.now).await?;
                let body = team_recorded(tx, &ctx, EventType::TeamCreated, &org, &team).await?;
                Ok(Answer::created(body))
            })
        })
        .await
    }

    /// `GET /organization/{id}/teams`: oldest first (any member).
    pub async fn team_list(
        &self,
        caller: &Caller,
        org: Uuid,
        page: PageRequest,
    ) -> Result<Page<wire::Team>> {
        let (org, _) = self.membership_of(caller, org).await?;
        let db = self.store().read();
        self.list(
            &page,
            |after, limit| db.teams(org.id, after, limit),
            |t| (t.created_at, t.id),
            |t| wire::Team::from(&t),
        )
        .await
    }

    /// `PATCH /organization/{id}/teams/{teamId}`: rename (administrators and managers).
    pub async fn team_update(
        &self,
        caller: &Caller,
        org: Uuid,
        team: Uuid,
        name: TeamName,
    ) -> Result<wire::Team> {
        let (org, _) = self.managed_by(caller, org).await?;
        self.write(caller, move |tx, ctx| {
            Box::pin(async move {
                let renamed = tx
                    .rename_team(org.id, team, &name, ctx.now)
                    .await?
                    .ok_or_else(|| no_team(team))?;
                team_recorded(tx, &ctx, EventType::TeamRenamed, &org, &renamed).await
            })
        })
        .await
    }

    /// `DELETE /organization/{id}/teams/{teamId}`: the team and its memberships.
    pub async fn team_delete(&self, caller: &Caller, org: Uuid, team: Uuid) -> Result<()> {
        let (org, _) = self.managed_by(caller, org).await?;
        self.write(caller, move |tx, ctx| {
            Box::pin(async move {
                let deleted = tx
                    .delete_team(org.id, team)
                    .await?
                    .ok_or_else(|| no_team(team))?;
                team_recorded(tx, &ctx, EventType::TeamDeleted, &org, &deleted).await?;
                Ok(())
            })
        })
        .await
    }

    /// `GET /organization/{id}/teams/{teamId}/members`: by user id (any member).
    pub async fn team_member_list(
        &self,
        caller: &Caller,
        org: Uuid,
        team: Uuid,
        page: PageRequest,
    ) -> Result<Page<wire::TeamMember>> {
        let (org, _) = self.membership_of(caller, org).await?;
        let db = self.store().read();
        self.list(
            &page,
            |after, limit| async move {
                db.team(org.id, team).await?.ok_or_else(|| no_team(team))?;
                db.team_members(team, after, limit).await
            },
            |m| m.user.id,
            |m| wire::TeamMember::from(&m),
        )
        .await
    }

    /// `PUT /organization/{id}/teams/{teamId}/members/{userId}`: a live member of the
    /// organization put in the team with `role`, or its role there changed.
    pub async fn team_member_put(
        &self,
        caller: &Caller,
        org: Uuid,
        team: Uuid,
        user: UserId,
        role: TeamRole,
    ) -> Result<wire::TeamMember> {
        let (org, _) = self.managed_by(caller, org).await?;
        self.write(caller, move |tx, ctx| {
            Box::pin(async move {
                tx.team(org.id, team).await?.ok_or_else(|| no_team(team))?;
                if tx.live_membership(user, org.id).await?.is_none() {
                    return Err(Error::NotFound(format!(
                        "user {user} is not a member of this organization"
                    )));
                }
                tx.set_team_member(team, user, role, ctx.now).await?;
                let profile = tx
                    .user(user)
                    .await?
                    .ok_or_else(|| Error::Internal(format!("member {user} without a profile")))?;
                let member = wire::TeamMember::from(&domain::model::TeamMember {
                    user: profile,
                    role,
                });
                let set = TeamMembership {
                    team_id: team,
                    member,
                };
                let target = format!("team:{team}/user:{user}");
                let kind = EventType::TeamMembershipSet;
                let set = record(tx, &ctx, kind, Some(&org), target, set).await?;
                Ok(set.member)
            })
        })
        .await
    }

    /// `DELETE /organization/{id}/teams/{teamId}/members/{userId}`; 404 when not in the team.
    pub async fn team_member_delete(
        &self,
        caller: &Caller,
        org: Uuid,
        team: Uuid,
        user: UserId,
    ) -> Result<()> {
        let (org, _) = self.managed_by(caller, org).await?;
        self.write(caller, move |tx, ctx| {
            Box::pin(async move {
                tx.team(org.id, team).await?.ok_or_else(|| no_team(team))?;
                let profile = tx.user(user).await?;
                if !tx.remove_team_member(team, user).await? {
                    return Err(Error::NotFound(format!(
                        "user {user} is not in team {team}"
                    )));
                }
                let removed = serde_json::json!({
                    "teamId": team,
                    "userId": user.get(),
                    "email": profile.map(|p| p.email.as_str().to_owned()),
                });
                let target = format!("team:{team}/user:{user}");
                let kind = EventType::TeamMembershipDeleted;
                record(tx, &ctx, kind, Some(&org), target, removed).await?;
                Ok(())
            })
        })
        .await
    }
}

/// Records the team event `kind` about `team` of `org`; its snapshot is the team as the API
/// shows it, which it answers.
async fn team_recorded(
    tx: Tx<'_>,
    ctx: &Context,
    kind: EventType,
    org: &Organization,
    team: &Team,
) -> Result<wire::Team> {
    let target = format!("team:{}", team.id);
    record(tx, ctx, kind, Some(org), target, wire::Team::from(team)).await
}

fn no_team(team: Uuid) -> Error {
    Error::NotFound(format!("no team {team} in this organization"))
}
