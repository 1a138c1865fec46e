//! `/organization/{organizationId}/webhooks…`: endpoints that receive the organization's
//! events, signed as the Standard Webhooks specification says, and their deliveries.
//! Administrators only (403 for other roles); another organization's endpoint is not found.

use actix_web::{HttpResponse, web};
use app::App;
use serde::Deserialize;
use wire::{
    CreateWebhookRequest, UpdateWebhookRequest, WebhookDelivery, WebhookDeliveryPage,
    WebhookDeliveryStatus, WebhookEndpoint, WebhookEndpointPage, WebhookEndpointWithSecret,
    WebhookSecret,
};

use crate::{
    api::{DeliveryPath, OrganizationPath, PageQuery, Reply, WebhookPath, no_content, ok, reply},
    auth::Caller,
    extract::{Json, KeyedJson},
};

/// 202 with `body`: accepted, to be done by the worker.
fn accepted<T: serde::Serialize>(body: T) -> Reply {
    Ok(HttpResponse::Accepted().json(body))
}

/// Register an endpoint (administrators).
///
/// Answers the endpoint with its signing secret (`whsec_…`), shown here and on rotation only:
/// keep it to verify deliveries. Without `ROLLCALL_WEBHOOK_ALLOW_PRIVATE` the URL must be
/// `https://` on a public host.
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/webhooks",
    tag = "webhooks",
    params(crate::api::OrganizationPath, crate::api::IdempotencyHeader),
    request_body = CreateWebhookRequest,
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        crate::problem::BodyRefusals,
        (status = 201, description = "The endpoint, with its secret", body = WebhookEndpointWithSecret, links(("WebhookView" = (operation_id = "webhook_view", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$response.body#/id")))), ("WebhookUpdate" = (operation_id = "webhook_update", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$response.body#/id")))), ("WebhookDelete" = (operation_id = "webhook_delete", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$response.body#/id")))), ("WebhookSecretRotate" = (operation_id = "webhook_secret_rotate", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$response.body#/id")))), ("WebhookTest" = (operation_id = "webhook_test", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$response.body#/id")))), ("WebhookDeliveryList" = (operation_id = "webhook_delivery_list", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$response.body#/id")))))),
    ),
    security(("bearerAuth" = []))
)]
pub async fn webhook_create(
    caller: Caller,
    path: web::Path<OrganizationPath>,
    body: KeyedJson<CreateWebhookRequest>,
    app: web::Data<App>,
) -> Reply {
    let new = body.parse()?;
    reply(
        app.webhook_create(&caller, path.organization_id, new, body.key)
            .await?,
    )
}

/// List the organization's endpoints, oldest first (administrators). Never their secrets.
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/webhooks",
    tag = "webhooks",
    params(crate::api::OrganizationPath, crate::api::PageQuery),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "A page of endpoints", body = WebhookEndpointPage),
    ),
    security(("bearerAuth" = []))
)]
pub async fn webhook_list(
    caller: Caller,
    path: web::Path<OrganizationPath>,
    query: web::Query<PageQuery>,
    app: web::Data<App>,
) -> Reply {
    ok(app
        .webhook_list(&caller, path.organization_id, query.page()?)
        .await?)
}

/// View an endpoint (administrators).
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/webhooks/{webhookId}",
    tag = "webhooks",
    params(crate::api::WebhookPath),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "The endpoint", body = WebhookEndpoint, links(("WebhookSecretRotate" = (operation_id = "webhook_secret_rotate", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$response.body#/id")))), ("WebhookTest" = (operation_id = "webhook_test", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$response.body#/id")))), ("WebhookDeliveryList" = (operation_id = "webhook_delivery_list", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$response.body#/id")))))),
    ),
    security(("bearerAuth" = []))
)]
pub async fn webhook_view(
    caller: Caller,
    path: web::Path<WebhookPath>,
    app: web::Data<App>,
) -> Reply {
    let (org, id) = (path.organization_id, path.webhook_id);
    ok(app.webhook_view(&caller, org, id).await?)
}

/// Change an endpoint: its URL, events, description, or whether it is enabled
/// (administrators). Enabling one Rollcall disabled clears `disabledReason`, and its pending
/// deliveries resume.
#[utoipa::path(
    patch,
    path = "/organization/{organizationId}/webhooks/{webhookId}",
    tag = "webhooks",
    params(crate::api::WebhookPath),
    request_body = UpdateWebhookRequest,
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        crate::problem::BodyRefusals,
        (status = 200, description = "The endpoint, changed", body = WebhookEndpoint, links(("WebhookSecretRotate" = (operation_id = "webhook_secret_rotate", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$response.body#/id")))), ("WebhookTest" = (operation_id = "webhook_test", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$response.body#/id")))), ("WebhookDeliveryList" = (operation_id = "webhook_delivery_list", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$response.body#/id")))))),
    ),
    security(("bearerAuth" = []))
)]
pub async fn webhook_update(
    caller: Caller,
    path: web::Path<WebhookPath>,
    body: Json<UpdateWebhookRequest>,
    app: web::Data<App>,
) -> Reply {
    let (org, id) = (path.organization_id, path.webhook_id);
    ok(app
        .webhook_update(&caller, org, id, body.0.parse()?)
        .await?)
}

/// Delete an endpoint; its pending deliveries stop (administrators).
#[utoipa::path(
    delete,
    path = "/organization/{organizationId}/webhooks/{webhookId}",
    tag = "webhooks",
    params(crate::api::WebhookPath),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 204, description = "The endpoint is deleted"),
    ),
    security(("bearerAuth" = []))
)]
pub async fn webhook_delete(
    caller: Caller,
    path: web::Path<WebhookPath>,
    app: web::Data<App>,
) -> Reply {
    let (org, id) = (path.organization_id, path.webhook_id);
    no_content(app.webhook_delete(&caller, org, id).await?)
}

/// Give an endpoint a new secret (administrators). For 24 hours deliveries carry two
/// signatures, one per secret, so receivers can switch without missing any.
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/webhooks/{webhookId}/rotate-secret",
    tag = "webhooks",
    params(crate::api::WebhookPath),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "The new secret", body = WebhookSecret, links(("WebhookTest" = (operation_id = "webhook_test", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$request.path.webhookId")))))),
    ),
    security(("bearerAuth" = []))
)]
pub async fn webhook_secret_rotate(
    caller: Caller,
    path: web::Path<WebhookPath>,
    app: web::Data<App>,
) -> Reply {
    let (org, id) = (path.organization_id, path.webhook_id);
    ok(app.webhook_secret_rotate(&caller, org, id).await?)
}

/// Send a `webhook.test` event to this endpoint alone (administrators). Answers the delivery;
/// follow it in the deliveries list. 409 when the endpoint is disabled.
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/webhooks/{webhookId}/test",
    tag = "webhooks",
    params(crate::api::WebhookPath),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 202, description = "The test delivery, queued", body = WebhookDelivery, links(("WebhookDeliveryRetry" = (operation_id = "webhook_delivery_retry", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$request.path.webhookId"), ("deliveryId" = "$response.body#/id")))), ("WebhookDeliveryList" = (operation_id = "webhook_delivery_list", parameters(("organizationId" = "$request.path.organizationId"), ("webhookId" = "$request.path.webhookId")))))),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn webhook_test(
    caller: Caller,
    path: web::Path<WebhookPath>,
    app: web::Data<App>,
) -> Reply {
    let (org, id) = (path.organization_id, path.webhook_id);
    accepted(app.webhook_test(&caller, org, id).await?)
}

/// Which deliveries to list, and the page.
#[derive(Debug, Deserialize)]
pub struct DeliveryListQuery {
    status: Option<WebhookDeliveryStatus>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// List an endpoint's deliveries, newest first (administrators).
#[utoipa::path(
    get,
    path = "/organization/{organizationId}/webhooks/{webhookId}/deliveries",
    tag = "webhooks",
    params(
        crate::api::WebhookPath,
        ("status" = Option<WebhookDeliveryStatus>, Query, description = "Only deliveries in this state"),
        crate::api::PageQuery,
    ),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 200, description = "A page of deliveries", body = WebhookDeliveryPage),
    ),
    security(("bearerAuth" = []))
)]
pub async fn webhook_delivery_list(
    caller: Caller,
    path: web::Path<WebhookPath>,
    query: web::Query<DeliveryListQuery>,
    app: web::Data<App>,
) -> Reply {
    let (org, id) = (path.organization_id, path.webhook_id);
    let query = query.into_inner();
    let page = PageQuery::page_of(query.limit, query.cursor)?;
    ok(app
        .webhook_delivery_list(&caller, org, id, query.status.map(Into::into), page)
        .await?)
}

/// Try a pending or failed delivery again now (administrators). 409 when it succeeded
/// already or its endpoint is disabled.
#[utoipa::path(
    post,
    path = "/organization/{organizationId}/webhooks/{webhookId}/deliveries/{deliveryId}/retry",
    tag = "webhooks",
    params(crate::api::DeliveryPath),
    responses(
        crate::problem::RefusalsForbiddenNotFound,
        (status = 202, description = "The delivery, due now", body = WebhookDelivery),
        (status = 409, response = crate::problem::Conflict),
    ),
    security(("bearerAuth" = []))
)]
pub async fn webhook_delivery_retry(
    caller: Caller,
    path: web::Path<DeliveryPath>,
    app: web::Data<App>,
) -> Reply {
    let (org, id, delivery) = (path.organization_id, path.webhook_id, path.delivery_id);
    accepted(
        app.webhook_delivery_retry(&caller, org, id, delivery)
            .await?,
    )
}
