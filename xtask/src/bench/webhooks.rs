//! The webhook fan-out: how fast the worker delivers a backlog of signed deliveries to local
//! receivers. `rollcall serve` (background work off) takes 2,500 invitations through the API
//! in an organization with four endpoints, each invitation's `invitation.created` becoming four
//! deliveries; then `rollcall worker` delivers the 10,000 to `bench-baseline` (an actix-web
//! server answering 204 at `/webhook`), and the time until the last is recorded as succeeded is
//! measured.

use std::time::Instant;

use serde_json::json;

use super::{Bench, SECRET, load, seed};

/// What the fan-out measured.
pub struct FanOut {
    pub deliveries: u64,
    pub seconds: f64,
    pub per_second: f64,
}

const INVITATIONS: u64 = 2_500;
const ENDPOINTS: u64 = 4;

/// A local receiver: `bench-baseline` answering 204 at `/webhook`.
pub fn receiver(b: &Bench, log: &std::path::Path) -> Result<load::Server, String> {
    let addr = load::free_addr()?;
    load::Server::start(&b.baseline, &[&addr, "1"], &[], log, &addr, "/")
}

/// Registers an endpoint of `org` at `url` for every event type.
pub async fn register(api: &seed::Api, org: &seed::Organization, url: &str) -> Result<(), String> {
    api.post(
        &format!("/organization/{}/webhooks", org.uuid),
        &org.bearer,
        json!({ "url": url }),
    )
    .await
    .map(|_| ())
}

/// Fans `INVITATIONS` events out to `ENDPOINTS` endpoints on a fresh SQLite database, then
/// delivers them.
pub fn fan_out(b: &Bench) -> Result<FanOut, String> {
    let dir = b.out.join("webhooks");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let url = format!("sqlite://{}?mode=rwc", dir.join("rollcall.db").display());
    let receiver = receiver(b, &dir.join("receiver.log"))?;
    let common = |addr: &str| {
        [
            ("DATABASE_URL", url.as_str()),
            ("ROLLCALL_JWT_SECRET", SECRET),
            ("ROLLCALL_BIND", addr),
            ("ROLLCALL_INVITATIONS_PER_HOUR", "1000000000"),
            ("ROLLCALL_WEBHOOK_ALLOW_PRIVATE", "true"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec()
    };
    let addr = load::free_addr()?;
    let mut env = common(&addr);
    env.push(("ROLLCALL_BACKGROUND".to_owned(), "false".to_owned()));
    let server = load::Server::start(
        &b.rollcall,
        &["serve"],
        &env,
        &dir.join("serve.log"),
        &addr,
        "/readyz",
    )?;
    b.rt.block_on(async {
        let api = seed::Api::new(&server.base);
        let org = seed::organization(&api, &seed::Tokens::new(SECRET), 1, "Fan-out").await?;
        for n in 0..ENDPOINTS {
            register(
                &api,
                &org,
                &format!("{}/webhook?endpoint={n}", receiver.base),
            )
            .await?;
        }
        seed::invite_many(&api, &org, "hook", INVITATIONS).await
    })?;
    drop(server);
    let expected = INVITATIONS * ENDPOINTS;
    println!(
        "  {INVITATIONS} invitations fanned out to {ENDPOINTS} endpoints: {expected} deliveries pending"
    );
    let worker_addr = load::free_addr()?;
    let mut env = common(&worker_addr);
    env.push(("ROLLCALL_WORKER_POLL_MS".to_owned(), "20".to_owned()));
    let started = Instant::now();
    let worker = load::Server::start(
        &b.rollcall,
        &["worker"],
        &env,
        &dir.join("worker.log"),
        &worker_addr,
        "/readyz",
    )?;
    let delivered = b.rt.block_on(seed::count_until(
        &url,
        "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'succeeded'",
        expected,
        "webhook deliveries succeeded",
    ))?;
    let seconds = started.elapsed().as_secs_f64();
    drop(worker);
    Ok(FanOut {
        deliveries: delivered,
        seconds,
        per_second: delivered as f64 / seconds,
    })
}
