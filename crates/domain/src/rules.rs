//! Who may do what. Each rule takes the acting member's role (and permissions where they
//! matter) and answers `Ok(())` or the `Forbidden` error to show.

use crate::{Error, Permissions, Result, Role, model::Membership};

/// Administrators and managers invite and manage members; billing managers and members read.
pub fn may_manage_members(actor: Role) -> Result<()> {
    match actor {
        Role::Administrator | Role::Manager => Ok(()),
        Role::BillingManager | Role::Member => Err(Error::Forbidden(format!(
            "a {} cannot invite or manage members; ask an administrator or a manager",
            actor.as_str()
        ))),
    }
}

/// Only administrators read the audit log.
pub fn may_read_audit_log(actor: Role) -> Result<()> {
    administrators_only(actor, "read the audit log")
}

/// Only administrators manage webhooks: an endpoint receives every member's changes.
pub fn may_manage_webhooks(actor: Role) -> Result<()> {
    administrators_only(actor, "manage webhooks")
}

/// `Ok` for an administrator; for any other role, the `Forbidden` error saying only
/// administrators `act`.
fn administrators_only(actor: Role, act: &str) -> Result<()> {
    match actor {
        Role::Administrator => Ok(()),
        other => Err(Error::Forbidden(format!(
            "only administrators {act}; you are a {}",
            other.as_str()
        ))),
    }
}

/// Only administrators grant the administrator role.
pub fn may_grant_role(actor: Role, granted: Role) -> Result<()> {
    may_manage_members(actor)?;
    if granted == Role::Administrator && actor != Role::Administrator {
        return Err(Error::Forbidden(
            "only an administrator can grant the administrator role".into(),
        ));
    }
    Ok(())
}

/// A manager grants only module ids in its own `manage` set; administrators grant any.
pub fn may_grant_permissions(
    actor: Role,
    actor_permissions: &Permissions,
    granted: &Permissions,
) -> Result<()> {
    may_manage_members(actor)?;
    if actor == Role::Administrator {
        return Ok(());
    }
    let own = &actor_permissions.manage;
    if granted.read.is_subset_of(own) && granted.manage.is_subset_of(own) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "a manager can grant only module ids in its own `manage` set".into(),
        ))
    }
}

/// Inviting someone with `role` and `permissions` (and so resending or revoking such an
/// invitation): administrators and managers; only administrators for the administrator role; a
/// manager grants only module ids it manages.
pub fn may_invite(actor: &Membership, role: Role, permissions: Option<&Permissions>) -> Result<()> {
    may_grant_role(actor.role, role)?;
    if let Some(p) = permissions {
        may_grant_permissions(actor.role, &actor.permissions, p)?;
    }
    Ok(())
}

/// Restoring a deleted membership grants its role and permissions again: it obeys the rules of
/// granting them.
pub fn may_restore_member(actor: &Membership, deleted: &Membership) -> Result<()> {
    may_invite(actor, deleted.role, Some(&deleted.permissions))
}

/// Changing another member's role or permissions: administrators and managers; only
/// administrators change an administrator or grant the role; a manager grants only ids it manages.
pub fn may_change_member(
    actor: &Membership,
    target: &Membership,
    role: Option<Role>,
    permissions: Option<&Permissions>,
) -> Result<()> {
    may_manage_members(actor.role)?;
    administrators_act_on_administrators(actor.role, target.role, "change")?;
    if let Some(role) = role {
        may_grant_role(actor.role, role)?;
    }
    if let Some(p) = permissions {
        may_grant_permissions(actor.role, &actor.permissions, p)?;
    }
    Ok(())
}

/// Removing a member: anyone may leave; otherwise administrators and managers, and only
/// administrators remove an administrator.
pub fn may_remove_member(actor: &Membership, target: &Membership) -> Result<()> {
    if actor.user_id == target.user_id {
        return Ok(());
    }
    may_manage_members(actor.role)?;
    administrators_act_on_administrators(actor.role, target.role, "remove")?;
    Ok(())
}

/// Only an administrator may `act` on (change, remove) an administrator.
fn administrators_act_on_administrators(actor: Role, target: Role, act: &str) -> Result<()> {
    if target == Role::Administrator && actor != Role::Administrator {
        return Err(Error::Forbidden(format!(
            "only an administrator can {act} an administrator"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perms(manage: &[i64]) -> Permissions {
        Permissions::parse(0, Some(manage), Some(manage)).unwrap()
    }

    #[test]
    fn billing_managers_and_members_cannot_invite() {
        assert!(may_manage_members(Role::Administrator).is_ok());
        assert!(may_manage_members(Role::Manager).is_ok());
        assert!(matches!(
            may_manage_members(Role::BillingManager),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            may_manage_members(Role::Member),
            Err(Error::Forbidden(_))
        ));
    }

    #[test]
    fn only_administrators_read_the_audit_log() {
        assert!(may_read_audit_log(Role::Administrator).is_ok());
        for r in [Role::Manager, Role::BillingManager, Role::Member] {
            assert!(matches!(may_read_audit_log(r), Err(Error::Forbidden(_))));
        }
    }

    #[test]
    fn only_administrators_grant_the_administrator_role() {
        assert!(may_grant_role(Role::Administrator, Role::Administrator).is_ok());
        assert!(may_grant_role(Role::Manager, Role::Administrator).is_err());
        assert!(may_grant_role(Role::Manager, Role::Member).is_ok());
    }

    fn member(user: i64, role: Role) -> Membership {
        let now = chrono::Utc::now();
        Membership {
            user_id: crate::UserId::parse(user).unwrap(),
            organization_id: crate::OrganizationId::parse(1).unwrap(),
            role,
            permissions: perms(&[1]),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }

    /// An administrator, a manager and a member (users 1, 2 and 3) of one organization.
    fn staff() -> (Membership, Membership, Membership) {
        (
            member(1, Role::Administrator),
            member(2, Role::Manager),
            member(3, Role::Member),
        )
    }

    #[test]
    fn managers_change_members_but_not_administrators() {
        let (admin, manager, other) = staff();
        assert!(may_change_member(&manager, &other, Some(Role::BillingManager), None).is_ok());
        assert!(may_change_member(&manager, &admin, Some(Role::Member), None).is_err());
        assert!(may_change_member(&manager, &other, Some(Role::Administrator), None).is_err());
        assert!(may_change_member(&manager, &other, None, Some(&perms(&[2]))).is_err());
        assert!(
            may_change_member(
                &admin,
                &manager,
                Some(Role::Administrator),
                Some(&perms(&[9]))
            )
            .is_ok()
        );
        assert!(may_change_member(&other, &manager, Some(Role::Member), None).is_err());
    }

    #[test]
    fn anyone_may_leave_but_only_administrators_remove_administrators() {
        let (admin, manager, other) = staff();
        assert!(may_remove_member(&other, &other).is_ok());
        assert!(may_remove_member(&other, &manager).is_err());
        assert!(may_remove_member(&manager, &other).is_ok());
        assert!(may_remove_member(&manager, &admin).is_err());
        assert!(may_remove_member(&admin, &manager).is_ok());
    }

    #[test]
    fn a_manager_invites_resends_and_restores_only_what_it_could_grant() {
        let (admin, manager, mut deleted) = staff();
        assert!(may_invite(&manager, Role::Member, Some(&perms(&[1]))).is_ok());
        assert!(may_invite(&manager, Role::Administrator, None).is_err());
        assert!(may_invite(&manager, Role::Member, Some(&perms(&[1, 9]))).is_err());
        assert!(may_invite(&admin, Role::Administrator, Some(&perms(&[9]))).is_ok());
        assert!(may_restore_member(&manager, &deleted).is_ok());
        deleted.permissions = perms(&[9]);
        assert!(may_restore_member(&manager, &deleted).is_err());
        assert!(may_restore_member(&manager, &member(4, Role::Administrator)).is_err());
        assert!(may_restore_member(&admin, &deleted).is_ok());
    }

    #[test]
    fn a_manager_grants_only_ids_it_manages() {
        let own = perms(&[1, 2]);
        assert!(may_grant_permissions(Role::Manager, &own, &perms(&[2])).is_ok());
        assert!(may_grant_permissions(Role::Manager, &own, &perms(&[2, 3])).is_err());
        assert!(may_grant_permissions(Role::Administrator, &perms(&[]), &perms(&[9])).is_ok());
    }
}
