//! `/me/…`: the caller's own organizations and the invitations waiting for it.

use actix_web::web;
use app::App;
use wire::{InvitationPage, MyOrganizationPage};

use crate::{
    api::{PageQuery, Reply, ok},
    auth::Caller,
};

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
    app: web::Data<App>,
) -> Reply {
    ok(app.me_organization_list(&caller, query.page()?).await?)
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
    app: web::Data<App>,
) -> Reply {
    ok(app.me_invitation_list(&caller, query.page()?).await?)
}
