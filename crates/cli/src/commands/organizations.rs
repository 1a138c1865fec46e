//! `rollcallctl organizations`: create one (you become its administrator), view one, list yours.

use super::prelude::*;

#[derive(Subcommand)]
pub enum Command {
    /// Create an organization; you become its administrator.
    Create {
        /// Its name (1–250 characters).
        name: String,
    },
    /// View an organization you are a member of.
    View {
        /// The organization's id (a uuid).
        organization: Uuid,
    },
    /// The organizations you are a member of, with your role in each.
    List(ListArgs),
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let client = ctx.client()?;
    match command {
        Command::Create { name } => {
            let call = client
                .organization_create()
                .idempotency_key(idempotency_key())
                .body_map(|b| b.name(name));
            show(ctx, call, |c| c.send()).await
        }
        Command::View { organization } => {
            let call = client.organization_view().organization_id(organization);
            show(ctx, call, |c| c.send()).await
        }
        Command::List(args) => {
            let columns = [
                col("ID", "/organization/id"),
                col("NAME", "/organization/name"),
                col("NUMERIC ID", "/organization/numericId"),
                col("ROLE", "/role"),
                col("JOINED", "/joinedAt"),
            ];
            list(
                ctx,
                client.me_organization_list().limit(100_u64),
                args,
                &columns,
            )
            .await
        }
    }
}
