//! `/organization/{organizationId}/teams…`: teams and their members. Members read;
//! administrators and managers change. A team of another organization is not found.

use actix_web::web;
use app::App;
use domain::UserId;
use uuid::Uuid;
use wire::{CreateTeamRequest, PutTeamMemberRequest, Team, TeamMember, TeamMemberPage, TeamPage};

use crate::{
    api::{PageQuery, Reply, no_content, ok, reply},
    auth::Caller,
    extract::{Json, Keyed},
};

/// Create a team in the organization (administrators and managers).
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/teams",
    operation_id = "team_create",
    tag = "teams",
    params(crate::api::OrganizationPath,
        crate::api::IdempotencyHeader,
    ),
    request_body = CreateTeamRequest,
    responses(
        crate::problem::Refusals,
        crate::problem::BodyRefusals,
        (status = 201, description = "The team has been created", body = Team, links(("TeamUpdate" = (operation_id = "team_update", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$response.body#/id")))), ("TeamMemberList" = (operation_id = "team_member_list", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$response.body#/id")))), ("TeamMemberPut" = (operation_id = "team_member_put", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$response.body#/id")))), ("TeamDelete" = (operation_id = "team_delete", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$response.body#/id")))))),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_create(
    caller: Caller,
    path: web::Path<Uuid>,
    key: Keyed,
    body: Json<CreateTeamRequest>,
    app: web::Data<App>,
) -> Reply {
    let name = body.0.parse()?;
    reply(
        app.team_create(&caller, path.into_inner(), name, key.with_body(&body.0))
            .await?,
    )
}

/// List the organization's teams, oldest first (any member).
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/teams",
    operation_id = "team_list",
    tag = "teams",
    params(
        crate::api::OrganizationPath,
        crate::api::PageQuery,
    ),
    responses(
        crate::problem::Refusals,
        (status = 200, description = "A page of teams", body = TeamPage),
        (status = 404, response = crate::problem::NotFound),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_list(
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<PageQuery>,
    app: web::Data<App>,
) -> Reply {
    ok(app
        .team_list(&caller, path.into_inner(), query.page()?)
        .await?)
}

/// Rename a team (administrators and managers).
#[utoipa::path(
    patch,
    path = "/organization/{organizationId}/teams/{teamId}",
    operation_id = "team_update",
    tag = "teams",
    params(
        crate::api::OrganizationPath,
        ("teamId" = Uuid, Path, description = "Team identifier"),
    ),
    request_body = CreateTeamRequest,
    responses(
        crate::problem::Refusals,
        crate::problem::BodyRefusals,
        (status = 200, description = "The team, renamed", body = Team),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_update(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<CreateTeamRequest>,
    app: web::Data<App>,
) -> Reply {
    let (org, team) = path.into_inner();
    ok(app.team_update(&caller, org, team, body.0.parse()?).await?)
}

/// Delete a team and its memberships (administrators and managers).
#[utoipa::path(
    delete,
    path = "/organization/{organizationId}/teams/{teamId}",
    operation_id = "team_delete",
    tag = "teams",
    params(
        crate::api::OrganizationPath,
        ("teamId" = Uuid, Path, description = "Team identifier"),
    ),
    responses(
        crate::problem::Refusals,
        (status = 204, description = "The team is deleted"),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_delete(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    app: web::Data<App>,
) -> Reply {
    let (org, team) = path.into_inner();
    no_content(app.team_delete(&caller, org, team).await?)
}

/// List a team's members (any member of the organization).
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/teams/{teamId}/members",
    operation_id = "team_member_list",
    tag = "teams",
    params(
        crate::api::OrganizationPath,
        ("teamId" = Uuid, Path, description = "Team identifier"),
        crate::api::PageQuery,
    ),
    responses(
        crate::problem::Refusals,
        (status = 200, description = "A page of the team's members", body = TeamMemberPage),
        (status = 404, response = crate::problem::NotFound),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_member_list(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    query: web::Query<PageQuery>,
    app: web::Data<App>,
) -> Reply {
    let (org, team) = path.into_inner();
    ok(app
        .team_member_list(&caller, org, team, query.page()?)
        .await?)
}

/// Add a member of the organization to the team, or change its role there (administrators and
/// managers).
#[utoipa::path(
    put,
    path = "/organization/{organizationId}/teams/{teamId}/members/{userId}",
    operation_id = "team_member_put",
    tag = "teams",
    params(
        crate::api::OrganizationPath,
        ("teamId" = Uuid, Path, description = "Team identifier"),
        ("userId" = i64, Path, description = "The member's user id", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
    ),
    request_body = PutTeamMemberRequest,
    responses(
        crate::problem::Refusals,
        crate::problem::BodyRefusals,
        (status = 200, description = "The team member", body = TeamMember, links(("TeamMemberDelete" = (operation_id = "team_member_delete", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$request.path.teamId"), ("userId" = "$request.path.userId")))), ("MemberUpdate" = (operation_id = "member_update", parameters(("organizationId" = "$request.path.organizationId"), ("userId" = "$request.path.userId")))), ("MemberDelete" = (operation_id = "member_delete", parameters(("organizationId" = "$request.path.organizationId"), ("userId" = "$request.path.userId")))))),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_member_put(
    caller: Caller,
    path: web::Path<(Uuid, Uuid, UserId)>,
    body: Json<PutTeamMemberRequest>,
    app: web::Data<App>,
) -> Reply {
    let (org, team, user) = path.into_inner();
    ok(app
        .team_member_put(&caller, org, team, user, body.0.role.into())
        .await?)
}

/// Remove a user from the team (administrators and managers).
#[utoipa::path(
    delete,
    path = "/organization/{organizationId}/teams/{teamId}/members/{userId}",
    operation_id = "team_member_delete",
    tag = "teams",
    params(
        crate::api::OrganizationPath,
        ("teamId" = Uuid, Path, description = "Team identifier"),
        ("userId" = i64, Path, description = "The member's user id", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
    ),
    responses(
        crate::problem::Refusals,
        (status = 204, description = "The user is no longer in the team"),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_member_delete(
    caller: Caller,
    path: web::Path<(Uuid, Uuid, UserId)>,
    app: web::Data<App>,
) -> Reply {
    let (org, team, user) = path.into_inner();
    no_content(app.team_member_delete(&caller, org, team, user).await?)
}
