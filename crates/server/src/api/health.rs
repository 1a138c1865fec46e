//! `GET /healthz` (the process is up; it does not touch the database) and `GET /readyz` (the
//! database answers too): what a load balancer or an orchestrator polls. `GET /openapi.json`:
//! the contract itself, which clients read to learn what this server offers (the CLI looks for
//! the bulk invite there).

use std::sync::LazyLock;

use actix_web::{HttpResponse, web};
use app::App;
use wire::{ApiDocument, Health};

use crate::problem::ApiError;

/// Liveness: answers while the process serves requests.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses((status = 200, description = "The process is up", body = Health)),
    security()
)]
pub async fn health_view() -> HttpResponse {
    healthy()
}

/// Readiness: the database answers a query within the acquire timeout; 503 while it does not.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, description = "The process and its database are up", body = Health),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security()
)]
pub async fn ready_view(app: web::Data<App>) -> Result<HttpResponse, ApiError> {
    app.ready().await?;
    Ok(healthy())
}

/// 200 with `{"status": "ok"}`.
fn healthy() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// `openapi/rollcall.yaml` as JSON, converted once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| contract::document().to_string());

/// The OpenAPI document this server follows (`openapi/rollcall.yaml`, as JSON).
///
/// What Swagger UI (`/docs`) shows, and what a client reads to learn which operations this
/// server has.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "health",
    responses((status = 200, description = "The OpenAPI document", body = ApiDocument)),
    security()
)]
pub async fn document_view() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(DOCUMENT.as_str())
}
