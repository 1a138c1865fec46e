//! The baseline of `cargo xtask bench`: a bare actix-web handler answering a small JSON object,
//! with no database, no credentials and no middleware. Built with the same release profile as
//! `rollcall` and loaded the same way, it says how fast this machine serves HTTP at all, so that
//! every Rollcall figure can be read as a fraction of it.
//!
//! `POST /webhook` answers 204: the local receiver of the webhook fan-out.
//!
//! `bench-baseline [ADDR] [WORKERS]` (default `127.0.0.1:0` and one worker per core) prints
//! `listening on http://ADDR` on stderr once it accepts connections.

use actix_web::{App, HttpResponse, HttpServer, web};

#[derive(serde::Serialize)]
struct Answer {
    id: u64,
    name: &'static str,
    ok: bool,
}

/// What a webhook receiver answers: 204, nothing more (`cargo xtask bench`'s fan-out).
async fn delivered() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

async fn answer() -> HttpResponse {
    HttpResponse::Ok().json(Answer {
        id: 1,
        name: "baseline",
        ok: true,
    })
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let workers = args
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
    let listener = std::net::TcpListener::bind(&addr)?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    actix_web::rt::System::new().block_on(
        HttpServer::new(|| {
            App::new()
                .route("/webhook", web::post().to(delivered))
                .default_service(web::to(answer))
        })
        .workers(workers)
        .listen(listener)?
        .run(),
    )
}
