//! Background work measured as a drain: `rollcall serve` (background work off) on a fresh
//! SQLite database fills a backlog through the API, then `rollcall worker` works it off, and the
//! time from the worker's start until a query counts all of it done is measured. The email
//! drain (`emails.rs`) and the webhook fan-out (`webhooks.rs`) are two such drains.

use std::time::Instant;

use super::{Bench, SECRET, load, seed};

/// What a drain measured: how many were done, in how long.
pub struct Drained {
    pub count: u64,
    pub seconds: f64,
    pub per_second: f64,
}

/// One drain: its directory under the run's, the settings its server and worker share beyond
/// the database, the secret, the address and an invitation quota out of the way, the worker's
/// own, and the query that counts what is done (`SELECT COUNT(*) AS n …`) up to `expected`.
pub struct Backlog<'a> {
    pub name: &'a str,
    pub env: &'a [(&'a str, &'a str)],
    pub worker_env: &'a [(&'a str, &'a str)],
    pub done: &'a str,
    pub expected: u64,
    pub what: &'a str,
}

impl Backlog<'_> {
    /// Fills the backlog with `fill` on a server, stops it, and drains it with a worker.
    pub fn drain(
        &self,
        b: &Bench,
        fill: impl AsyncFnOnce(&seed::Api) -> Result<(), String>,
    ) -> Result<Drained, String> {
        let dir = b.out.join(self.name);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let url = format!("sqlite://{}?mode=rwc", dir.join("rollcall.db").display());
        let env = |addr: &str, own: &[(&str, &str)]| {
            [
                ("DATABASE_URL", url.as_str()),
                ("ROLLCALL_JWT_SECRET", SECRET),
                ("ROLLCALL_BIND", addr),
                ("ROLLCALL_INVITATIONS_PER_HOUR", "1000000000"),
            ]
            .iter()
            .chain(self.env)
            .chain(own)
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>()
        };
        let start = |command: &str, own: &[(&str, &str)]| {
            let addr = load::free_addr()?;
            let log = dir.join(format!("{command}.log"));
            load::Server::start(
                &b.rollcall,
                &[command],
                &env(&addr, own),
                &log,
                &addr,
                "/readyz",
            )
        };
        let server = start("serve", &[("ROLLCALL_BACKGROUND", "false")])?;
        b.rt.block_on(fill(&seed::Api::new(&server.base)))?;
        drop(server);
        let mut worker_env = vec![("ROLLCALL_WORKER_POLL_MS", "20")];
        worker_env.extend(self.worker_env);
        let started = Instant::now();
        let worker = start("worker", &worker_env)?;
        let count =
            b.rt.block_on(seed::count_until(&url, self.done, self.expected, self.what))?;
        let seconds = started.elapsed().as_secs_f64();
        drop(worker);
        Ok(Drained {
            count,
            seconds,
            per_second: count as f64 / seconds,
        })
    }
}
