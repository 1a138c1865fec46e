//! `rollcallctl health`: whether the server answers and its database too (`/readyz`); exit code
//! 4 when not.

use super::prelude::*;

pub async fn run(ctx: &Ctx) -> Result<(), Failure> {
    let client = ctx.anonymous()?;
    let call = client.ready_view();
    show(ctx, call, |c| c.send()).await
}
