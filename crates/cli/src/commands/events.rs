//! `rollcallctl events`: an organization's events (its audit log), newest first: what changed,
//! who changed it, in which request, and the object as it was right after.

use super::prelude::*;

#[derive(Subcommand)]
pub enum Command {
    /// The organization's events, newest first (administrators).
    List(OrganizationList),
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let Command::List(of) = command;
    let client = ctx.client()?;
    let call = client
        .audit_event_list()
        .organization_id(of.organization)
        .limit(100_u64);
    let columns = [
        col("ID", "/id"),
        col("TYPE", "/type"),
        col("ACTOR", "/actorId"),
        col("TARGET", "/target"),
        col("AT", "/createdAt"),
        col("REQUEST", "/requestId"),
    ];
    list(ctx, call, of.list, &columns).await
}
