//! The records Rollcall keeps, as the rest of the program sees them. `storage` returns these;
//! `server` turns them into wire shapes. None of them is a database row or a wire body.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Email, InvitationStatus, OrganizationId, Permissions, Role, TeamRole, UserId};

/// A profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub first_name: String,
    pub last_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// What creating a profile needs.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub first_name: String,
    pub last_name: String,
}

/// An organization: an integer id for `users-organizations/v1`, a uuid for `/organization`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrganizationId,
    pub uuid: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A user's membership of an organization. `deleted_at` marks a soft delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub user_id: UserId,
    pub organization_id: OrganizationId,
    pub role: Role,
    pub permissions: Permissions,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A team to join on accepting an invitation, with the role to hold there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TeamAssignment {
    pub team_id: Uuid,
    pub role: TeamRole,
}

/// An invitation as stored. Its token is not here: only its hash is kept, in storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: Uuid,
    pub organization: Organization,
    pub email: Email,
    pub role: Role,
    pub team_assignments: Vec<TeamAssignment>,
    pub permissions: Option<Permissions>,
    /// The stored status; see [`Invitation::status_at`] for what a caller sees.
    pub status: InvitationStatus,
    pub invited_by: UserId,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl Invitation {
    /// The status at `now`: a pending invitation past its expiry is expired.
    pub fn status_at(&self, now: DateTime<Utc>) -> InvitationStatus {
        self.status.effective(self.expires_at, now)
    }
}

/// A seed-002 invitation as a request states it, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub email: Email,
    pub role: Role,
    /// Teams to join on acceptance; each team once.
    pub team_assignments: Vec<TeamAssignment>,
    pub permissions: Option<Permissions>,
    pub lifetime: chrono::Duration,
}

/// Which invitations a list shows: any of `statuses` (all when empty; `expired` matches pending
/// rows past their expiry), only those to `email` when given (normalized).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvitationFilter {
    pub statuses: Vec<InvitationStatus>,
    pub email: Option<String>,
}

/// What creating an invitation needs; the token's hash is computed by the caller.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub organization_id: OrganizationId,
    pub email: Email,
    pub role: Role,
    pub team_assignments: Vec<TeamAssignment>,
    pub permissions: Option<Permissions>,
    pub invited_by: UserId,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// A team of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: Uuid,
    pub organization_id: OrganizationId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A member as the `/organization` family shows it: the profile, the membership and its teams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user: User,
    pub membership: Membership,
    pub teams: Vec<TeamAssignment>,
}

/// What accepting an invitation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptance {
    /// This call accepted it: the membership and team memberships were created now.
    Accepted(Member),
    /// The same user had already accepted it: the member it made, unchanged.
    AlreadyAccepted(Member),
}

/// Who makes a change, in which request, and when: what every change records in its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The acting user; `None` for the back office, which acts without a profile.
    pub actor: Option<UserId>,
    pub request_id: String,
    pub now: DateTime<Utc>,
}

/// A member of a team, with its profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    pub user: User,
    pub role: TeamRole,
}
