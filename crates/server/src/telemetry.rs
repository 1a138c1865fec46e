//! Metrics and the request log's labels. The `metrics` facade records (here, in the request
//! middleware, and in `crates/delivery` for the workers); `metrics-exporter-prometheus` is the
//! recorder, installed once per process, and renders `GET /metrics`; `metrics-process` adds the
//! process's RSS, CPU and open files at each scrape.
//!
//! Labels are bounded: a request's `operation` is the operationId of the route it matched — its
//! `(method, pattern)` looked up in the embedded document, never its raw path — or one of the
//! fixed labels `docs` (Swagger UI and `/openapi.json`) and `unknown` (no route, or a method the
//! path does not answer). `method` is one of the standard methods or `other`.

use std::{
    collections::HashMap,
    future::{Ready, ready},
    rc::Rc,
    sync::OnceLock,
    time::{Duration, Instant},
};

use actix_web::{
    HttpMessage, HttpRequest,
    dev::{Service, ServiceRequest, ServiceResponse, Transform},
    http::Method,
};
use futures_util::future::LocalBoxFuture;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub const REQUESTS: &str = "rollcall_http_requests_total";
pub const REQUEST_DURATION: &str = "rollcall_http_request_duration_seconds";
pub const POOL_CONNECTIONS: &str = "rollcall_db_pool_connections";
pub const INVITATIONS_CREATED: &str = "rollcall_invitations_created_total";
pub const INVITATIONS_ACCEPTED: &str = "rollcall_invitations_accepted_total";

/// The label of a request that matched no operation of the document.
pub const UNKNOWN_OPERATION: &str = "unknown";
/// The label of Swagger UI's pages and of `/openapi.json`.
pub const DOCS_OPERATION: &str = "docs";

/// Latency buckets, in seconds: 1 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histograms are folded and idle series kept tidy, between scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The process's exporter: installed as the global recorder on first use (every server in the
/// process renders the same registry).
struct Exporter {
    handle: PrometheusHandle,
    process: metrics_process::Collector,
}

fn exporter() -> &'static Exporter {
    static EXPORTER: OnceLock<Exporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), LATENCY_BUCKETS)
            .expect("the latency buckets are not empty");
        let handle = match builder.install_recorder() {
            Ok(handle) => handle,
            // Another recorder is installed (an embedding program's): render ours anyway.
            Err(e) => {
                tracing::warn!(error = %e, "a metrics recorder was installed already; /metrics shows only what reaches Rollcall's");
                PrometheusBuilder::new().build_recorder().handle()
            }
        };
        let upkeep = handle.clone();
        let _ = std::thread::Builder::new()
            .name("metrics-upkeep".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                }
            });
        let process = metrics_process::Collector::default();
        process.describe();
        describe();
        delivery::describe_metrics();
        Exporter { handle, process }
    })
}

/// Installs the recorder now (so that the workers' first counts are kept).
pub fn install() {
    exporter();
}

fn describe() {
    metrics::describe_counter!(
        REQUESTS,
        "HTTP requests by operation (the operationId of the matched route), method and status."
    );
    metrics::describe_histogram!(
        REQUEST_DURATION,
        metrics::Unit::Seconds,
        "Time from a request's arrival to its answer, by operation."
    );
    metrics::describe_gauge!(
        POOL_CONNECTIONS,
        "Database connections by pool (SQLite: read, write; PostgreSQL: main) and state (in_use, idle)."
    );
    metrics::describe_counter!(
        INVITATIONS_CREATED,
        "Invitations created (201 answers of invitation_create; a replay is not counted)."
    );
    metrics::describe_counter!(
        INVITATIONS_ACCEPTED,
        "Invitations accepted (201 answers of invitation_accept)."
    );
}

/// The text of `GET /metrics`: the registry, with the process's figures and the pools' sizes
/// read now (neither touches the database).
pub fn render(app: &app::App) -> String {
    let exporter = exporter();
    exporter.process.collect();
    for pool in app.pool_stats() {
        metrics::gauge!(POOL_CONNECTIONS, "pool" => pool.pool, "state" => "in_use")
            .set(f64::from(pool.in_use()));
        metrics::gauge!(POOL_CONNECTIONS, "pool" => pool.pool, "state" => "idle")
            .set(f64::from(pool.idle));
    }
    exporter.handle.render()
}

/// Counts `n` invitations created outside `invitation_create`'s single answer (a bulk request's
/// rows): call it after the use case returns, never inside its transaction.
pub fn invitations_created(n: u64) {
    metrics::counter!(INVITATIONS_CREATED).increment(n);
}

// ---- operations ----------------------------------------------------------------------------

/// The operationId of every `(method, path template)` of the embedded document.
struct Operations(HashMap<String, Vec<(Method, &'static str)>>);

fn operations() -> &'static Operations {
    static OPERATIONS: OnceLock<Operations> = OnceLock::new();
    OPERATIONS.get_or_init(|| {
        let document = contract::document();
        let mut by_path: HashMap<String, Vec<(Method, &'static str)>> = HashMap::new();
        let paths = document["paths"].as_object().into_iter().flatten();
        for (path, item) in paths {
            for (method, op) in item.as_object().into_iter().flatten() {
                let (Ok(method), Some(id)) = (
                    Method::from_bytes(method.to_ascii_uppercase().as_bytes()),
                    op["operationId"].as_str(),
                ) else {
                    continue;
                };
                // Leaked once per operation of the document, at start: labels are `&'static`.
                let id: &'static str = Box::leak(id.to_owned().into_boxed_str());
                by_path.entry(path.clone()).or_default().push((method, id));
            }
        }
        Operations(by_path)
    })
}

/// The `operation` label of an answered request: the operationId of the route it matched.
pub fn operation_of(req: &HttpRequest) -> &'static str {
    if let Some(Operation(op)) = req.extensions().get::<Operation>() {
        return op;
    }
    let Some(pattern) = req.match_pattern() else {
        return UNKNOWN_OPERATION;
    };
    let found = operations()
        .0
        .get(&pattern)
        .and_then(|methods| methods.iter().find(|(m, _)| m == req.method()))
        .map(|(_, id)| *id);
    match found {
        Some(id) => id,
        None if pattern.starts_with("/docs") || pattern == "/openapi.json" => DOCS_OPERATION,
        None => UNKNOWN_OPERATION,
    }
}

/// A bounded `method` label.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
    ];
    KNOWN
        .into_iter()
        .find(|m| *m == method.as_str())
        .unwrap_or("other")
}

/// The operation a request was labelled with, kept in its extensions for the request log.
#[derive(Clone, Copy)]
struct Operation(&'static str);

/// Counts one answered request, its latency, and the invitations it created or accepted.
fn record(res: &ServiceResponse<impl Sized>, elapsed: Duration) {
    let req = res.request();
    let operation = operation_of(req);
    req.extensions_mut().insert(Operation(operation));
    let status = res.status();
    metrics::counter!(
        REQUESTS,
        "operation" => operation,
        "method" => method_label(req.method()),
        "status" => status.as_str().to_owned()
    )
    .increment(1);
    metrics::histogram!(REQUEST_DURATION, "operation" => operation).record(elapsed.as_secs_f64());
    if status.as_u16() == 201 {
        match operation {
            "invitation_create" if !res.headers().contains_key("idempotency-replayed") => {
                metrics::counter!(INVITATIONS_CREATED).increment(1);
            }
            "invitation_accept" => metrics::counter!(INVITATIONS_ACCEPTED).increment(1),
            _ => {}
        }
    }
}

// ---- the middleware ------------------------------------------------------------------------

/// The request-metrics middleware: requests by operation, method and status, and latency by
/// operation. Off with `ROLLCALL_REQUEST_METRICS=false` (to measure what it costs).
pub struct RequestMetrics;

impl<S, B> Transform<S, ServiceRequest> for RequestMetrics
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = RequestMetricsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        exporter();
        ready(Ok(RequestMetricsService {
            service: Rc::new(service),
        }))
    }
}

pub struct RequestMetricsService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for RequestMetricsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let fut = self.service.call(req);
        Box::pin(async move {
            let res = fut.await?;
            record(&res, started.elapsed());
            Ok(res)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_of_the_document_has_its_label() {
        let ops = operations();
        let count: usize = ops.0.values().map(Vec::len).sum();
        assert!(count > 40, "only {count} operations read from the document");
        let view = &ops.0["/organization/{organizationId}/invitations/{invitationId}"];
        assert!(view.contains(&(Method::GET, "invitation_view")));
        assert!(view.contains(&(Method::DELETE, "invitation_revoke")));
    }

    #[test]
    fn an_unknown_method_is_labelled_other() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
