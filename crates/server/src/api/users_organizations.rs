//! `/users-organizations/v1` (seeds 000 and 001): integer ids, answers wrapped in `{"data": …}`,
//! a bearer and a session on every operation. `/ad/` acts on the session's organization; `/bo/`
//! is the back office.

use actix_web::web;
use app::App;
use domain::Error;
use wire::{
    BackOfficeOrganizationEnvelope, CreateOrganizationRequest, CreateSessionRequest,
    CreateUserRequest, InviteUserOrganizationRequest, MembershipEnvelope, MembershipPage,
    RegisterUserOrganizationRequest, Scope, SessionEnvelope, UpdateMembershipRequest, UserEnvelope,
    UserPage,
};

use crate::{
    api::{
        BackOfficeOrganizationPath, PageQuery, Reply, SessionHeader, UserOrganizationPath,
        UserPath, ok, reply,
    },
    auth::{Caller, Session as SessionOf},
    extract::{Json, KeyedJson},
};

/// Invite a person into the session's organization (seed 000).
///
/// Finds the profile by email or creates it, then creates the membership (role `member`,
/// scope 2) or restores a soft-deleted one. Administrators and managers only; a manager grants
/// only module ids in its own `manage` set.
#[utoipa::path(
    post,
    path = "/users-organizations/v1/ad/invite",
    tag = "memberships",
    params(SessionHeader, crate::api::IdempotencyHeader),
    request_body(content = InviteUserOrganizationRequest, description = "Details required to create invite user organization"),
    responses(
        crate::problem::RefusalsForbidden,
        crate::problem::BodyRefusals,
        (status = 201, description = "The invite user organization has been created", body = MembershipEnvelope, links(("AdUserView" = (operation_id = "ad_user_view", parameters(("userId" = "$response.body#/data/userId")))), ("AdUserUpdate" = (operation_id = "ad_user_update", parameters(("userId" = "$response.body#/data/userId")))), ("AdUserDelete" = (operation_id = "ad_user_delete", parameters(("userId" = "$response.body#/data/userId")))), ("AdUserRestore" = (operation_id = "ad_user_restore", parameters(("userId" = "$response.body#/data/userId")))))),
        (status = 409, response = crate::problem::Conflict),
        (status = 429, response = crate::problem::TooManyRequests),
    ),
    security(("bearerAuth" = []))
)]
pub async fn ad_user_invite(
    who: SessionOf,
    body: KeyedJson<InviteUserOrganizationRequest>,
    app: web::Data<App>,
) -> Reply {
    let (profile, permissions) = body.parse()?;
    reply(
        app.ad_user_invite(&who, profile, permissions, body.key)
            .await?,
    )
}

/// Create a profile (back office).
#[utoipa::path(
    post,
    path = "/users-organizations/v1/bo/users",
    tag = "back office",
    params(SessionHeader, crate::api::IdempotencyHeader),
    request_body = CreateUserRequest,
    responses(
        crate::problem::RefusalsForbidden,
        crate::problem::BodyRefusals,
        (status = 201, description = "The user has been created", body = UserEnvelope, links(("BoUserView" = (operation_id = "bo_user_view", parameters(("userId" = "$response.body#/data/id")))), ("BoUserOrganizationList" = (operation_id = "bo_user_organization_list", parameters(("userId" = "$response.body#/data/id")))), ("BoUserOrganizationRegister" = (operation_id = "bo_user_organization_register", parameters(("userId" = "$response.body#/data/id")))))),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_user_create(
    who: SessionOf,
    body: KeyedJson<CreateUserRequest>,
    app: web::Data<App>,
) -> Reply {
    let new = body.parse()?;
    reply(app.bo_user_create(&who, new, body.key).await?)
}

/// View a profile (back office).
#[utoipa::path(
    get,
    path = "/users-organizations/v1/bo/users/{userId}",
    tag = "back office",
    params(crate::api::UserPath, SessionHeader),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "The user", body = UserEnvelope),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_user_view(who: SessionOf, path: web::Path<UserPath>, app: web::Data<App>) -> Reply {
    ok(app.bo_user_view(&who, path.user_id).await?)
}

/// Create an organization with no members (back office).
#[utoipa::path(
    post,
    path = "/users-organizations/v1/bo/organizations",
    tag = "back office",
    params(SessionHeader, crate::api::IdempotencyHeader),
    request_body = CreateOrganizationRequest,
    responses(
        crate::problem::RefusalsForbidden,
        crate::problem::BodyRefusals,
        (status = 201, description = "The organization has been created", body = BackOfficeOrganizationEnvelope, links(("BoOrganizationView" = (operation_id = "bo_organization_view", parameters(("organizationId" = "$response.body#/data/id")))))),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_organization_create(
    who: SessionOf,
    body: KeyedJson<CreateOrganizationRequest>,
    app: web::Data<App>,
) -> Reply {
    let name = body.parse()?;
    reply(app.bo_organization_create(&who, name, body.key).await?)
}

/// View an organization (back office).
#[utoipa::path(
    get,
    path = "/users-organizations/v1/bo/organizations/{organizationId}",
    tag = "back office",
    params(crate::api::BackOfficeOrganizationPath, SessionHeader),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "The organization", body = BackOfficeOrganizationEnvelope),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_organization_view(
    who: SessionOf,
    path: web::Path<BackOfficeOrganizationPath>,
    app: web::Data<App>,
) -> Reply {
    ok(app.bo_organization_view(&who, path.organization_id).await?)
}

/// Register a user in an organization (seed 001, back office).
///
/// Scope 1 makes an administrator, scope 2 a member. Restores a soft-deleted membership.
#[utoipa::path(
    post,
    path = "/users-organizations/v1/bo/users/register/{userId}/organizations/{organizationId}",
    tag = "back office",
    params(
        crate::api::UserOrganizationPath,
        SessionHeader,
        crate::api::IdempotencyHeader,
    ),
    request_body(content = RegisterUserOrganizationRequest, description = "Details required to create register user organization"),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        crate::problem::BodyRefusals,
        (status = 201, description = "The register user organization has been created", body = MembershipEnvelope, links(("BoUserOrganizationDelete" = (operation_id = "bo_user_organization_delete", parameters(("userId" = "$response.body#/data/userId"), ("organizationId" = "$response.body#/data/organizationId")))))),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_user_organization_register(
    who: SessionOf,
    path: web::Path<UserOrganizationPath>,
    body: KeyedJson<RegisterUserOrganizationRequest>,
    app: web::Data<App>,
) -> Reply {
    let (user, org) = (path.user_id, path.organization_id);
    let (scope, permissions) = body.parse()?;
    reply(
        app.bo_user_organization_register(&who, user, org, scope, permissions, body.key)
            .await?,
    )
}

/// Get a session acting on an organization you are a live member of (how a client switches
/// organization). Needs only a bearer: it is where sessions come from.
#[utoipa::path(
    post,
    path = "/users-organizations/v1/sessions",
    tag = "memberships",
    request_body = CreateSessionRequest,
    responses(
        crate::problem::RefusalsForbidden,
        crate::problem::BodyRefusals,
        (status = 201, description = "A session for that organization", body = SessionEnvelope),
    ),
    security(("bearerAuth" = []))
)]
pub async fn session_create(
    caller: Caller,
    body: Json<CreateSessionRequest>,
    app: web::Data<App>,
) -> Reply {
    let org = body.0.parse()?;
    reply(app::Answer {
        body: app.session_create(&caller, org).await?,
        created: true,
        replayed: false,
    })
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
    tag = "memberships",
    params(
        SessionHeader,
        ("scope" = Option<Scope>, Query, description = "Only this scope"),
        ("includeDeleted" = Option<bool>, Query, description = "Include soft-deleted memberships (default false)"),
        crate::api::PageQuery,
    ),
    responses(
        crate::problem::RefusalsForbidden,
        (status = 200, description = "A page of memberships", body = MembershipPage),
    ),
    security(("bearerAuth" = []))
)]
pub async fn ad_user_list(
    who: SessionOf,
    query: web::Query<MembershipQuery>,
    app: web::Data<App>,
) -> Reply {
    let scope = query
        .scope
        .map(domain::Scope::parse)
        .transpose()
        .map_err(|_| Error::BadRequest("`scope` must be 1 or 2".into()))?;
    let page = PageQuery::page_of(query.limit, query.cursor.clone())?;
    let include_deleted = query.include_deleted.unwrap_or(false);
    ok(app.ad_user_list(&who, scope, include_deleted, page).await?)
}

/// View one live membership of the session's organization (any member).
#[utoipa::path(
    get,
    path = "/users-organizations/v1/ad/users/{userId}",
    tag = "memberships",
    params(crate::api::UserPath, SessionHeader),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "The membership", body = MembershipEnvelope),
    ),
    security(("bearerAuth" = []))
)]
pub async fn ad_user_view(who: SessionOf, path: web::Path<UserPath>, app: web::Data<App>) -> Reply {
    ok(app.ad_user_view(&who, path.user_id).await?)
}

/// Change a membership's scope and/or permissions (administrators and managers).
///
/// Only administrators change administrators or grant scope 1; a manager grants only module ids
/// in its own `manage` set. 409 when it would leave the organization without an administrator.
#[utoipa::path(
    patch,
    path = "/users-organizations/v1/ad/users/{userId}",
    tag = "memberships",
    params(crate::api::UserPath, SessionHeader),
    request_body = UpdateMembershipRequest,
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        crate::problem::BodyRefusals,
        (status = 200, description = "The membership, changed", body = MembershipEnvelope),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn ad_user_update(
    who: SessionOf,
    path: web::Path<UserPath>,
    body: Json<UpdateMembershipRequest>,
    app: web::Data<App>,
) -> Reply {
    let (scope, permissions) = body.0.parse()?;
    ok(app
        .ad_user_update(&who, path.user_id, scope, permissions)
        .await?)
}

/// Soft-delete a membership: it gets a `deletedAt` and can be restored (administrators and
/// managers; only administrators remove administrators; never the last administrator).
#[utoipa::path(
    delete,
    path = "/users-organizations/v1/ad/users/{userId}",
    tag = "memberships",
    params(crate::api::UserPath, SessionHeader),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "The membership, deleted", body = MembershipEnvelope),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn ad_user_delete(
    who: SessionOf,
    path: web::Path<UserPath>,
    app: web::Data<App>,
) -> Reply {
    ok(app.ad_user_delete(&who, path.user_id).await?)
}

/// Restore a soft-deleted membership as it was (administrators and managers; only
/// administrators restore administrators). 409 when the user is a live member already.
#[utoipa::path(
    post,
    path = "/users-organizations/v1/ad/users/{userId}/restore",
    tag = "memberships",
    params(crate::api::UserPath, SessionHeader),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "The membership, restored", body = MembershipEnvelope),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn ad_user_restore(
    who: SessionOf,
    path: web::Path<UserPath>,
    app: web::Data<App>,
) -> Reply {
    ok(app.ad_user_restore(&who, path.user_id).await?)
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
    tag = "back office",
    params(
        SessionHeader,
        ("email" = Option<String>, Query, max_length = 250, pattern = r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$",  description = "Only the profile with this email"),
        crate::api::PageQuery,
    ),
    responses(
        crate::problem::RefusalsForbidden,
        (status = 200, description = "A page of profiles", body = UserPage),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_user_list(
    who: SessionOf,
    query: web::Query<UserQuery>,
    app: web::Data<App>,
) -> Reply {
    if let Some(email) = &query.email {
        if email.chars().count() > 250 {
            return Err(Error::BadRequest("`email` must be at most 250 characters".into()).into());
        }
        if email.chars().any(domain::names::is_forbidden) {
            return Err(
                Error::BadRequest("`email` must not contain control characters".into()).into(),
            );
        }
    }
    let page = PageQuery::page_of(query.limit, query.cursor.clone())?;
    ok(app.bo_user_list(&who, query.email.clone(), page).await?)
}

/// A user's memberships, soft-deleted ones included (back office).
#[utoipa::path(
    get,
    path = "/users-organizations/v1/bo/users/{userId}/organizations",
    tag = "back office",
    params(
        crate::api::UserPath,
        SessionHeader,
        crate::api::PageQuery,
    ),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "A page of the user's memberships", body = MembershipPage),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_user_organization_list(
    who: SessionOf,
    path: web::Path<UserPath>,
    query: web::Query<PageQuery>,
    app: web::Data<App>,
) -> Reply {
    ok(app
        .bo_user_organization_list(&who, path.user_id, query.page()?)
        .await?)
}

/// Remove a user's membership (a soft delete; back office). 409 for the organization's last
/// administrator.
#[utoipa::path(
    delete,
    path = "/users-organizations/v1/bo/users/{userId}/organizations/{organizationId}",
    tag = "back office",
    params(crate::api::UserOrganizationPath, SessionHeader),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "The membership, deleted", body = MembershipEnvelope),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn bo_user_organization_delete(
    who: SessionOf,
    path: web::Path<UserOrganizationPath>,
    app: web::Data<App>,
) -> Reply {
    let (user, org) = (path.user_id, path.organization_id);
    ok(app.bo_user_organization_delete(&who, user, org).await?)
}
