//! `/users-organizations/v1` (seeds 000 and 001): integer ids, answers wrapped in `{"data": …}`,
//! a bearer and a session on every operation. `/ad/` acts on the session's organization; `/bo/`
//! is the back office.

use actix_web::{HttpResponse, web};
use domain::{Error, OrganizationId, UserId, rules};

use crate::{
    AppState,
    api::SessionHeader,
    auth::{BackOffice, Caller, Minter, OrgSession, SESSION_LIFETIME, SessionClaims},
    extract::Json,
    problem::ApiError,
    wire::{
        BackOfficeOrganizationEnvelope, CreateOrganizationRequest, CreateSessionRequest,
        CreateUserRequest, InviteUserOrganizationRequest, MembershipEnvelope,
        RegisterUserOrganizationRequest, Session, SessionEnvelope, UserEnvelope,
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

/// Get a session acting on an organization you are a live member of (how a client switches
/// organization). Needs only a bearer: it is where sessions come from.
#[utoipa::path(
    post,
    path = "/users-organizations/v1/sessions",
    operation_id = "session_create",
    tag = "memberships",
    request_body = CreateSessionRequest,
    responses(
        (status = 201, description = "A session for that organization", body = SessionEnvelope),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 413, response = crate::problem::PayloadTooLarge),
        (status = 415, response = crate::problem::UnsupportedMediaType),
        (status = 422, response = crate::problem::UnprocessableContent),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn session_create(
    caller: Caller,
    body: Json<CreateSessionRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let org = OrganizationId::parse(body.0.organization_id).map_err(|e| e.at("organizationId"))?;
    if st.store.live_membership(caller.id(), org).await?.is_none() {
        return Err(Error::Forbidden(format!("you are not a member of organization {org}")).into());
    }
    let now = st.clock.now();
    let expires_at = now + SESSION_LIFETIME;
    let claims = SessionClaims {
        user_id: caller.id(),
        session_id: serde_json::Value::String(uuid::Uuid::new_v4().to_string()),
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
        organization_id: Some(org),
    };
    let token = Minter(&st.keys).session(&claims)?;
    let data = Session {
        token,
        expires_at,
        organization_id: org.get(),
    };
    Ok(HttpResponse::Created().json(SessionEnvelope { data }))
}
