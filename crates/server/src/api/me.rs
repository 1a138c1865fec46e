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
    tag = "me",
    params(crate::api::PageQuery),
    responses(
        crate::problem::Refusals,
        (status = 200, description = "A page of your organizations", body = MyOrganizationPage),
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
    tag = "me",
    params(crate::api::PageQuery),
    responses(
        crate::problem::RefusalsForbidden,
        (status = 200, description = "A page of invitations waiting for you", body = InvitationPage),
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
