//! The webhook fan-out: how fast the worker delivers a backlog of signed deliveries to local
//! receivers. `rollcall serve` (background work off) takes 2,500 invitations through the API
//! in an organization with four endpoints, each invitation's `invitation.created` becoming four
//! deliveries; then `rollcall worker` delivers the 10,000 to `bench-baseline` (an actix-web
//! server answering 204 at `/webhook`), and the time until the last is recorded as succeeded is
//! measured.

use serde_json::json;

use super::{
    Bench, SECRET,
    backlog::{Backlog, Drained},
    load, seed,
};

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
pub fn fan_out(b: &Bench) -> Result<Drained, String> {
    let receiver = receiver(b, &b.out.join("webhook-receiver.log"))?;
    let expected = INVITATIONS * ENDPOINTS;
    let backlog = Backlog {
        name: "webhooks",
        env: &[("ROLLCALL_WEBHOOK_ALLOW_PRIVATE", "true")],
        worker_env: &[],
        done: "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'succeeded'",
        expected,
        what: "webhook deliveries succeeded",
    };
    backlog.drain(b, async |api| {
        let org = seed::organization(api, &seed::Tokens::new(SECRET), 1, "Fan-out").await?;
        for n in 0..ENDPOINTS {
            register(api, &org, &format!("{}/webhook?endpoint={n}", receiver.base)).await?;
        }
        seed::invite_many(api, &org, "hook", INVITATIONS).await?;
        println!(
            "  {INVITATIONS} invitations fanned out to {ENDPOINTS} endpoints: {expected} deliveries pending"
        );
        Ok(())
    })
}
