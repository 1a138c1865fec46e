//! The emails a use case promises, queued in its unit of work. An invitation email holds the
//! token sealed (`seal`), never in clear; a newer email for the same invitation supersedes the
//! older (skipped, its token erased); `sendEmail: false` and the recipient's daily cap record
//! the email as skipped, with why. Seed 000's "you were added" email carries no token.

use chrono::Duration;
use domain::{
    Email, InvitationToken, Result,
    model::{
        Context, DeliveryStatus, EmailDelivery, Invitation, MailKind, NewMessage, Notice,
        Organization, User,
    },
};
use serde_json::json;
use storage::Tx;

use crate::App;

/// Queues the email of `inv` with a new `token` as `notice` says, superseding the earlier one
/// (resend, a rotating replay: that email's link no longer works), and shows it on the
/// invitation; answers where it stands now.
pub(crate) async fn reissued_email(
    app: &App,
    tx: Tx<'_>,
    inv: &Invitation,
    token: &InvitationToken,
    notice: &Notice,
    ctx: &Context,
) -> Result<EmailDelivery> {
    tx.supersede_messages(inv.id, "superseded by a newer email for this invitation")
        .await?;
    let delivery = email_delivery(app, tx, &inv.email, notice, ctx).await?;
    let inviter = tx.user(inv.invited_by).await?;
    let message = invitation_message(app, inv, inviter.as_ref(), token, notice, &delivery)?;
    tx.queue_message(&message, ctx.now).await?;
    Ok(delivery)
}

/// Where the first email of a new invitation to `to` starts, as `notice` says and the
/// recipient's daily cap allows: queued, or skipped and why. Decided before the invitation is
/// stored, so that it is stored with it ([`queue_first_email`] then needs not write it again).
pub(crate) async fn email_delivery(
    app: &App,
    tx: Tx<'_>,
    to: &Email,
    notice: &Notice,
    ctx: &Context,
) -> Result<EmailDelivery> {
    let cap = app.0.policy.emails_per_recipient_per_day;
    let skip = if !notice.send_email {
        Some("sendEmail was false: the inviter delivers the link".to_owned())
    } else if tx
        .invitation_emails_to(to, ctx.now - Duration::hours(24))
        .await?
        >= u64::from(cap)
    {
        Some(format!(
            "{to} already had {cap} invitation emails in the last 24 hours, the most Rollcall sends to one address"
        ))
    } else {
        None
    };
    Ok(EmailDelivery {
        status: if skip.is_some() {
            DeliveryStatus::Skipped
        } else {
            DeliveryStatus::Queued
        },
        attempts: 0,
        sent_at: None,
        last_error: skip,
    })
}

/// Queues the first email of the new invitation `inv`, sent by `inviter`, with `token`, as
/// `inv.email_delivery` (stored with the invitation) says.
pub(crate) async fn queue_first_email(
    app: &App,
    tx: Tx<'_>,
    inv: &Invitation,
    inviter: Option<&User>,
    token: &InvitationToken,
    notice: &Notice,
    ctx: &Context,
) -> Result<()> {
    let message = invitation_message(app, inv, inviter, token, notice, &inv.email_delivery)?;
    tx.queue_first_message(&message, ctx.now).await?;
    Ok(())
}

/// The invitation email of `inv` in the state `delivery` says; its token sealed unless skipped.
fn invitation_message(
    app: &App,
    inv: &Invitation,
    inviter: Option<&User>,
    token: &InvitationToken,
    notice: &Notice,
    delivery: &EmailDelivery,
) -> Result<NewMessage> {
    Ok(NewMessage {
        kind: MailKind::Invitation,
        recipient: inv.email.clone(),
        invitation_id: Some(inv.id),
        sealed_token: match delivery.status {
            DeliveryStatus::Skipped => None,
            _ => Some(app.0.sealer.seal(token)?),
        },
        locale: notice.locale.clone(),
        payload: json!({
            "organizationName": inv.organization.name,
            "role": inv.role.as_str(),
            "expiresAt": inv.expires_at,
            "inviter": inviter.map(person),
        }),
        status: delivery.status,
        last_error: delivery.last_error.clone(),
    })
}

/// Queues seed 000's "you were added to `org`" email to `added`, from `by`.
pub(crate) async fn added_email(
    tx: Tx<'_>,
    org: &Organization,
    added: &User,
    by: Option<&User>,
    ctx: &Context,
) -> Result<()> {
    let message = NewMessage {
        kind: MailKind::Added,
        recipient: added.email.clone(),
        invitation_id: None,
        sealed_token: None,
        locale: None,
        payload: json!({
            "organizationName": org.name,
            "member": person(added),
            "addedBy": by.map(person),
        }),
        status: DeliveryStatus::Queued,
        last_error: None,
    };
    tx.queue_message(&message, ctx.now).await?;
    Ok(())
}

fn person(u: &User) -> serde_json::Value {
    json!({"firstName": u.first_name, "lastName": u.last_name, "email": u.email.as_str()})
}
