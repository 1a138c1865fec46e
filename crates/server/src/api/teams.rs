//! `/organization/{organizationId}/teams…`: teams and their members. Members read;
//! administrators and managers change. A team of another organization is not found.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::{UserId, page::Limit, rules};
use uuid::Uuid;

use crate::{
    AppState,
    api::{PageQuery, organizations::membership_of},
    auth::Caller,
    extract::Json,
    problem::ApiError,
    wire::{CreateTeamRequest, PutTeamMemberRequest, Team, TeamMember, TeamMemberPage, TeamPage},
};

type Answer = Result<HttpResponse, ApiError>;

/// Create a team in the organization (administrators and managers).
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/teams",
    operation_id = "team_create",
    tag = "teams",
    params(("organizationId" = Uuid, Path, description = "Organization identifier"),
        crate::api::IdempotencyHeader,
    ),
    request_body = CreateTeamRequest,
    responses(
        (status = 201, description = "The team has been created", body = Team, links(("TeamUpdate" = (operation_id = "team_update", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$response.body#/id")))), ("TeamMemberList" = (operation_id = "team_member_list", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$response.body#/id")))), ("TeamMemberPut" = (operation_id = "team_member_put", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$response.body#/id")))), ("TeamDelete" = (operation_id = "team_delete", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$response.body#/id")))))),
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
pub async fn team_create(
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<CreateTeamRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let (org, actor) = membership_of(&st, &caller, path.into_inner()).await?;
    rules::may_manage_members(actor.role)?;
    let name = body.0.parse()?;
    let team = st
        .store
        .create_team(org.id, &name, &st.context(Some(caller.id())))
        .await?;
    Ok(HttpResponse::Created().json(Team::from(&team)))
}

/// List the organization's teams, oldest first (any member).
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/teams",
    operation_id = "team_list",
    tag = "teams",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of teams", body = TeamPage),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_list(
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<PageQuery>,
    st: web::Data<AppState>,
) -> Answer {
    let (org, _) = membership_of(&st, &caller, path.into_inner()).await?;
    let limit = Limit::parse(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| st.cursors.decode::<(DateTime<Utc>, Uuid)>(c))
        .transpose()?;
    let mut rows = st.store.teams(org.id, after, limit.get()).await?;
    let next_cursor = st
        .cursors
        .page(&mut rows, limit.get(), |t| (t.created_at, t.id));
    Ok(HttpResponse::Ok().json(TeamPage {
        data: rows.iter().map(Team::from).collect(),
        next_cursor,
    }))
}

/// Rename a team (administrators and managers).
#[utoipa::path(
    patch,
    path = "/organization/{organizationId}/teams/{teamId}",
    operation_id = "team_update",
    tag = "teams",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("teamId" = Uuid, Path, description = "Team identifier"),
    ),
    request_body = CreateTeamRequest,
    responses(
        (status = 200, description = "The team, renamed", body = Team),
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
pub async fn team_update(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    body: Json<CreateTeamRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let (org_id, team) = path.into_inner();
    let (org, actor) = membership_of(&st, &caller, org_id).await?;
    rules::may_manage_members(actor.role)?;
    let name = body.0.parse()?;
    let renamed = st
        .store
        .rename_team(org.id, team, &name, &st.context(Some(caller.id())))
        .await?;
    Ok(HttpResponse::Ok().json(Team::from(&renamed)))
}

/// Delete a team and its memberships (administrators and managers).
#[utoipa::path(
    delete,
    path = "/organization/{organizationId}/teams/{teamId}",
    operation_id = "team_delete",
    tag = "teams",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("teamId" = Uuid, Path, description = "Team identifier"),
    ),
    responses(
        (status = 204, description = "The team is deleted"),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_delete(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    st: web::Data<AppState>,
) -> Answer {
    let (org_id, team) = path.into_inner();
    let (org, actor) = membership_of(&st, &caller, org_id).await?;
    rules::may_manage_members(actor.role)?;
    st.store
        .delete_team(org.id, team, &st.context(Some(caller.id())))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List a team's members (any member of the organization).
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/teams/{teamId}/members",
    operation_id = "team_member_list",
    tag = "teams",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("teamId" = Uuid, Path, description = "Team identifier"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of the team's members", body = TeamMemberPage),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_member_list(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    query: web::Query<PageQuery>,
    st: web::Data<AppState>,
) -> Answer {
    let (org_id, team) = path.into_inner();
    let (org, _) = membership_of(&st, &caller, org_id).await?;
    let limit = Limit::parse(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| st.cursors.decode::<UserId>(c))
        .transpose()?;
    let mut rows = st
        .store
        .team_members(org.id, team, after, limit.get())
        .await?;
    let next_cursor = st.cursors.page(&mut rows, limit.get(), |m| m.user.id);
    Ok(HttpResponse::Ok().json(TeamMemberPage {
        data: rows.iter().map(TeamMember::from).collect(),
        next_cursor,
    }))
}

/// Add a member of the organization to the team, or change its role there (administrators and
/// managers).
#[utoipa::path(
    put,
    path = "/organization/{organizationId}/teams/{teamId}/members/{userId}",
    operation_id = "team_member_put",
    tag = "teams",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("teamId" = Uuid, Path, description = "Team identifier"),
        ("userId" = i64, Path, description = "The member's user id", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
    ),
    request_body = PutTeamMemberRequest,
    responses(
        (status = 200, description = "The team member", body = TeamMember, links(("TeamMemberDelete" = (operation_id = "team_member_delete", parameters(("organizationId" = "$request.path.organizationId"), ("teamId" = "$request.path.teamId"), ("userId" = "$request.path.userId")))), ("MemberUpdate" = (operation_id = "member_update", parameters(("organizationId" = "$request.path.organizationId"), ("userId" = "$request.path.userId")))), ("MemberDelete" = (operation_id = "member_delete", parameters(("organizationId" = "$request.path.organizationId"), ("userId" = "$request.path.userId")))))),
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
pub async fn team_member_put(
    caller: Caller,
    path: web::Path<(Uuid, Uuid, UserId)>,
    body: Json<PutTeamMemberRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let (org_id, team, user) = path.into_inner();
    let (org, actor) = membership_of(&st, &caller, org_id).await?;
    rules::may_manage_members(actor.role)?;
    let ctx = st.context(Some(caller.id()));
    let member = st
        .store
        .put_team_member(org.id, team, user, body.0.role.into(), &ctx)
        .await?;
    Ok(HttpResponse::Ok().json(TeamMember::from(&member)))
}

/// Remove a user from the team (administrators and managers).
#[utoipa::path(
    delete,
    path = "/organization/{organizationId}/teams/{teamId}/members/{userId}",
    operation_id = "team_member_delete",
    tag = "teams",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("teamId" = Uuid, Path, description = "Team identifier"),
        ("userId" = i64, Path, description = "The member's user id", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
    ),
    responses(
        (status = 204, description = "The user is no longer in the team"),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn team_member_delete(
    caller: Caller,
    path: web::Path<(Uuid, Uuid, UserId)>,
    st: web::Data<AppState>,
) -> Answer {
    let (org_id, team, user) = path.into_inner();
    let (org, actor) = membership_of(&st, &caller, org_id).await?;
    rules::may_manage_members(actor.role)?;
    st.store
        .remove_team_member(org.id, team, user, &st.context(Some(caller.id())))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
