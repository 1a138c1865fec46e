//! `/organization` (seed 002's family): organizations by uuid, their members, the caller's own
//! organizations, the audit log.

use chrono::{DateTime, Utc};
use domain::{Result, event, model};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::common::{Permissions, PermissionsInput, Role, TeamAssignment, parse_change};

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

/// One entry of the audit log: an event, with the public object it changed. It never holds a
/// token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    #[schema(minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub id: i64,
    /// What happened, as `<resource>.<past tense>` (`invitation.accepted`).
    #[serde(rename = "type")]
    pub type_: EventType,
    /// The user who made the change; null when it is unknown.
    #[schema(required = true, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
    pub actor_id: Option<i64>,
    /// The same as `type` (kept for clients written before `type`).
    #[schema(example = "invitation.accepted")]
    pub action: String,
    /// What it happened to, as `<resource>:<id>`.
    #[schema(example = "invitation:3c90c3cc-0d44-4b50-8888-8dd25736052a")]
    pub target: String,
    /// The public object as the API showed it right after the change (an invitation without its
    /// token, a member, a team…), with `organizationId`; null for events recorded before
    /// snapshots were kept.
    #[schema(required = true, value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
    /// The id of the request that made the change (its `x-request-id`).
    pub request_id: String,
    pub created_at: DateTime<Utc>,
}

impl From<&event::Event> for AuditEvent {
    fn from(e: &event::Event) -> Self {
        Self {
            id: e.id,
            type_: EventType(e.kind),
            actor_id: e.actor.map(domain::UserId::get),
            action: e.kind.as_str().to_owned(),
            target: e.target.clone(),
            data: e.data.clone(),
            request_id: e.request_id.clone(),
            created_at: e.created_at,
        }
    }
}

/// An event type, as a string enum in the document: every type `domain::EventType` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventType(pub domain::EventType);

impl Serialize for EventType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for EventType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        domain::EventType::parse(&s)
            .map(EventType)
            .map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for EventType {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        event_type_schema(|_| true)
    }
}

/// The schema of an event type as a string enum: the types of `domain::EventType::ALL` that
/// `listed` keeps, in that order (every one for the audit log; those endpoints receive for
/// webhooks).
pub(crate) fn event_type_schema(
    listed: fn(domain::EventType) -> bool,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    let names = domain::EventType::ALL
        .iter()
        .copied()
        .filter(|&t| listed(t));
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(names.map(domain::EventType::as_str)))
        .into()
}

impl ToSchema for EventType {}

/// A page of members, by user id.
pub type MemberPage = crate::Page<Member>;
/// A page of the caller's organizations.
pub type MyOrganizationPage = crate::Page<MyOrganization>;
/// A page of audit events, newest first.
pub type AuditEventPage = crate::Page<AuditEvent>;
