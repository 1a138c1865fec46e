//! `/organization` (seed 002): uuid ids, plain objects, a bearer only. An organization the
//! caller is not a live member of answers 404, so nothing leaks its existence.

use actix_web::{HttpRequest, web};
use app::App;
use domain::{Error, InvitationStatus, Result, model::InvitationFilter, page::Limit};
use wire::{
    AuditEventPage, BulkInvitationResult, BulkInvitationResults, BulkInviteRequest,
    CreateOrganizationRequest, InvitationPage, InvitationWithToken, InviteRequest, MemberPage,
    UpdateMemberRequest,
};

use crate::{
    api::{InvitationPath, MemberPath, OrganizationPath, PageQuery, Reply, no_content, ok, reply},
    auth::Caller,
    extract::{BULK_BODY_BYTES, Json, KeyedJson},
    problem::ApiError,
};

/// Create an organization; the caller becomes its administrator.
///
/// A caller without a profile gets one from its bearer's verified email (403 without one;
/// 409 when that email belongs to another user). A user creates at most
/// `ROLLCALL_ORGANIZATIONS_PER_HOUR` (default 10) organizations an hour (429 past it).
#[utoipa::path(
    post,
    path = "/organization",
    tag = "organizations",
    params(crate::api::IdempotencyHeader),
    request_body = CreateOrganizationRequest,
    responses(
        crate::problem::RefusalsForbidden,
        crate::problem::BodyRefusals,
        (status = 201, description = "The organization has been created", body = wire::Organization, links(("OrganizationView" = (operation_id = "organization_view", parameters(("organizationId" = "$response.body#/id")))), ("TeamCreate" = (operation_id = "team_create", parameters(("organizationId" = "$response.body#/id")))), ("TeamList" = (operation_id = "team_list", parameters(("organizationId" = "$response.body#/id")))), ("InvitationCreate" = (operation_id = "invitation_create", parameters(("organizationId" = "$response.body#/id")))), ("InvitationBulkCreate" = (operation_id = "invitation_bulk_create", parameters(("organizationId" = "$response.body#/id")))), ("InvitationList" = (operation_id = "invitation_list", parameters(("organizationId" = "$response.body#/id")))), ("MemberList" = (operation_id = "member_list", parameters(("organizationId" = "$response.body#/id")))), ("AuditEventList" = (operation_id = "audit_event_list", parameters(("organizationId" = "$response.body#/id")))))),
        (status = 409, response = crate::problem::Conflict),
        (status = 429, response = crate::problem::TooManyRequests),
    ),
    security(("bearerAuth" = []))
)]
pub async fn organization_create(
    caller: Caller,
    body: KeyedJson<CreateOrganizationRequest>,
    app: web::Data<App>,
) -> Reply {
    let name = body.parse()?;
    reply(app.organization_create(&caller, name, body.key).await?)
}

/// View an organization you are a member of.
#[utoipa::path(
    get,
    path = "/organization/{organizationId}",
    tag = "organizations",
    params(crate::api::OrganizationPath),
    responses(
        crate::problem::RefusalsNotFound,
        (status = 200, description = "The organization", body = wire::Organization),
    ),
    security(("bearerAuth" = []))
)]
pub async fn organization_view(
    caller: Caller,
    path: web::Path<OrganizationPath>,
    app: web::Data<App>,
) -> Reply {
    ok(app.organization_view(&caller, path.organization_id).await?)
}

/// Invite a person by email (seed 002).
///
/// Creates a pending invitation and answers its token, once. Administrators and managers only;
/// only administrators invite administrators; every team must belong to the organization. 409
/// when the email has a pending invitation already (named) or is a member's.
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/invite",
    tag = "invitations",
    params(crate::api::OrganizationPath, crate::api::IdempotencyHeader),
    request_body = InviteRequest,
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        crate::problem::BodyRefusals,
        (status = 201, description = "User invited to organization", body = InvitationWithToken, links(("InvitationView" = (operation_id = "invitation_view", parameters(("organizationId" = "$request.path.organizationId"), ("invitationId" = "$response.body#/id")))), ("InvitationResend" = (operation_id = "invitation_resend", parameters(("organizationId" = "$request.path.organizationId"), ("invitationId" = "$response.body#/id")))), ("InvitationRevoke" = (operation_id = "invitation_revoke", parameters(("organizationId" = "$request.path.organizationId"), ("invitationId" = "$response.body#/id")))))),
        (status = 409, response = crate::problem::Conflict),
        (status = 429, response = crate::problem::TooManyRequests),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_create(
    caller: Caller,
    path: web::Path<OrganizationPath>,
    body: KeyedJson<InviteRequest>,
    app: web::Data<App>,
) -> Reply {
    let invite = body.parse()?;
    reply(
        app.invitation_create(&caller, path.organization_id, invite, body.key)
            .await?,
    )
}

/// Invite up to 100 people in one call.
///
/// Each row is what a single invite takes, and is answered, in its order, with what a single
/// invite of it would answer: its own transaction, counted by the quota (a row past it is a 429
/// result with `retryAfter`), its email queued. A row whose email has a pending invitation
/// already is a 409 result naming it in `problem.invitationId`, so sending a list again creates
/// nothing new. Takes no `Idempotency-Key`. The body is at most 1 MiB and 100 rows (413); an
/// invalid row refuses the whole call (422 naming `invitations.<row>.<field>`) and nothing is
/// created.
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/invitations/bulk",
    tag = "invitations",
    params(crate::api::OrganizationPath),
    request_body = BulkInviteRequest,
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        crate::problem::BodyRefusals,
        (status = 200, description = "One result per row, in the rows' order", body = BulkInvitationResults),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_bulk_create(
    caller: Caller,
    path: web::Path<OrganizationPath>,
    body: Json<BulkInviteRequest, BULK_BODY_BYTES>,
    app: web::Data<App>,
) -> Reply {
    let invites = body.0.parse()?;
    let results = app
        .invitation_bulk_create(&caller, path.organization_id, invites)
        .await?;
    // The request metrics see one request; the invitations it created are counted here.
    crate::telemetry::invitations_created(results.iter().filter(|r| r.is_ok()).count() as u64);
    ok(BulkInvitationResults {
        results: results.into_iter().map(bulk_result).collect(),
    })
}

/// One row's result: 201 and the invitation, or the problem a single invite would answer.
fn bulk_result(row: Result<InvitationWithToken>) -> BulkInvitationResult {
    match row {
        Ok(invitation) => BulkInvitationResult {
            status: 201,
            invitation: Some(invitation),
            problem: None,
            retry_after: None,
        },
        Err(e) => {
            let refused = ApiError::from(e);
            BulkInvitationResult {
                status: i32::from(refused.status().as_u16()),
                invitation: None,
                problem: Some(refused.problem()),
                retry_after: refused
                    .retry_after()
                    .map(|s| u32::try_from(s).unwrap_or(u32::MAX)),
            }
        }
    }
}

/// The filters and page of an invitation list, from a query string where `status` may repeat.
/// Anything malformed is a 400.
fn invitation_query(query: &str) -> Result<(InvitationFilter, app::PageRequest)> {
    let bad = |m: String| Error::BadRequest(m);
    let (mut filter, mut limit, mut cursor) = (InvitationFilter::default(), None, None);
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "status" => filter
                .statuses
                .push(InvitationStatus::parse(&value).map_err(|_| {
                bad(format!(
                    "`status` {value:?} is not one of pending, accepted, declined, revoked, expired"
                ))
            })?),
            "email" if value.chars().count() > 250 => {
                return Err(bad("`email` must be at most 250 characters".into()));
            }
            "email" if value.chars().any(domain::names::is_forbidden) => {
                return Err(bad("`email` must not contain control characters".into()));
            }
            "email" => filter.email = Some(value.trim().to_lowercase()),
            "limit" => {
                limit = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| bad(format!("`limit` {value:?} is not an integer")))?,
                )
            }
            "cursor" => cursor = Some(value.into_owned()),
            _ => {}
        }
    }
    Ok((
        filter,
        app::PageRequest {
            limit: Limit::parse(limit)?,
            cursor,
        },
    ))
}

/// List the organization's invitations, newest first (administrators and managers).
///
/// Filter by `status` (repeat it for several) and `email`; `expired` includes pending
/// invitations past their expiry. Pages hold `limit` items (1–100, default 20); pass
/// `nextCursor` as `cursor` for the next. No tokens are shown.
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/invitations",
    tag = "invitations",
    params(
        crate::api::OrganizationPath,
        ("status" = Option<Vec<wire::InvitationStatus>>, Query, description = "Only invitations with one of these statuses"),
        ("email" = Option<String>, Query, max_length = 250, pattern = r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$",  description = "Only invitations to this email (case-insensitive)"),
        crate::api::PageQuery,
    ),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "A page of invitations", body = InvitationPage),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_list(
    caller: Caller,
    path: web::Path<OrganizationPath>,
    req: HttpRequest,
    app: web::Data<App>,
) -> Reply {
    let (filter, page) = invitation_query(req.query_string())?;
    ok(app
        .invitation_list(&caller, path.organization_id, filter, page)
        .await?)
}

/// View one invitation, without its token (administrators and managers).
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/invitations/{invitationId}",
    tag = "invitations",
    params(crate::api::InvitationPath),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "The invitation", body = wire::Invitation),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_view(
    caller: Caller,
    path: web::Path<InvitationPath>,
    app: web::Data<App>,
) -> Reply {
    let (org, id) = (path.organization_id, path.invitation_id);
    ok(app.invitation_view(&caller, org, id).await?)
}

/// Revoke a pending invitation; its token stops working (administrators and managers).
#[utoipa::path(
    delete,
    path = "/organization/{organizationId}/invitations/{invitationId}",
    tag = "invitations",
    params(crate::api::InvitationPath),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "The invitation, now revoked", body = wire::Invitation),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_revoke(
    caller: Caller,
    path: web::Path<InvitationPath>,
    app: web::Data<App>,
) -> Reply {
    let (org, id) = (path.organization_id, path.invitation_id);
    ok(app.invitation_revoke(&caller, org, id).await?)
}

/// Resend an invitation: a new token and a new 7-day expiry, same id (administrators and
/// managers). Works on pending and expired invitations; the old token stops working at once.
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/invitations/{invitationId}/resend",
    tag = "invitations",
    params(
        crate::api::InvitationPath,
        ("sendEmail" = Option<bool>, Query, description = "Whether Rollcall emails the new token (default true); false: you deliver the link yourself"),
        ("locale" = Option<String>, Query, max_length = 35, pattern = "^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$", description = "The email's language, a BCP 47 tag (default: English)"),
    ),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "The invitation with its new token", body = InvitationWithToken),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_resend(
    caller: Caller,
    path: web::Path<InvitationPath>,
    query: web::Query<wire::ResendQuery>,
    app: web::Data<App>,
) -> Reply {
    let (org, id) = (path.organization_id, path.invitation_id);
    ok(app
        .invitation_resend(&caller, org, id, query.parse()?)
        .await?)
}

/// The organization's audit log, newest first (administrators only).
///
/// Every change made through either family is recorded with its actor, action, target, request
/// id and time. Pages hold `limit` items (1–100, default 20); pass `nextCursor` as `cursor`.
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/audit-events",
    tag = "organizations",
    params(crate::api::OrganizationPath, crate::api::PageQuery),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "A page of audit events", body = AuditEventPage),
    ),
    security(("bearerAuth" = []))
)]
pub async fn audit_event_list(
    caller: Caller,
    path: web::Path<OrganizationPath>,
    query: web::Query<PageQuery>,
    app: web::Data<App>,
) -> Reply {
    ok(app
        .audit_event_list(&caller, path.organization_id, query.page()?)
        .await?)
}

/// List the organization's members with their roles, permissions and teams (any member).
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/members",
    tag = "members",
    params(crate::api::OrganizationPath, crate::api::PageQuery),
    responses(
        crate::problem::RefusalsNotFound,
        (status = 200, description = "A page of members", body = MemberPage, links(("MemberUpdate" = (operation_id = "member_update", parameters(("organizationId" = "$request.path.organizationId"), ("userId" = "$response.body#/data/0/userId")))), ("MemberDelete" = (operation_id = "member_delete", parameters(("organizationId" = "$request.path.organizationId"), ("userId" = "$response.body#/data/0/userId")))))),
    ),
    security(("bearerAuth" = []))
)]
pub async fn member_list(
    caller: Caller,
    path: web::Path<OrganizationPath>,
    query: web::Query<PageQuery>,
    app: web::Data<App>,
) -> Reply {
    ok(app
        .member_list(&caller, path.organization_id, query.page()?)
        .await?)
}

/// Change a member's role and/or permissions (administrators and managers).
///
/// Only administrators change administrators or grant the role; a manager grants only module ids
/// in its own `manage` set. 409 when it would leave the organization without an administrator.
#[utoipa::path(
    patch,
    path = "/organization/{organizationId}/members/{userId}",
    tag = "members",
    params(crate::api::MemberPath),
    request_body = UpdateMemberRequest,
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        crate::problem::BodyRefusals,
        (status = 200, description = "The member, changed", body = wire::Member),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn member_update(
    caller: Caller,
    path: web::Path<MemberPath>,
    body: Json<UpdateMemberRequest>,
    app: web::Data<App>,
) -> Reply {
    let (org, user) = (path.organization_id, path.user_id);
    let (role, permissions) = body.0.parse()?;
    ok(app
        .member_update(&caller, org, user, role, permissions)
        .await?)
}

/// Remove a member, or leave (administrators and managers; anyone for themselves).
///
/// Only administrators remove an administrator; the last administrator cannot leave (409).
#[utoipa::path(
    delete,
    path = "/organization/{organizationId}/members/{userId}",
    tag = "members",
    params(crate::api::MemberPath),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 204, description = "The member is removed"),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn member_delete(
    caller: Caller,
    path: web::Path<MemberPath>,
    app: web::Data<App>,
) -> Reply {
    let (org, user) = (path.organization_id, path.user_id);
    no_content(app.member_delete(&caller, org, user).await?)
}
