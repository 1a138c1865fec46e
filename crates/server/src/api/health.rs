//! `GET /healthz`: the process is up (it does not touch the database).

use actix_web::HttpResponse;

use crate::wire::Health;

/// Liveness: answers while the process serves requests.
#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "health_view",
    tag = "health",
    responses((status = 200, description = "The process is up", body = Health))
)]
pub async fn health_view() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}
