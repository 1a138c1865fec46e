//! Rollcall's HTTP server: actix-web handlers annotated with utoipa over the application layer
//! (`app`). `serve` assembles the server; `api` holds the routes and the declared document;
//! `auth` and `extract` read requests; `problem` is the one place errors become HTTP.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod extract;
pub mod problem;

use std::{net::TcpListener, time::Instant};

use actix_web::{
    HttpServer,
    dev::{Server, Service},
    http::header::{HeaderName, HeaderValue},
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

/// Serves only `/healthz` and `/readyz` on `listener`: what a `rollcall worker` process answers
/// to its orchestrator. Stops gracefully on SIGINT or SIGTERM.
pub fn serve_health(listener: TcpListener, app: App) -> std::io::Result<Server> {
    let state = web::Data::new(app);
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .configure(api::health_routes)
            .default_service(web::to(problem::not_found))
    })
    .workers(1)
    .listen(listener)?
    .run();
    Ok(server)
}

/// Starts serving on `listener` with `workers` threads; the returned server stops gracefully
/// (finishing requests in flight) on SIGINT or SIGTERM. The identity provider's keys, when one
/// is configured, are fetched at once in the background.
pub fn serve(listener: TcpListener, app: App, workers: usize) -> std::io::Result<Server> {
    let warm = app.clone();
    actix_web::rt::spawn(async move { warm.warm_keys().await });
    let state = web::Data::new(app);
    let server = HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            .app_data(web::PathConfig::default().error_handler(problem::path_error))
            .app_data(web::QueryConfig::default().error_handler(problem::query_error))
            .wrap_fn(|req, srv| {
                let id = request_id_for(&req);
                let (method, path, started) = (req.method().clone(), req.path().to_owned(), Instant::now());
                let fut = problem::REQUEST_ID.sync_scope(id.clone(), || srv.call(req));
                problem::REQUEST_ID.scope(id.clone(), async move {
                    let mut res = problem::as_problem(fut.await?);
                    let status = res.status().as_u16();
                    tracing::info!(request_id = %id, %method, %path, status, micros = started.elapsed().as_micros() as u64, "request");
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
    .listen(listener)?
    .run();
    Ok(server)
}
