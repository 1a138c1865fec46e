//! `/users-organizations/v1` (seeds 000 and 001): memberships with integer ids, profiles, the
//! back office's organizations, sessions. Single objects travel in an [`Envelope`](crate::Envelope).

use chrono::{DateTime, Utc};
use domain::{
    OrganizationName, PersonName, Result,
    error::Validator,
    model::{self, NewUser},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::common::{Permissions, PermissionsInput, Role, Scope, email, name, parse_change};

/// Seed 000: invite a person (found or created by email) into the session's organization.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteUserOrganizationRequest {
    /// First name of the profile.
    #[schema(
        max_length = 250,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$",
        example = "John"
    )]
    pub first_name: String,
    /// Last name of the profile.
    #[schema(
        max_length = 250,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$",
        example = "Doe"
    )]
    pub last_name: String,
    /// Email of the profile.
    #[schema(format = Email, max_length = 250, pattern = r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$", example = "test@mail.com")]
    pub email: String,
    pub permissions: PermissionsInput,
}

impl InviteUserOrganizationRequest {
    pub fn parse(&self) -> Result<(NewUser, domain::Permissions)> {
        let mut v = Validator::default();
        let profile = new_user(&mut v, &self.first_name, &self.last_name, &self.email);
        let perms = v.check("permissions", self.permissions.parse());
        v.finish()?;
        Ok((profile.unwrap(), perms.unwrap()))
    }
}

/// A new profile from its `firstName`, `lastName` and `email`, each problem remembered under its
/// field; `None` when one is invalid.
fn new_user(
    v: &mut Validator,
    first_name: &str,
    last_name: &str,
    address: &str,
) -> Option<NewUser> {
    let first = v.check("firstName", PersonName::parse(first_name));
    let last = v.check("lastName", PersonName::parse(last_name));
    let email = email(v, "email", address);
    Some(NewUser {
        email: email?,
        first_name: first?.into_inner(),
        last_name: last?.into_inner(),
    })
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
    #[schema(
        max_length = 250,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$",
        example = "Jane"
    )]
    pub first_name: String,
    #[schema(
        max_length = 250,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$",
        example = "Doe"
    )]
    pub last_name: String,
    #[schema(format = Email, max_length = 250, pattern = r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$", example = "jane.doe@example.com")]
    pub email: String,
}

impl CreateUserRequest {
    pub fn parse(&self) -> Result<NewUser> {
        let mut v = Validator::default();
        let profile = new_user(&mut v, &self.first_name, &self.last_name, &self.email);
        v.finish()?;
        Ok(profile.unwrap())
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

/// Create an organization: its name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreateOrganizationRequest {
    #[schema(
        min_length = 1,
        max_length = 250,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$",
        example = "Acme"
    )]
    pub name: String,
}

impl CreateOrganizationRequest {
    pub fn parse(&self) -> Result<OrganizationName> {
        name(&self.name)
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

/// Ask for a session acting on an organization you are a live member of; a back-office
/// operator may leave `organizationId` out for a session good on `/bo/` paths only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateSessionRequest {
    /// The organization the session acts on (`/ad/` paths); absent or null: a back-office
    /// session.
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64, example = 1)]
    #[serde(default)]
    pub organization_id: Option<i64>,
}

impl CreateSessionRequest {
    pub fn parse(&self) -> Result<Option<domain::OrganizationId>> {
        self.organization_id
            .map(domain::OrganizationId::parse)
            .transpose()
            .map_err(|e| e.at("organizationId"))
    }
}

/// A session token (send it as `x-session-token`) and what it is good for.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    /// The organization the session acts on; null for a back-office session.
    #[schema(required = true, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub organization_id: Option<i64>,
}

/// A page of memberships, by position.
pub type MembershipPage = crate::Page<Membership>;
/// A page of profiles, by id.
pub type UserPage = crate::Page<User>;
/// `{"data": Membership}`.
pub type MembershipEnvelope = crate::Envelope<Membership>;
/// `{"data": User}`.
pub type UserEnvelope = crate::Envelope<User>;
/// `{"data": BackOfficeOrganization}`.
pub type BackOfficeOrganizationEnvelope = crate::Envelope<BackOfficeOrganization>;
/// `{"data": Session}`.
pub type SessionEnvelope = crate::Envelope<Session>;
