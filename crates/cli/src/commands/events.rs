//! `rollcallctl events`: an organization's events (its audit log), newest first: what changed,
//! who changed it, in which request, and the object as it was right after.

use clap::Subcommand;
use uuid::Uuid;

use super::{ListArgs, collect};
use crate::{
    context::Ctx,
    failure::Failure,
    output::{self, col},
};

#[derive(Subcommand)]
pub enum Command {
    /// The organization's events, newest first (administrators).
    List {
        /// The organization's id (a uuid).
        organization: Uuid,
        #[command(flatten)]
        list: ListArgs,
    },
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let Command::List { organization, list } = command;
    let client = ctx.client()?;
    let events = collect(
        client
            .audit_event_list()
            .organization_id(organization)
            .limit(100_u64),
        list,
    )
    .await?;
    output::list(
        ctx,
        &events,
        &[
            col("ID", "/id"),
            col("TYPE", "/type"),
            col("ACTOR", "/actorId"),
            col("TARGET", "/target"),
            col("AT", "/createdAt"),
            col("REQUEST", "/requestId"),
        ],
    )
}
