//! Events: every change appends one, in its own transaction. An event has a type
//! (`<resource>.<past tense>`) and a `data` snapshot of the public object as the API showed it at
//! that moment (never a token). The audit log lists them; webhooks deliver the organization's.

use chrono::{DateTime, Utc};

use crate::{Error, OrganizationId, Result, UserId};

macro_rules! event_types {
    ($($variant:ident => $name:literal, $webhook:literal;)*) => {
        /// What happened.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventType {
            $($variant,)*
        }

        impl EventType {
            /// Every event type, in the order the design lists them.
            pub const ALL: &'static [EventType] = &[$(EventType::$variant,)*];

            /// The type's name as stored and shown (`invitation.accepted`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(EventType::$variant => $name,)*
                }
            }

            pub fn parse(s: &str) -> Result<Self> {
                match s {
                    $($name => Ok(EventType::$variant),)*
                    _ => Err(Error::invalid("", format!("{s:?} is not an event type"))),
                }
            }

            /// Whether an organization's webhooks may subscribe to it: every organization-scoped
            /// event; `user.created` and `organization.created` are audit-only.
            pub const fn is_webhook_event(self) -> bool {
                match self {
                    $(EventType::$variant => $webhook,)*
                }
            }
        }
    };
}

event_types! {
    UserCreated => "user.created", false;
    OrganizationCreated => "organization.created", false;
    InvitationCreated => "invitation.created", true;
    InvitationResent => "invitation.resent", true;
    InvitationRevoked => "invitation.revoked", true;
    InvitationAccepted => "invitation.accepted", true;
    InvitationDeclined => "invitation.declined", true;
    InvitationExpired => "invitation.expired", true;
    MembershipCreated => "membership.created", true;
    MembershipInvited => "membership.invited", true;
    MembershipRegistered => "membership.registered", true;
    MembershipUpdated => "membership.updated", true;
    MembershipDeleted => "membership.deleted", true;
    MembershipRestored => "membership.restored", true;
    TeamCreated => "team.created", true;
    TeamRenamed => "team.renamed", true;
    TeamDeleted => "team.deleted", true;
    TeamMembershipSet => "team_membership.set", true;
    TeamMembershipDeleted => "team_membership.deleted", true;
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event about to be appended.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub kind: EventType,
    /// The organization it happened in; `None` for audit-only events outside any (a profile).
    pub organization_id: Option<OrganizationId>,
    /// Who did it; `None` for the back office acting without a profile, and for the system.
    pub actor: Option<UserId>,
    /// What it happened to, as `<resource>:<id>` (`invitation:3c90c3cc-…`).
    pub target: String,
    /// The public object as the API shows it now (with `organizationId` where it has one).
    pub data: serde_json::Value,
    pub request_id: String,
    pub at: DateTime<Utc>,
}

impl NewEvent {
    /// The body its webhook deliveries carry, when endpoints may receive it: an event of an
    /// organization, of a type that is not audit-only.
    pub fn webhook_payload(&self) -> Option<String> {
        (self.organization_id.is_some() && self.kind.is_webhook_event())
            .then(|| crate::webhook::payload(self.kind.as_str(), self.at, &self.data))
    }
}

/// One entry of the append-only event log, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: i64,
    pub kind: EventType,
    pub organization_id: Option<OrganizationId>,
    pub actor: Option<UserId>,
    pub target: String,
    /// `None` only for events recorded before snapshots were kept.
    pub data: Option<serde_json::Value>,
    pub request_id: String,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_reads_back_its_name() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Ok(*t));
        }
        assert_eq!(EventType::ALL.len(), 19);
    }

    #[test]
    fn only_profile_and_organization_creation_are_audit_only() {
        let audit_only: Vec<_> = EventType::ALL
            .iter()
            .filter(|t| !t.is_webhook_event())
            .map(|t| t.as_str())
            .collect();
        assert_eq!(audit_only, ["user.created", "organization.created"]);
    }
}
