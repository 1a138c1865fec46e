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
    b.rt.block_on(async {
        let api = seed::Api::new(&server.base);
        let org = seed::organization(&api, &seed::Tokens::new(SECRET), 1, "Drain").await?;
        seed::invite_many(&api, &org, "drain", EMAILS).await
    })?;
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
    let sent = b.rt.block_on(seed::count_until(
        &url,
        "SELECT COUNT(*) AS n FROM outbox_messages WHERE status = 'sent'",
        EMAILS,
        "emails sent",
    ))?;
    let seconds = started.elapsed().as_secs_f64();
    drop(worker);
    Ok(Drain {
        emails: sent,
        seconds,
        per_second: sent as f64 / seconds,
    })
}

/// postfix's `smtp-sink`, accepting and discarding.
struct SmtpSink(Child);

/// Where Debian's postfix puts it (not on every user's PATH).
const SMTP_SINK: &str = "/usr/sbin/smtp-sink";

impl SmtpSink {
    fn start(addr: &str) -> Result<Self, String> {
        let mut command = Command::new(SMTP_SINK);
        // As root, smtp-sink insists on dropping its privileges to a user named with -u.
        if super::is_root() {
            command.args(["-u", "nobody"]);
        }
        let mut child = command
            .args([addr, "256"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {SMTP_SINK}: {e}"))?;
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(addr).is_err() {
            let exited = child.try_wait().ok().flatten().is_some();
            if exited || Instant::now() > until {
                let _ = child.kill();
                let mut said = String::new();
                if let Some(mut stderr) = child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut stderr, &mut said);
                }
                return Err(format!(
                    "smtp-sink did not listen on {addr}: {}",
                    said.trim()
                ));
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
    if Path::new(SMTP_SINK).exists() {
        return Ok(());
    }
    println!("smtp-sink is missing: apt-get install -y postfix (unconfigured)");
    let install = "echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postfix";
    let _ = Command::new("sh").args(["-c", install]).status();
    if Path::new(SMTP_SINK).exists() {
        Ok(())
    } else {
        Err("postfix's smtp-sink is missing; install it (Debian: apt-get install postfix) and rerun".into())
    }
}
