//! `/users-organizations/v1` (seeds 000 and 001): integer ids, answers wrapped in `{"data": …}`,
//! a bearer and a session on every operation. `/ad/` acts on the session's organization; `/bo/`
//! is the back office.

use actix_web::{HttpResponse, web};
use domain::{Error, OrganizationId, RoleChange, UserId, page::Limit, rules};

use crate::{
    AppState,
    api::SessionHeader,
    auth::{BackOffice, Caller, Minter, OrgSession, SESSION_LIFETIME, SessionClaims},
    extract::Json,
    problem::ApiError,
    wire::{
        BackOfficeOrganizationEnvelope, CreateOrganizationRequest, CreateSessionRequest,
        CreateUserRequest, InviteUserOrganizationRequest, Membership, MembershipEnvelope,
        MembershipPage, RegisterUserOrganizationRequest, Scope, Session, SessionEnvelope,
        UpdateMembershipRequest, User, UserEnvelope, UserPage,
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
        (status = 201, description = "The invite user organization has been created", body = MembershipEnvelope, links(("AdUserView" = (operation_id = "ad_user_view", parameters(("userId" = "$response.body#/data/userId")))), ("AdUserUpdate" = (operation_id = "ad_user_update", parameters(("userId" = "$response.body#/data/userId")))), ("AdUserDelete" = (operation_id = "ad_user_delete", parameters(("userId" = "$response.body#/data/userId")))), ("AdUserRestore" = (operation_id = "ad_user_restore", parameters(("userId" = "$response.body#/data/userId")))))),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 409, response = crate::problem::Conflict),
        (status = 413, response = crate::problem::PayloadTooLarge),
        (status = 415, response = crate::problem::UnsupportedMediaType),
        (status = 422, response = crate::problem::UnprocessableContent),
        (status = 429, response = crate::problem::TooManyRequests),
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
        (status = 201, description = "The user has been created", body = UserEnvelope, links(("BoUserView" = (operation_id = "bo_user_view", parameters(("userId" = "$response.body#/data/id")))), ("BoUserOrganizationList" = (operation_id = "bo_user_organization_list", parameters(("userId" = "$response.body#/data/id")))), ("BoUserOrganizationRegister" = (operation_id = "bo_user_organization_register", parameters(("userId" = "$response.body#/data/id")))))),
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
        (status = 201, description = "The organization has been created", body = BackOfficeOrganizationEnvelope, links(("BoOrganizationView" = (operation_id = "bo_organization_view", parameters(("organizationId" = "$response.body#/data/id")))))),
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
        (status = 201, description = "The register user organization has been created", body = MembershipEnvelope, links(("BoUserOrganizationDelete" = (operation_id = "bo_user_organization_delete", parameters(("userId" = "$response.body#/data/userId"), ("organizationId" = "$response.body#/data/organizationId")))))),
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

/// The filters and page of a membership list.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MembershipQuery {
    scope: Option<i64>,
    include_deleted: Option<bool>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// List the memberships of the session's organization (any member).
///
/// `scope` keeps administrators (1) or everyone else (2); `includeDeleted` adds soft-deleted
/// memberships. Pages hold `limit` items (1–100, default 20); pass `nextCursor` as `cursor`.
#[utoipa::path(
    get,
    path = "/users-organizations/v1/ad/users",
    operation_id = "ad_user_list",
    tag = "memberships",
    params(
        SessionHeader,
        ("scope" = Option<Scope>, Query, description = "Only this scope"),
        ("includeDeleted" = Option<bool>, Query, description = "Include soft-deleted memberships (default false)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of memberships", body = MembershipPage),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn ad_user_list(
    who: OrgSession,
    query: web::Query<MembershipQuery>,
    st: web::Data<AppState>,
) -> Answer {
    let scope = query
        .scope
        .map(domain::Scope::parse)
        .transpose()
        .map_err(|_| Error::BadRequest("`scope` must be 1 or 2".into()))?;
    let limit = Limit::parse(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| st.cursors.decode::<i64>(c))
        .transpose()?;
    let org = who.membership.organization_id;
    let mut rows = st
        .store
        .memberships(
            org,
            scope,
            query.include_deleted.unwrap_or(false),
            after,
            limit.get(),
        )
        .await?;
    let next_cursor = st
        .cursors
        .page(&mut rows, limit.get(), |(position, _)| *position);
    let data = rows.iter().map(|(_, m)| Membership::from(m)).collect();
    Ok(HttpResponse::Ok().json(MembershipPage { data, next_cursor }))
}

/// View one live membership of the session's organization (any member).
#[utoipa::path(
    get,
    path = "/users-organizations/v1/ad/users/{userId}",
    operation_id = "ad_user_view",
    tag = "memberships",
    params(
        ("userId" = i64, Path, description = "Unique identifier of the user.", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
        SessionHeader,
    ),
    responses(
        (status = 200, description = "The membership", body = MembershipEnvelope),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn ad_user_view(
    who: OrgSession,
    path: web::Path<UserId>,
    st: web::Data<AppState>,
) -> Answer {
    let user = path.into_inner();
    let m = st
        .store
        .live_membership(user, who.membership.organization_id)
        .await?
        .ok_or_else(|| {
            Error::NotFound(format!("user {user} is not a member of this organization"))
        })?;
    Ok(HttpResponse::Ok().json(MembershipEnvelope { data: (&m).into() }))
}

/// Change a membership's scope and/or permissions (administrators and managers).
///
/// Only administrators change administrators or grant scope 1; a manager grants only module ids
/// in its own `manage` set. 409 when it would leave the organization without an administrator.
#[utoipa::path(
    patch,
    path = "/users-organizations/v1/ad/users/{userId}",
    operation_id = "ad_user_update",
    tag = "memberships",
    params(
        ("userId" = i64, Path, description = "Unique identifier of the user.", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
        SessionHeader,
    ),
    request_body = UpdateMembershipRequest,
    responses(
        (status = 200, description = "The membership, changed", body = MembershipEnvelope),
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
pub async fn ad_user_update(
    who: OrgSession,
    path: web::Path<UserId>,
    body: Json<UpdateMembershipRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let actor = &who.membership;
    rules::may_manage_members(actor.role)?;
    let (scope, permissions) = body.0.parse()?;
    let change = scope.map(RoleChange::Scope);
    let authorize = |target: &domain::model::Membership| {
        rules::may_change_member(
            actor,
            target,
            change.map(|c| c.apply(Some(target.role))),
            permissions.as_ref(),
        )
    };
    let ctx = st.context(Some(who.caller.id()));
    let member = st
        .store
        .update_member(
            actor.organization_id,
            path.into_inner(),
            change,
            permissions.as_ref(),
            authorize,
            &ctx,
        )
        .await?;
    Ok(HttpResponse::Ok().json(MembershipEnvelope {
        data: (&member.membership).into(),
    }))
}

/// Soft-delete a membership: it gets a `deletedAt` and can be restored (administrators and
/// managers; only administrators remove administrators; never the last administrator).
#[utoipa::path(
    delete,
    path = "/users-organizations/v1/ad/users/{userId}",
    operation_id = "ad_user_delete",
    tag = "memberships",
    params(
        ("userId" = i64, Path, description = "Unique identifier of the user.", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
        SessionHeader,
    ),
    responses(
        (status = 200, description = "The membership, deleted", body = MembershipEnvelope),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 409, response = crate::problem::Conflict),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn ad_user_delete(
    who: OrgSession,
    path: web::Path<UserId>,
    st: web::Data<AppState>,
) -> Answer {
    let actor = &who.membership;
    rules::may_manage_members(actor.role)?;
    let authorize = |target: &domain::model::Membership| rules::may_remove_member(actor, target);
    let ctx = st.context(Some(who.caller.id()));
    let removed = st
        .store
        .remove_member(actor.organization_id, path.into_inner(), authorize, &ctx)
        .await?;
    Ok(HttpResponse::Ok().json(MembershipEnvelope {
        data: (&removed).into(),
    }))
}

/// Restore a soft-deleted membership as it was (administrators and managers; only
/// administrators restore administrators). 409 when the user is a live member already.
#[utoipa::path(
    post,
    path = "/users-organizations/v1/ad/users/{userId}/restore",
    operation_id = "ad_user_restore",
    tag = "memberships",
    params(
        ("userId" = i64, Path, description = "Unique identifier of the user.", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
        SessionHeader,
    ),
    responses(
        (status = 200, description = "The membership, restored", body = MembershipEnvelope),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 409, response = crate::problem::Conflict),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn ad_user_restore(
    who: OrgSession,
    path: web::Path<UserId>,
    st: web::Data<AppState>,
) -> Answer {
    let actor = &who.membership;
    rules::may_manage_members(actor.role)?;
    let authorize =
        |target: &domain::model::Membership| rules::may_change_member(actor, target, None, None);
    let ctx = st.context(Some(who.caller.id()));
    let restored = st
        .store
        .restore_membership(actor.organization_id, path.into_inner(), authorize, &ctx)
        .await?;
    Ok(HttpResponse::Ok().json(MembershipEnvelope {
        data: (&restored).into(),
    }))
}

/// The email filter and page of a user search.
#[derive(serde::Deserialize)]
pub struct UserQuery {
    email: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Find profiles (back office): by `email` (case-insensitive, exact), or all of them, by id.
///
/// How an identity provider finds the Rollcall user id of an email.
#[utoipa::path(
    get,
    path = "/users-organizations/v1/bo/users",
    operation_id = "bo_user_list",
    tag = "back office",
    params(
        SessionHeader,
        ("email" = Option<String>, Query, max_length = 250, description = "Only the profile with this email"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of profiles", body = UserPage),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_user_list(
    _: BackOffice,
    query: web::Query<UserQuery>,
    st: web::Data<AppState>,
) -> Answer {
    if query
        .email
        .as_ref()
        .is_some_and(|e| e.chars().count() > 250)
    {
        return Err(Error::BadRequest("`email` must be at most 250 characters".into()).into());
    }
    let limit = Limit::parse(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| st.cursors.decode::<UserId>(c))
        .transpose()?;
    let mut rows = st
        .store
        .users(query.email.as_deref(), after, limit.get())
        .await?;
    let next_cursor = st.cursors.page(&mut rows, limit.get(), |u| u.id);
    Ok(HttpResponse::Ok().json(UserPage {
        data: rows.iter().map(User::from).collect(),
        next_cursor,
    }))
}

/// A user's memberships, soft-deleted ones included (back office).
#[utoipa::path(
    get,
    path = "/users-organizations/v1/bo/users/{userId}/organizations",
    operation_id = "bo_user_organization_list",
    tag = "back office",
    params(
        ("userId" = i64, Path, description = "Unique identifier of the user.", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
        SessionHeader,
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of the user's memberships", body = MembershipPage),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_user_organization_list(
    _: BackOffice,
    path: web::Path<UserId>,
    query: web::Query<crate::api::PageQuery>,
    st: web::Data<AppState>,
) -> Answer {
    let user = path.into_inner();
    if st.store.user(user).await?.is_none() {
        return Err(Error::NotFound(format!("no user has id {user}")).into());
    }
    let limit = Limit::parse(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| st.cursors.decode::<i64>(c))
        .transpose()?;
    let mut rows = st
        .store
        .memberships_of_user(user, after, limit.get())
        .await?;
    let next_cursor = st
        .cursors
        .page(&mut rows, limit.get(), |(position, _)| *position);
    let data = rows.iter().map(|(_, m)| Membership::from(m)).collect();
    Ok(HttpResponse::Ok().json(MembershipPage { data, next_cursor }))
}

/// Remove a user's membership (a soft delete; back office). 409 for the organization's last
/// administrator.
#[utoipa::path(
    delete,
    path = "/users-organizations/v1/bo/users/{userId}/organizations/{organizationId}",
    operation_id = "bo_user_organization_delete",
    tag = "back office",
    params(
        ("userId" = i64, Path, description = "Unique identifier of the user.", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
        ("organizationId" = i64, Path, description = "Unique identifier of the organization.", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
        SessionHeader,
    ),
    responses(
        (status = 200, description = "The membership, deleted", body = MembershipEnvelope),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 409, response = crate::problem::Conflict),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_user_organization_delete(
    bo: BackOffice,
    path: web::Path<(UserId, OrganizationId)>,
    st: web::Data<AppState>,
) -> Answer {
    let (user, org) = path.into_inner();
    let ctx = st.context(Some(bo.caller.id()));
    let removed = st.store.remove_member(org, user, |_| Ok(()), &ctx).await?;
    Ok(HttpResponse::Ok().json(MembershipEnvelope {
        data: (&removed).into(),
    }))
}
