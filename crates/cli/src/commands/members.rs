//! `rollcallctl members`: the members of an organization; change one's role or permissions;
//! remove one (or leave).

use clap::Subcommand;
use rollcall_client::types;
use uuid::Uuid;

use super::{ListArgs, PermissionArgs, collect};
use crate::{
    context::Ctx,
    failure::Failure,
    output::{self, col},
    retry,
};

#[derive(Subcommand)]
pub enum Command {
    /// The organization's members, with their roles and teams.
    List {
        /// The organization's id (a uuid).
        organization: Uuid,
        #[command(flatten)]
        list: ListArgs,
    },
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
        Command::List { organization, list } => {
            let members = collect(
                client
                    .member_list()
                    .organization_id(organization)
                    .limit(100_u64),
                list,
            )
            .await?;
            output::list(ctx, &members, &MEMBER)
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
            output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?)
        }
        Command::Remove { organization, user } => {
            let call = client
                .member_delete()
                .organization_id(organization)
                .user_id(user);
            retry::send(ctx, call, |c| c.send()).await?;
            output::done(ctx, &format!("user {user} is no longer a member"));
            Ok(())
        }
    }
}
