//! `rollcallctl teams`: the teams of an organization, and who is in each with which role.

use super::prelude::*;

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
    List(OrganizationList),
    /// Rename a team.
    Rename {
        #[command(flatten)]
        team: Team,
        /// Its new name.
        name: String,
    },
    /// Delete a team.
    Delete(Team),
    /// The members of a team, with their roles in it.
    Members {
        #[command(flatten)]
        team: Team,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Put a member of the organization in a team, or change their role in it.
    Put {
        #[command(flatten)]
        team: Team,
        /// The member's user id.
        user: i64,
        /// Their role in the team: team_manager, developer or viewer.
        #[arg(long, value_parser = super::team_role)]
        role: types::TeamRole,
    },
    /// Take a member out of a team.
    Remove {
        #[command(flatten)]
        team: Team,
        /// The member's user id.
        user: i64,
    },
}

/// `<ORGANIZATION> <TEAM>`: one team of an organization.
#[derive(clap::Args, Clone, Copy)]
pub struct Team {
    /// The organization's id (a uuid).
    organization: Uuid,
    /// The team's id (a uuid).
    team: Uuid,
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
            show(ctx, call, |c| c.send()).await
        }
        Command::List(of) => {
            let call = client
                .team_list()
                .organization_id(of.organization)
                .limit(100_u64);
            let columns = [
                col("ID", "/id"),
                col("NAME", "/name"),
                col("CREATED", "/createdAt"),
            ];
            list(ctx, call, of.list, &columns).await
        }
        Command::Rename {
            team: Team { organization, team },
            name,
        } => {
            let call = client
                .team_update()
                .organization_id(organization)
                .team_id(team)
                .body_map(|b| b.name(name));
            show(ctx, call, |c| c.send()).await
        }
        Command::Delete(Team { organization, team }) => {
            let call = client
                .team_delete()
                .organization_id(organization)
                .team_id(team);
            done(ctx, call, |c| c.send(), format!("team {team} deleted")).await
        }
        Command::Members {
            team: Team { organization, team },
            list: args,
        } => {
            let call = client
                .team_member_list()
                .organization_id(organization)
                .team_id(team)
                .limit(100_u64);
            let columns = [
                col("USER", "/userId"),
                col("EMAIL", "/email"),
                col("FIRST NAME", "/firstName"),
                col("LAST NAME", "/lastName"),
                col("ROLE", "/role"),
            ];
            list(ctx, call, args, &columns).await
        }
        Command::Put {
            team: Team { organization, team },
            user,
            role,
        } => {
            let call = client
                .team_member_put()
                .organization_id(organization)
                .team_id(team)
                .user_id(user)
                .body_map(|b| b.role(role));
            show(ctx, call, |c| c.send()).await
        }
        Command::Remove {
            team: Team { organization, team },
            user,
        } => {
            let call = client
                .team_member_delete()
                .organization_id(organization)
                .team_id(team)
                .user_id(user);
            let sentence = format!("user {user} is no longer in team {team}");
            done(ctx, call, |c| c.send(), sentence).await
        }
    }
}
