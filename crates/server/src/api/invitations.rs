//! `/invitations/lookup|accept|decline`: what the holder of an invitation token does with it.
//! The token travels in the body, never in a URL (so it stays out of access logs).

use actix_web::{HttpResponse, web};
use domain::{Error, model::Acceptance};

use crate::{
    AppState,
    auth::Caller,
    extract::Json,
    problem::ApiError,
    wire::{Invitation, InvitationLookup, InvitationTokenRequest, Inviter, Member},
};

type Answer = Result<HttpResponse, ApiError>;

/// Look up an invitation by its token (no login needed).
///
/// Shows the organization, the role offered, who invited, the expiry and the status.
#[utoipa::path(
    post,
    path = "/invitations/lookup",
    operation_id = "invitation_lookup",
    tag = "invitations",
    request_body = InvitationTokenRequest,
    responses(
        (status = 200, description = "The invitation, as its invitee may see it", body = InvitationLookup),
        (status = 400, response = crate::problem::BadRequest),
        (status = 404, response = crate::problem::NotFound),
        (status = 413, response = crate::problem::PayloadTooLarge),
        (status = 415, response = crate::problem::UnsupportedMediaType),
        (status = 422, response = crate::problem::UnprocessableContent),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security()
)]
pub async fn invitation_lookup(
    body: Json<InvitationTokenRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let token = body.0.parse()?;
    let inv = st
        .store
        .invitation_by_token(&token.hash())
        .await?
        .ok_or_else(|| Error::NotFound("no invitation has this token".into()))?;
    let inviter = st.store.user(inv.invited_by).await?.map(|u| Inviter {
        user_id: u.id.get(),
        first_name: u.first_name,
        last_name: u.last_name,
    });
    Ok(HttpResponse::Ok().json(InvitationLookup {
        organization_id: inv.organization.uuid,
        organization_name: inv.organization.name.clone(),
        organization_role: inv.role.into(),
        email: inv.email.as_str().to_owned(),
        status: inv.status_at(st.clock.now()).into(),
        expires_at: inv.expires_at,
        inviter,
    }))
}

/// Accept an invitation: become a member, with its role, permissions and teams.
///
/// The bearer's email must be the invitation's and verified (`email_verified: true`); a caller
/// new to Rollcall gets a profile from the token's claims. Exactly once: accepting again answers
/// 200 with the same member.
#[utoipa::path(
    post,
    path = "/invitations/accept",
    operation_id = "invitation_accept",
    tag = "invitations",
    params(crate::api::IdempotencyHeader),
    request_body = InvitationTokenRequest,
    responses(
        (status = 200, description = "You had already accepted this invitation: the same member", body = Member),
        (status = 201, description = "You are now a member", body = Member),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 409, response = crate::problem::Conflict),
        (status = 410, response = crate::problem::Gone),
        (status = 413, response = crate::problem::PayloadTooLarge),
        (status = 415, response = crate::problem::UnsupportedMediaType),
        (status = 422, response = crate::problem::UnprocessableContent),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_accept(
    caller: Caller,
    body: Json<InvitationTokenRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let email = caller.verified_email()?;
    let hash = body.0.parse()?.hash();
    let inv = st
        .store
        .invitation_by_token(&hash)
        .await?
        .ok_or_else(|| Error::NotFound("no invitation has this token".into()))?;
    if inv.email != email {
        return Err(
            Error::Forbidden("this invitation was sent to another email address".into()).into(),
        );
    }
    let ctx = st.context(Some(caller.id()));
    st.store
        .ensure_profile(caller.id(), || caller.new_profile(), &ctx)
        .await?;
    match st
        .store
        .accept_invitation(&hash, &email, caller.id(), &ctx)
        .await?
    {
        Acceptance::Accepted(m) => Ok(HttpResponse::Created().json(Member::from(&m))),
        Acceptance::AlreadyAccepted(m) => Ok(HttpResponse::Ok().json(Member::from(&m))),
    }
}

/// Decline an invitation.
#[utoipa::path(
    post,
    path = "/invitations/decline",
    operation_id = "invitation_decline",
    tag = "invitations",
    request_body = InvitationTokenRequest,
    responses(
        (status = 200, description = "The invitation, now declined", body = Invitation),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 410, response = crate::problem::Gone),
        (status = 413, response = crate::problem::PayloadTooLarge),
        (status = 415, response = crate::problem::UnsupportedMediaType),
        (status = 422, response = crate::problem::UnprocessableContent),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_decline(
    caller: Caller,
    body: Json<InvitationTokenRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let email = caller.verified_email()?;
    let token = body.0.parse()?;
    let ctx = st.context(Some(caller.id()));
    let inv = st
        .store
        .decline_invitation(&token.hash(), &email, &ctx)
        .await?;
    Ok(HttpResponse::Ok().json(Invitation::new(&inv, ctx.now)))
}
