//! What both families share: roles, scopes, statuses, permissions, team assignments, the health
//! answer.

use domain::{Email, OrganizationName, Result, error::Validator, model};
use serde::{Deserialize, Serialize};
use serde_repr::{Deserialize_repr, Serialize_repr};
use utoipa::ToSchema;
use uuid::Uuid;

/// A member's role in an organization. `scope` is derived from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Administrator,
    Manager,
    BillingManager,
    Member,
}

impl From<domain::Role> for Role {
    fn from(r: domain::Role) -> Self {
        match r {
            domain::Role::Administrator => Role::Administrator,
            domain::Role::Manager => Role::Manager,
            domain::Role::BillingManager => Role::BillingManager,
            domain::Role::Member => Role::Member,
        }
    }
}

impl From<Role> for domain::Role {
    fn from(r: Role) -> Self {
        match r {
            Role::Administrator => domain::Role::Administrator,
            Role::Manager => domain::Role::Manager,
            Role::BillingManager => domain::Role::BillingManager,
            Role::Member => domain::Role::Member,
        }
    }
}

/// Seed 001's scope: 1 for an administrator, 2 for every other role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize_repr, Deserialize_repr, ToSchema)]
#[repr(u8)]
pub enum Scope {
    Administrator = 1,
    Standard = 2,
}

impl From<domain::Scope> for Scope {
    fn from(s: domain::Scope) -> Self {
        match s {
            domain::Scope::Administrator => Scope::Administrator,
            domain::Scope::Standard => Scope::Standard,
        }
    }
}

impl From<Scope> for domain::Scope {
    fn from(s: Scope) -> Self {
        match s {
            Scope::Administrator => domain::Scope::Administrator,
            Scope::Standard => domain::Scope::Standard,
        }
    }
}

/// A member's role inside a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    TeamManager,
    Developer,
    Viewer,
}

impl From<domain::TeamRole> for TeamRole {
    fn from(r: domain::TeamRole) -> Self {
        match r {
            domain::TeamRole::TeamManager => TeamRole::TeamManager,
            domain::TeamRole::Developer => TeamRole::Developer,
            domain::TeamRole::Viewer => TeamRole::Viewer,
        }
    }
}

impl From<TeamRole> for domain::TeamRole {
    fn from(r: TeamRole) -> Self {
        match r {
            TeamRole::TeamManager => domain::TeamRole::TeamManager,
            TeamRole::Developer => domain::TeamRole::Developer,
            TeamRole::Viewer => domain::TeamRole::Viewer,
        }
    }
}

/// Where an invitation stands; `expired` is a pending invitation past its `expiresAt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
    Revoked,
    Expired,
}

impl From<domain::InvitationStatus> for InvitationStatus {
    fn from(s: domain::InvitationStatus) -> Self {
        match s {
            domain::InvitationStatus::Pending => Self::Pending,
            domain::InvitationStatus::Accepted => Self::Accepted,
            domain::InvitationStatus::Declined => Self::Declined,
            domain::InvitationStatus::Revoked => Self::Revoked,
            domain::InvitationStatus::Expired => Self::Expired,
        }
    }
}

/// Permissions as a request states them: `read` and `manage` may be left out (empty).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PermissionsInput {
    /// The permission group.
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub group: i64,
    /// Module ids the member may read (a set: duplicates are dropped).
    #[schema(max_items = 256, value_type = Option<Vec<ModuleId>>)]
    #[serde(default)]
    pub read: Option<Vec<i64>>,
    /// Module ids the member may manage (a set: duplicates are dropped).
    #[schema(max_items = 256, value_type = Option<Vec<ModuleId>>)]
    #[serde(default)]
    pub manage: Option<Vec<i64>>,
}

impl PermissionsInput {
    pub fn parse(&self) -> Result<domain::Permissions> {
        domain::Permissions::parse(self.group, self.read.as_deref(), self.manage.as_deref())
    }
}

/// A module id: an integer within ±(2^53−1).
#[derive(ToSchema)]
#[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
#[allow(dead_code)]
pub struct ModuleId(i64);

/// A member's permissions: its group and the module ids it may read and manage, sorted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Permissions {
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub group: i64,
    #[schema(max_items = 256, value_type = Vec<ModuleId>)]
    pub read: Vec<i64>,
    #[schema(max_items = 256, value_type = Vec<ModuleId>)]
    pub manage: Vec<i64>,
}

impl From<&domain::Permissions> for Permissions {
    fn from(p: &domain::Permissions) -> Self {
        Self {
            group: p.group,
            read: p.read.as_slice().to_vec(),
            manage: p.manage.as_slice().to_vec(),
        }
    }
}

pub(crate) fn email(v: &mut Validator, field: &str, raw: &str) -> Option<Email> {
    v.check(field, Email::parse(raw))
}

/// The `name` of an organization or a team being created or renamed: 1–250 characters (422
/// naming `name` otherwise).
pub(crate) fn name(raw: &str) -> Result<OrganizationName> {
    let mut v = Validator::default();
    let name = v.check("name", OrganizationName::parse(raw));
    v.finish()?;
    Ok(name.unwrap())
}

/// A team to join on accepting, with the role to hold there.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamAssignment {
    pub team_id: Uuid,
    pub role: TeamRole,
}

impl From<&model::TeamAssignment> for TeamAssignment {
    fn from(a: &model::TeamAssignment) -> Self {
        Self {
            team_id: a.team_id,
            role: a.role.into(),
        }
    }
}

/// The answer of `/healthz` and `/readyz`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok`: the status code says the rest.
    pub status: String,
}

/// The OpenAPI document a server follows, as `/openapi.json` serves it. Only what a client
/// reads to learn which operations the server has is described; the rest is OpenAPI's own.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiDocument {
    /// The OpenAPI version (`3.0.3`).
    pub openapi: String,
    /// The API's title, version and description.
    #[schema(value_type = Object)]
    pub info: serde_json::Value,
    /// Every path, with its operations by method.
    #[schema(value_type = Object, additional_properties = true)]
    pub paths: serde_json::Map<String, serde_json::Value>,
}

/// A change of the role (or scope) and/or permissions, the permissions parsed. Neither is a
/// valid, empty change (as an empty JSON merge patch is): the member is answered as it is.
pub(crate) fn parse_change<T>(
    change: Option<T>,
    permissions: Option<&PermissionsInput>,
) -> Result<(Option<T>, Option<domain::Permissions>)> {
    let mut v = Validator::default();
    let parsed = permissions.and_then(|p| v.check("permissions", p.parse()));
    v.finish()?;
    Ok((change, parsed))
}
