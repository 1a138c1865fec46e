//! `/invitations/lookup|accept|decline`: what the holder of an invitation token does with it.
//! The token travels in the body, never in a URL (so it stays out of access logs).

use actix_web::web;
use app::App;
use wire::{Invitation, InvitationLookup, InvitationTokenRequest, Member};

use crate::{
    api::{Reply, ok, reply},
    auth::Caller,
    extract::{Json, KeyedJson},
};

/// Look up an invitation by its token (no login needed).
///
/// Shows the organization, the role offered, who invited, the expiry and the status.
#[utoipa::path(
    post,
    path = "/invitations/lookup",
    tag = "invitations",
    request_body = InvitationTokenRequest,
    responses(
        crate::problem::BodyRefusals,
        (status = 200, description = "The invitation, as its invitee may see it", body = InvitationLookup),
        (status = 400, response = crate::problem::BadRequest),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security()
)]
pub async fn invitation_lookup(body: Json<InvitationTokenRequest>, app: web::Data<App>) -> Reply {
    ok(app.invitation_lookup(body.0.parse()?).await?)
}

/// Accept an invitation: become a member, with its role, permissions and teams.
///
/// The bearer's email must be the invitation's and verified (`email_verified: true`); a caller
/// new to Rollcall gets a profile from the token's claims. Exactly once: accepting again answers
/// 200 with the same member.
#[utoipa::path(
    post,
    path = "/invitations/accept",
    tag = "invitations",
    params(crate::api::IdempotencyHeader),
    request_body = InvitationTokenRequest,
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        crate::problem::BodyRefusals,
        (status = 200, description = "You had already accepted this invitation: the same member", body = Member),
        (status = 201, description = "You are now a member", body = Member),
        (status = 409, response = crate::problem::Conflict),
        (status = 410, response = crate::problem::Gone),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_accept(
    caller: Caller,
    body: KeyedJson<InvitationTokenRequest>,
    app: web::Data<App>,
) -> Reply {
    let token = body.parse()?;
    reply(app.invitation_accept(&caller, token, body.key).await?)
}

/// Decline an invitation.
#[utoipa::path(
    post,
    path = "/invitations/decline",
    tag = "invitations",
    request_body = InvitationTokenRequest,
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        crate::problem::BodyRefusals,
        (status = 200, description = "The invitation, now declined", body = Invitation),
        (status = 410, response = crate::problem::Gone),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_decline(
    caller: Caller,
    body: Json<InvitationTokenRequest>,
    app: web::Data<App>,
) -> Reply {
    ok(app.invitation_decline(&caller, body.0.parse()?).await?)
}
