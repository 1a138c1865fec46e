//! `rollcallctl sessions`: a session token for `/users-organizations/v1`, acting on one of your
//! organizations (by its numeric id), or on none for a back-office operator.

use clap::Subcommand;

use crate::{context::Ctx, failure::Failure, output, retry};

#[derive(Subcommand)]
pub enum Command {
    /// A session for an organization you are a live member of (none: back office only). Pass
    /// its token as --session or ROLLCALL_SESSION.
    Create {
        /// The organization's numeric id (`numericId`).
        organization: Option<i64>,
    },
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let Command::Create { organization } = command;
    let client = ctx.client()?;
    let call = client
        .session_create()
        .body_map(|b| b.organization_id(organization));
    let session = retry::send(ctx, call, |c| c.send()).await?;
    output::object(ctx, &session.data)
}
