//! `/organization` (seed 002): uuid ids, plain objects, a bearer only. An organization the
//! caller is not a live member of answers 404, so nothing leaks its existence.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::{
    Error, InvitationStatus, InvitationToken, Result, UserId,
    model::{Membership, NewInvitation, Organization},
    page::Limit,
    rules,
};
use storage::InvitationFilter;
use uuid::Uuid;

use crate::{
    AppState,
    api::PageQuery,
    auth::Caller,
    cursor::Cursors,
    extract::Json,
    problem::ApiError,
    wire::{
        self, AuditEventPage, CreateOrganizationRequest, InvitationPage, InvitationWithToken,
        InviteRequest, MemberPage, UpdateMemberRequest,
    },
};

type Answer = std::result::Result<HttpResponse, ApiError>;

/// The organization `uuid` and the caller's live membership of it; 404 when either is missing.
pub(super) async fn membership_of(
    st: &AppState,
    caller: &Caller,
    uuid: Uuid,
) -> Result<(Organization, Membership)> {
    // Not even the uuid the caller sent: the answer is the same for every organization that is
    // not its own, existing or not.
    let not_found = || Error::NotFound("no such organization among yours".into());
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
    params(crate::api::IdempotencyHeader),
    request_body = CreateOrganizationRequest,
    responses(
        (status = 201, description = "The organization has been created", body = wire::Organization, links(("OrganizationView" = (operation_id = "organization_view", parameters(("organizationId" = "$response.body#/id")))), ("TeamCreate" = (operation_id = "team_create", parameters(("organizationId" = "$response.body#/id")))), ("TeamList" = (operation_id = "team_list", parameters(("organizationId" = "$response.body#/id")))), ("InvitationCreate" = (operation_id = "invitation_create", parameters(("organizationId" = "$response.body#/id")))), ("InvitationList" = (operation_id = "invitation_list", parameters(("organizationId" = "$response.body#/id")))), ("MemberList" = (operation_id = "member_list", parameters(("organizationId" = "$response.body#/id")))), ("AuditEventList" = (operation_id = "audit_event_list", parameters(("organizationId" = "$response.body#/id")))))),
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
    let ctx = st.context(Some(caller.id()));
    st.store
        .ensure_profile(caller.id(), || caller.new_profile(), &ctx)
        .await?;
    let (org, _) = st
        .store
        .create_organization_with_admin(caller.id(), &name, &ctx)
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
    params(("organizationId" = Uuid, Path, description = "Organization identifier"),
        crate::api::IdempotencyHeader,
    ),
    request_body = InviteRequest,
    responses(
        (status = 201, description = "User invited to organization", body = InvitationWithToken, links(("InvitationView" = (operation_id = "invitation_view", parameters(("organizationId" = "$request.path.organizationId"), ("invitationId" = "$response.body#/id")))), ("InvitationResend" = (operation_id = "invitation_resend", parameters(("organizationId" = "$request.path.organizationId"), ("invitationId" = "$response.body#/id")))), ("InvitationRevoke" = (operation_id = "invitation_revoke", parameters(("organizationId" = "$request.path.organizationId"), ("invitationId" = "$response.body#/id")))))),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 409, response = crate::problem::Conflict),
        (status = 413, response = crate::problem::PayloadTooLarge),
        (status = 415, response = crate::problem::UnsupportedMediaType),
        (status = 422, response = crate::problem::UnprocessableContent),
        (status = 429, response = crate::problem::TooManyRequests),
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
    let ctx = st.context(Some(caller.id()));
    let now = ctx.now;
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
    let invitation = st.store.create_invitation(&org, &new, &ctx).await?;
    Ok(HttpResponse::Created().json(InvitationWithToken::new(&invitation, &token, now)))
}

/// The statuses, email, page size and cursor of an invitation list, from a query string where
/// `status` may repeat. Anything malformed is a 400.
struct InvitationQuery {
    filter: InvitationFilter,
    limit: Limit,
    after: Option<(DateTime<Utc>, Uuid)>,
}

impl InvitationQuery {
    fn parse(query: &str, cursors: &Cursors) -> Result<Self> {
        let bad = |m: String| Error::BadRequest(m);
        let (mut filter, mut limit, mut cursor) = (InvitationFilter::default(), None, None);
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "status" => filter.statuses.push(
                    InvitationStatus::parse(&value)
                        .map_err(|_| bad(format!("`status` {value:?} is not one of pending, accepted, declined, revoked, expired")))?,
                ),
                "email" if value.chars().count() > 250 => return Err(bad("`email` must be at most 250 characters".into())),
                "email" => filter.email = Some(value.trim().to_lowercase()),
                "limit" => limit = Some(value.parse::<i64>().map_err(|_| bad(format!("`limit` {value:?} is not an integer")))?),
                "cursor" => cursor = Some(cursors.decode::<(DateTime<Utc>, Uuid)>(&value)?),
                _ => {}
            }
        }
        Ok(Self {
            filter,
            limit: Limit::parse(limit)?,
            after: cursor,
        })
    }
}

/// List the organization's invitations, newest first (administrators and managers).
///
/// Filter by `status` (repeat it for several) and `email`; `expired` includes pending
/// invitations past their expiry. Pages hold `limit` items (1–100, default 20); pass
/// `nextCursor` as `cursor` for the next. No tokens are shown.
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/invitations",
    operation_id = "invitation_list",
    tag = "invitations",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("status" = Option<Vec<wire::InvitationStatus>>, Query, description = "Only invitations with one of these statuses"),
        ("email" = Option<String>, Query, max_length = 250, description = "Only invitations to this email (case-insensitive)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of invitations", body = InvitationPage),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_list(
    caller: Caller,
    path: web::Path<Uuid>,
    req: HttpRequest,
    st: web::Data<AppState>,
) -> Answer {
    let (org, actor) = membership_of(&st, &caller, path.into_inner()).await?;
    rules::may_manage_members(actor.role)?;
    let q = InvitationQuery::parse(req.query_string(), &st.cursors)?;
    let now = st.clock.now();
    let mut rows = st
        .store
        .list_invitations(&org, &q.filter, q.after, q.limit.get(), now)
        .await?;
    let next_cursor = st
        .cursors
        .page(&mut rows, q.limit.get(), |last| (last.created_at, last.id));
    let data = rows
        .iter()
        .map(|inv| wire::Invitation::new(inv, now))
        .collect();
    Ok(HttpResponse::Ok().json(InvitationPage { data, next_cursor }))
}

/// View one invitation, without its token (administrators and managers).
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/invitations/{invitationId}",
    operation_id = "invitation_view",
    tag = "invitations",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("invitationId" = Uuid, Path, description = "Invitation identifier"),
    ),
    responses(
        (status = 200, description = "The invitation", body = wire::Invitation),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_view(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    st: web::Data<AppState>,
) -> Answer {
    let (org_id, id) = path.into_inner();
    let (org, actor) = membership_of(&st, &caller, org_id).await?;
    rules::may_manage_members(actor.role)?;
    let inv =
        st.store.invitation(&org, id).await?.ok_or_else(|| {
            Error::NotFound(format!("organization {org_id} has no invitation {id}"))
        })?;
    Ok(HttpResponse::Ok().json(wire::Invitation::new(&inv, st.clock.now())))
}

/// Revoke a pending invitation; its token stops working (administrators and managers).
#[utoipa::path(
    delete,
    path = "/organization/{organizationId}/invitations/{invitationId}",
    operation_id = "invitation_revoke",
    tag = "invitations",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("invitationId" = Uuid, Path, description = "Invitation identifier"),
    ),
    responses(
        (status = 200, description = "The invitation, now revoked", body = wire::Invitation),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 409, response = crate::problem::Conflict),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_revoke(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    st: web::Data<AppState>,
) -> Answer {
    let (org_id, id) = path.into_inner();
    let (org, actor) = membership_of(&st, &caller, org_id).await?;
    rules::may_manage_members(actor.role)?;
    let ctx = st.context(Some(caller.id()));
    let inv = st.store.revoke_invitation(&org, id, &ctx).await?;
    Ok(HttpResponse::Ok().json(wire::Invitation::new(&inv, ctx.now)))
}

/// Resend an invitation: a new token and a new 7-day expiry, same id (administrators and
/// managers). Works on pending and expired invitations; the old token stops working at once.
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/invitations/{invitationId}/resend",
    operation_id = "invitation_resend",
    tag = "invitations",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("invitationId" = Uuid, Path, description = "Invitation identifier"),
    ),
    responses(
        (status = 200, description = "The invitation with its new token", body = InvitationWithToken),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 409, response = crate::problem::Conflict),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn invitation_resend(
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    st: web::Data<AppState>,
) -> Answer {
    let (org_id, id) = path.into_inner();
    let (org, actor) = membership_of(&st, &caller, org_id).await?;
    rules::may_manage_members(actor.role)?;
    let token = InvitationToken::generate()?;
    let ctx = st.context(Some(caller.id()));
    let expires_at = ctx.now + chrono::Duration::seconds(wire::DEFAULT_LIFETIME_SECONDS);
    let inv = st
        .store
        .resend_invitation(&org, id, &token.hash(), expires_at, &ctx)
        .await?;
    Ok(HttpResponse::Ok().json(InvitationWithToken::new(&inv, &token, ctx.now)))
}

/// The organization's audit log, newest first (administrators only).
///
/// Every change made through either family is recorded with its actor, action, target, request
/// id and time. Pages hold `limit` items (1–100, default 20); pass `nextCursor` as `cursor`.
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/audit-events",
    operation_id = "audit_event_list",
    tag = "organizations",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of audit events", body = AuditEventPage),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn audit_event_list(
    caller: Caller,
    path: web::Path<Uuid>,
    query: web::Query<PageQuery>,
    st: web::Data<AppState>,
) -> Answer {
    let (org, actor) = membership_of(&st, &caller, path.into_inner()).await?;
    rules::may_read_audit_log(actor.role)?;
    let limit = Limit::parse(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| st.cursors.decode::<i64>(c))
        .transpose()?;
    let mut rows = st.store.audit_events(org.id, after, limit.get()).await?;
    let next_cursor = st.cursors.page(&mut rows, limit.get(), |last| last.id);
    let data = rows.iter().map(wire::AuditEvent::from).collect();
    Ok(HttpResponse::Ok().json(AuditEventPage { data, next_cursor }))
}

/// `(organizationId, userId)` in a member path.
type MemberPath = web::Path<(Uuid, UserId)>;

/// List the organization's members with their roles, permissions and teams (any member).
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/members",
    operation_id = "member_list",
    tag = "members",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of members", body = MemberPage, links(("MemberUpdate" = (operation_id = "member_update", parameters(("organizationId" = "$request.path.organizationId"), ("userId" = "$response.body#/data/0/userId")))), ("MemberDelete" = (operation_id = "member_delete", parameters(("organizationId" = "$request.path.organizationId"), ("userId" = "$response.body#/data/0/userId")))))),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 404, response = crate::problem::NotFound),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn member_list(
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
        .map(|c| st.cursors.decode::<UserId>(c))
        .transpose()?;
    let mut rows = st.store.members(org.id, after, limit.get()).await?;
    let next_cursor = st.cursors.page(&mut rows, limit.get(), |last| last.user.id);
    let data = rows.iter().map(wire::Member::from).collect();
    Ok(HttpResponse::Ok().json(MemberPage { data, next_cursor }))
}

/// Change a member's role and/or permissions (administrators and managers).
///
/// Only administrators change administrators or grant the role; a manager grants only module ids
/// in its own `manage` set. 409 when it would leave the organization without an administrator.
#[utoipa::path(
    patch,
    path = "/organization/{organizationId}/members/{userId}",
    operation_id = "member_update",
    tag = "members",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("userId" = i64, Path, description = "The member's user id", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
    ),
    request_body = UpdateMemberRequest,
    responses(
        (status = 200, description = "The member, changed", body = wire::Member),
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
pub async fn member_update(
    caller: Caller,
    path: MemberPath,
    body: Json<UpdateMemberRequest>,
    st: web::Data<AppState>,
) -> Answer {
    let (org_id, user) = path.into_inner();
    let (org, actor) = membership_of(&st, &caller, org_id).await?;
    rules::may_manage_members(actor.role)?;
    let (role, permissions) = body.0.parse()?;
    let authorize =
        |target: &Membership| rules::may_change_member(&actor, target, role, permissions.as_ref());
    let ctx = st.context(Some(caller.id()));
    let member = st
        .store
        .update_member(
            org.id,
            user,
            role.map(domain::RoleChange::To),
            permissions.as_ref(),
            authorize,
            &ctx,
        )
        .await?;
    Ok(HttpResponse::Ok().json(wire::Member::from(&member)))
}

/// Remove a member, or leave (administrators and managers; anyone for themselves).
///
/// Only administrators remove an administrator; the last administrator cannot leave (409).
#[utoipa::path(
    delete,
    path = "/organization/{organizationId}/members/{userId}",
    operation_id = "member_delete",
    tag = "members",
    params(
        ("organizationId" = Uuid, Path, description = "Organization identifier"),
        ("userId" = i64, Path, description = "The member's user id", minimum = -9007199254740991_i64, maximum = 9007199254740991_i64),
    ),
    responses(
        (status = 204, description = "The member is removed"),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 404, response = crate::problem::NotFound),
        (status = 409, response = crate::problem::Conflict),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn member_delete(caller: Caller, path: MemberPath, st: web::Data<AppState>) -> Answer {
    let (org_id, user) = path.into_inner();
    let (org, actor) = membership_of(&st, &caller, org_id).await?;
    let authorize = |target: &Membership| rules::may_remove_member(&actor, target);
    st.store
        .remove_member(org.id, user, authorize, &st.context(Some(caller.id())))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
