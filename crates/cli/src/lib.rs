//! `rollcallctl`: Rollcall from a terminal or a script, built on the generated client
//! (`rollcall-client`) alone. Aligned tables for people, `--json` (the API's objects, one
//! document per command) for scripts, and exit codes that say what happened: 0 success, 2 a
//! usage error, 3 refused (a 4xx answer), 4 unavailable (a 5xx answer, or no answer at all).
//!
//! One module per family of the API under `commands/`, each a clap subcommand enum and the `run`
//! that sends it; a new family (webhooks) is one more module and one more variant of
//! [`Command`]. `invite/` invites everyone in a CSV file, through the bulk invite when the
//! server's `/openapi.json` lists it. `main` is a library function so that the integration tests
//! can build the same program inside their own package.

mod commands;
mod context;
mod failure;
mod invite;
mod output;
mod retry;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use context::Options;
pub use failure::Failure;

/// The command line: global options, then one command.
#[derive(Parser)]
#[command(
    name = "rollcallctl",
    version,
    about = "Rollcall from a terminal: organizations, members, teams, invitations, events, and invitations in bulk from a CSV file.",
    after_help = "Exit codes: 0 success; 2 usage error; 3 refused by the server (a 4xx answer, or a CSV row that was not invited); 4 the server was unavailable (a 5xx answer, or no answer).\n\nA bearer comes from your identity provider, or locally from `rollcall token --user 1 --email you@example.com`."
)]
pub struct Cli {
    #[command(flatten)]
    pub options: Options,
    #[command(subcommand)]
    pub command: Command,
}

/// Every family of the API, one subcommand each.
#[derive(Subcommand)]
pub enum Command {
    /// Organizations: create one, view one, list yours.
    #[command(subcommand, visible_alias = "orgs")]
    Organizations(commands::organizations::Command),
    /// Members of an organization: list, change a role or permissions, remove.
    #[command(subcommand)]
    Members(commands::members::Command),
    /// Teams of an organization and their members.
    #[command(subcommand)]
    Teams(commands::teams::Command),
    /// Invitations by email: create, list, view, resend, revoke; and, with a token, look up,
    /// accept, decline.
    #[command(subcommand)]
    Invitations(commands::invitations::Command),
    /// Invite everyone in a CSV file (`email,role[,teams][,locale]`, with a header row).
    Invite(invite::Args),
    /// Webhook endpoints of an organization, their secrets and deliveries (administrators).
    #[command(subcommand)]
    Webhooks(commands::webhooks::Command),
    /// The events (audit log) of an organization.
    #[command(subcommand)]
    Events(commands::events::Command),
    /// Sessions for `/users-organizations/v1` (what `memberships` and `backoffice` need).
    #[command(subcommand)]
    Sessions(commands::sessions::Command),
    /// Memberships of the session's organization (`/users-organizations/v1/ad`).
    #[command(subcommand)]
    Memberships(commands::memberships::Command),
    /// The back office (`/users-organizations/v1/bo`): users, organizations, registrations.
    #[command(subcommand, visible_alias = "bo")]
    Backoffice(commands::backoffice::Command),
    /// Whether the server and its database answer.
    Health,
}

/// Runs `rollcallctl` with the process's arguments and environment; answers its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version print to stdout and succeed; a usage error prints to stderr and
            // exits 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("rollcallctl: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let json = cli.options.json;
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("rollcallctl: {failure}");
            // A script reading stdout gets the server's problem, to branch on its `type`.
            if let (true, Some(problem)) = (json, failure.problem()) {
                let _ = output::print_json(problem);
            }
            failure.exit_code()
        }
    }
}

/// Runs one command.
pub async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let ctx = context::Ctx::new(cli.options);
    use commands as c;
    match cli.command {
        Command::Organizations(command) => c::organizations::run(&ctx, command).await?,
        Command::Members(command) => c::members::run(&ctx, command).await?,
        Command::Teams(command) => c::teams::run(&ctx, command).await?,
        Command::Invitations(command) => c::invitations::run(&ctx, command).await?,
        Command::Invite(args) => return invite::run(&ctx, args).await,
        Command::Events(command) => c::events::run(&ctx, command).await?,
        Command::Webhooks(command) => c::webhooks::run(&ctx, command).await?,
        Command::Sessions(command) => c::sessions::run(&ctx, command).await?,
        Command::Memberships(command) => c::memberships::run(&ctx, command).await?,
        Command::Backoffice(command) => c::backoffice::run(&ctx, command).await?,
        Command::Health => c::health::run(&ctx).await?,
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
