//! The HTTP API: the utoipa document the handlers declare (`ApiDoc`, compared with
//! `openapi/rollcall.yaml` by `cargo xtask drift`) and the route table. Handlers are thin:
//! extract, call one use case of `app`, map its answer to HTTP (`reply`, `ok`, `no_content`).

mod document;
mod health;
mod invitations;
mod me;
mod metrics;
mod organizations;
mod teams;
mod users_organizations;
mod webhooks;

use actix_web::{HttpResponse, Resource, web};
use serde::Serialize;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::problem::{self, method_not_allowed};
pub(crate) use document::header_ref;
use document::{ResponseHeaders, ScopeNames};
pub use metrics::MetricsToken;

/// The header parameter every `users-organizations/v1` operation takes.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
struct SessionHeader {
    /// Session token (a JWT issued by `POST /users-organizations/v1/sessions` or `rollcall token`).
    #[param(rename = "x-session-token")]
    x_session_token: String,
}

/// The organization of an `/organization/{organizationId}/…` path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
pub(crate) struct OrganizationPath {
    /// Organization identifier
    #[param(rename = "organizationId")]
    organization_id: uuid::Uuid,
}

/// The page size and cursor of a list; anything malformed is a 400.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub(crate) fn page(&self) -> domain::Result<app::PageRequest> {
        Self::page_of(self.limit, self.cursor.clone())
    }

    pub(crate) fn page_of(
        limit: Option<i64>,
        cursor: Option<String>,
    ) -> domain::Result<app::PageRequest> {
        Ok(app::PageRequest {
            limit: domain::page::Limit::parse(limit)?,
            cursor,
        })
    }
}

/// What a handler answers.
pub(crate) type Reply = Result<HttpResponse, problem::ApiError>;

/// 201 for what a use case created now, 200 for what it answers as it was; marked
/// `Idempotency-Replayed: true` when it is the kept answer of an earlier request.
pub(crate) fn reply<T: Serialize>(answer: app::Answer<T>) -> Reply {
    let mut res = if answer.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    if answer.replayed {
        res.insert_header(("idempotency-replayed", "true"));
    }
    Ok(res.json(answer.body))
}

/// 200 with `body`.
pub(crate) fn ok<T: Serialize>(body: T) -> Reply {
    Ok(HttpResponse::Ok().json(body))
}

/// 204.
pub(crate) fn no_content(_: ()) -> Reply {
    Ok(HttpResponse::NoContent().finish())
}

/// The optional header of every creating POST.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub(crate) struct IdempotencyHeader {
    /// A key of your choosing (1–255 visible ASCII characters) that makes retrying this request
    /// safe: for 24 hours, the same key with the same body answers the first answer again. Only
    /// a success or a conflict (409, 410) is kept: a request refused without effect leaves the
    /// key free for the corrected one.
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 255,
        pattern = "^[!-~]+$",
        nullable = false
    )]
    idempotency_key: Option<String>,
}

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metricsToken",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// What the handlers declare. `cargo xtask drift` compares it with `openapi/rollcall.yaml`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Rollcall", version = "1.0.0"),
    paths(
        health::health_view,
        health::ready_view,
        health::document_view,
        metrics::metrics_view,
        users_organizations::ad_user_invite,
        users_organizations::bo_user_create,
        users_organizations::bo_user_view,
        users_organizations::bo_organization_create,
        users_organizations::bo_organization_view,
        users_organizations::bo_user_organization_register,
        users_organizations::session_create,
        users_organizations::bo_user_list,
        users_organizations::bo_user_organization_list,
        users_organizations::bo_user_organization_delete,
        users_organizations::ad_user_list,
        users_organizations::ad_user_view,
        users_organizations::ad_user_update,
        users_organizations::ad_user_delete,
        users_organizations::ad_user_restore,
        organizations::organization_create,
        organizations::organization_view,
        organizations::invitation_create,
        organizations::invitation_bulk_create,
        teams::team_create,
        teams::team_list,
        teams::team_update,
        teams::team_delete,
        teams::team_member_list,
        teams::team_member_put,
        teams::team_member_delete,
        organizations::invitation_list,
        organizations::invitation_view,
        organizations::invitation_revoke,
        organizations::invitation_resend,
        organizations::audit_event_list,
        organizations::member_list,
        organizations::member_update,
        organizations::member_delete,
        invitations::invitation_lookup,
        invitations::invitation_accept,
        invitations::invitation_decline,
        me::me_organization_list,
        me::me_invitation_list,
        webhooks::webhook_create,
        webhooks::webhook_list,
        webhooks::webhook_view,
        webhooks::webhook_update,
        webhooks::webhook_delete,
        webhooks::webhook_secret_rotate,
        webhooks::webhook_test,
        webhooks::webhook_delivery_list,
        webhooks::webhook_delivery_retry,
    ),
    components(
        schemas(problem::Problem, problem::FieldProblem),
        responses(
            problem::BadRequest,
            problem::Unauthorized,
            problem::Forbidden,
            problem::NotFound,
            problem::Conflict,
            problem::Gone,
            problem::PayloadTooLarge,
            problem::UnsupportedMediaType,
            problem::UnprocessableContent,
            problem::RequestTimeout,
            problem::TooManyRequests,
            problem::ServiceUnavailable,
        )
    ),
    modifiers(&BearerScheme, &ResponseHeaders, &ScopeNames)
)]
pub struct ApiDoc;

/// A path and the methods it answers; any other method gets 405 with `Allow`.
fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<HttpResponse, _>(method_not_allowed(allow))
    }))
}

/// Registers the health and metrics endpoints alone (a worker process serves only these).
pub fn health_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz", "GET").route(web::get().to(health::health_view)))
        .service(resource("/readyz", "GET").route(web::get().to(health::ready_view)))
        .service(resource("/metrics", "GET").route(web::get().to(metrics::metrics_view)));
}

/// Registers every operation.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use organizations as org;
    use users_organizations as uo;
    health_routes(cfg);
    cfg.service(resource("/openapi.json", "GET").route(web::get().to(health::document_view)));
    cfg.service(
        resource("/users-organizations/v1/ad/users", "GET").route(web::get().to(uo::ad_user_list)),
    )
    .service(
        resource(
            "/users-organizations/v1/ad/users/{userId}",
            "GET, PATCH, DELETE",
        )
        .route(web::get().to(uo::ad_user_view))
        .route(web::patch().to(uo::ad_user_update))
        .route(web::delete().to(uo::ad_user_delete)),
    )
    .service(
        resource("/users-organizations/v1/ad/users/{userId}/restore", "POST")
            .route(web::post().to(uo::ad_user_restore)),
    )
    .service(
        resource("/users-organizations/v1/sessions", "POST")
            .route(web::post().to(uo::session_create)),
    )
    .service(resource("/me/organizations", "GET").route(web::get().to(me::me_organization_list)))
    .service(resource("/me/invitations", "GET").route(web::get().to(me::me_invitation_list)))
    .service(
        resource("/users-organizations/v1/ad/invite", "POST")
            .route(web::post().to(uo::ad_user_invite)),
    )
    .service(
        resource("/users-organizations/v1/bo/users", "GET, POST")
            .route(web::get().to(uo::bo_user_list))
            .route(web::post().to(uo::bo_user_create)),
    )
    .service(
        resource(
            "/users-organizations/v1/bo/users/{userId}/organizations",
            "GET",
        )
        .route(web::get().to(uo::bo_user_organization_list)),
    )
    .service(
        resource(
            "/users-organizations/v1/bo/users/{userId}/organizations/{organizationId}",
            "DELETE",
        )
        .route(web::delete().to(uo::bo_user_organization_delete)),
    )
    .service(
        resource("/users-organizations/v1/bo/users/{userId}", "GET")
            .route(web::get().to(uo::bo_user_view)),
    )
    .service(
        resource("/users-organizations/v1/bo/organizations", "POST")
            .route(web::post().to(uo::bo_organization_create)),
    )
    .service(
        resource(
            "/users-organizations/v1/bo/organizations/{organizationId}",
            "GET",
        )
        .route(web::get().to(uo::bo_organization_view)),
    )
    .service(
        resource(
            "/users-organizations/v1/bo/users/register/{userId}/organizations/{organizationId}",
            "POST",
        )
        .route(web::post().to(uo::bo_user_organization_register)),
    )
    .service(resource("/organization", "POST").route(web::post().to(org::organization_create)))
    .service(
        resource("/organization/{organizationId}", "GET")
            .route(web::get().to(org::organization_view)),
    )
    .service(
        resource("/organization/{organizationId}/invite", "POST")
            .route(web::post().to(org::invitation_create)),
    )
    .service(
        resource("/organization/{organizationId}/teams", "GET, POST")
            .route(web::get().to(teams::team_list))
            .route(web::post().to(teams::team_create)),
    )
    .service(
        resource(
            "/organization/{organizationId}/teams/{teamId}",
            "PATCH, DELETE",
        )
        .route(web::patch().to(teams::team_update))
        .route(web::delete().to(teams::team_delete)),
    )
    .service(
        resource(
            "/organization/{organizationId}/teams/{teamId}/members",
            "GET",
        )
        .route(web::get().to(teams::team_member_list)),
    )
    .service(
        resource(
            "/organization/{organizationId}/teams/{teamId}/members/{userId}",
            "PUT, DELETE",
        )
        .route(web::put().to(teams::team_member_put))
        .route(web::delete().to(teams::team_member_delete)),
    )
    .service(
        resource("/organization/{organizationId}/invitations", "GET")
            .route(web::get().to(org::invitation_list)),
    )
    .service(
        resource("/organization/{organizationId}/invitations/bulk", "POST")
            .route(web::post().to(org::invitation_bulk_create)),
    )
    .service(
        resource(
            "/organization/{organizationId}/invitations/{invitationId}",
            "GET, DELETE",
        )
        .route(web::get().to(org::invitation_view))
        .route(web::delete().to(org::invitation_revoke)),
    )
    .service(
        resource(
            "/organization/{organizationId}/invitations/{invitationId}/resend",
            "POST",
        )
        .route(web::post().to(org::invitation_resend)),
    )
    .service(
        resource("/organization/{organizationId}/audit-events", "GET")
            .route(web::get().to(org::audit_event_list)),
    )
    .service(
        resource("/organization/{organizationId}/members", "GET")
            .route(web::get().to(org::member_list)),
    )
    .service(
        resource(
            "/organization/{organizationId}/members/{userId}",
            "PATCH, DELETE",
        )
        .route(web::patch().to(org::member_update))
        .route(web::delete().to(org::member_delete)),
    )
    .service(
        resource("/organization/{organizationId}/webhooks", "GET, POST")
            .route(web::get().to(webhooks::webhook_list))
            .route(web::post().to(webhooks::webhook_create)),
    )
    .service(
        resource(
            "/organization/{organizationId}/webhooks/{webhookId}",
            "GET, PATCH, DELETE",
        )
        .route(web::get().to(webhooks::webhook_view))
        .route(web::patch().to(webhooks::webhook_update))
        .route(web::delete().to(webhooks::webhook_delete)),
    )
    .service(
        resource(
            "/organization/{organizationId}/webhooks/{webhookId}/rotate-secret",
            "POST",
        )
        .route(web::post().to(webhooks::webhook_secret_rotate)),
    )
    .service(
        resource(
            "/organization/{organizationId}/webhooks/{webhookId}/test",
            "POST",
        )
        .route(web::post().to(webhooks::webhook_test)),
    )
    .service(
        resource(
            "/organization/{organizationId}/webhooks/{webhookId}/deliveries",
            "GET",
        )
        .route(web::get().to(webhooks::webhook_delivery_list)),
    )
    .service(
        resource(
            "/organization/{organizationId}/webhooks/{webhookId}/deliveries/{deliveryId}/retry",
            "POST",
        )
        .route(web::post().to(webhooks::webhook_delivery_retry)),
    )
    .service(
        resource("/invitations/lookup", "POST")
            .route(web::post().to(invitations::invitation_lookup)),
    )
    .service(
        resource("/invitations/accept", "POST")
            .route(web::post().to(invitations::invitation_accept)),
    )
    .service(
        resource("/invitations/decline", "POST")
            .route(web::post().to(invitations::invitation_decline)),
    );
}
