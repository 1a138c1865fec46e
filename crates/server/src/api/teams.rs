//! `/organization/{organizationId}/teams…`: teams and their members. Members read;
//! administrators and managers change. A team of another organization is not found.

use actix_web::web;
use app::App;
use wire::{CreateTeamRequest, PutTeamMemberRequest, Team, TeamMember, TeamMemberPage, TeamPage};

use crate::{
    api::{OrganizationPath, PageQuery, Reply, TeamMemberPath, TeamPath, no_content, ok, reply},
    auth::Caller,
    extract::{Json, KeyedJson},
};

/// Create a team in the organization (administrators and managers).
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/teams",
    tag = "teams",
    params(crate::api::OrganizationPath, crate::api::IdempotencyHeader),
    request_body = CreateTeamRequest,
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        crate::problem::BodyRefusals,
        (status = 201, description = "The team has been created", body = Team, links(("TeamUpdate" = (operation_id = "team_update", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$response.body#/id")))), ("TeamMemberList" = (operation_id = "team_member_list", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$response.body#/id")))), ("TeamMemberPut" = (operation_id = "team_member_put", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$response.body#/id")))), ("TeamDelete" = (operation_id = "team_delete", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$response.body#/id")))))),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_create(
    caller: Caller,
    path: web::Path<OrganizationPath>,
    body: KeyedJson<CreateTeamRequest>,
    app: web::Data<App>,
) -> Reply {
    let name = body.parse()?;
    reply(
        app.team_create(&caller, path.organization_id, name, body.key)
            .await?,
    )
}

/// List the organization's teams, oldest first (any member).
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/teams",
    tag = "teams",
    params(crate::api::OrganizationPath, crate::api::PageQuery),
    responses(
        crate::problem::RefusalsNotFound,
        (status = 200, description = "A page of teams", body = TeamPage),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_list(
    caller: Caller,
    path: web::Path<OrganizationPath>,
    query: web::Query<PageQuery>,
    app: web::Data<App>,
) -> Reply {
    ok(app
        .team_list(&caller, path.organization_id, query.page()?)
        .await?)
}

/// Rename a team (administrators and managers).
#[utoipa::path(
    patch,
    path = "/organization/{organizationId}/teams/{teamId}",
    tag = "teams",
    params(TeamPath),
    request_body = CreateTeamRequest,
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        crate::problem::BodyRefusals,
        (status = 200, description = "The team, renamed", body = Team),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_update(
    caller: Caller,
    path: web::Path<TeamPath>,
    body: Json<CreateTeamRequest>,
    app: web::Data<App>,
) -> Reply {
    let name = body.0.parse()?;
    ok(app
        .team_update(&caller, path.organization_id, path.team_id, name)
        .await?)
}

/// Delete a team and its memberships (administrators and managers).
#[utoipa::path(
    delete,
    path = "/organization/{organizationId}/teams/{teamId}",
    tag = "teams",
    params(TeamPath),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 204, description = "The team is deleted"),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_delete(caller: Caller, path: web::Path<TeamPath>, app: web::Data<App>) -> Reply {
    no_content(
        app.team_delete(&caller, path.organization_id, path.team_id)
            .await?,
    )
}

/// List a team's members (any member of the organization).
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/teams/{teamId}/members",
    tag = "teams",
    params(TeamPath, crate::api::PageQuery),
    responses(
        crate::problem::RefusalsNotFound,
        (status = 200, description = "A page of the team's members", body = TeamMemberPage),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_member_list(
    caller: Caller,
    path: web::Path<TeamPath>,
    query: web::Query<PageQuery>,
    app: web::Data<App>,
) -> Reply {
    let page = query.page()?;
    ok(app
        .team_member_list(&caller, path.organization_id, path.team_id, page)
        .await?)
}

/// Add a member of the organization to the team, or change its role there (administrators and
/// managers).
#[utoipa::path(
    put,
    path = "/organization/{organizationId}/teams/{teamId}/members/{userId}",
    tag = "teams",
    params(TeamMemberPath),
    request_body = PutTeamMemberRequest,
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        crate::problem::BodyRefusals,
        (status = 200, description = "The team member", body = TeamMember, links(("TeamMemberDelete" = (operation_id = "team_member_delete", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$request.path.teamId"), ("userId" = "$request.path.userId")))), ("MemberUpdate" = (operation_id = "member_update", parameters(("organizationId" = "$request.path.organizationId"), ("userId" = "$request.path.userId")))), ("MemberDelete" = (operation_id = "member_delete", parameters(("organizationId" = "$request.path.organizationId"), ("userId" = "$request.path.userId")))))),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_member_put(
    caller: Caller,
    path: web::Path<TeamMemberPath>,
    body: Json<PutTeamMemberRequest>,
    app: web::Data<App>,
) -> Reply {
    let (org, team, user) = (path.organization_id, path.team_id, path.user_id);
    ok(app
        .team_member_put(&caller, org, team, user, body.0.role.into())
        .await?)
}

/// Remove a user from the team (administrators and managers).
#[utoipa::path(
    delete,
    path = "/organization/{organizationId}/teams/{teamId}/members/{userId}",
    tag = "teams",
    params(TeamMemberPath),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 204, description = "The user is no longer in the team"),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_member_delete(
    caller: Caller,
    path: web::Path<TeamMemberPath>,
    app: web::Data<App>,
) -> Reply {
    let (org, team, user) = (path.organization_id, path.team_id, path.user_id);
    no_content(app.team_member_delete(&caller, org, team, user).await?)
}
