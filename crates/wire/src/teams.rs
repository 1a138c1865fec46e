//! Teams of an organization and their members.

use chrono::{DateTime, Utc};
use domain::{Result, model};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::common::{TeamRole, name};

/// Create a team: its name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateTeamRequest {
    #[schema(
        min_length = 1,
        max_length = 250,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$",
        example = "Platform"
    )]
    pub name: String,
}

impl CreateTeamRequest {
    pub fn parse(&self) -> Result<domain::names::TeamName> {
        name(&self.name)
    }
}

/// A team of an organization.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<&model::Team> for Team {
    fn from(t: &model::Team) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            created_at: t.created_at,
        }
    }
}

/// A member of a team, with its profile.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamMember {
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub user_id: i64,
    #[schema(format = Email)]
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: TeamRole,
}

impl From<&model::TeamMember> for TeamMember {
    fn from(m: &model::TeamMember) -> Self {
        Self {
            user_id: m.user.id.get(),
            email: m.user.email.as_str().to_owned(),
            first_name: m.user.first_name.clone(),
            last_name: m.user.last_name.clone(),
            role: m.role.into(),
        }
    }
}

/// The role to hold in a team.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PutTeamMemberRequest {
    pub role: TeamRole,
}

/// A page of teams, oldest first.
pub type TeamPage = crate::Page<Team>;
/// A page of a team's members, by user id.
pub type TeamMemberPage = crate::Page<TeamMember>;
