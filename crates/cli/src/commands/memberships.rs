//! `rollcallctl memberships`: seed 000 and 001's family, `/users-organizations/v1/ad`, acting on
//! the organization of the session (`--session`): add a person at once, list, view, change the
//! scope or permissions, remove and restore memberships.

use super::prelude::*;

#[derive(Subcommand)]
pub enum Command {
    /// Add a person to the session's organization at once (seed 000), as a member.
    Invite {
        /// Their email address.
        #[arg(long)]
        email: String,
        /// Their first name.
        #[arg(long)]
        first_name: String,
        /// Their last name.
        #[arg(long)]
        last_name: String,
        /// Their permission group.
        #[arg(long, default_value_t = 0)]
        group: i64,
    },
    /// The memberships of the session's organization.
    List {
        /// Only this scope: 1 administrators, 2 everyone else.
        #[arg(long)]
        scope: Option<i64>,
        /// Include removed (soft-deleted) memberships.
        #[arg(long)]
        include_deleted: bool,
        #[command(flatten)]
        list: ListArgs,
    },
    /// View one membership.
    View {
        /// The user id.
        user: i64,
    },
    /// Change a membership's scope and/or permissions.
    Update {
        /// The user id.
        user: i64,
        /// 1 makes them an administrator; 2 a member (an administrator's role becomes member).
        #[arg(long)]
        scope: Option<i64>,
        #[command(flatten)]
        permissions: PermissionArgs,
    },
    /// Remove a membership (a soft delete: `restore` undoes it).
    Delete {
        /// The user id.
        user: i64,
    },
    /// Restore a removed membership.
    Restore {
        /// The user id.
        user: i64,
    },
}

/// The columns of a list of memberships.
pub const MEMBERSHIP: [output::Column; 6] = [
    col("USER", "/userId"),
    col("ORGANIZATION", "/organizationId"),
    col("SCOPE", "/scope"),
    col("ROLE", "/role"),
    col("UPDATED", "/updatedAt"),
    col("DELETED", "/deletedAt"),
];

/// A scope as the document takes it: 1 or 2.
pub fn scope(scope: i64) -> Result<types::Scope, Failure> {
    types::Scope::try_from(scope)
        .map_err(|_| Failure::usage(format!("--scope {scope}: a scope is 1 or 2")))
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let client = ctx.v1()?;
    let membership = match command {
        Command::Invite {
            email,
            first_name,
            last_name,
            group,
        } => {
            let call = client
                .ad_user_invite()
                .idempotency_key(idempotency_key())
                .body_map(|b| {
                    b.email(email)
                        .first_name(first_name)
                        .last_name(last_name)
                        .permissions(types::PermissionsInput::builder().group(group))
                });
            retry::send(ctx, call, |c| c.send()).await?
        }
        Command::List {
            scope: wanted,
            include_deleted,
            list: args,
        } => {
            let mut call = client.ad_user_list().limit(100_u64);
            if let Some(s) = wanted {
                call = call.scope(scope(s)?);
            }
            if include_deleted {
                call = call.include_deleted(true);
            }
            return list(ctx, call, args, &MEMBERSHIP).await;
        }
        Command::View { user } => {
            retry::send(ctx, client.ad_user_view().user_id(user), |c| c.send()).await?
        }
        Command::Update {
            user,
            scope: wanted,
            permissions,
        } => {
            if wanted.is_none() && permissions.group.is_none() {
                return Err(Failure::usage(
                    "nothing to change: pass --scope and/or --group (with --read, --manage)",
                ));
            }
            let body = types::UpdateMembershipRequest {
                scope: wanted.map(scope).transpose()?,
                permissions: permissions.input(),
            };
            let call = client.ad_user_update().user_id(user).body(body);
            retry::send(ctx, call, |c| c.send()).await?
        }
        Command::Delete { user } => {
            retry::send(ctx, client.ad_user_delete().user_id(user), |c| c.send()).await?
        }
        Command::Restore { user } => {
            retry::send(ctx, client.ad_user_restore().user_id(user), |c| c.send()).await?
        }
    };
    output::object(ctx, &membership.data)
}
