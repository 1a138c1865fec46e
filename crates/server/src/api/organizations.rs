//! `/organization` (seed 002): uuid ids, plain objects, a bearer only. An organization the
//! caller is not a live member of answers 404, so nothing leaks its existence.

use actix_web::{HttpResponse, web};
use domain::{
    Error, InvitationToken, Result,
    model::{Membership, NewInvitation, Organization},
    rules,
};
use uuid::Uuid;

use crate::{
    AppState,
    auth::Caller,
    extract::Json,
    problem::ApiError,
    wire::{
        self, CreateOrganizationRequest, CreateTeamRequest, InvitationWithToken, InviteRequest,
        Team,
    },
};

type Answer = std::result::Result<HttpResponse, ApiError>;

/// The organization `uuid` and the caller's live membership of it; 404 when either is missing.
async fn membership_of(
    st: &AppState,
    caller: &Caller,
    uuid: Uuid,
) -> Result<(Organization, Membership)> {
    let not_found = || Error::NotFound(format!("no organization {uuid} among yours"));
    let org = st
        .store
        .organization_by_uuid(uuid)
        .await?
        .ok_or_else(not_found)?;
    let membership = st
        .store
        .live_membership(caller.id(), org.id)
        .await?
        .ok_or_else(not_found)?;
    Ok((org, membership))
}

/// Create an organization; the caller becomes its administrator.
///
/// A caller without a profile gets one from its bearer's verified email (403 without one;
/// 409 when that email belongs to another user).
#[utoipa::path(
    post,
    path = "/organization",
    operation_id = "organization_create",
    tag = "organizations",
    request_body = CreateOrganizationRequest,
    responses(
        (status = 201, description = "The organization has been created", body = wire::Organization),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 409, response = crate::problem::Conflict),
        (status = 413, response = crate::problem::PayloadTooLarge),
        (status = 415, response = crate::problem::UnsupportedMediaType),
        (status = 422, response = crate::problem::UnprocessableContent),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn organization_create(
    caller: Caller,
    body: Json<CreateOrganizationRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let name = body.0.parse()?;
    let now = st.clock.now();
    if st.store.user(caller.id()).await?.is_none() {
        st.store
            .ensure_profile(caller.id(), &caller.new_profile()?, now)
            .await?;
    }
    let (org, _) = st
        .store
        .create_organization_with_admin(caller.id(), &name, now)
        .await?;
    Ok(HttpResponse::Created().json(wire::Organization::from(&org)))
}

/// View an organization you are a member of.
#[utoipa::path(
    get,
    path = "/organization/{organizationId}",
    operation_id = "organization_view",
    tag = "organizations",
    params(("organizationId" = Uuid, Path, description = "Organization identifier")),
    responses(
        (status = 200, description = "The organization", body = wire::Organization),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn organization_view(
    caller: Caller,
    path: web::Path<Uuid>,
    st: web::Data<AppState>,
) -> Answer {
    let (org, _) = membership_of(&st, &caller, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(wire::Organization::from(&org)))
}

/// Invite a person by email (seed 002).
///
/// Creates a pending invitation and answers its token, once. Administrators and managers only;
/// only administrators invite administrators; every team must belong to the organization. 409
/// when the email has a pending invitation already (named) or is a member's.
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/invite",
    operation_id = "invitation_create",
    tag = "invitations",
    params(("organizationId" = Uuid, Path, description = "Organization identifier")),
    request_body = InviteRequest,
    responses(
        (status = 201, description = "User invited to organization", body = InvitationWithToken),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 409, response = crate::problem::Conflict),
        (status = 413, response = crate::problem::PayloadTooLarge),
        (status = 415, response = crate::problem::UnsupportedMediaType),
        (status = 422, response = crate::problem::UnprocessableContent),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_create(
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<InviteRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let (org, actor) = membership_of(&st, &caller, path.into_inner()).await?;
    rules::may_manage_members(actor.role)?;
    let invite = body.0.parse()?;
    rules::may_grant_role(actor.role, invite.role)?;
    if let Some(p) = &invite.permissions {
        rules::may_grant_permissions(actor.role, &actor.permissions, p)?;
    }
    let token = InvitationToken::generate()?;
    let now = st.clock.now();
    let new = NewInvitation {
        organization_id: org.id,
        email: invite.email,
        role: invite.role,
        team_assignments: invite.team_assignments,
        permissions: invite.permissions,
        invited_by: caller.id(),
        token_hash: token.hash(),
        expires_at: now + invite.lifetime,
    };
    let invitation = st.store.create_invitation(&org, &new, now).await?;
    Ok(HttpResponse::Created().json(InvitationWithToken::new(&invitation, &token, now)))
}

/// Create a team in the organization (administrators and managers).
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/teams",
    operation_id = "team_create",
    tag = "teams",
    params(("organizationId" = Uuid, Path, description = "Organization identifier")),
    request_body = CreateTeamRequest,
    responses(
        (status = 201, description = "The team has been created", body = Team),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 413, response = crate::problem::PayloadTooLarge),
        (status = 415, response = crate::problem::UnsupportedMediaType),
        (status = 422, response = crate::problem::UnprocessableContent),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_create(
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<CreateTeamRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let (org, actor) = membership_of(&st, &caller, path.into_inner()).await?;
    rules::may_manage_members(actor.role)?;
    let name = body.0.parse()?;
    let team = st.store.create_team(org.id, &name, st.clock.now()).await?;
    Ok(HttpResponse::Created().json(Team::from(&team)))
}
