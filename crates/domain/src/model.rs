//! The records Rollcall keeps, as the rest of the program sees them. `storage` returns these;
//! `server` turns them into wire shapes. None of them is a database row or a wire body.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Email, InvitationStatus, Locale, OrganizationId, Permissions, Role, TeamRole, UserId};

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
    /// Where its latest invitation email stands.
    pub email_delivery: EmailDelivery,
}

/// Where an invitation's latest email stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailDelivery {
    pub status: DeliveryStatus,
    /// Attempts to hand it to the mail server so far.
    pub attempts: u32,
    pub sent_at: Option<DateTime<Utc>>,
    /// Why it was skipped, or why the last attempt failed.
    pub last_error: Option<String>,
}

/// The state of an email: waiting to be sent (or retried), sent, failed for good, or skipped
/// (not to be sent: `sendEmail` was false, the recipient's daily cap was reached, a newer email
/// superseded it, or the invitation is no longer pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    Queued,
    Sent,
    Failed,
    Skipped,
}

impl DeliveryStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
    pub fn parse(s: &str) -> crate::Result<Self> {
        match s {
            "queued" => Ok(Self::Queued),
            "sent" => Ok(Self::Sent),
            "failed" => Ok(Self::Failed),
            "skipped" => Ok(Self::Skipped),
            _ => Err(crate::Error::invalid(
                "",
                "must be queued, sent, failed or skipped",
            )),
        }
    }
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
    /// How the invitee hears of it.
    pub notice: Notice,
}

/// What an email is: an invitation (with its token and accept link) or seed 000's "you were
/// added" notice (neither token nor link).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailKind {
    Invitation,
    Added,
}

impl MailKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::Added => "added",
        }
    }
    pub fn parse(s: &str) -> crate::Result<Self> {
        match s {
            "invitation" => Ok(Self::Invitation),
            "added" => Ok(Self::Added),
            _ => Err(crate::Error::invalid("", "must be invitation or added")),
        }
    }
}

/// An email a change promises, about to be put in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub kind: MailKind,
    pub recipient: Email,
    pub invitation_id: Option<uuid::Uuid>,
    /// The invitation token, sealed (never in clear).
    pub sealed_token: Option<Vec<u8>>,
    pub locale: Option<Locale>,
    /// What the templates need besides the token.
    pub payload: serde_json::Value,
    /// `Queued` to be sent; `Skipped` to record that it will not be, and why.
    pub status: DeliveryStatus,
    pub last_error: Option<String>,
}

/// An email the outbox holds, as a worker claims it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: MailKind,
    pub recipient: Email,
    pub invitation_id: Option<uuid::Uuid>,
    pub sealed_token: Option<Vec<u8>>,
    pub locale: Option<Locale>,
    pub payload: serde_json::Value,
    /// Attempts made before this one.
    pub attempts: u32,
    /// The `Message-ID` every attempt sends, so that a receiver can tell a resend.
    pub message_id: String,
    pub created_at: DateTime<Utc>,
}

/// How to tell the invitee of an invitation (invite's `sendEmail` and `locale`, resend's query
/// parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// `true` queues the invitation email; `false`: the caller delivers the link itself, and
    /// the email is recorded as skipped.
    pub send_email: bool,
    /// The language of the email; templates fall back to `en`.
    pub locale: Option<Locale>,
}

impl Default for Notice {
    fn default() -> Self {
        Self {
            send_email: true,
            locale: None,
        }
    }
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
    /// Where its first email starts (queued, or skipped and why).
    pub email_delivery: EmailDelivery,
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
