//! `/users-organizations/v1` (seeds 000 and 001): integer ids, answers wrapped in `{"data": …}`,
//! a bearer and a session on every operation. `/ad/` acts on the session's organization; `/bo/`
//! is the back office.

use actix_web::{HttpResponse, web};
use domain::{Error, OrganizationId, UserId, rules};

use crate::{
    AppState,
    api::SessionHeader,
    auth::{BackOffice, OrgSession},
    extract::Json,
    problem::ApiError,
    wire::{
        BackOfficeOrganizationEnvelope, CreateOrganizationRequest, CreateUserRequest,
        InviteUserOrganizationRequest, MembershipEnvelope, RegisterUserOrganizationRequest,
        UserEnvelope,
    },
};

type Answer = Result<HttpResponse, ApiError>;

/// Invite a person into the session's organization (seed 000).
///
/// Finds the profile by email or creates it, then creates the membership (role `member`,
/// scope 2) or restores a soft-deleted one. Administrators and managers only; a manager grants
/// only module ids in its own `manage` set.
#[utoipa::path(
    post,
    path = "/users-organizations/v1/ad/invite",
    operation_id = "ad_user_invite",
    tag = "memberships",
    params(SessionHeader,
        crate::api::IdempotencyHeader,
    ),
    request_body(content = InviteUserOrganizationRequest, description = "Details required to create invite user organization"),
    responses(
        (status = 201, description = "The invite user organization has been created", body = MembershipEnvelope),
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
pub async fn ad_user_invite(
    who: OrgSession,
    body: Json<InviteUserOrganizationRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let actor = &who.membership;
    rules::may_manage_members(actor.role)?;
    let (profile, permissions) = body.0.parse()?;
    rules::may_grant_permissions(actor.role, &actor.permissions, &permissions)?;
    let membership = st
        .store
        .invite_by_email(
            actor.organization_id,
            &profile,
            &permissions,
            &st.context(Some(who.caller.id())),
        )
        .await?;
    Ok(HttpResponse::Created().json(MembershipEnvelope {
        data: (&membership).into(),
    }))
}

/// Create a profile (back office).
#[utoipa::path(
    post,
    path = "/users-organizations/v1/bo/users",
    operation_id = "bo_user_create",
    tag = "back office",
    params(SessionHeader,
        crate::api::IdempotencyHeader,
    ),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "The user has been created", body = UserEnvelope),
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
pub async fn bo_user_create(
    bo: BackOffice,
    body: Json<CreateUserRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let new = body.0.parse()?;
    let user = st
        .store
        .create_user(&new, &st.context(Some(bo.caller.id())))
        .await?;
    Ok(HttpResponse::Created().json(UserEnvelope {
        data: (&user).into(),
    }))
}

/// View a profile (back office).
#[utoipa::path(
    get,
    path = "/users-organizations/v1/bo/users/{userId}",
    operation_id = "bo_user_view",
    tag = "back office",
    params(
        ("userId" = i64, Path, description = "Unique identifier of the user.", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
        SessionHeader,
    ),
    responses(
        (status = 200, description = "The user", body = UserEnvelope),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_user_view(
    _: BackOffice,
    path: web::Path<UserId>,
    st: web::Data<AppState>,
) -> Answer {
    let id = path.into_inner();
    let user = st
        .store
        .user(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no user has id {id}")))?;
    Ok(HttpResponse::Ok().json(UserEnvelope {
        data: (&user).into(),
    }))
}

/// Create an organization with no members (back office).
#[utoipa::path(
    post,
    path = "/users-organizations/v1/bo/organizations",
    operation_id = "bo_organization_create",
    tag = "back office",
    params(SessionHeader,
        crate::api::IdempotencyHeader,
    ),
    request_body = CreateOrganizationRequest,
    responses(
        (status = 201, description = "The organization has been created", body = BackOfficeOrganizationEnvelope),
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
pub async fn bo_organization_create(
    bo: BackOffice,
    body: Json<CreateOrganizationRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let name = body.0.parse()?;
    let org = st
        .store
        .create_organization(&name, &st.context(Some(bo.caller.id())))
        .await?;
    Ok(
        HttpResponse::Created().json(BackOfficeOrganizationEnvelope {
            data: (&org).into(),
        }),
    )
}

/// View an organization (back office).
#[utoipa::path(
    get,
    path = "/users-organizations/v1/bo/organizations/{organizationId}",
    operation_id = "bo_organization_view",
    tag = "back office",
    params(
        ("organizationId" = i64, Path, description = "Unique identifier of the organization.", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
        SessionHeader,
    ),
    responses(
        (status = 200, description = "The organization", body = BackOfficeOrganizationEnvelope),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_organization_view(
    _: BackOffice,
    path: web::Path<OrganizationId>,
    st: web::Data<AppState>,
) -> Answer {
    let id = path.into_inner();
    let org = st
        .store
        .organization(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("no organization has id {id}")))?;
    Ok(HttpResponse::Ok().json(BackOfficeOrganizationEnvelope {
        data: (&org).into(),
    }))
}

/// Register a user in an organization (seed 001, back office).
///
/// Scope 1 makes an administrator, scope 2 a member. Restores a soft-deleted membership.
#[utoipa::path(
    post,
    path = "/users-organizations/v1/bo/users/register/{userId}/organizations/{organizationId}",
    operation_id = "bo_user_organization_register",
    tag = "back office",
    params(
        ("userId" = i64, Path, description = "Unique identifier of the user.", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
        ("organizationId" = i64, Path, description = "Unique identifier of the organization.", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
        SessionHeader,
        crate::api::IdempotencyHeader,
    ),
    request_body(content = RegisterUserOrganizationRequest, description = "Details required to create register user organization"),
    responses(
        (status = 201, description = "The register user organization has been created", body = MembershipEnvelope),
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
pub async fn bo_user_organization_register(
    bo: BackOffice,
    path: web::Path<(UserId, OrganizationId)>,
    body: Json<RegisterUserOrganizationRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let (user, org) = path.into_inner();
    let (scope, permissions) = body.0.parse()?;
    let membership = st
        .store
        .register_membership(
            user,
            org,
            scope,
            &permissions,
            &st.context(Some(bo.caller.id())),
        )
        .await?;
    Ok(HttpResponse::Created().json(MembershipEnvelope {
        data: (&membership).into(),
    }))
}
