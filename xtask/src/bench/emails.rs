//! The email drain: how fast the worker empties a full outbox into a real SMTP server. `rollcall
//! serve` (background work off) takes 10,000 invitations through the API, each queueing its
//! email; then `rollcall worker` sends them to postfix's `smtp-sink` (fast enough not to be the
//! bound; installed with apt-get when missing), and the time until the last is recorded as sent
//! is measured.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use serde_json::json;

use super::{Bench, SECRET, load, seed};

/// What the drain measured.
pub struct Drain {
    pub emails: u64,
    pub seconds: f64,
    pub per_second: f64,
}

const EMAILS: u64 = 10_000;

/// Queues `EMAILS` invitation emails on a fresh SQLite database and drains them.
pub fn drain(b: &Bench) -> Result<Drain, String> {
    ensure_smtp_sink()?;
    let dir = b.out.join("emails");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let url = format!("sqlite://{}?mode=rwc", dir.join("rollcall.db").display());
    let common = |addr: &str| {
        vec![
            ("DATABASE_URL".to_owned(), url.clone()),
            ("ROLLCALL_JWT_SECRET".to_owned(), SECRET.to_owned()),
            ("ROLLCALL_BIND".to_owned(), addr.to_owned()),
            (
                "ROLLCALL_INVITATIONS_PER_HOUR".to_owned(),
                "1000000000".to_owned(),
            ),
            (
                "ROLLCALL_EMAILS_PER_RECIPIENT_PER_DAY".to_owned(),
                "1000000000".to_owned(),
            ),
        ]
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
    b.rt.block_on(queue(&server.base))?;
    drop(server);
    println!("  queued {EMAILS} invitation emails");
    let sink_addr = load::free_addr()?;
    let _sink = SmtpSink::start(&sink_addr)?;
    let worker_addr = load::free_addr()?;
    let mut env = common(&worker_addr);
    env.push((
        "ROLLCALL_SMTP_URL".to_owned(),
        format!("smtp://{sink_addr}"),
    ));
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
    let sent = b.rt.block_on(wait_sent(&url, started))?;
    let seconds = started.elapsed().as_secs_f64();
    drop(worker);
    Ok(Drain {
        emails: sent,
        seconds,
        per_second: sent as f64 / seconds,
    })
}

/// Invites `EMAILS` people, 64 at a time.
async fn queue(base: &str) -> Result<(), String> {
    let api = seed::Api::new(base);
    let tokens = seed::Tokens::new(SECRET);
    let org = seed::organization(&api, &tokens, 1, "Drain").await?;
    let path = format!("/organization/{}/invite", org.uuid);
    let results: Vec<Result<_, String>> = futures_util::stream::iter(0..EMAILS)
        .map(|n| {
            let (api, path, bearer) = (&api, &path, &org.bearer);
            async move {
                api.post(
                    path,
                    bearer,
                    json!({"email": format!("drain-{n}@bench.example"), "role": "member"}),
                )
                .await
            }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    results.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(())
}

/// Waits until every queued email is recorded as sent; answers how many were.
async fn wait_sent(url: &str, started: Instant) -> Result<u64, String> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = sea_orm::Database::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'sent'",
            ))
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no count")?;
        let sent =
            u64::try_from(row.try_get::<i64>("", "n").map_err(|e| e.to_string())?).unwrap_or(0);
        if sent >= EMAILS {
            return Ok(sent);
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err(format!(
                "only {sent} of {EMAILS} emails were sent in 10 minutes"
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// postfix's `smtp-sink`, accepting and discarding.
struct SmtpSink(Child);

impl SmtpSink {
    fn start(addr: &str) -> Result<Self, String> {
        let child = Command::new("smtp-sink")
            .args([addr, "256"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start smtp-sink: {e}"))?;
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_err() {
            if Instant::now() > until {
                return Err(format!("smtp-sink did not listen on {addr}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Self(child))
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// postfix's `smtp-sink`, installed with apt-get (postfix itself left unconfigured) when
/// missing.
fn ensure_smtp_sink() -> Result<(), String> {
    if Path::new("/usr/sbin/smtp-sink").exists() {
        return Ok(());
    }
    println!("smtp-sink is missing: apt-get install -y postfix (unconfigured)");
    let install = "echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix";
    let _ = Command::new("sh").args(["-c", install]).status();
    if Path::new("/usr/sbin/smtp-sink").exists() {
        Ok(())
    } else {
        Err("postfix's smtp-sink is missing; install it (Debian: apt-get install postfix) and rerun".into())
    }
}
