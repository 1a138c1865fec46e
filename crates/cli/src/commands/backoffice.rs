//! `rollcallctl backoffice`: the operator's endpoints, `/users-organizations/v1/bo` (a bearer
//! with the `backoffice` role and a session, possibly of no organization): users, organizations,
//! and registering a user in an organization (seed 001).

use super::{memberships, prelude::*};

#[derive(Subcommand)]
pub enum Command {
    /// Users: create, find by email, view, and their memberships.
    #[command(subcommand)]
    Users(Users),
    /// Organizations: create, view.
    #[command(subcommand)]
    Organizations(Organizations),
    /// Make a user a member of an organization, or restore a removed membership (seed 001).
    Register {
        /// The user id.
        user: i64,
        /// The organization's numeric id.
        organization: i64,
        /// 1 administrator, 2 member.
        #[arg(long)]
        scope: i64,
        #[command(flatten)]
        permissions: PermissionArgs,
    },
    /// Remove a user's membership of an organization.
    Unregister {
        /// The user id.
        user: i64,
        /// The organization's numeric id.
        organization: i64,
    },
}

#[derive(Subcommand)]
pub enum Users {
    /// Create a user profile.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
    },
    /// Find users by email.
    Find {
        #[arg(long)]
        email: String,
        #[command(flatten)]
        list: ListArgs,
    },
    /// View a user.
    View { user: i64 },
    /// A user's memberships.
    Organizations {
        user: i64,
        #[command(flatten)]
        list: ListArgs,
    },
}

#[derive(Subcommand)]
pub enum Organizations {
    /// Create an organization (no member yet; `register` adds its first).
    Create { name: String },
    /// View an organization by its numeric id.
    View { organization: i64 },
}

const USER: [output::Column; 5] = [
    col("ID", "/id"),
    col("EMAIL", "/email"),
    col("FIRST NAME", "/firstName"),
    col("LAST NAME", "/lastName"),
    col("DELETED", "/deletedAt"),
];

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let client = ctx.v1()?;
    match command {
        Command::Users(users) => match users {
            Users::Create {
                email,
                first_name,
                last_name,
            } => {
                let call = client
                    .bo_user_create()
                    .idempotency_key(idempotency_key())
                    .body_map(|b| b.email(email).first_name(first_name).last_name(last_name));
                output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?.data)
            }
            Users::Find { email, list: args } => {
                let call = client.bo_user_list().email(email).limit(100_u64);
                list(ctx, call, args, &USER).await
            }
            Users::View { user } => {
                let call = client.bo_user_view().user_id(user);
                output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?.data)
            }
            Users::Organizations { user, list: args } => {
                let call = client
                    .bo_user_organization_list()
                    .user_id(user)
                    .limit(100_u64);
                list(ctx, call, args, &memberships::MEMBERSHIP).await
            }
        },
        Command::Organizations(organizations) => match organizations {
            Organizations::Create { name } => {
                let call = client
                    .bo_organization_create()
                    .idempotency_key(idempotency_key())
                    .body_map(|b| b.name(name));
                output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?.data)
            }
            Organizations::View { organization } => {
                let call = client.bo_organization_view().organization_id(organization);
                output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?.data)
            }
        },
        Command::Register {
            user,
            organization,
            scope,
            permissions,
        } => {
            let body = types::RegisterUserOrganizationRequest {
                scope: memberships::scope(scope)?,
                permissions: permissions.input().unwrap_or(types::PermissionsInput {
                    group: 0,
                    read: None,
                    manage: None,
                }),
            };
            let call = client
                .bo_user_organization_register()
                .user_id(user)
                .organization_id(organization)
                .idempotency_key(idempotency_key())
                .body(body);
            output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?.data)
        }
        Command::Unregister { user, organization } => {
            let call = client
                .bo_user_organization_delete()
                .user_id(user)
                .organization_id(organization);
            output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?.data)
        }
    }
}
