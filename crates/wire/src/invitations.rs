//! Invitations (seed 002): the invite request, the invitation with and without its token, the
//! token requests of its invitee, and what a lookup shows.

use chrono::{DateTime, Utc};
use domain::{Result, error::Validator, model};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::common::{InvitationStatus, Permissions, PermissionsInput, Role, TeamAssignment, email};

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
    /// Whether Rollcall emails the invitation (default true). `false`: you deliver the link
    /// yourself, and the invitation's `emailDelivery` says `skipped`.
    #[serde(default)]
    pub send_email: Option<bool>,
    /// The language of the email, as a BCP 47 tag (`fr`, `pt-BR`); templates fall back to `en`.
    #[schema(
        max_length = 35,
        pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$",
        example = "en"
    )]
    #[serde(default)]
    pub locale: Option<String>,
}

impl InviteRequest {
    pub fn parse(&self) -> Result<model::Invite> {
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
        let locale = match &self.locale {
            Some(l) => v.check("locale", domain::Locale::parse(l)),
            None => None,
        };
        v.finish()?;
        Ok(model::Invite {
            email: email.unwrap(),
            role: self.role.into(),
            team_assignments: last_per_team(&assignments),
            permissions,
            lifetime: chrono::Duration::seconds(seconds),
            notice: model::Notice {
                send_email: self.send_email.unwrap_or(true),
                locale,
            },
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
    /// Where its latest invitation email stands.
    pub email_delivery: EmailDelivery,
}

/// Where an invitation's latest email stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailDelivery {
    pub status: DeliveryStatus,
    /// Attempts to hand it to the mail server so far.
    #[schema(minimum = 0)]
    pub attempts: u32,
    /// When the mail server took it; null until then.
    #[schema(required = true)]
    pub sent_at: Option<DateTime<Utc>>,
    /// Why it was skipped, or why the last attempt failed; null otherwise.
    #[schema(required = true)]
    pub last_error: Option<String>,
}

/// `queued` (waiting to be sent, or retried), `sent` (the mail server took it), `failed` (for
/// good), `skipped` (not sent: `sendEmail` was false, the recipient's daily cap was reached, a
/// newer email superseded it, or the invitation is no longer pending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Queued,
    Sent,
    Failed,
    Skipped,
}

impl From<&model::EmailDelivery> for EmailDelivery {
    fn from(d: &model::EmailDelivery) -> Self {
        Self {
            status: match d.status {
                model::DeliveryStatus::Queued => DeliveryStatus::Queued,
                model::DeliveryStatus::Sent => DeliveryStatus::Sent,
                model::DeliveryStatus::Failed => DeliveryStatus::Failed,
                model::DeliveryStatus::Skipped => DeliveryStatus::Skipped,
            },
            attempts: d.attempts,
            sent_at: d.sent_at,
            last_error: d.last_error.clone(),
        }
    }
}

/// Resend's query: whether to email the new token, and in which language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResendQuery {
    pub send_email: Option<bool>,
    pub locale: Option<String>,
}

impl ResendQuery {
    /// 400 for a malformed locale (a query is not a body: its mistakes are 400s).
    pub fn parse(&self) -> Result<model::Notice> {
        let locale = self
            .locale
            .as_deref()
            .map(domain::Locale::parse)
            .transpose()
            .map_err(|_| {
                domain::Error::BadRequest(
                    "`locale` must be a BCP 47 language tag such as en, fr or pt-BR".into(),
                )
            })?;
        Ok(model::Notice {
            send_email: self.send_email.unwrap_or(true),
            locale,
        })
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
    /// Where its latest invitation email stands.
    pub email_delivery: EmailDelivery,
}

impl Invitation {
    /// The invitation with its token, answered by invite and resend only (`""` when kept for
    /// replay: a kept answer never holds a token).
    pub fn with_token(self, token: &str) -> InvitationWithToken {
        let Self {
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
            email_delivery,
        } = self;
        InvitationWithToken {
            id,
            token: token.to_owned(),
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
            email_delivery,
        }
    }

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
            email_delivery: (&inv.email_delivery).into(),
        }
    }
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

/// A page of invitations, newest first.
pub type InvitationPage = crate::Page<Invitation>;

/// The most invitations one bulk invite takes.
pub const MAX_BULK_INVITATIONS: usize = 100;

/// Many invitations in one call: each row is what `POST /organization/{id}/invite` takes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BulkInviteRequest {
    /// 1 to 100 invitations, each as a single invite takes it, answered in this order.
    #[schema(min_items = 1, max_items = 100)]
    pub invitations: Vec<InviteRequest>,
}

impl BulkInviteRequest {
    /// Every row parsed, or every invalid field of every row at once (`invitations.3.email`):
    /// bad input creates nothing. More than 100 rows is a 413.
    pub fn parse(&self) -> Result<Vec<model::Invite>> {
        let rows = self.invitations.len();
        if rows > MAX_BULK_INVITATIONS {
            return Err(domain::Error::TooLarge(format!(
                "{rows} invitations in one call; send at most {MAX_BULK_INVITATIONS} per call"
            )));
        }
        if rows == 0 {
            return Err(domain::Error::invalid(
                "invitations",
                "must hold at least one invitation",
            ));
        }
        let mut v = Validator::default();
        let invites: Vec<_> = self
            .invitations
            .iter()
            .enumerate()
            .filter_map(|(i, row)| v.check(&format!("invitations.{i}"), row.parse()))
            .collect();
        v.finish()?;
        Ok(invites)
    }
}

/// What became of each row of a bulk invite, in the rows' order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BulkInvitationResults {
    /// One result per row of the request, in its order.
    pub results: Vec<BulkInvitationResult>,
}

/// What became of one row of a bulk invite: its invitation (201), or the problem a single
/// invite of that row would have answered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkInvitationResult {
    /// 201 when the row's invitation was created; otherwise the status a single invite of the
    /// row would have answered (409 with `problem.invitationId` when one is pending for that
    /// email already; 429 past the quota, with `retryAfter`).
    #[schema(minimum = 201, maximum = 599)]
    pub status: i32,
    /// The invitation, with its token (status 201 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub invitation: Option<InvitationWithToken>,
    /// Why the row was refused (every status but 201).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub problem: Option<crate::Problem>,
    /// Whole seconds to wait before sending this row again (429 and 503 only), as the
    /// `Retry-After` of a single invite would say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, minimum = 1)]
    pub retry_after: Option<u32>,
}
