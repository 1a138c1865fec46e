//! Wire shapes: request and response bodies exactly as `openapi/rollcall.yaml` describes them,
//! with the utoipa schemas the drift check compares. Requests are parsed into domain values
//! here (collecting every invalid field for one 422); responses are built from domain records.
//! Nothing here is a database row.

use chrono::{DateTime, Utc};
use domain::{
    Email, OrganizationName, PersonName, Result,
    error::Validator,
    model::{self, NewUser},
};
use serde::{Deserialize, Serialize};
use serde_repr::{Deserialize_repr, Serialize_repr};
use utoipa::ToSchema;
use uuid::Uuid;

// ---- shared pieces ----------------------------------------------------------------------

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
    fn parse(&self) -> Result<domain::Permissions> {
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

fn email(v: &mut Validator, field: &str, raw: &str) -> Option<Email> {
    v.check(field, Email::parse(raw))
}

// ---- users-organizations/v1 ---------------------------------------------------------------

/// Seed 000: invite a person (found or created by email) into the session's organization.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteUserOrganizationRequest {
    /// First name of the profile.
    #[schema(max_length = 250, example = "John")]
    pub first_name: String,
    /// Last name of the profile.
    #[schema(max_length = 250, example = "Doe")]
    pub last_name: String,
    /// Email of the profile.
    #[schema(format = Email, max_length = 250, pattern = r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$", example = "test@mail.com")]
    pub email: String,
    pub permissions: PermissionsInput,
}

impl InviteUserOrganizationRequest {
    pub fn parse(&self) -> Result<(NewUser, domain::Permissions)> {
        let mut v = Validator::default();
        let first = v.check("firstName", PersonName::parse(&self.first_name));
        let last = v.check("lastName", PersonName::parse(&self.last_name));
        let email = email(&mut v, "email", &self.email);
        let perms = v.check("permissions", self.permissions.parse());
        v.finish()?;
        let profile = NewUser {
            email: email.unwrap(),
            first_name: first.unwrap().into_inner(),
            last_name: last.unwrap().into_inner(),
        };
        Ok((profile, perms.unwrap()))
    }
}

/// Seed 001: register a user in an organization with a scope and permissions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegisterUserOrganizationRequest {
    pub scope: Scope,
    pub permissions: PermissionsInput,
}

impl RegisterUserOrganizationRequest {
    pub fn parse(&self) -> Result<(domain::Scope, domain::Permissions)> {
        let mut v = Validator::default();
        let perms = v.check("permissions", self.permissions.parse());
        v.finish()?;
        Ok((self.scope.into(), perms.unwrap()))
    }
}

/// A user's membership of an organization.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub user_id: i64,
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub organization_id: i64,
    pub scope: Scope,
    pub role: Role,
    pub permissions: Permissions,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the membership was soft-deleted; null while it is live.
    #[schema(required = true)]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<&model::Membership> for Membership {
    fn from(m: &model::Membership) -> Self {
        Self {
            user_id: m.user_id.get(),
            organization_id: m.organization_id.get(),
            scope: m.role.scope().into(),
            role: m.role.into(),
            permissions: (&m.permissions).into(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            deleted_at: m.deleted_at,
        }
    }
}

/// `{"data": Membership}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MembershipEnvelope {
    pub data: Membership,
}

/// A page of memberships, in the order they were created.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembershipPage {
    pub data: Vec<Membership>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A change to a membership: its scope (1 makes an administrator; 2 makes an administrator a
/// member and keeps any other role), its permissions, or both.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UpdateMembershipRequest {
    #[serde(default)]
    pub scope: Option<Scope>,
    #[serde(default)]
    pub permissions: Option<PermissionsInput>,
}

impl UpdateMembershipRequest {
    pub fn parse(&self) -> Result<(Option<domain::Scope>, Option<domain::Permissions>)> {
        parse_change(self.scope.map(Into::into), self.permissions.as_ref())
    }
}

/// Back office: create a profile.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateUserRequest {
    #[schema(max_length = 250, example = "Jane")]
    pub first_name: String,
    #[schema(max_length = 250, example = "Doe")]
    pub last_name: String,
    #[schema(format = Email, max_length = 250, pattern = r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$", example = "jane.doe@example.com")]
    pub email: String,
}

impl CreateUserRequest {
    pub fn parse(&self) -> Result<NewUser> {
        let mut v = Validator::default();
        let first = v.check("firstName", PersonName::parse(&self.first_name));
        let last = v.check("lastName", PersonName::parse(&self.last_name));
        let email = email(&mut v, "email", &self.email);
        v.finish()?;
        Ok(NewUser {
            email: email.unwrap(),
            first_name: first.unwrap().into_inner(),
            last_name: last.unwrap().into_inner(),
        })
    }
}

/// A profile.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub id: i64,
    #[schema(format = Email)]
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[schema(required = true)]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<&model::User> for User {
    fn from(u: &model::User) -> Self {
        Self {
            id: u.id.get(),
            email: u.email.as_str().to_owned(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            created_at: u.created_at,
            updated_at: u.updated_at,
            deleted_at: u.deleted_at,
        }
    }
}

/// A page of profiles, by id.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    pub data: Vec<User>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `{"data": User}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserEnvelope {
    pub data: User,
}

/// Create an organization: its name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateOrganizationRequest {
    #[schema(min_length = 1, max_length = 250, example = "Acme")]
    pub name: String,
}

impl CreateOrganizationRequest {
    pub fn parse(&self) -> Result<OrganizationName> {
        let mut v = Validator::default();
        let name = v.check("name", OrganizationName::parse(&self.name));
        v.finish()?;
        Ok(name.unwrap())
    }
}

/// An organization as `users-organizations/v1` shows it (integer `id`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackOfficeOrganization {
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub id: i64,
    pub uuid: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&model::Organization> for BackOfficeOrganization {
    fn from(o: &model::Organization) -> Self {
        Self {
            id: o.id.get(),
            uuid: o.uuid,
            name: o.name.clone(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// `{"data": BackOfficeOrganization}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BackOfficeOrganizationEnvelope {
    pub data: BackOfficeOrganization,
}

// ---- /organization ----------------------------------------------------------------------

/// An organization as `/organization` shows it (uuid `id`; `numericId` is the integer id).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: Uuid,
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub numeric_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<&model::Organization> for Organization {
    fn from(o: &model::Organization) -> Self {
        Self {
            id: o.uuid,
            numeric_id: o.id.get(),
            name: o.name.clone(),
            created_at: o.created_at,
        }
    }
}

/// A team to join on accepting, with the role to hold there.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamAssignment {
    pub team_id: Uuid,
    pub role: TeamRole,
}

/// The shortest and longest lifetimes an invitation may ask for, in seconds.
pub const MIN_LIFETIME_SECONDS: i64 = 3_600;
pub const MAX_LIFETIME_SECONDS: i64 = 2_592_000;
/// The lifetime of an invitation that asks for none, and of a resent one: 7 days.
pub const DEFAULT_LIFETIME_SECONDS: i64 = 7 * 24 * 3_600;

/// Seed 002: invite a person by email into the organization.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteRequest {
    /// Email of the person invited.
    #[schema(format = Email, max_length = 250, pattern = r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$", example = "jane.doe@example.com")]
    pub email: String,
    /// Role to assign.
    pub role: Role,
    /// Teams to join, with their roles, when the invitation is accepted. A team listed twice
    /// keeps the role of its last entry.
    #[schema(max_items = 100)]
    #[serde(default)]
    pub team_assignments: Option<Vec<TeamAssignment>>,
    /// Permissions to grant on acceptance.
    #[serde(default)]
    pub permissions: Option<PermissionsInput>,
    /// How long the invitation lives: 1 hour to 30 days (default 7 days).
    #[schema(minimum = 3600, maximum = 2592000)]
    #[serde(default)]
    pub expires_in_seconds: Option<i64>,
}

/// A parsed seed-002 request.
pub struct Invite {
    pub email: Email,
    pub role: domain::Role,
    pub team_assignments: Vec<model::TeamAssignment>,
    pub permissions: Option<domain::Permissions>,
    pub lifetime: chrono::Duration,
}

impl InviteRequest {
    pub fn parse(&self) -> Result<Invite> {
        let mut v = Validator::default();
        let email = email(&mut v, "email", &self.email);
        let permissions = match &self.permissions {
            Some(p) => v.check("permissions", p.parse()),
            None => None,
        };
        let assignments = self.team_assignments.clone().unwrap_or_default();
        if assignments.len() > 100 {
            v.check::<()>(
                "teamAssignments",
                Err(domain::Error::invalid("", "must hold at most 100 teams")),
            );
        }
        let seconds = self.expires_in_seconds.unwrap_or(DEFAULT_LIFETIME_SECONDS);
        if !(MIN_LIFETIME_SECONDS..=MAX_LIFETIME_SECONDS).contains(&seconds) {
            v.check::<()>(
                "expiresInSeconds",
                Err(domain::Error::invalid(
                    "",
                    "must be between 3600 (1 hour) and 2592000 (30 days)",
                )),
            );
        }
        v.finish()?;
        Ok(Invite {
            email: email.unwrap(),
            role: self.role.into(),
            team_assignments: last_per_team(&assignments),
            permissions,
            lifetime: chrono::Duration::seconds(seconds),
        })
    }
}

/// The assignments in their order, a team listed more than once keeping the role of its last
/// entry (as a JSON object keeps the last of duplicate keys).
fn last_per_team(assignments: &[TeamAssignment]) -> Vec<model::TeamAssignment> {
    let mut out: Vec<model::TeamAssignment> = Vec::with_capacity(assignments.len());
    for a in assignments {
        match out.iter_mut().find(|t| t.team_id == a.team_id) {
            Some(t) => t.role = a.role.into(),
            None => out.push(model::TeamAssignment {
                team_id: a.team_id,
                role: a.role.into(),
            }),
        }
    }
    out
}

/// An invitation with its secret token: answered only when the token is created.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationWithToken {
    /// Invitation unique identifier.
    pub id: Uuid,
    /// The secret the invitee presents to look up, accept or decline. Shown once.
    pub token: String,
    /// Email of the invitee (normalized).
    #[schema(format = Email)]
    pub email: String,
    pub status: InvitationStatus,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub organization_role: Role,
    pub expires_at: DateTime<Utc>,
    pub team_assignments: Vec<TeamAssignment>,
    #[schema(required = true)]
    pub permissions: Option<Permissions>,
    /// The user id of the member who invited.
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub invited_by: i64,
    pub created_at: DateTime<Utc>,
}

impl InvitationWithToken {
    /// The invitation as a view shows it, plus the token answered this once.
    pub fn new(
        inv: &model::Invitation,
        token: &domain::InvitationToken,
        now: DateTime<Utc>,
    ) -> Self {
        let Invitation {
            id,
            email,
            status,
            organization_id,
            organization_name,
            organization_role,
            expires_at,
            team_assignments,
            permissions,
            invited_by,
            created_at,
        } = Invitation::new(inv, now);
        Self {
            id,
            token: token.expose().to_owned(),
            email,
            status,
            organization_id,
            organization_name,
            organization_role,
            expires_at,
            team_assignments,
            permissions,
            invited_by,
            created_at,
        }
    }
}

/// Create a team: its name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateTeamRequest {
    #[schema(min_length = 1, max_length = 250, example = "Platform")]
    pub name: String,
}

impl CreateTeamRequest {
    pub fn parse(&self) -> Result<domain::names::TeamName> {
        let mut v = Validator::default();
        let name = v.check("name", domain::names::TeamName::parse(&self.name));
        v.finish()?;
        Ok(name.unwrap())
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

/// A page of teams, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamPage {
    pub data: Vec<Team>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
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

/// A page of a team's members, by user id.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamMemberPage {
    pub data: Vec<TeamMember>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// The role to hold in a team.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PutTeamMemberRequest {
    pub role: TeamRole,
}

/// A member of an organization, with its profile, role, permissions and teams.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub user_id: i64,
    #[schema(format = Email)]
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub permissions: Permissions,
    pub teams: Vec<TeamAssignment>,
    pub created_at: DateTime<Utc>,
}

impl From<&model::Member> for Member {
    fn from(m: &model::Member) -> Self {
        Self {
            user_id: m.user.id.get(),
            email: m.user.email.as_str().to_owned(),
            first_name: m.user.first_name.clone(),
            last_name: m.user.last_name.clone(),
            role: m.membership.role.into(),
            permissions: (&m.membership.permissions).into(),
            teams: m.teams.iter().map(TeamAssignment::from).collect(),
            created_at: m.membership.created_at,
        }
    }
}

impl From<&model::TeamAssignment> for TeamAssignment {
    fn from(a: &model::TeamAssignment) -> Self {
        Self {
            team_id: a.team_id,
            role: a.role.into(),
        }
    }
}

/// The secret token of an invitation, as the invitee received it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct InvitationTokenRequest {
    /// The invitation token: 32 bytes in unpadded URL-safe base64 (43 characters, the last of
    /// which carries only two bits).
    #[schema(
        min_length = 43,
        max_length = 43,
        pattern = "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$"
    )]
    pub token: String,
}

impl InvitationTokenRequest {
    pub fn parse(&self) -> Result<domain::InvitationToken> {
        let mut v = Validator::default();
        let token = v.check("token", domain::InvitationToken::parse(&self.token));
        v.finish()?;
        Ok(token.unwrap())
    }
}

/// An invitation, without its secret token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Invitation {
    pub id: Uuid,
    #[schema(format = Email)]
    pub email: String,
    pub status: InvitationStatus,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub organization_role: Role,
    pub expires_at: DateTime<Utc>,
    pub team_assignments: Vec<TeamAssignment>,
    #[schema(required = true)]
    pub permissions: Option<Permissions>,
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub invited_by: i64,
    pub created_at: DateTime<Utc>,
}

impl Invitation {
    pub fn new(inv: &model::Invitation, now: DateTime<Utc>) -> Self {
        Self {
            id: inv.id,
            email: inv.email.as_str().to_owned(),
            status: inv.status_at(now).into(),
            organization_id: inv.organization.uuid,
            organization_name: inv.organization.name.clone(),
            organization_role: inv.role.into(),
            expires_at: inv.expires_at,
            team_assignments: inv
                .team_assignments
                .iter()
                .map(TeamAssignment::from)
                .collect(),
            permissions: inv.permissions.as_ref().map(Permissions::from),
            invited_by: inv.invited_by.get(),
            created_at: inv.created_at,
        }
    }
}

/// A page of invitations, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationPage {
    pub data: Vec<Invitation>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A page of members, by user id.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberPage {
    pub data: Vec<Member>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A change to a member: its role, its permissions, or both.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UpdateMemberRequest {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub permissions: Option<PermissionsInput>,
}

impl UpdateMemberRequest {
    pub fn parse(&self) -> Result<(Option<domain::Role>, Option<domain::Permissions>)> {
        parse_change(self.role.map(Into::into), self.permissions.as_ref())
    }
}

/// A change of the role (or scope) and/or permissions, the permissions parsed. Neither is a
/// valid, empty change (as an empty JSON merge patch is): the member is answered as it is.
fn parse_change<T>(
    change: Option<T>,
    permissions: Option<&PermissionsInput>,
) -> Result<(Option<T>, Option<domain::Permissions>)> {
    let mut v = Validator::default();
    let parsed = permissions.and_then(|p| v.check("permissions", p.parse()));
    v.finish()?;
    Ok((change, parsed))
}

/// One of the caller's organizations, with the caller's role and permissions there.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MyOrganization {
    pub organization: Organization,
    pub role: Role,
    pub permissions: Permissions,
    /// When the caller's membership began.
    pub joined_at: DateTime<Utc>,
}

/// A page of the caller's organizations.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MyOrganizationPage {
    pub data: Vec<MyOrganization>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// One entry of the audit log. It never holds a token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub id: i64,
    /// The user who made the change; null when it is unknown.
    #[schema(required = true, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub actor_id: Option<i64>,
    /// What happened, as `<resource>.<past tense>` (`invitation.accepted`).
    #[schema(example = "invitation.accepted")]
    pub action: String,
    /// What it happened to, as `<resource>:<id>`.
    #[schema(example = "invitation:3c90c3cc-0d44-4b50-8888-8dd25736052a")]
    pub target: String,
    /// The id of the request that made the change (its `x-request-id`).
    pub request_id: String,
    pub created_at: DateTime<Utc>,
}

impl From<&model::AuditEvent> for AuditEvent {
    fn from(e: &model::AuditEvent) -> Self {
        Self {
            id: e.id,
            actor_id: e.actor.map(domain::UserId::get),
            action: e.action.clone(),
            target: e.target.clone(),
            request_id: e.request_id.clone(),
            created_at: e.created_at,
        }
    }
}

/// A page of audit events, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventPage {
    pub data: Vec<AuditEvent>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Who sent an invitation, as its invitee sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Inviter {
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub user_id: i64,
    pub first_name: String,
    pub last_name: String,
}

/// What the holder of an invitation token may see before logging in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationLookup {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub organization_role: Role,
    #[schema(format = Email)]
    pub email: String,
    pub status: InvitationStatus,
    pub expires_at: DateTime<Utc>,
    /// Null when the inviter's profile no longer exists.
    #[schema(required = true)]
    pub inviter: Option<Inviter>,
}

/// Ask for a session acting on an organization you are a live member of.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateSessionRequest {
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64, example = 1)]
    pub organization_id: i64,
}

/// A session token (send it as `x-session-token`) and what it is good for.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub organization_id: i64,
}

/// `{"data": Session}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionEnvelope {
    pub data: Session,
}

/// The answer of `/healthz` and `/readyz`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok`: the status code says the rest.
    pub status: String,
}

#[cfg(test)]
mod tests {
    use domain::email::EMAIL_PATTERN;

    #[test]
    fn the_schema_pattern_is_the_domain_pattern() {
        // The pattern is spelled in the schema attributes (a literal is required there);
        // this keeps those literals equal to the one the domain enforces.
        let src = include_str!("wire.rs");
        assert_eq!(
            src.matches(EMAIL_PATTERN).count(),
            3,
            "every email field's pattern must be EMAIL_PATTERN"
        );
    }
}
