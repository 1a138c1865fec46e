//! `rollcallctl invitations`: invite one person by email, list, view, resend and revoke
//! invitations; and what the holder of a token does with it: look it up, accept, decline.
//! (Everyone in a CSV file at once: `rollcallctl invite`.)

use super::prelude::*;

#[derive(Subcommand)]
pub enum Command {
    /// Invite a person by email; prints the invitation with its token (shown once).
    Create {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// Their email address.
        email: String,
        /// The role they get: administrator, manager, billing_manager or member.
        #[arg(long, default_value = "member", value_parser = super::role)]
        role: types::Role,
        /// A team they join, as <teamId>:<role> (team_manager, developer, viewer); repeat it.
        #[arg(long = "team", value_name = "TEAM:ROLE", value_parser = super::team_assignment)]
        teams: Vec<types::TeamAssignment>,
        /// How long the invitation lives, in seconds (3600 to 2592000; 7 days by default).
        #[arg(long, value_name = "SECONDS")]
        expires_in: Option<i64>,
        /// Send no email: you deliver the token yourself.
        #[arg(long)]
        no_email: bool,
        /// The email's language, a BCP 47 tag (fr, pt-BR).
        #[arg(long)]
        locale: Option<String>,
    },
    /// The organization's invitations, newest first.
    List {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// Only these statuses (pending, accepted, declined, revoked, expired); repeat it.
        #[arg(long, value_parser = status)]
        status: Vec<types::InvitationStatus>,
        /// Only invitations to this email.
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        list: ListArgs,
    },
    /// View one invitation (without its token).
    View(Invitation),
    /// A new token and expiry for a pending or expired invitation; the old token stops working.
    Resend {
        #[command(flatten)]
        invitation: Invitation,
        /// Send no email: you deliver the new token yourself.
        #[arg(long)]
        no_email: bool,
        /// The email's language, a BCP 47 tag.
        #[arg(long)]
        locale: Option<String>,
    },
    /// Revoke a pending invitation; its token stops working.
    Revoke(Invitation),
    /// What an invitation token offers (no login needed).
    Lookup {
        /// The invitation token.
        token: String,
    },
    /// Accept an invitation sent to your (verified) email: you become a member.
    Accept {
        /// The invitation token.
        token: String,
    },
    /// Decline an invitation sent to your email.
    Decline {
        /// The invitation token.
        token: String,
    },
    /// The pending invitations sent to your verified email.
    Mine(ListArgs),
}

/// `<ORGANIZATION> <INVITATION>`: one invitation of an organization.
#[derive(clap::Args, Clone, Copy)]
pub struct Invitation {
    /// The organization's id (a uuid).
    organization: Uuid,
    /// The invitation's id (a uuid).
    invitation: Uuid,
}

/// The columns of a list of invitations.
const INVITATION: [output::Column; 6] = [
    col("ID", "/id"),
    col("EMAIL", "/email"),
    col("ROLE", "/organizationRole"),
    col("STATUS", "/status"),
    col("EXPIRES", "/expiresAt"),
    col("EMAIL DELIVERY", "/emailDelivery/status"),
];

fn status(value: &str) -> Result<types::InvitationStatus, String> {
    value.parse().map_err(|_| {
        format!("{value:?} is not a status: pending, accepted, declined, revoked or expired")
    })
}

fn token(value: String) -> types::builder::InvitationTokenRequest {
    types::InvitationTokenRequest::builder().token(value)
}

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    match command {
        Command::Create {
            organization,
            email,
            role,
            teams,
            expires_in,
            no_email,
            locale,
        } => {
            let email = types::InviteRequestEmail::try_from(email.as_str()).map_err(|_| {
                Failure::usage(format!(
                    "{email:?} is not an email address (at most 250 characters)"
                ))
            })?;
            let locale = locale
                .map(types::InviteRequestLocale::try_from)
                .transpose()
                .map_err(|_| {
                    Failure::usage("--locale: a BCP 47 language tag such as en, fr or pt-BR")
                })?;
            let client = ctx.client()?;
            let call = client
                .invitation_create()
                .organization_id(organization)
                .idempotency_key(idempotency_key())
                .body_map(|b| {
                    b.email(email)
                        .role(role)
                        .team_assignments((!teams.is_empty()).then_some(teams))
                        .expires_in_seconds(expires_in)
                        .send_email(no_email.then_some(false))
                        .locale(locale)
                });
            show(ctx, call, |c| c.send()).await
        }
        Command::List {
            organization,
            status,
            email,
            list: args,
        } => {
            let client = ctx.client()?;
            let mut call = client
                .invitation_list()
                .organization_id(organization)
                .limit(100_u64);
            if !status.is_empty() {
                call = call.status(status);
            }
            if let Some(email) = email {
                call = call.email(email);
            }
            list(ctx, call, args, &INVITATION).await
        }
        Command::View(Invitation {
            organization,
            invitation,
        }) => {
            let client = ctx.client()?;
            let call = client
                .invitation_view()
                .organization_id(organization)
                .invitation_id(invitation);
            show(ctx, call, |c| c.send()).await
        }
        Command::Resend {
            invitation:
                Invitation {
                    organization,
                    invitation,
                },
            no_email,
            locale,
        } => {
            let client = ctx.client()?;
            let mut call = client
                .invitation_resend()
                .organization_id(organization)
                .invitation_id(invitation);
            if no_email {
                call = call.send_email(false);
            }
            if let Some(locale) = locale {
                call = call.locale(locale);
            }
            show(ctx, call, |c| c.send()).await
        }
        Command::Revoke(Invitation {
            organization,
            invitation,
        }) => {
            let client = ctx.client()?;
            let call = client
                .invitation_revoke()
                .organization_id(organization)
                .invitation_id(invitation);
            show(ctx, call, |c| c.send()).await
        }
        Command::Lookup { token: t } => {
            let client = ctx.anonymous()?;
            let call = client.invitation_lookup().body(token(t));
            show(ctx, call, |c| c.send()).await
        }
        Command::Accept { token: t } => {
            let client = ctx.client()?;
            let call = client
                .invitation_accept()
                .idempotency_key(idempotency_key())
                .body(token(t));
            show(ctx, call, |c| c.send()).await
        }
        Command::Decline { token: t } => {
            let client = ctx.client()?;
            let call = client.invitation_decline().body(token(t));
            show(ctx, call, |c| c.send()).await
        }
        Command::Mine(args) => {
            let client = ctx.client()?;
            let columns = [
                col("ID", "/id"),
                col("ORGANIZATION", "/organizationName"),
                col("ROLE", "/organizationRole"),
                col("STATUS", "/status"),
                col("EXPIRES", "/expiresAt"),
            ];
            list(
                ctx,
                client.me_invitation_list().limit(100_u64),
                args,
                &columns,
            )
            .await
        }
    }
}
