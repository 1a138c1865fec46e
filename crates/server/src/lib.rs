//! Rollcall's HTTP server: actix-web handlers annotated with utoipa over the application layer
//! (`app`). `serve` assembles the server; `api` holds the routes and the declared document;
//! `auth` and `extract` read requests; `problem` is the one place errors become HTTP.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod extract;
pub mod problem;
pub mod telemetry;

use std::{net::TcpListener, time::Duration, time::Instant};

use actix_web::{
    HttpServer,
    dev::{Server, Service},
    http::header::{HeaderName, HeaderValue},
    middleware::Condition,
    web,
};
use app::App;
use utoipa_swagger_ui::SwaggerUi;

pub use api::ApiDoc;

const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// A caller's `x-request-id` when it is a short token, else a fresh uuid.
fn request_id_for(req: &actix_web::dev::ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// How a server runs, besides its routes.
#[derive(Clone)]
pub struct ServeOptions {
    /// `ROLLCALL_METRICS_TOKEN`: the bearer `/metrics` requires, if any.
    pub metrics_token: Option<String>,
    /// `ROLLCALL_REQUEST_METRICS` (default true): whether requests are counted and timed.
    pub request_metrics: bool,
    /// `ROLLCALL_SHUTDOWN_TIMEOUT_SECONDS` (default 30): on SIGTERM or SIGINT, how long requests
    /// in flight may take to finish before their connections are dropped.
    pub shutdown_timeout: Duration,
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("request_metrics", &self.request_metrics)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .finish()
    }
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            metrics_token: None,
            request_metrics: true,
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

/// Serves only `/healthz`, `/readyz` and `/metrics` on `listener`: what a `rollcall worker`
/// process answers to its orchestrator and its scraper. Stops gracefully on SIGINT or SIGTERM.
pub fn serve_health(
    listener: TcpListener,
    app: App,
    options: &ServeOptions,
) -> std::io::Result<Server> {
    telemetry::install();
    let state = web::Data::new(app);
    let token = web::Data::new(api::MetricsToken::new(options.metrics_token.as_deref()));
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .app_data(token.clone())
            .configure(api::health_routes)
            .default_service(web::to(problem::not_found))
    })
    .workers(1)
    .shutdown_timeout(options.shutdown_timeout.as_secs())
    .listen(listener)?
    .run();
    Ok(server)
}

/// Starts serving on `listener` with `workers` threads and the default options; the returned
/// server stops gracefully (finishing requests in flight) on SIGINT or SIGTERM.
pub fn serve(listener: TcpListener, app: App, workers: usize) -> std::io::Result<Server> {
    serve_with(listener, app, workers, &ServeOptions::default())
}

/// [`serve`] with `options`.
pub fn serve_with(
    listener: TcpListener,
    app: App,
    workers: usize,
    options: &ServeOptions,
) -> std::io::Result<Server> {
    telemetry::install();
    let state = web::Data::new(app);
    let token = web::Data::new(api::MetricsToken::new(options.metrics_token.as_deref()));
    let request_metrics = options.request_metrics;
    let document = contract::document();
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .app_data(token.clone())
            .app_data(web::PathConfig::default().error_handler(problem::path_error))
            .app_data(web::QueryConfig::default().error_handler(problem::query_error))
            .wrap(Condition::new(request_metrics, telemetry::RequestMetrics))
            .wrap_fn(|req, srv| {
                let id = request_id_for(&req);
                let (method, path, started) = (req.method().clone(), req.path().to_owned(), Instant::now());
                let fut = problem::REQUEST_ID.sync_scope(id.clone(), || srv.call(req));
                problem::REQUEST_ID.scope(id.clone(), async move {
                    let mut res = problem::as_problem(fut.await?);
                    let status = res.status().as_u16();
                    let operation = telemetry::operation_of(res.request());
                    tracing::info!(request_id = %id, operation, %method, %path, status, micros = started.elapsed().as_micros() as u64, "request");
                    if let Ok(v) = HeaderValue::from_str(&id) {
                        res.headers_mut().insert(REQUEST_ID_HEADER, v);
                    }
                    Ok(res)
                })
            })
            .configure(api::routes)
            .service(web::redirect("/docs", "/docs/"))
            .service(SwaggerUi::new("/docs/{_:.*}").external_url_unchecked("/openapi.json", document.clone()))
            .default_service(web::to(problem::not_found))
    })
    .workers(workers)
    .shutdown_timeout(options.shutdown_timeout.as_secs())
    .listen(listener)?
    .run();
    Ok(server)
}
