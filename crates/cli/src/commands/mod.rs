//! One module per family of the API: each holds its clap subcommands (`Command`) and the `run`
//! that sends one through the generated client and prints the answer. The helpers here are
//! what several families share: what their modules import (`prelude`), the three ways a command
//! answers (an object, a list walked to its end, or a sentence), a fresh `Idempotency-Key` for a
//! creating call, and the arguments several commands take (`--limit`, an organization's list,
//! permissions from `--group/--read/--manage`).

pub mod backoffice;
pub mod events;
pub mod health;
pub mod invitations;
pub mod members;
pub mod memberships;
pub mod organizations;
pub mod sessions;
pub mod teams;
pub mod webhooks;

use std::future::Future;

use futures_util::TryStreamExt;
use rollcall_client::{Error, ListOperation, Page, ResponseValue, types};
use serde::Serialize;
use uuid::Uuid;

use crate::{context::Ctx, failure::Failure, output, retry};

/// What every family's module works with: clap's derive, the API's types, the context, failures,
/// output, retries, and the helpers and arguments of this module.
mod prelude {
    pub(super) use clap::Subcommand;
    pub(super) use rollcall_client::types;
    pub(super) use uuid::Uuid;

    pub(super) use super::{
        ListArgs, OrganizationList, PermissionArgs, done, idempotency_key, list, show,
    };
    pub(super) use crate::{
        context::Ctx,
        failure::Failure,
        output::{self, col},
        retry,
    };
}

/// Sends the call `builder` makes with `send` (again while the server says to retry later) and
/// prints the object it answers.
pub async fn show<B, T, F, Fut>(ctx: &Ctx, builder: B, send: F) -> Result<(), Failure>
where
    B: Clone,
    T: Serialize,
    F: Fn(B) -> Fut,
    Fut: Future<Output = Result<ResponseValue<T>, Error<types::Problem>>>,
{
    output::object(ctx, &retry::send(ctx, builder, send).await?)
}

/// Sends a call that answers no object (204), then says what it did: `sentence` for people,
/// nothing with `--json`.
pub async fn done<B, F, Fut>(
    ctx: &Ctx,
    builder: B,
    send: F,
    sentence: String,
) -> Result<(), Failure>
where
    B: Clone,
    F: Fn(B) -> Fut,
    Fut: Future<Output = Result<ResponseValue<()>, Error<types::Problem>>>,
{
    retry::send(ctx, builder, send).await?;
    output::done(ctx, &sentence);
    Ok(())
}

/// Prints every item of the list `builder` asks for (up to `--limit`) as `columns`.
pub async fn list<'a, L>(
    ctx: &Ctx,
    builder: L,
    args: ListArgs,
    columns: &[output::Column],
) -> Result<(), Failure>
where
    L: ListOperation<'a>,
    <L::Page as Page>::Item: Send + Serialize + 'a,
{
    output::list(ctx, &collect(builder, args).await?, columns)
}

/// How much of a list to print.
#[derive(clap::Args, Clone, Copy)]
pub struct ListArgs {
    /// Print at most this many items (all by default; pages are followed to the end).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// `<ORGANIZATION> [--limit N]`: a list of what an organization holds.
#[derive(clap::Args, Clone, Copy)]
pub struct OrganizationList {
    /// The organization's id (a uuid).
    pub organization: Uuid,
    #[command(flatten)]
    pub list: ListArgs,
}

/// Every item of the list `builder` asks for, page after page, up to `--limit`.
async fn collect<'a, L>(builder: L, args: ListArgs) -> Result<Vec<<L::Page as Page>::Item>, Failure>
where
    L: ListOperation<'a>,
    <L::Page as Page>::Item: Send + 'a,
{
    let items = builder.items();
    let items = match args.limit {
        Some(n) => first(items, n).await?,
        None => items.try_collect().await?,
    };
    Ok(items)
}

/// The first `n` items of a stream of results.
async fn first<T>(
    mut items: impl futures_util::Stream<Item = Result<T, rollcall_client::ApiError>> + Unpin,
    n: usize,
) -> Result<Vec<T>, rollcall_client::ApiError> {
    let mut out = Vec::with_capacity(n.min(1_000));
    while out.len() < n {
        match items.try_next().await? {
            Some(item) => out.push(item),
            None => break,
        }
    }
    Ok(out)
}

/// A fresh `Idempotency-Key`: a creating call retried after a busy answer is not made twice.
pub fn idempotency_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Permissions as `--group`, `--read` and `--manage` give them.
#[derive(clap::Args, Clone, Default)]
pub struct PermissionArgs {
    /// The permission group.
    #[arg(long, value_name = "GROUP")]
    pub group: Option<i64>,
    /// Module ids to read, comma-separated (with --group).
    #[arg(long, value_name = "IDS", value_delimiter = ',', requires = "group")]
    pub read: Vec<i64>,
    /// Module ids to manage, comma-separated (with --group).
    #[arg(long, value_name = "IDS", value_delimiter = ',', requires = "group")]
    pub manage: Vec<i64>,
}

impl PermissionArgs {
    /// The permissions, when `--group` was given.
    pub fn input(&self) -> Option<types::PermissionsInput> {
        self.group.map(|group| types::PermissionsInput {
            group,
            read: Some(self.read.iter().copied().map(types::ModuleId).collect()),
            manage: Some(self.manage.iter().copied().map(types::ModuleId).collect()),
        })
    }
}

/// An organization role, for clap: the values listed when it is none of them.
pub fn role(value: &str) -> Result<types::Role, String> {
    value.parse().map_err(|_| {
        format!("{value:?} is not a role: administrator, manager, billing_manager or member")
    })
}

/// A team role, for clap.
pub fn team_role(value: &str) -> Result<types::TeamRole, String> {
    value
        .parse()
        .map_err(|_| format!("{value:?} is not a team role: team_manager, developer or viewer"))
}

/// A team assignment written `<teamId>:<role>`, as the CSV's `teams` column writes each one.
pub fn team_assignment(value: &str) -> Result<types::TeamAssignment, String> {
    let (team, role) = value
        .split_once(':')
        .ok_or_else(|| format!("{value:?} is not <teamId>:<role>"))?;
    let team_id = team
        .trim()
        .parse()
        .map_err(|_| format!("{team:?} is not a team id (a uuid)"))?;
    Ok(types::TeamAssignment {
        team_id,
        role: team_role(role.trim())?,
    })
}
