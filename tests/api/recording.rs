//! A recording reverse proxy between the generated client and the in-process server, so that a
//! validator we did not write can check every answer the tests received against the document
//! (`cargo xtask ci`, step "strict response validation": openapi-core, tests/conformance).
//!
//! It runs only when `ROLLCALL_TEST_EXCHANGES` names a folder: `TestApp` then hands its clients
//! the proxy's address instead of the server's (tests that talk to `app.base` directly, with
//! raw sockets or a browser, are not recorded). Each exchange is one JSON line in
//! `<folder>/<test name>.<n>.ndjson`: the request's method, path, query and content type, and the
//! answer's status, headers and body, exactly as the server sent them. The server is the same
//! code either way; nothing in it knows about recording. `pass_on` and `relay` serve the other
//! proxies of the suite too.

use std::{
    fs::File,
    io::Write,
    net::TcpListener,
    path::PathBuf,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use actix_web::{HttpRequest, HttpResponse, web};

/// The environment variable naming the folder exchanges are written to.
pub const EXCHANGES_DIR: &str = "ROLLCALL_TEST_EXCHANGES";

/// Headers that belong to one connection, not to the message.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "content-length",
];

struct Upstream {
    base: String,
    http: reqwest::Client,
    log: Mutex<File>,
}

/// When recording is on, starts a proxy to `upstream` and returns its base URL.
pub fn proxy(upstream: &str) -> Option<String> {
    let dir = PathBuf::from(std::env::var_os(EXCHANGES_DIR)?);
    std::fs::create_dir_all(&dir).expect("the exchanges folder can be created");
    let log = File::create(dir.join(file_name())).expect("an exchanges file can be created");
    let upstream = web::Data::new(Upstream {
        base: upstream.to_owned(),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("a plain HTTP client"),
        log: Mutex::new(log),
    });
    Some(serve_proxy(upstream, forward))
}

/// Serves every request with `forward`, given `state`, on a free port with one worker; returns
/// the base URL.
pub fn serve_proxy<T, F, Args>(state: web::Data<T>, forward: F) -> String
where
    T: Send + Sync + 'static,
    F: actix_web::Handler<Args> + Send,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    let server = actix_web::HttpServer::new(move || {
        actix_web::App::new()
            .app_data(state.clone())
            // A handler takes the whole request body, of any size, as `web::Bytes`.
            .app_data(web::PayloadConfig::new(usize::MAX))
            .default_service(web::to(forward.clone()))
    })
    .workers(1)
    .listen(listener)
    .expect("the proxy listens")
    .run();
    actix_web::rt::spawn(server);
    base
}

/// `<test name>.<n>.ndjson`: the test's thread is named after it (libtest, nextest).
fn file_name() -> String {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let thread = std::thread::current();
    let test: String = thread
        .name()
        .unwrap_or("unnamed")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!(
        "{test}.{}.{}.ndjson",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}

async fn forward(
    req: HttpRequest,
    body: web::Bytes,
    upstream: web::Data<Upstream>,
) -> HttpResponse {
    let answer = match pass_on(&upstream.http, &upstream.base, &req, body)
        .send()
        .await
    {
        Ok(a) => a,
        Err(e) => return HttpResponse::BadGateway().body(format!("proxy: {e}")),
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();
    record(&upstream, &req, status.as_u16(), &headers, &bytes);
    relay(status.as_u16(), &headers, bytes)
}

/// `req`, with `body`, made ready to go on to `base` through `http`, without hop-by-hop headers.
pub fn pass_on(
    http: &reqwest::Client,
    base: &str,
    req: &HttpRequest,
    body: web::Bytes,
) -> reqwest::RequestBuilder {
    // actix-web and reqwest use different major versions of `http`: convert through bytes.
    let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes())
        .expect("actix parsed the method");
    let mut out = http
        .request(method, format!("{base}{}", req.uri()))
        .body(body);
    for (name, value) in req.headers() {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            out = out.header(name.as_str(), value.as_bytes());
        }
    }
    out
}

/// The upstream's answer (`status`, `headers`, `body`) relayed, without hop-by-hop headers.
pub fn relay(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: impl actix_web::body::MessageBody + 'static,
) -> HttpResponse {
    let mut res = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).expect("a status the server sent"),
    );
    for (name, value) in headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            res.append_header((name.as_str(), value.as_bytes()));
        }
    }
    res.body(body)
}

fn record(
    upstream: &Upstream,
    req: &HttpRequest,
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
) {
    let mut response_headers = serde_json::Map::new();
    for (name, value) in headers {
        response_headers
            .entry(name.as_str())
            .or_insert_with(|| serde_json::json!([]))
            .as_array_mut()
            .expect("an array")
            .push(String::from_utf8_lossy(value.as_bytes()).into());
    }
    let content_type = req
        .headers()
        .get("content-type")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let line = serde_json::json!({
        "request": {
            "method": req.method().as_str(),
            "path": req.path(),
            "query": req.query_string(),
            "contentType": content_type,
        },
        "response": {
            "status": status,
            "headers": response_headers,
            "body": String::from_utf8_lossy(body),
        },
    });
    let mut log = upstream.log.lock().expect("the log lock");
    writeln!(log, "{line}").expect("an exchange can be recorded");
}
