//! `rollcallctl teams`: the teams of an organization, and who is in each with which role.

use clap::Subcommand;
use rollcall_client::types;
use uuid::Uuid;

use super::{ListArgs, collect, idempotency_key};
use crate::{
    context::Ctx,
    failure::Failure,
    output::{self, col},
    retry,
};

#[derive(Subcommand)]
pub enum Command {
    /// Create a team.
    Create {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The team's name.
        name: String,
    },
    /// The organization's teams.
    List {
        /// The organization's id (a uuid).
        organization: Uuid,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Rename a team.
    Rename {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The team's id (a uuid).
        team: Uuid,
        /// Its new name.
        name: String,
    },
    /// Delete a team.
    Delete {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The team's id (a uuid).
        team: Uuid,
    },
    /// The members of a team, with their roles in it.
    Members {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The team's id (a uuid).
        team: Uuid,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Put a member of the organization in a team, or change their role in it.
    Put {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The team's id (a uuid).
        team: Uuid,
        /// The member's user id.
        user: i64,
        /// Their role in the team: team_manager, developer or viewer.
        #[arg(long, value_parser = super::team_role)]
        role: types::TeamRole,
    },
    /// Take a member out of a team.
    Remove {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The team's id (a uuid).
        team: Uuid,
        /// The member's user id.
        user: i64,
    },
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let client = ctx.client()?;
    match command {
        Command::Create { organization, name } => {
            let call = client
                .team_create()
                .organization_id(organization)
                .idempotency_key(idempotency_key())
                .body_map(|b| b.name(name));
            output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?)
        }
        Command::List { organization, list } => {
            let teams = collect(
                client
                    .team_list()
                    .organization_id(organization)
                    .limit(100_u64),
                list,
            )
            .await?;
            output::list(
                ctx,
                &teams,
                &[
                    col("ID", "/id"),
                    col("NAME", "/name"),
                    col("CREATED", "/createdAt"),
                ],
            )
        }
        Command::Rename {
            organization,
            team,
            name,
        } => {
            let call = client
                .team_update()
                .organization_id(organization)
                .team_id(team)
                .body_map(|b| b.name(name));
            output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?)
        }
        Command::Delete { organization, team } => {
            let call = client
                .team_delete()
                .organization_id(organization)
                .team_id(team);
            retry::send(ctx, call, |c| c.send()).await?;
            output::done(ctx, &format!("team {team} deleted"));
            Ok(())
        }
        Command::Members {
            organization,
            team,
            list,
        } => {
            let members = collect(
                client
                    .team_member_list()
                    .organization_id(organization)
                    .team_id(team)
                    .limit(100_u64),
                list,
            )
            .await?;
            output::list(
                ctx,
                &members,
                &[
                    col("USER", "/userId"),
                    col("EMAIL", "/email"),
                    col("FIRST NAME", "/firstName"),
                    col("LAST NAME", "/lastName"),
                    col("ROLE", "/role"),
                ],
            )
        }
        Command::Put {
            organization,
            team,
            user,
            role,
        } => {
            let call = client
                .team_member_put()
                .organization_id(organization)
                .team_id(team)
                .user_id(user)
                .body_map(|b| b.role(role));
            output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?)
        }
        Command::Remove {
            organization,
            team,
            user,
        } => {
            let call = client
                .team_member_delete()
                .organization_id(organization)
                .team_id(team)
                .user_id(user);
            retry::send(ctx, call, |c| c.send()).await?;
            output::done(ctx, &format!("user {user} is no longer in team {team}"));
            Ok(())
        }
    }
}
