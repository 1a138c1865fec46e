//! `rollcallctl members`: the members of an organization; change one's role or permissions;
//! remove one (or leave).

use super::prelude::*;

#[derive(Subcommand)]
pub enum Command {
    /// The organization's members, with their roles and teams.
    List(OrganizationList),
    /// Change a member's role and/or permissions.
    Update {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The member's user id.
        user: i64,
        /// The new role: administrator, manager, billing_manager or member.
        #[arg(long, value_parser = super::role)]
        role: Option<types::Role>,
        #[command(flatten)]
        permissions: PermissionArgs,
    },
    /// Remove a member (yourself: leave the organization).
    Remove {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The member's user id.
        user: i64,
    },
}

/// The columns of a list of members.
const MEMBER: [output::Column; 6] = [
    col("USER", "/userId"),
    col("EMAIL", "/email"),
    col("FIRST NAME", "/firstName"),
    col("LAST NAME", "/lastName"),
    col("ROLE", "/role"),
    col("TEAMS", "/teams"),
];

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let client = ctx.client()?;
    match command {
        Command::List(of) => {
            let call = client
                .member_list()
                .organization_id(of.organization)
                .limit(100_u64);
            list(ctx, call, of.list, &MEMBER).await
        }
        Command::Update {
            organization,
            user,
            role,
            permissions,
        } => {
            if role.is_none() && permissions.group.is_none() {
                return Err(Failure::usage(
                    "nothing to change: pass --role and/or --group (with --read, --manage)",
                ));
            }
            let call = client
                .member_update()
                .organization_id(organization)
                .user_id(user)
                .body(types::UpdateMemberRequest {
                    role,
                    permissions: permissions.input(),
                });
            show(ctx, call, |c| c.send()).await
        }
        Command::Remove { organization, user } => {
            let call = client
                .member_delete()
                .organization_id(organization)
                .user_id(user);
            let sentence = format!("user {user} is no longer a member");
            done(ctx, call, |c| c.send(), sentence).await
        }
    }
}
