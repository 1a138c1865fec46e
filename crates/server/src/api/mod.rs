//! The HTTP API: the utoipa document the handlers declare (`ApiDoc`, compared with
//! `openapi/rollcall.yaml` by `cargo xtask drift`) and the route table. Handlers are thin:
//! extract, call one use case of `app`, map its answer to HTTP (`reply`, `ok`, `no_content`).

mod document;
mod health;
mod invitations;
mod me;
mod metrics;
mod organizations;
mod paths;
mod teams;
mod users_organizations;
mod webhooks;

use actix_web::{
    FromRequest, Handler, HttpResponse, Resource, Responder,
    dev::{AppService, HttpServiceFactory},
    http::Method,
    web,
};
use serde::Serialize;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::problem::{self, method_not_allowed};
pub(crate) use document::header_ref;
use document::{ResponseHeaders, ScopeNames};
pub use metrics::MetricsToken;
pub(crate) use paths::*;

/// The header parameter every `users-organizations/v1` operation takes.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
struct SessionHeader {
    /// Session token (a JWT issued by `POST /users-organizations/v1/sessions` or `rollcall token`).
    #[param(rename = "x-session-token")]
    x_session_token: String,
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

/// The operations of one path, added method by method; any other method gets 405 with `Allow`
/// naming them, in the order they were added.
struct Operations {
    resource: Resource,
    allow: Vec<String>,
}

/// The operations of `path`, none yet.
fn at(path: &str) -> Operations {
    Operations {
        resource: web::resource(path),
        allow: Vec::new(),
    }
}

impl Operations {
    /// Adds `handler` as the operation `method` calls.
    fn on<F, Args>(mut self, method: Method, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.allow.push(method.to_string());
        self.resource = self.resource.route(web::method(method).to(handler));
        self
    }
}

impl HttpServiceFactory for Operations {
    /// Registers the path's resource, answering any other method with 405 and `Allow`.
    fn register(self, config: &mut AppService) {
        let allow = self.allow.join(", ");
        let refuse = web::to(move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(method_not_allowed(&allow)) }
        });
        self.resource.default_service(refuse).register(config);
    }
}

/// Registers the health and metrics endpoints alone (a worker process serves only these).
pub fn health_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(at("/healthz").on(Method::GET, health::health_view))
        .service(at("/readyz").on(Method::GET, health::ready_view))
        .service(at("/metrics").on(Method::GET, metrics::metrics_view));
}

/// Registers every operation.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use organizations as org;
    use users_organizations as uo;
    health_routes(cfg);
    cfg.service(at("/openapi.json").on(Method::GET, health::document_view));
    cfg.service(at("/users-organizations/v1/ad/users").on(Method::GET, uo::ad_user_list))
        .service(
            at("/users-organizations/v1/ad/users/{userId}")
                .on(Method::GET, uo::ad_user_view)
                .on(Method::PATCH, uo::ad_user_update)
                .on(Method::DELETE, uo::ad_user_delete),
        )
        .service(
            at("/users-organizations/v1/ad/users/{userId}/restore")
                .on(Method::POST, uo::ad_user_restore),
        )
        .service(at("/users-organizations/v1/sessions").on(Method::POST, uo::session_create))
        .service(at("/me/organizations").on(Method::GET, me::me_organization_list))
        .service(at("/me/invitations").on(Method::GET, me::me_invitation_list))
        .service(at("/users-organizations/v1/ad/invite").on(Method::POST, uo::ad_user_invite))
        .service(
            at("/users-organizations/v1/bo/users")
                .on(Method::GET, uo::bo_user_list)
                .on(Method::POST, uo::bo_user_create),
        )
        .service(
            at("/users-organizations/v1/bo/users/{userId}/organizations")
                .on(Method::GET, uo::bo_user_organization_list),
        )
        .service(
            at("/users-organizations/v1/bo/users/{userId}/organizations/{organizationId}")
                .on(Method::DELETE, uo::bo_user_organization_delete),
        )
        .service(at("/users-organizations/v1/bo/users/{userId}").on(Method::GET, uo::bo_user_view))
        .service(
            at("/users-organizations/v1/bo/organizations")
                .on(Method::POST, uo::bo_organization_create),
        )
        .service(
            at("/users-organizations/v1/bo/organizations/{organizationId}")
                .on(Method::GET, uo::bo_organization_view),
        )
        .service(
            at("/users-organizations/v1/bo/users/register/{userId}/organizations/{organizationId}")
                .on(Method::POST, uo::bo_user_organization_register),
        )
        .service(at("/organization").on(Method::POST, org::organization_create))
        .service(at("/organization/{organizationId}").on(Method::GET, org::organization_view))
        .service(
            at("/organization/{organizationId}/invite").on(Method::POST, org::invitation_create),
        )
        .service(
            at("/organization/{organizationId}/teams")
                .on(Method::GET, teams::team_list)
                .on(Method::POST, teams::team_create),
        )
        .service(
            at("/organization/{organizationId}/teams/{teamId}")
                .on(Method::PATCH, teams::team_update)
                .on(Method::DELETE, teams::team_delete),
        )
        .service(
            at("/organization/{organizationId}/teams/{teamId}/members")
                .on(Method::GET, teams::team_member_list),
        )
        .service(
            at("/organization/{organizationId}/teams/{teamId}/members/{userId}")
                .on(Method::PUT, teams::team_member_put)
                .on(Method::DELETE, teams::team_member_delete),
        )
        .service(
            at("/organization/{organizationId}/invitations").on(Method::GET, org::invitation_list),
        )
        .service(
            at("/organization/{organizationId}/invitations/bulk")
                .on(Method::POST, org::invitation_bulk_create),
        )
        .service(
            at("/organization/{organizationId}/invitations/{invitationId}")
                .on(Method::GET, org::invitation_view)
                .on(Method::DELETE, org::invitation_revoke),
        )
        .service(
            at("/organization/{organizationId}/invitations/{invitationId}/resend")
                .on(Method::POST, org::invitation_resend),
        )
        .service(
            at("/organization/{organizationId}/audit-events")
                .on(Method::GET, org::audit_event_list),
        )
        .service(at("/organization/{organizationId}/members").on(Method::GET, org::member_list))
        .service(
            at("/organization/{organizationId}/members/{userId}")
                .on(Method::PATCH, org::member_update)
                .on(Method::DELETE, org::member_delete),
        )
        .service(
            at("/organization/{organizationId}/webhooks")
                .on(Method::GET, webhooks::webhook_list)
                .on(Method::POST, webhooks::webhook_create),
        )
        .service(
            at("/organization/{organizationId}/webhooks/{webhookId}")
                .on(Method::GET, webhooks::webhook_view)
                .on(Method::PATCH, webhooks::webhook_update)
                .on(Method::DELETE, webhooks::webhook_delete),
        )
        .service(
            at("/organization/{organizationId}/webhooks/{webhookId}/rotate-secret")
                .on(Method::POST, webhooks::webhook_secret_rotate),
        )
        .service(
            at("/organization/{organizationId}/webhooks/{webhookId}/test")
                .on(Method::POST, webhooks::webhook_test),
        )
        .service(
            at("/organization/{organizationId}/webhooks/{webhookId}/deliveries")
                .on(Method::GET, webhooks::webhook_delivery_list),
        )
        .service(
            at("/organization/{organizationId}/webhooks/{webhookId}/deliveries/{deliveryId}/retry")
                .on(Method::POST, webhooks::webhook_delivery_retry),
        )
        .service(at("/invitations/lookup").on(Method::POST, invitations::invitation_lookup))
        .service(at("/invitations/accept").on(Method::POST, invitations::invitation_accept))
        .service(at("/invitations/decline").on(Method::POST, invitations::invitation_decline));
}
