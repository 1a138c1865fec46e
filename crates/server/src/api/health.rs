//! `GET /healthz` (the process is up; it does not touch the database) and `GET /readyz` (the
//! database answers too): what a load balancer or an orchestrator polls.

use actix_web::{HttpResponse, web};
use app::App;
use wire::Health;

use crate::problem::ApiError;

/// Liveness: answers while the process serves requests.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "health_view",
    tag = "health",
    responses((status = 200, description = "The process is up", body = Health)),
    security()
)]
pub async fn health_view() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// Readiness: the database answers a query within the acquire timeout; 503 while it does not.
#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "ready_view",
    tag = "health",
    responses(
        (status = 200, description = "The process and its database are up", body = Health),
        (status = 503, response = crate::problem::ServiceUnavailable),
    ),
    security()
)]
pub async fn ready_view(app: web::Data<App>) -> Result<HttpResponse, ApiError> {
    app.ready().await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
    }))
}
