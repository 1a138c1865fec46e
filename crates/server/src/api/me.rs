//! `/me/…`: the caller's own organizations and the invitations waiting for it.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use domain::{OrganizationId, page::Limit};
use uuid::Uuid;

use crate::{
    AppState,
    api::PageQuery,
    auth::Caller,
    problem::ApiError,
    wire::{self, InvitationPage, MyOrganization, MyOrganizationPage},
};

type Answer = Result<HttpResponse, ApiError>;

/// The organizations you are a live member of, with your role there (by organization).
#[utoipa::path(
    get,
    path = "/me/organizations",
    operation_id = "me_organization_list",
    tag = "me",
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of your organizations", body = MyOrganizationPage),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn me_organization_list(
    caller: Caller,
    query: web::Query<PageQuery>,
    st: web::Data<AppState>,
) -> Answer {
    let limit = Limit::parse(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| st.cursors.decode::<OrganizationId>(c))
        .transpose()?;
    let mut rows = st
        .store
        .organizations_of(caller.id(), after, limit.get())
        .await?;
    let next_cursor = st.cursors.page(&mut rows, limit.get(), |(org, _)| org.id);
    let data = rows
        .iter()
        .map(|(org, m)| MyOrganization {
            organization: org.into(),
            role: m.role.into(),
            permissions: (&m.permissions).into(),
            joined_at: m.created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(MyOrganizationPage { data, next_cursor }))
}

/// The pending invitations to your verified email, newest first (403 without one).
#[utoipa::path(
    get,
    path = "/me/invitations",
    operation_id = "me_invitation_list",
    tag = "me",
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)"),
        ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "A page of invitations waiting for you", body = InvitationPage),
        (status = 400, response = crate::problem::BadRequest),
        (status = 401, response = crate::problem::Unauthorized),
        (status = 403, response = crate::problem::Forbidden),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security(("bearerAuth" = []))
)]
pub async fn me_invitation_list(
    caller: Caller,
    query: web::Query<PageQuery>,
    st: web::Data<AppState>,
) -> Answer {
    let email = caller.verified_email()?;
    let limit = Limit::parse(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| st.cursors.decode::<(DateTime<Utc>, Uuid)>(c))
        .transpose()?;
    let now = st.clock.now();
    let mut rows = st
        .store
        .invitations_to(&email, after, limit.get(), now)
        .await?;
    let next_cursor = st
        .cursors
        .page(&mut rows, limit.get(), |last| (last.created_at, last.id));
    let data = rows
        .iter()
        .map(|inv| wire::Invitation::new(inv, now))
        .collect();
    Ok(HttpResponse::Ok().json(InvitationPage { data, next_cursor }))
}
