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

use std::{
    net::TcpListener,
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

use actix_web::{
    HttpServer,
    dev::{Server, ServerHandle, Service},
    http::ConnectionType,
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

/// Set once the process is stopping: answers close their connections from then on.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Stops `server` gracefully on the first SIGTERM or SIGINT — it stops accepting, requests in
/// flight finish (within the shutdown timeout), and every answer from then on closes its
/// connection so that keep-alive clients leave — and at once on a second signal.
#[cfg(unix)]
pub async fn stop_on_signals(server: ServerHandle) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot listen for SIGTERM and SIGINT; stop the process with SIGKILL");
        return;
    };
    let next = async |term: &mut tokio::signal::unix::Signal,
                      int: &mut tokio::signal::unix::Signal| {
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        }
    };
    let first = next(&mut term, &mut int).await;
    tracing::info!(signal = first, "stopping: finishing the requests in flight");
    STOPPING.store(true, Ordering::Relaxed);
    let graceful = server.stop(true);
    tokio::pin!(graceful);
    tokio::select! {
        () = &mut graceful => {}
        second = next(&mut term, &mut int) => {
            tracing::warn!(signal = second, "stopping now: requests in flight are dropped");
            server.stop(false).await;
        }
    }
}

/// Serves only `/healthz`, `/readyz` and `/metrics` on `listener`: what a `rollcall worker`
/// process answers to its orchestrator and its scraper. Stopped by [`stop_on_signals`] or its
/// handle.
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
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}

/// Starts serving on `listener` with `workers` threads and the default options. The returned
/// server stops through its handle (`rollcall serve` hands it to [`stop_on_signals`]).
pub fn serve(listener: TcpListener, app: App, workers: usize) -> std::io::Result<Server> {
    serve_with(listener, app, workers, &ServeOptions::default())
}

/// [`serve`] with `options`. The identity provider's keys, when one is configured, are fetched
/// at once in the background.
pub fn serve_with(
    listener: TcpListener,
    app: App,
    workers: usize,
    options: &ServeOptions,
) -> std::io::Result<Server> {
    telemetry::install();
    let warm = app.clone();
    actix_web::rt::spawn(async move { warm.warm_keys().await });
    let state = web::Data::new(app);
    let token = web::Data::new(api::MetricsToken::new(options.metrics_token.as_deref()));
    let request_metrics = options.request_metrics;
    let server = HttpServer::new(move || {
        // This factory runs on each HTTP worker's thread as it starts: its reads run on it.
        storage::read_on_this_thread();
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
                    tracing::info!(request_id = %id, operation = telemetry::operation_of(res.request()), %method, %path, status, micros = started.elapsed().as_micros() as u64, "request");
                    if STOPPING.load(Ordering::Relaxed) {
                        // Shutting down: a keep-alive client goes elsewhere for its next request.
                        res.response_mut().head_mut().set_connection_type(ConnectionType::Close);
                    }
                    if let Ok(v) = HeaderValue::from_str(&id) {
                        res.headers_mut().insert(REQUEST_ID_HEADER, v);
                    }
                    Ok(res)
                })
            })
            .configure(api::routes)
            .service(web::redirect("/docs", "/docs/"))
            // The document itself is an operation of the API (`api::health::document_view`).
            .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/openapi.json")))
            .default_service(web::to(problem::not_found))
    })
    .workers(workers)
    .shutdown_timeout(options.shutdown_timeout.as_secs())
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}
