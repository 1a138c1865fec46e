//! Roles and statuses. `Role` is the truth about a membership; `Scope` (seed 001's `1 | 2`) is
//! derived from it: 1 for an administrator, 2 for every other role.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A member's role in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Administrator,
    Manager,
    BillingManager,
    Member,
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Manager => "manager",
            Role::BillingManager => "billing_manager",
            Role::Member => "member",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "administrator" => Ok(Role::Administrator),
            "manager" => Ok(Role::Manager),
            "billing_manager" => Ok(Role::BillingManager),
            "member" => Ok(Role::Member),
            _ => Err(Error::invalid(
                "",
                "must be one of administrator, manager, billing_manager, member",
            )),
        }
    }
    /// The scope this role shows as: 1 for administrators, 2 otherwise.
    pub const fn scope(self) -> Scope {
        match self {
            Role::Administrator => Scope::Administrator,
            _ => Scope::Standard,
        }
    }
    /// The role after writing `scope`: scope 1 makes an administrator; scope 2 makes an
    /// administrator a member and leaves any other role as it is.
    pub const fn with_scope(self, scope: Scope) -> Role {
        match (scope, self) {
            (Scope::Administrator, _) => Role::Administrator,
            (Scope::Standard, Role::Administrator) => Role::Member,
            (Scope::Standard, other) => other,
        }
    }
}

/// A change of role as a request states it: a role outright (the `/organization` family) or a
/// scope (the `users-organizations/v1` family), whose effect depends on the current role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChange {
    To(Role),
    Scope(Scope),
}

impl RoleChange {
    /// The role after the change; `current` is `None` for a membership that does not exist yet
    /// (a new membership starts as `member` before a scope is applied).
    pub const fn apply(self, current: Option<Role>) -> Role {
        match (self, current) {
            (RoleChange::To(role), _) => role,
            (RoleChange::Scope(scope), Some(role)) => role.with_scope(scope),
            (RoleChange::Scope(scope), None) => Role::Member.with_scope(scope),
        }
    }
}

/// Seed 001's scope: 1 (administrator) or 2 (anyone else).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Administrator = 1,
    Standard = 2,
}

impl Scope {
    pub fn parse(v: i64) -> Result<Self> {
        match v {
            1 => Ok(Scope::Administrator),
            2 => Ok(Scope::Standard),
            _ => Err(Error::invalid(
                "",
                "must be 1 (administrator) or 2 (member)",
            )),
        }
    }
    pub const fn get(self) -> i64 {
        self as i64
    }
}

/// A member's role inside a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    TeamManager,
    Developer,
    Viewer,
}

impl TeamRole {
    pub const fn as_str(self) -> &'static str {
        match self {
            TeamRole::TeamManager => "team_manager",
            TeamRole::Developer => "developer",
            TeamRole::Viewer => "viewer",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "team_manager" => Ok(TeamRole::TeamManager),
            "developer" => Ok(TeamRole::Developer),
            "viewer" => Ok(TeamRole::Viewer),
            _ => Err(Error::invalid(
                "",
                "must be one of team_manager, developer, viewer",
            )),
        }
    }
}

/// Where an invitation stands. `Expired` is derived from `expiresAt` for a pending row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
    Revoked,
    Expired,
}

impl InvitationStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(Self::Pending),
            "accepted" => Ok(Self::Accepted),
            "declined" => Ok(Self::Declined),
            "revoked" => Ok(Self::Revoked),
            "expired" => Ok(Self::Expired),
            _ => Err(Error::invalid(
                "",
                "must be one of pending, accepted, declined, revoked, expired",
            )),
        }
    }
    /// The status a caller sees: a stored `pending` past its expiry shows as `expired`.
    pub fn effective(
        self,
        expires_at: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        if self == Self::Pending && expires_at <= now {
            Self::Expired
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_and_team_role_reads_back_what_it_writes() {
        for r in [
            Role::Administrator,
            Role::Manager,
            Role::BillingManager,
            Role::Member,
        ] {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        for r in [TeamRole::TeamManager, TeamRole::Developer, TeamRole::Viewer] {
            assert_eq!(TeamRole::parse(r.as_str()), Ok(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert!(TeamRole::parse("owner").is_err());
    }

    #[test]
    fn scope_is_derived_from_role() {
        assert_eq!(Role::Administrator.scope(), Scope::Administrator);
        for r in [Role::Manager, Role::BillingManager, Role::Member] {
            assert_eq!(r.scope(), Scope::Standard);
        }
    }

    #[test]
    fn writing_scope_2_demotes_only_administrators() {
        assert_eq!(
            Role::Administrator.with_scope(Scope::Standard),
            Role::Member
        );
        assert_eq!(Role::Manager.with_scope(Scope::Standard), Role::Manager);
        assert_eq!(
            Role::Member.with_scope(Scope::Administrator),
            Role::Administrator
        );
    }

    #[test]
    fn a_scope_change_keeps_a_manager_and_demotes_an_administrator() {
        assert_eq!(
            RoleChange::Scope(Scope::Standard).apply(Some(Role::Manager)),
            Role::Manager
        );
        assert_eq!(
            RoleChange::Scope(Scope::Standard).apply(Some(Role::Administrator)),
            Role::Member
        );
        assert_eq!(RoleChange::Scope(Scope::Standard).apply(None), Role::Member);
        assert_eq!(
            RoleChange::Scope(Scope::Administrator).apply(None),
            Role::Administrator
        );
        assert_eq!(
            RoleChange::To(Role::BillingManager).apply(Some(Role::Administrator)),
            Role::BillingManager
        );
    }

    #[test]
    fn a_pending_invitation_past_its_expiry_reads_as_expired() {
        let now = chrono::Utc::now();
        let past = now - chrono::Duration::seconds(1);
        assert_eq!(
            InvitationStatus::Pending.effective(past, now),
            InvitationStatus::Expired
        );
        assert_eq!(
            InvitationStatus::Revoked.effective(past, now),
            InvitationStatus::Revoked
        );
        assert_eq!(
            InvitationStatus::Pending.effective(now + chrono::Duration::days(1), now),
            InvitationStatus::Pending
        );
    }
}
