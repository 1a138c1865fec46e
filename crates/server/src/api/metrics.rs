//! `GET /metrics`: the Prometheus text format (rendered by `crate::telemetry`), for a scraper.
//! When `ROLLCALL_METRICS_TOKEN` is set, the scraper must send it as a bearer
//! (`Authorization: Bearer <token>`, Prometheus's `authorization.credentials`); otherwise
//! anyone who reaches the port may read it, as `/healthz`.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use app::App;
use sha2::{Digest, Sha256};

use crate::problem::ApiError;

/// The Prometheus text exposition format's media type.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The bearer `/metrics` requires, when one is configured (`ROLLCALL_METRICS_TOKEN`).
#[derive(Clone, Default)]
pub struct MetricsToken(Option<[u8; 32]>);

impl MetricsToken {
    pub fn new(token: Option<&str>) -> Self {
        Self(token.map(|t| Sha256::digest(t.as_bytes()).into()))
    }

    /// Whether `req` may read the metrics. Digests are compared, so the time taken says
    /// nothing about how much of a guess was right.
    fn admits(&self, req: &HttpRequest) -> Result<(), ApiError> {
        let Some(expected) = self.0 else {
            return Ok(());
        };
        let refused = |detail: &str| Err(ApiError::new(StatusCode::UNAUTHORIZED, detail));
        let mut values = req
            .headers()
            .get_all(actix_web::http::header::AUTHORIZATION);
        let (Some(value), None) = (values.next(), values.next()) else {
            return refused(
                "/metrics needs `Authorization: Bearer <ROLLCALL_METRICS_TOKEN>` (exactly once)",
            );
        };
        let given = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| <[u8; 32]>::from(Sha256::digest(t.trim().as_bytes())));
        if given == Some(expected) {
            Ok(())
        } else {
            refused("the bearer is not the metrics token (ROLLCALL_METRICS_TOKEN)")
        }
    }
}

/// Metrics in the Prometheus text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "health",
    responses(
        (status = 200, description = "Every metric family, in the Prometheus text format (version 0.0.4)", content_type = "text/plain", body = String),
        (status = 401, response = crate::problem::Unauthorized),
    ),
    security((), ("metricsToken" = []))
)]
pub async fn metrics_view(
    req: HttpRequest,
    app: web::Data<App>,
    token: Option<web::Data<MetricsToken>>,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = token {
        token.admits(&req)?;
    }
    Ok(HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(crate::telemetry::render(&app)))
}
