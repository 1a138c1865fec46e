//! `rollcallctl health`: whether the server answers and its database too (`/readyz`); exit code
//! 4 when not.

use crate::{context::Ctx, failure::Failure, output, retry};

pub async fn run(ctx: &Ctx) -> Result<(), Failure> {
    let client = ctx.anonymous()?;
    let call = client.ready_view();
    output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?)
}
